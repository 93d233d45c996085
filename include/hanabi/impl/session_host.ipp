// Definitions of session/session_host.hpp.
#pragma once

#include <hanabi/detail/session_wire.hpp>
#include <hanabi/session/json.hpp>
#include <hanabi/session/session_host.hpp>

#include <boost/asio/error.hpp>
#include <boost/asio/steady_timer.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <mutex>
#include <utility>

namespace hanabi::detail {

namespace wire = session_wire;

/// The hanabi::error a failure travels as on the link. Errors of other categories (Asio,
/// Beast: a transport failure on the child's side) have no stable number across builds.
inline error wire_error(error_code ec) {
  if (ec.category() == error_category()) return static_cast<error>(ec.value());
  if (ec == boost::asio::error::timed_out) return error::timeout;
  return error::connection_closed;
}

inline void reply_failure(const remote::responder& reply, const failure& f) {
  reply.fail(wire_error(f.code), f.diag.best_message());
}

/// One session's `state_changed` events on their way upstream (session_host.hpp): only the newest
/// state is held; it goes after the answer of the command that changed it, at most once per
/// interval, and a timer sends what no answer took one interval after the change.
class state_outbox : public std::enable_shared_from_this<state_outbox> {
 public:
  using clock = std::chrono::steady_clock;
  using send_fn = std::function<void(const session_address&, session_state)>;

  state_outbox(asio::any_io_executor ex, std::chrono::milliseconds interval, send_fn send)
      : timer_(std::move(ex)), interval_(interval), send_(std::move(send)) {}

  /// Holds the newest state of the session at `where` (with a 0 interval, sends it at once).
  void hold(const session_address& where, session_state state) {
    {
      std::lock_guard lock(mutex_);
      if (closed_) return;
      held_ = held{where, std::move(state)};
      if (interval_.count() > 0) return arm_at(clock::now() + interval_);
    }
    send_held();
  }

  /// A command's answer went out: the state it caused follows, unless one went less than an interval ago.
  void after_answer() {
    {
      std::lock_guard lock(mutex_);
      if (!held_ || clock::now() < last_sent_ + interval_) return;
    }
    send_held();
  }

  /// Sends the held state now: another event of the session follows, and must not overtake it.
  void send_held() {
    std::optional<held> h;
    {
      std::lock_guard lock(mutex_);
      h.swap(held_);
      if (h) last_sent_ = clock::now();
    }
    if (h) send_(h->where, std::move(h->state));
  }

  /// The session ended: nothing more goes out.
  void close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    held_.reset();
    timer_.cancel();
  }

 private:
  struct held {
    session_address where;
    session_state state;
  };

  // Needs mutex_. At most one wait is outstanding; a wait that finds the interval not yet over re-arms.
  void arm_at(clock::time_point due) {
    if (armed_) return;
    armed_ = true;
    timer_.expires_at(due);
    timer_.async_wait([self = shared_from_this()](error_code ec) {
      if (!ec) self->on_timer();
    });
  }

  void on_timer() {
    {
      std::lock_guard lock(mutex_);
      armed_ = false;
      if (closed_ || !held_) return;
      if (auto due = last_sent_ + interval_; clock::now() < due) return arm_at(due);
    }
    send_held();
  }

  std::mutex mutex_;  // Guards everything below; never held while sending.
  asio::steady_timer timer_;
  std::chrono::milliseconds interval_;
  send_fn send_;
  std::optional<held> held_;
  clock::time_point last_sent_{};
  bool armed_ = false;
  bool closed_ = false;
};

/// A session the host holds, with its state events' outbox.
struct held_session {
  std::shared_ptr<session> s;
  std::shared_ptr<state_outbox> states;
};

/// Completes a session call by answering the parent's request; the state the call changed follows.
struct session_reply {
  remote::responder reply;
  std::shared_ptr<diagnostics> diag;
  std::shared_ptr<state_outbox> states;

