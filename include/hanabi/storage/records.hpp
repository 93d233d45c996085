// The records the store keeps besides playlists: per-user settings, playback
// history, the durable state of each playing session (a queue snapshot plus
// a journal of the queue's change events since it), and the Lavalink session
// of each node, which is what a restarted process resumes.
#pragma once

#include <hanabi/ids.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hanabi::storage {

/// What hanabi remembers about a user. A user never saved reads as these defaults.
struct user_settings {
  user_id id;
  int volume = 100;      ///< The user's last volume, applied when their tracks play (0 to 1000).
  int volume_step = 5;   ///< The step of the volume buttons (1 to 1000).
  nlohmann::json preferences = nlohmann::json::object();  ///< Free-form settings (timezone, formats...).

  friend bool operator==(const user_settings&, const user_settings&) = default;
};

/// One track that was played.
struct history_entry {
  user_id requester;
  std::string bot;       ///< Name of the bot (process) that played it.
  guild_id guild;
  std::string title;
  std::string source;    ///< URI or identifier.
  std::optional<std::string> encoded;
  std::chrono::system_clock::time_point played_at;  ///< Stored with millisecond precision.

  friend bool operator==(const history_entry&, const history_entry&) = default;
};

/// One line of a session's action history (who did what, when), as the session layer recorded it.
struct session_action {
  std::int64_t at = 0;   ///< Epoch ms.
  user_id by;
  std::string action;    ///< "play", "skip", "volume"...; never empty.
  std::string detail;

  friend bool operator==(const session_action&, const session_action&) = default;
};

/// How much history the store keeps, so that the database stays bounded however long a bot runs.
struct history_limits {
  /// Actions kept per session (bot, guild, voice channel): as many as a session keeps in memory
  /// (local_session_config::history_limit's default), so a recovered session's /history is whole.
  static constexpr std::size_t actions_per_session = 200;
  /// Played tracks kept per guild (all bots together): the newest; older rows are dropped as new
  /// ones are added. About 3 days of continuous play, far more than a history command pages through.
  static constexpr std::size_t plays_per_guild = 1000;
};

/// Which history to read: entries matching every given field, newest first.
struct history_query {
  std::optional<user_id> requester;
  std::optional<guild_id> guild;
  std::size_t limit = 50;
};

/// A playing session is identified by the bot that plays and the voice channel it plays in.
struct session_key {
  std::string bot;
  guild_id guild;
  channel_id channel;

  friend auto operator<=>(const session_key&, const session_key&) = default;
};

/// One change event of a session's queue, as the queue serialized it.
struct journal_event {
  std::uint64_t version = 0;  ///< The queue's version after the change; consecutive events differ by 1.
  nlohmann::json body;

  friend bool operator==(const journal_event&, const journal_event&) = default;
};

/// A session's durable state: the last snapshot and every event after it, in version order, plus
/// the session's state document. Replaying `tail` onto `snapshot` gives the queue at version().
struct session_record {
  session_key key;
  std::uint64_t snapshot_version = 0;  ///< 0 when no snapshot was saved (replay from an empty queue).
  nlohmann::json snapshot;             ///< null when no snapshot was saved.
  std::vector<journal_event> tail;
  /// The last document given to async_save_session_state (a JSON object), or null if none was. The
  /// session layer owns its shape; what recovery needs beyond the queue: the player (encoded track,
  /// position and the epoch ms it was sampled at, paused, volume, filters, node) and the session's
  /// settings.
  nlohmann::json state;
  /// The session's action history, oldest first (at most history_limits::actions_per_session).
  std::vector<session_action> actions{};

  /// The version of the newest stored change.
  std::uint64_t version() const noexcept { return tail.empty() ? snapshot_version : tail.back().version; }
  friend bool operator==(const session_record&, const session_record&) = default;
};

/// What an append left behind: the session's version and how many events follow its snapshot.
struct journal_status {
  std::uint64_t version = 0;
  std::size_t tail_length = 0;
  friend bool operator==(const journal_status&, const journal_status&) = default;
};

/// The Lavalink session of a node and how it was configured to resume (PATCH /v4/sessions).
struct node_session {
  std::string node;        ///< The node's configured name.
  std::string session_id;
  bool resuming = false;
  std::chrono::seconds timeout{60};

  friend bool operator==(const node_session&, const node_session&) = default;
};

}  // namespace hanabi::storage
