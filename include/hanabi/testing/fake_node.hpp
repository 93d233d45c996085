// hanabi::testing::fake_node: a real HTTP + WebSocket server on 127.0.0.1 that behaves like a
// Lavalink v4 node (PROTOCOL.md): the auth rules, sessions and resuming, every REST route with
// the server's validation order and error bodies, simulated playback with a time scale, every
// WebSocket event at the right moment, and tracks encoded with the real codec. On top of that it
// has a deterministic catalogue (catalogue.hpp), fault injection and an inspection API.
//
//     hanabi::testing::fake_node node{{.time_scale = 1000}};
//     auto port = node.start();            // listening on 127.0.0.1:<port>
//     ... point a client at ws://127.0.0.1:<port>/v4/websocket ...
//     auto players = node.players(session_id);
//     node.stop();
//
// Threading: the node runs on its own thread with its own io_context, started by start() and
// joined by stop(). A test's client therefore never shares an executor with the server. Every
// public member function is thread-safe: it runs on the node's thread and waits for the result.
// Do not call them from inside the node's own thread (there is no way to get there from outside).
#pragma once

#include <hanabi/detail/config.hpp>
#include <hanabi/protocol/track.hpp>
#include <hanabi/testing/catalogue.hpp>
#include <hanabi/testing/fake_node_options.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hanabi::testing {

/// A player as the node sees it.
struct player_view {
  std::int64_t guild_id = 0;
  std::optional<protocol::track> track;  ///< With info.position live and the track's userData.
  std::int64_t position = 0;             ///< Simulated ms into the track; 0 without one.
  bool paused = false;
  int volume = 100;
  nlohmann::json filters = nlohmann::json::object();  ///< The active set, as the Player object shows it.
  std::string voice_token;
  std::string voice_endpoint;
  std::string voice_session_id;
  std::optional<std::string> voice_channel_id;
  bool connected = false;                ///< Voice "connected" (a full voice state was sent).
  std::optional<std::int64_t> end_time;  ///< The current track's end marker.
  bool stuck = false;                    ///< The current track got stuck.
};

/// A session as the node sees it.
struct session_view {
  std::string id;
  std::uint64_t user_id = 0;
  std::string client_name;
  bool connected = false;  ///< A WebSocket is attached (false: paused, waiting for a resume).
  bool resuming = false;
  std::int64_t timeout_seconds = 60;
  std::size_t queued_messages = 0;  ///< Messages held for the resume while paused.
  std::vector<player_view> players;
};

/// Counters the node keeps for tests.
struct node_counters {
  /// REST calls by route, e.g. "PATCH /v4/sessions/{sessionId}/players/{guildId}".
  std::map<std::string, std::uint64_t> rest_calls;
  std::uint64_t websocket_handshakes = 0;    ///< Successful upgrades.
  std::uint64_t websocket_rejections = 0;    ///< Upgrades refused (401, 400).
  std::uint64_t frames_sent = 0;             ///< WebSocket messages written, faults included.
  std::uint64_t client_frames_ignored = 0;   ///< Messages clients sent (Lavalink ignores them).
  std::uint64_t injected_rest_failures = 0;
};

/// Parameters of a playerUpdate flood (fake_node::flood).
struct flood_options {
  std::size_t players = 1000;     ///< Distinct guild ids, 1..players; players need not exist.
  std::size_t messages = 50'000;  ///< playerUpdates in total, round-robin over the guilds.
  /// Messages per second; 0 queues the whole backlog at once, written as fast as TCP allows.
  std::size_t rate = 0;
};

/// A fake Lavalink v4 node. Not copyable or movable; stop() (or the destructor) ends it.
class fake_node {
 public:
  HANABI_DECL explicit fake_node(fake_node_options options = {});
  HANABI_DECL ~fake_node();
  fake_node(const fake_node&) = delete;
  fake_node& operator=(const fake_node&) = delete;

  /// Binds, starts the node's thread and returns the port it listens on. Throws
  /// boost::system::system_error if the address cannot be bound; a second call is a no-op.
  HANABI_DECL std::uint16_t start();
  /// Closes every WebSocket with 1001 (graceful shutdown, like Lavalink), stops the thread and
  /// forgets every session. start() may be called again (with the same port, if it was fixed).
  HANABI_DECL void stop();
  /// The port, once started; 0 before.
  HANABI_DECL std::uint16_t port() const noexcept;
  /// "http://127.0.0.1:<port>" or "https://..." with TLS.
  HANABI_DECL std::string base_url() const;
  /// "ws://127.0.0.1:<port>/v4/websocket" or "wss://..." with TLS.
  HANABI_DECL std::string websocket_url() const;
  const fake_node_options& options() const noexcept { return options_; }