  void operator()(error_code ec) const { finish(ec, wire::no_result{}); }
  template <class R>
  void operator()(error_code ec, R value) const {
    finish(ec, std::move(value));
  }

 private:
  template <class R>
  void finish(error_code ec, const R& value) const {
    if (!ec) {
      reply.ok(wire::encode_result(value));
    } else {
      auto message = diag->best_message();
      reply.fail(wire_error(ec), message.empty() ? ec.message() : message);
    }
    if (states) states->after_answer();
  }
};

class session_host_state : public std::enable_shared_from_this<session_host_state> {
 public:
  session_host_state(session_factory factory, session_host_config config)
      : factory_(std::move(factory)), config_(std::move(config)) {}

  void set_upstream(upstream_sender send) {
    std::lock_guard lock(mutex_);
    upstream_ = std::move(send);
  }

  held_session find(channel_id voice) const {
    std::lock_guard lock(mutex_);
    auto it = sessions_.find(voice);
    return it == sessions_.end() ? held_session{} : it->second.held;
  }

  using opened_handler = std::function<void(result<std::pair<held_session, bool>>)>;

  /// Completes `done` with the session at the request's address: the one already there, or a new
  /// one from the factory (the bool says which), or bot_busy when this bot holds (or is opening)
  /// another voice channel of the guild.
  void open(const session_request& r, opened_handler done) {
    {
      std::unique_lock lock(mutex_);
      if (auto it = sessions_.find(r.address.voice); it != sessions_.end()) {
        auto held = it->second.held;
        lock.unlock();
        return done(std::pair{std::move(held), false});
      }
      if (auto busy = voice_in(r.address.guild); busy || opening_.contains(r.address.guild)) {
        lock.unlock();
        return done(failure{error::bot_busy, busy ? fmt::format("{} is already in voice channel {} of this guild",
                                                                 config_.bot, *busy)
                                                  : fmt::format("{} is joining another voice channel of this guild",
                                                                config_.bot)});
      }
      opening_.insert(r.address.guild);
    }
    // The factory is the application's code: called outside the lock, and may complete anywhere.
    factory_(r, [weak = weak_from_this(), r, done = std::move(done)](result<std::shared_ptr<session>> made) {
      auto self = weak.lock();
      if (!self) return done(failure{error::no_session, "the session host has stopped"});
      self->adopt(r, std::move(made), done);
    });
  }

  void adopt(const session_request& r, result<std::shared_ptr<session>> made, const opened_handler& done) {
    if (!made) {
      std::lock_guard lock(mutex_);
      opening_.erase(r.address.guild);
    }
    if (!made) return done(made.error());
    auto s = *made;
    auto states = std::make_shared<state_outbox>(
        s->get_executor(), config_.state_event_interval,
        [weak = weak_from_this()](const session_address& where, session_state state) {
          if (auto self = weak.lock()) self->send_state(where, std::move(state));
        });
    auto sub = s->subscribe([weak = weak_from_this(), raw = s.get(), states](const session_event& e) {
      if (auto self = weak.lock()) self->on_event(raw, *states, e);
    });
    held_session held{s, std::move(states)};
    {
      std::lock_guard lock(mutex_);
      opening_.erase(r.address.guild);
      sessions_.emplace(r.address.voice, entry{held, std::move(sub)});
    }
    done(std::pair{std::move(held), true});
  }

