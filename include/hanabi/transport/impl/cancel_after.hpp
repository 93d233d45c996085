#pragma once

#include <hanabi/error.hpp>
#include <hanabi/transport/cancel_after.hpp>

#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/steady_timer.hpp>

#include <memory>
#include <tuple>

namespace hanabi::detail {

/// Shared by the deadline timer and the wrapped handler; dies with the operation.
struct deadline_state {
  explicit deadline_state(boost::asio::any_io_executor ex) : timer(std::move(ex)) {}
  boost::asio::steady_timer timer;
  boost::asio::cancellation_signal signal;
  bool fired = false;
};

/// The handler the operation really completes: stops the timer, then calls the user's.
template <class Handler>
struct deadline_handler {
  Handler handler;
  std::shared_ptr<deadline_state> state;
  boost::asio::cancellation_slot outer;

  template <class... Args>
  void operator()(Args... args) {
    auto st = std::move(state);
    st->timer.cancel();
    if (outer.is_connected()) outer.clear();
    if constexpr (sizeof...(Args) > 0) {
      using first = std::tuple_element_t<0, std::tuple<Args...>>;
      if constexpr (std::is_same_v<first, boost::system::error_code>) {
        auto tuple = std::forward_as_tuple(args...);
        auto& ec = std::get<0>(tuple);
        if (st->fired && ec == boost::asio::error::operation_aborted) ec = make_error_code(error::timeout);
      }
    }
    std::move(handler)(std::move(args)...);
  }
};

template <class T>
concept has_executor = requires(T& t) { t.get_executor(); };

/// Starts the wrapped initiation with a cancellation slot driven by a timer.
template <class Initiation>
struct deadline_initiation {
  Initiation initiation;
  std::chrono::steady_clock::duration timeout;

  template <class Handler, class... Args>
  void operator()(Handler&& handler, Args&&... args) {
    namespace asio = boost::asio;
    auto ex = operation_executor(handler);
    auto state = std::make_shared<deadline_state>(ex);
    auto outer = asio::get_associated_cancellation_slot(handler);
    if (outer.is_connected())
      outer.assign([weak = std::weak_ptr<deadline_state>(state)](asio::cancellation_type type) {
        if (auto s = weak.lock()) s->signal.emit(type);
      });
    state->timer.expires_after(timeout);
    state->timer.async_wait([weak = std::weak_ptr<deadline_state>(state)](boost::system::error_code ec) {
      auto s = weak.lock();
      if (ec || !s) return;
      s->fired = true;
      s->signal.emit(asio::cancellation_type::terminal);
    });
    auto slot = state->signal.slot();
    auto handler_ex = asio::get_associated_executor(handler, ex);
    using decayed = std::decay_t<Handler>;
    std::move(initiation)(
        asio::bind_cancellation_slot(
            slot, asio::bind_executor(handler_ex, deadline_handler<decayed>{std::forward<Handler>(handler),
                                                                              std::move(state), outer})),
        std::forward<Args>(args)...);
  }

 private:
  template <class Handler>
  boost::asio::any_io_executor operation_executor(const Handler& handler) {
    if constexpr (has_executor<Initiation>)
      return initiation.get_executor();
    else
      return boost::asio::get_associated_executor(handler);
  }
};

}  // namespace hanabi::detail

template <class Token, class... Signatures>
struct boost::asio::async_result<hanabi::cancel_after_t<Token>, Signatures...> {
  template <class Initiation, class RawToken, class... Args>
  static auto initiate(Initiation&& initiation, RawToken&& token, Args&&... args) {
    return boost::asio::async_initiate<Token, Signatures...>(
        hanabi::detail::deadline_initiation<std::decay_t<Initiation>>{std::forward<Initiation>(initiation),
                                                                       token.timeout},
        token.token, std::forward<Args>(args)...);
  }
};
