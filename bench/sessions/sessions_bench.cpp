// Session command costs, each against a baseline measured in the same run:
//
//  - local_enqueue_one: enqueue of one already-loaded track into a playing local_session (the
//    queue op plus the session's own work: the post onto its strand, the history, the state
//    event, the completion posted back). Baseline: the bare track_queue::enqueue of one item.
//  - local_skip: skip by +1 on a local_session playing on a fake Lavalink node over loopback
//    (queue op + one update-player PATCH round trip). Baselines: the bare track_queue::skip_by,
//    and the same PATCH round trip from a bare player on the same node (baseline_player_play).
//
// Everything runs on one thread: the client's io_context is turned by the benchmark loop until
// the command completes; the fake node runs on its own thread. Section for the remote session
// (round trip through a child, raw WebSocket echo) goes below the local one.
#include <hanabi/session/local_session.hpp>
#include <hanabi/testing/fake_node.hpp>

#include <benchmark/benchmark.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <fmt/format.h>

#include <map>
#include <stdexcept>

namespace {

using namespace hanabi;
using namespace std::chrono_literals;

const user_id bot{170939974227541168ULL};
const user_id alice{1001};
const session_address where{guild_id{4242}, channel_id{7007}};

// Per benchmark name, for the ratios printed at the end: CPU and wall time per iteration.
std::map<std::string, double> cpu_ns, real_ns;

pool_config quiet_pool() {
  pool_config c;
  c.log = logger::none();
  return c;
}

/// One local session, connected and playing, on a fake node over loopback.
struct local_rig {
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(io);
  testing::fake_node fake;
  std::shared_ptr<node> lavalink;
  node_pool pool{asio::make_strand(io), quiet_pool()};
  std::shared_ptr<local_session> session;

  bool done = false;
  error_code last;
  /// A callback that marks the command done.
  template <class R>
  auto wait() {
    done = false;
    if constexpr (std::is_void_v<R>)
      return [this](error_code ec) { last = ec, done = true; };
    else
      return [this](error_code ec, R) { last = ec, done = true; };
  }
  /// Turns the loop until the command completes; a failure ends the benchmark.
  void finish() {
    while (!done) io.run_one();
    if (last) throw std::runtime_error("session command failed: " + last.message());
  }

  local_rig() {
    fake.start();
    node_config c;
    c.url = fake.base_url();
    c.password = secret{"youshallnotpass"};
    c.user = bot;
    c.log = logger::none();
    lavalink = std::make_shared<node>(io.get_executor(), c);
    lavalink->async_run([](error_code) {});
    pool.add_node(lavalink);
    turn_until([&] { return pool.stats().nodes.front().available; });
    local_session_config cfg;
    cfg.bot = bot;
    cfg.passthrough_prefixes = {"fake:"};
    cfg.load_tracks = load_tracks_from(lavalink);
    cfg.send_gateway = [this](const gateway_voice_update& op) {
      session->on_voice_state_update({where.guild, bot, op.channel, "discord-voice-session"});
      if (op.channel) session->on_voice_server_update({where.guild, "voice-token", std::string("eu.discord.media:443")});
    };
    asio::post(pool.get_executor(), [&] { session = local_session::create(pool, where, cfg).value(); });
    turn_until([&] { return session != nullptr; });
    diagnostics d;
    session->async_connect({.by = alice}, d, wait<session_state>());
    finish();
  }
  ~local_rig() {
    diagnostics d;
    session->async_disconnect({.by = alice}, d, wait<void>());
    finish();
    lavalink->cancel();
    work.reset();
    io.run_for(200ms);
  }

