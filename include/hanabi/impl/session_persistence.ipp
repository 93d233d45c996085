// session_persistence: the state document and the coalesced saves (session/persistence.hpp).
#pragma once

#include <hanabi/session/persistence.hpp>

#include <hanabi/protocol/decoder.hpp>
#include <hanabi/protocol/encode.hpp>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <utility>

namespace hanabi {

namespace detail {

inline std::int64_t epoch_now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

inline constexpr int state_document_version = 1;

}  // namespace detail

HANABI_DECL nlohmann::json state_document(const session_state& s, std::int64_t sampled_at_ms) {
  nlohmann::json filters = s.filters;
  return {{"version", detail::state_document_version},
          {"active", s.active},
          {"paused", s.paused},
          {"position", s.current ? s.current->position : 0},
          {"sampled_at", sampled_at_ms},
          {"volume", s.volume},
          {"filters", std::move(filters)},
          {"lifetime", s.lifetime == session_lifetime::persistent ? "persistent" : "transient"},
          {"node", s.node}};
}

HANABI_DECL result<std::optional<restored_playback>> playback_from_document(const nlohmann::json& doc,
                                                                            std::int64_t now_ms) {
  auto bad = [](const char* why) { return failure{error::invalid_argument, fmt::format("state document: {}", why)}; };
  if (!doc.is_object() || doc.value("version", 0) != detail::state_document_version) return bad("unknown version");
  const auto active = doc.find("active"), paused = doc.find("paused"), position = doc.find("position"),
             sampled = doc.find("sampled_at"), volume = doc.find("volume"), filters = doc.find("filters");
  for (auto it : {active, paused, position, sampled, volume, filters})
    if (it == doc.end()) return bad("a field is missing");
  if (!active->is_boolean() || !paused->is_boolean() || !position->is_number_integer() ||
      !sampled->is_number_integer() || !volume->is_number_integer() || !filters->is_object())
    return bad("a field has the wrong type");
  if (!active->get<bool>()) return std::optional<restored_playback>{};
  restored_playback p;
  p.paused = paused->get<bool>();
  p.volume = volume->get<int>();
  if (p.volume < 0 || p.volume > 1000) return bad("volume out of range");
  const auto elapsed = p.paused ? 0 : std::max<std::int64_t>(0, now_ms - sampled->get<std::int64_t>());
  p.position = std::max<std::int64_t>(0, position->get<std::int64_t>() + elapsed);
  protocol::decoder dec;
  auto decoded = dec.decode<protocol::filters>(filters->dump());
  if (!decoded) return decoded.error();
  p.filters = std::move(*decoded);
  return std::optional<restored_playback>{std::move(p)};
}

HANABI_DECL session_lifetime lifetime_from_document(const nlohmann::json& doc) {
  return doc.is_object() && doc.value("lifetime", "") == "persistent" ? session_lifetime::persistent
                                                                     : session_lifetime::transient;
}

HANABI_DECL volume_memory::volume_memory(storage::store& store, std::map<user_id, int> loaded, logger log)
    : store_(store), log_(std::move(log)) {
  for (const auto& [user, volume] : loaded) volumes_.emplace(user, static_cast<std::uint16_t>(std::clamp(volume, 0, 1000)));
}

HANABI_DECL void volume_memory::load(storage::store& store, logger log, load_handler handler) {
  auto diag = std::make_shared<diagnostics>();
  store.async_load_volumes(*diag, [&store, log = std::move(log), diag, handler = std::move(handler)](
                                      error_code ec, std::map<user_id, int> loaded) mutable {
    auto memory = ec ? nullptr : std::make_shared<volume_memory>(store, std::move(loaded), std::move(log));
    auto ex = asio::get_associated_executor(handler, store.get_executor());
    asio::dispatch(ex, [h = std::move(handler), ec, memory = std::move(memory)]() mutable { std::move(h)(ec, memory); });
  });
}

HANABI_DECL std::optional<std::uint16_t> volume_memory::recall(user_id u) const {
  std::lock_guard lock(mutex_);
  auto it = volumes_.find(u);
  if (it == volumes_.end()) return std::nullopt;
  return it->second;
}

HANABI_DECL void volume_memory::remember(user_id u, std::uint16_t volume) {
  {
    std::lock_guard lock(mutex_);
    volumes_[u] = volume;
  }
  auto diag = std::make_shared<diagnostics>();
  store_.async_save_volume(u, volume, *diag, [log = log_, u, diag](error_code ec) {
    if (ec) log.warn("user {}: volume not stored: {}", u, diag->client_message());
  });
}

HANABI_DECL std::vector<action_record> restored_history(const std::vector<storage::session_action>& stored) {
  std::vector<action_record> history;
  history.reserve(stored.size());
  for (const auto& a : stored) history.push_back({a.at, a.by, a.action, a.detail});
  return history;
}

HANABI_DECL std::shared_ptr<session_persistence> session_persistence::create(storage::store& store,
                                                                             storage::session_key key,
                                                                             std::uint64_t durable_version,
                                                                             persistence_config config) {
  return std::make_shared<session_persistence>(private_tag{}, store, std::move(key), durable_version,
                                               std::move(config));
}

HANABI_DECL session_persistence::session_persistence(private_tag, storage::store& store, storage::session_key key,
                                                     std::uint64_t durable_version, persistence_config config)
    : store_(store),
      key_(std::move(key)),
      config_(std::move(config)),
      journal_(store, key_, durable_version, storage::queue_journal_config{config_.log}) {}

HANABI_DECL void session_persistence::configure(local_session_config& cfg) {
  cfg.queue_recorder = journal_.recorder();
  cfg.on_action = [self = shared_from_this()](const action_record& r) { self->keep_action(r); };
  if (auto volumes = config_.volumes) {
    cfg.recall_volume = [volumes](user_id u) { return volumes->recall(u); };
    cfg.on_volume_remembered = [volumes](user_id u, std::uint16_t v) { volumes->remember(u, v); };
  }
}

HANABI_DECL void session_persistence::attach(std::shared_ptr<session> s) {
  session_ = s;
  std::weak_ptr<session_persistence> weak = shared_from_this();
  subscription_ = s->subscribe([weak](const session_event& e) {
    if (auto self = weak.lock()) self->on_event(e);
  });
  asio::post(s->get_executor(), [self = shared_from_this(), ex = s->get_executor()] {
    self->journal_.hand_off_on(ex);  // on the strand, where the queue records: batches from now on
    self->refresher_.emplace(ex);
    self->refresh();
  });
}

HANABI_DECL void session_persistence::on_event(const session_event& e) {
  if (auto* closed = std::get_if<session_events::closed>(&e)) return forget(closed->reason);
  if (auto* changed = std::get_if<session_events::state_changed>(&e))
    return save(state_document(changed->state, detail::epoch_now_ms()));
  if (auto* started = std::get_if<session_events::track_started>(&e)) keep_play(started->item);
  refresh();  // a track started or ended, the player moved: the state the event does not carry
}

HANABI_DECL void session_persistence::keep_action(const action_record& r) {
  auto diag = std::make_shared<diagnostics>();
  store_.async_add_action(key_, {r.at, r.by, r.action, r.detail}, *diag, log_failure("action", diag));
}

HANABI_DECL void session_persistence::keep_play(const item_view& item) {
  auto diag = std::make_shared<diagnostics>();
  storage::history_entry played{item.requester,
                                key_.bot,
                                key_.guild,
                                item.title,
                                item.uri.empty() ? item.identifier : item.uri,
                                item.encoded.empty() ? std::nullopt : std::optional<std::string>(item.encoded),
                                std::chrono::system_clock::now()};
  store_.async_add_history(std::move(played), *diag, log_failure("playback history", diag));
}

HANABI_DECL std::function<void(error_code)> session_persistence::log_failure(const char* what,
                                                                           std::shared_ptr<diagnostics> diag) const {
  return [log = config_.log, channel = key_.channel, what, diag = std::move(diag)](error_code ec) {
    if (ec) log.warn("session {}: {} not stored: {}", channel, what, diag->client_message());
  };
}

HANABI_DECL void session_persistence::refresh() {
  auto s = session_.lock();
  if (!s) return;
  auto diag = std::make_shared<diagnostics>();
  s->async_state(*diag, [self = shared_from_this(), diag](error_code ec, session_state state) {
    if (!ec) self->save(state_document(state, detail::epoch_now_ms()));
  });
}

HANABI_DECL void session_persistence::save(nlohmann::json doc) {
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    playing_ = doc["active"].get<bool>() && !doc["paused"].get<bool>();
    latest_ = doc;
    if (writing_) {
      waiting_ = std::move(doc);
      return;
    }
    writing_ = true;
  }
  write(std::move(doc));
  arm_refresh();
}

