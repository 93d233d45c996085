// Standard base64 (RFC 4648 §4, alphabet A-Z a-z 0-9 + /, '=' padding), as
// Java's Base64.getEncoder()/getDecoder() write and read it. Lavalink puts every
// track in this form, and a node answers with thousands of them per search, so
// both directions are table-driven and work on whole 3-byte/4-char groups.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace hanabi::detail {

inline constexpr std::string_view base64_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Marks a byte that is not in the alphabet in base64_values.
inline constexpr std::uint8_t base64_invalid = 0xFF;

/// The 6-bit value of each alphabet character, base64_invalid for every other byte.
inline constexpr std::array<std::uint8_t, 256> base64_values = [] {
  std::array<std::uint8_t, 256> values{};
  values.fill(base64_invalid);
  for (std::size_t i = 0; i < base64_alphabet.size(); ++i)
    values[static_cast<unsigned char>(base64_alphabet[i])] = static_cast<std::uint8_t>(i);
  return values;
}();

/// The base64 text of `bytes`, padded with '=' to a multiple of 4 characters.
inline std::string base64_encode(std::string_view bytes) {
  std::string out((bytes.size() + 2) / 3 * 4, '=');
  const auto* in = reinterpret_cast<const unsigned char*>(bytes.data());
  const std::size_t whole = bytes.size() / 3 * 3;
  char* o = out.data();
  for (std::size_t i = 0; i < whole; i += 3, o += 4) {
    const std::uint32_t group = std::uint32_t{in[i]} << 16 | std::uint32_t{in[i + 1]} << 8 | in[i + 2];
    o[0] = base64_alphabet[group >> 18];
    o[1] = base64_alphabet[group >> 12 & 0x3F];
    o[2] = base64_alphabet[group >> 6 & 0x3F];
    o[3] = base64_alphabet[group & 0x3F];
  }
  const std::size_t rest = bytes.size() - whole;
  if (rest != 0) {
    std::uint32_t group = std::uint32_t{in[whole]} << 16;
    if (rest == 2) group |= std::uint32_t{in[whole + 1]} << 8;
    o[0] = base64_alphabet[group >> 18];
    o[1] = base64_alphabet[group >> 12 & 0x3F];
    if (rest == 2) o[2] = base64_alphabet[group >> 6 & 0x3F];
  }
  return out;
}

/// Decodes `text` into `out` (replacing its contents). Accepts what Java's basic
/// decoder accepts, so that every blob Lavalink takes is taken here too:
/// padding is optional, but when present it must complete the last group and
/// end the text; bits left over in a final partial group are ignored. Rejects
/// any other character (whitespace included) and a final group of one
/// character. Returns false on rejection; `out` is then unspecified.
inline bool base64_decode(std::string_view text, std::string& out) {
  if (text.size() >= 2 && text.back() == '=') {
    // "xx==" or "xxx=": padding must complete a group of four.
    const std::size_t pad = text[text.size() - 2] == '=' ? 2 : 1;
    if (text.size() % 4 != 0) return false;
    text.remove_suffix(pad);
  }
  const std::size_t rest = text.size() % 4;
  if (rest == 1) return false;
  out.resize(text.size() / 4 * 3 + (rest == 0 ? 0 : rest - 1));

  const auto* in = reinterpret_cast<const unsigned char*>(text.data());
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  const std::size_t whole = text.size() - rest;
  for (std::size_t i = 0; i < whole; i += 4, o += 3) {
    const std::uint32_t a = base64_values[in[i]], b = base64_values[in[i + 1]];
    const std::uint32_t c = base64_values[in[i + 2]], d = base64_values[in[i + 3]];
    if ((a | b | c | d) == base64_invalid) return false;  // any invalid value sets all 8 bits
    const std::uint32_t group = a << 18 | b << 12 | c << 6 | d;
    o[0] = static_cast<unsigned char>(group >> 16);
    o[1] = static_cast<unsigned char>(group >> 8);
    o[2] = static_cast<unsigned char>(group);
  }
  if (rest != 0) {
    std::uint32_t group = 0;
    for (std::size_t i = 0; i < rest; ++i) {
      const std::uint32_t v = base64_values[in[whole + i]];
      if (v == base64_invalid) return false;
      group |= v << (18 - 6 * i);
    }
    o[0] = static_cast<unsigned char>(group >> 16);
    if (rest == 3) o[1] = static_cast<unsigned char>(group >> 8);
  }
  return true;
}

}  // namespace hanabi::detail
