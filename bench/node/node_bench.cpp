// The node's benchmarks against the fake node, each with a baseline measured in the same run
// (event ingest is bench_node_ingest, ingest_bench.cpp):
//
//  mirror/10000     10,000 mirrored players, each with a playing track: bytes per player,
//                   counted by the allocator on the client's thread, and by mirror_memory().
//  rest/keepalive   GET /version round trips over the keep-alive pool: p50 and p99.
//  rest/new_conn    the same with a new connection per request. Baseline.
#include <hanabi/node/node.hpp>
#include <hanabi/protocol/encode.hpp>
#include <hanabi/testing/fake_node.hpp>
#include <hanabi/transport/cancel_after.hpp>
#include <hanabi/transport/rest_client.hpp>

#include <benchmark/benchmark.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <malloc.h>
#include <new>
#include <thread>

namespace asio = boost::asio;
using namespace std::chrono_literals;
using namespace hanabi;

// --- Allocation accounting on one thread (the client's), for the mirror's bytes. ---
namespace {
thread_local bool counting = false;
thread_local std::int64_t live_bytes = 0;
}  // namespace

void* operator new(std::size_t n) {
  void* p = std::malloc(n ? n : 1);
  if (!p) throw std::bad_alloc();
  if (counting) live_bytes += static_cast<std::int64_t>(malloc_usable_size(p));
  return p;
}
void operator delete(void* p) noexcept {
  if (p && counting) live_bytes -= static_cast<std::int64_t>(malloc_usable_size(p));
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept { operator delete(p); }

namespace {

testing::fake_node& fake() {
  static testing::fake_node node = [] {
    testing::fake_node_options o;
    o.stats_interval = 3600s;
    return testing::fake_node(o);
  }();
  static bool started = (node.start(), true);
  (void)started;
  return node;
}

/// An io_context on a thread of its own, whose CPU time is what we measure.
struct io_thread {
  asio::io_context ioc;
  asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(ioc);
  std::thread thread{[this] { ioc.run(); }};
  ~io_thread() {
    work.reset();
    ioc.stop();
    thread.join();
  }
};

node_config config() {
  node_config cfg;
  cfg.url = fake().base_url();
  cfg.password = secret{fake().options().password};
  cfg.user = user_id{1};
  cfg.log = logger::none();
  cfg.reconnect.initial_delay = 0ms;
  return cfg;
}

void mirror_memory(benchmark::State& state) {
  const std::size_t players = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    io_thread io;
    node n(io.ioc.get_executor(), config());
    std::atomic<std::size_t> seen{0};
    n.subscribe({[&](const protocol::ws_message&) { seen.fetch_add(1, std::memory_order_relaxed); }, {}, {}});
    n.async_run([](error_code) {});
    auto id = n.async_wait_ready(cancel_after(10s, asio::use_future)).get();
    auto loaded = n.async_load_tracks("fake:track:a mirrored track of typical size:215000", cancel_after(10s, asio::use_future)).get();
    auto track = std::get<protocol::track_loaded>(loaded).track;
    // Warm the decoder's buffers, then count only what the mirror keeps.
    fake().flood(id, {1, 10, 0});
    std::this_thread::sleep_for(200ms);
    const std::size_t warm = seen.load();
    std::promise<std::int64_t> before;
    asio::post(n.get_executor(), [&] {
      counting = true;
      before.set_value(live_bytes);
    });
    auto base = before.get_future().get();
    fake().flood(id, {players, players, 0});
    for (std::size_t g = 1; g <= players; ++g) {
      protocol::track_start_event e{guild_id{g}, track};
      fake().send_raw(id, nlohmann::json(protocol::ws_message{e}).dump());
    }
    while (seen.load() < warm + 2 * players) std::this_thread::sleep_for(1ms);
    std::promise<std::pair<std::int64_t, std::size_t>> after;
    asio::post(n.get_executor(), [&] {
      after.set_value({live_bytes, n.mirror_memory()});
      counting = false;
    });
    auto [bytes, estimate] = after.get_future().get();
    state.counters["bytes_per_player"] = static_cast<double>(bytes - base) / static_cast<double>(players);
    state.counters["estimate_per_player"] = static_cast<double>(estimate) / static_cast<double>(players);
    state.counters["ratio_vs_1KiB_goal"] = static_cast<double>(bytes - base) / static_cast<double>(players) / 1024.0;
    state.counters["encoded_track_bytes"] = static_cast<double>(track.encoded.size());
    n.cancel();
  }
}

double new_conn_p50 = 0;

void rest_round_trip(benchmark::State& state, bool keep_alive) {
  constexpr int requests = 2000;
  for (auto _ : state) {
    io_thread io;
    transport::rest_options o;
    o.url = *detail::parse_endpoint_url(fake().base_url());
    o.password = secret{fake().options().password};
    o.keep_alive = keep_alive;
    transport::rest_client rest(io.ioc.get_executor(), o);
    std::vector<double> us;
    us.reserve(requests);
    for (int i = 0; i < requests; ++i) {
      auto t0 = std::chrono::steady_clock::now();
      rest.async_call(boost::beast::http::verb::get, "/version", {}, nullptr, asio::use_future).get();
      us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(us.begin(), us.end());
    double total = 0;
    for (double v : us) total += v;
    state.SetIterationTime(total / 1e6);
    state.counters["p50_us"] = us[us.size() / 2];
    state.counters["p99_us"] = us[us.size() * 99 / 100];
    if (!keep_alive) new_conn_p50 = us[us.size() / 2];
    if (keep_alive && new_conn_p50 > 0) state.counters["p50_ratio_vs_new_conn"] = us[us.size() / 2] / new_conn_p50;
  }
}

}  // namespace

BENCHMARK(mirror_memory)->Name("mirror")->Arg(10000)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(rest_round_trip, new_conn, false)->Name("rest/new_conn")->UseManualTime()->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(rest_round_trip, keepalive, true)->Name("rest/keepalive")->UseManualTime()->Iterations(1)->Unit(benchmark::kMillisecond);
