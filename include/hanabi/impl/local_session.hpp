// Template members of local_session (session/local_session.hpp).
#pragma once

#include <boost/asio/append.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>

#include <type_traits>

namespace hanabi {

namespace detail {
/// The answer type R of a session_handler<R>.
template <class Handler>
struct session_answer;
template <>
struct session_answer<asio::any_completion_handler<void(error_code)>> {
  using type = void;
};
template <class R>
struct session_answer<asio::any_completion_handler<void(error_code, R)>> {
  using type = R;
};
}  // namespace detail

template <class Handler, class Op>
void local_session::run(diagnostics& d, Handler h, Op op) {
  asio::post(executor_, [self = self(), dp = &d, h = std::move(h), op = std::move(op)]() mutable {
    if (self->closed_) return self->fail(std::move(h), *dp, error::no_session, "the session has ended");
    op(*dp, std::move(h));
  });
}

template <class Handler, class... V>
void local_session::complete(Handler h, error_code ec, V&&... value) {
  // Posted through the strand, then run on the handler's associated executor.
  asio::post(executor_, asio::append(std::move(h), ec, std::forward<V>(value)...));
}

template <class Handler>
void local_session::fail(Handler h, diagnostics& d, error_code ec, std::string message) {
  using R = typename detail::session_answer<Handler>::type;
  if (!message.empty()) d.set_client_message(std::move(message));
  if constexpr (std::is_void_v<R>)
    complete(std::move(h), ec);
  else
    complete(std::move(h), ec, R{});
}

template <class Handler>
void local_session::fail_with(Handler h, diagnostics& d, const failure& f) {
  d = f.diag;
  fail(std::move(h), d, f.code);
}

template <class F>
auto local_session::on_strand(F f) {
  return asio::bind_executor(executor_, [self = self(), f = std::move(f)](auto&&... args) mutable {
    f(std::forward<decltype(args)>(args)...);
  });
}

}  // namespace hanabi
