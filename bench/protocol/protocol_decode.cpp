// JSON model decoding: the simdjson on-demand decoder next to nlohmann::json::parse
// of the same bytes alone (a DOM, with no model built from it), in the same run:
//   - a loadtracks playlist of 10,000 tracks, generated from the shape of
//     tests/data/lavalink-v4/loadtracks-playlist.json (tracks/s and bytes/s),
//   - one playerUpdate message and one TrackStartEvent message (the fixtures).
// The decoder runs both ways a caller can feed it: from a plain string_view (one
// copy into its padded buffer) and from bytes that already carry the padding.
// A second baseline, simdjson's own DOM parse of the same padded bytes (its tape, no
// model), bounds what any simdjson-based decoder can do on this machine and load.
// After the table the run prints the ratios and the 10,000-track time.
//
//   bench_protocol [--benchmark_min_time=1]
#include <hanabi/protocol/decoder.hpp>

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>
#include <simdjson.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>

namespace {

using namespace hanabi::protocol;

constexpr std::size_t playlist_size = 10'000;

std::string read_fixture(const std::string& name) {
  std::ifstream in(HANABI_BENCH_DATA_DIR "/lavalink-v4/" + name, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + name);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// 10,000 tracks cycling through the fixture's tracks, each with its own identifier and title
// so that no two strings are the same, compact and in the server's key order (loadType first).
std::string make_playlist() {
  auto doc = nlohmann::ordered_json::parse(read_fixture("loadtracks-playlist.json"));
  const auto shapes = doc["data"]["tracks"];
  auto& tracks = doc["data"]["tracks"] = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < playlist_size; ++i) {
    auto t = shapes[i % shapes.size()];
    t["info"]["identifier"] = t["info"]["identifier"].get<std::string>() + std::to_string(i);
    t["info"]["title"] = t["info"]["title"].get<std::string>() + " #" + std::to_string(i);
    tracks.push_back(std::move(t));
  }
  return doc.dump();
}

// A message with SIMDJSON_PADDING spare bytes after it, as a network buffer can provide.
struct padded_message {
  explicit padded_message(std::string json) : size(json.size()), bytes(std::move(json)) {
    bytes.resize(size + json_padding, '\0');
  }
  padded_view view() const { return padded_view::assume_padded(bytes.data(), size); }
  std::size_t size;
  std::string bytes;
};

const padded_message& playlist() {
  static const padded_message m(make_playlist());
  return m;
}
const padded_message& player_update_message() {
  static const padded_message m(nlohmann::ordered_json::parse(read_fixture("playerUpdate.json")).dump());
  return m;
}
const padded_message& track_start_message() {
  static const padded_message m(nlohmann::ordered_json::parse(read_fixture("event-TrackStartEvent.json")).dump());
  return m;
}

std::string_view text(const padded_message& m) { return {m.bytes.data(), m.size}; }

void count(benchmark::State& state, const padded_message& m, std::size_t items) {
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * items));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * m.size));
}

template <class T>
void decode_copying(benchmark::State& state, const padded_message& m, std::size_t items) {
  decoder dec;
  for (auto _ : state) {
    auto r = dec.decode<T>(text(m));
    if (!r) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(r);
  }
  count(state, m, items);
}

template <class T>
void decode_padded(benchmark::State& state, const padded_message& m, std::size_t items) {
  decoder dec;
  for (auto _ : state) {
    auto r = dec.decode<T>(m.view());
    if (!r) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(r);
  }
  count(state, m, items);
}

void dom_parse(benchmark::State& state, const padded_message& m, std::size_t items) {
  for (auto _ : state) benchmark::DoNotOptimize(nlohmann::json::parse(text(m)));
  count(state, m, items);
}

void simdjson_dom_parse(benchmark::State& state, const padded_message& m, std::size_t items) {
  simdjson::dom::parser parser;
  for (auto _ : state) {
    simdjson::dom::element doc;
    if (parser.parse(m.bytes.data(), m.size, false).get(doc)) state.SkipWithError("parse failed");
    benchmark::DoNotOptimize(doc);
  }
  count(state, m, items);
}

