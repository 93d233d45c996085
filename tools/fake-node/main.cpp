// hanabi-fake-node: runs hanabi::testing::fake_node until SIGINT or SIGTERM.
// Prints "LISTENING <port>" on stdout once it accepts connections. See --help.
#include <hanabi/testing/fake_node.hpp>
#include <hanabi/testing/self_signed.hpp>

#include <fmt/format.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <chrono>
#include <fstream>
#include <optional>
#include <pthread.h>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr std::string_view help_text = R"(hanabi-fake-node: a fake Lavalink v4 node for tests and offline bots.

Usage: hanabi-fake-node [options]

Prints "LISTENING <port>" on stdout when ready; exits 0 on SIGINT or SIGTERM after closing
every WebSocket with 1001, as Lavalink does. Only 127.0.0.1 traffic is expected.

Node:
  --address A                 listen address (default 127.0.0.1)
  --port N                    listen port; 0 picks a free one (default 0)
  --password P                the Authorization value clients must send (default youshallnotpass)
  --version S                 version served by /version and /v4/info (default 4.2.2)
  --time-scale X              simulated ms per real ms; 1000 plays 3 minutes in 180 ms (default 1)
  --player-update-interval MS real ms between periodic playerUpdates (default 5000)
  --stats-interval MS         real ms between stats messages (default 60000)
  --stuck-threshold MS        simulated ms before TrackStuckEvent (default 10000)
  --disable-filter NAME       refuse this filter with Lavalink's 400 (repeatable)
  --tls-self-signed           serve HTTPS/WSS with a fresh self-signed certificate; its PEM
                              is written to the file given by --write-cert (if any)
  --write-cert FILE           where --tls-self-signed writes the certificate (the CA to trust)
  --tls-cert FILE --tls-key FILE
                              serve HTTPS/WSS with this PEM certificate chain and key
  --log-level L               trace|debug|info|warn|error|off, to stderr (default warn)

Catalogue (GET /v4/loadtracks?identifier=...):
  fake:track:<name>[:<length_ms>]      one track
  fake:stream:<name>                   a live stream (never ends)
  fake:fail:<name>[:<length_ms>]       fails when played: TrackExceptionEvent + TrackEndEvent(loadFailed)
  fake:exception:<name>[:<length_ms>]  TrackExceptionEvent + TrackEndEvent(finished) at half its length
  fake:stuck:<name>[:<length_ms>]      TrackStuckEvent after the stuck threshold; never ends
  fake:playlist:<n>[:<selected>]       a playlist of n tracks (up to --max-playlist)
  fakesearch:<query>                   --search-results tracks (ytsearch:/ytmsearch:/scsearch: too)
  fakesearch<n>:<query>                n tracks; fakesearch0:x is an empty search result
  fake:empty                           loadType empty
  fake:error[:common|suspicious|fault] loadType error
  http://... https://...               one track of source "http"
  anything else                        loadType empty
  --search-results N          results of fakesearch:<query> (default 5)
  --default-length MS         length of tracks without one (default 180000)
  --max-playlist N            largest playlist served (default 100000)
  Voice: a voice endpoint containing "fail.invalid" fails with 500 "Failed to connect to voice server".

Faults:
  --fail-every-nth N          every Nth REST call fails with --fail-status (default 500)
  --fail-status S
  --rest-delay MS             delay every REST response
  --ready-delay MS            delay `ready` after the WebSocket handshake
  --drop-after MS             drop every WebSocket (no close frame) MS after its ready
  --close-after MS            close every WebSocket MS after its ready, with --close-code
  --close-code C              close code for --close-after (default 1000)
  --malformed-on-ready        send one non-JSON frame after each ready
  --oversized-on-ready BYTES  send one JSON frame of BYTES bytes after each ready
  --unknown-op-on-ready       send one frame with an unknown op after each ready
  --flood-on-ready N[:P[:R]]  after each ready, queue N playerUpdates over P guilds (default
                              1000) at R messages/s (default 0: all at once)
  --kill-after MS             kill the node MS after start: every socket and session dies
  --help                      this text
)";

