// Configuration of one Lavalink node connection, and the states its lifecycle
// goes through. Every field has a working default except `url`, `password` and
// `user` (the bot's Discord user id).
#pragma once

#include <hanabi/detail/backoff.hpp>
#include <hanabi/ids.hpp>
#include <hanabi/logger.hpp>
#include <hanabi/secret.hpp>

#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace hanabi {

/// Session resuming (PROTOCOL.md §5): whether the server keeps our players while
/// the WebSocket is down, and for how long.
struct resume_policy {
  /// Configure resuming after every new session (PATCH /v4/sessions/{id}).
  bool enabled = true;
  /// How long the server keeps a paused session (Lavalink counts it in seconds).
  std::chrono::seconds timeout{60};
};

/// One node: where it is, who we are, and how hard to try.
struct node_config {
  /// A name for logs and for the pool ("main", "eu-1").
  std::string name = "node";
  /// "http://host:port", "https://host" (TLS), or "host:port". ws/wss are accepted too.
  std::string url = "http://127.0.0.1:2333";
  /// The node password (`Authorization`).
  secret password;
  /// The bot's Discord user id (`User-Id`); required by Lavalink.
  user_id user;
  /// Resume this session id on the first connect, e.g. one saved by a previous process.
  std::string session_id;

  resume_policy resuming;
  /// Reconnect delays after the WebSocket is lost; initial_delay zero disables reconnecting.
  backoff_policy reconnect;

  std::chrono::milliseconds connect_timeout{10000};    ///< TCP connect + TLS handshake.
  std::chrono::milliseconds handshake_timeout{10000};  ///< The WebSocket upgrade.
  /// WebSocket keep-alive: a ping after this much silence, a drop after twice as much. 0: off.
  std::chrono::milliseconds idle_timeout{30000};
  /// Per-attempt REST deadline (callers bound whole calls with hanabi::cancel_after).
  std::chrono::milliseconds request_timeout{10000};
  /// Frames above this are counted as oversized and skipped.
  std::size_t max_frame_size = 1u << 20;
  /// REST bodies above this fail with error::message_too_large.
  std::size_t max_body_size = 128u << 20;
  /// Connections in the REST pool.
  std::size_t max_rest_connections = 4;
  /// Extra attempts for idempotent GETs after a transient failure.
  int get_retries = 2;

  /// TLS trust and settings; null means the system trust store, with SNI and host-name
  /// verification on.
  std::shared_ptr<boost::asio::ssl::context> tls_context;
  logger log;
};

/// Where a node is in its lifecycle.
enum class node_state {
  idle,            ///< async_run not started.
  connecting,      ///< TCP/TLS/WebSocket handshake in progress.
  awaiting_ready,  ///< Upgraded; waiting for op "ready".
  configuring,     ///< Sending the resuming configuration.
  reconciling,     ///< Resumed: fetching the players to bring the mirror in line.
  ready,           ///< A live session: REST calls go through at once.
  reconnecting,    ///< Lost; waiting out the backoff delay.
  stopped,         ///< async_run has finished; the node will not reconnect.
};

inline std::string_view to_string(node_state s) noexcept {
  switch (s) {
    case node_state::idle: return "idle";
    case node_state::connecting: return "connecting";
    case node_state::awaiting_ready: return "awaiting_ready";
    case node_state::configuring: return "configuring";
    case node_state::reconciling: return "reconciling";
    case node_state::ready: return "ready";
    case node_state::reconnecting: return "reconnecting";
    case node_state::stopped: return "stopped";
  }
  return "?";
}

}  // namespace hanabi
