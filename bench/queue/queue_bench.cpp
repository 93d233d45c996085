// Benchmarks of track_queue on a 100,000-item queue of typical tracks (the
// YouTube search result of tests/data/lavalink-v4/loadtracks-search.json, made
// distinct per item): insert in the middle, remove 1,000 scattered positions,
// interlace 10,000 items, dedupe, shuffle, skip, snapshot (in-memory copy and
// JSON), and the memory each queued item costs.
//
// Every figure has a baseline measured in the same run: the same operation on
// a plain std::vector<queue_item> (what a queue without history, events or a
// stable pointer would do), or, for memory and JSON, a std::vector of full
// protocol::track objects. After the table the run prints each figure, its
// goal (single-item operation < 50 us, bulk operation < 10 ms, < 600 bytes per
// item) and its ratio to its baseline.
#include <hanabi/queue/track_queue.hpp>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <new>
#include <string>
#include <unordered_set>
#include <vector>

// --- Heap accounting: live bytes as malloc hands them out (usable size plus its 8-byte header) ----
namespace {
std::size_t live_bytes = 0;
std::size_t charge(void* p) { return p ? malloc_usable_size(p) + sizeof(std::size_t) : 0; }
}  // namespace

void* operator new(std::size_t n) {
  void* p = std::malloc(n ? n : 1);
  if (!p) throw std::bad_alloc();
  live_bytes += charge(p);
  return p;
}
void operator delete(void* p) noexcept {
  live_bytes -= charge(p);
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept { operator delete(p); }

namespace {

using namespace hanabi;

constexpr std::size_t queue_size = 100'000;
constexpr std::size_t requesters = 10;
// Bulk runs copy a 100,000-item queue before each iteration (outside the timing): a fixed, small
// count keeps the run short.
constexpr benchmark::IterationCount bulk_iterations = 30;

// loadtracks-search.json, data[0]: a version 3 YouTube blob of 296 characters.
constexpr const char* typical_encoded =
    "QAAA2QMAPFJpY2sgQXN0bGV5IC0gTmV2ZXIgR29ubmEgR2l2ZSBZb3UgVXAgKE9mZmljaWFsIE11c2ljIFZpZGVvKQALUmljayBBc3RsZXkA"
    "AAAAAANACAALZFF3NHc5V2dYY1EAAQAraHR0cHM6Ly93d3cueW91dHViZS5jb20vd2F0Y2g/dj1kUXc0dzlXZ1hjUQEANGh0dHBzOi8vaS55"
    "dGltZy5jb20vdmkvZFF3NHc5V2dYY1EvbWF4cmVzZGVmYXVsdC5qcGcAAAd5b3V0dWJlAAAAAAAAAAA=";

/// Track i: the typical track with an identifier, title and blob of the same sizes made unique by i
/// (dedupe benchmarks use `identity` to create duplicates).
protocol::track typical_track(std::size_t i, std::size_t identity) {
  protocol::track t;
  const std::string id = fmt::format("{:011d}", identity);
  t.encoded = typical_encoded;
  std::copy(id.begin(), id.end(), t.encoded.begin() + 100);
  t.info.identifier = id;
  t.info.is_seekable = true;
  t.info.author = "Rick Astley";
  t.info.length = 213000;
  t.info.title = fmt::format("Rick Astley - Never Gonna Give You Up (Official Music Video) {:06d}", i).substr(0, 60);
  t.info.uri = "https://www.youtube.com/watch?v=" + id;
  t.info.source_name = "youtube";
  t.info.artwork_url = "https://i.ytimg.com/vi/" + id + "/maxresdefault.jpg";
  return t;
}

std::vector<queue_item> make_items(std::size_t n, std::size_t distinct, std::uint64_t requester = 0) {
  std::vector<queue_item> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i)
    out.push_back(make_queue_item(typical_track(i, i % distinct),
                                  user_id{requester ? requester : 1 + i % requesters}, 1700000000000));
  return out;
}

/// The 100,000-item queue, playing position 1 (so everything else is upcoming).
const track_queue& base_queue() {
  static const track_queue q = [] {
    track_queue q(queue_config{42, {}, {}, {}});
    (void)q.enqueue(make_items(queue_size, queue_size));
    (void)q.start();
    return q;
  }();
  return q;
}

std::vector<queue_item> base_vector() {
  std::vector<queue_item> v;
  v.reserve(queue_size);
  base_queue().for_each([&](std::size_t, const queue_item& it) { v.push_back(it); });
  return v;
}

// --- Single-item operations ------------------------------------------------------------------

void queue_insert_remove_middle(benchmark::State& state) {
  track_queue q = base_queue();
  const auto one = make_items(1, 1);
  const std::size_t middle = queue_size / 2;
  const std::vector<std::size_t> at{middle};
  for (auto _ : state) {
    benchmark::DoNotOptimize(q.insert(middle, one));
    benchmark::DoNotOptimize(q.remove(at));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * 2));
}
BENCHMARK(queue_insert_remove_middle);

