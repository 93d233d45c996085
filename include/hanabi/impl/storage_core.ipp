#pragma once

#include <hanabi/detail/storage_core.hpp>

#include <fmt/format.h>

namespace hanabi::detail {

HANABI_DECL result<playlist_header> check_playlist_access(std::optional<playlist_header> found, storage::playlist_id id,
                                                          user_id actor, playlist_access access) {
  if (!found) return failure{error::record_not_found, fmt::format("there is no playlist {}", id)};
  if (found->owner == actor) return *found;
  if (found->visibility == storage::visibility::private_)
    return failure{error::access_denied, fmt::format("playlist {} is private to its owner", id)};
  if (access == playlist_access::write)
    return failure{error::access_denied, fmt::format("only the owner may change playlist {}", id)};
  return *found;
}

HANABI_DECL result<void> check_entry_index(std::size_t index, std::size_t size, bool inserting) {
  const std::size_t last = inserting ? size : size - 1;
  if (size == 0 && !inserting) return failure{error::out_of_range, "the playlist has no entries"};
  if (index > last)
    return failure{error::out_of_range, fmt::format("entry index {} is out of range: the valid indexes are 0 to {}",
                                                    index, last)};
  return {};
}

HANABI_DECL result<void> check_event_versions(const storage::session_key& key, std::uint64_t current,
                                              const std::vector<storage::journal_event>& events) {
  std::uint64_t expected = current + 1;
  for (const auto& e : events) {
    if (e.version != expected)
      return failure{error::version_conflict,
                     fmt::format("session {}/{}/{} expects version {} next, not {}", key.bot, key.guild,
                                 key.channel, expected, e.version)};
    ++expected;
  }
  return {};
}

HANABI_DECL result<void> check_session_state(const nlohmann::json& state) {
  if (!state.is_object())
    return failure{error::invalid_argument, fmt::format("a session state must be a JSON object, not {}", state.type_name())};
  return {};
}

HANABI_DECL result<void> check_volume(int volume) {
  if (volume < 0 || volume > 1000) return failure{error::out_of_range, fmt::format("volume {} is outside 0 to 1000", volume)};
  return {};
}

HANABI_DECL result<void> check_session_action(const storage::session_action& action) {
  if (action.action.empty()) return failure{error::invalid_argument, "an action needs a name"};
  return {};
}

HANABI_DECL result<void> check_user_settings(const storage::user_settings& settings) {
  if (auto r = check_volume(settings.volume); !r) return r;
  if (settings.volume_step < 1 || settings.volume_step > 1000)
    return failure{error::out_of_range, fmt::format("volume step {} is outside 1 to 1000", settings.volume_step)};
  if (!settings.preferences.is_object())
    return failure{error::invalid_argument, "user preferences must be a JSON object"};
  return {};
}

HANABI_DECL result<void> check_node_session(const storage::node_session& session) {
  if (session.node.empty()) return failure{error::invalid_name, "the node name is empty"};
  if (session.session_id.empty()) return failure{error::invalid_name, "the session id is empty"};
  if (session.timeout.count() < 0) return failure{error::out_of_range, "the resume timeout is negative"};
  return {};
}

HANABI_DECL failure duplicate_playlist_name(std::string_view name) {
  return failure{error::duplicate_name, fmt::format("you already have a playlist named '{}'", name)};
}

HANABI_DECL failure duplicate_entry_title(std::string_view title) {
  return failure{error::duplicate_name, fmt::format("the playlist already has an entry titled '{}'", title)};
}

HANABI_DECL failure playlist_full() {
  return failure{error::out_of_range,
                 fmt::format("a playlist holds at most {} entries", storage::playlist_limits::max_entries)};
}

HANABI_DECL failure stale_snapshot(const storage::session_key& key, std::uint64_t version, std::uint64_t stored) {
  return failure{error::version_conflict, fmt::format("session {}/{}/{} already has a snapshot at version {}, not older "
                                                      "than {}", key.bot, key.guild, key.channel, stored, version)};
}

HANABI_DECL std::int64_t to_epoch_ms(std::chrono::system_clock::time_point t) noexcept {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

HANABI_DECL std::chrono::system_clock::time_point from_epoch_ms(std::int64_t ms) noexcept {
  return std::chrono::system_clock::time_point{std::chrono::milliseconds{ms}};
}

}  // namespace hanabi::detail