  /// Drops the session (its connect failed, or it closed); its subscription ends outside the lock.
  void forget(const session* s) {
    session_subscription ended;
    std::shared_ptr<state_outbox> states;
    {
      std::lock_guard lock(mutex_);
      for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
        if (it->second.held.s.get() != s) continue;
        ended = std::move(it->second.sub);
        states = std::move(it->second.held.states);
        sessions_.erase(it);
        break;
      }
    }
    if (states) states->close();
  }

  bool busy_in(guild_id g) const {
    std::lock_guard lock(mutex_);
    return voice_in(g).has_value() || opening_.contains(g);
  }

  std::vector<std::shared_ptr<session>> all() const {
    std::lock_guard lock(mutex_);
    std::vector<std::shared_ptr<session>> out;
    for (const auto& [voice, e] : sessions_) out.push_back(e.held.s);
    return out;
  }

  void close() {
    std::map<channel_id, entry> ended;
    {
      std::lock_guard lock(mutex_);
      upstream_ = nullptr;
      ended.swap(sessions_);
    }
    for (auto& [voice, e] : ended) e.held.states->close();
  }

  const logger& log() const noexcept { return config_.log; }

 private:
  struct entry {
    held_session held;
    session_subscription sub;
  };

  // Needs mutex_.
  std::optional<channel_id> voice_in(guild_id g) const {
    for (const auto& [voice, e] : sessions_)
      if (e.held.s->address().guild == g) return voice;
    return std::nullopt;
  }

  /// Sends a session's event upstream; a closed session is forgotten first, so a connect that
  /// follows is served by a new session.
  void on_event(const session* s, state_outbox& states, const session_event& e) {
    session_address where = s->address();
    if (const auto* st = std::get_if<session_events::state_changed>(&e)) return states.hold(where, st->state);
    states.send_held();
    if (const auto* moved = std::get_if<session_events::channel_moved>(&e)) {
      where.voice = moved->from;  // The parent still knows it by its old channel.
      std::lock_guard lock(mutex_);
      if (auto it = sessions_.find(moved->from); it != sessions_.end() && it->second.held.s.get() == s) {
        auto node = sessions_.extract(it);
        node.key() = moved->to;
        sessions_.insert(std::move(node));
      }
    }
    if (const auto* closed = std::get_if<session_events::closed>(&e)) {
      forget(s);
      return send(wire::ev_session_closed, wire::with_address({{"reason", to_string(closed->reason)},
                                                                {"detail", closed->detail}},
                                                               where));
    }
    send(wire::ev_session_event, wire::with_address({{"event", to_json_value(e)}}, where));
  }

  void send_state(const session_address& where, session_state state) {
    session_event e = session_events::state_changed{std::move(state)};
    send(wire::ev_session_event, wire::with_address({{"event", to_json_value(e)}}, where));
  }

  void send(const char* op, nlohmann::json payload) {
    upstream_sender send;
    {
      std::lock_guard lock(mutex_);
      send = upstream_;
    }
    if (send) send(op, std::move(payload));
  }

  session_factory factory_;
  session_host_config config_;
  mutable std::mutex mutex_;  // Guards sessions_ and upstream_; never held across a call.
  std::map<channel_id, entry> sessions_;
  std::set<guild_id> opening_;  // Guilds whose session the factory is making.
  upstream_sender upstream_;
};

/// The args of ops that take none beyond the address, and of history.
struct no_args {};
struct history_args {
  std::size_t limit = 0;
};

template <class Args>
result<Args> decode_args(const nlohmann::json& j) {
  if constexpr (std::is_same_v<Args, no_args>) return no_args{};
  else if constexpr (std::is_same_v<Args, history_args>) {
    auto limit = wire::read_int<std::size_t>(j, "limit", "history");
    if (!limit) return limit.error();
    return history_args{*limit};
  } else return decode_json<Args>(j);
}

