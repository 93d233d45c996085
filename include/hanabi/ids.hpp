// Strong types for Discord snowflakes. They are 64-bit integers in C++ and
// decimal strings on the wire (Lavalink and Discord both send them as strings),
// so a guild id can never be passed where a channel id is expected.
#pragma once

#include <hanabi/diagnostics.hpp>

#include <fmt/format.h>

#include <charconv>
#include <compare>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>

namespace hanabi {

template <class Tag>
class snowflake {
 public:
  constexpr snowflake() noexcept = default;
  constexpr explicit snowflake(std::uint64_t v) noexcept : value_(v) {}

  constexpr std::uint64_t value() const noexcept { return value_; }
  /// 0 is never a valid Discord id; a default-constructed id is "none".
  constexpr explicit operator bool() const noexcept { return value_ != 0; }

  std::string str() const { return std::to_string(value_); }

  /// Parses the decimal wire form. Anything else (empty, sign, spaces, overflow) is an error.
  static result<snowflake> parse(std::string_view s) noexcept {
    std::uint64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc{} || end != s.data() + s.size())
      return failure{error::invalid_snowflake};
    return snowflake{v};
  }

  friend constexpr auto operator<=>(snowflake, snowflake) noexcept = default;
  friend std::ostream& operator<<(std::ostream& os, snowflake s) { return os << s.value_; }

 private:
  std::uint64_t value_ = 0;
};

struct guild_tag {};
struct user_tag {};
struct channel_tag {};
struct message_tag {};

using guild_id = snowflake<guild_tag>;      ///< A Discord guild (server).
using user_id = snowflake<user_tag>;        ///< A Discord user, bots included.
using channel_id = snowflake<channel_tag>;  ///< A Discord channel (voice or text).
using message_id = snowflake<message_tag>;  ///< A Discord message.

}  // namespace hanabi

template <class Tag>
struct std::hash<hanabi::snowflake<Tag>> {
  std::size_t operator()(hanabi::snowflake<Tag> s) const noexcept { return std::hash<std::uint64_t>{}(s.value()); }
};

template <class Tag>
struct fmt::formatter<hanabi::snowflake<Tag>> : fmt::formatter<std::uint64_t> {
  auto format(hanabi::snowflake<Tag> s, fmt::format_context& ctx) const {
    return fmt::formatter<std::uint64_t>::format(s.value(), ctx);
  }
};
