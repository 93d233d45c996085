// Track codec throughput: decode_track and encode_track over the 12 blobs of
// tests/data/lavalink-v4/encoded-tracks.json (one iteration = the 12 tracks),
// next to baselines measured in the same run on the same tracks:
//   - base64 alone (the floor any blob decoder pays),
//   - nlohmann::json::parse / dump of the same tracks' JSON form (what a client
//     pays to get the info from a REST answer instead).
// After the table, the run prints each codec figure as a ratio to its baselines.
//
//   bench_codec [--benchmark_min_time=1]
#include <hanabi/protocol/track_codec.hpp>

#include <hanabi/detail/base64.hpp>

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>

namespace {

struct corpus {
  std::vector<std::string> blobs;                      // base64, as Lavalink sends them
  std::vector<std::string> track_json;                 // {"encoded","info","pluginInfo","userData"}
  std::vector<hanabi::protocol::decoded_track> decoded;
  std::vector<std::string> message_bytes;              // the blobs without base64
};

const corpus& tracks() {
  static const corpus c = [] {
    std::ifstream in(HANABI_BENCH_DATA_DIR "/lavalink-v4/encoded-tracks.json", std::ios::binary);
    if (!in) throw std::runtime_error("cannot open encoded-tracks.json");
    std::stringstream text;
    text << in.rdbuf();
    corpus out;
    for (const auto& pair : nlohmann::json::parse(text.str())) {
      const std::string blob = pair.at("encoded");
      out.blobs.push_back(blob);
      out.track_json.push_back(nlohmann::json{{"encoded", blob},
                                              {"info", pair.at("info")},
                                              {"pluginInfo", nlohmann::json::object()},
                                              {"userData", nlohmann::json::object()}}
                                   .dump());
      out.decoded.push_back(hanabi::protocol::decode_track(blob).value());
      std::string bytes;
      hanabi::detail::base64_decode(blob, bytes);
      out.message_bytes.push_back(std::move(bytes));
    }
    return out;
  }();
  return c;
}

void count_tracks(benchmark::State& state) {
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * tracks().blobs.size()));
}

void baseline_base64_decode(benchmark::State& state) {
  std::string bytes;
  for (auto _ : state)
    for (const auto& blob : tracks().blobs) {
      benchmark::DoNotOptimize(hanabi::detail::base64_decode(blob, bytes));
      benchmark::DoNotOptimize(bytes.data());
    }
  count_tracks(state);
}

void baseline_json_parse(benchmark::State& state) {
  for (auto _ : state)
    for (const auto& json : tracks().track_json) benchmark::DoNotOptimize(nlohmann::json::parse(json));
  count_tracks(state);
}

void codec_decode_track(benchmark::State& state) {
  for (auto _ : state)
    for (const auto& blob : tracks().blobs) benchmark::DoNotOptimize(hanabi::protocol::decode_track(blob));
  count_tracks(state);
}

void baseline_base64_encode(benchmark::State& state) {
  for (auto _ : state)
    for (const auto& bytes : tracks().message_bytes)
      benchmark::DoNotOptimize(hanabi::detail::base64_encode(bytes));
  count_tracks(state);
}

void baseline_json_dump(benchmark::State& state) {
  std::vector<nlohmann::json> values;
  for (const auto& json : tracks().track_json) values.push_back(nlohmann::json::parse(json));
  for (auto _ : state)
    for (const auto& value : values) benchmark::DoNotOptimize(value.dump());
  count_tracks(state);
}

void codec_encode_track(benchmark::State& state) {
  for (auto _ : state)
    for (const auto& t : tracks().decoded) benchmark::DoNotOptimize(hanabi::protocol::encode_track(t));
  count_tracks(state);
}

BENCHMARK(baseline_base64_decode);
BENCHMARK(baseline_json_parse);
BENCHMARK(codec_decode_track);
BENCHMARK(baseline_base64_encode);
BENCHMARK(baseline_json_dump);
BENCHMARK(codec_encode_track);

/// The console table, then each codec figure as a ratio to the baselines of the same run.
class ratio_reporter : public benchmark::ConsoleReporter {
 public:
  ratio_reporter() : ConsoleReporter(isatty(fileno(stdout)) ? OO_Defaults : OO_Tabular) {}

  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& run : runs)
      if (run.run_type == Run::RT_Iteration && !run.error_occurred)
        cpu_ns_[run.benchmark_name()] = run.GetAdjustedCPUTime();
    ConsoleReporter::ReportRuns(runs);
  }

  void Finalize() override {
    ConsoleReporter::Finalize();
    std::printf("\nratios (CPU time per track, same run):\n");
    ratio("codec_decode_track", "baseline_base64_decode", "decode_track / base64 decode alone");
    ratio("baseline_json_parse", "codec_decode_track", "json::parse of the track JSON / decode_track");
    ratio("codec_encode_track", "baseline_base64_encode", "encode_track / base64 encode alone");
    ratio("baseline_json_dump", "codec_encode_track", "json::dump of the track JSON / encode_track");
  }

 private:
  void ratio(const std::string& numerator, const std::string& denominator, const char* label) const {
    const auto n = cpu_ns_.find(numerator), d = cpu_ns_.find(denominator);
    if (n == cpu_ns_.end() || d == cpu_ns_.end() || d->second <= 0) return;  // filtered out of this run
    std::printf("  %-48s %6.2fx\n", label, n->second / d->second);
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
