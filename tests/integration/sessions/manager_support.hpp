// Helpers of the manager's and supervisor's process tests: an io_context on its own thread, a
// bounded wait for a condition, a parent server config and a thread-safe record of what happened.
// No assertion is about elapsed time: the limits only keep a broken build from hanging CI.
#pragma once

#include "test_data.hpp"
#include "io_thread.hpp"

#include <hanabi/remote/server.hpp>
#include <hanabi/session/session_types.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <variant>
#include <vector>

namespace hanabi::test {

using namespace std::chrono_literals;

inline const std::string child_token = "manager-test-token";

/// The guild most tests play in, and a voice channel's address in it (or in `g`).
inline const guild_id test_guild{100};
inline session_address at(std::uint64_t voice, guild_id g = test_guild) { return {g, channel_id{voice}}; }

/// A value several threads append to and the test reads.
template <class T>
class shared_log {
 public:
  void add(T v) {
    std::lock_guard<std::mutex> lock(mutex_);
    items_.push_back(std::move(v));
  }
  std::vector<T> items() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return items_;
  }
  std::size_t size() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return items_.size();
  }

 private:
  mutable std::mutex mutex_;
  std::vector<T> items_;
};

/// The items of a log of variants that hold an E, in order.
template <class E, class Variant>
std::vector<E> alternatives_of(const shared_log<Variant>& log) {
  std::vector<E> out;
  for (auto& v : log.items())
    if (auto* x = std::get_if<E>(&v)) out.push_back(*x);
  return out;
}

/// Generous heartbeats (10 s to eviction) unless a test is about eviction: a starved child on a
/// loaded CI machine must not be evicted by tests that are not about it.
inline remote::server_config parent_link_config(std::chrono::milliseconds heartbeat = 1000ms, unsigned missed = 10) {
  remote::server_config cfg;
  cfg.token = secret{child_token};
  cfg.heartbeat_interval = heartbeat;
  cfg.link.max_missed_heartbeats = missed;
  cfg.link.max_message_size = 64 * 1024;
  cfg.link.log = logger::none();
  return cfg;
}

/// A program built in this tree (fails the test when the target was not built).
inline std::string built_program(const std::string& relative) {
  auto exe = hanabi::test::binary_dir() / relative;
  return exe.string();
}

}  // namespace hanabi::test

#include <hanabi/remote/client.hpp>
#include <hanabi/session/session.hpp>
#include <hanabi/session/session_manager.hpp>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <map>

namespace hanabi::test {

/// A session double for the manager's own tests: it knows its address and holder, connects at
/// once, publishes the events a test asks for, ends on disconnect, and records what the manager
/// handed it. Every other command fails with no_session: the manager never calls them, and the
/// sessions themselves are tested by the conformance suite.
class recorded_session : public session {
 public:
  recorded_session(boost::asio::any_io_executor ex, session_address where, std::string bot, bool remote)
      : ex_(std::move(ex)), where_(where), bot_(std::move(bot)), remote_(remote) {}

  session_address address() const override { return where_; }
  std::string bot() const override { return bot_; }
  bool is_remote() const noexcept override { return remote_; }
  executor_type get_executor() const override { return ex_; }

  session_subscription subscribe(std::function<void(const session_event&)> f) override {
    std::lock_guard<std::mutex> lock(mutex_);
    auto id = next_id_++;
    subscribers_[id] = std::move(f);
    std::weak_ptr<session> weak = weak_from_this();
    return session_subscription([this, weak, id] {
      if (weak.lock()) {
        std::lock_guard<std::mutex> lock(mutex_);
        subscribers_.erase(id);
      }
    });
  }

  /// Publishes `e` to every subscriber, on the session's executor.
  void publish(session_event e) {
    std::vector<std::function<void(const session_event&)>> targets;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (auto& [id, f] : subscribers_) targets.push_back(f);
    }
    boost::asio::post(ex_, [targets = std::move(targets), e = std::move(e)] {
      for (auto& f : targets) f(e);
    });
  }

  shared_log<std::string> delivered;  ///< Ops of the child events the manager handed over.
  shared_log<error_code> lost;        ///< What the manager said when the child was lost.
  std::atomic<int> disconnects{0};

