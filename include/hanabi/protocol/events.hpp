// Everything Lavalink sends on its WebSocket (PROTOCOL.md §4.2, §6): the four ops,
// the five event types, and the node statistics (also the body of GET /v4/stats).
#pragma once

#include <hanabi/ids.hpp>
#include <hanabi/protocol/player.hpp>
#include <hanabi/protocol/track.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

namespace hanabi::protocol {

/// op "ready": the first message of a session, and again after a resume.
struct ready {
  bool resumed = false;    ///< True only after a successful resume.
  std::string session_id;  ///< Lavalink's session id, used in every /v4/sessions/{id} route.

  friend bool operator==(const ready&, const ready&) = default;
};

/// op "playerUpdate": a player's position and voice state.
struct player_update {
  hanabi::guild_id guild_id;
  player_state state;

  friend bool operator==(const player_update&, const player_update&) = default;
};

/// JVM memory of the node, in bytes.
struct memory_stats {
  std::int64_t free = 0;
  std::int64_t used = 0;
  std::int64_t allocated = 0;
  std::int64_t reservable = 0;

  friend bool operator==(const memory_stats&, const memory_stats&) = default;
};

/// CPU of the node. Loads are in 0..1; lavalink_load is normalised by core count.
struct cpu_stats {
  int cores = 0;
  double system_load = 0.0;
  double lavalink_load = 0.0;

  friend bool operator==(const cpu_stats&, const cpu_stats&) = default;
};

/// Audio frames per player over the last minute, averaged over this session's players.
struct frame_stats {
  std::int64_t sent = 0;
  std::int64_t nulled = 0;
  std::int64_t deficit = 0;  ///< 3000 - (sent + nulled); negative means too many frames.

  friend bool operator==(const frame_stats&, const frame_stats&) = default;
};

/// op "stats" (every 60 s) and the body of GET /v4/stats.
struct stats {
  int players = 0;          ///< On the whole node, all sessions.
  int playing_players = 0;  ///< With a track and not paused.
  std::int64_t uptime = 0;  ///< Ms.
  memory_stats memory;
  cpu_stats cpu;
  /// No data: null on the WebSocket, missing over REST; both decode to nullopt.
  std::optional<protocol::frame_stats> frame_stats;

  friend bool operator==(const stats&, const stats&) = default;
};

/// Why a track ended. Lower camel case on the wire.
enum class track_end_reason {
  finished,     ///< Reached its end (also after an endTime marker, or an error after start).
  load_failed,  ///< Failed before producing audio.
  stopped,      ///< Stopped by the client (track.encoded: null).
  replaced,     ///< Another track was started on the player.
  cleanup,      ///< The player was idle past lavaplayer's cleanup threshold.
};

/// Whether a queue should advance to its next track after this reason (finished or loadFailed).
constexpr bool may_start_next(track_end_reason r) noexcept {
  return r == track_end_reason::finished || r == track_end_reason::load_failed;
}

/// event TrackStartEvent.
struct track_start_event {
  hanabi::guild_id guild_id;
  protocol::track track;

  friend bool operator==(const track_start_event&, const track_start_event&) = default;
};

/// event TrackEndEvent.
struct track_end_event {
  hanabi::guild_id guild_id;
  protocol::track track;
  track_end_reason reason = track_end_reason::finished;

  friend bool operator==(const track_end_event&, const track_end_event&) = default;
};

/// event TrackExceptionEvent. A TrackEndEvent follows.
struct track_exception_event {
  hanabi::guild_id guild_id;
  protocol::track track;
  protocol::exception exception;

  friend bool operator==(const track_exception_event&, const track_exception_event&) = default;
};

/// event TrackStuckEvent: no audio for longer than threshold_ms. The track is not ended.
struct track_stuck_event {
  hanabi::guild_id guild_id;
  protocol::track track;
  std::int64_t threshold_ms = 0;

  friend bool operator==(const track_stuck_event&, const track_stuck_event&) = default;
};

/// event WebSocketClosedEvent: the Discord *voice* WebSocket of this guild closed.
struct websocket_closed_event {
  hanabi::guild_id guild_id;
  int code = 0;        ///< Discord voice close code (PROTOCOL.md §9.5).
  std::string reason;  ///< Empty if none.
  bool by_remote = false;

  friend bool operator==(const websocket_closed_event&, const websocket_closed_event&) = default;
};

/// An event whose `type` this client does not know. Kept so callers can count or log it.
struct unknown_event {
  hanabi::guild_id guild_id;
  std::string type;

  friend bool operator==(const unknown_event&, const unknown_event&) = default;
};

/// A message whose `op` this client does not know. Kept so callers can count or log it.
struct unknown_op {
  std::string op;

  friend bool operator==(const unknown_op&, const unknown_op&) = default;
};

/// One WebSocket message: an op, or for op "event" the event itself.
using ws_message = std::variant<ready, player_update, stats, track_start_event, track_end_event,
                                track_exception_event, track_stuck_event, websocket_closed_event,
                                unknown_event, unknown_op>;

}  // namespace hanabi::protocol