struct program_options {
  hanabi::testing::fake_node_options node;
  bool self_signed = false;
  std::string write_cert, cert_file, key_file;
  std::chrono::milliseconds close_after{0};
  std::uint16_t close_code = 1000;
  bool malformed = false, unknown_op = false;
  std::size_t oversized = 0;
  std::optional<hanabi::testing::flood_options> flood;
  std::chrono::milliseconds kill_after{0};
};

[[noreturn]] void usage_error(const std::string& message) {
  fmt::print(stderr, "hanabi-fake-node: {}\nTry --help.\n", message);
  std::exit(2);
}

long long number(std::string_view flag, const std::string& value) {
  try {
    std::size_t used = 0;
    long long v = std::stoll(value, &used);
    if (used != value.size() || v < 0) throw std::invalid_argument(value);
    return v;
  } catch (const std::exception&) {
    usage_error(fmt::format("{} needs a non-negative integer, got '{}'", flag, value));
  }
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) usage_error("cannot read " + path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

hanabi::log_level parse_level(const std::string& s) {
  using hanabi::log_level;
  for (auto l : {log_level::trace, log_level::debug, log_level::info, log_level::warn, log_level::error, log_level::off})
    if (hanabi::to_string(l) == s) return l;
  usage_error("unknown log level '" + s + "'");
}

hanabi::testing::flood_options parse_flood(const std::string& spec) {
  hanabi::testing::flood_options f;
  std::vector<std::string> parts;
  std::stringstream ss(spec);
  for (std::string part; std::getline(ss, part, ':');) parts.push_back(part);
  if (parts.empty() || parts.size() > 3) usage_error("--flood-on-ready needs N[:P[:R]]");
  f.messages = static_cast<std::size_t>(number("--flood-on-ready", parts[0]));
  if (parts.size() > 1) f.players = static_cast<std::size_t>(number("--flood-on-ready", parts[1]));
  if (parts.size() > 2) f.rate = static_cast<std::size_t>(number("--flood-on-ready", parts[2]));
  return f;
}

program_options parse(int argc, char** argv) {
  program_options o;
  o.node.log = hanabi::logger{hanabi::log_level::warn};
  auto& n = o.node;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage_error(flag + " needs a value");
      return argv[++i];
    };
    auto ms = [&] { return std::chrono::milliseconds(number(flag, value())); };
    if (flag == "--help" || flag == "-h") {
      fmt::print("{}", help_text);
      std::exit(0);
    } else if (flag == "--address") n.address = value();
    else if (flag == "--port") {
      auto p = number(flag, value());
      if (p > 65535) usage_error("--port must be at most 65535");
      n.port = static_cast<std::uint16_t>(p);
    } else if (flag == "--password") n.password = value();
    else if (flag == "--version") n.version = value();
    else if (flag == "--time-scale") {
      auto v = value();
      char* end = nullptr;
      n.time_scale = std::strtod(v.c_str(), &end);
      if (end != v.c_str() + v.size() || !(n.time_scale > 0)) usage_error("--time-scale needs a positive number");
    } else if (flag == "--player-update-interval") n.player_update_interval = ms();
    else if (flag == "--stats-interval") n.stats_interval = ms();
    else if (flag == "--stuck-threshold") n.stuck_threshold_ms = number(flag, value());
    else if (flag == "--disable-filter") n.disabled_filters.push_back(value());
    else if (flag == "--tls-self-signed") o.self_signed = true;
    else if (flag == "--write-cert") o.write_cert = value();
    else if (flag == "--tls-cert") o.cert_file = value();
    else if (flag == "--tls-key") o.key_file = value();
    else if (flag == "--log-level") n.log = hanabi::logger{parse_level(value())};
    else if (flag == "--search-results") n.catalogue.search_results = static_cast<std::size_t>(number(flag, value()));
    else if (flag == "--default-length") n.catalogue.default_length_ms = number(flag, value());
    else if (flag == "--max-playlist") n.catalogue.max_playlist_size = static_cast<std::size_t>(number(flag, value()));
    else if (flag == "--fail-every-nth") n.faults.fail_every_nth_rest = static_cast<std::uint32_t>(number(flag, value()));
    else if (flag == "--fail-status") n.faults.fail_status = static_cast<unsigned>(number(flag, value()));
    else if (flag == "--rest-delay") n.faults.rest_delay = ms();
    else if (flag == "--ready-delay") n.faults.ready_delay = ms();
    else if (flag == "--drop-after") n.faults.drop_after = ms();
    else if (flag == "--close-after") o.close_after = ms();
    else if (flag == "--close-code") o.close_code = static_cast<std::uint16_t>(number(flag, value()));
    else if (flag == "--malformed-on-ready") o.malformed = true;
    else if (flag == "--oversized-on-ready") o.oversized = static_cast<std::size_t>(number(flag, value()));
    else if (flag == "--unknown-op-on-ready") o.unknown_op = true;
    else if (flag == "--flood-on-ready") o.flood = parse_flood(value());
    else if (flag == "--kill-after") o.kill_after = ms();
    else usage_error("unknown option " + flag);
  }
  if (o.cert_file.empty() != o.key_file.empty()) usage_error("--tls-cert and --tls-key go together");
  if (!o.cert_file.empty()) n.tls = hanabi::testing::tls_identity{read_text(o.cert_file), read_text(o.key_file)};
  if (o.self_signed) {
    n.tls = hanabi::testing::make_self_signed();
    if (!o.write_cert.empty()) std::ofstream(o.write_cert, std::ios::binary) << n.tls->certificate_pem;
  }
  return o;
}

