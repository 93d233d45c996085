// Failover of 1,000 players over loopback: three real fake Lavalink nodes
// (hanabi::testing::fake_node, each on its own thread) and three real hanabi::nodes in a
// node_pool on the benchmark's thread. Every player plays on node-0 (voice, track, volume,
// user data); then node-0 goes away for good (fake_node::stop: close 1001, every reconnect
// refused) with failover_grace = 0, so the death is detected when its WebSocket drops.
//
//  - failover_1000_loopback: from that moment (the node reports `reconnecting`) until the last
//    player's restore PATCH has been answered by a survivor. Afterwards (untimed) every player
//    is looked up on the survivors' side: counter `lost` = players that are not there with
//    their track and a connected voice state.
//  - baseline_restore_patches_1000_loopback: the same 1,000 restore PATCHes (restore_request()
//    of the same players) sent straight through the surviving hanabi::nodes, with the same
//    number in flight as the pool's max_concurrent_moves: the transport and fake node cost alone.
//
// Both use manual timing (wall time of the timed span only); the setup of each iteration
// (starting nodes, placing and playing 1,000 players) is not timed.
#include <hanabi/node/node_pool.hpp>
#include <hanabi/testing/fake_node.hpp>

#include "loopback_node.hpp"

#include <benchmark/benchmark.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <vector>

namespace {

using namespace hanabi;
using namespace std::chrono_literals;
using bench_clock = std::chrono::steady_clock;

constexpr std::uint64_t loopback_players = 1000;
constexpr std::size_t moves_in_flight = 64;
const user_id bot{170939974227541168ULL};

struct loopback_cluster {
  std::vector<std::unique_ptr<testing::fake_node>> fakes;
  asio::io_context io;
  std::vector<std::shared_ptr<node>> nodes;
  node_pool pool;
  std::vector<std::shared_ptr<player>> players;
  std::size_t moved = 0;
  bench_clock::time_point last_moved;

  loopback_cluster() : pool(io.get_executor(), config()) {
    for (int i = 0; i < 3; ++i) {
      fakes.push_back(std::make_unique<testing::fake_node>());
      fakes.back()->start();
      nodes.push_back(test::start_pooled_node(io, pool, *fakes.back(), i, bot));
    }
    run_until([&] {
      auto s = pool.stats();
      return std::all_of(s.nodes.begin(), s.nodes.end(), [](auto& n) { return n.available; });
    });
    start_players_on_node_0();
  }

  ~loopback_cluster() {
    for (auto& n : nodes) n->cancel();
    io.run_for(100ms);
  }

  static pool_config config() {
    pool_config c;
    c.failover_grace = 0ms;
    c.max_concurrent_moves = moves_in_flight;
    c.log = logger::none();
    return c;
  }

  bool run_until(const std::function<bool()>& done, std::chrono::seconds limit = 60s) {
    const auto stop = bench_clock::now() + limit;
    while (!done()) {
      if (bench_clock::now() > stop) return false;
      io.run_one_for(50ms);
    }
    return true;
  }

  void start_players_on_node_0() {
    pool.set_accepting("node-1", false);
    pool.set_accepting("node-2", false);
    std::size_t acks = 0;
    for (std::uint64_t i = 0; i < loopback_players; ++i) {
      const guild_id g{10'000 + i};
      player_config cfg;
      cfg.bot = bot;
      cfg.log = logger::none();
      cfg.send_gateway = [](const gateway_voice_update&) {};
      cfg.on_event = [this](const player_event& e) {
        if (std::holds_alternative<player_moved>(e)) {
          ++moved;
          last_moved = bench_clock::now();
        }
      };
      auto p = pool.create_player(g, cfg).value();
      p->on_voice_server_update({g, fmt::format("token-{}", i), "rotterdam2744.discord.media:443"});
      p->on_voice_state_update({g, bot, channel_id{900 + i}, fmt::format("session-{}", i)});
      play_options o;
      o.volume = static_cast<int>(10 + i % 150);
      o.user_data = nlohmann::json{{"i", i}};
      p->async_play_identifier(fmt::format("fake:track:g{}:3600000", i), o, [&acks](error_code) { ++acks; });
      players.push_back(p);
    }
    run_until([&] { return acks == loopback_players; });
    pool.set_accepting("node-1", true);
    pool.set_accepting("node-2", true);
  }

  /// Players not found on a survivor with their track and a connected voice state.
  std::size_t lost() const {
    std::set<std::int64_t> playing;
    for (std::size_t f = 1; f < fakes.size(); ++f)
      for (auto& s : fakes[f]->sessions())
        for (auto& p : s.players)
          if (p.track && p.connected) playing.insert(p.guild_id);
    std::size_t n = 0;
    for (auto& p : players) {
      const auto node = p->snapshot().node;
      if ((node != "node-1" && node != "node-2") || !playing.count(static_cast<std::int64_t>(p->guild().value()))) ++n;
    }
    return n;
  }
};

void failover_1000_loopback(benchmark::State& state) {
  std::size_t lost = 0;
  for (auto _ : state) {
    loopback_cluster c;
    // Next to the pool's own subscription: the same state change, one strand hop earlier.
    std::optional<bench_clock::time_point> detected;
    bool subscribed = false;
    asio::post(c.nodes[0]->get_executor(), [&] {
      node_handlers h;
      h.state = [&](node_state s) {
        if (s == node_state::reconnecting && !detected) detected = bench_clock::now();
      };
      c.nodes[0]->subscribe(std::move(h));
      subscribed = true;
    });
    c.run_until([&] { return subscribed; });
    c.fakes[0]->stop();
    if (!c.run_until([&] { return c.moved == loopback_players && c.pool.moves_pending() == 0; }) || !detected) {
      state.SkipWithError("the failover did not complete");
      break;
    }
    state.SetIterationTime(std::chrono::duration<double>(c.last_moved - *detected).count());
    lost += c.lost();
  }
  state.counters["lost"] = static_cast<double>(lost);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * loopback_players));
}

void baseline_restore_patches_1000_loopback(benchmark::State& state) {
  for (auto _ : state) {
    loopback_cluster c;
    std::vector<protocol::update_player> bodies;
    for (auto& p : c.players) bodies.push_back(p->restore_request());
    std::size_t sent = 0, answered = 0, failed = 0;
    bench_clock::time_point last_answer;
    std::function<void()> send_next = [&] {
      const std::size_t i = sent++;
      c.nodes[1 + i % 2]->async_update_player(c.players[i]->guild(), bodies[i], false,
                                              [&](error_code ec, protocol::player) {
                                                ++answered;
                                                failed += ec ? 1 : 0;
                                                last_answer = bench_clock::now();
                                                if (sent < bodies.size()) send_next();
                                              });
    };
    const auto start = bench_clock::now();
    while (sent < std::min(moves_in_flight, bodies.size())) send_next();
    if (!c.run_until([&] { return answered == bodies.size(); }) || failed > 0) {
      state.SkipWithError("not every PATCH was answered with success");
      break;
    }
    state.SetIterationTime(std::chrono::duration<double>(last_answer - start).count());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * loopback_players));
}

BENCHMARK(baseline_restore_patches_1000_loopback)->UseManualTime()->Iterations(5)->Unit(benchmark::kMillisecond);
BENCHMARK(failover_1000_loopback)->UseManualTime()->Iterations(5)->Unit(benchmark::kMillisecond);

}  // namespace
