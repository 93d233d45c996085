// The lavaplayer message format (PROTOCOL.md §10.2), read and written.
#pragma once

#include <hanabi/detail/base64.hpp>
#include <hanabi/detail/modified_utf8.hpp>
#include <hanabi/protocol/track_codec.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace hanabi::detail {

/// Header layout: the top 2 bits are flags, the low 30 bits the message size.
inline constexpr std::uint32_t track_size_mask = 0x3FFF'FFFF;
/// Flag bit 0: a version byte follows the header.
inline constexpr std::uint8_t track_flag_versioned = 1;
/// Java's DataOutput.writeUTF prefixes each string with an unsigned 16-bit byte count.
inline constexpr std::size_t max_utf_bytes = 0xFFFF;

/// The first `n` bytes of `bytes` as a big-endian unsigned integer (n <= 8).
inline std::uint64_t read_be(std::string_view bytes, std::size_t n) noexcept {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v = v << 8 | static_cast<unsigned char>(bytes[i]);
  return v;
}

/// Appends the low `n` bytes of `v`, big-endian.
inline void append_be(std::string& out, std::uint64_t v, std::size_t n) {
  for (std::size_t i = n; i-- > 0;) out += static_cast<char>(v >> (8 * i) & 0xFF);
}

/// Reads the fields of one message, in order, from the bytes before its position.
/// Each read names its field so that a failure says where the blob went wrong.
class track_field_reader {
 public:
  explicit track_field_reader(std::string_view fields) noexcept : rest_(fields) {}

  /// The bytes not read yet: the source manager's data once every field is read.
  std::string_view rest() const noexcept { return rest_; }
  /// Why the last read failed.
  failure take_failure() noexcept { return std::move(failure_); }

  bool read_u8(std::uint8_t& v, const char* field) {
    std::string_view b;
    if (!take(1, b, field)) return false;
    v = static_cast<unsigned char>(b[0]);
    return true;
  }

  bool read_bool(bool& v, const char* field) {
    std::uint8_t b = 0;
    if (!read_u8(b, field)) return false;
    if (b > 1) return fail(error::invalid_track_field, "The ", field, " byte is neither 0 nor 1.");
    v = b == 1;
    return true;
  }

  bool read_i64(std::int64_t& v, const char* field) {
    std::string_view b;
    if (!take(8, b, field)) return false;
    v = static_cast<std::int64_t>(read_be(b, 8));
    return true;
  }

  bool read_utf(std::string& v, const char* field) {
    std::string_view len, text;
    if (!take(2, len, field)) return false;
    const std::size_t n = static_cast<std::size_t>(static_cast<unsigned char>(len[0])) << 8 |
                          static_cast<unsigned char>(len[1]);
    if (!take(n, text, field)) return false;
    v.clear();
    v.reserve(n);
    if (!append_utf8_from_modified(text, v))
      return fail(error::invalid_modified_utf8, "The ", field, " is not valid modified UTF-8.");
    return true;
  }

  bool read_nullable_utf(std::optional<std::string>& v, const char* field) {
    bool present = false;
    if (!read_bool(present, field)) return false;
    if (!present) {
      v.reset();
      return true;
    }
    return read_utf(v.emplace(), field);
  }

 private:
  bool take(std::size_t n, std::string_view& out, const char* field) {
    if (rest_.size() < n)
      return fail(error::truncated_track, "The track message ends inside the ", field, ".");
    out = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return true;
  }

  // Out of line and cold: building the message must not weigh on the reads that succeed.
  [[gnu::cold, gnu::noinline]] bool fail(error e, const char* before, const char* field, const char* after) {
    failure_ = failure{e, std::string(before) + field + after};
    return false;
  }

  std::string_view rest_;
  failure failure_;
};

/// Decodes one binary message (the base64 already removed).
inline result<protocol::decoded_track> decode_track_message(std::string_view bytes) {
  if (bytes.size() < 4) return failure{error::truncated_track, "The track blob is shorter than its header."};
  const auto header = static_cast<std::uint32_t>(read_be(bytes, 4));
  const std::size_t size = header & track_size_mask;
  if (bytes.size() - 4 < size)
    return failure{error::truncated_track, "The track blob is shorter than the message size in its header."};
  if (size < 8) return failure{error::truncated_track, "The track message is too short to hold a position."};
  // Trailing bytes past the declared size are ignored, as lavaplayer does.
  const std::string_view message = bytes.substr(4, size);

  protocol::decoded_track t;
  t.flags = static_cast<std::uint8_t>(header >> 30);
  track_field_reader in(message.substr(0, size - 8));
  if (t.flags & track_flag_versioned) {
    if (!in.read_u8(t.version, "version")) return in.take_failure();
    if (t.version < 1 || t.version > protocol::latest_track_version)
      return failure{error::unsupported_track_version,
                     "The track message has format version " + std::to_string(t.version) + "."};
  } else {
    t.version = 1;
  }
  protocol::track_info& info = t.info;
  const bool ok = in.read_utf(info.title, "title") && in.read_utf(info.author, "author") &&
                  in.read_i64(info.length, "length") && in.read_utf(info.identifier, "identifier") &&
                  in.read_bool(info.is_stream, "isStream") &&
                  (t.version < 2 || in.read_nullable_utf(info.uri, "uri")) &&
                  (t.version < 3 || in.read_nullable_utf(info.artwork_url, "artworkUrl")) &&
                  (t.version < 3 || in.read_nullable_utf(info.isrc, "isrc")) &&
                  in.read_utf(info.source_name, "sourceName");
  if (!ok) return in.take_failure();
  info.is_seekable = !info.is_stream;
  t.source_data = in.rest();
  info.position = static_cast<std::int64_t>(read_be(message.substr(size - 8), 8));
  return t;
}

