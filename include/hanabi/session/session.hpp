// One music session (a queue playing into one voice channel), whoever holds it.
//
//     std::shared_ptr<hanabi::session> s = co_await manager.async_get_or_create(...);
//     hanabi::diagnostics diag;
//     auto out = co_await s->async_play({.query = "lofi", .by = user}, diag, asio::use_awaitable);
//     co_await s->async_skip({.how = skip_args::kind::to, .value = 5, .by = user}, diag, asio::use_awaitable);
//
// Two implementations stand behind this interface: `local_session` drives a
// player and a queue in this process; `remote_session` sends the same calls to
// the child bot process that holds the session, which runs a local_session.
// Callers cannot tell them apart: the same conformance suite runs on both.
//
// Completion tokens: every async_* member takes any Asio completion token
// (a callback, asio::use_awaitable, asio::use_future, asio::deferred...).
// The token's type is erased at this seam (asio::any_completion_handler), so
// the implementations are ordinary virtual functions and adding a token type
// instantiates nothing behind the interface.
//
// Errors: the handler's error_code is a hanabi::error (or an Asio/Beast error
// for transport failures); `diag` receives the sentence users should see
// ("position 9 is out of range: the queue has positions 1 to 7") and
// Lavalink's error body when there is one. Like Boost.MySQL's diagnostics,
// `diag` must stay alive until the handler runs. Typical errors:
//   no_session             the session has closed;
//   position_out_of_range  with the valid range in diag;
//   no_effect              e.g. pause when already paused, skip to the current item;
//   queue_empty, nothing_to_unshuffle, current_item_protected;
//   out_of_range           a volume outside 0..1000, a seek past a non-seekable track;
//   no_matches, load_failed  for play and enqueue (nothing found, or Lavalink failed);
//   timeout, child_lost    for a remote session whose child did not answer.
//
// Threading: every member is thread-safe. Calls are posted to the session's
// executor (a strand), run there in the order they were made, and complete
// through the handler's associated executor, never inside the initiating call.
// Event subscribers run on the session's executor and must not block.
#pragma once

#include <hanabi/diagnostics.hpp>
#include <hanabi/error.hpp>
#include <hanabi/session/session_types.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace hanabi {

namespace asio = boost::asio;

namespace detail {
template <class R>
struct session_signature {
  using type = void(error_code, R);
};
template <>
struct session_signature<void> {
  using type = void(error_code);
};
}  // namespace detail

/// A handler of a session operation answering R (void: only an error_code).
template <class R>
using session_handler = asio::any_completion_handler<typename detail::session_signature<R>::type>;

/// Keeps an event subscription alive; unsubscribes when destroyed or reset.
class session_subscription {
 public:
  session_subscription() = default;
  explicit session_subscription(std::function<void()> cancel) : cancel_(std::move(cancel)) {}
  session_subscription(session_subscription&& o) noexcept : cancel_(std::exchange(o.cancel_, nullptr)) {}
  session_subscription& operator=(session_subscription&& o) noexcept {
    if (this != &o) {
      reset();
      cancel_ = std::exchange(o.cancel_, nullptr);
    }
    return *this;
  }
  session_subscription(const session_subscription&) = delete;
  session_subscription& operator=(const session_subscription&) = delete;
  ~session_subscription() { reset(); }
  void reset() {
    if (auto c = std::exchange(cancel_, nullptr)) c();
  }

 private:
  std::function<void()> cancel_;
};

/// A music session in one voice channel. See the file comment for tokens, errors and threading.
class session : public std::enable_shared_from_this<session> {
 public:
  using executor_type = asio::any_io_executor;

  virtual ~session() = default;

  /// The voice channel it plays in. Changes only when the bot is moved (channel_moved event).
  virtual session_address address() const = 0;
  /// The configured name of the bot holding it ("parent", "child-1"...).
  virtual std::string bot() const = 0;
  /// True for a session held by another process.
  virtual bool is_remote() const noexcept = 0;
  virtual executor_type get_executor() const = 0;

  /// Receives every event of the session, on its executor, until the subscription is dropped.
  /// A `closed` event is the last one.
  virtual session_subscription subscribe(std::function<void(const session_event&)> on_event) = 0;

  // --- Voice.
  /// Joins the voice channel (op 4 and pairing). Answers the state once connected.
  template <class Token>
  auto async_connect(connect_args a, diagnostics& d, Token&& t) {
    return initiate(t, d, &session::do_connect, std::move(a));
  }
  /// Leaves voice and ends the session (a `closed{requested}` event follows).
  template <class Token>
  auto async_disconnect(disconnect_args a, diagnostics& d, Token&& t) {
    return initiate(t, d, &session::do_disconnect, std::move(a));
  }

  // --- Adding.
  template <class Token>
  auto async_play(play_args a, diagnostics& d, Token&& t) {
    return initiate(t, d, &session::do_play, std::move(a));
  }
  template <class Token>
  auto async_enqueue(enqueue_args a, diagnostics& d, Token&& t) {
    return initiate(t, d, &session::do_enqueue, std::move(a));
  }