HANABI_DECL void session_persistence::write(nlohmann::json doc) {
  store_.async_save_session_state(key_, std::move(doc), diag_,
                                  [self = shared_from_this()](error_code ec) { self->written(ec); });
}

HANABI_DECL void session_persistence::written(error_code ec) {
  if (ec) config_.log.warn("session {}: state not saved: {}", key_.channel, diag_.client_message());
  std::optional<nlohmann::json> next;
  {
    std::lock_guard lock(mutex_);
    next = std::exchange(waiting_, std::nullopt);
    writing_ = next.has_value() && !closed_;
    if (!writing_) return;
  }
  write(std::move(*next));
}

HANABI_DECL void session_persistence::arm_refresh() {
  auto s = session_.lock();
  if (!s) return;
  // The timer lives on the session's strand; re-arming it from a store thread would race.
  asio::post(s->get_executor(), [self = shared_from_this()] {
    if (!self->refresher_) return;
    {
      std::lock_guard lock(self->mutex_);
      if (self->closed_ || !self->playing_) {
        self->refresher_->cancel();
        return;
      }
    }
    self->refresher_->expires_after(self->config_.save_interval);
    self->refresher_->async_wait([weak = std::weak_ptr<session_persistence>(self)](error_code ec) {
      if (auto me = weak.lock(); me && !ec) me->refresh();
    });
  });
}