 protected:
  template <class R>
  void refuse(session_handler<R> h) {
    boost::asio::post(ex_, [h = std::move(h)]() mutable {
      if constexpr (std::is_void_v<R>) std::move(h)(error_code(error::no_session));
      else std::move(h)(error_code(error::no_session), R{});
    });
  }
  void do_connect(connect_args, diagnostics&, session_handler<session_state> h) override {
    session_state state;
    state.address = where_;
    state.bot = bot_;
    state.connected = true;
    boost::asio::post(ex_, [h = std::move(h), state]() mutable { std::move(h)(error_code{}, state); });
  }
  void do_disconnect(disconnect_args, diagnostics&, session_handler<void> h) override {
    ++disconnects;
    publish(session_events::closed{close_reason::requested, {}});
    boost::asio::post(ex_, [h = std::move(h)]() mutable { std::move(h)(error_code{}); });
  }
  void do_play(play_args, diagnostics&, session_handler<enqueue_outcome> h) override { refuse<enqueue_outcome>(std::move(h)); }
  void do_enqueue(enqueue_args, diagnostics&, session_handler<enqueue_outcome> h) override { refuse<enqueue_outcome>(std::move(h)); }
  void do_skip(skip_args, diagnostics&, session_handler<now_playing> h) override { refuse<now_playing>(std::move(h)); }
  void do_seek(seek_args, diagnostics&, session_handler<std::int64_t> h) override { refuse<std::int64_t>(std::move(h)); }
  void do_pause(pause_args, diagnostics&, session_handler<void> h) override { refuse<void>(std::move(h)); }
  void do_volume(volume_args, diagnostics&, session_handler<int> h) override { refuse<int>(std::move(h)); }
  void do_stop(stop_args, diagnostics&, session_handler<void> h) override { refuse<void>(std::move(h)); }
  void do_filters(filter_args, diagnostics&, session_handler<protocol::filters> h) override { refuse<protocol::filters>(std::move(h)); }
  void do_repeat(repeat_args, diagnostics&, session_handler<void> h) override { refuse<void>(std::move(h)); }
  void do_shuffle(shuffle_args, diagnostics&, session_handler<void> h) override { refuse<void>(std::move(h)); }
  void do_dequeue(dequeue_args, diagnostics&, session_handler<std::vector<item_view>> h) override {
    refuse<std::vector<item_view>>(std::move(h));
  }
  void do_move(move_args, diagnostics&, session_handler<void> h) override { refuse<void>(std::move(h)); }
  void do_clear(clear_args, diagnostics&, session_handler<std::size_t> h) override { refuse<std::size_t>(std::move(h)); }
  void do_now_playing(diagnostics&, session_handler<std::optional<now_playing>> h) override { refuse<std::optional<now_playing>>(std::move(h)); }
  void do_queue_page(page_args, diagnostics&, session_handler<queue_view> h) override { refuse<queue_view>(std::move(h)); }
  void do_state(diagnostics&, session_handler<session_state> h) override { refuse<session_state>(std::move(h)); }
  void do_history(std::size_t, diagnostics&, session_handler<std::vector<action_record>> h) override {
    refuse<std::vector<action_record>>(std::move(h));
  }

 private:
  boost::asio::any_io_executor ex_;
  session_address where_;
  std::string bot_;
  bool remote_;
  std::mutex mutex_;
  std::map<int, std::function<void(const session_event&)>> subscribers_;
  int next_id_ = 0;
};

}  // namespace hanabi::test

namespace hanabi::test {

/// A child bot speaking the manager's session ops as a test scripts them, over a real
/// remote::client: `available` ({"free"}: `free` and no live session in the guild), `connect`
/// (bot_busy when `refuse_connect`), `disconnect`, `sessions` (the live ones) and the test op
/// `end` {voice}, which ends a session on the child's own initiative (a `session_closed` event).
/// The process tests run it as a real process (the hidden test case "manager child process").
/// Called when a scripted child's link to its parent comes up or goes down.
struct link_watch {
  std::function<void()> on_up{};
  std::function<void()> on_down{};
};

class scripted_child {
 public:

  scripted_child(boost::asio::io_context& ioc, unsigned short port, std::string name,
                 std::vector<session_address> live = {}, std::string token = child_token, link_watch h = {})
      : ioc_(ioc), live_(std::move(live)), hooks_(std::move(h)) {
    remote::client_config cfg;
    cfg.port = port;
    cfg.name = std::move(name);
    cfg.bot_id = user_id{2000};
    cfg.token = secret{std::move(token)};
    cfg.link.log = logger::none();
    client_ = std::make_unique<remote::client>(ioc.get_executor(), cfg, handlers());
    client_->async_run([this](error_code ec) {
      std::lock_guard<std::mutex> lock(mutex_);
      run_result_ = ec;
    });
  }
  ~scripted_child() { client_->stop(); }

