// Players and the node pool. The loopback failover (three fake Lavalink nodes, real
// hanabi::nodes) is in failover_loopback_bench.cpp; here, against in-memory nodes
// (tests/unit/players/fake_link.hpp):
//
//  - failover_1000: 1,000 playing players on one node; the node dies. Timed from node_down()
//    until the last player is restored on another node. Baseline: the same 1,000 restore
//    PATCHes sent straight to the surviving nodes' links (the transport cost alone), so the
//    ratio is the pool's own overhead. Counter `lost` = players not playing on a live node.
//  - select_10_nodes: one placement decision (node_selector::select + cancel) over 10 nodes.
//    Baseline: the bare argmin of classic_penalty over the same 10 nodes (no reservations,
//    no regions, no cache).
//
// After the table, the run prints each figure as a ratio to its baseline of the same run.
#include <hanabi/node/node_pool.hpp>

#include "fake_link.hpp"

#include <benchmark/benchmark.h>
#include <boost/asio/io_context.hpp>
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <unistd.h>

namespace {

using namespace hanabi;
using test::fake_link;

constexpr std::uint64_t failover_players = 1000;

struct cluster {
  asio::io_context io;
  std::vector<std::shared_ptr<fake_link>> nodes;
  node_pool pool;
  std::vector<std::shared_ptr<player>> players;

  cluster() : pool(io.get_executor(), quiet()) {
    for (int i = 0; i < 3; ++i) {
      auto n = std::make_shared<fake_link>(io.get_executor(), fmt::format("node-{}", i));
      n->auto_answer = true;
      n->catalogue["T"] = test::make_track("T");
      nodes.push_back(n);
      pool.add_node(n);
    }
    // Every player on node-0, playing, with voice, volume and filters.
    pool.set_accepting("node-1", false);
    pool.set_accepting("node-2", false);
    player_config cfg;
    cfg.log = logger::none();
    for (std::uint64_t g = 1; g <= failover_players; ++g) {
      auto p = pool.create_player(guild_id{g}, cfg).value();
      play_options o;
      o.volume = 70;
      o.user_data = nlohmann::json{{"g", g}};
      p->async_play(test::make_track("T"), o, [](error_code) {});
      players.push_back(p);
    }
    io.run();
    for (auto& p : players) p->on_player_update({0, 30000, true, 5});
    pool.set_accepting("node-1", true);
    pool.set_accepting("node-2", true);
  }
  static pool_config quiet() {
    pool_config c;
    c.log = logger::none();
    c.max_concurrent_moves = 64;
    return c;
  }
  std::size_t lost() const {
    std::size_t n = 0;
    for (auto& p : players) {
      auto s = p->snapshot();
      if (s.node.empty() || s.node == "node-0" || !s.track) ++n;
    }
    return n;
  }
};

void failover_1000(benchmark::State& state) {
  std::size_t lost = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto c = std::make_unique<cluster>();
    c->nodes[0]->kill();
    c->io.restart();
    state.ResumeTiming();
    c->pool.node_down("node-0");
    c->io.run();
    state.PauseTiming();
    lost += c->lost();
    c.reset();
    state.ResumeTiming();
  }
  state.counters["lost"] = static_cast<double>(lost);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * failover_players));
}

void baseline_restore_patches_1000(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    auto c = std::make_unique<cluster>();
    std::vector<protocol::update_player> bodies;
    for (auto& p : c->players) bodies.push_back(p->restore_request());
    c->io.restart();
    state.ResumeTiming();
    std::size_t answered = 0;
    for (std::size_t i = 0; i < bodies.size(); ++i)
      c->nodes[1 + i % 2]->update_player(guild_id{i + 1}, bodies[i], false,
                                         [&answered](error_code, protocol::player) { ++answered; });
    c->io.run();
    state.PauseTiming();
    if (answered != bodies.size()) state.SkipWithError("not every PATCH was answered");
    c.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * failover_players));
}