/// Faults that act on each new session: applied from the main thread, which polls the node.
class session_faults {
 public:
  explicit session_faults(const program_options& o) : o_(o) {}

  bool any() const { return o_.malformed || o_.unknown_op || o_.oversized || o_.flood || o_.close_after.count() > 0; }

  void poll(hanabi::testing::fake_node& node, std::chrono::steady_clock::time_point now) {
    for (const auto& s : node.sessions()) {
      if (!s.connected || !seen_.insert(s.id).second) continue;
      if (o_.malformed) node.send_malformed_frame(s.id);
      if (o_.unknown_op) node.send_unknown_op(s.id);
      if (o_.oversized) node.send_oversized_frame(s.id, o_.oversized);
      if (o_.flood) node.flood(s.id, *o_.flood);
      if (o_.close_after.count() > 0) closes_.push_back({now + o_.close_after, s.id});
    }
    for (auto it = closes_.begin(); it != closes_.end();) {
      if (it->first > now) {
        ++it;
        continue;
      }
      node.close_websocket(it->second, o_.close_code, "hanabi-fake-node --close-after");
      it = closes_.erase(it);
    }
  }

 private:
  const program_options& o_;
  std::set<std::string> seen_;
  std::vector<std::pair<std::chrono::steady_clock::time_point, std::string>> closes_;
};

}  // namespace

int main(int argc, char** argv) {
  auto options = parse(argc, argv);
  // Block the signals before the node's thread starts, so that only sigtimedwait sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  hanabi::testing::fake_node node{options.node};
  try {
    node.start();
  } catch (const std::exception& e) {
    fmt::print(stderr, "hanabi-fake-node: cannot listen on {}:{}: {}\n", options.node.address, options.node.port, e.what());
    return 1;
  }
  fmt::print("LISTENING {}\n", node.port());
  std::fflush(stdout);

  session_faults faults{options};
  const auto started = std::chrono::steady_clock::now();
  bool killed = false;
  const timespec tick{0, 10'000'000};
  while (sigtimedwait(&signals, nullptr, &tick) < 0) {
    auto now = std::chrono::steady_clock::now();
    if (faults.any()) faults.poll(node, now);
    if (!killed && options.kill_after.count() > 0 && now - started >= options.kill_after) {
      node.kill();
      killed = true;
    }
  }
  node.stop();
  return 0;
}
