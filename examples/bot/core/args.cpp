#include "args.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>
#include <optional>

namespace bot {
namespace {

// Large enough for any real input, small enough that no arithmetic below overflows.
constexpr std::uint64_t max_number = 1'000'000'000;

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Plain decimal digits only (no sign, no spaces), at most max_number.
std::optional<std::uint64_t> to_number(std::string_view s) {
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size() || v > max_number) return std::nullopt;
  return v;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Seconds of "83", "1:23" or "1:02:03".
std::optional<std::uint64_t> to_seconds(std::string_view s) {
  std::vector<std::uint64_t> parts;
  for (;;) {
    auto colon = s.find(':');
    auto n = to_number(s.substr(0, colon));
    if (!n) return std::nullopt;
    parts.push_back(*n);
    if (colon == std::string_view::npos) break;
    s.remove_prefix(colon + 1);
  }
  if (parts.size() > 3) return std::nullopt;
  for (std::size_t i = 1; i < parts.size(); ++i)
    if (parts[i] >= 60) return std::nullopt;
  std::uint64_t total = 0;
  for (auto p : parts) total = total * 60 + p;
  return total;
}

hanabi::failure out_of_range(std::size_t position, std::size_t size) {
  if (size == 0) return fail(errc::position_out_of_range, fmt::format("position {} is out of range: the queue is empty", position));
  return fail(errc::position_out_of_range,
              fmt::format("position {} is out of range: the queue has positions 1 to {}", position, size));
}

hanabi::failure malformed_positions(std::string_view text) {
  return fail(errc::malformed_position,
              fmt::format("`{}` is not a list of positions: use 3, 1,4,7 or 2-5", text));
}

// "N" or "A-B" into `out`, each checked against 1..size.
hanabi::result<void> add_positions(std::string_view item, std::size_t size, std::vector<std::size_t>& out,
                                   std::string_view whole) {
  auto dash = item.find('-');
  auto first = to_number(item.substr(0, dash));
  auto last = dash == std::string_view::npos ? first : to_number(item.substr(dash + 1));
  if (!first || !last || *last < *first) return malformed_positions(whole);
  if (*first == 0) return out_of_range(0, size);
  if (*last > size) return out_of_range(*first > size ? *first : *last, size);
  for (auto p = *first; p <= *last; ++p) out.push_back(static_cast<std::size_t>(p));
  return {};
}

}  // namespace

hanabi::result<seek_target> parse_seek(std::string_view text) {
  auto t = trim(text);
  seek_target target;
  std::int64_t sign = 1;
  if (!t.empty() && (t.front() == '+' || t.front() == '-')) {
    target.relative = true;
    sign = t.front() == '-' ? -1 : 1;
    t.remove_prefix(1);
  }
  auto seconds = to_seconds(t);
  if (!seconds)
    return fail(errc::malformed_time, fmt::format("`{}` is not a time: use 1:23, 1:02:03, 83, +30 or -10", trim(text)));
  target.ms = sign * static_cast<std::int64_t>(*seconds) * 1000;
  return target;
}

hanabi::result<std::int64_t> resolve_seek(const seek_target& target, std::int64_t position_ms, std::int64_t length_ms) {
  if (length_ms == hanabi::protocol::unknown_length)
    return fail(errc::time_out_of_range, "this track is a stream: it cannot seek");
  if (target.relative) return std::clamp<std::int64_t>(position_ms + target.ms, 0, length_ms);
  if (target.ms > length_ms)
    return fail(errc::time_out_of_range, fmt::format("{} is past the end of the track: seek between 0:00 and {}",
                                                      format_time(target.ms), format_time(length_ms)));
  return target.ms;
}

std::string format_time(std::int64_t ms) {
  const bool negative = ms < 0;
  const std::uint64_t s = static_cast<std::uint64_t>(negative ? -(ms / 1000) : ms / 1000);
  const char* sign = negative ? "-" : "";
  if (s >= 3600) return fmt::format("{}{}:{:02}:{:02}", sign, s / 3600, s / 60 % 60, s % 60);
  return fmt::format("{}{}:{:02}", sign, s / 60, s % 60);
}

hanabi::result<std::size_t> parse_position(std::string_view text, std::size_t size) {
  auto t = trim(text);
  auto n = to_number(t);
  if (!n) return fail(errc::malformed_position, fmt::format("`{}` is not a queue position", t));
  if (*n == 0 || *n > size) return out_of_range(static_cast<std::size_t>(*n), size);
  return static_cast<std::size_t>(*n);
}

hanabi::result<std::vector<std::size_t>> parse_positions(std::string_view text, std::size_t size) {
  const auto whole = trim(text);
  std::vector<std::size_t> out;
  std::string_view rest = whole;
  while (!rest.empty()) {
    auto end = rest.find_first_of(", \t");
    auto item = trim(rest.substr(0, end));
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
    if (item.empty()) continue;
    // "2 - 5" is one range written with spaces: join it back.
    if (item.back() == '-' || (!rest.empty() && trim(rest).starts_with('-'))) return malformed_positions(whole);
    if (auto r = add_positions(item, size, out, whole); !r) return r.error();
  }
  if (out.empty()) return malformed_positions(whole);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

hanabi::result<volume_setting> parse_volume(std::string_view text) {
  auto t = trim(text);
  volume_setting s;
  if (!t.empty() && (t.front() == '+' || t.front() == '-')) {
    s.how = t.front() == '+' ? volume_setting::kind::raise : volume_setting::kind::lower;
    t.remove_prefix(1);
  }
  if (t.ends_with('%')) t.remove_suffix(1);
  auto n = to_number(t);
  if (!n) return fail(errc::malformed_volume, fmt::format("`{}` is not a volume: use 50, +10 or -10", trim(text)));
  if (*n > max_volume)
    return fail(errc::volume_out_of_range, fmt::format("{} is too much: the volume goes from 0 to {}", *n, max_volume));
  s.amount = static_cast<int>(*n);
  return s;
}

hanabi::result<int> apply_volume(const volume_setting& setting, int current) {
  int v = setting.amount;
  if (setting.how == volume_setting::kind::raise) v = current + setting.amount;
  if (setting.how == volume_setting::kind::lower) v = current - setting.amount;
  if (v < 0 || v > max_volume)
    return fail(errc::volume_out_of_range,
                fmt::format("the volume would be {}: it must stay between 0 and {}", v, max_volume));
  return v;
}

hanabi::result<hanabi::repeat_mode> parse_repeat_mode(std::string_view text) {
  auto t = lower(trim(text));
  if (t == "off" || t == "none") return hanabi::repeat_mode::off;
  if (t == "one") return hanabi::repeat_mode::one;
  if (t == "all") return hanabi::repeat_mode::all;
  return fail(errc::unknown_choice, fmt::format("`{}` is not a repeat mode: use off, one or all", trim(text)));
}

hanabi::result<hanabi::enqueue_mode> parse_enqueue_mode(std::string_view text) {
  auto t = lower(trim(text));
  if (t == "fifo") return hanabi::enqueue_mode::fifo;
  if (t == "next") return hanabi::enqueue_mode::next;
  if (t == "random") return hanabi::enqueue_mode::random;
  if (t == "interlace") return hanabi::enqueue_mode::interlace;
  return fail(errc::unknown_choice,
              fmt::format("`{}` is not an enqueue mode: use fifo, next, random or interlace", trim(text)));
}

hanabi::result<bool> parse_flag(std::string_view text) {
  auto t = lower(trim(text));
  if (t == "yes" || t == "true" || t == "on") return true;
  if (t == "no" || t == "false" || t == "off") return false;
  return fail(errc::unknown_choice, fmt::format("`{}` is not yes or no", trim(text)));
}

hanabi::result<std::size_t> parse_page(std::string_view text, std::size_t pages) {
  auto t = trim(text);
  auto n = to_number(t);
  if (!n || *n == 0 || *n > pages)
    return fail(errc::page_out_of_range, pages == 1 ? fmt::format("`{}` is not a page: there is only page 1", t)
                                                    : fmt::format("`{}` is not a page: use 1 to {}", t, pages));
  return static_cast<std::size_t>(*n);
}

std::size_t page_count(std::size_t items, std::size_t page_size) noexcept {
  if (page_size == 0 || items == 0) return 1;
  return (items + page_size - 1) / page_size;
}

hanabi::result<std::uint64_t> parse_snowflake(std::string_view text) {
  auto t = trim(text);
  std::string_view digits = t;
  if (t.starts_with('<') && t.ends_with('>')) {
    const auto inner = t.substr(1, t.size() - 2);
    digits = {};  // a bracket without a mention prefix is not an id
    for (std::string_view prefix : {"@!", "@&", "@", "#"}) {
      if (inner.starts_with(prefix)) {
        digits = inner.substr(prefix.size());
        break;
      }
    }
  }
  std::uint64_t v = 0;
  bool ok = !digits.empty();
  if (ok) {
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    ok = ec == std::errc{} && end == digits.data() + digits.size();
  }
  if (!ok || v == 0) return fail(errc::malformed_snowflake, fmt::format("`{}` is not a Discord id or mention", t));
  return v;
}

}  // namespace bot
