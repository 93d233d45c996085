// Example 1: hanabi::node with plain callbacks.
//
// Loads a search, then opens the node's session and plays the first result in a
// guild; the node's event handler prints what Lavalink reports. Everything runs on
// one io_context thread; the callbacks run on the node's strand.
#include "example_node.hpp"

#include <hanabi/node/node.hpp>
#include <hanabi/transport/cancel_after.hpp>

#include <boost/asio/io_context.hpp>

#include <fmt/format.h>

#include <chrono>

using namespace std::chrono_literals;

int main() {
  std::unique_ptr<hanabi::testing::fake_node> fake;
  boost::asio::io_context ioc;
  hanabi::node node(ioc.get_executor(), example_config(fake));
  const hanabi::guild_id guild{817327181659111454};

  // Every WebSocket message, in order. Stop once the track has started.
  node.subscribe({.message = [&](const hanabi::protocol::ws_message& m) {
                    if (auto* ready = std::get_if<hanabi::protocol::ready>(&m))
                      fmt::print("session {} ready\n", ready->session_id);
                    if (auto* start = std::get_if<hanabi::protocol::track_start_event>(&m)) {
                      fmt::print("now playing '{}' in {}\n", start->track.info.title, start->guild_id);
                      node.cancel();
                    }
                  },
                  .state = {},
                  .lost = {}});
  node.async_run([](hanabi::error_code ec) { fmt::print("node stopped: {}\n", ec.message()); });

  node.async_load_tracks("ytsearch:never gonna give you up", hanabi::cancel_after(10s, [&](hanabi::error_code ec, hanabi::protocol::load_result r) {
    auto* search = std::get_if<hanabi::protocol::search_loaded>(&r);
    if (ec || !search || search->tracks.empty()) {
      fmt::print("nothing to play: {}\n", ec ? ec.message() : "no results");
      return node.cancel();
    }
    hanabi::protocol::update_player play;
    play.track = hanabi::protocol::update_player_track{};
    play.track->encoded = search->tracks.front().encoded;
    // Waits for the session if the node is still connecting.
    node.async_update_player(guild, play, false, hanabi::cancel_after(10s, [&](hanabi::error_code ec, hanabi::protocol::player) {
      if (ec) {
        fmt::print("play failed: {}\n", ec.message());
        node.cancel();
      }
    }));
  }));
  ioc.run();
}