  // --- Inspection ---
  HANABI_DECL std::vector<session_view> sessions() const;
  HANABI_DECL std::optional<session_view> session(const std::string& id) const;
  HANABI_DECL std::optional<player_view> player(const std::string& session_id, std::int64_t guild_id) const;
  HANABI_DECL node_counters counters() const;
  /// WebSockets currently open (handshake done, not closed).
  HANABI_DECL std::size_t websocket_count() const;
  /// Every WebSocket message the node sent, in order, when recording is on (off by default).
  HANABI_DECL std::vector<std::string> sent_messages() const;
  HANABI_DECL void record_messages(bool on);

  // --- Faults on the WebSockets ---
  /// Drops the session's WebSocket (all of them if `session_id` is empty) after `delay`:
  /// a TCP close without a close frame, as a network failure would.
  HANABI_DECL void drop_websocket(const std::string& session_id = {},
                                  std::chrono::milliseconds delay = std::chrono::milliseconds{0});
  /// Closes the session's WebSocket (all if empty) with a close frame of this code and reason.
  HANABI_DECL void close_websocket(const std::string& session_id, std::uint16_t code, const std::string& reason = {});
  /// Sends one text frame that is not JSON.
  HANABI_DECL void send_malformed_frame(const std::string& session_id);
  /// Sends one well-formed JSON text frame of about `bytes` bytes (a stats message with padding).
  HANABI_DECL void send_oversized_frame(const std::string& session_id, std::size_t bytes);
  /// Sends one frame with an op no client knows ({"op":"fakeUnknownOp"}).
  HANABI_DECL void send_unknown_op(const std::string& session_id);
  /// Sends any raw text frame.
  HANABI_DECL void send_raw(const std::string& session_id, const std::string& text);
  /// Queues `options.messages` playerUpdates on the session's WebSocket (see flood_options).
  /// Returns once they are queued, not once they are written.
  HANABI_DECL void flood(const std::string& session_id, flood_options options);
  /// Frames still waiting to be written on the session's WebSocket.
  HANABI_DECL std::size_t pending_frames(const std::string& session_id) const;
  /// Like a SIGKILL'd Lavalink that comes straight back: every socket dies without a close
  /// frame, every session and player is lost, uptime restarts. The listener stays up.
  HANABI_DECL void kill();

  // --- Faults on REST ---
  HANABI_DECL void fail_every_nth_rest(std::uint32_t n, unsigned status = 500);
  HANABI_DECL void set_rest_delay(std::chrono::milliseconds delay);
  HANABI_DECL void set_ready_delay(std::chrono::milliseconds delay);
  HANABI_DECL void set_drop_after(std::chrono::milliseconds delay);

  // --- Player events that Lavalink raises on its own ---
  /// The voice WebSocket of this player closed: WebSocketClosedEvent, then a playerUpdate.
  HANABI_DECL void close_voice(const std::string& session_id, std::int64_t guild_id, int code,
                               const std::string& reason, bool by_remote = true);
  /// The current track fails now: TrackExceptionEvent, then TrackEndEvent(finished).
  HANABI_DECL void throw_track_exception(const std::string& session_id, std::int64_t guild_id,
                                         const std::string& message);
  /// The current track gets stuck now: TrackStuckEvent, then a playerUpdate.
  HANABI_DECL void stick_track(const std::string& session_id, std::int64_t guild_id);
  /// lavaplayer's cleanup of an abandoned player: TrackEndEvent(cleanup).
  HANABI_DECL void cleanup_track(const std::string& session_id, std::int64_t guild_id);

  /// The node's catalogue.
  const testing::catalogue& catalogue() const noexcept { return catalogue_; }

  class impl;

 private:
  fake_node_options options_;
  testing::catalogue catalogue_;
  std::unique_ptr<impl> impl_;
};

}  // namespace hanabi::testing

#ifdef HANABI_HEADER_ONLY
#  include <hanabi/impl/testing_fake_node.ipp>
#endif
