// Tracks as Lavalink v4 describes them (PROTOCOL.md §10.1).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>

namespace hanabi::protocol {

/// `info.length` of streams and tracks of unknown length: Java's Long.MAX_VALUE.
inline constexpr std::int64_t unknown_length = std::numeric_limits<std::int64_t>::max();

/// A track's metadata. Every field except `is_seekable` is also stored in the encoded blob.
struct track_info {
  std::string identifier;                  ///< Source-specific id; the URL for the http source.
  bool is_seekable = false;                ///< Not in the blob; usually !is_stream.
  std::string author;
  std::int64_t length = 0;                 ///< Milliseconds; unknown_length for streams.
  bool is_stream = false;
  std::int64_t position = 0;               ///< Live position of a playing track, else the start position.
  std::string title;
  std::optional<std::string> uri;
  std::string source_name;                 ///< e.g. "youtube", "http", "spotify".
  std::optional<std::string> artwork_url;  ///< Format version >= 3 only.
  std::optional<std::string> isrc;         ///< Format version >= 3 only.

  friend bool operator==(const track_info&, const track_info&) = default;
};

/// A playable track: the base64 blob Lavalink needs, plus what it decodes to.
struct track {
  std::string encoded;  ///< Standard base64 with padding.
  track_info info;
  nlohmann::json plugin_info = nlohmann::json::object();  ///< Opaque plugin fields; {} if none.
  nlohmann::json user_data = nlohmann::json::object();    ///< Set by the client; not part of the blob.

  friend bool operator==(const track&, const track&) = default;
};

}  // namespace hanabi::protocol
