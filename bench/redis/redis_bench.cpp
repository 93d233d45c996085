// The cost of the Redis store against a redis-server on a unix socket, which the
// caller starts and names in HANABI_BENCH_REDIS_SOCKET (bench/README.md has the
// command). Each benchmark times its baseline and the store alternately in the
// same iterations and reports `ratio` = store time / baseline time:
// - one journal append, awaited, against one raw PING round trip on its own
//   hiredis connection (the floor: an append is a WATCH+read round trip, then a
//   MULTI/EXEC round trip, plus the hop to the store's thread and back);
// - 1,000 appends in flight (each to its own session), against the same appends
//   through sqlite_store with group commit on a temp file (local disk versus a
//   store shared by several hosts).
#include <hanabi/storage/redis_store.hpp>
#include <hanabi/storage/sqlite_store.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <hiredis/hiredis.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace hanabi;
namespace asio = boost::asio;
using clock_type = std::chrono::steady_clock;

std::string redis_socket() {
  const char* path = std::getenv("HANABI_BENCH_REDIS_SOCKET");
  if (path == nullptr) {
    std::fprintf(stderr, "set HANABI_BENCH_REDIS_SOCKET to a redis-server's unix socket (see bench/README.md)\n");
    std::exit(2);
  }
  return path;
}

std::unique_ptr<storage::redis_store> open_redis(asio::io_context& ctx, const std::string& prefix) {
  storage::redis_store_config config;
  config.unix_socket = redis_socket();
  config.key_prefix = prefix;
  auto opened = storage::redis_store::open(ctx.get_executor(), config);
  if (!opened) {
    std::fprintf(stderr, "%s\n", opened.error().what().c_str());
    std::exit(2);
  }
  return std::move(*opened);
}

storage::journal_event event(std::uint64_t version) {
  return {version, {{"type", "inserted"}, {"at", 3}, {"item", {{"encoded", std::string(250, 'A')}, {"title", "x"}}}}};
}

std::string unique_prefix(std::string_view bench) {
  return fmt::format("bench:{}:{}:", bench, clock_type::now().time_since_epoch().count());
}

// The store's thread posts to ctx: run it on a thread of its own while the benchmark waits on futures.
struct running_context {
  asio::io_context ctx;
  asio::executor_work_guard<asio::io_context::executor_type> work{ctx.get_executor()};
  std::thread thread{[this] { ctx.run(); }};
  ~running_context() {
    work.reset();
    thread.join();
  }
};

void BM_redis_append_vs_ping(benchmark::State& state) {
  running_context io;
  auto store = open_redis(io.ctx, unique_prefix("append"));
  redisContext* raw = redisConnectUnix(redis_socket().c_str());
  const storage::session_key key{"bench", guild_id{1}, channel_id{1}};
  diagnostics diag;
  std::uint64_t version = 0;
  clock_type::duration ping{}, append{};
  for (auto _ : state) {
    auto t0 = clock_type::now();
    freeReplyObject(redisCommand(raw, "PING"));
    auto t1 = clock_type::now();
    std::vector<storage::journal_event> one{event(++version)};
    auto status = store->async_append_events(key, std::move(one), diag, asio::use_future).get();
    auto t2 = clock_type::now();
    benchmark::DoNotOptimize(status);
    ping += t1 - t0;
    append += t2 - t1;
  }
  redisFree(raw);
  state.counters["ping_us"] = std::chrono::duration<double, std::micro>(ping).count() / state.iterations();
  state.counters["append_us"] = std::chrono::duration<double, std::micro>(append).count() / state.iterations();
  state.counters["ratio"] = std::chrono::duration<double>(append) / std::chrono::duration<double>(ping);
}
BENCHMARK(BM_redis_append_vs_ping)->UseRealTime()->MinTime(2.0);

// Starts `count` appends (session i gets version `round`), then waits for all of them.
void append_in_flight(storage::store& store, std::uint64_t round, int count) {
  std::vector<std::future<storage::journal_status>> pending;
  std::vector<diagnostics> diags(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    const storage::session_key key{"bench", guild_id{1}, channel_id{static_cast<std::uint64_t>(i + 1)}};
    std::vector<storage::journal_event> one{event(round)};
    pending.push_back(store.async_append_events(key, std::move(one), diags[static_cast<std::size_t>(i)], asio::use_future));
  }
  for (auto& f : pending) benchmark::DoNotOptimize(f.get());
}

void BM_redis_1000_appends_vs_sqlite(benchmark::State& state) {
  running_context io;
  auto redis = open_redis(io.ctx, unique_prefix("burst"));
  std::string pattern = (std::filesystem::temp_directory_path() / "hanabi-bench-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) std::abort();
  storage::sqlite_store_config config;
  config.path = pattern + "/bench.db";
  config.commit = storage::journal_commit::batched;
  auto sqlite = storage::sqlite_store::open(io.ctx.get_executor(), config);
  if (!sqlite) std::abort();
  constexpr int in_flight = 1000;
  std::uint64_t round = 0;
  clock_type::duration local{}, shared{};
  for (auto _ : state) {
    ++round;
    auto t0 = clock_type::now();
    append_in_flight(**sqlite, round, in_flight);
    auto t1 = clock_type::now();
    append_in_flight(*redis, round, in_flight);
    auto t2 = clock_type::now();
    local += t1 - t0;
    shared += t2 - t1;
  }
  sqlite->reset();
  std::filesystem::remove_all(pattern);
  const double n = static_cast<double>(state.iterations()) * in_flight;
  state.counters["sqlite_appends_per_s"] = n / std::chrono::duration<double>(local).count();
  state.counters["redis_appends_per_s"] = n / std::chrono::duration<double>(shared).count();
  state.counters["ratio"] = std::chrono::duration<double>(shared) / std::chrono::duration<double>(local);
}
BENCHMARK(BM_redis_1000_appends_vs_sqlite)->UseRealTime()->MinTime(2.0);

}  // namespace
