// Messages of the "hanabi" category and the mapping of errors onto conditions.
#pragma once

#include <hanabi/error.hpp>

#include <boost/system/generic_category.hpp>

#include <string>

namespace hanabi {
namespace detail {

inline const char* error_message(error e) noexcept {
  switch (e) {
    case error::malformed_json: return "The message is not well-formed JSON.";
    case error::unexpected_type: return "A JSON value has the wrong type for its field.";
    case error::missing_field: return "A required JSON field is missing.";
    case error::invalid_value: return "A JSON value is not one the protocol allows.";
    case error::number_out_of_range: return "A number does not fit its field.";
    case error::invalid_snowflake: return "A Discord id is not a decimal 64-bit integer.";
    case error::invalid_base64: return "The encoded track is not valid base64.";
    case error::truncated_track: return "The encoded track ends before a field it declares.";
    case error::unsupported_track_version: return "The encoded track has an unsupported format version.";
    case error::invalid_modified_utf8: return "A string in the encoded track is not valid modified UTF-8.";
    case error::string_too_long: return "A string is longer than an encoded track can hold.";
    case error::invalid_track_field: return "A field of the encoded track holds a value lavaplayer never writes.";
    case error::out_of_range: return "An argument is out of range.";
    case error::invalid_argument: return "An argument is invalid.";
    case error::filter_out_of_range: return "A filter value is outside its allowed range.";
    case error::invalid_url: return "The node URL is invalid.";
    case error::missing_password: return "Lavalink refused the request: no password was sent (401).";
    case error::wrong_password: return "Lavalink refused the request: the password is wrong (403).";
    case error::bad_request: return "Lavalink rejected the request as invalid (400).";
    case error::not_found: return "Lavalink did not find the session or player (404).";
    case error::server_error: return "Lavalink failed to handle the request (5xx).";
    case error::unexpected_status: return "Lavalink answered with an unexpected HTTP status.";
    case error::not_lavalink: return "The server does not speak the Lavalink v4 protocol.";
    case error::message_too_large: return "A message is larger than the configured limit.";
    case error::timeout: return "The operation timed out.";
    case error::connection_closed: return "The connection was closed by the peer.";
    case error::websocket_protocol_error: return "The WebSocket peer broke the protocol (RFC 6455).";
    case error::node_not_ready: return "The node has no live session.";
    case error::node_shut_down: return "The node was shut down or removed.";
    case error::no_node_available: return "No node is available to take the player.";
    case error::resume_failed: return "The node could not resume the session; a new session was started.";
    case error::node_not_accepting: return "The node accepts no new players (draining or marked).";
    case error::voice_timeout: return "Joining the voice channel timed out.";
    case error::voice_not_connected: return "The player is not connected to voice.";
    case error::no_player: return "There is no player for this guild.";
    case error::nothing_playing: return "Nothing is playing.";
    case error::voice_disconnected: return "The bot was disconnected from the voice channel.";
    case error::voice_closed_permanently: return "Discord closed the voice connection for good (e.g. 4017: the node lacks DAVE).";
    case error::voice_rejoin_limit: return "The voice connection kept closing; gave up rejoining.";
    case error::voice_superseded: return "The voice operation was superseded by a newer join or leave.";
    case error::position_out_of_range: return "The queue position is out of range.";
    case error::queue_empty: return "The queue is empty.";
    case error::current_item_protected: return "The current item cannot be removed or replaced this way.";
    case error::no_effect: return "The operation would have no effect.";
    case error::nothing_to_unshuffle: return "There is no shuffle to undo.";
    case error::event_mismatch: return "The queue change event does not fit this queue.";
    case error::no_session: return "There is no session for this voice channel.";
    case error::all_bots_busy: return "Every bot is busy in this server.";
    case error::child_lost: return "The bot holding this session is gone.";
    case error::authentication_failed: return "Authentication failed.";
    case error::protocol_version_mismatch: return "The peer speaks an incompatible protocol version.";
    case error::unknown_op: return "The peer sent an unknown operation.";
    case error::malformed_message: return "The peer sent a malformed message.";
    case error::bot_busy: return "The bot is already in a voice channel in this server.";
    case error::peer_unresponsive: return "The peer stopped answering heartbeats and was dropped.";
    case error::link_replaced: return "A newer connection from the same bot replaced this one.";
    case error::no_matches: return "Nothing was found for that query.";
    case error::load_failed: return "The track could not be loaded.";
    case error::not_permitted: return "You are not allowed to do that.";
    case error::duplicate_name: return "A playlist with this name already exists.";
    case error::invalid_name: return "The name is empty or too long.";
    case error::record_not_found: return "The record does not exist.";
    case error::access_denied: return "That record is private to its owner.";
    case error::invalid_time: return "The time is invalid.";
    case error::storage_failure: return "The store failed.";
    case error::version_conflict: return "The change does not follow the stored version.";
    case error::storage_unavailable: return "The store's server cannot be reached.";
  }
  return "Unknown hanabi error.";
}

inline bool error_matches(error e, condition c) noexcept {
  const int v = static_cast<int>(e);
  switch (c) {
    case condition::decode_failure: return v >= 100 && v < 300;
    case condition::bad_argument:
      return (v >= 300 && v < 400) || e == error::position_out_of_range || e == error::no_effect ||
             e == error::invalid_name || e == error::invalid_time || e == error::duplicate_name ||
             e == error::invalid_url;
    case condition::rest_failure:
      return e == error::missing_password || e == error::wrong_password || e == error::bad_request ||
             e == error::not_found || e == error::server_error || e == error::unexpected_status;
    case condition::auth_failure:
      return e == error::missing_password || e == error::wrong_password || e == error::authentication_failed;
    case condition::node_unavailable:
      return (v >= 500 && v < 600) || e == error::connection_closed || e == error::not_lavalink ||
             e == error::websocket_protocol_error;
    case condition::not_connected:
      return e == error::voice_not_connected || e == error::no_player || e == error::nothing_playing ||
             e == error::voice_timeout || e == error::voice_disconnected ||
             e == error::voice_closed_permanently || e == error::voice_rejoin_limit;
    case condition::timed_out: return e == error::timeout || e == error::voice_timeout;
    case condition::not_found:
      return e == error::not_found || e == error::no_player || e == error::no_session ||
             e == error::record_not_found;
    case condition::remote_failure: return v >= 800 && v < 900 && e != error::no_session;
    case condition::storage_failure: return v >= 900;
  }
  return false;
}

}  // namespace detail
HANABI_DECL const boost::system::error_category& error_category() noexcept;
HANABI_DECL const boost::system::error_category& condition_category() noexcept;
namespace detail {

class hanabi_category final : public boost::system::error_category {
 public:
  constexpr hanabi_category() noexcept : error_category(0x68616e6162690001ULL) {}
  const char* name() const noexcept override { return "hanabi"; }
  std::string message(int ev) const override { return error_message(static_cast<error>(ev)); }
  char const* message(int ev, char*, std::size_t) const noexcept override {
    return error_message(static_cast<error>(ev));
  }
  bool equivalent(int ev, const boost::system::error_condition& cond) const noexcept override {
    if (cond.category() == hanabi::condition_category()) return error_matches(static_cast<error>(ev), static_cast<condition>(cond.value()));
    return error_category::equivalent(ev, cond);
  }
};

class condition_category_impl final : public boost::system::error_category {
 public:
  constexpr condition_category_impl() noexcept : error_category(0x68616e6162690002ULL) {}
  const char* name() const noexcept override { return "hanabi.condition"; }
  std::string message(int ev) const override {
    switch (static_cast<condition>(ev)) {
      case condition::node_unavailable: return "The Lavalink node is unavailable.";
      case condition::rest_failure: return "A Lavalink REST call failed.";
      case condition::decode_failure: return "A message failed to decode.";
      case condition::not_connected: return "Not connected to voice or nothing is playing.";
      case condition::bad_argument: return "An argument is invalid.";
      case condition::auth_failure: return "Authentication was refused.";
      case condition::timed_out: return "A deadline passed.";
      case condition::not_found: return "Not found.";
      case condition::remote_failure: return "The link to another bot process failed.";
      case condition::storage_failure: return "The store failed.";
    }
    return "Unknown hanabi condition.";
  }
  bool equivalent(const error_code& code, int cv) const noexcept override {
    if (code.category() == hanabi::error_category()) return error_matches(static_cast<error>(code.value()), static_cast<condition>(cv));
    // A system-level timed_out (e.g. from a socket) counts as a timeout too.
    if (static_cast<condition>(cv) == condition::timed_out)
      return code == boost::system::errc::timed_out;
    return false;
  }
};

}  // namespace detail

HANABI_DECL const boost::system::error_category& error_category() noexcept {
  static constexpr detail::hanabi_category instance;
  return instance;
}

HANABI_DECL const boost::system::error_category& condition_category() noexcept {
  static constexpr detail::condition_category_impl instance;
  return instance;
}

}  // namespace hanabi
