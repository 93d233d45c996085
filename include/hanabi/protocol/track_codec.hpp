// The lavaplayer track codec: Lavalink's `encoded` track strings read and
// written on the client side (PROTOCOL.md §10.2), so that a client can show a
// track's info without a /decodetrack round trip, and build a blob from known
// info without /loadtracks.
//
//     auto decoded = hanabi::protocol::decode_track(track.encoded);
//     if (decoded) fmt::print("{} by {}\n", decoded->info.title, decoded->info.author);
//
// Every function here is pure and thread-safe. Bad input gives a failure with
// an error of the 2xx "track blob" group, never an exception or a crash.
#pragma once

#include <hanabi/detail/config.hpp>
#include <hanabi/diagnostics.hpp>
#include <hanabi/protocol/track.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace hanabi::protocol {

/// The message format version lavaplayer writes today (and the newest it reads).
inline constexpr std::uint8_t latest_track_version = 3;

/// Everything a track blob holds, kept so that it can be written back byte for byte.
///
/// A blob is: a 4-byte header (2 flag bits, 30 bits of message size), a version
/// byte when flag bit 0 is set, the fields of `info` that the version has, the
/// source manager's own bytes, and the start position as the last 8 bytes.
struct decoded_track {
  /// The track's metadata. `is_seekable` is not stored in a blob: decoding sets it to `!is_stream`,
  /// which is what Lavalink reports for every built-in source except local files of unknown format.
  track_info info;
  /// Message format version, 1 to 3. Version 1 has no `uri`; versions 1 and 2 have no
  /// `artwork_url` and `isrc`.
  std::uint8_t version = latest_track_version;
  /// The header's 2 flag bits. Bit 0 says a version byte follows the header (without it the
  /// version is 1); lavaplayer always writes 1.
  std::uint8_t flags = 1;
  /// The source manager's bytes between `source_name` and the position, opaque to a client
  /// (empty for youtube and most built-in sources, a probe name for http, several fields for
  /// plugins such as LavaSrc). Lavalink needs them back unchanged to play the track.
  std::string source_data;

  friend bool operator==(const decoded_track&, const decoded_track&) = default;
};

/// Decodes a track blob: standard base64 (padding optional), then the binary message.
///
/// Accepts versions 1 to 3. Bytes after the declared message size are ignored, as lavaplayer
/// does. Strings must be exactly what Java's writeUTF produces and booleans 0 or 1, so a decoded
/// track always re-encodes to the same message bytes.
///
/// Errors: invalid_base64, truncated_track (the bytes end before a field, or the declared size
/// leaves no room for it), unsupported_track_version, invalid_modified_utf8, invalid_track_field.
HANABI_DECL result<decoded_track> decode_track(std::string_view encoded);

/// decode_track, keeping only the info.
HANABI_DECL result<track_info> decode_track_info(std::string_view encoded);

/// Writes `track` back as a base64 blob, with its version, flags and source bytes unchanged:
/// `encode_track(*decode_track(x))` is `x` for every blob Lavalink produces (and, for any
/// other accepted input, the canonical base64 of its message bytes).
///
/// Errors: string_too_long (a string above 65535 encoded bytes, or a message above the 30-bit
/// size), invalid_argument (a string that is not UTF-8, a field the version cannot hold such as
/// a uri in version 1, flags above 3, or a version outside 1 to 3 or other than 1 without flag bit 0).
HANABI_DECL result<std::string> encode_track(const decoded_track& track);

/// Writes a new blob the way lavaplayer does (flags 1, version 3) from `info` and the source
/// manager's bytes. `info.is_seekable` is not stored.
///
/// Errors: string_too_long, invalid_argument (a string that is not UTF-8).
HANABI_DECL result<std::string> encode_track(const track_info& info, std::string_view source_data = {});

}  // namespace hanabi::protocol

#ifdef HANABI_HEADER_ONLY
#  include <hanabi/impl/track_codec.ipp>
#endif