std::vector<node_load> ten_nodes() {
  std::vector<node_load> nodes;
  for (int i = 0; i < 10; ++i) {
    node_load n;
    n.name = fmt::format("node-{}", i);
    n.playing_players = 10 * i;
    n.system_load = 0.05 * i;
    n.frames = protocol::frame_stats{2990, i, 10 - i};
    n.regions = {i % 2 ? "rotterdam" : "us-east"};
    nodes.push_back(std::move(n));
  }
  return nodes;
}

void select_10_nodes(benchmark::State& state) {
  const auto nodes = ten_nodes();
  node_selector selector;
  std::uint64_t g = 0;
  for (auto _ : state) {
    const guild_id guild{++g};
    auto pick = selector.select(nodes, {guild, "rotterdam2744.discord.media:443"});
    benchmark::DoNotOptimize(pick);
    selector.cancel(nodes[*pick].name);
    selector.forget_guild(guild);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void baseline_argmin_penalty_10_nodes(benchmark::State& state) {
  const auto nodes = ten_nodes();
  for (auto _ : state) {
    std::size_t best = 0;
    double best_penalty = classic_penalty(nodes[0]);
    for (std::size_t i = 1; i < nodes.size(); ++i) {
      double p = classic_penalty(nodes[i]);
      if (p < best_penalty) best = i, best_penalty = p;
    }
    benchmark::DoNotOptimize(best);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

BENCHMARK(baseline_restore_patches_1000)->Unit(benchmark::kMillisecond);
BENCHMARK(failover_1000)->Unit(benchmark::kMillisecond);
BENCHMARK(baseline_argmin_penalty_10_nodes);
BENCHMARK(select_10_nodes);

/// The console table, then each figure as a ratio to its baseline of the same run.
class ratio_reporter : public benchmark::ConsoleReporter {
 public:
  ratio_reporter() : ConsoleReporter(isatty(fileno(stdout)) ? OO_Defaults : OO_Tabular) {}

  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& run : runs)
      if (run.run_type == Run::RT_Iteration && !run.error_occurred) {
        cpu_ns_[run.run_name.function_name] = run.GetAdjustedCPUTime();
        real_ns_[run.run_name.function_name] = run.GetAdjustedRealTime();
        counters_[run.run_name.function_name] = run.counters;
      }
    ConsoleReporter::ReportRuns(runs);
  }

  void Finalize() override {
    ConsoleReporter::Finalize();
    std::printf("\nratios (same run):\n");
    ratio(cpu_ns_, "failover_1000", "baseline_restore_patches_1000", "failover of 1000 / the 1000 PATCHes alone (CPU)");
    ratio(cpu_ns_, "select_10_nodes", "baseline_argmin_penalty_10_nodes", "select / bare penalty argmin (CPU)");
    ratio(real_ns_, "failover_1000_loopback", "baseline_restore_patches_1000_loopback",
          "loopback failover / its 1000 PATCHes alone (wall)");
    std::printf("\nabsolute:\n");
    wall(real_ns_, "failover_1000", "failover of 1000 players, in memory (wall)");
    wall(real_ns_, "failover_1000_loopback", "failover of 1000 players, loopback (wall)");
    if (auto c = counters_.find("failover_1000_loopback"); c != counters_.end() && c->second.count("lost"))
      std::printf("  %-48s %8.0f\n", "players lost over loopback (all iterations)", double(c->second.at("lost")));
    if (auto s = cpu_ns_.find("select_10_nodes"); s != cpu_ns_.end() && s->second > 0)
      std::printf("  %-48s %8.0f /s\n", "placement decisions with 10 nodes (CPU)", 1e9 / s->second);
  }

 private:
  static void ratio(const std::map<std::string, double>& m, const std::string& numerator,
                    const std::string& denominator, const char* label) {
    const auto n = m.find(numerator), d = m.find(denominator);
    if (n == m.end() || d == m.end() || d->second <= 0) return;
    std::printf("  %-48s %6.2fx\n", label, n->second / d->second);
  }

  static void wall(const std::map<std::string, double>& m, const std::string& name, const char* label) {
    if (auto f = m.find(name); f != m.end()) std::printf("  %-48s %8.2f ms\n", label, f->second);
  }

  std::map<std::string, double> cpu_ns_;
  std::map<std::string, double> real_ns_;
  std::map<std::string, benchmark::UserCounters> counters_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  ratio_reporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
