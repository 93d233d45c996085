// Example 3: hanabi::node from ordinary blocking code (asio::use_future).
//
// The io_context runs on a thread of its own; the main thread calls the node and
// waits on std::futures, as a bot written without Asio would.
#include "example_node.hpp"

#include <hanabi/node/node.hpp>
#include <hanabi/transport/cancel_after.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <fmt/format.h>

#include <thread>

using namespace std::chrono_literals;
namespace asio = boost::asio;

int main() {
  std::unique_ptr<hanabi::testing::fake_node> fake;
  asio::io_context ioc;
  auto work = asio::make_work_guard(ioc);
  std::thread io([&] { ioc.run(); });
  hanabi::node node(ioc.get_executor(), example_config(fake));
  auto run = node.async_run(asio::use_future);
  try {
    fmt::print("version {}\n", node.async_version(hanabi::cancel_after(5s, asio::use_future)).get());
    auto stats = node.async_stats(hanabi::cancel_after(5s, asio::use_future)).get();
    fmt::print("{} players, {} playing\n", stats.players, stats.playing_players);
    auto loaded = node.async_load_tracks("fake:playlist:3", hanabi::cancel_after(5s, asio::use_future)).get();
    if (auto* list = std::get_if<hanabi::protocol::playlist_loaded>(&loaded))
      for (auto& t : list->tracks) fmt::print("  {}\n", t.info.title);
    auto players = node.async_get_players(hanabi::cancel_after(10s, asio::use_future)).get();
    fmt::print("{} players in this session\n", players.size());
  } catch (const boost::system::system_error& e) {
    fmt::print("failed: {}\n", e.code().message());
  }
  node.cancel();
  try {
    run.get();
  } catch (const boost::system::system_error& e) {
    fmt::print("node stopped: {}\n", e.code().message());
  }
  work.reset();
  io.join();
}
