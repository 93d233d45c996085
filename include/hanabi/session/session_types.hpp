// The values that cross the Session interface: the arguments of each command,
// what each command answers, the views of a session (now playing, a queue page,
// a state snapshot, the action history) and the events a session publishes.
//
// They are plain values with no pointers into a queue or a player, because a
// RemoteSession carries every one of them over the parent/child control link
// (session/json.hpp gives their JSON form). Positions are 1-based, as users see
// them; times are milliseconds.
#pragma once

#include <hanabi/ids.hpp>
#include <hanabi/protocol/events.hpp>
#include <hanabi/protocol/filters.hpp>
#include <hanabi/protocol/track.hpp>
#include <hanabi/queue/queue_event.hpp>
#include <hanabi/queue/track_queue.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_set>
#include <variant>
#include <vector>

namespace hanabi {

/// Where a session plays: one voice channel of one guild. Sessions are keyed by the voice
/// channel (one bot holds at most one voice connection per guild, so several sessions in one
/// guild live on different bots).
struct session_address {
  guild_id guild{};
  channel_id voice{};
  friend auto operator<=>(const session_address&, const session_address&) = default;
};

/// Whether a session outlives inactivity.
enum class session_lifetime : std::uint8_t {
  transient,   ///< Reaped after the inactivity timeout (the default).
  persistent,  ///< Never reaped for inactivity; ends only when asked or when voice is lost.
};

// --- Command arguments. `by` is the user acting: it goes into the action history, and for
// --- play/enqueue it is the requester of the new items.

struct connect_args {
  user_id by{};
};

struct disconnect_args {
  user_id by{};
};

/// Plays a URL or a search: a text that is not a URL (and has no `xxsearch:` prefix) is searched
/// with the session's search prefix. A single track or the first search result is added; a
/// Lavalink playlist adds all of its tracks. An idle session starts playing the first new item.
struct play_args {
  std::string query{};
  user_id by{};
  /// 1-based queue position the first new item takes (1..size+1); none = the end.
  std::optional<std::size_t> position{};
  /// Right after the current item (ignored when `position` is given).
  bool next = false;
  /// Where the new items start and stop, in ms (0 = from the start / to the end).
  std::int64_t start_time = 0;
  std::int64_t end_time = 0;
};

/// One item to enqueue: a track already loaded (e.g. a playlist entry's cached encoded track,
/// decoded client-side), or a source (URL or search) the session resolves to its first track.
struct enqueue_entry {
  std::optional<protocol::track> track{};
  std::string source{};  ///< Used when `track` is empty; also how a failure is reported.
  std::int64_t start_time = 0;
  std::int64_t end_time = 0;
};

/// Adds many items at once (a stored playlist, a loaded Lavalink playlist) in a mode.
struct enqueue_args {
  std::vector<enqueue_entry> entries{};
  user_id by{};
  enqueue_options options{};  ///< mode, shuffle, reverse; `caller` defaults to `by`.
};

/// What play and enqueue did.
struct enqueue_outcome {
  std::vector<std::size_t> positions{};  ///< Final positions of the added items, ascending.
  std::vector<std::string> failed;     ///< Sources that resolved to nothing (or failed to load).
  std::string playlist_name{};           ///< When the query was a Lavalink playlist.
  std::string first_title{};             ///< Title of the first added item.
  bool started = false;                ///< The session was idle and started playing.
};

/// Skips by ±N, to a position, or back one.
struct skip_args {
  enum class kind : std::uint8_t { by, to, back };
  kind how = kind::by;
  std::int64_t value = 1;  ///< N for `by` (≠ 0), the 1-based position for `to`; unused for `back`.
  user_id by{};
};

/// Seeks to a position, or by a delta (negative rewinds), in ms. Clamped to the track.
struct seek_args {
  std::int64_t value = 0;
  bool relative = false;
  user_id by{};
};

struct pause_args {
  bool paused = true;
  user_id by{};
};

/// Sets the volume (0..1000) or changes it by a delta. The result is remembered as `by`'s
/// volume, applied when their items start.
struct volume_args {
  int value = 100;
  bool relative = false;
  user_id by{};
};

struct repeat_args {
  repeat_mode mode = repeat_mode::off;
  user_id by{};
};

/// Shuffle or unshuffle the upcoming items.
struct shuffle_args {
  bool undo = false;  ///< true = unshuffle.
  user_id by{};
};

/// Rules a dequeue removes by. The current item is never removed by a rule; positions may name
/// it only through `allow_current`.
namespace dequeue_rule {
struct positions {
  std::vector<std::size_t> list{};  ///< Any order, repeats allowed; all checked before anything is removed.
  bool allow_current = false;
};
struct range {
  std::size_t first = 0, last = 0;  ///< Inclusive.
};
struct requester {
  user_id user{};
};
/// Items of requesters not in `present` (the users in the voice channel).
struct absent {
  std::unordered_set<user_id> present{};
};
struct duplicates {};
struct source {
  std::string name{};  ///< e.g. "youtube".
};
}  // namespace dequeue_rule

struct dequeue_args {
  std::variant<dequeue_rule::positions, dequeue_rule::range, dequeue_rule::requester, dequeue_rule::absent,
               dequeue_rule::duplicates, dequeue_rule::source>
      rule{};
  dequeue_scope scope = dequeue_scope::upcoming;
  user_id by{};
};

struct move_args {
  std::size_t from = 0, to = 0;
  user_id by{};
};

struct clear_args {
  bool upcoming_only = true;  ///< false clears history and the current item too (playback stops).
  user_id by{};
};

/// Replaces the filter set with `filters`, or with a named preset: "nightcore", "vaporwave",
/// "karaoke", "bassboost" (level 0.5), "flat" (flat equalizer), "clear" (no filters).
struct filter_args {
  std::variant<protocol::filters, std::string> set{};
  user_id by{};
};

struct stop_args {
  user_id by{};
};

struct page_args {
  std::size_t number = 1;  ///< 1-based; 0 = the page around the current item.
  std::size_t size = 10;
};

// --- Views.

/// A queue item as users see it.
struct item_view {
  std::size_t position = 0;
  std::uint64_t id = 0;
  std::string title{}, author{}, uri{}, artwork_url{}, identifier{}, source_name{};
  std::string encoded{};
  std::int64_t length = 0;  ///< ms; protocol::unknown_length for streams.
  bool is_stream = false;
  user_id requester{};
  std::int64_t start_time = 0, end_time = 0;
  std::int64_t added_at = 0;  ///< Epoch ms.
  friend bool operator==(const item_view&, const item_view&) = default;
};

/// The current item and where playback is in it.
struct now_playing {
  item_view item{};
  std::int64_t position = 0;  ///< ms, extrapolated.
  bool paused = false;
  int volume = 100;
  repeat_mode repeat = repeat_mode::off;
  friend bool operator==(const now_playing&, const now_playing&) = default;
};

/// A page of the queue.
struct queue_view {
  std::vector<item_view> items{};
  std::size_t page = 0, pages = 0;  ///< 1-based page number and page count (0 when empty).
  std::size_t current_position = 0;
  std::size_t total = 0;
  queue_durations durations{};
};

/// Everything about a session at one moment.
struct session_state {
  session_address address{};
  std::string bot;  ///< The bot holding it (its configured name).
  session_lifetime lifetime = session_lifetime::transient;
  bool connected = false;  ///< Voice is paired and Lavalink has the credentials.
  bool active = false;     ///< The queue's current item is playing (paused or not).
  bool paused = false;
  int volume = 100;
  repeat_mode repeat = repeat_mode::off;
  protocol::filters filters{};
  std::size_t current_position = 0;
  std::size_t queue_size = 0;
  std::optional<now_playing> current{};
  std::string node{};              ///< The Lavalink node its player lives on; empty while parked.
  std::int64_t created_at = 0;   ///< Epoch ms.
  std::int64_t last_active_at = 0;  ///< Epoch ms of the last playing moment (for reaping).
};

/// One line of the action history: who did what, and when.
struct action_record {
  std::int64_t at = 0;  ///< Epoch ms.
  user_id by{};
  std::string action{};  ///< "connect", "play", "skip", "volume"...
  std::string detail{};  ///< e.g. "to 5", "+10 -> 80".
  friend bool operator==(const action_record&, const action_record&) = default;
};

// --- Events.

/// Why a session ended.
enum class close_reason : std::uint8_t {
  requested,   ///< disconnect() (a command or a button).
  inactivity,  ///< Reaped after the inactivity timeout.
  kicked,      ///< The bot was disconnected from voice by someone else, or lost access.
  voice_lost,  ///< Voice could not be (re)established (close-code policy said destroy).
  child_lost,  ///< The child holding it died or went silent (reported by the parent's manager).
  shutdown,    ///< The process is shutting down.
};

namespace session_events {
struct track_started {
  item_view item{};
};
struct track_ended {
  item_view item{};
  protocol::track_end_reason reason = protocol::track_end_reason::finished;
};
/// Something users see changed (pause, volume, repeat, filters, the queue): the new state.
struct state_changed {
  session_state state{};
};
/// The player moved to another node (failover or drain); playback continued.
struct node_moved {
  std::string from{}, to{};
};
/// The bot was moved to another voice channel by someone; the session now lives there.
struct channel_moved {
  channel_id from{}, to{};
};
/// The session ended; it accepts no more commands (they fail with error::no_session).
struct closed {
  close_reason reason = close_reason::requested;
  std::string detail{};
};
}  // namespace session_events

using session_event =
    std::variant<session_events::track_started, session_events::track_ended, session_events::state_changed,
                 session_events::node_moved, session_events::channel_moved, session_events::closed>;

}  // namespace hanabi
