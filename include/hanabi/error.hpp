// hanabi's error model: one `error` enum for every failure hanabi reports, the
// "hanabi" error category, and a coarse `condition` that callers compare
// against when they care about the kind of failure rather than its detail:
//
//     if (ec == hanabi::condition::node_unavailable) retry_later();
//
// Values are grouped by layer. Each layer appends to its own group; values are
// never renumbered, because remote peers and stored journals carry them.
#pragma once

#include <hanabi/detail/config.hpp>

#include <boost/system/error_category.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/error_condition.hpp>

#include <type_traits>

namespace hanabi {

using boost::system::error_code;

/// Every error hanabi itself produces.
enum class error : int {
  // --- JSON model decoding (1xx) ---
  /// The bytes are not well-formed JSON (truncated, bad syntax, bad UTF-8).
  malformed_json = 100,
  /// A value has the wrong JSON type for its field (string where a number was expected...).
  unexpected_type,
  /// A field the protocol requires is missing.
  missing_field,
  /// A value has the right type but is not allowed (unknown enum string, negative size...).
  invalid_value,
  /// A number does not fit the C++ field it decodes into.
  number_out_of_range,
  /// A Discord snowflake string is not a decimal 64-bit integer.
  invalid_snowflake,

  // --- Lavalink track blobs (2xx) ---
  /// The `encoded` string is not valid standard base64.
  invalid_base64 = 200,
  /// The track blob ends before a field it declares.
  truncated_track,
  /// The track blob has a message format version other than 1, 2 or 3.
  unsupported_track_version,
  /// A string in the track blob is not valid Java modified UTF-8.
  invalid_modified_utf8,
  /// A string is longer than the 65535 bytes a blob can hold.
  string_too_long,
  /// A track blob field holds a value lavaplayer never writes (a boolean byte other than 0 or 1).
  invalid_track_field,

  // --- Arguments checked on the client side (3xx) ---
  /// An argument is outside the range the protocol or the server accepts.
  out_of_range = 300,
  /// An argument is malformed or not allowed in this combination.
  invalid_argument,
  /// A filter value is outside its documented range.
  filter_out_of_range,

  // --- Transport: REST and WebSocket (4xx) ---
  /// The node URL cannot be parsed or has an unsupported scheme.
  invalid_url = 400,
  /// Lavalink answered 401: the Authorization header was missing.
  missing_password,
  /// Lavalink answered 403 (or 401 on the WebSocket with a password sent): wrong password.
  wrong_password,
  /// Lavalink answered 400 Bad Request; diagnostics carry its message.
  bad_request,
  /// Lavalink answered 404 (session or player not found); diagnostics carry its message.
  not_found,
  /// Lavalink answered with a 5xx status; diagnostics carry its message.
  server_error,
  /// Lavalink answered with a status this client does not expect.
  unexpected_status,
  /// The peer does not speak Lavalink v4 (no Lavalink-Api-Version: 4, wrong routes).
  not_lavalink,
  /// A response body or WebSocket frame is larger than the configured limit.
  message_too_large,
  /// The operation did not complete before its deadline.
  timeout,
  /// The connection was closed by the peer.
  connection_closed,
  /// The WebSocket peer broke RFC 6455 (bad framing, a masked server frame, invalid UTF-8 text...).
  websocket_protocol_error,

  // --- Node and pool (5xx) ---
  /// The node has no live session (not yet connected, or reconnecting past the caller's deadline).
  node_not_ready = 500,
  /// The node is shutting down or was removed from the pool.
  node_shut_down,
  /// No node in the pool can take this player.
  no_node_available,
  /// A resume was attempted and the node answered with a new session.
  resume_failed,
  /// The node is draining or marked to receive no new players.
  node_not_accepting,

  // --- Player and voice (6xx) ---
  /// The voice join did not complete (both Discord updates) before its deadline.
  voice_timeout = 600,
  /// The command needs a voice connection and the player has none.
  voice_not_connected,
  /// No player exists for this guild.
  no_player,
  /// Nothing is playing.
  nothing_playing,
  /// The bot was disconnected from voice without asking (kicked, channel deleted).
  voice_disconnected,
  /// Discord closed the voice connection with a code that rejoining cannot fix (4017 and similar).
  voice_closed_permanently,
  /// The voice connection kept closing and the rejoin budget is spent.
  voice_rejoin_limit,
  /// The operation was superseded by a newer one (a join replaced by another join or a leave).
  voice_superseded,