void playlist_nlohmann_parse(benchmark::State& s) { dom_parse(s, playlist(), playlist_size); }
void playlist_simdjson_dom(benchmark::State& s) { simdjson_dom_parse(s, playlist(), playlist_size); }
void playlist_decode(benchmark::State& s) { decode_copying<load_result>(s, playlist(), playlist_size); }
void playlist_decode_padded(benchmark::State& s) { decode_padded<load_result>(s, playlist(), playlist_size); }
void player_update_nlohmann_parse(benchmark::State& s) { dom_parse(s, player_update_message(), 1); }
void player_update_simdjson_dom(benchmark::State& s) { simdjson_dom_parse(s, player_update_message(), 1); }
void player_update_decode(benchmark::State& s) { decode_copying<ws_message>(s, player_update_message(), 1); }
void player_update_decode_padded(benchmark::State& s) { decode_padded<ws_message>(s, player_update_message(), 1); }
void track_start_nlohmann_parse(benchmark::State& s) { dom_parse(s, track_start_message(), 1); }
void track_start_simdjson_dom(benchmark::State& s) { simdjson_dom_parse(s, track_start_message(), 1); }
void track_start_decode(benchmark::State& s) { decode_copying<ws_message>(s, track_start_message(), 1); }
void track_start_decode_padded(benchmark::State& s) { decode_padded<ws_message>(s, track_start_message(), 1); }

BENCHMARK(playlist_nlohmann_parse)->Unit(benchmark::kMillisecond);
BENCHMARK(playlist_simdjson_dom)->Unit(benchmark::kMillisecond);
BENCHMARK(playlist_decode)->Unit(benchmark::kMillisecond);
BENCHMARK(playlist_decode_padded)->Unit(benchmark::kMillisecond);
BENCHMARK(player_update_nlohmann_parse);
BENCHMARK(player_update_simdjson_dom);
BENCHMARK(player_update_decode);
BENCHMARK(player_update_decode_padded);
BENCHMARK(track_start_nlohmann_parse);
BENCHMARK(track_start_simdjson_dom);
BENCHMARK(track_start_decode);
BENCHMARK(track_start_decode_padded);

/// The console table, then each decode as a ratio to the DOM parse of the same run.
class ratio_reporter : public benchmark::ConsoleReporter {
 public:
  ratio_reporter() : ConsoleReporter(isatty(fileno(stdout)) ? OO_Defaults : OO_Tabular) {}

  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& run : runs)
      if (run.run_type == Run::RT_Iteration && !run.error_occurred)
        cpu_ns_[run.benchmark_name()] = run.GetAdjustedCPUTime() * to_ns(run.time_unit);
    ConsoleReporter::ReportRuns(runs);
  }

  void Finalize() override {
    ConsoleReporter::Finalize();
    std::printf("\nratios: nlohmann::json::parse alone / full decode into the model (CPU time, same run; goal >= 3x)\n");
    for (const char* m : {"playlist", "player_update", "track_start"}) {
      ratio(std::string(m) + "_nlohmann_parse", std::string(m) + "_decode", std::string(m) + " (string_view)");
      ratio(std::string(m) + "_nlohmann_parse", std::string(m) + "_decode_padded", std::string(m) + " (padded)");
    }
    std::printf("\nratios: full decode into the model (padded) / simdjson's DOM parse alone (CPU time, same run)\n");
    for (const char* m : {"playlist", "player_update", "track_start"})
      ratio(std::string(m) + "_decode_padded", std::string(m) + "_simdjson_dom", m);
    for (const char* name : {"playlist_decode", "playlist_decode_padded"}) {
      auto it = cpu_ns_.find(name);
      if (it != cpu_ns_.end())
        std::printf("%s: %zu tracks in %.2f ms CPU (goal < 8 ms)\n", name, playlist_size, it->second / 1e6);
    }
  }

 private:
  static double to_ns(benchmark::TimeUnit u) {
    switch (u) {
      case benchmark::kNanosecond: return 1.0;
      case benchmark::kMicrosecond: return 1e3;
      case benchmark::kMillisecond: return 1e6;
      case benchmark::kSecond: return 1e9;
    }
    return 1.0;
  }

  void ratio(const std::string& numerator, const std::string& denominator, const std::string& label) const {
    const auto n = cpu_ns_.find(numerator), d = cpu_ns_.find(denominator);
    if (n == cpu_ns_.end() || d == cpu_ns_.end() || d->second <= 0) return;  // filtered out of this run
    std::printf("  %-28s %6.2fx\n", label.c_str(), n->second / d->second);
  }

  std::map<std::string, double> cpu_ns_;
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
