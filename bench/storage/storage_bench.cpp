// The cost of persisting queues (issue 7): journaled queue mutations with a
// commit per mutation and with group commit, against the same mutations with
// no persistence; and the time to recover 1,000 sessions of 100 items.
//
// Each benchmark times its baseline and its persisted variant alternately in
// the same iterations (wall clock: the store's thread and the disk are part of
// the cost), and reports `ratio` = persisted time / baseline time. Read the
// ratio, not the absolute times, on a loaded machine.
#include <hanabi/queue/queue_event.hpp>
#include <hanabi/queue/track_queue.hpp>
#include <hanabi/storage/memory_store.hpp>
#include <hanabi/storage/sqlite_store.hpp>

#include <boost/asio/io_context.hpp>

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace {

using namespace hanabi;
namespace asio = boost::asio;
using clock_type = std::chrono::steady_clock;

// A track shaped like a real YouTube load result (a ~250-byte blob and its metadata).
queue_item sample_item(int n) {
  protocol::track t;
  t.encoded = "QAAA" + std::string(240, 'A') + std::to_string(n);
  t.info.identifier = "dQw4w9WgXcQ" + std::to_string(n);
  t.info.title = "Rick Astley - Never Gonna Give You Up (Official Music Video)";
  t.info.author = "Rick Astley";
  t.info.length = 212'000;
  t.info.is_seekable = true;
  t.info.source_name = "youtube";
  return make_queue_item(t, user_id{42}, 1'700'000'000'000);
}

// The mutation mix: enqueue one item; every fifth mutation moves the first item to the end.
void mutate(track_queue& q, const std::vector<queue_item>& items, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    if (i % 5 == 4) (void)q.move(1, q.size());
    else (void)q.enqueue({items[i % items.size()]});
  }
}