  void turn_until(const std::function<bool()>& ok) {
    const auto limit = std::chrono::steady_clock::now() + 30s;
    while (!ok()) {
      if (std::chrono::steady_clock::now() > limit) throw std::runtime_error("the rig did not come up");
      io.run_for(2ms);
    }
  }
};

protocol::track some_track(int i) {
  return testing::catalogue{}.resolve_one(fmt::format("fake:track:bench-{}", i)).value();
}

// --- Baselines: the bare queue ------------------------------------------------------------------

void baseline_queue_enqueue_one(benchmark::State& state) {
  track_queue q;
  auto item = make_queue_item(some_track(0), alice, 0);
  q.enqueue({item}).value();
  q.start().value();
  for (auto _ : state) {
    auto r = q.enqueue({item});
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(baseline_queue_enqueue_one);

void local_enqueue_one(benchmark::State& state) {
  local_rig rig;
  diagnostics d;
  rig.session->async_play({.query = "fake:track:first", .by = alice}, d, rig.wait<enqueue_outcome>());
  rig.finish();
  const auto track = some_track(0);
  for (auto _ : state) {
    rig.session->async_enqueue({.entries = {{.track = track}}, .by = alice}, d, rig.wait<enqueue_outcome>());
    rig.finish();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(local_enqueue_one);

void baseline_queue_skip(benchmark::State& state) {
  track_queue q;
  std::vector<queue_item> items;
  for (int i = 0; i < 2; ++i) items.push_back(make_queue_item(some_track(i), alice, 0));
  q.enqueue(std::move(items)).value();
  q.start().value();
  std::ptrdiff_t by = 1;
  for (auto _ : state) {
    auto r = q.skip_by(by);
    benchmark::DoNotOptimize(r);
    by = -by;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(baseline_queue_skip);

void local_skip(benchmark::State& state) {
  local_rig rig;
  diagnostics d;
  for (int i = 0; i < 2; ++i) {
    rig.session->async_play({.query = fmt::format("fake:track:skip-{}", i), .by = alice}, d, rig.wait<enqueue_outcome>());
    rig.finish();
  }
  std::int64_t by = 1;
  for (auto _ : state) {
    rig.session->async_skip({.how = skip_args::kind::by, .value = by, .by = alice}, d, rig.wait<now_playing>());
    rig.finish();
    by = -by;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(local_skip)->UseRealTime();

// The same round trip without the session: a bare player on the same pool and node alternates
// between two tracks (one update-player PATCH each).
void baseline_player_play(benchmark::State& state) {
  local_rig rig;
  player_config pc;
  pc.bot = bot;
  pc.log = logger::none();
  pc.send_gateway = [](const gateway_voice_update&) {};
  std::shared_ptr<player> p;
  asio::post(rig.pool.get_executor(), [&] { p = rig.pool.create_player(guild_id{4343}, pc).value(); });
  rig.turn_until([&] { return p != nullptr; });
  const protocol::track tracks[] = {some_track(0), some_track(1)};
  std::size_t i = 0;
  for (auto _ : state) {
    asio::post(rig.pool.get_executor(), [&, done = rig.wait<void>()] { p->async_play(tracks[i++ % 2], {}, done); });
    rig.finish();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(baseline_player_play)->UseRealTime();

/// Keeps each run's CPU time per iteration, for the ratios.
class ratio_reporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (auto& r : runs) {
      cpu_ns[r.benchmark_name()] = r.GetAdjustedCPUTime();
      real_ns[r.benchmark_name()] = r.GetAdjustedRealTime();
    }
  }
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  ratio_reporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  auto ratio = [](std::map<std::string, double>& t, const char* a, const char* b) {
    if (!t.count(a) || !t.count(b) || t[b] <= 0) return;
    fmt::print("  {:<50} {:10.1f}x\n", fmt::format("{} / {}", a, b), t[a] / t[b]);
  };
  fmt::print("\nratios (same run):\n");
  // Both sides run on this thread only: CPU time.
  ratio(cpu_ns, "local_enqueue_one", "baseline_queue_enqueue_one");
  // The skip waits for the fake node's PATCH answer (another thread): wall time.
  ratio(real_ns, "local_skip/real_time", "baseline_queue_skip");
  ratio(real_ns, "local_skip/real_time", "baseline_player_play/real_time");
  benchmark::Shutdown();
}
