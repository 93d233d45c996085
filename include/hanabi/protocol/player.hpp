// Players (PROTOCOL.md §7.5–§7.8) and the update-player request (§7.6, §8).
#pragma once

#include <hanabi/diagnostics.hpp>
#include <hanabi/ids.hpp>
#include <hanabi/protocol/filters.hpp>
#include <hanabi/protocol/nullable.hpp>
#include <hanabi/protocol/track.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hanabi::protocol {

/// A player's playback state, in `playerUpdate` and in the Player object.
struct player_state {
  std::int64_t time = 0;      ///< Server epoch ms when the state was taken.
  std::int64_t position = 0;  ///< Ms into the current track; 0 if none.
  bool connected = false;     ///< Whether the Discord voice WebSocket is open.
  std::int64_t ping = -1;     ///< Ms to the Discord voice server; -1 if not connected.

  friend bool operator==(const player_state&, const player_state&) = default;
};

/// Discord voice credentials. Sent in update_player; returned in the Player object, where a
/// player without a connection has empty strings and no channel.
struct voice_state {
  std::string token;
  std::string endpoint;    ///< e.g. "rotterdam2744.discord.media:443".
  std::string session_id;  ///< Discord's voice session id, not Lavalink's session id.
  /// Required in requests since Lavalink 4.2.0; null in responses when not connected.
  std::optional<hanabi::channel_id> channel_id;

  friend bool operator==(const voice_state&, const voice_state&) = default;
};

/// The Player object (GET/PATCH player responses).
struct player {
  hanabi::guild_id guild_id;
  std::optional<protocol::track> track;  ///< Null when nothing plays; info.position is live.
  int volume = 100;                      ///< 0..1000, percent.
  bool paused = false;
  player_state state;
  voice_state voice;
  protocol::filters filters;  ///< Only the active filters.

  friend bool operator==(const player&, const player&) = default;
};

/// `track` of an update_player request: what to play and/or the user data to attach.
struct update_player_track {
  /// A base64 track to play; null stops playback. Exclusive with `identifier`.
  nullable<std::string> encoded;
  /// Resolved by the server like loadtracks; must give exactly one track. Not nullable.
  std::optional<std::string> identifier;
  /// Attached to the new track, or to the current one if no new track is given.
  std::optional<nlohmann::json> user_data;

  friend bool operator==(const update_player_track&, const update_player_track&) = default;
};

/// Body of PATCH /v4/sessions/{sessionId}/players/{guildId}. Every field is optional and only
/// what is set is encoded; `nullable` fields also carry an explicit null (§8).
struct update_player {
  std::optional<update_player_track> track;
  /// Deprecated form of track.encoded; exclusive with `track`.
  nullable<std::string> encoded_track;
  /// Deprecated form of track.identifier; exclusive with `track`.
  std::optional<std::string> identifier;
  std::optional<std::int64_t> position;  ///< Seek, or the new track's start position (ms).
  nullable<std::int64_t> end_time;       ///< Ms, > 0. Null does not clear an existing marker.
  std::optional<int> volume;             ///< 0..1000.
  std::optional<bool> paused;            ///< Starting a track unpauses unless this is true.
  std::optional<protocol::filters> filters;  ///< Replaces the whole set.
  std::optional<voice_state> voice;          ///< All four fields non-blank.

  /// Checks what Lavalink would reject with a 400 (and filter ranges, which it does not check
  /// but fails on later). On failure the message lists every reason, separated by "; ".
  /// error::filter_out_of_range if only filter ranges are wrong, else error::invalid_argument.
  HANABI_DECL result<void> validate() const;

  friend bool operator==(const update_player&, const update_player&) = default;
};

}  // namespace hanabi::protocol

#ifdef HANABI_HEADER_ONLY
#  include <hanabi/impl/protocol_player.ipp>
#endif
