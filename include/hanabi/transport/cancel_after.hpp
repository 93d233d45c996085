// A completion-token adapter that gives any asynchronous operation a deadline.
// Boost 1.81 has no asio::cancel_after; this is the equivalent:
//
//     node.async_load_tracks("ytsearch:foo", hanabi::cancel_after(5s, asio::use_awaitable));
//     timer.async_wait(hanabi::cancel_after(1s, [](error_code ec) { ... }));
//
// When the deadline passes first, the operation receives a terminal
// cancellation through its cancellation slot. If it then completes with
// `operation_aborted` as its first argument, the adapter reports
// `hanabi::error::timeout` instead, so a deadline is distinguishable from an
// explicit cancel. Cancellation from the caller's own slot is still forwarded.
//
// Threading: the deadline timer runs on the operation's executor (the
// initiation's get_executor(), which every Asio/Beast I/O object and every
// hanabi operation provides, else the handler's associated executor), so the
// cancellation is emitted where the operation runs.
#pragma once

#include <boost/asio/async_result.hpp>

#include <chrono>
#include <type_traits>
#include <utility>

namespace hanabi {

/// The token returned by cancel_after(): an inner token plus a deadline.
template <class Token>
struct cancel_after_t {
  std::chrono::steady_clock::duration timeout;
  Token token;
};

/// Wraps `token` so the operation is cancelled (and reports error::timeout) after `timeout`.
template <class Rep, class Period, class Token>
cancel_after_t<std::decay_t<Token>> cancel_after(std::chrono::duration<Rep, Period> timeout, Token&& token) {
  return {std::chrono::duration_cast<std::chrono::steady_clock::duration>(timeout), std::forward<Token>(token)};
}

}  // namespace hanabi

#include <hanabi/transport/impl/cancel_after.hpp>