class temp_database {
 public:
  temp_database() {
    std::string pattern = (std::filesystem::temp_directory_path() / "hanabi-bench-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) std::abort();
    dir_ = pattern;
  }
  ~temp_database() { std::filesystem::remove_all(dir_); }
  std::string file() const { return (dir_ / "bench.db").string(); }

 private:
  std::filesystem::path dir_;
};

std::unique_ptr<storage::sqlite_store> open_store(asio::io_context& ctx, const std::string& path,
                                                  storage::journal_commit commit) {
  storage::sqlite_store_config config;
  config.path = path;
  config.commit = commit;
  config.log = logger::none();
  auto opened = storage::sqlite_store::open(ctx.get_executor(), config);
  if (!opened) std::abort();
  return std::move(*opened);
}

double seconds_since(clock_type::time_point start) {
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

// Runs `mutations` queue mutations per iteration: first with no persistence (the baseline), then
// journaling each event into a SQLite store in `commit` mode. With `wait_each`, every mutation waits
// for its commit; otherwise the acknowledgements are awaited once, after the last mutation.
void journaled_mutations(benchmark::State& state, storage::journal_commit commit, bool wait_each) {
  const auto mutations = static_cast<std::size_t>(state.range(0));
  std::vector<queue_item> items;
  for (int i = 0; i < 64; ++i) items.push_back(sample_item(i));
  temp_database db;
  asio::io_context ctx;
  auto store = open_store(ctx, db.file(), commit);
  diagnostics diag;
  double baseline = 0, persisted = 0, caller = 0;
  std::uint64_t session = 0;
  for (auto _ : state) {
    auto start = clock_type::now();
    track_queue plain;
    mutate(plain, items, mutations);
    benchmark::DoNotOptimize(plain.version());
    baseline += seconds_since(start);

    const storage::session_key key{"bench", guild_id{1}, channel_id{++session}};
    std::size_t acked = 0;
    queue_config config;
    config.on_change = [&](const queue_event& e) {
      store->async_append_events(key, {{e.version, to_json_value(e)}}, diag,
                                 [&](error_code ec, storage::journal_status) {
                                   if (ec) std::abort();
                                   ++acked;
                                 });
      if (wait_each) {
        ctx.restart();
        ctx.run();
      }
    };
    start = clock_type::now();
    track_queue journaled(config);
    mutate(journaled, items, mutations);
    caller += seconds_since(start);
    ctx.restart();
    ctx.run();  // every acknowledgement: the mutations are committed
    persisted += seconds_since(start);
    if (acked != mutations) std::abort();
    state.SetIterationTime(seconds_since(start));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * mutations));
  state.counters["ratio"] = persisted / baseline;
  state.counters["ratio_caller"] = caller / baseline;
  state.counters["baseline_ns_per_mutation"] = baseline * 1e9 / static_cast<double>(state.iterations() * mutations);
}

void journal_commit_each_waited(benchmark::State& state) {
  journaled_mutations(state, storage::journal_commit::each, true);
}
void journal_commit_each_pipelined(benchmark::State& state) {
  journaled_mutations(state, storage::journal_commit::each, false);
}
void journal_batched(benchmark::State& state) { journaled_mutations(state, storage::journal_commit::batched, false); }

BENCHMARK(journal_commit_each_waited)->Arg(100)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(journal_commit_each_pipelined)->Arg(1000)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(journal_batched)->Arg(1000)->UseManualTime()->Unit(benchmark::kMillisecond);

// Rebuilds every queue of a bot from its records: restore the snapshot, replay the tail.
std::size_t rebuild(const std::vector<storage::session_record>& records) {
  std::size_t items = 0;
  for (const auto& r : records) {
    auto q = track_queue::restore(r.snapshot);
    if (!q) std::abort();
    for (const auto& e : r.tail) {
      auto event = queue_event_from_json(e.body);
      if (!event || !q->apply(*event)) std::abort();
    }
    items += q->size();
  }
  return items;
}

// 1,000 sessions of 100 items each, stored as a snapshot at 90 items plus a journal of 10 events.
void recover_1000_sessions(benchmark::State& state) {
  constexpr std::uint64_t sessions = 1000;
  temp_database db;
  asio::io_context ctx;
  diagnostics diag;
  std::vector<queue_item> items;
  for (int i = 0; i < 100; ++i) items.push_back(sample_item(i));
  {
    auto store = open_store(ctx, db.file(), storage::journal_commit::batched);
    for (std::uint64_t s = 1; s <= sessions; ++s) {
      const storage::session_key key{"bench", guild_id{s}, channel_id{s}};
      std::vector<storage::journal_event> tail;
      queue_config config;
      config.on_change = [&](const queue_event& e) { tail.push_back({e.version, to_json_value(e)}); };
      track_queue q(config);
      for (int i = 0; i < 90; ++i) (void)q.enqueue({items[static_cast<std::size_t>(i)]});
      store->async_save_snapshot(key, q.version(), q.snapshot(), diag, [](error_code ec) { if (ec) std::abort(); });
      tail.clear();
      for (int i = 90; i < 100; ++i) (void)q.enqueue({items[static_cast<std::size_t>(i)]});
      store->async_append_events(key, std::move(tail), diag,
                                 [](error_code ec, storage::journal_status) { if (ec) std::abort(); });
    }
    ctx.run();
  }
  double baseline = 0, recovered = 0;
  for (auto _ : state) {
    // Recovery: open the file, read every session, rebuild every queue.
    auto start = clock_type::now();
    ctx.restart();
    auto store = open_store(ctx, db.file(), storage::journal_commit::batched);
    std::vector<storage::session_record> records;
    store->async_load_sessions("bench", diag, [&](error_code ec, std::vector<storage::session_record> r) {
      if (ec) std::abort();
      records = std::move(r);
    });
    ctx.run();
    if (records.size() != sessions || rebuild(records) != sessions * 100) std::abort();
    const double seconds = seconds_since(start);
    recovered += seconds;
    state.SetIterationTime(seconds);
    // Baseline: rebuilding the same queues from records already in memory.
    start = clock_type::now();
    benchmark::DoNotOptimize(rebuild(records));
    baseline += seconds_since(start);
  }
  state.counters["ratio"] = recovered / baseline;
  state.counters["sessions"] = sessions;
}

BENCHMARK(recover_1000_sessions)->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace
