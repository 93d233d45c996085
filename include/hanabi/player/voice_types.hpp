// The values that travel between Discord, the bot and Lavalink when a bot joins
// voice, independent of any Discord library (PROTOCOL.md §9):
//
//   bot gateway  -> VOICE_STATE_UPDATE, VOICE_SERVER_UPDATE   (inputs, parsed here)
//   hanabi       -> op 4 Update Voice State                    (gateway_voice_update)
//   hanabi       -> Lavalink PATCH {"voice": {...}}            (voice_credentials)
//
// plus the events the voice layer reports upwards and the policy for Discord's
// voice close codes (seen in Lavalink's WebSocketClosedEvent).
#pragma once

#include <hanabi/detail/config.hpp>
#include <hanabi/diagnostics.hpp>
#include <hanabi/ids.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace hanabi {

/// The bot's own VOICE_STATE_UPDATE (gateway dispatch). Only `guild`, `user`,
/// `channel` and `session_id` matter to Lavalink.
struct voice_state_update {
  guild_id guild;
  user_id user;
  std::optional<channel_id> channel;  ///< Empty: the bot left or was disconnected.
  std::string session_id;             ///< Discord's voice session id (not Lavalink's).
  friend bool operator==(const voice_state_update&, const voice_state_update&) = default;
};

/// VOICE_SERVER_UPDATE (gateway dispatch).
struct voice_server_update {
  guild_id guild;
  std::string token;
  /// `host:port`, passed on unchanged. Empty when Discord sent `null`: the voice
  /// server went away and a new one is being allocated; wait for the next update.
  std::optional<std::string> endpoint;
  friend bool operator==(const voice_server_update&, const voice_server_update&) = default;
};

/// What Lavalink needs to open the voice connection: the `voice` object of an
/// update-player PATCH. `channel` is always sent (mandatory since Lavalink 4.2, DAVE).
struct voice_credentials {
  std::string token;
  std::string endpoint;
  std::string session_id;
  channel_id channel;

  /// {"token","endpoint","sessionId","channelId"}
  nlohmann::json to_json() const {
    return {{"token", token}, {"endpoint", endpoint}, {"sessionId", session_id}, {"channelId", channel.str()}};
  }
  friend bool operator==(const voice_credentials&, const voice_credentials&) = default;
};

/// Gateway opcode 4 (Update Voice State), to be sent on the bot's own shard.
/// An empty `channel` leaves the voice channel.
struct gateway_voice_update {
  guild_id guild;
  std::optional<channel_id> channel;
  bool self_mute = false;
  bool self_deaf = false;

  /// The complete gateway payload: {"op":4,"d":{...}} with snowflakes as strings.
  std::string to_json() const {
    nlohmann::json d = {{"guild_id", guild.str()}, {"self_mute", self_mute}, {"self_deaf", self_deaf}};
    d["channel_id"] = channel ? nlohmann::json(channel->str()) : nlohmann::json(nullptr);
    return nlohmann::json{{"op", 4}, {"d", std::move(d)}}.dump();
  }
  friend bool operator==(const gateway_voice_update&, const gateway_voice_update&) = default;
};

/// Parses a VOICE_STATE_UPDATE: either the whole dispatch {"t","d",...} or its `d` object.
/// Errors: malformed_json, missing_field, unexpected_type, invalid_snowflake.
HANABI_DECL result<voice_state_update> parse_voice_state_update(std::string_view json);
/// Parses a VOICE_SERVER_UPDATE: either the whole dispatch or its `d` object. A `null`
/// endpoint is accepted (it is part of the protocol); a `null` token is an error.
HANABI_DECL result<voice_server_update> parse_voice_server_update(std::string_view json);

/// What to do when Discord closes the voice WebSocket (Lavalink's WebSocketClosedEvent).
enum class close_action {
  /// Re-send the same credentials to Lavalink: the voice server dropped us but the
  /// session is intact. Codes: 4015 (voice server crashed).
  reconnect,
  /// Send op 4 for the same channel again and pair the fresh credentials Discord answers
  /// with. Codes: 4006 (session no longer valid), 4009 (session timeout), 4011 (server not
  /// found), 4001-4005 (protocol/auth problems), 1000-3999 and every code not listed.
  /// Bounded by voice_config::max_rejoins between two successful connections.
  rejoin,
  /// Do nothing yet: the bot was kicked, moved or the channel was deleted, and Discord
  /// tells which with a VOICE_STATE_UPDATE (a new channel: re-pair and report a move; no
  /// channel: report "left"). If none comes within voice_config::join_timeout, rejoin.
  /// Codes: 4014 (disconnected), 4022 (call terminated).
  await_voice_state,
  /// Give up: leave the channel and destroy the player, because retrying cannot help and
  /// would loop. Codes: 4012 (unknown protocol), 4016 (unknown encryption mode), 4017
  /// (DAVE required: the Lavalink node is older than 4.2), 4020 (bad request), 4021 (rate
  /// limited).
  destroy,
};

/// The policy above, as a function of the close code.
HANABI_DECL close_action voice_close_policy(int code) noexcept;

/// How a guild joins voice.
struct voice_config {
  /// How long a join (op 4 until both updates are paired) may take before it fails with
  /// error::voice_timeout; also how long to wait for Discord's verdict after a 4014/4022.
  std::chrono::milliseconds join_timeout{10000};
  /// Rejoins allowed between two successful voice connections (a loop guard).
  int max_rejoins = 3;
  bool self_mute = false;
  bool self_deaf = true;  ///< A music bot does not listen.
};

// Events the voice layer reports to the layer above (the player or the bot).

/// The join completed: Lavalink has (been sent) the credentials for `channel`.
struct voice_joined {
  channel_id channel;
  friend bool operator==(const voice_joined&, const voice_joined&) = default;
};
/// The bot was moved from one channel to another by someone else; audio follows it.
struct voice_moved {
  channel_id from;
  channel_id to;
  friend bool operator==(const voice_moved&, const voice_moved&) = default;
};
/// The bot is out of voice. `requested` is true after leave(); otherwise `reason` says why
/// (voice_disconnected: kicked or the channel was deleted).
struct voice_left {
  bool requested = false;
  error_code reason;
  friend bool operator==(const voice_left&, const voice_left&) = default;
};
/// A join failed: voice_timeout, voice_disconnected or voice_superseded.
struct voice_join_failed {
  error_code reason;
  friend bool operator==(const voice_join_failed&, const voice_join_failed&) = default;
};
/// The voice connection cannot be recovered; the owner should destroy the player
/// (the op 4 leave has already been emitted). `close_code` is 0 when no close caused it.
struct voice_destroy {
  error_code reason;
  int close_code = 0;
  friend bool operator==(const voice_destroy&, const voice_destroy&) = default;
};

/// Any of the events above.
using voice_event = std::variant<voice_joined, voice_moved, voice_left, voice_join_failed, voice_destroy>;

}  // namespace hanabi

#ifdef HANABI_HEADER_ONLY
#  include <hanabi/impl/voice_types.ipp>
#endif
