// The parent's session manager (see session/session_manager.hpp).
#pragma once

#include <hanabi/detail/post_completion.hpp>
#include <hanabi/detail/session_selection.hpp>
#include <hanabi/session/session_manager.hpp>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include <fmt/format.h>

#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <utility>

namespace hanabi::detail {

namespace asio = boost::asio;

/// {"guild": "…", "voice": "…"}: how a session's address travels in the session ops.
inline nlohmann::json address_to_json(const session_address& a) {
  return {{"guild", a.guild.str()}, {"voice", a.voice.str()}};
}

/// The snowflake in `j[key]` (a decimal string); empty when absent or malformed.
template <class Id>
std::optional<Id> snowflake_field(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return std::nullopt;
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return std::nullopt;
  auto id = Id::parse(it->template get_ref<const std::string&>());
  if (!id) return std::nullopt;
  return *id;
}

inline std::optional<session_address> address_from_json(const nlohmann::json& j) {
  auto guild = snowflake_field<guild_id>(j, "guild");
  auto voice = snowflake_field<channel_id>(j, "voice");
  if (!guild || !voice) return std::nullopt;
  return session_address{*guild, *voice};
}

/// The close reason a child names in `session_closed`; unknown names read as `requested`.
inline close_reason close_reason_from(const nlohmann::json& payload) {
  static constexpr std::pair<std::string_view, close_reason> names[] = {
      {"requested", close_reason::requested},   {"inactivity", close_reason::inactivity},
      {"kicked", close_reason::kicked},         {"voice_lost", close_reason::voice_lost},
      {"child_lost", close_reason::child_lost}, {"shutdown", close_reason::shutdown}};
  auto it = payload.find("reason");
  if (it == payload.end() || !it->is_string()) return close_reason::requested;
  for (auto& [name, reason] : names)
    if (*it == name) return reason;
  return close_reason::requested;
}

/// A child's answer to `available`: {"free": bool}. Anything else counts as busy.
inline child_answer availability_from(const error_code& ec, const nlohmann::json& r) {
  if (ec) return child_answer::unreachable;
  if (!r.is_object()) return child_answer::busy;
  auto it = r.find("free");
  return it != r.end() && it->is_boolean() && it->get<bool>() ? child_answer::free : child_answer::busy;
}

class session_manager_state : public std::enable_shared_from_this<session_manager_state> {
 public:
  using strand_type = asio::strand<asio::any_io_executor>;
  using session_ptr = std::shared_ptr<session>;

  session_manager_state(asio::any_io_executor ex, session_manager_config config, local_session_factory local,
                        remote_session_hooks remote)
      : executor_(ex),
        strand_(asio::make_strand(ex)),
        config_(std::move(config)),
        local_(std::move(local)),
        remote_(std::move(remote)) {}

  /// Creates the control server; separate from the constructor because its handlers hold a weak_ptr to this.
  void init() { server_ = std::make_unique<remote::server>(executor_, config_.server, link_handlers()); }

  remote::server& server() { return *server_; }

  void get_or_create(session_address where, create_options options, diagnostics& diag,
                     session_handler<session_ptr> h) {
    asio::dispatch(strand_, [self = shared_from_this(), where, options = std::move(options), dp = &diag,
                             h = std::move(h)]() mutable {
      self->begin_create(where, std::move(options), *dp, std::move(h));
    });
  }

  /// A session this process already holds (recovered at start) becomes this bot's.
  void adopt_local(session_ptr s) {
    asio::dispatch(strand_, [self = shared_from_this(), s = std::move(s)] { self->add(s, self->config_.name, {}, true); });
  }

  void disconnect(channel_id voice, disconnect_args args, diagnostics& diag, session_handler<void> h) {
    asio::dispatch(strand_, [self = shared_from_this(), voice, args = std::move(args), dp = &diag,
                             h = std::move(h)]() mutable { self->begin_disconnect(voice, std::move(args), *dp, std::move(h)); });
  }

