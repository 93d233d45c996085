// The read loop's fast path for the node's most frequent message, playerUpdate, in the exact shape
// Lavalink writes it (kotlinx.serialization, compact, class discriminator first, fields in
// declaration order):
//
//   {"op":"playerUpdate","guildId":"<digits>","state":{"time":N,"position":N,"connected":B,"ping":N}}
//
// Why: the on-demand decoder spends most of a playerUpdate's cost on simdjson's stage 1 and a
// field walk that accepts any key order and whitespace; a message in the server's own shape needs
// neither. The scanner accepts that shape and nothing else: any other order, an extra or missing
// key, whitespace, an escape, a number with a sign, fraction, exponent or leading zero it cannot
// read exactly, or anything after the closing brace answers "not mine" (nullopt), and the caller
// hands the message to protocol::decoder as before. Whatever it accepts, the decoder decodes to
// the same value (tests/unit/protocol/player_update_scanner.cpp, and fuzz/model_decode.cpp on every
// input), so the two paths cannot disagree: the scanner only decides who does the work.
//
// Reads only [text.data(), text.data() + text.size()); needs no padding. No allocation, no throw.
#pragma once

#include <hanabi/protocol/events.hpp>

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

namespace hanabi::detail {

/// A forward-only reader over one message, for player_update_scanner's fixed shape.
class fixed_shape_cursor {
 public:
  explicit fixed_shape_cursor(std::string_view text) noexcept : p_(text.data()), end_(text.data() + text.size()) {}

  /// Consumes `s` (a literal, without its terminator) if the text continues with exactly it.
  template <std::size_t N>
  bool literal(const char (&s)[N]) noexcept {
    constexpr std::size_t n = N - 1;
    if (static_cast<std::size_t>(end_ - p_) < n || !same_bytes<n>(p_, s)) return false;
    p_ += n;
    return true;
  }

  /// A JSON integer that surely fits an int64: an optional minus, then `0` or 1 to 18 digits
  /// without a leading zero (at most 999,999,999,999,999,999). `-0` and longer numbers are left to
  /// the decoder. Stops before the first non-digit, which the next literal() then checks.
  bool int64(std::int64_t& out) noexcept {
    const bool negative = p_ != end_ && *p_ == '-';
    if (negative) ++p_;
    std::uint64_t value = 0;
    const char* first = p_;
    if (!digits(value, 18)) return false;
    if (*first == '0' && (negative || p_ - first > 1)) return false;
    out = negative ? -static_cast<std::int64_t>(value) : static_cast<std::int64_t>(value);
    return true;
  }

  /// A snowflake's digits inside its quotes: 1 to 19 digits, which always fit 64 bits (leading
  /// zeros allowed, as snowflake::parse allows them). Twenty digits are left to the decoder.
  bool snowflake_digits(std::uint64_t& out) noexcept { return digits(out, 19); }

  /// `true` or `false`.
  bool boolean(bool& out) noexcept {
    if (literal("true")) return out = true, true;
    if (literal("false")) return out = false, true;
    return false;
  }

  bool at_end() const noexcept { return p_ == end_; }

 private:
  // 1..max_digits decimal digits, not followed by another digit. While eight bytes are left, they
  // are read as one word (SWAR, as simdjson and fast_float do): the digits before the first
  // non-digit byte are converted together, so a number costs one or two steps instead of a step per
  // digit. The last bytes of the text go one by one. Past max_digits the value may wrap, but it is
  // then refused.
  bool digits(std::uint64_t& out, std::size_t max_digits) noexcept {
    const auto available = static_cast<std::size_t>(end_ - p_);
    std::size_t n = 0;
    std::uint64_t value = 0;
    bool ended = false;  // a non-digit byte was seen
    while (little_endian && !ended && available - n >= 8 && n <= max_digits) {
      const std::uint64_t word = word_at(p_ + n);
      const std::uint64_t non_digits = non_digit_bytes(word);
      const auto count = non_digits ? static_cast<std::size_t>(std::countr_zero(non_digits)) / 8 : 8;
      ended = count < 8;
      if (count > 0) value = value * powers_of_ten[count] + eight_digits_value(word << (64 - 8 * count));
      n += count;
    }
    for (; !ended && n < available && n <= max_digits && is_digit(p_[n]); ++n)
      value = value * 10 + static_cast<unsigned char>(p_[n] - '0');
    if (n == 0 || n > max_digits) return false;
    p_ += n;
    out = value;
    return true;
  }
  // Eight bytes at a time, the last eight overlapping: GCC calls memcmp for the longer literals.
  template <std::size_t n>
  static bool same_bytes(const char* a, const char* b) noexcept {
    if constexpr (n < 8) {
      return std::memcmp(a, b, n) == 0;
    } else {
      std::uint64_t diff = word_at(a + n - 8) ^ word_at(b + n - 8);
      for (std::size_t i = 0; i + 8 < n; i += 8) diff |= word_at(a + i) ^ word_at(b + i);
      return diff == 0;
    }
  }
  static std::uint64_t word_at(const char* p) noexcept {
    std::uint64_t word = 0;
    std::memcpy(&word, p, 8);
    return word;
  }

  static constexpr bool little_endian = std::endian::native == std::endian::little;
  static constexpr std::uint64_t powers_of_ten[9] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};
  static bool is_digit(char c) noexcept { return static_cast<unsigned char>(c - '0') < 10; }

  // The high bit of every byte of `word` that is not an ASCII digit, exact up to and including the
  // first such byte (above it, a carry may set or clear bits: only the lowest one is used). A digit,
  // xor '0', is 0..9, and adding 0x76 leaves it below 0x80; any other byte ends up at 0x80 or above.
  static std::uint64_t non_digit_bytes(std::uint64_t word) noexcept {
    const std::uint64_t t = word ^ 0x3030303030303030;
    return ((t + 0x7676767676767676) | t) & 0x8080808080808080;
  }
  // The number of the 8 ASCII digits of `word` (loaded little-endian: the first digit in the lowest
  // byte; zero bytes count as leading zeros): pairs, then quads, then all eight.
  static std::uint64_t eight_digits_value(std::uint64_t word) noexcept {
    word = (word & 0x0F0F0F0F0F0F0F0F) * 2561 >> 8;
    word = (word & 0x00FF00FF00FF00FF) * 6553601 >> 16;
    return (word & 0x0000FFFF0000FFFF) * 42949672960001 >> 32;
  }

  const char* p_;
  const char* end_;
};

/// The playerUpdate in `text` when it is exactly in the server's shape (see the top of this file);
/// nullopt otherwise, in which case protocol::decoder must decode it.
inline std::optional<protocol::player_update> scan_player_update(std::string_view text) noexcept {
  fixed_shape_cursor in(text);
  std::uint64_t guild = 0;
  protocol::player_state state;
  const bool matched = in.literal(R"({"op":"playerUpdate","guildId":")") && in.snowflake_digits(guild) &&
                       in.literal(R"(","state":{"time":)") && in.int64(state.time) &&
                       in.literal(R"(,"position":)") && in.int64(state.position) &&
                       in.literal(R"(,"connected":)") && in.boolean(state.connected) &&
                       in.literal(R"(,"ping":)") && in.int64(state.ping) && in.literal("}}") && in.at_end();
  if (!matched) return std::nullopt;
  return protocol::player_update{guild_id{guild}, state};
}

}  // namespace hanabi::detail
