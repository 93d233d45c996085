// A session held by a child bot process, driven from the parent over the
// child's control link (docs/REMOTE_PROTOCOL.md, "Session ops").
//
//     auto s = hanabi::remote_session::create(ex, server.find("child-1"), {guild, voice}, "child-1");
//     co_await s->async_connect({.by = user}, diag, asio::use_awaitable);   // the child joins voice
//     co_await s->async_volume({.value = 80, .by = user}, diag, asio::use_awaitable);
//
// Each call becomes one request on the link, with its own deadline (a hung
// child costs the caller `request_timeout`, never more, and never delays
// another session). The child's typed error becomes the handler's
// error_code and its sentence goes into `diag`; error::timeout when the
// deadline passed; error::child_lost when the link went down with the call in
// flight; error::malformed_message when the child's answer does not decode.
//
// Events: the owner of the link's handlers (the session manager, or a test)
// routes the child's `session_event` and `session_closed` events for this
// voice channel to deliver(), and the link's loss to link_lost(). A
// `session_closed` from the child (a button, inactivity, a kick on the child)
// ends this session with a closed event and sends nothing back.
//
// Threading: as for every session (session.hpp): all members are thread-safe,
// handlers complete through their associated executor (this session's strand
// by default) and subscribers run on the strand.
#pragma once

#include <hanabi/detail/config.hpp>
#include <hanabi/logger.hpp>
#include <hanabi/remote/link.hpp>
#include <hanabi/session/session.hpp>

#include <boost/asio/strand.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace hanabi {

/// Settings of a remote_session.
struct remote_session_config {
  /// Deadline of every call except connect.
  std::chrono::milliseconds request_timeout{5000};
  /// Deadline of connect, which waits on the child for Discord's two voice answers.
  std::chrono::milliseconds connect_timeout{15000};
  /// How the child should make the session (sent with connect): its lifetime, and inactivity
  /// timeouts overriding the child's defaults.
  session_lifetime lifetime = session_lifetime::transient;
  std::optional<std::chrono::milliseconds> inactivity_timeout{};
  std::optional<std::chrono::milliseconds> paused_timeout{};
  logger log;
};

class remote_session final : public session {
  struct private_tag {};

 public:
  /// A session at `address` held by the child behind `link` (registered under the name `bot`).
  /// Nothing is sent yet: async_connect creates the session on the child; a session adopted
  /// after a reconnect (the child listed it in `sessions`) is usable at once.
  HANABI_DECL static std::shared_ptr<remote_session> create(asio::any_io_executor ex, remote::link link,
                                                            session_address address, std::string bot,
                                                            remote_session_config config = {});

  HANABI_DECL remote_session(private_tag, asio::any_io_executor ex, remote::link link, session_address address,
                             std::string bot, remote_session_config config);

  HANABI_DECL session_address address() const override;
  HANABI_DECL std::string bot() const override;
  bool is_remote() const noexcept override { return true; }
  HANABI_DECL executor_type get_executor() const override;
  HANABI_DECL session_subscription subscribe(std::function<void(const session_event&)> on_event) override;

  /// Routes one event of the child's link to this session: `session_event` is published to
  /// subscribers (a channel_moved also moves this session's address), `session_closed` ends the
  /// session. Events for another voice channel, and anything after the end, are ignored.
  HANABI_DECL void deliver(const remote::event& e);

  /// The child's link went down (crash, eviction, goodbye): ends the session with
  /// closed{child_lost, why}. Calls in flight fail with error::child_lost from the link itself.
  HANABI_DECL void link_lost(error_code why);

  /// True once the session ended (a closed event was published).
  bool is_closed() const noexcept { return closed_.load(); }

  /// The voice channel an event of the child's link is about; empty for other events.
  HANABI_DECL static std::optional<session_address> address_of(const remote::event& e);

 protected:
  HANABI_DECL void do_connect(connect_args, diagnostics&, session_handler<session_state>) override;
  HANABI_DECL void do_disconnect(disconnect_args, diagnostics&, session_handler<void>) override;
  HANABI_DECL void do_play(play_args, diagnostics&, session_handler<enqueue_outcome>) override;
  HANABI_DECL void do_enqueue(enqueue_args, diagnostics&, session_handler<enqueue_outcome>) override;
  HANABI_DECL void do_skip(skip_args, diagnostics&, session_handler<now_playing>) override;
  HANABI_DECL void do_seek(seek_args, diagnostics&, session_handler<std::int64_t>) override;
  HANABI_DECL void do_pause(pause_args, diagnostics&, session_handler<void>) override;
  HANABI_DECL void do_volume(volume_args, diagnostics&, session_handler<int>) override;
  HANABI_DECL void do_stop(stop_args, diagnostics&, session_handler<void>) override;
  HANABI_DECL void do_filters(filter_args, diagnostics&, session_handler<protocol::filters>) override;
  HANABI_DECL void do_repeat(repeat_args, diagnostics&, session_handler<void>) override;
  HANABI_DECL void do_shuffle(shuffle_args, diagnostics&, session_handler<void>) override;
  HANABI_DECL void do_dequeue(dequeue_args, diagnostics&, session_handler<std::vector<item_view>>) override;
  HANABI_DECL void do_move(move_args, diagnostics&, session_handler<void>) override;
  HANABI_DECL void do_clear(clear_args, diagnostics&, session_handler<std::size_t>) override;
  HANABI_DECL void do_now_playing(diagnostics&, session_handler<std::optional<now_playing>>) override;
  HANABI_DECL void do_queue_page(page_args, diagnostics&, session_handler<queue_view>) override;
  HANABI_DECL void do_state(diagnostics&, session_handler<session_state>) override;
  HANABI_DECL void do_history(std::size_t, diagnostics&, session_handler<std::vector<action_record>>) override;

 private:
  template <class R>
  void call(const char* op, nlohmann::json args, diagnostics& d, session_handler<R> h);
  template <class R>
  void call(const char* op, nlohmann::json args, std::chrono::milliseconds timeout, diagnostics& d,
            session_handler<R> h);
  HANABI_DECL void publish(const session_event& e);
  /// Publishes closed{reason} unless the session already ended.
  HANABI_DECL void end(close_reason reason, std::string detail);

  asio::strand<asio::any_io_executor> strand_;
  remote::link link_;
  std::string bot_;
  remote_session_config config_;

  mutable std::mutex mutex_;  // Guards address_ and subscribers_; never held across a call or a handler.
  session_address address_;
  std::map<std::uint64_t, std::function<void(const session_event&)>> subscribers_;
  std::uint64_t next_subscriber_ = 1;
  std::atomic<bool> closed_{false};
};

}  // namespace hanabi

#ifdef HANABI_HEADER_ONLY
#  include <hanabi/impl/remote_session.ipp>
#endif