  session_ptr find(channel_id voice) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = entries_.find(voice);
    return it == entries_.end() ? nullptr : it->second.session;
  }

  std::vector<session_ptr> sessions() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<session_ptr> out;
    for (auto& [voice, e] : entries_) out.push_back(e.session);
    return out;
  }

  std::vector<std::string> children() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::string> out;
    for (auto& [name, l] : links_) out.push_back(name);
    return out;
  }

 private:
  // One session the manager knows: who holds it and, for a child's, over which link.
  struct entry {
    session_ptr session;
    std::string bot;
    remote::link link;  // empty for a local session
    session_subscription subscription;
  };

  // One creation in flight for a voice channel; later callers for the same channel wait on it.
  struct creation {
    creation(session_address w, create_options o, selection_request r, std::string self, bool self_free,
             std::vector<selection_candidate> c)
        : where(w), options(std::move(o)), selection(std::move(r), std::move(self), self_free, std::move(c)) {}
    session_address where;
    create_options options;
    session_selection selection;
    diagnostics diag;
    std::string holder;  // the bot creating it right now (reserved in the guild); empty while asking
    std::vector<std::pair<diagnostics*, session_handler<session_ptr>>> waiters;
  };
  using creation_ptr = std::shared_ptr<creation>;

  // --- get_or_create

  void begin_create(session_address where, create_options options, diagnostics& diag,
                    session_handler<session_ptr> h) {
    if (auto it = creating_.find(where.voice); it != creating_.end()) {
      it->second->waiters.emplace_back(&diag, std::move(h));
      return;
    }
    selection_request request{where, options.bot, entries_.count(where.voice) > 0};
    auto c = std::make_shared<creation>(where, std::move(options), std::move(request), config_.name,
                                        !busy_in_guild(config_.name, where.guild), candidates(where.guild));
    c->waiters.emplace_back(&diag, std::move(h));
    creating_[where.voice] = c;
    run(c, c->selection.start());
  }

  std::vector<selection_candidate> candidates(guild_id guild) const {
    std::vector<selection_candidate> out;
    for (auto& name : config_.children) {
      // Without a way to make proxies (remote_session_hooks::make) no child can hold a session.
      auto standing = links_.count(name) == 0 || !remote_.make ? child_standing::offline
                      : busy_in_guild(name, guild) ? child_standing::busy
                                                   : child_standing::askable;
      out.push_back({name, standing});
    }
    return out;
  }

  /// The bot holds a session in the guild, or is creating one there.
  bool busy_in_guild(const std::string& bot, guild_id guild) const {
    for (auto& [voice, e] : entries_)
      if (e.bot == bot && e.session->address().guild == guild) return true;
    for (auto& [voice, c] : creating_)
      if (c->holder == bot && c->where.guild == guild) return true;
    return false;
  }

  void run(const creation_ptr& c, selection_step step) {
    using kind = selection_step::kind;
    switch (step.what) {
      case kind::wait:
        return;
      case kind::ask:
        for (auto& name : step.ask) ask_available(c, name);
        return;
      case kind::existing:
        return finish(c, {}, entries_.at(c->where.voice).session);
      case kind::local:
        return create_local(c);
      case kind::child:
        return connect_child(c, step.bot);
      case kind::failed:
        c->diag.set_client_message(std::move(step.message));
        return finish(c, step.reason, nullptr);
    }
  }

  void ask_available(const creation_ptr& c, const std::string& child) {
    link_of(child).async_request(
        "available", address_to_json(c->where), config_.availability_timeout,
        asio::bind_executor(strand_, [self = shared_from_this(), c, child](error_code ec, nlohmann::json r) {
          if (!self->is_open(c)) return;  // decided and finished already
          self->run(c, c->selection.on_answer(child, availability_from(ec, r)));
        }));
  }

  bool is_open(const creation_ptr& c) const {
    auto it = creating_.find(c->where.voice);
    return it != creating_.end() && it->second == c;
  }

  void create_local(const creation_ptr& c) {
    c->holder = config_.name;
    local_(c->where, c->options.by, c->diag,
           asio::bind_executor(strand_, [self = shared_from_this(), c](error_code ec, session_ptr s) {
             c->holder.clear();
             if (!ec && s) self->add(s, self->config_.name, {}, false);
             self->finish(c, ec, s);
           }));
  }

  void connect_child(const creation_ptr& c, const std::string& child) {
    auto link = link_of(child);
    if (!link) {
      c->diag.set_client_message(fmt::format("{} is not connected", child));
      return finish(c, error::child_lost, nullptr);
    }
    c->holder = child;
    auto args = address_to_json(c->where);
    args["by"] = c->options.by.str();
    if (c->options.text_channel) args["text"] = c->options.text_channel->str();
    link.async_request(
        "connect", std::move(args), config_.connect_timeout,
        asio::bind_executor(strand_, [self = shared_from_this(), c, child, link](error_code ec, nlohmann::json r) {
          c->holder.clear();
          if (ec == error::bot_busy) return self->run(c, c->selection.on_refused(child));
          if (!ec && !link.is_up()) ec = error::child_lost;  // it dropped between its answer and now
          if (ec) {
            if (r.is_string()) c->diag.set_client_message(r.get<std::string>());
            return self->finish(c, ec, nullptr);
          }
          auto s = self->make_remote(link, c->where, child);
          self->add(s, child, link, false);
          self->finish(c, {}, s);
        }));
  }

  void finish(const creation_ptr& c, error_code ec, session_ptr s) {
    creating_.erase(c->where.voice);
    for (auto& [diag, h] : std::exchange(c->waiters, {})) {
      if (ec) *diag = c->diag;
      post_completion(std::move(h), strand_, ec, s);
    }
  }

  // --- disconnect

  void begin_disconnect(channel_id voice, disconnect_args args, diagnostics& diag, session_handler<void> h) {
    auto it = entries_.find(voice);
    if (it == entries_.end()) {
      diag.set_client_message("there is no session in this voice channel");
      return post_completion(std::move(h), strand_, error_code(error::no_session));
    }
    auto s = it->second.session;
    s->async_disconnect(std::move(args), diag,
                        asio::bind_executor(strand_, [self = shared_from_this(), s, h = std::move(h)](
                                                         error_code ec) mutable {
                          if (!ec) self->remove(s, close_reason::requested);
                          post_completion(std::move(h), self->strand_, ec);
                        }));
  }

  // --- The session table

  void add(const session_ptr& s, const std::string& bot, remote::link link, bool adopted) {
    auto address = s->address();
    entry e{s, bot, link, {}};
    std::weak_ptr<session_manager_state> weak = weak_from_this();
    std::weak_ptr<session> ws = s;
    e.subscription = s->subscribe([weak, ws](const session_event& ev) {
      auto self = weak.lock();
      if (!self) return;
      if (auto* closed = std::get_if<session_events::closed>(&ev))
        asio::post(self->strand_, [self, ws, reason = closed->reason] {
          if (auto s = ws.lock()) self->remove(s, reason);
        });
      if (auto* moved = std::get_if<session_events::channel_moved>(&ev))
        asio::post(self->strand_, [self, ws, from = moved->from, to = moved->to] {
          if (auto s = ws.lock()) self->rekey(s, from, to);
        });
    });
    std::optional<entry> replaced;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (auto it = entries_.find(address.voice); it != entries_.end()) replaced = std::move(it->second);
      entries_.insert_or_assign(address.voice, std::move(e));
    }
    emit(manager_events::session_added{address, bot, adopted});
  }

  /// Forgets `s` (if it is still the session of its channel) and reports why.
  void remove(const session_ptr& s, close_reason reason) {
    auto address = s->address();
    std::optional<entry> gone;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = entries_.find(address.voice);
      if (it == entries_.end() || it->second.session != s) return;
      gone = std::move(it->second);
      entries_.erase(it);
    }
    emit(manager_events::session_removed{address, gone->bot, reason});
  }

  /// The bot was dragged to another channel: the session is now keyed by the new one.
  void rekey(const session_ptr& s, channel_id from, channel_id to) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = entries_.find(from);
    if (it == entries_.end() || it->second.session != s || entries_.count(to) > 0) return;
    auto node = entries_.extract(it);
    node.key() = to;
    entries_.insert(std::move(node));
  }

  // --- The children's links

  remote::link link_of(const std::string& child) const {
    auto it = links_.find(child);
    return it == links_.end() ? remote::link{} : it->second;
  }

  remote::link_handlers link_handlers() {
    std::weak_ptr<session_manager_state> weak = weak_from_this();
    auto on_strand = [weak](auto f) {
      if (auto self = weak.lock()) asio::post(self->strand_, [self, f = std::move(f)]() mutable { f(*self); });
    };
    remote::link_handlers h;
    h.on_up = [on_strand](remote::link l) { on_strand([l](session_manager_state& m) { m.child_up(l); }); };
    h.on_down = [on_strand](remote::link l, error_code why, const std::string&) {
      on_strand([l, why](session_manager_state& m) { m.child_down(l, why); });
    };
    h.on_event = [on_strand](remote::link l, const remote::event& e) {
      on_strand([l, e](session_manager_state& m) { m.child_event(l, e); });
    };
    return h;
  }

  void child_up(const remote::link& l) {
    const std::string name = l.peer().name;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      links_[name] = l;
    }
    config_.log.info("child {} registered", name);
    emit(manager_events::child_up{name});
    adopt(l);
  }

  /// Asks a (re)connected child for its live sessions and takes each one over on the new link.
  void adopt(remote::link l) {
    l.async_request("sessions", nlohmann::json::object(), config_.adopt_timeout,
                    asio::bind_executor(strand_, [self = shared_from_this(), l](error_code ec, nlohmann::json r) {
                      if (ec) return self->config_.log.warn("child {} did not list its sessions: {}", l.peer().name,
                                                            ec.message());
                      self->adopt_listed(l, r);
                    }));
  }

  void adopt_listed(const remote::link& l, const nlohmann::json& listed) {
    const nlohmann::json& list = listed.is_object() && listed.contains("sessions") ? listed["sessions"] : listed;
    if (!list.is_array() || !l.is_up() || !remote_.make) return;
    const std::string name = l.peer().name;
    for (auto& item : list) {
      auto where = address_from_json(item);
      if (!where) continue;
      auto it = entries_.find(where->voice);
      if (it != entries_.end() && it->second.link == l) continue;
      if (it != entries_.end() && it->second.bot != name) continue;  // another bot's: keep ours
      if (it != entries_.end()) tell_lost(*it->second.session, error::link_replaced);
      add(make_remote(l, *where, name), name, l, true);
    }
  }

  void child_down(const remote::link& l, error_code why) {
    const std::string name = l.peer().name;
    bool current = false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = links_.find(name);
      current = it != links_.end() && it->second == l;
      if (current) links_.erase(it);
    }
    config_.log.warn("child {} is gone: {}", name, why.message());
    if (current) emit(manager_events::child_down{name, why});
    std::vector<session_ptr> lost;
    for (auto& [voice, e] : entries_)
      if (e.link == l) lost.push_back(e.session);
    for (auto& s : lost) {
      tell_lost(*s, why);
      remove(s, close_reason::child_lost);
    }
  }

  void child_event(const remote::link& l, const remote::event& e) {
    if (e.op != "session_event" && e.op != "session_closed") return;
    auto voice = snowflake_field<channel_id>(e.payload, "voice");
    if (!voice) return config_.log.warn("child {} sent {} without a voice channel", l.peer().name, e.op);
    auto it = entries_.find(*voice);
    if (it == entries_.end() || !(it->second.link == l)) return;  // not a session this child holds for us
    auto s = it->second.session;
    if (remote_.deliver) remote_.deliver(*s, e);
    // The child ended it itself: drop the proxy, and never send a disconnect back.
    if (e.op == "session_closed") remove(s, close_reason_from(e.payload));
  }

  session_ptr make_remote(const remote::link& l, session_address where, const std::string& child) {
    return remote_.make(l, where, child);
  }

  void tell_lost(session& s, error_code why) {
    if (remote_.lost) remote_.lost(s, why);
  }

  void emit(const manager_event& ev) {
    if (config_.on_event) config_.on_event(ev);
  }

  asio::any_io_executor executor_;
  strand_type strand_;
  session_manager_config config_;
  local_session_factory local_;
  remote_session_hooks remote_;
  std::unique_ptr<remote::server> server_;

  // Written only on the strand; the mutex lets find(), sessions() and children() read them from any
  // thread. It is never held across a network call, nor while a handler runs.
  mutable std::mutex mutex_;
  std::map<channel_id, entry> entries_;
  std::map<std::string, remote::link, std::less<>> links_;
  std::map<channel_id, creation_ptr> creating_;  // strand only
};

}  // namespace hanabi::detail