  // --- Playback. Skip answers what now plays.
  template <class Token>
  auto async_skip(skip_args a, diagnostics& d, Token&& t) {
    return initiate(t, d, &session::do_skip, std::move(a));
  }
  /// Answers the new position (ms).
  template <class Token>
  auto async_seek(seek_args a, diagnostics& d, Token&& t) {
    return initiate(t, d, &session::do_seek, std::move(a));
  }
  template <class Token>
  auto async_pause(pause_args a, diagnostics& d, Token&& t) {
    return initiate(t, d, &session::do_pause, std::move(a));
  }
  /// Answers the new volume.
  template <class Token>
  auto async_volume(volume_args a, diagnostics& d, Token&& t) {
    return initiate(t, d, &session::do_volume, std::move(a));
  }
  /// Stops the current track; the queue and the connection stay.
  template <class Token>
  auto async_stop(stop_args a, diagnostics& d, Token&& t) {
    return initiate(t, d, &session::do_stop, std::move(a));
  }
  /// Answers the filters now in effect.
  template <class Token>
  auto async_filters(filter_args a, diagnostics& d, Token&& t) {
    return initiate(t, d, &session::do_filters, std::move(a));
  }

  // --- The queue.
  template <class Token>
  auto async_repeat(repeat_args a, diagnostics& d, Token&& t) {
    return initiate(t, d, &session::do_repeat, std::move(a));
  }
  template <class Token>
  auto async_shuffle(shuffle_args a, diagnostics& d, Token&& t) {
    return initiate(t, d, &session::do_shuffle, std::move(a));
  }
  /// Answers the removed items (positions as they were before the removal).
  template <class Token>
  auto async_dequeue(dequeue_args a, diagnostics& d, Token&& t) {
    return initiate(t, d, &session::do_dequeue, std::move(a));
  }
  template <class Token>
  auto async_move(move_args a, diagnostics& d, Token&& t) {
    return initiate(t, d, &session::do_move, std::move(a));
  }
  /// Answers how many items were removed.
  template <class Token>
  auto async_clear(clear_args a, diagnostics& d, Token&& t) {
    return initiate(t, d, &session::do_clear, std::move(a));
  }

  // --- Views.
  /// Empty when nothing is current.
  template <class Token>
  auto async_now_playing(diagnostics& d, Token&& t) {
    return initiate(t, d, &session::do_now_playing);
  }
  template <class Token>
  auto async_queue_page(page_args a, diagnostics& d, Token&& t) {
    return initiate(t, d, &session::do_queue_page, std::move(a));
  }
  template <class Token>
  auto async_state(diagnostics& d, Token&& t) {
    return initiate(t, d, &session::do_state);
  }
  /// The newest `limit` actions, oldest first.
  template <class Token>
  auto async_history(std::size_t limit, diagnostics& d, Token&& t) {
    return initiate(t, d, &session::do_history, limit);
  }

 protected:
  // Implementations: complete the handler exactly once, never inside the call, and write
  // the user-facing sentence into `d` on failure. `d` outlives the handler.
  virtual void do_connect(connect_args, diagnostics&, session_handler<session_state>) = 0;
  virtual void do_disconnect(disconnect_args, diagnostics&, session_handler<void>) = 0;
  virtual void do_play(play_args, diagnostics&, session_handler<enqueue_outcome>) = 0;
  virtual void do_enqueue(enqueue_args, diagnostics&, session_handler<enqueue_outcome>) = 0;
  virtual void do_skip(skip_args, diagnostics&, session_handler<now_playing>) = 0;
  virtual void do_seek(seek_args, diagnostics&, session_handler<std::int64_t>) = 0;
  virtual void do_pause(pause_args, diagnostics&, session_handler<void>) = 0;
  virtual void do_volume(volume_args, diagnostics&, session_handler<int>) = 0;
  virtual void do_stop(stop_args, diagnostics&, session_handler<void>) = 0;
  virtual void do_filters(filter_args, diagnostics&, session_handler<protocol::filters>) = 0;
  virtual void do_repeat(repeat_args, diagnostics&, session_handler<void>) = 0;
  virtual void do_shuffle(shuffle_args, diagnostics&, session_handler<void>) = 0;
  virtual void do_dequeue(dequeue_args, diagnostics&, session_handler<std::vector<item_view>>) = 0;
  virtual void do_move(move_args, diagnostics&, session_handler<void>) = 0;
  virtual void do_clear(clear_args, diagnostics&, session_handler<std::size_t>) = 0;
  virtual void do_now_playing(diagnostics&, session_handler<std::optional<now_playing>>) = 0;
  virtual void do_queue_page(page_args, diagnostics&, session_handler<queue_view>) = 0;
  virtual void do_state(diagnostics&, session_handler<session_state>) = 0;
  virtual void do_history(std::size_t, diagnostics&, session_handler<std::vector<action_record>>) = 0;

 private:
  template <class Handler>
  struct signature_of;
  template <class Signature>
  struct signature_of<asio::any_completion_handler<Signature>> {
    using type = Signature;
  };

  // `d` travels by pointer: async_initiate decay-copies its arguments for deferred tokens, and
  // the caller's diagnostics object must be the one written. The session is kept alive by the
  // initiation, which may run later (asio::deferred).
  template <class Token, class Arg, class Handler>
  auto initiate(Token& token, diagnostics& d, void (session::*op)(Arg, diagnostics&, Handler), Arg arg) {
    return asio::async_initiate<Token, typename signature_of<Handler>::type>(
        [self = shared_from_this(), dp = &d, op](auto handler, Arg a) {
          ((*self).*op)(std::move(a), *dp, Handler(std::move(handler)));
        },
        token, std::move(arg));
  }
  template <class Token, class Handler>
  auto initiate(Token& token, diagnostics& d, void (session::*op)(diagnostics&, Handler)) {
    return asio::async_initiate<Token, typename signature_of<Handler>::type>(
        [self = shared_from_this(), dp = &d, op](auto handler) {
          ((*self).*op)(*dp, Handler(std::move(handler)));
        },
        token);
  }
};

}  // namespace hanabi
