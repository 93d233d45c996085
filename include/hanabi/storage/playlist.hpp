// Playlists as the store keeps them: named, owned lists of entries that can be
// replayed later. An entry remembers where its audio comes from (a URL or a
// search query), a title unique within its playlist, an optional segment
// (start and end in milliseconds), and the encoded Lavalink track once it is
// known, so replaying it needs no REST round trip.
//
// The checks here are pure functions: both stores run them before writing, so
// a bad playlist is rejected with the same typed error whichever store is used.
#pragma once

#include <hanabi/detail/config.hpp>
#include <hanabi/diagnostics.hpp>
#include <hanabi/ids.hpp>
#include <hanabi/protocol/track.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hanabi::storage {

/// Who may see (and enqueue) a playlist. Only its owner may ever change it.
enum class visibility : std::uint8_t {
  private_ = 0,  ///< The owner only (the database default, as in the seed bots).
  public_ = 1,   ///< Anyone may view and enqueue it; it is listed under its owner.
  global = 2,    ///< Public and featured: listed to everyone.
};

/// "private", "public" or "global".
HANABI_DECL std::string_view to_string(visibility v) noexcept;
/// The inverse of to_string; anything else is error::invalid_value.
HANABI_DECL result<visibility> visibility_from_string(std::string_view s);

/// The store's primary key of a playlist.
using playlist_id = std::int64_t;

/// Limits, in Unicode code points (names) or entries. The seed bots allowed 256-character names.
struct playlist_limits {
  static constexpr std::size_t max_name = 256;
  static constexpr std::size_t max_description = 2000;
  static constexpr std::size_t max_title = 256;
  static constexpr std::size_t max_source = 2048;
  static constexpr std::size_t max_entries = 10000;
};

/// One entry of a playlist. Its order is its index in the playlist's `entries`.
struct playlist_entry {
  std::string source;                   ///< A URL, or a search query ("ytsearch:...").
  std::string title;                    ///< Unique within the playlist.
  std::optional<std::int64_t> start_ms; ///< Start offset; none = the track's beginning.
  std::optional<std::int64_t> end_ms;   ///< End offset; none = the track's end.
  std::optional<std::string> encoded;   ///< The cached Lavalink track, when known.

  /// An entry from user text: `start`/`end` are `M:SS`/`H:MM:SS`, empty for none.
  /// Unparsable times are error::invalid_time.
  HANABI_DECL static result<playlist_entry> from_text(std::string source, std::string title,
                                                       std::string_view start, std::string_view end);

  friend bool operator==(const playlist_entry&, const playlist_entry&) = default;
};

/// What a playlist is made of before the store assigns it an id and an owner.
struct playlist_draft {
  std::string name;
  std::string description;
  storage::visibility visibility = storage::visibility::private_;
  std::vector<playlist_entry> entries;

  friend bool operator==(const playlist_draft&, const playlist_draft&) = default;
};

/// A stored playlist with its entries, in order.
struct playlist {
  playlist_id id = 0;
  user_id owner;
  std::string name;
  std::string description;
  storage::visibility visibility = storage::visibility::private_;
  std::vector<playlist_entry> entries;

  friend bool operator==(const playlist&, const playlist&) = default;
};

/// A stored playlist without its entries, for listings.
struct playlist_summary {
  playlist_id id = 0;
  user_id owner;
  std::string name;
  std::string description;
  storage::visibility visibility = storage::visibility::private_;
  std::size_t entry_count = 0;

  friend bool operator==(const playlist_summary&, const playlist_summary&) = default;
};

/// error::invalid_name unless `name` holds 1 to `limit` code points; `what` names it in the message.
HANABI_DECL result<void> check_name(std::string_view what, std::string_view name, std::size_t limit);
/// error::invalid_name if the description is longer than playlist_limits::max_description.
HANABI_DECL result<void> check_description(std::string_view description);
/// Checks one entry: non-empty title and source within their limits (invalid_name), non-negative
/// times with start before end (invalid_time).
HANABI_DECL result<void> check_entry(const playlist_entry& entry);
/// Checks every entry, their count, and that titles are unique (error::duplicate_name).
HANABI_DECL result<void> check_entries(const std::vector<playlist_entry>& entries);
/// Checks the name, the description and every entry.
HANABI_DECL result<void> check_draft(const playlist_draft& draft);

/// A playlist's portable JSON form (no id, no owner): `{"format":"hanabi.playlist","version":1,
/// "name","description","visibility","entries":[{"source","title","start_ms"?,"end_ms"?,"encoded"?}]}`.
HANABI_DECL nlohmann::json export_playlist(const playlist& p);
/// Reads what export_playlist wrote. A wrong shape is a decode error (missing_field, unexpected_type,
/// invalid_value); the content is then checked like any draft (check_draft). Never throws.
HANABI_DECL result<playlist_draft> import_playlist(const nlohmann::json& j);

/// A draft made of loaded tracks (a Lavalink playlist or search result). Each entry's source is the
/// track's URI (its identifier when it has none), its encoded track is cached, and its title is the
/// track's title, shortened to the limit and suffixed " (2)", " (3)"... to keep titles unique.
HANABI_DECL playlist_draft draft_from_tracks(std::string name, const std::vector<protocol::track>& tracks);

}  // namespace hanabi::storage

#ifdef HANABI_HEADER_ONLY
#  include <hanabi/impl/storage_playlist.ipp>
#endif
