// The node lifecycle as a sans-I/O state machine: it decides, the node's
// coroutine performs. Each on_*() takes the outcome of the previous action and
// returns the next one:
//
//   start -> connect -> (handshake ok) await_ready -> (ready, new session)
//     [report_lost if an earlier session died] -> [configure_session] -> read
//   ready{resumed:true} -> reconcile -> read
//   disconnected -> wait(backoff) -> connect ...   or stop when reconnecting is
//   disabled or the failure is one a retry cannot fix (wrong password, not Lavalink).
//
// No clocks, sockets or randomness of its own (the backoff takes a seed), so the
// unit tests in tests/unit/node/ drive it step by step.
#pragma once

#include <hanabi/detail/backoff.hpp>
#include <hanabi/detail/config.hpp>
#include <hanabi/error.hpp>
#include <hanabi/node/node_config.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace hanabi::detail {

/// What the node must do next.
enum class node_action_type {
  connect,            ///< Open the WebSocket, with resume_session() as Session-Id if not empty.
  await_ready,        ///< Read until op "ready" (other ops are dispatched meanwhile).
  report_lost,        ///< The previous session is gone: report and forget every mirrored player.
  configure_session,  ///< PATCH /v4/sessions/{id} with the resume policy.
  reconcile,          ///< GET players and bring the mirror in line.
  read,               ///< Live: read and dispatch until the socket fails.
  wait,               ///< Sleep `delay`, then call on_wait_done().
  stop,               ///< Finish async_run with `error`.
};

struct node_action {
  node_action_type type = node_action_type::stop;
  std::chrono::milliseconds delay{0};  ///< For wait.
  error_code error;                    ///< For stop.
};

/// True for failures that reconnecting cannot fix.
HANABI_DECL bool is_fatal_connect_error(const error_code& ec) noexcept;

class node_fsm {
 public:
  HANABI_DECL node_fsm(backoff_policy reconnect, resume_policy resuming, std::string initial_session,
                       std::uint64_t seed);

  node_state state() const noexcept { return state_; }
  /// The current session id, or the last one while reconnecting.
  const std::string& session_id() const noexcept { return session_; }
  /// Sent as Session-Id on the next connect: the last session, if resuming is on.
  std::string_view resume_session() const noexcept {
    return resuming_.enabled ? std::string_view(session_) : std::string_view{};
  }
  /// Failed connects since the last ready.
  int reconnect_attempts() const noexcept { return backoff_.attempts(); }
  /// Whether the last ready resumed the previous session.
  bool resumed() const noexcept { return resumed_; }

  HANABI_DECL node_action start();
  HANABI_DECL node_action on_connected(const error_code& ec);
  HANABI_DECL node_action on_ready(std::string_view session_id, bool resumed);
  HANABI_DECL node_action on_lost_reported();
  HANABI_DECL node_action on_session_configured(const error_code& ec);
  HANABI_DECL node_action on_reconciled(const error_code& ec);
  HANABI_DECL node_action on_disconnected(const error_code& ec);
  HANABI_DECL node_action on_wait_done();
  /// The user asked to stop (cancel/close): stop from any state.
  HANABI_DECL node_action on_stop(const error_code& ec);

 private:
  node_action connect();
  node_action after_lost();
  node_action go_live();
  node_action retry_or_stop(const error_code& ec);

  backoff backoff_;
  resume_policy resuming_;
  node_state state_ = node_state::idle;
  std::string session_;
  bool had_session_ = false;  // a session existed whose players may now be lost
  bool resumed_ = false;
};

}  // namespace hanabi::detail

#ifdef HANABI_HEADER_ONLY
#  include <hanabi/impl/node_fsm.ipp>
#endif
