// Java's "modified UTF-8" (DataOutput.writeUTF), the string encoding inside
// lavaplayer track blobs, converted to and from the standard UTF-8 that every
// other hanabi string holds. It differs from UTF-8 in two ways:
//   - U+0000 is written as the two bytes C0 80 (so a raw 00 byte never appears);
//   - a character above U+FFFF is written as its UTF-16 surrogate pair, each
//     surrogate as a 3-byte sequence (CESU-8), never as a 4-byte sequence.
//
// The reader accepts exactly what writeUTF produces, and nothing else. Java's
// readUTF is looser (overlong forms, raw 00, unpaired surrogates), but nothing
// in Lavalink writes those, an unpaired surrogate has no UTF-8 form at all, and
// accepting only the canonical form means that decoding then re-encoding a
// string always gives back the same bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace hanabi::detail {

inline bool is_utf8_continuation(unsigned char b) noexcept { return (b & 0xC0) == 0x80; }

inline void append_utf8_3(std::string& out, std::uint32_t cp) {
  out += static_cast<char>(0xE0 | cp >> 12);
  out += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
  out += static_cast<char>(0x80 | (cp & 0x3F));
}

/// Decodes one 3-byte sequence at s[i] (the caller checked the lead byte is
/// E0..EF); returns the code unit, or 0 when it is malformed or overlong.
inline std::uint32_t read_utf8_3(std::string_view s, std::size_t i) noexcept {
  if (s.size() - i < 3) return 0;
  const auto b1 = static_cast<unsigned char>(s[i + 1]), b2 = static_cast<unsigned char>(s[i + 2]);
  if (!is_utf8_continuation(b1) || !is_utf8_continuation(b2)) return 0;
  const std::uint32_t cp =
      (static_cast<unsigned char>(s[i]) & 0x0Fu) << 12 | (b1 & 0x3Fu) << 6 | (b2 & 0x3Fu);
  return cp >= 0x800 ? cp : 0;
}

inline bool is_high_surrogate(std::uint32_t u) noexcept { return u >= 0xD800 && u <= 0xDBFF; }
inline bool is_low_surrogate(std::uint32_t u) noexcept { return u >= 0xDC00 && u <= 0xDFFF; }

/// True when every byte of `s` is in 01..7F: text that reads the same in UTF-8
/// and modified UTF-8. Checks 8 bytes at a time, since most track strings are ASCII.
inline bool is_plain_ascii(std::string_view s) noexcept {
  constexpr std::uint64_t ones = 0x0101010101010101, highs = 0x8080808080808080;
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    // A high bit set, or a zero byte (whose subtraction borrows into its high bit).
    if (((w | (w - ones)) & highs) != 0) return false;
  }
  for (; i < s.size(); ++i)
    if (static_cast<unsigned char>(s[i]) - 1u >= 0x7Fu) return false;
  return true;
}

/// Appends the UTF-8 form of the modified UTF-8 bytes `in` to `out`.
/// Returns false when `in` is not exactly what Java's writeUTF would produce.
inline bool append_utf8_from_modified(std::string_view in, std::string& out) {
  if (is_plain_ascii(in)) {
    out.append(in);
    return true;
  }
  std::size_t i = 0;
  while (i < in.size()) {
    // ASCII runs are the common case: copy them in one go.
    std::size_t run = i;
    while (run < in.size() && static_cast<unsigned char>(in[run]) - 1u < 0x7Fu) ++run;
    out.append(in.data() + i, run - i);
    i = run;
    if (i == in.size()) break;

    const auto lead = static_cast<unsigned char>(in[i]);
    if (lead >= 0xC0 && lead <= 0xDF) {
      if (in.size() - i < 2 || !is_utf8_continuation(static_cast<unsigned char>(in[i + 1]))) return false;
      const std::uint32_t cp = (lead & 0x1Fu) << 6 | (static_cast<unsigned char>(in[i + 1]) & 0x3Fu);
      if (cp == 0) {
        out += '\0';
      } else if (cp >= 0x80) {
        out.append(in.data() + i, 2);
      } else {
        return false;  // overlong
      }
      i += 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      const std::uint32_t unit = read_utf8_3(in, i);
      if (unit == 0 || is_low_surrogate(unit)) return false;
      if (!is_high_surrogate(unit)) {
        out.append(in.data() + i, 3);
        i += 3;
        continue;
      }
      const std::uint32_t low = in.size() - i >= 6 && static_cast<unsigned char>(in[i + 3]) >= 0xE0 &&
                                        static_cast<unsigned char>(in[i + 3]) <= 0xEF
                                    ? read_utf8_3(in, i + 3)
                                    : 0;
      if (!is_low_surrogate(low)) return false;
      const std::uint32_t cp = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
      out += static_cast<char>(0xF0 | cp >> 18);
      out += static_cast<char>(0x80 | (cp >> 12 & 0x3F));
      out += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
      i += 6;
    } else {
      return false;  // raw 00, a stray continuation byte, or a 4-byte lead F0..FF
    }
  }
  return true;
}

/// Appends the modified UTF-8 form of the UTF-8 string `in` to `out`.
/// Returns false when `in` is not valid UTF-8 (overlong forms, encoded
/// surrogates, code points above U+10FFFF, truncated sequences).
inline bool append_modified_from_utf8(std::string_view in, std::string& out) {
  if (is_plain_ascii(in)) {
    out.append(in);
    return true;
  }
  std::size_t i = 0;
  while (i < in.size()) {
    std::size_t run = i;
    while (run < in.size() && static_cast<unsigned char>(in[run]) - 1u < 0x7Fu) ++run;
    out.append(in.data() + i, run - i);
    i = run;
    if (i == in.size()) break;

    const auto lead = static_cast<unsigned char>(in[i]);
    if (lead == 0) {
      out += "\xC0\x80";
      i += 1;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
      if (in.size() - i < 2 || !is_utf8_continuation(static_cast<unsigned char>(in[i + 1]))) return false;
      out.append(in.data() + i, 2);
      i += 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      const std::uint32_t cp = read_utf8_3(in, i);
      if (cp == 0 || is_high_surrogate(cp) || is_low_surrogate(cp)) return false;
      out.append(in.data() + i, 3);
      i += 3;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      if (in.size() - i < 4) return false;
      const auto b1 = static_cast<unsigned char>(in[i + 1]), b2 = static_cast<unsigned char>(in[i + 2]),
                 b3 = static_cast<unsigned char>(in[i + 3]);
      if (!is_utf8_continuation(b1) || !is_utf8_continuation(b2) || !is_utf8_continuation(b3)) return false;
      const std::uint32_t cp = (lead & 0x07u) << 18 | (b1 & 0x3Fu) << 12 | (b2 & 0x3Fu) << 6 | (b3 & 0x3Fu);
      if (cp < 0x10000 || cp > 0x10FFFF) return false;
      append_utf8_3(out, 0xD800 + ((cp - 0x10000) >> 10));
      append_utf8_3(out, 0xDC00 + ((cp - 0x10000) & 0x3FF));
      i += 4;
    } else {
      return false;  // stray continuation byte, overlong C0/C1 lead, or F5..FF
    }
  }
  return true;
}

}  // namespace hanabi::detail