  void stop() { client_->stop(); }
  void send_event(std::string op, nlohmann::json payload) { client_->send_event(std::move(op), std::move(payload)); }
  /// Why async_run ended (authentication_failed...); empty while it runs.
  error_code run_result() {
    std::lock_guard<std::mutex> lock(mutex_);
    return run_result_;
  }

  std::atomic<bool> free{true};
  std::atomic<bool> refuse_connect{false};
  std::atomic<int> answer_delay_ms{0};
  shared_log<std::string> ops;  ///< "available 5", "connect 5", "disconnect 5"...

  std::size_t count(const std::string& prefix) const {
    std::size_t n = 0;
    for (auto& op : ops.items()) n += op.rfind(prefix, 0) == 0;
    return n;
  }

 private:
  static std::string voice_of(const nlohmann::json& args) { return args.value("voice", ""); }

  static std::optional<session_address> address_of(const nlohmann::json& args) {
    auto guild = guild_id::parse(args.value("guild", ""));
    auto voice = channel_id::parse(args.value("voice", ""));
    if (!guild || !voice) return std::nullopt;
    return session_address{*guild, *voice};
  }

  bool holds_guild(guild_id g) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& a : live_)
      if (a.guild == g) return true;
    return false;
  }

  void forget(channel_id voice) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::erase_if(live_, [&](const session_address& a) { return a.voice == voice; });
  }

  remote::link_handlers handlers() {
    remote::link_handlers h;
    h.requests["available"] = [this](const nlohmann::json& args, remote::responder r) {
      ops.add("available " + voice_of(args));
      auto where = address_of(args);
      bool is_free = free && where && !holds_guild(where->guild);
      auto timer = std::make_shared<boost::asio::steady_timer>(ioc_, std::chrono::milliseconds(answer_delay_ms.load()));
      timer->async_wait([timer, r, is_free](error_code) { r.ok({{"free", is_free}}); });
    };
    h.requests["connect"] = [this](const nlohmann::json& args, remote::responder r) {
      ops.add("connect " + voice_of(args));
      auto where = address_of(args);
      if (!where) return r.fail(error::invalid_argument, "no address");
      if (refuse_connect || holds_guild(where->guild)) return r.fail(error::bot_busy, "already playing in this server");
      std::lock_guard<std::mutex> lock(mutex_);
      live_.push_back(*where);
      r.ok();
    };
    h.requests["disconnect"] = [this](const nlohmann::json& args, remote::responder r) {
      ops.add("disconnect " + voice_of(args));
      if (auto where = address_of(args)) forget(where->voice);
      r.ok();
    };
    h.requests["end"] = [this](const nlohmann::json& args, remote::responder r) {
      auto where = address_of(args);
      if (!where) return r.fail(error::invalid_argument, "no address");
      forget(where->voice);
      client_->send_event("session_closed", {{"guild", where->guild.str()}, {"voice", where->voice.str()},
                                             {"reason", "inactivity"}});
      r.ok();
    };
    h.requests["sessions"] = [this](const nlohmann::json&, remote::responder r) {
      nlohmann::json list = nlohmann::json::array();
      std::lock_guard<std::mutex> lock(mutex_);
      for (auto& a : live_) list.push_back({{"guild", a.guild.str()}, {"voice", a.voice.str()}});
      r.ok({{"sessions", list}});
    };
    h.on_up = [this](remote::link) {
      if (hooks_.on_up) hooks_.on_up();
    };
    h.on_down = [this](remote::link, error_code, const std::string&) {
      if (hooks_.on_down) hooks_.on_down();
    };
    return h;
  }

  boost::asio::io_context& ioc_;
  std::mutex mutex_;
  std::vector<session_address> live_;
  link_watch hooks_;
  std::unique_ptr<remote::client> client_;
  error_code run_result_;  // guarded by mutex_
};

/// Local sessions for a manager under test: each one a recorded_session held by the parent.
inline local_session_factory recorded_local(boost::asio::any_io_executor ex) {
  return [ex](session_address where, user_id, diagnostics&, session_handler<std::shared_ptr<session>> h) {
    auto s = std::make_shared<recorded_session>(ex, where, "parent", false);
    boost::asio::post(ex, [h = std::move(h), s]() mutable { std::move(h)(error_code{}, s); });
  };
}

}  // namespace hanabi::test
