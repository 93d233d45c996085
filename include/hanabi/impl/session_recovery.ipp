// Recovery of stored sessions and node sessions (session/recovery.hpp).
#pragma once

#include <hanabi/session/recovery.hpp>

#include <hanabi/queue/queue_event.hpp>
#include <hanabi/queue/track_queue.hpp>
#include <hanabi/session/persistence.hpp>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <utility>

namespace hanabi {

HANABI_DECL result<track_queue> replayed_queue(const storage::session_record& record) {
  auto queue = record.snapshot.is_null() ? result<track_queue>(track_queue{}) : track_queue::restore(record.snapshot);
  if (!queue) return queue.error();
  for (const auto& stored : record.tail) {
    auto event = queue_event_from_json(stored.body);
    if (!event) return event.error();
    if (auto applied = queue->apply(*event); !applied) return applied.error();
  }
  return queue;
}

HANABI_DECL result<recovered_session> create_persisted_session(node_pool& pool, storage::store& store,
                                                               session_address where, local_session_config config,
                                                               persistence_config persistence) {
  auto keeper = session_persistence::create(store, {config.bot_name, where.guild, where.voice}, 0, std::move(persistence));
  keeper->configure(config);
  auto created = local_session::create(pool, where, std::move(config));
  if (!created) return created.error();
  keeper->attach(*created);
  return recovered_session{std::move(*created), std::move(keeper)};
}

HANABI_DECL void resume_stored_session(node_config& config, const std::vector<storage::node_session>& stored) {
  auto it = std::find_if(stored.begin(), stored.end(), [&](const auto& s) { return s.node == config.name; });
  if (it != stored.end()) config.session_id = it->session_id;
}

HANABI_DECL void keep_node_session(node& n, storage::store& store, logger log) {
  node_handlers handlers;
  handlers.state = [&n, &store, log](node_state state) {
    if (state != node_state::ready) return;
    storage::node_session saved{n.config().name, n.session_id(), n.config().resuming.enabled,
                                n.config().resuming.timeout};
    auto diag = std::make_shared<diagnostics>();
    store.async_save_node_session(std::move(saved), *diag, [diag, log, name = n.config().name](error_code ec) {
      if (ec) log.warn("node {}: session not saved: {}", name, diag->client_message());
    });
  };
  n.subscribe(std::move(handlers));
}

namespace detail {

/// One run of async_recover: lives until the last session has answered. Everything but the
/// initial load runs on the pool's strand.
class recovery_run : public std::enable_shared_from_this<recovery_run> {
 public:
  recovery_run(storage::store& store, node_pool& pool, recovery_config config, recovery_handler handler)
      : store_(store), pool_(pool), config_(std::move(config)), handler_(std::move(handler)) {}

  void start() {
    store_.async_load_sessions(config_.bot_name, diag_,
                               [self = shared_from_this()](error_code ec, std::vector<storage::session_record> records) {
                                 if (ec) return self->finish(ec);
                                 asio::post(self->pool_.get_executor(), [self, records = std::move(records)]() mutable {
                                   self->recover_all(std::move(records));
                                 });
                               });
  }

 private:
  void recover_all(std::vector<storage::session_record> records) {
    pending_ = records.size() + 1;  // + 1: the loop itself, so no answer completes the run early
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    for (auto& r : records) recover(std::move(r), now);
    done_one();
  }

  void recover(storage::session_record record, std::int64_t now_ms) {
    const session_address where{record.key.guild, record.key.channel};
    if (config_.channel_exists && !config_.channel_exists(where))
      return forget(record.key, {where, error::voice_disconnected, "the voice channel no longer exists"});
    auto queue = replayed_queue(record);
    if (!queue) return forget(record.key, {where, queue.error().code, queue.error().what()});
    auto playback = record.state.is_null() ? result<std::optional<restored_playback>>(std::nullopt)
                                           : playback_from_document(record.state, now_ms);
    if (!playback) return forget(record.key, {where, playback.error().code, playback.error().what()});

    auto keeper = session_persistence::create(store_, record.key, record.version(), config_.persistence);
    auto cfg = config_.session_config(where);
    cfg.bot_name = config_.bot_name;
    cfg.lifetime = lifetime_from_document(record.state);
    keeper->configure(cfg);
    cfg.restored_history = restored_history(record.actions);
    cfg.restored_queue = std::move(*queue);
    cfg.restored = std::move(*playback);
    const auto by = cfg.bot;
    auto created = local_session::create(pool_, where, std::move(cfg));
    if (!created) return forget(record.key, {where, created.error().code, created.error().what()});
    auto s = std::move(*created);
    keeper->attach(s);
    if (config_.on_created) config_.on_created(s);
    rejoin(recovered_session{std::move(s), std::move(keeper)}, by);
  }

  void rejoin(recovered_session r, user_id by) {
    auto diag = std::make_shared<diagnostics>();
    auto s = r.session;
    s->async_connect({.by = by}, *diag,
                     [self = shared_from_this(), diag, r = std::move(r)](error_code ec, session_state) mutable {
                       if (!ec) {
                         self->report_.recovered.push_back(std::move(r));
                         return self->done_one();
                       }
                       const auto where = r.session->address();
                       auto why = fmt::format("could not rejoin voice channel {}: {}", where.voice,
                                              diag->client_message().empty() ? ec.message() : diag->client_message());
                       // Closing deletes the record (its persistence sees `closed`).
                       r.session->close(close_reason::voice_lost, why);
                       self->lose({where, ec, std::move(why)});
                     });
  }

  /// A session that never came back to life: its record is deleted here.
  void forget(const storage::session_key& key, lost_session lost) {
    auto diag = std::make_shared<diagnostics>();
    store_.async_delete_session(key, *diag, [diag, log = config_.log, key](error_code ec) {
      if (ec) log.warn("recovery: session {} not deleted: {}", key.channel, diag->client_message());
    });
    lose(std::move(lost));
  }

  void lose(lost_session lost) {
    config_.log.warn("recovery: session in channel {} lost: {}", lost.address.voice, lost.reason);
    if (config_.on_lost) config_.on_lost(lost);
    report_.lost.push_back(std::move(lost));
    done_one();
  }

  void done_one() {
    if (--pending_ == 0) finish(error_code{});
  }

  void finish(error_code ec) {
    auto ex = asio::get_associated_executor(handler_, pool_.get_executor());
    asio::dispatch(ex, [h = std::move(handler_), ec, report = std::move(report_)]() mutable {
      std::move(h)(ec, std::move(report));
    });
  }

  storage::store& store_;
  node_pool& pool_;
  const recovery_config config_;
  recovery_handler handler_;
  diagnostics diag_;  // of the initial load
  recovery_report report_;
  std::size_t pending_ = 0;
};

HANABI_DECL void start_recovery(storage::store& store, node_pool& pool, recovery_config config,
                                recovery_handler handler) {
  if (!config.session_config) {
    // Through the pool's executor first: a handler never runs inside the initiating call.
    return asio::post(pool.get_executor(), [h = std::move(handler), ex = pool.get_executor()]() mutable {
      auto target = asio::get_associated_executor(h, ex);
      asio::dispatch(target, [h = std::move(h)]() mutable {
        std::move(h)(make_error_code(error::invalid_argument), recovery_report{});
      });
    });
  }
  std::make_shared<recovery_run>(store, pool, std::move(config), std::move(handler))->start();
}

}  // namespace detail

}  // namespace hanabi