  // --- Queue (7xx) ---
  /// A 1-based queue position is 0 or past the end; diagnostics give the allowed range.
  position_out_of_range = 700,
  /// The queue is empty.
  queue_empty,
  /// The operation would remove or replace the current item without being asked to.
  current_item_protected,
  /// The operation would have no effect (skip to the current item, for example).
  no_effect,
  /// There is no shuffle to undo.
  nothing_to_unshuffle,
  /// A change event does not follow the queue's version, or does not fit its state.
  event_mismatch,

  // --- Sessions and the parent/child link (8xx) ---
  /// No session exists for this voice channel.
  no_session = 800,
  /// Every bot is busy in this guild.
  all_bots_busy,
  /// The child holding the session is gone (crashed, evicted, or disconnected).
  child_lost,
  /// The remote peer rejected the authentication token.
  authentication_failed,
  /// The remote peer speaks an incompatible protocol version.
  protocol_version_mismatch,
  /// The remote peer sent an op this side does not know.
  unknown_op,
  /// The remote peer sent a message that does not decode.
  malformed_message,
  /// The bot is already in a voice channel of this guild.
  bot_busy,
  /// The peer sent nothing for the configured number of heartbeat intervals and was dropped.
  peer_unresponsive,
  /// A newer connection from the same child replaced this one.
  link_replaced,
  /// A play or enqueue query found no track (an empty search or an unknown URL).
  no_matches,
  /// Lavalink could not load the query (a LoadFailed result); diagnostics carry its message.
  load_failed,
  /// The user may not do this (not the owner, not a DJ, not in the session's channel).
  not_permitted,

  // --- Storage (9xx) ---
  /// A playlist with this name already exists for this owner.
  duplicate_name = 900,
  /// A name is empty or too long.
  invalid_name,
  /// The playlist, entry or record does not exist.
  record_not_found,
  /// The record belongs to someone else and is private.
  access_denied,
  /// A time is unparsable, or a start time lies past the end time.
  invalid_time,
  /// The database failed (I/O error, corruption, constraint); diagnostics carry its message.
  storage_failure,
  /// A journal event does not follow the session's stored version, or a snapshot is older than the stored one.
  version_conflict,
  /// The store's server (Redis) cannot be reached or the connection to it was lost; the next
  /// operation connects again. Whether an operation cut off this way was applied is unknown.
  storage_unavailable,
};

/// Coarse groups of errors, for callers that branch on the kind of failure.
enum class condition : int {
  /// The node could not be reached or has no live session.
  node_unavailable = 1,
  /// A REST call failed (any non-success status or transport failure during it).
  rest_failure,
  /// Bytes from the network did not decode into the model.
  decode_failure,
  /// A voice or player precondition is not met.
  not_connected,
  /// The caller passed a bad argument.
  bad_argument,
  /// Authentication was refused (Lavalink password or control-link token).
  auth_failure,
  /// A deadline passed.
  timed_out,
  /// The thing asked for does not exist.
  not_found,
  /// The parent/child link failed.
  remote_failure,
  /// The store failed.
  storage_failure,
};

/// The "hanabi" error category.
HANABI_DECL const boost::system::error_category& error_category() noexcept;
/// The "hanabi.condition" category.
HANABI_DECL const boost::system::error_category& condition_category() noexcept;

inline error_code make_error_code(error e) noexcept { return {static_cast<int>(e), error_category()}; }
inline boost::system::error_condition make_error_condition(condition c) noexcept {
  return {static_cast<int>(c), condition_category()};
}

}  // namespace hanabi

template <> struct boost::system::is_error_code_enum<hanabi::error> : std::true_type {};
template <> struct boost::system::is_error_condition_enum<hanabi::condition> : std::true_type {};

#ifdef HANABI_HEADER_ONLY
#  include <hanabi/impl/error.ipp>
#endif
