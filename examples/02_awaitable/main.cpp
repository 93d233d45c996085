// Example 2: hanabi::node with C++20 coroutines (asio::use_awaitable).
//
// Failures arrive as exceptions (boost::system::system_error); the diagnostics
// overloads carry Lavalink's own error message next to the error code.
#include "example_node.hpp"

#include <hanabi/node/node.hpp>
#include <hanabi/transport/cancel_after.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fmt/format.h>

using namespace std::chrono_literals;
namespace asio = boost::asio;

asio::awaitable<void> session(hanabi::node& node) {
  auto info = co_await node.async_info(hanabi::cancel_after(5s, asio::use_awaitable));
  fmt::print("Lavalink {} with sources: {}\n", info.version.semver, fmt::join(info.source_managers, ", "));

  auto id = co_await node.async_wait_ready(hanabi::cancel_after(10s, asio::use_awaitable));
  fmt::print("session {}\n", id);

  hanabi::protocol::update_player play;
  play.track = hanabi::protocol::update_player_track{};
  play.track->identifier = "ytsearch:lofi";  // resolved by the node, like loadtracks
  play.volume = 80;
  auto player = co_await node.async_update_player(hanabi::guild_id{1}, play, false,
                                                  hanabi::cancel_after(10s, asio::use_awaitable));
  fmt::print("playing '{}' at volume {}\n", player.track ? player.track->info.title : "nothing", player.volume);

  // A player that does not exist: a typed error plus Lavalink's message.
  hanabi::diagnostics diag;
  try {
    co_await node.async_get_player(hanabi::guild_id{2}, diag, hanabi::cancel_after(5s, asio::use_awaitable));
  } catch (const boost::system::system_error& e) {
    fmt::print("as expected: {} ({})\n", e.code().message(), diag.best_message());
  }
  node.cancel();
}

int main() {
  std::unique_ptr<hanabi::testing::fake_node> fake;
  asio::io_context ioc;
  hanabi::node node(ioc.get_executor(), example_config(fake));
  node.async_run([](hanabi::error_code) {});
  asio::co_spawn(ioc, session(node), [&](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      fmt::print("failed: {}\n", ex.what());
      node.cancel();
    }
  });
  ioc.run();
}
