// Parsing of what users type into command options. Every parser returns a value
// or a typed bot::errc failure whose message is a short sentence for the user,
// naming the valid range when there is one. Nothing here throws or does I/O.
//
// Positions are 1-based, as users see them (the queue numbers from 1).
#pragma once

#include "errors.hpp"

#include <hanabi/diagnostics.hpp>
#include <hanabi/ids.hpp>
#include <hanabi/queue/queue_event.hpp>
#include <hanabi/queue/track_queue.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bot {

// --- Times -------------------------------------------------------------------------------------

/// Where /seek goes: an absolute time, or a jump relative to the current position.
struct seek_target {
  bool relative = false;  ///< `+30` / `-10`: `ms` is added to the current position.
  std::int64_t ms = 0;    ///< Absolute position, or the signed offset when relative.
  friend bool operator==(const seek_target&, const seek_target&) = default;
};

/// `83`, `1:23`, `1:02:03` (absolute), `+30`, `-10`, `+1:30` (relative). In the colon forms the
/// minutes (when hours are given) and seconds must be below 60. Errors: malformed_time.
hanabi::result<seek_target> parse_seek(std::string_view text);

/// The absolute position `target` means while the track is at `position_ms`. A relative jump is
/// clamped to the track (rewinding past the start restarts it; a jump past the end goes to the end);
/// an absolute time past the end is time_out_of_range, with the track's range in the message.
/// `length_ms` is the track's length (hanabi::protocol::unknown_length for a stream, which cannot seek).
hanabi::result<std::int64_t> resolve_seek(const seek_target& target, std::int64_t position_ms,
                                          std::int64_t length_ms);

/// `0:05`, `3:07`, `1:02:03`: how users read a time (ms are truncated).
std::string format_time(std::int64_t ms);

// --- Queue positions ---------------------------------------------------------------------------

/// One position in 1..`size`. Errors: malformed_position, position_out_of_range.
hanabi::result<std::size_t> parse_position(std::string_view text, std::size_t size);

/// A list of positions and ranges, separated by commas and/or spaces: `3`, `1,4,7`, `2-5`,
/// `1, 3-4 9`. Every position must be in 1..`size`; the result is ascending, without repeats.
/// Errors: malformed_position (also for a range written backwards, `5-2`), position_out_of_range.
hanabi::result<std::vector<std::size_t>> parse_positions(std::string_view text, std::size_t size);

// --- Volume ------------------------------------------------------------------------------------

inline constexpr int max_volume = 1000;

/// `N` sets, `+N` raises, `-N` lowers.
struct volume_setting {
  enum class kind { set, raise, lower };
  kind how = kind::set;
  int amount = 0;
  friend bool operator==(const volume_setting&, const volume_setting&) = default;
};

/// Errors: malformed_volume, volume_out_of_range (an `N` above 1000).
hanabi::result<volume_setting> parse_volume(std::string_view text);

/// The volume `setting` gives from `current`. Errors: volume_out_of_range, naming the result.
hanabi::result<int> apply_volume(const volume_setting& setting, int current);

// --- Choices -----------------------------------------------------------------------------------

/// `off` (or `none`), `one`, `all`, any case. Errors: unknown_choice listing the choices.
hanabi::result<hanabi::repeat_mode> parse_repeat_mode(std::string_view text);

/// `fifo`, `next`, `random`, `interlace`, any case. Errors: unknown_choice listing the choices.
hanabi::result<hanabi::enqueue_mode> parse_enqueue_mode(std::string_view text);

/// `yes`/`no`, `true`/`false`, `on`/`off`, any case. Errors: unknown_choice.
hanabi::result<bool> parse_flag(std::string_view text);

/// A page in 1..`page_count` (an empty list has one empty page). Errors: page_out_of_range.
hanabi::result<std::size_t> parse_page(std::string_view text, std::size_t page_count);

/// Pages of `page_size` needed for `items` (at least 1).
std::size_t page_count(std::size_t items, std::size_t page_size) noexcept;

// --- Snowflakes --------------------------------------------------------------------------------

/// A raw id (`123`) or a Discord mention of it (`<@123>`, `<@!123>`, `<#123>`, `<@&123>`).
/// Errors: malformed_snowflake.
hanabi::result<std::uint64_t> parse_snowflake(std::string_view text);

inline hanabi::result<hanabi::user_id> parse_user(std::string_view text) {
  auto v = parse_snowflake(text);
  if (!v) return v.error();
  return hanabi::user_id{*v};
}
inline hanabi::result<hanabi::channel_id> parse_channel(std::string_view text) {
  auto v = parse_snowflake(text);
  if (!v) return v.error();
  return hanabi::channel_id{*v};
}
inline hanabi::result<hanabi::guild_id> parse_guild(std::string_view text) {
  auto v = parse_snowflake(text);
  if (!v) return v.error();
  return hanabi::guild_id{*v};
}

}  // namespace bot
