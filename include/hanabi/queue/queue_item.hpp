// What the queue holds: an item is a track plus who asked for it and how it
// should play (start and end positions, volume and filters overrides, user
// data), and when it was added.
//
// Memory matters here (a busy bot keeps hundreds of thousands of queued
// items), so the track is kept as a `queued_track`: the encoded blob, which
// already holds every info field, plus only the fields that views and dequeue
// rules read. Tracks are immutable and shared: copying an item, or a whole
// queue for a snapshot or an undo, never copies track text.
#pragma once

#include <hanabi/detail/config.hpp>
#include <hanabi/diagnostics.hpp>
#include <hanabi/ids.hpp>
#include <hanabi/protocol/track.hpp>

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace hanabi {

/// The fields of a track that queued_track keeps, viewed, not owned: what queued_track::make copies.
struct queued_track_fields {
  std::string_view encoded;
  std::string_view identifier;
  std::string_view title;
  std::string_view author;
  std::string_view source_name;
  std::int64_t length = 0;
  bool is_stream = false;
  bool is_seekable = false;
  const nlohmann::json* plugin_info = nullptr;  ///< Null, or an object (kept only when not empty).
};

/// An immutable track as the queue stores it. Build one with `make`; share it freely between threads
/// (it never changes after construction).
class queued_track {
  struct private_tag {};

 public:
  /// Keeps `t.encoded` and the fields listed below; `t.user_data` belongs to the item, not the track.
  HANABI_DECL static std::shared_ptr<const queued_track> make(const protocol::track& t);
  /// The same from the fields alone: a track read from a snapshot or an event is built straight
  /// from its JSON strings, with no protocol::track (and its string copies) in between.
  HANABI_DECL static std::shared_ptr<const queued_track> make(const queued_track_fields& f);

  /// The base64 blob Lavalink plays (send it as `track.encoded`).
  std::string_view encoded() const noexcept { return field(0); }
  std::string_view identifier() const noexcept { return field(1); }
  std::string_view title() const noexcept { return field(2); }
  std::string_view author() const noexcept { return field(3); }
  std::string_view source_name() const noexcept { return field(4); }
  /// Milliseconds; protocol::unknown_length for streams.
  std::int64_t length() const noexcept { return length_; }
  bool is_stream() const noexcept { return is_stream_; }
  bool is_seekable() const noexcept { return is_seekable_; }
  /// Opaque plugin fields; an empty object when the track had none.
  HANABI_DECL const nlohmann::json& plugin_info() const noexcept;

  HANABI_DECL friend bool operator==(const queued_track& a, const queued_track& b) noexcept;

  // Public for std::make_shared only; use make().
  HANABI_DECL queued_track(private_tag, const queued_track_fields& f);

 private:
  std::string_view field(std::size_t i) const noexcept {
    const std::uint32_t begin = i == 0 ? 0 : ends_[i - 1];
    return {text_.get() + begin, ends_[i] - begin};
  }

  std::unique_ptr<char[]> text_;          // encoded, identifier, title, author, source_name back to back
  std::array<std::uint32_t, 5> ends_{};   // where each field of text_ ends
  bool is_stream_ = false;
  bool is_seekable_ = false;
  std::int64_t length_ = 0;
  std::unique_ptr<const nlohmann::json> plugin_info_;  // null when the plugin info is empty
};

/// One entry of the queue.
struct queue_item {
  std::shared_ptr<const queued_track> track;  ///< Never null in an item the queue holds.
  user_id requester;                          ///< Who asked for it (0 = nobody, e.g. autoplay).
  std::int64_t start_time = 0;                ///< Where to start, in ms (Lavalink's `position` when starting).
  std::int64_t end_time = 0;                  ///< Where to stop, in ms, sent as `endTime`; 0 = play to the end.
  std::optional<std::uint16_t> volume;        ///< Volume override 0..1000 while this item plays.
  nlohmann::json filters;                     ///< Filters override (Lavalink Filters object); null = none.
  nlohmann::json user_data;                   ///< Sent as `track.userData`; null = none.
  std::int64_t added_at = 0;                  ///< When it was added, epoch ms, as given by the caller.
  std::uint64_t id = 0;                       ///< Assigned by the queue on insertion; unique within a queue.

  /// Milliseconds this item plays (end or length, minus start), or nullopt for a stream.
  HANABI_DECL std::optional<std::int64_t> play_duration() const noexcept;

  HANABI_DECL friend bool operator==(const queue_item& a, const queue_item& b) noexcept;
};

/// An item for `t`, requested by `requester` at `added_at` (epoch ms). `t.user_data`, if not empty,
/// becomes the item's user data.
HANABI_DECL queue_item make_queue_item(const protocol::track& t, user_id requester, std::int64_t added_at);

/// The item's full protocol::track, for a view or a request that needs every info field. The info is
/// decoded from the blob (uri, artwork and isrc are kept only there); `is_seekable`, the plugin info and
/// the item's user data (an empty object when none) are added. Errors: those of
/// protocol::decode_track_info.
HANABI_DECL result<protocol::track> to_track(const queue_item& item);

/// The item's JSON form (used by snapshots and change events). Every field round-trips exactly.
HANABI_DECL nlohmann::json to_json_value(const queue_item& item);
/// Reads what to_json_value wrote; a wrong or missing field is a typed error, never an exception.
HANABI_DECL result<queue_item> queue_item_from_json(const nlohmann::json& j);

}  // namespace hanabi

#ifdef HANABI_HEADER_ONLY
#  include <hanabi/impl/queue_item.ipp>
#endif