namespace hanabi {

HANABI_DECL remote_session_hooks remote_session_hooks_for(boost::asio::any_io_executor ex,
                                                          remote_session_config config) {
  remote_session_hooks h;
  h.make = [ex, config](remote::link link, session_address where, std::string bot) -> std::shared_ptr<session> {
    return remote_session::create(ex, std::move(link), where, std::move(bot), config);
  };
  // Every proxy the manager holds for a child was made by `make` above: a remote_session.
  h.deliver = [](session& s, const remote::event& e) { static_cast<remote_session&>(s).deliver(e); };
  h.lost = [](session& s, error_code why) { static_cast<remote_session&>(s).link_lost(why); };
  return h;
}

HANABI_DECL session_manager::session_manager(boost::asio::any_io_executor ex, session_manager_config config,
                                             local_session_factory local, remote_session_hooks remote)
    : state_(std::make_shared<detail::session_manager_state>(std::move(ex), std::move(config), std::move(local),
                                                             std::move(remote))) {
  state_->init();
}

HANABI_DECL session_manager::~session_manager() { stop(); }

HANABI_DECL result<boost::asio::ip::tcp::endpoint> session_manager::listen() { return state_->server().listen(); }

HANABI_DECL void session_manager::stop() { state_->server().stop(); }

HANABI_DECL void session_manager::start_get_or_create(const std::shared_ptr<detail::session_manager_state>& state,
                                                      session_address where, create_options options,
                                                      diagnostics& diag,
                                                      session_handler<std::shared_ptr<session>> handler) {
  state->get_or_create(where, std::move(options), diag, std::move(handler));
}

HANABI_DECL void session_manager::start_disconnect(const std::shared_ptr<detail::session_manager_state>& state,
                                                   channel_id voice, disconnect_args args, diagnostics& diag,
                                                   session_handler<void> handler) {
  state->disconnect(voice, std::move(args), diag, std::move(handler));
}

HANABI_DECL void session_manager::adopt(std::shared_ptr<session> s) { state_->adopt_local(std::move(s)); }

HANABI_DECL std::shared_ptr<session> session_manager::find(channel_id voice) const { return state_->find(voice); }

HANABI_DECL std::vector<std::shared_ptr<session>> session_manager::sessions() const { return state_->sessions(); }

HANABI_DECL std::vector<std::string> session_manager::children() const { return state_->children(); }

HANABI_DECL const remote::server& session_manager::server() const { return state_->server(); }

}  // namespace hanabi