void baseline_vector_insert_remove_middle(benchmark::State& state) {
  auto v = base_vector();
  const auto one = make_items(1, 1);
  const auto middle = static_cast<std::ptrdiff_t>(queue_size / 2);
  for (auto _ : state) {
    v.insert(v.begin() + middle, one.front());
    v.erase(v.begin() + middle);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * 2));
}
BENCHMARK(baseline_vector_insert_remove_middle);

void queue_skip(benchmark::State& state) {
  track_queue q = base_queue();
  (void)q.skip_to(queue_size / 2);
  std::ptrdiff_t by = 1;
  for (auto _ : state) {
    benchmark::DoNotOptimize(q.skip_by(by));
    by = -by;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(queue_skip);

void baseline_vector_skip(benchmark::State& state) {
  auto v = base_vector();
  std::size_t current = queue_size / 2;
  std::ptrdiff_t by = 1;
  for (auto _ : state) {
    current = static_cast<std::size_t>(static_cast<std::ptrdiff_t>(current) + by);
    queue_item copy = v[current];  // what a skip hands to the player
    benchmark::DoNotOptimize(copy);
    by = -by;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(baseline_vector_skip);

// --- Bulk operations (each iteration starts from a fresh copy, made outside the timing) ---------

std::vector<std::size_t> scattered_positions() {
  std::vector<std::size_t> p;
  for (std::size_t i = 0; i < 1000; ++i) p.push_back(2 + (i * 99991) % (queue_size - 1));  // never position 1
  return p;
}

void queue_remove_1000_scattered(benchmark::State& state) {
  const auto positions = scattered_positions();
  for (auto _ : state) {
    state.PauseTiming();
    track_queue q = base_queue();
    state.ResumeTiming();
    benchmark::DoNotOptimize(q.remove(positions));
    state.PauseTiming();
    q = track_queue();  // free outside the timing
    state.ResumeTiming();
  }
}
BENCHMARK(queue_remove_1000_scattered)->Unit(benchmark::kMillisecond)->Iterations(bulk_iterations);

void baseline_vector_remove_1000_scattered(benchmark::State& state) {
  const auto positions = scattered_positions();
  for (auto _ : state) {
    state.PauseTiming();
    auto v = base_vector();
    state.ResumeTiming();
    std::vector<bool> gone(v.size() + 1, false);
    for (auto p : positions) gone[p] = true;
    std::size_t index = 0;
    v.erase(std::remove_if(v.begin(), v.end(), [&](const queue_item&) { return gone[++index]; }), v.end());
    benchmark::DoNotOptimize(v.data());
    state.PauseTiming();
    v = {};
    state.ResumeTiming();
  }
}
BENCHMARK(baseline_vector_remove_1000_scattered)->Unit(benchmark::kMillisecond)->Iterations(bulk_iterations);

void queue_interlace_10000(benchmark::State& state) {
  const auto incoming = make_items(10'000, 10'000, 99);
  for (auto _ : state) {
    state.PauseTiming();
    track_queue q = base_queue();
    auto batch = incoming;
    state.ResumeTiming();
    benchmark::DoNotOptimize(q.enqueue(std::move(batch), {enqueue_mode::interlace}));
    state.PauseTiming();
    q = track_queue();
    state.ResumeTiming();
  }
}
BENCHMARK(queue_interlace_10000)->Unit(benchmark::kMillisecond)->Iterations(bulk_iterations);

void baseline_vector_interlace_10000(benchmark::State& state) {
  const auto incoming = make_items(10'000, 10'000, 99);
  for (auto _ : state) {
    state.PauseTiming();
    auto v = base_vector();
    auto batch = incoming;
    state.ResumeTiming();
    // The same result built by one merge: after the current item, `requesters` existing, one new, ...
    std::vector<queue_item> out;
    out.reserve(v.size() + batch.size());
    out.push_back(std::move(v[0]));
    std::size_t old_i = 1, new_i = 0;
    while (old_i < v.size() || new_i < batch.size()) {
      for (std::size_t k = 0; k < requesters && old_i < v.size(); ++k) out.push_back(std::move(v[old_i++]));
      if (new_i < batch.size()) out.push_back(std::move(batch[new_i++]));
    }
    benchmark::DoNotOptimize(out.data());
    state.PauseTiming();
    out = {};
    v = {};
    state.ResumeTiming();
  }
}
BENCHMARK(baseline_vector_interlace_10000)->Unit(benchmark::kMillisecond)->Iterations(bulk_iterations);

/// 100,000 items of which 10,000 repeat an earlier identifier.
const track_queue& duplicate_queue() {
  static const track_queue q = [] {
    track_queue q;
    (void)q.enqueue(make_items(queue_size, queue_size - 10'000));
    (void)q.start();
    return q;
  }();
  return q;
}

void queue_dedupe(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    track_queue q = duplicate_queue();
    state.ResumeTiming();
    auto removed = q.dequeue_duplicates(dequeue_scope::upcoming_and_history);
    benchmark::DoNotOptimize(removed);
    state.PauseTiming();
    if (!removed || removed->size() != 10'000) state.SkipWithError("dedupe removed the wrong count");
    q = track_queue();
    removed = failure{};
    state.ResumeTiming();
  }
}
BENCHMARK(queue_dedupe)->Unit(benchmark::kMillisecond)->Iterations(bulk_iterations);

void baseline_vector_dedupe(benchmark::State& state) {
  std::vector<queue_item> source;
  duplicate_queue().for_each([&](std::size_t, const queue_item& it) { source.push_back(it); });
  for (auto _ : state) {
    state.PauseTiming();
    auto v = source;
    state.ResumeTiming();
    std::unordered_set<std::string_view> seen;
    v.erase(std::remove_if(v.begin(), v.end(),
                           [&](const queue_item& it) { return !seen.insert(it.track->identifier()).second; }),
            v.end());
    benchmark::DoNotOptimize(v.data());
    state.PauseTiming();
    v = {};
    state.ResumeTiming();
  }
}
BENCHMARK(baseline_vector_dedupe)->Unit(benchmark::kMillisecond)->Iterations(bulk_iterations);

void queue_shuffle(benchmark::State& state) {
  track_queue q = base_queue();
  for (auto _ : state) benchmark::DoNotOptimize(q.shuffle());
}
BENCHMARK(queue_shuffle)->Unit(benchmark::kMillisecond)->Iterations(bulk_iterations);

void baseline_vector_shuffle(benchmark::State& state) {
  auto v = base_vector();
  detail::queue_rng rng(42);
  for (auto _ : state) {
    std::shuffle(v.begin() + 1, v.end(), rng);
    benchmark::DoNotOptimize(v.data());
  }
}
BENCHMARK(baseline_vector_shuffle)->Unit(benchmark::kMillisecond)->Iterations(bulk_iterations);

void queue_snapshot_copy(benchmark::State& state) {
  for (auto _ : state) {
    track_queue copy = base_queue();
    benchmark::DoNotOptimize(copy);
    state.PauseTiming();
    copy = track_queue();
    state.ResumeTiming();
  }
}
BENCHMARK(queue_snapshot_copy)->Unit(benchmark::kMillisecond)->Iterations(bulk_iterations);

void baseline_vector_copy(benchmark::State& state) {
  const auto v = base_vector();
  for (auto _ : state) {
    auto copy = v;
    benchmark::DoNotOptimize(copy.data());
    state.PauseTiming();
    copy = {};
    state.ResumeTiming();
  }
}
BENCHMARK(baseline_vector_copy)->Unit(benchmark::kMillisecond)->Iterations(bulk_iterations);

void queue_snapshot_json(benchmark::State& state) {
  std::size_t bytes = 0;
  for (auto _ : state) {
    auto text = base_queue().snapshot().dump();
    bytes = text.size();
    benchmark::DoNotOptimize(text.data());
  }
  state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(queue_snapshot_json)->Unit(benchmark::kMillisecond)->Iterations(3);

void baseline_full_tracks_json(benchmark::State& state) {
  std::size_t bytes = 0;
  for (auto _ : state) {
    // What a client keeping full protocol::track objects writes: encoded plus the info object.
    nlohmann::json array = nlohmann::json::array();
    for (std::size_t i = 0; i < queue_size; ++i) {
      const auto t = typical_track(i, i);
      array.push_back({{"encoded", t.encoded},
                       {"info",
                        {{"identifier", t.info.identifier}, {"isSeekable", t.info.is_seekable},
                         {"author", t.info.author}, {"length", t.info.length}, {"isStream", t.info.is_stream},
                         {"position", t.info.position}, {"title", t.info.title}, {"uri", *t.info.uri},
                         {"sourceName", t.info.source_name}, {"artworkUrl", *t.info.artwork_url},
                         {"isrc", nullptr}}}});
    }
    auto text = array.dump();
    bytes = text.size();
    benchmark::DoNotOptimize(text.data());
  }
  state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(baseline_full_tracks_json)->Unit(benchmark::kMillisecond)->Iterations(3);

// --- Memory ----------------------------------------------------------------------------------

struct memory_figures {
  double queue_bytes_per_item = 0;
  double full_track_bytes_per_item = 0;
};

memory_figures measure_memory() {
  memory_figures m;
  {
    const std::size_t before = live_bytes;
    track_queue q;
    for (std::size_t i = 0; i < queue_size; i += 1000) {
      std::vector<queue_item> batch;
      for (std::size_t j = i; j < i + 1000; ++j)
        batch.push_back(make_queue_item(typical_track(j, j), user_id{1 + j % requesters}, 0));
      (void)q.enqueue(std::move(batch));
    }
    m.queue_bytes_per_item = static_cast<double>(live_bytes - before) / queue_size;
  }
  {
    const std::size_t before = live_bytes;
    std::vector<protocol::track> v;
    for (std::size_t i = 0; i < queue_size; ++i) v.push_back(typical_track(i, i));
    m.full_track_bytes_per_item = static_cast<double>(live_bytes - before) / queue_size;
  }
  return m;
}

/// The console table, then each figure against its goal and its baseline.
class ratio_reporter : public benchmark::ConsoleReporter {
 public:
  explicit ratio_reporter(memory_figures memory)
      : ConsoleReporter(isatty(fileno(stdout)) ? OO_Defaults : OO_Tabular), memory_(memory) {}

  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& run : runs)
      if (run.run_type == Run::RT_Iteration && !run.error_occurred)
        cpu_ns_[run.run_name.function_name] = run.GetAdjustedCPUTime() * to_ns(run.time_unit);
    ConsoleReporter::ReportRuns(runs);
  }

  void Finalize() override {
    ConsoleReporter::Finalize();
    std::printf("\nper operation (CPU time), goal, and ratio to the baseline of the same run:\n");
    row("insert at the middle + remove it", "queue_insert_remove_middle", "baseline_vector_insert_remove_middle",
        2, "50 us each");
    row("skip by 1", "queue_skip", "baseline_vector_skip", 1, "50 us");
    row("remove 1,000 scattered positions", "queue_remove_1000_scattered", "baseline_vector_remove_1000_scattered", 1,
        "10 ms");
    row("interlace 10,000 items", "queue_interlace_10000", "baseline_vector_interlace_10000", 1, "10 ms");
    row("dedupe (10,000 duplicates)", "queue_dedupe", "baseline_vector_dedupe", 1, "10 ms");
    row("shuffle 99,999 upcoming", "queue_shuffle", "baseline_vector_shuffle", 1, "10 ms");
    row("snapshot: copy of the queue", "queue_snapshot_copy", "baseline_vector_copy", 1, "10 ms");
    row("snapshot: JSON text", "queue_snapshot_json", "baseline_full_tracks_json", 1, "10 ms");
    std::printf("  %-36s %10.0f B/item  (goal 600)   full protocol::track: %.0f B/item, ratio %.2fx\n",
                "memory per queued item", memory_.queue_bytes_per_item, memory_.full_track_bytes_per_item,
                memory_.queue_bytes_per_item / memory_.full_track_bytes_per_item);
  }

 private:
  static double to_ns(benchmark::TimeUnit unit) {
    switch (unit) {
      case benchmark::kSecond: return 1e9;
      case benchmark::kMillisecond: return 1e6;
      case benchmark::kMicrosecond: return 1e3;
      default: return 1;
    }
  }

  void row(const char* label, const std::string& name, const std::string& baseline, int ops, const char* goal) const {
    const auto n = cpu_ns_.find(name), d = cpu_ns_.find(baseline);
    if (n == cpu_ns_.end() || d == cpu_ns_.end() || d->second <= 0) return;  // filtered out of this run
    const double per_op = n->second / ops;
    std::printf("  %-36s %12.3f us  (goal %-10s) ratio %6.2fx\n", label, per_op / 1e3, goal, n->second / d->second);
  }

  memory_figures memory_;
  std::map<std::string, double> cpu_ns_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  ratio_reporter reporter(measure_memory());
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
