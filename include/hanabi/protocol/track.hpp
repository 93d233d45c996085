// Tracks as Lavalink v4 describes them (PROTOCOL.md §10.1), and the result of
// loading them (GET /v4/loadtracks, §7.3).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <variant>
#include <vector>

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

/// The empty-object rule of the model's opaque JSON objects (`pluginInfo`, `userData`).
///
/// They are nearly always `{}` on the wire, and an empty `nlohmann::json` object still allocates its
/// map: two per track would be 20,000 allocations in a 10,000-track playlist. So the model holds an
/// empty one as null, which costs nothing:
/// - null and `{}` mean the same thing, "empty", and compare equal in the model's `==`;
/// - decoding `{}` (or an absent field) gives null;
/// - every encoder writes `{}` for either, so nothing changes on the wire or in stored JSON.
/// Writing into a null one works as into `{}`: `t.user_data["requester"] = "42"` makes it an object.
inline bool is_empty_object(const nlohmann::json& j) noexcept { return j.is_null() || (j.is_object() && j.empty()); }

/// `j` as it goes on the wire: `{}` for an empty (null) one, else `j` itself.
inline nlohmann::json object_or_empty(const nlohmann::json& j) {
  return j.is_null() ? nlohmann::json::object() : j;
}

/// Equality under the empty-object rule: null equals `{}`.
inline bool same_object(const nlohmann::json& a, const nlohmann::json& b) {
  return is_empty_object(a) ? is_empty_object(b) : a == b;
}

/// A playable track: the base64 blob Lavalink needs, plus what it decodes to.
struct track {
  std::string encoded;  ///< Standard base64 with padding.
  track_info info;
  nlohmann::json plugin_info;  ///< Opaque plugin fields; null = `{}` (see is_empty_object).
  nlohmann::json user_data;    ///< Set by the client, not part of the blob; null = `{}` (see is_empty_object).

  friend bool operator==(const track& a, const track& b) {
    return a.encoded == b.encoded && a.info == b.info && same_object(a.plugin_info, b.plugin_info) &&
           same_object(a.user_data, b.user_data);
  }
};

/// `PlaylistInfo` of a playlist load result.
struct playlist_info {
  std::string name;
  std::int32_t selected_track = -1;  ///< Index into the playlist's tracks; -1 if none is selected.

  friend bool operator==(const playlist_info&, const playlist_info&) = default;
};

/// How bad a track exception is, per lavaplayer (PROTOCOL.md §6.4).
enum class severity {
  common,      ///< An expected cause; nothing is wrong in the library (e.g. video unavailable).
  suspicious,  ///< Probably an outside factor, e.g. a service answered something unexpected.
  fault,       ///< A library bug or an unknown cause; the server's default.
};

/// Lavalink's `Exception` object: in TrackExceptionEvent and in a failed load.
struct exception {
  std::optional<std::string> message;  ///< Nullable on the wire.
  protocol::severity severity = protocol::severity::fault;
  std::string cause;                                ///< toString() of the cause.
  std::optional<std::string> cause_stack_trace;     ///< Since 4.1.0; absent from older servers.

  friend bool operator==(const exception&, const exception&) = default;
};

/// loadType "track": exactly one track.
struct track_loaded {
  protocol::track track;
  friend bool operator==(const track_loaded&, const track_loaded&) = default;
};

/// loadType "playlist": a playlist URL was resolved.
struct playlist_loaded {
  playlist_info info;
  nlohmann::json plugin_info;  ///< Opaque plugin fields; null = `{}` (see is_empty_object).
  std::vector<protocol::track> tracks;
  friend bool operator==(const playlist_loaded& a, const playlist_loaded& b) {
    return a.info == b.info && same_object(a.plugin_info, b.plugin_info) && a.tracks == b.tracks;
  }
};

/// loadType "search": the results of a search query, possibly none.
struct search_loaded {
  std::vector<protocol::track> tracks;
  friend bool operator==(const search_loaded&, const search_loaded&) = default;
};

/// loadType "empty": nothing matched. The server sends `data: null`; older docs showed `{}`.
struct nothing_loaded {
  friend bool operator==(const nothing_loaded&, const nothing_loaded&) = default;
};

/// loadType "error": the load failed. Note the HTTP status is still 200.
struct load_failed {
  protocol::exception exception;
  friend bool operator==(const load_failed&, const load_failed&) = default;
};

/// The body of GET /v4/loadtracks, one alternative per `loadType`.
using load_result = std::variant<track_loaded, playlist_loaded, search_loaded, nothing_loaded, load_failed>;

}  // namespace hanabi::protocol
