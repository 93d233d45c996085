// The decisions of a local_session that need no player, no queue and no clock of their own:
// when an inactive session is reaped, what a play query is sent to Lavalink as, which filter
// set a preset names, which volume a command asks for, and the bounded action history. Kept
// apart so that every case is unit-tested without sockets.
#pragma once

#include <hanabi/detail/config.hpp>
#include <hanabi/diagnostics.hpp>
#include <hanabi/protocol/filters.hpp>
#include <hanabi/session/session_types.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hanabi::detail {

/// What a session is doing, as far as reaping is concerned.
enum class session_activity : std::uint8_t {
  playing,  ///< A track is on the air and not paused: never reaped.
  paused,   ///< A track is on the air but paused: reaped after the paused timeout.
  idle,     ///< Nothing on the air: reaped after the inactivity timeout.
};

struct reap_policy {
  session_lifetime lifetime = session_lifetime::transient;
  std::chrono::milliseconds inactivity_timeout{};
  std::chrono::milliseconds paused_timeout{};
};

/// The moment a session that has been in `activity` since `since` is to be reaped, if nothing
/// changes; none when it is never reaped (playing, or a persistent lifetime). local_session arms
/// one timer at this deadline and asks reap_due when it fires (the activity may have changed).
HANABI_DECL std::optional<std::chrono::steady_clock::time_point> reap_deadline(
    const reap_policy& policy, session_activity activity, std::chrono::steady_clock::time_point since);

/// True when a session in `activity` since `since` is due for reaping at `now`.
HANABI_DECL bool reap_due(const reap_policy& policy, session_activity activity,
                          std::chrono::steady_clock::time_point since, std::chrono::steady_clock::time_point now);

/// The identifier a play query is loaded as: a URL, a query with a Lavalink search prefix
/// ("ytsearch:", "scsearch:", "fakesearch5:") or one starting with a passthrough prefix is sent
/// unchanged; anything else is searched with `search_prefix`.
HANABI_DECL std::string load_identifier(std::string_view query, std::string_view search_prefix,
                                        const std::vector<std::string>& passthrough_prefixes);

/// The filter set a preset names: nightcore, vaporwave, karaoke, bassboost (level 0.5), flat (a
/// flat equalizer), clear (no filters). Errors: invalid_argument naming the presets.
HANABI_DECL result<protocol::filters> filter_preset(std::string_view name);

/// The volume a command asks for: `value`, or `current + value` when relative. Errors:
/// out_of_range outside 0..1000, with the arithmetic in the message.
HANABI_DECL result<int> volume_target(int current, int value, bool relative);

/// Checks where an item starts and stops (ms; 0 = from the start / to the end). Errors:
/// invalid_argument for a negative time, or an end at or before the start.
HANABI_DECL result<void> check_segment(std::int64_t start_time, std::int64_t end_time);

/// The newest actions of a session, oldest first, at most `limit` of them.
class action_history {
 public:
  explicit action_history(std::size_t limit) : limit_(limit) {}
  HANABI_DECL void push(action_record r);
  /// The newest `n` records, oldest first.
  HANABI_DECL std::vector<action_record> newest(std::size_t n) const;
  std::size_t size() const noexcept { return records_.size(); }

 private:
  std::size_t limit_;
  std::deque<action_record> records_;
};

}  // namespace hanabi::detail

#ifdef HANABI_HEADER_ONLY
#  include <hanabi/impl/session_logic.ipp>
#endif
