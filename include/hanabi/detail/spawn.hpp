// Runs one of hanabi's internal coroutines (returning result<T>) and completes a
// type-erased `void(error_code, T)` handler with it. This is the seam between the
// coroutine implementation and the completion-token public API: callbacks,
// use_awaitable and use_future all go through it, and it is compiled once per T.
#pragma once

#include <hanabi/diagnostics.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/system/system_error.hpp>

#include <exception>
#include <type_traits>
#include <utility>

namespace hanabi::detail {

/// Converts an exception that escaped a coroutine into an error_code; never rethrows.
inline error_code error_from_exception(std::exception_ptr e) noexcept {
  try {
    std::rethrow_exception(e);
  } catch (const boost::system::system_error& ex) {
    return ex.code();
  } catch (...) {
    return make_error_code(boost::system::errc::state_not_recoverable);
  }
}

/// Spawns `op` on `ex` and completes `handler` on its own associated executor. The
/// handler's cancellation slot reaches the coroutine. `diag`, when not null, receives
/// the failure's diagnostics and must outlive the operation.
template <class T>
void spawn_result(boost::asio::any_io_executor ex, boost::asio::awaitable<result<T>> op, diagnostics* diag,
                  boost::asio::any_completion_handler<void(error_code, T)> handler) {
  namespace asio = boost::asio;
  auto slot = asio::get_associated_cancellation_slot(handler);
  asio::co_spawn(
      ex, std::move(op),
      asio::bind_cancellation_slot(
          slot, [h = std::move(handler), diag, ex](std::exception_ptr e, result<T> r) mutable {
            error_code ec;
            T value{};
            if (e) {
              ec = error_from_exception(e);
            } else if (r.has_value()) {
              value = std::move(*r);
            } else {
              ec = r.error().code;
              if (diag) *diag = std::move(r.error().diag);
            }
            auto target = asio::get_associated_executor(h, ex);
            asio::dispatch(target, [h = std::move(h), ec, value = std::move(value)]() mutable {
              std::move(h)(ec, std::move(value));
            });
          }));
}

/// spawn_result for operations that produce nothing: completes void(error_code).
inline void spawn_void(boost::asio::any_io_executor ex, boost::asio::awaitable<result<void>> op, diagnostics* diag,
                       boost::asio::any_completion_handler<void(error_code)> handler) {
  namespace asio = boost::asio;
  auto slot = asio::get_associated_cancellation_slot(handler);
  asio::co_spawn(ex, std::move(op),
                 asio::bind_cancellation_slot(slot, [h = std::move(handler), diag, ex](std::exception_ptr e,
                                                                                       result<void> r) mutable {
                   error_code ec;
                   if (e) {
                     ec = error_from_exception(e);
                   } else if (!r.has_value()) {
                     ec = r.error().code;
                     if (diag) *diag = std::move(r.error().diag);
                   }
                   auto target = asio::get_associated_executor(h, ex);
                   asio::dispatch(target, [h = std::move(h), ec]() mutable { std::move(h)(ec); });
                 }));
}

/// void(error_code, T), or void(error_code) for operations without a value.
template <class T>
struct completion_signature {
  using type = void(error_code, T);
};
template <>
struct completion_signature<void> {
  using type = void(error_code);
};

/// The initiation of every hanabi coroutine-backed operation. It exposes the
/// executor the operation runs on, so hanabi::cancel_after can time it there.
template <class T>
struct spawn_initiation {
  boost::asio::any_io_executor executor;
  diagnostics* diag;

  boost::asio::any_io_executor get_executor() const noexcept { return executor; }

  template <class Handler, class MakeOp>
  void operator()(Handler&& handler, MakeOp make_op) const {
    if constexpr (std::is_void_v<T>)
      spawn_void(executor, make_op(), diag, std::forward<Handler>(handler));
    else
      spawn_result<T>(executor, make_op(), diag, std::forward<Handler>(handler));
  }
};

/// Starts `make_op()` (a callable returning awaitable<result<T>>) as an operation
/// completing `token` with void(error_code, T), or void(error_code) when T is void. The coroutine is created only when
/// the operation is initiated, so deferred tokens work.
template <class T, class Token, class MakeOp>
auto async_spawn(boost::asio::any_io_executor ex, diagnostics* diag, MakeOp make_op, Token&& token) {
  return boost::asio::async_initiate<Token, typename completion_signature<T>::type>(spawn_initiation<T>{std::move(ex), diag}, token,
                                                       std::move(make_op));
}

}  // namespace hanabi::detail