/// Writes the fields of one message; the first failure stops the writing.
class track_message_writer {
 public:
  track_message_writer() { out_.reserve(256); }

  bool write_u8(std::uint8_t v) {
    out_ += static_cast<char>(v);
    return true;
  }
  bool write_bool(bool v) { return write_u8(v ? 1 : 0); }
  bool write_i64(std::int64_t v) {
    append_be(out_, static_cast<std::uint64_t>(v), 8);
    return true;
  }
  bool write_bytes(std::string_view b) {
    out_.append(b);
    return true;
  }

  bool write_utf(std::string_view v, const char* field) {
    const std::size_t length_at = out_.size();
    out_.append(2, '\0');
    if (!append_modified_from_utf8(v, out_))
      return fail(error::invalid_argument, "The ", field, " is not valid UTF-8.");
    const std::size_t n = out_.size() - length_at - 2;
    if (n > max_utf_bytes)
      return fail(error::string_too_long, "The ", field,
                  " is longer than the 65535 bytes of modified UTF-8 a track blob holds.");
    out_[length_at] = static_cast<char>(n >> 8);
    out_[length_at + 1] = static_cast<char>(n & 0xFF);
    return true;
  }

  bool write_nullable_utf(const std::optional<std::string>& v, const char* field) {
    write_bool(v.has_value());
    return !v || write_utf(*v, field);
  }

  /// Everything written so far.
  std::string& bytes() noexcept { return out_; }
  failure take_failure() noexcept { return std::move(failure_); }

 private:
  [[gnu::cold, gnu::noinline]] bool fail(error e, const char* before, const char* field, const char* after) {
    failure_ = failure{e, std::string(before) + field + after};
    return false;
  }

  std::string out_;
  failure failure_;
};

/// How a message is framed: everything of a decoded_track but its info.
struct track_framing {
  std::uint8_t version;
  std::uint8_t flags;
  std::string_view source_data;
};

/// Why `info` cannot be written with `f`, if it cannot.
inline std::optional<failure> check_encodable(const protocol::track_info& info, const track_framing& f) {
  auto bad = [](const char* message) { return failure{error::invalid_argument, message}; };
  if (f.flags > 3) return bad("Track flags are 2 bits: 0 to 3.");
  if (f.version < 1 || f.version > protocol::latest_track_version)
    return bad("The track format version must be 1, 2 or 3.");
  if (!(f.flags & track_flag_versioned) && f.version != 1)
    return bad("A track message without a version byte (flag bit 0 clear) is version 1.");
  if (f.version < 2 && info.uri) return bad("Track format version 1 cannot hold a uri.");
  if (f.version < 3 && (info.artwork_url || info.isrc))
    return bad("Track format versions 1 and 2 cannot hold an artworkUrl or isrc.");
  return std::nullopt;
}

/// Writes one binary message (before base64).
inline result<std::string> encode_track_message(const protocol::track_info& info, const track_framing& f) {
  if (auto why = check_encodable(info, f)) return std::move(*why);
  track_message_writer out;
  out.write_bytes(std::string_view("\0\0\0\0", 4));  // the header, written once the size is known
  if (f.flags & track_flag_versioned) out.write_u8(f.version);
  const bool ok = out.write_utf(info.title, "title") && out.write_utf(info.author, "author") &&
                  out.write_i64(info.length) && out.write_utf(info.identifier, "identifier") &&
                  out.write_bool(info.is_stream) &&
                  (f.version < 2 || out.write_nullable_utf(info.uri, "uri")) &&
                  (f.version < 3 || out.write_nullable_utf(info.artwork_url, "artworkUrl")) &&
                  (f.version < 3 || out.write_nullable_utf(info.isrc, "isrc")) &&
                  out.write_utf(info.source_name, "sourceName") && out.write_bytes(f.source_data) &&
                  out.write_i64(info.position);
  if (!ok) return out.take_failure();
  std::string& bytes = out.bytes();
  const std::size_t size = bytes.size() - 4;
  if (size > track_size_mask)
    return failure{error::string_too_long,
                   "The track message is larger than the 30-bit size a header holds."};
  const std::uint32_t header = std::uint32_t{f.flags} << 30 | static_cast<std::uint32_t>(size);
  for (std::size_t i = 0; i < 4; ++i) bytes[i] = static_cast<char>(header >> (24 - 8 * i) & 0xFF);
  return std::move(bytes);
}

}  // namespace hanabi::detail

namespace hanabi::protocol {

HANABI_DECL result<decoded_track> decode_track(std::string_view encoded) {
  std::string bytes;
  if (!detail::base64_decode(encoded, bytes))
    return failure{error::invalid_base64, "The encoded track is not standard base64."};
  return detail::decode_track_message(bytes);
}

HANABI_DECL result<track_info> decode_track_info(std::string_view encoded) {
  auto decoded = decode_track(encoded);
  if (!decoded) return decoded.error();
  return std::move(decoded->info);
}

HANABI_DECL result<std::string> encode_track(const decoded_track& track) {
  auto bytes = detail::encode_track_message(track.info, {track.version, track.flags, track.source_data});
  if (!bytes) return bytes.error();
  return detail::base64_encode(*bytes);
}

HANABI_DECL result<std::string> encode_track(const track_info& info, std::string_view source_data) {
  auto bytes =
      detail::encode_track_message(info, {latest_track_version, detail::track_flag_versioned, source_data});
  if (!bytes) return bytes.error();
  return detail::base64_encode(*bytes);
}

}  // namespace hanabi::protocol