/// The connect op's address and session options (docs/REMOTE_PROTOCOL.md §11).
inline result<session_request> read_session_request(const nlohmann::json& args) {
  auto where = wire::address_of(args);
  if (!where) return where.error();
  session_request r{*where};
  auto lifetime = args.value("lifetime", nlohmann::json("transient"));
  if (lifetime == "persistent") r.lifetime = session_lifetime::persistent;
  else if (lifetime != "transient")
    return failure{error::invalid_value, "connect.lifetime is not one of transient, persistent"};
  auto timeout = [&](const char* key, std::optional<std::chrono::milliseconds>& out) -> result<void> {
    if (!args.contains(key)) return {};
    auto ms = wire::read_int<std::uint64_t>(args, key, "connect");
    if (!ms) return ms.error();
    out = std::chrono::milliseconds(static_cast<std::int64_t>(std::min<std::uint64_t>(*ms, INT64_MAX)));
    return {};
  };
  if (auto t = timeout("inactivity_timeout_ms", r.inactivity_timeout); !t) return t.error();
  if (auto t = timeout("paused_timeout_ms", r.paused_timeout); !t) return t.error();
  if (auto text = args.find("text"); text != args.end()) {
    auto id = channel_id::parse(text->is_string() ? text->get<std::string>() : std::string{});
    if (!id) return failure{error::invalid_snowflake, "connect.text is not a snowflake"};
    r.text_channel = *id;
  }
  return r;
}

/// Serves one op whose args decode to Args: finds the session by voice and starts `call`.
template <class Args, class Call>
remote::request_handler serve_session_op(std::weak_ptr<session_host_state> weak, Call call) {
  return [weak = std::move(weak), call](const nlohmann::json& args, remote::responder reply) {
    auto where = wire::address_of(args);
    if (!where) return reply_failure(reply, where.error());
    auto host = weak.lock();
    auto held = host ? host->find(where->voice) : held_session{};
    if (!held.s)
      return reply.fail(error::no_session, fmt::format("there is no session in voice channel {}", where->voice));
    auto a = decode_args<Args>(args);
    if (!a) return reply_failure(reply, a.error());
    auto d = std::make_shared<diagnostics>();
    call(*held.s, std::move(*a), *d, session_reply{reply, d, std::move(held.states)});
  };
}

}  // namespace hanabi::detail

