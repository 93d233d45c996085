// Completing a stored (type-erased) handler later, the way Asio operations do: never inside the
// call that stored it, and on the handler's associated executor.
#pragma once

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

#include <utility>

namespace hanabi::detail {

/// Completes `h` with `args`: posted to `fallback` first (so never inline), then dispatched to the
/// handler's associated executor (`fallback` when it has none).
template <class Handler, class Executor, class... Args>
void post_completion(Handler h, const Executor& fallback, Args... args) {
  boost::asio::post(fallback, [h = std::move(h), fallback, ... args = std::move(args)]() mutable {
    auto ex = boost::asio::get_associated_executor(h, fallback);
    boost::asio::dispatch(ex, [h = std::move(h), ... args = std::move(args)]() mutable {
      std::move(h)(std::move(args)...);
    });
  });
}

}  // namespace hanabi::detail
