// The cost of persisting queues (issue 7): journaled queue mutations through
// queue_journal (events copied flat into the queue's strand's buffer by its
// recorder, handed off once per batch, serialized and committed in batches on
// the store's side), the mix and each mutation kind on its own
// (bench/storage/callgrind_ratios.sh reads the latter's instruction counts),
// and, for comparison, the per-mutation hand-off
// (JSON on the caller's thread, one append per mutation) with a commit per
// append and with group commit; all against the same mutations with no
// persistence. And the time to recover 1,000 sessions of 100 items.
//
// Each benchmark times its baseline and its persisted variant alternately in
// the same iterations (wall clock: the store's thread and the disk are part of
// the cost), and reports `ratio` = persisted time / baseline time. Read the
// ratio, not the absolute times, on a loaded machine.
#include <hanabi/queue/queue_event.hpp>
#include <hanabi/queue/track_queue.hpp>
#include <hanabi/storage/queue_journal.hpp>
#include <hanabi/storage/sqlite_store.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/defer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_future.hpp>

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <future>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <time.h>

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

// The mutation mix, realistic for a music bot: enqueue one item (half of the mutations), move the
// first item to the end, skip to another item. Every call succeeds, so each makes one event.
void mutate(track_queue& q, const std::vector<queue_item>& items, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    switch (i % 4) {
      case 0:
      case 1: (void)q.enqueue({items[i % items.size()]}); break;
      case 2: (void)q.move(1, q.size()); break;
      default: (void)q.skip_to(1 + (i / 4) % q.size()); break;
    }
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

// CPU time of the calling thread: what a mutation costs its caller, whatever the load of the machine
// and whatever the store's thread does meanwhile.
double thread_cpu_seconds() {
  timespec t{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

std::vector<queue_item> sample_items(int count) {
  std::vector<queue_item> items;
  for (int i = 0; i < count; ++i) items.push_back(sample_item(i));
  return items;
}

// What one persisted run took: until the last mutation returned, and until all of it was committed.
struct persisted_run {
  double caller = 0;
  double caller_cpu = 0;  // the caller thread's CPU time over the same span
  double committed = 0;
};

// Times the mutations of `q` (wall and thread CPU) into `run`.
void timed_mutations(persisted_run& run, track_queue& q, const std::vector<queue_item>& items, std::size_t count) {
  const auto start = clock_type::now();
  const double cpu = thread_cpu_seconds();
  mutate(q, items, count);
  run.caller_cpu = thread_cpu_seconds() - cpu;
  run.caller = seconds_since(start);
}

// Per iteration, times `state.range(0)` bare mutations (the baseline: a queue with no listener),
// then `persisted(key, mutations)` on a new session; reports `ratio` (committed / baseline),
// `ratio_caller` (caller / baseline, wall clock), `ratio_caller_cpu` (the same in the caller thread's
// CPU time, immune to the machine's load) and the baseline's cost per mutation.
template <class Persisted>
void compare_with_bare(benchmark::State& state, const std::vector<queue_item>& items, Persisted persisted) {
  const auto mutations = static_cast<std::size_t>(state.range(0));
  double baseline = 0, baseline_cpu = 0, committed = 0, caller = 0, caller_cpu = 0;
  std::uint64_t session = 0;
  for (auto _ : state) {
    {
      persisted_run bare;
      track_queue plain;
      timed_mutations(bare, plain, items, mutations);
      benchmark::DoNotOptimize(plain.version());
      baseline += bare.caller;
      baseline_cpu += bare.caller_cpu;
    }
    const auto run = persisted(storage::session_key{"bench", guild_id{1}, channel_id{++session}}, mutations);
    caller += run.caller;
    caller_cpu += run.caller_cpu;
    committed += run.committed;
    state.SetIterationTime(run.committed);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * mutations));
  state.counters["ratio"] = committed / baseline;
  state.counters["ratio_caller"] = caller / baseline;
  state.counters["ratio_caller_cpu"] = caller_cpu / baseline_cpu;
  state.counters["baseline_ns_per_mutation"] = baseline * 1e9 / static_cast<double>(state.iterations() * mutations);
}

// The per-mutation hand-off (for comparison): each change event serialized with to_json_value on the
// caller's thread and appended with its own async_append_events, into a store in `commit` mode. With
// `wait_each`, every mutation waits for its commit; otherwise the acks are awaited after the last one.
void journaled_mutations(benchmark::State& state, storage::journal_commit commit, bool wait_each) {
  const auto items = sample_items(64);
  temp_database db;
  asio::io_context ctx;
  auto store = open_store(ctx, db.file(), commit);
  diagnostics diag;
  compare_with_bare(state, items, [&](const storage::session_key& key, std::size_t mutations) {
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
    persisted_run run;
    const auto start = clock_type::now();
    track_queue journaled(config);
    timed_mutations(run, journaled, items, mutations);
    ctx.restart();
    ctx.run();  // every acknowledgement: the mutations are committed
    run.committed = seconds_since(start);
    if (acked != mutations) std::abort();
    return run;
  });
}

// A queue_journal over a SQLite store in batched mode (a new database file), the store's io_context
// running on its own thread (as in a multi-threaded bot: batches are written and completed while the
// caller keeps mutating); `config` journals a queue into it through the journal's recorder. The
// queue's strand is `caller`, an io_context run by the benchmark's thread in on_caller(): the
// journal hands each batch off there, after the job that recorded it (or at a flush).
struct journal_rig {
  explicit journal_rig(std::uint64_t channel)
      : store(open_store(ctx, db.file(), storage::journal_commit::batched)),
        journal(*store, {"bench", guild_id{channel}, channel_id{channel}}, 0) {
    journal.hand_off_on(caller.get_executor());
    config.recorder = journal.recorder();
  }
  ~journal_rig() {
    work.reset();
    io.join();
  }

  // Runs `job` as one job of the queue's strand, and whatever it posted there, on this thread.
  template <class Job>
  void on_caller(Job job) {
    asio::post(caller, std::move(job));
    caller.restart();
    caller.run();
  }

  // From a job of the strand: runs `then` after the journal's hand-off of what the job recorded. The
  // hand-off is a continuation of the job, queued at the batch's first event; so is `then`, after it.
  template <class Then>
  void after_hand_off(Then then) {
    asio::defer(caller, std::move(then));
  }

  temp_database db;
  asio::io_context ctx;
  asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(ctx);
  std::thread io{[this] { ctx.run(); }};
  asio::io_context caller;
  std::unique_ptr<storage::sqlite_store> store;
  storage::queue_journal journal;
  queue_config config;
};

// queue_journal (journal_rig) against bare mutations of the mix.
// One journal serves the whole benchmark, as one serves a session for its lifetime (its buffers
// keep their working size); each iteration journals a new empty queue that continues its versions,
// its mutations one job of the strand, flushed at its end. `committed` ends when async_flush
// reports every event durable.
void journal_adapter(benchmark::State& state) {
  const auto items = sample_items(64);
  journal_rig rig(2);
  auto& journal = rig.journal;
  const auto& config = rig.config;
  nlohmann::json empty = track_queue{}.snapshot();
  const auto journaled_run = [&](std::size_t mutations) {
    empty["version"] = journal.recorded_version();
    auto journaled = track_queue::restore(empty, config);
    if (!journaled) std::abort();
    persisted_run run;
    const auto start = clock_type::now();
    rig.on_caller([&] {
      const double cpu = thread_cpu_seconds();
      mutate(*journaled, items, mutations);
      rig.after_hand_off([&, cpu] {
        run.caller_cpu = thread_cpu_seconds() - cpu;
        run.caller = seconds_since(start);
      });
    });
    std::future<std::uint64_t> flushed;
    rig.on_caller([&] { flushed = journal.async_flush(asio::use_future); });
    const auto durable = flushed.get();
    run.committed = seconds_since(start);
    if (durable != journaled->version()) std::abort();
    return run;
  };
  // As in a long session (and as journal_mutation does), the journal's buffers start at their working
  // size: three untimed batches, as three buffers take turns (the strand's, the pending one, the one
  // being written). Otherwise the first iterations' growth of ~500 KB of buffers, amortized over the
  // few iterations a second allows at 10,000 mutations, moved the ratio by several percent. What that
  // growth costs is reported apart: `first_batch_ratio_caller_cpu`, the first batch of the new journal
  // against one bare run just before it (one sample each: noisy).
  const auto mutations = static_cast<std::size_t>(state.range(0));
  persisted_run first_bare;
  {
    track_queue plain;
    timed_mutations(first_bare, plain, items, mutations);
  }
  const double first_batch_cpu = journaled_run(mutations).caller_cpu;
  for (int i = 0; i < 2; ++i) (void)journaled_run(mutations);
  compare_with_bare(state, items, [&](const storage::session_key&, std::size_t n) { return journaled_run(n); });
  state.counters["first_batch_ratio_caller_cpu"] = first_batch_cpu / first_bare.caller_cpu;
}

BENCHMARK(journal_adapter)->Arg(1000)->Arg(10000)->UseManualTime()->Unit(benchmark::kMillisecond);

// --- One mutation kind at a time: what the journal adds to each ---------------------------------

enum class mutation_kind { append, insert, move, remove, skip };

constexpr std::size_t kind_queue_size = 100;  // the items a queue holds when a timed run starts
constexpr std::size_t kind_mutations = 1000;  // mutations per timed run

// Never inlined, and (GCC) never merged with an identical instantiation by IPA.
#if defined(__clang__)
#  define HANABI_BENCH_SEPARATE [[gnu::noinline]]
#else
#  define HANABI_BENCH_SEPARATE [[gnu::noipa]]
#endif

// Which run a call of run_batch is: its name in callgrind's profile.
enum class run_role { bare, journaled, warm_up };

// `count` mutations of kind K on `q` (a queue of kind_queue_size items playing item 1, plus `count` more
// for remove); each succeeds and makes one event.
template <mutation_kind K>
void run_mutations(track_queue& q, const std::vector<queue_item>& items, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    const queue_item& item = items[i % items.size()];
    bool done = false;
    if constexpr (K == mutation_kind::append) done = q.enqueue({item}).has_value();
    if constexpr (K == mutation_kind::insert) done = q.insert(kind_queue_size / 2, {item}).has_value();
    if constexpr (K == mutation_kind::move) done = q.move(1, q.size()).has_value();
    if constexpr (K == mutation_kind::remove) {
      const std::size_t last[] = {q.size()};
      done = q.remove(last).has_value();
    }
    if constexpr (K == mutation_kind::skip) done = q.skip_to(2 + i % 2).has_value();
    if (!done) std::abort();
  }
}

// One job of the queue's strand: kind_mutations mutations of `q`, then whatever the job queued on the
// strand (a journaled queue's hand-off of the batch); `cpu` grows by the caller thread's CPU time
// from the first mutation to the end of the hand-off. One instantiation per kind and role (`Role`
// only names it), never inlined nor merged, so that callgrind's inclusive cost of each is the
// caller's instructions for the bare and for the journaled batch separately (the same job
// machinery around both).
template <mutation_kind K, run_role Role>
HANABI_BENCH_SEPARATE void run_batch(journal_rig& rig, track_queue& q, const std::vector<queue_item>& items,
                                     double& cpu) {
  rig.on_caller([&] {
    const double start = thread_cpu_seconds();
    run_mutations<K>(q, items, kind_mutations);
    rig.after_hand_off([&cpu, start] { cpu += thread_cpu_seconds() - start; });
  });
}

// The queue each timed run starts from, at `version`, with `config`'s recorder.
track_queue kind_start(const std::vector<queue_item>& items, mutation_kind kind, std::uint64_t version,
                       const queue_config& config) {
  track_queue q;
  const std::size_t size = kind_queue_size + (kind == mutation_kind::remove ? kind_mutations : 0);
  std::vector<queue_item> fill;
  for (std::size_t i = 0; i < size; ++i) fill.push_back(items[i % items.size()]);
  if (!q.enqueue(std::move(fill)) || !q.skip_to(1)) std::abort();
  auto snapshot = q.snapshot();
  snapshot["version"] = version;
  auto restored = track_queue::restore(snapshot, config);
  if (!restored) std::abort();
  return std::move(*restored);
}

// The times the store's thread woke up between two readings: its timed looks for hand-offs and its
// wakes from idle (by a hand-off, or by anything else: an idle sleep that ended).
double store_wakeups(const detail::job_thread_stats& from, const detail::job_thread_stats& to) {
  return static_cast<double>((to.polls - from.polls) + (to.idle_sleeps - from.idle_sleeps));
}

// Once the store's thread has gone idle (nothing handed off any more): its wake-ups per second over 0.2 s.
double idle_wakeups_per_second(const storage::sqlite_store& store) {
  const auto give_up = clock_type::now() + std::chrono::seconds{10};
  while (!store.thread_stats().idle && clock_type::now() < give_up) std::this_thread::sleep_for(std::chrono::milliseconds{1});
  const auto from = store.thread_stats();
  std::this_thread::sleep_for(std::chrono::milliseconds{200});
  return store_wakeups(from, store.thread_stats()) / 0.2;
}

// Per iteration: kind_mutations bare mutations of one kind (a queue with no recorder), then the same
// mutations of a queue journaled by storage::queue_journal (its recorder; batched SQLite store,
// io_context on its own thread, one journal for the whole benchmark as one serves a session), each
// from the same start and as one job of the queue's strand (run_batch), the journaled job's time
// including the journal's hand-off of the batch; then async_flush. Reports `ratio_caller_cpu` = the
// caller thread's CPU time journaled / bare (CLOCK_THREAD_CPUTIME_ID), the bare and journaled CPU ns
// per mutation, `flush_us` = the caller's CPU per async_flush (apart: not a mutation's cost),
// `items_per_second` = journaled mutations per second until async_flush reports them committed, and
// the store thread's wake-ups (see the counters).
template <mutation_kind K>
void journal_mutation(benchmark::State& state) {
  const auto items = sample_items(64);
  journal_rig rig(3);
  auto& journal = rig.journal;
  const auto& journaled_config = rig.config;
  std::future<std::uint64_t> flushed;
  double warm_up_cpu = 0, flush_cpu = 0;
  // As in a long session, the buffers start at their working size (under callgrind a single timed
  // run could otherwise be one batch that grows from nothing): three batches, as three buffers take
  // turns (the strand's, the pending one, the one being written).
  for (int i = 0; i < 3; ++i) {
    auto warm = kind_start(items, K, journal.recorded_version(), journaled_config);
    run_batch<K, run_role::warm_up>(rig, warm, items, warm_up_cpu);
    rig.on_caller([&] { flushed = journal.async_flush(asio::use_future); });
    flushed.get();
  }
  double bare_cpu = 0, journaled_cpu = 0;
  const auto before = rig.store->thread_stats();
  const auto loop_start = clock_type::now();
  // Each iteration's start queues are built while the previous batch is being committed (building
  // and restoring a 100-item queue takes longer than the store's 1 ms window): as in a session that
  // keeps mutating, the store's thread has been busy within its window when the batch is handed off.
  std::optional<track_queue> bare(kind_start(items, K, 0, {}));
  std::optional<track_queue> journaled(kind_start(items, K, journal.recorded_version(), journaled_config));
  for (auto _ : state) {
    run_batch<K, run_role::bare>(rig, *bare, items, bare_cpu);
    const auto start = clock_type::now();
    run_batch<K, run_role::journaled>(rig, *journaled, items, journaled_cpu);
    // What waiting for durability adds, apart: a session flushes on demand (its close, a shutdown),
    // not with each batch; the hand-off above is what every batch costs.
    rig.on_caller([&] {
      const double cpu = thread_cpu_seconds();
      flushed = journal.async_flush(asio::use_future);
      flush_cpu += thread_cpu_seconds() - cpu;
    });
    if (!(bare->size() == journaled->size())) std::abort();
    const std::uint64_t expected = journaled->version();
    bare.emplace(kind_start(items, K, 0, {}));
    journaled.emplace(kind_start(items, K, journal.recorded_version(), journaled_config));
    const auto durable = flushed.get();
    state.SetIterationTime(seconds_since(start));
    if (durable != expected) std::abort();
  }
  const auto busy = rig.store->thread_stats();
  const double busy_seconds = seconds_since(loop_start);
  const auto mutations = static_cast<double>(state.iterations() * kind_mutations);
  state.SetItemsProcessed(static_cast<std::int64_t>(mutations));
  state.counters["ratio_caller_cpu"] = journaled_cpu / bare_cpu;
  state.counters["bare_ns"] = bare_cpu * 1e9 / mutations;
  state.counters["journaled_ns"] = journaled_cpu * 1e9 / mutations;
  state.counters["flush_us"] = flush_cpu * 1e6 / static_cast<double>(state.iterations());
  // The store's thread: the share of hand-offs that had to wake it (it was idle), and its own
  // wake-ups per second (timed looks + wakes from idle) while busy and, once idle, over 0.2 s.
  state.counters["hand_off_wakes"] =
      static_cast<double>(busy.hand_off_wakes - before.hand_off_wakes) / static_cast<double>(state.iterations());
  state.counters["store_wakeups_per_s"] = store_wakeups(before, busy) / busy_seconds;
  state.counters["store_idle_wakeups_per_s"] = idle_wakeups_per_second(*rig.store);
}

BENCHMARK(journal_mutation<mutation_kind::append>)->Name("journal_mutation/append")->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(journal_mutation<mutation_kind::insert>)->Name("journal_mutation/insert")->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(journal_mutation<mutation_kind::move>)->Name("journal_mutation/move")->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(journal_mutation<mutation_kind::remove>)->Name("journal_mutation/remove")->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(journal_mutation<mutation_kind::skip>)->Name("journal_mutation/skip")->UseManualTime()->Unit(benchmark::kMillisecond);

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

// One session as the store holds it, in text: the snapshot, the tail's events and the state document.
struct stored_text {
  std::string snapshot;
  std::vector<std::pair<std::uint64_t, std::string>> tail;
  std::string state;
};

// A restored session: its queue and its state document.
struct restored_session {
  track_queue queue;
  nlohmann::json state;
};

// Restores the snapshot and replays the tail: what recovery does with each session's record.
track_queue rebuild(const nlohmann::json& snapshot, const std::vector<storage::journal_event>& tail) {
  auto q = track_queue::restore(snapshot);
  if (!q) std::abort();
  for (const auto& e : tail) {
    auto event = queue_event_from_json(e.body);
    if (!event || !q->apply(*event)) std::abort();
  }
  return std::move(*q);
}

nlohmann::json player_state(std::uint64_t s) {
  return {{"player", {{"encoded", sample_item(static_cast<int>(s % 100)).track->encoded()}, {"position_ms", 61'000},
                      {"position_at", 1'700'000'000'000}, {"paused", false}, {"volume", 80},
                      {"filters", {{"timescale", {{"speed", 1.1}}}}}, {"node", "main"}}},
          {"settings", {{"repeat", "all"}, {"autoplay", true}}}};
}

// Recovers 1,000 sessions of 100 items each, stored as a snapshot at 90 items, a journal of 10 events
// and a state document. Timed: open the file (schema check included), async_load_sessions, restore
// every queue (snapshot + tail replay). Baseline, same run: the same restoration from the same JSON
// texts already in memory (parse, restore, replay, parse the state), i.e. everything but the store.
void recover_1000_sessions(benchmark::State& state) {
  constexpr std::uint64_t sessions = 1000;
  temp_database db;
  asio::io_context ctx;
  diagnostics diag;
  const auto items = sample_items(100);
  std::vector<stored_text> texts(sessions);
  {
    auto store = open_store(ctx, db.file(), storage::journal_commit::batched);
    for (std::uint64_t s = 1; s <= sessions; ++s) {
      const storage::session_key key{"bench", guild_id{s}, channel_id{s}};
      auto& text = texts[s - 1];
      std::vector<storage::journal_event> tail;
      queue_config config;
      config.on_change = [&](const queue_event& e) { tail.push_back({e.version, to_json_value(e)}); };
      track_queue q(config);
      for (int i = 0; i < 90; ++i) (void)q.enqueue({items[static_cast<std::size_t>(i)]});
      text.snapshot = q.snapshot().dump();
      store->async_save_snapshot(key, q.version(), q.snapshot(), diag, [](error_code ec) { if (ec) std::abort(); });
      tail.clear();
      for (int i = 90; i < 100; ++i) (void)q.enqueue({items[static_cast<std::size_t>(i)]});
      for (const auto& e : tail) text.tail.emplace_back(e.version, e.body.dump());
      text.state = player_state(s).dump();
      store->async_append_events(key, std::move(tail), diag,
                                 [](error_code ec, storage::journal_status) { if (ec) std::abort(); });
      store->async_save_session_state(key, player_state(s), diag, [](error_code ec) { if (ec) std::abort(); });
    }
    ctx.run();
  }
  double baseline = 0, recovered = 0;
  for (auto _ : state) {
    auto start = clock_type::now();
    ctx.restart();
    std::vector<restored_session> restored;
    double seconds = 0;
    {
      auto store = open_store(ctx, db.file(), storage::journal_commit::batched);
      store->async_load_sessions("bench", diag, [&](error_code ec, std::vector<storage::session_record> records) {
        if (ec) std::abort();
        for (auto& r : records) restored.push_back({rebuild(r.snapshot, r.tail), std::move(r.state)});
      });
      ctx.run();
      seconds = seconds_since(start);  // recovered; closing the store is not part of it
    }
    if (restored.size() != sessions || restored.back().queue.size() != 100 || restored.back().state.is_null())
      std::abort();
    recovered += seconds;
    state.SetIterationTime(seconds);

    start = clock_type::now();
    std::vector<restored_session> from_text;
    for (const auto& t : texts) {
      std::vector<storage::journal_event> tail;
      for (const auto& [version, body] : t.tail) tail.push_back({version, nlohmann::json::parse(body)});
      from_text.push_back({rebuild(nlohmann::json::parse(t.snapshot), tail), nlohmann::json::parse(t.state)});
    }
    baseline += seconds_since(start);
    if (!(from_text.back().queue == restored.back().queue)) std::abort();
  }
  state.counters["ratio"] = recovered / baseline;
  state.counters["sessions"] = sessions;
  state.counters["baseline_ms"] = baseline * 1e3 / static_cast<double>(state.iterations());
}

BENCHMARK(recover_1000_sessions)->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace
