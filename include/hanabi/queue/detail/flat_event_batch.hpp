// Queue events kept flat until the store's thread serializes them: the buffer a
// queue_recorder fills on the queue's strand and queue_journal writes in batches.
#pragma once

#include <hanabi/detail/config.hpp>
#include <hanabi/detail/prefetch.hpp>
#include <hanabi/queue/queue_event.hpp>
#include <hanabi/queue/queue_item.hpp>

#include <nlohmann/json.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace hanabi::detail {

/// The index of change T in queue_event::change_type.
template <class T, class Variant = queue_event::change_type>
struct change_index;
template <class T, class... Changes>
struct change_index<T, std::variant<Changes...>> {
  static constexpr std::size_t value = [] {
    std::size_t i = 0;
    (void)((std::is_same_v<T, Changes> || (++i, false)) || ...);
    return i;
  }();
};
template <class T>
inline constexpr std::size_t change_index_of = change_index<T>::value;

/// Queue events recorded and not yet written, flattened: one 16-byte record of scalars per event, the
/// events' positions (or orders) and items in shared arrays. Cleared, it keeps its capacity, so
/// adding to a batch at its working size allocates nothing.
///
/// Versions and generator states are not stored per event: within a batch the versions follow one
/// another and the generator state changes only on a shuffle, so a record stands for "the next
/// version, the same state". Where an event breaks that (the first of a batch, a shuffle, a version
/// that jumps), a mark record carrying the new version or state goes before it. Halving the record
/// halves the cache lines each event writes, which is most of what recording costs the queue.
///
/// Each add returns whether its event was the batch's first (the batch was empty): the recorder's
/// cue to arrange for the batch to be taken. The first event always takes the marked path (an empty
/// batch expects version 0, and events start at 1), so the common path tests nothing for it.
class flat_event_batch {
 public:
  /// Appends a copy of `change`, the change of event `version` (generator state `rng_state`). Inline
  /// and one overload per change, so that the queue, which knows the change it made, records a
  /// scalar one as one 16-byte record built in registers, with no dispatch on its type: this is the
  /// whole per-event cost of a journaled mutation. The lists go out of line (their items share their
  /// tracks with the queue's).
  ///
  /// The scalar changes never change the generator (only inserted and reordered do: enqueue's shuffle
  /// and random placement, shuffle), so their common path compares the version alone and takes the
  /// state as the one the record before it left; a first record and a version that jumps mark both.
  /// A change of unknown type (the variant overload, what apply() replays) compares both.
  bool add(std::uint64_t version, std::uint64_t rng_state, const queue_change::moved& c) {
    return push<keeps_rng>(version, rng_state, record<queue_change::moved>(narrow(c.from), narrow(c.count), narrow(c.to)));
  }
  bool add(std::uint64_t version, std::uint64_t rng_state, const queue_change::swapped& c) {
    return push<keeps_rng>(version, rng_state, record<queue_change::swapped>(narrow(c.a), narrow(c.b)));
  }
  bool add(std::uint64_t version, std::uint64_t rng_state, const queue_change::cleared& c) {
    return push<keeps_rng>(version, rng_state, record<queue_change::cleared>(0, 0, 0, c.upcoming_only));
  }
  bool add(std::uint64_t version, std::uint64_t rng_state, const queue_change::pointer_moved& c) {
    return push<keeps_rng>(version, rng_state, record<queue_change::pointer_moved>(narrow(c.current), 0, 0, c.active));
  }
  bool add(std::uint64_t version, std::uint64_t rng_state, const queue_change::repeat_changed& c) {
    return push<keeps_rng>(version, rng_state, record<queue_change::repeat_changed>(static_cast<std::uint32_t>(c.mode)));
  }
  HANABI_DECL bool add(std::uint64_t version, std::uint64_t rng_state, const queue_change::inserted& c);
  /// The items moved, not copied: for an event that dies after this (track_queue's own).
  HANABI_DECL bool add(std::uint64_t version, std::uint64_t rng_state, queue_change::inserted&& c);
  HANABI_DECL bool add(std::uint64_t version, std::uint64_t rng_state, const queue_change::removed& c);
  HANABI_DECL bool add(std::uint64_t version, std::uint64_t rng_state, const queue_change::reordered& c);
  /// A change whose type is known only at run time (a replayed or listened event).
  HANABI_DECL bool add(std::uint64_t version, std::uint64_t rng_state, const queue_event::change_type& change);
  bool add(const queue_event& e) { return add(e.version, e.rng_state, e.change); }

  /// Appends `other`'s events after this batch's, leaving `other` empty (with its capacity).
  HANABI_DECL void splice(flat_event_batch& other);
  /// Every event, rebuilt in order (the items are moved out); then the batch is empty.
  HANABI_DECL std::vector<queue_event> take();
  bool empty() const noexcept { return end_ == events_.get(); }
  /// The version of the newest event; only when not empty.
  std::uint64_t last_version() const noexcept { return next_.version - 1; }
  void clear() noexcept {
    end_ = events_.get();
    next_ = {};
    numbers_.clear();
    items_.clear();
    overrides_.clear();
  }
  void swap(flat_event_batch& other) noexcept {
    events_.swap(other.events_);
    std::swap(end_, other.end_);
    std::swap(limit_, other.limit_);
    std::swap(next_, other.next_);
    numbers_.swap(other.numbers_);
    items_.swap(other.items_);
    overrides_.swap(other.overrides_);
  }

 private:
  // 16 bytes, four to a cache line. Positions fit 32 bits (a queue addresses its items with 32-bit
  // slots).
  struct flat_event {
    // moved{from, count, to}, swapped{a, b}, pointer_moved{current}, the repeat mode; for inserted,
    // removed and reordered, scalars[0] is how many numbers (and, inserted, items) are the event's,
    // and scalars[1] the number itself when there is one (numbers_ holds the others); for a mark,
    // the 64-bit value it sets, low half first.
    std::uint32_t scalars[3] = {};
    std::uint8_t type = 0;  // the change's index in queue_event::change_type, or a mark
    bool flag = false;      // reordered::by_shuffle, cleared::upcoming_only, pointer_moved::active
  };
  static_assert(sizeof(flat_event) == 16);

  // Records that are not events: each sets, for the events after it, the version of the next one
  // or the generator state.
  static constexpr std::uint8_t version_mark = 0xfe;
  static constexpr std::uint8_t rng_mark = 0xff;

  // What a record with no mark before it stands for; reading a batch starts from the same {0, 0}.
  struct event_state {
    std::uint64_t version = 0;  // of the next event
    std::uint64_t rng_state = 0;
  };

  // An item without its JSON overrides (filters, user data): they are rare, and copying even a null JSON
  // value costs more than the rest of the item, so they go to overrides_ only when set. 64 bytes.
  struct flat_item {
    static constexpr std::uint32_t none = 0xffffffff;
    // A constructor, not aggregate initialization, so that emplace_back builds it in the buffer
    // (Clang 14 has no parenthesized aggregate initialization).
    template <class Track>  // the item's track, copied or moved from
    flat_item(Track&& t, const queue_item& item, std::uint32_t with_overrides) noexcept
        : track(std::forward<Track>(t)),
          requester(item.requester),
          start_time(item.start_time),
          end_time(item.end_time),
          added_at(item.added_at),
          id(item.id),
          overrides(with_overrides),
          volume(item.volume.value_or(0)),
          has_volume(item.volume.has_value()) {}
    std::shared_ptr<const queued_track> track;
    user_id requester;
    std::int64_t start_time = 0;
    std::int64_t end_time = 0;
    std::int64_t added_at = 0;
    std::uint64_t id = 0;
    std::uint32_t overrides = none;  // index of its {filters, user data} in overrides_, or none
    std::uint16_t volume = 0;
    bool has_volume = false;
  };

  static std::uint32_t narrow(std::size_t n) noexcept { return static_cast<std::uint32_t>(n); }

  // Whether a change can move the generator (push's common path then compares its state too).
  enum rng_use : bool { keeps_rng = false, may_change_rng = true };

  template <class Change>
  static flat_event record(std::uint32_t a, std::uint32_t b = 0, std::uint32_t c = 0, bool flag = false) noexcept {
    return {{a, b, c}, static_cast<std::uint8_t>(change_index_of<Change>), flag};
  }
  template <class Change>
  static flat_event record(const std::array<std::uint32_t, 3>& scalars, bool flag = false) noexcept {
    return record<Change>(scalars[0], scalars[1], scalars[2], flag);
  }

  // Appends `e`, the record of event `version`; true if it is the batch's first. Always inlined: GCC
  // left it out of line in track_queue::play_at (every skip), where the call and its arguments
  // passed through memory cost a skip ~23 instructions more than the record itself.
  // Each path appends on its own and returns its own answer, so that the common one returns a
  // constant the caller's test folds away.
  template <rng_use Rng = may_change_rng>
  [[gnu::always_inline]] bool push(std::uint64_t version, std::uint64_t rng_state, flat_event e) {
    if (version != next_.version || (Rng == may_change_rng && rng_state != next_.rng_state)) [[unlikely]] {
      const bool first = mark_for(version, rng_state);
      append(e);
      return first;
    }
    append(e);
    return false;
  }
  [[gnu::always_inline]] void append(flat_event e) {
    if (end_ == limit_) [[unlikely]]
      grow();
    *end_++ = e;
    prefetch_for_write(end_ + prefetch_records);
    ++next_.version;
  }
  /// The marks that make the next record stand for event `version` with generator state
  /// `rng_state`; for a batch's first record, also claims the buffer's first lines for writing.
  /// True if the batch was empty.
  HANABI_DECL bool mark_for(std::uint64_t version, std::uint64_t rng_state);

  // The buffer's lines were last read by the store's thread (it serialized the batch they held), so
  // the first write to each must first take it back from that core; one such write holds back every
  // store the queue makes after it (a move shifts hundreds of bytes), which cost a journaled move
  // about 20% more CPU than a bare one. Claiming each line this far ahead (four lines, a few
  // mutations) lets the transfer overlap the queue's own work; mark_for claims the first four when
  // a batch starts.
  static constexpr std::size_t prefetch_records = 256 / sizeof(flat_event);
  // The same for the items inserts copy (64 bytes: a line each), ahead of the end, within the
  // capacity (the vector keeps it from batch to batch).
  static constexpr std::size_t items_ahead = 4;
  [[gnu::always_inline]] void prefetch_items() noexcept {
    if (items_.capacity() - items_.size() > items_ahead) prefetch_for_write(std::to_address(items_.end()) + items_ahead);
  }
  /// The marks that make the next record stand for event `version` with generator state `rng_state`.
  HANABI_DECL void mark(std::uint64_t version, std::uint64_t rng_state);
  HANABI_DECL void push_mark(std::uint8_t type, std::uint64_t value);
  /// Doubles the events' capacity (at least 64). The array has prefetch_records more records than
  /// its capacity, so that a prefetch ahead of the last record is within it.
  HANABI_DECL void grow();
  /// The scalars of a list change: {1, the number} for one number (most events carry one position),
  /// else {how many} with the numbers appended to numbers_ (out of line).
  std::array<std::uint32_t, 3> list_scalars(const std::vector<std::size_t>& numbers) {
    if (numbers.size() == 1) [[likely]]
      return {1, narrow(numbers.front()), 0};
    return append_numbers(numbers);
  }
  HANABI_DECL std::array<std::uint32_t, 3> append_numbers(const std::vector<std::size_t>& numbers);
  /// Appends the flat copy of `item` (a queue_item, copied or moved from), built where it goes: an
  /// insert's whole cost beyond its record. Its overrides, when set, go to overrides_ (out of line).
  /// `item` is forwarded twice, safely: append_overrides takes only its filters and user data, the
  /// new flat_item only its track (and copies the scalars).
  template <class Item>
  [[gnu::always_inline]] void append_item(Item&& item) {
    std::uint32_t overrides = flat_item::none;
    if (!item.filters.is_null() || !item.user_data.is_null()) [[unlikely]]
      overrides = append_overrides(std::forward<Item>(item));
    items_.emplace_back(std::forward<Item>(item).track, item, overrides);
  }
  HANABI_DECL std::uint32_t append_overrides(const queue_item& item);
  HANABI_DECL std::uint32_t append_overrides(queue_item&& item);
  HANABI_DECL queue_item rebuild(flat_item& f);
  /// The event `f` (state `at`), its numbers from numbers_[numbers] and items from items_[items] on;
  /// both advance past what it takes.
  HANABI_DECL queue_event rebuild(const flat_event& f, const event_state& at, std::size_t& numbers, std::size_t& items);

  // The events: a plain array rather than a std::vector, whose push_back GCC does not always inline,
  // appended to through a cursor (a record is a compare, a store and an increment).
  std::unique_ptr<flat_event[]> events_;
  flat_event* end_ = nullptr;    // past the last record, marks included
  flat_event* limit_ = nullptr;  // past the last record the capacity holds
  std::size_t size() const noexcept { return static_cast<std::size_t>(end_ - events_.get()); }
  std::size_t capacity() const noexcept { return static_cast<std::size_t>(limit_ - events_.get()); }
  event_state next_;  // what the next record stands for, with no mark before it
  std::vector<std::uint32_t> numbers_;
  std::vector<flat_item> items_;
  std::vector<std::pair<nlohmann::json, nlohmann::json>> overrides_;
};

}  // namespace hanabi::detail

#ifdef HANABI_HEADER_ONLY
#  include <hanabi/impl/queue_flat_event_batch.ipp>
#endif
