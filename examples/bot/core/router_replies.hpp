// What the router's translation units (router.cpp, router_library.cpp) share to turn a session or
// store operation into a reply. Internal to the router.
#pragma once

#include "render.hpp"

#include <hanabi/diagnostics.hpp>
#include <hanabi/session/session_types.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/experimental/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fmt/format.h>

#include <string>
#include <string_view>
#include <tuple>
#include <utility>

namespace bot::replies {

/// Completions as a tuple (error_code first), so that a failure is a value, not an exception.
inline constexpr auto as_result = boost::asio::experimental::as_tuple(boost::asio::use_awaitable);

/// Runs `op(diag, token)` and renders the success with `render`, or the failure with the
/// operation's own sentence. `diag` lives in this frame until the operation completes.
template <class Op, class Render>
boost::asio::awaitable<message> attempt(Op op, Render render) {
  hanabi::diagnostics diag;
  auto outcome = co_await op(diag, as_result);
  if (auto ec = std::get<0>(outcome)) co_return render_error(hanabi::failure{ec, std::move(diag)});
  if constexpr (std::tuple_size_v<decltype(outcome)> == 1)
    co_return render();
  else
    co_return render(std::move(std::get<1>(outcome)));
}

inline message notice(std::string_view sentence) { return render_notice(sentence); }

/// "1 track", "3 tracks".
inline std::string plural(std::size_t n, std::string_view word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

/// What /play (or a /search pick) did: "Playing **x**.", "Queued **x** at position 4.".
inline std::string played_text(const hanabi::enqueue_outcome& o) {
  if (!o.playlist_name.empty())
    return fmt::format("Queued {} from **{}**.", plural(o.positions.size(), "track"), o.playlist_name);
  if (o.positions.empty()) return "Nothing was queued.";
  if (o.started) return fmt::format("Playing **{}**.", o.first_title);
  return fmt::format("Queued **{}** at position {}.", o.first_title, o.positions.front());
}

}  // namespace bot::replies
