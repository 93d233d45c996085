// Configuration of hanabi::testing::fake_node: the node's identity, its clocks,
// its catalogue and the faults it starts with. Plain aggregates with defaults,
// like every hanabi config; the hanabi-fake-node program fills them from flags.
#pragma once

#include <hanabi/logger.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hanabi::testing {

/// A PEM certificate chain and private key for a TLS listener (see self_signed.hpp).
struct tls_identity {
  std::string certificate_pem;
  std::string private_key_pem;
};

/// How the deterministic catalogue (catalogue.hpp) answers.
struct catalogue_options {
  /// Length of `fake:track:<name>` and of search and playlist tracks when none is given, in ms.
  std::int64_t default_length_ms = 180'000;
  /// Number of results of `fakesearch:<query>` (and the ytsearch:/ytmsearch:/scsearch: aliases).
  std::size_t search_results = 5;
  /// Largest playlist `fake:playlist:<n>` serves; beyond it the load is an error result.
  std::size_t max_playlist_size = 100'000;
};

/// Faults active from the start. Every one of them can also be changed at run time through
/// fake_node's fault methods; zero means "off" for every field.
struct fault_options {
  /// Every Nth REST call (counted across all routes, auth failures included) fails with `fail_status`.
  std::uint32_t fail_every_nth_rest = 0;
  /// Status of the injected REST failures; its body is a Spring error body like any other.
  unsigned fail_status = 500;
  /// Delay before every REST response is written.
  std::chrono::milliseconds rest_delay{0};
  /// Delay between a successful WebSocket handshake and the `ready` message.
  std::chrono::milliseconds ready_delay{0};
  /// Drop every WebSocket (TCP reset, no close frame) this long after its `ready`.
  std::chrono::milliseconds drop_after{0};
};

/// Everything a fake node needs to start. Wall-clock durations are real time; playback and
/// the `state.time` clock run `time_scale` times faster than real time.
struct fake_node_options {
  /// Address to listen on. Only loopback makes sense for tests.
  std::string address = "127.0.0.1";
  /// Port to listen on; 0 picks a free ephemeral port (fake_node::start returns it).
  std::uint16_t port = 0;
  /// The node password clients must send in `Authorization`.
  std::string password = "youshallnotpass";
  /// Simulated milliseconds per real millisecond: 1000 plays a 3-minute track in 180 ms.
  double time_scale = 1.0;
  /// Real-time interval of the periodic playerUpdate of a player with a track (Lavalink: 5 s).
  std::chrono::milliseconds player_update_interval{5000};
  /// Real-time interval of the `stats` message per connected session (Lavalink: 60 s).
  std::chrono::milliseconds stats_interval{60'000};
  /// Simulated time without audio after which a stuck track reports TrackStuckEvent (Lavalink: 10 s).
  std::int64_t stuck_threshold_ms = 10'000;
  /// Version string served by GET /version and GET /v4/info.
  std::string version = "4.2.2";
  /// Filters this node refuses with "Following filters are disabled in the config: ...".
  std::vector<std::string> disabled_filters;
  /// Largest request body accepted; a larger one is a 413.
  std::size_t max_body_bytes = 16 * 1024 * 1024;
  /// Serve HTTPS and WSS with this identity instead of plain HTTP and WS.
  std::optional<tls_identity> tls;
  catalogue_options catalogue;
  fault_options faults;
  /// Where the node logs what it does (connections, faults, refused requests).
  logger log = logger::none();
};

}  // namespace hanabi::testing