namespace hanabi {

session_host::session_host(session_factory factory, session_host_config config)
    : state_(std::make_shared<detail::session_host_state>(std::move(factory), std::move(config))) {}

session_host::~session_host() { state_->close(); }

void session_host::set_upstream(upstream_sender send) { state_->set_upstream(std::move(send)); }

std::vector<std::shared_ptr<session>> session_host::sessions() const { return state_->all(); }

void session_host::host(std::shared_ptr<session> s) {
  const session_request r{s->address()};
  state_->adopt(r, std::move(s), [](const auto&) {});
}

void session_host::serve(remote::link_handlers& h) {
  namespace wire = detail::session_wire;
  using detail::serve_session_op;
  using detail::session_reply;
  std::weak_ptr<detail::session_host_state> weak = state_;
  auto& r = h.requests;

  r[wire::op_connect] = [weak](const nlohmann::json& args, remote::responder reply) {
    auto request = detail::read_session_request(args);
    if (!request) return detail::reply_failure(reply, request.error());
    auto a = decode_json<connect_args>(args);
    if (!a) return detail::reply_failure(reply, a.error());
    auto host = weak.lock();
    if (!host) return reply.fail(error::no_session, "the session host has stopped");
    host->open(*request, [weak, a = *a, reply](result<std::pair<detail::held_session, bool>> opened) {
      if (!opened) return detail::reply_failure(reply, opened.error());
      auto [held, created] = *opened;
      auto s = held.s;
      auto d = std::make_shared<diagnostics>();
      s->async_connect(a, *d, [weak, s, created = created, done = session_reply{reply, d, held.states}](error_code ec, session_state st) {
        if (ec && created)
          if (auto host = weak.lock()) host->forget(s.get());
        done(ec, std::move(st));
      });
    });
  };
  r[wire::op_available] = [weak](const nlohmann::json& args, remote::responder reply) {
    auto where = wire::address_of(args);
    if (!where) return detail::reply_failure(reply, where.error());
    auto host = weak.lock();
    reply.ok({{"free", host && !host->busy_in(where->guild)}});
  };
  r[wire::op_sessions] = [weak](const nlohmann::json&, remote::responder reply) {
    nlohmann::json list = nlohmann::json::array();
    if (auto host = weak.lock())
      for (const auto& s : host->all()) list.push_back(to_json_value(s->address()));
    reply.ok({{"sessions", std::move(list)}});
  };

  r[wire::op_disconnect] = serve_session_op<disconnect_args>(weak, [](session& s, auto a, diagnostics& d, auto done) {
    s.async_disconnect(std::move(a), d, std::move(done));
  });
  r[wire::op_play] = serve_session_op<play_args>(
      weak, [](session& s, auto a, diagnostics& d, auto done) { s.async_play(std::move(a), d, std::move(done)); });
  r[wire::op_enqueue] = serve_session_op<enqueue_args>(
      weak, [](session& s, auto a, diagnostics& d, auto done) { s.async_enqueue(std::move(a), d, std::move(done)); });
  r[wire::op_skip] = serve_session_op<skip_args>(
      weak, [](session& s, auto a, diagnostics& d, auto done) { s.async_skip(std::move(a), d, std::move(done)); });
  r[wire::op_seek] = serve_session_op<seek_args>(
      weak, [](session& s, auto a, diagnostics& d, auto done) { s.async_seek(std::move(a), d, std::move(done)); });
  r[wire::op_pause] = serve_session_op<pause_args>(
      weak, [](session& s, auto a, diagnostics& d, auto done) { s.async_pause(std::move(a), d, std::move(done)); });
  r[wire::op_volume] = serve_session_op<volume_args>(
      weak, [](session& s, auto a, diagnostics& d, auto done) { s.async_volume(std::move(a), d, std::move(done)); });
  r[wire::op_stop] = serve_session_op<stop_args>(
      weak, [](session& s, auto a, diagnostics& d, auto done) { s.async_stop(std::move(a), d, std::move(done)); });
  r[wire::op_filters] = serve_session_op<filter_args>(
      weak, [](session& s, auto a, diagnostics& d, auto done) { s.async_filters(std::move(a), d, std::move(done)); });
  r[wire::op_repeat] = serve_session_op<repeat_args>(
      weak, [](session& s, auto a, diagnostics& d, auto done) { s.async_repeat(std::move(a), d, std::move(done)); });
  r[wire::op_shuffle] = serve_session_op<shuffle_args>(
      weak, [](session& s, auto a, diagnostics& d, auto done) { s.async_shuffle(std::move(a), d, std::move(done)); });
  r[wire::op_dequeue] = serve_session_op<dequeue_args>(
      weak, [](session& s, auto a, diagnostics& d, auto done) { s.async_dequeue(std::move(a), d, std::move(done)); });
  r[wire::op_move] = serve_session_op<move_args>(
      weak, [](session& s, auto a, diagnostics& d, auto done) { s.async_move(std::move(a), d, std::move(done)); });
  r[wire::op_clear] = serve_session_op<clear_args>(
      weak, [](session& s, auto a, diagnostics& d, auto done) { s.async_clear(std::move(a), d, std::move(done)); });
  r[wire::op_queue_page] = serve_session_op<page_args>(weak, [](session& s, auto a, diagnostics& d, auto done) {
    s.async_queue_page(std::move(a), d, std::move(done));
  });
  r[wire::op_now_playing] = serve_session_op<detail::no_args>(
      weak, [](session& s, auto, diagnostics& d, auto done) { s.async_now_playing(d, std::move(done)); });
  r[wire::op_state] = serve_session_op<detail::no_args>(
      weak, [](session& s, auto, diagnostics& d, auto done) { s.async_state(d, std::move(done)); });
  r[wire::op_history] = serve_session_op<detail::history_args>(
      weak, [](session& s, auto a, diagnostics& d, auto done) { s.async_history(a.limit, d, std::move(done)); });
}

}  // namespace hanabi