HANABI_DECL void session_persistence::forget(close_reason reason) {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    waiting_.reset();
  }
  if (refresher_) refresher_->cancel();
  if (reason == close_reason::shutdown || reason == close_reason::child_lost) return;
  // Deleted only after the journal's last append: a later append would fail (its session is gone),
  // but the record must not be left half-written.
  journal_.async_flush([self = shared_from_this()](error_code, std::uint64_t) {
    auto diag = std::make_shared<diagnostics>();
    self->store_.async_delete_session(self->key_, *diag, [self, diag](error_code ec) {
      if (ec) self->config_.log.warn("session {}: not deleted from the store: {}", self->key_.channel, diag->client_message());
    });
  });
}

HANABI_DECL void session_persistence::flush(flush_handler handler) {
  auto s = session_.lock();
  if (!s) return commit(std::move(handler));
  // Not every change publishes a state (a seek does not): take the session's state now.
  auto diag = std::make_shared<diagnostics>();
  s->async_state(*diag, [self = shared_from_this(), diag, handler = std::move(handler)](error_code ec,
                                                                                       session_state state) mutable {
    if (!ec) self->save(state_document(state, detail::epoch_now_ms()));
    self->commit(std::move(handler));
  });
}

HANABI_DECL void session_persistence::commit(flush_handler handler) {
  journal_.async_flush([self = shared_from_this(), handler = std::move(handler)](error_code ec, std::uint64_t) mutable {
    if (ec) return self->finish(std::move(handler), ec);
    nlohmann::json latest;
    {
      std::lock_guard lock(self->mutex_);
      if (!self->closed_) latest = self->latest_;  // a closed session's record may be deleted: never recreate it
    }
    if (latest.is_null()) return self->finish(std::move(handler), error_code{});
    // Store operations take effect in order: this save commits after any save initiated before it.
    auto diag = std::make_shared<diagnostics>();
    self->store_.async_save_session_state(self->key_, std::move(latest), *diag,
                                          [self, diag, handler = std::move(handler)](error_code e) mutable {
                                            self->finish(std::move(handler), e);
                                          });
  });
}

HANABI_DECL void session_persistence::finish(flush_handler handler, error_code ec) {
  auto ex = asio::get_associated_executor(handler, store_.get_executor());
  asio::dispatch(ex, [h = std::move(handler), ec]() mutable { std::move(h)(ec); });
}

}  // namespace hanabi
