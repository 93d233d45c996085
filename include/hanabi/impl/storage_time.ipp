#pragma once

#include <hanabi/storage/time.hpp>

#include <fmt/format.h>

#include <array>
#include <cstddef>

namespace hanabi::detail {

inline bool time_all_digits(std::string_view s) noexcept {
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

inline std::int64_t time_field_value(std::string_view digits) noexcept {
  std::int64_t v = 0;
  for (char c : digits) v = v * 10 + (c - '0');
  return v;
}

// A trailing field (MM or SS): exactly two digits, below 60.
inline bool valid_sexagesimal(std::string_view field) noexcept {
  return field.size() == 2 && time_all_digits(field) && time_field_value(field) < 60;
}

inline failure bad_time(std::string_view text, std::string_view why) {
  return failure{error::invalid_time, fmt::format("'{}' is not a time: {} (expected M:SS or H:MM:SS)", text, why)};
}

}  // namespace hanabi::detail

namespace hanabi::storage {

HANABI_DECL result<std::int64_t> parse_time(std::string_view text) {
  std::array<std::string_view, 3> fields{};
  std::size_t count = 0;
  std::string_view rest = text;
  while (true) {
    if (count == fields.size()) return detail::bad_time(text, "too many ':' separated fields");
    auto colon = rest.find(':');
    fields[count++] = rest.substr(0, colon);
    if (colon == std::string_view::npos) break;
    rest.remove_prefix(colon + 1);
  }
  if (count < 2) return detail::bad_time(text, "minutes and seconds are required");
  const std::string_view lead = fields[0];
  if (lead.empty() || lead.size() > 6 || !detail::time_all_digits(lead))
    return detail::bad_time(text, "the first field must be 1 to 6 digits");
  for (std::size_t i = 1; i < count; ++i)
    if (!detail::valid_sexagesimal(fields[i])) return detail::bad_time(text, "minutes and seconds need two digits below 60");
  std::int64_t seconds = detail::time_field_value(lead);
  for (std::size_t i = 1; i < count; ++i) seconds = seconds * 60 + detail::time_field_value(fields[i]);
  return seconds * 1000;
}

HANABI_DECL std::string format_time(std::int64_t ms) {
  const std::int64_t total = ms < 0 ? 0 : ms / 1000;
  const std::int64_t hours = total / 3600, minutes = total / 60 % 60, seconds = total % 60;
  if (hours == 0) return fmt::format("{}:{:02}", minutes, seconds);
  return fmt::format("{}:{:02}:{:02}", hours, minutes, seconds);
}

}  // namespace hanabi::storage
