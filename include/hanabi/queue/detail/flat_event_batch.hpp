// Queue events kept flat until the store's thread serializes them: the buffer a
// queue_recorder fills on the queue's strand and queue_journal writes in batches.
#pragma once

#include <hanabi/detail/config.hpp>
#include <hanabi/queue/queue_event.hpp>
#include <hanabi/queue/queue_item.hpp>

#include <nlohmann/json.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
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

/// Queue events recorded and not yet written, flattened: one record of scalars per event, the
/// events' positions (or orders) and items in shared arrays. Cleared, it keeps its capacity, so
/// adding to a batch at its working size allocates nothing.
class flat_event_batch {
 public:
  /// Appends a copy of `change`, the change of event `version` (generator state `rng_state`). Inline
  /// and one overload per change, so that the queue, which knows the change it made, records a
  /// scalar one as one 32-byte record built in registers, with no dispatch on its type: this is the
  /// whole per-event cost of a journaled mutation. The lists go out of line (their items share their
  /// tracks with the queue's).
  void add(std::uint64_t version, std::uint64_t rng_state, const queue_change::moved& c) {
    push(version, rng_state, change_index_of<queue_change::moved>, {narrow(c.from), narrow(c.count), narrow(c.to)});
  }
  void add(std::uint64_t version, std::uint64_t rng_state, const queue_change::swapped& c) {
    push(version, rng_state, change_index_of<queue_change::swapped>, {narrow(c.a), narrow(c.b), 0});
  }
  void add(std::uint64_t version, std::uint64_t rng_state, const queue_change::cleared& c) {
    push(version, rng_state, change_index_of<queue_change::cleared>, {}, c.upcoming_only);
  }
  void add(std::uint64_t version, std::uint64_t rng_state, const queue_change::pointer_moved& c) {
    push(version, rng_state, change_index_of<queue_change::pointer_moved>, {narrow(c.current), 0, 0}, c.active);
  }
  void add(std::uint64_t version, std::uint64_t rng_state, const queue_change::repeat_changed& c) {
    push(version, rng_state, change_index_of<queue_change::repeat_changed>, {static_cast<std::uint32_t>(c.mode), 0, 0});
  }
  HANABI_DECL void add(std::uint64_t version, std::uint64_t rng_state, const queue_change::inserted& c);
  /// The items moved, not copied: for an event that dies after this (track_queue's own).
  HANABI_DECL void add(std::uint64_t version, std::uint64_t rng_state, queue_change::inserted&& c);
  HANABI_DECL void add(std::uint64_t version, std::uint64_t rng_state, const queue_change::removed& c);
  HANABI_DECL void add(std::uint64_t version, std::uint64_t rng_state, const queue_change::reordered& c);
  /// A change whose type is known only at run time (a replayed or listened event).
  HANABI_DECL void add(std::uint64_t version, std::uint64_t rng_state, const queue_event::change_type& change);
  void add(const queue_event& e) { add(e.version, e.rng_state, e.change); }

  /// Appends `other`'s events after this batch's, leaving `other` empty (with its capacity).
  HANABI_DECL void splice(flat_event_batch& other);
  /// Every event, rebuilt in order (the items are moved out); then the batch is empty.
  HANABI_DECL std::vector<queue_event> take();
  bool empty() const noexcept { return count_ == 0; }
  /// The version of the newest event; only when not empty.
  std::uint64_t last_version() const noexcept { return events_[count_ - 1].version; }
  void clear() noexcept {
    count_ = 0;
    numbers_.clear();
    items_.clear();
    overrides_.clear();
  }
  void swap(flat_event_batch& other) noexcept {
    events_.swap(other.events_);
    std::swap(count_, other.count_);
    std::swap(capacity_, other.capacity_);
    numbers_.swap(other.numbers_);
    items_.swap(other.items_);
    overrides_.swap(other.overrides_);
  }

 private:
  // 32 bytes: the caller writes into memory the store's thread read last, so every cache line
  // spared is a transfer between cores spared. Positions fit 32 bits (a queue addresses its items
  // with 32-bit slots).
  struct flat_event {
    std::uint64_t version = 0;
    std::uint64_t rng_state = 0;
    // moved{from, count, to}, swapped{a, b}, pointer_moved{current}, the repeat mode; for inserted,
    // removed and reordered, scalars[0] is how many numbers (and, inserted, items) are the event's,
    // and scalars[1] the number itself when there is one (numbers_ holds the others).
    std::uint32_t scalars[3] = {};
    std::uint8_t type = 0;  // the change's index in queue_event::change_type
    bool flag = false;      // reordered::by_shuffle, cleared::upcoming_only, pointer_moved::active
  };

  // An item without its JSON overrides (filters, user data): they are rare, and copying even a null JSON
  // value costs more than the rest of the item, so they go to overrides_ only when set.
  struct flat_item {
    std::shared_ptr<const queued_track> track;
    user_id requester;
    std::int64_t start_time = 0;
    std::int64_t end_time = 0;
    std::int64_t added_at = 0;
    std::uint64_t id = 0;
    std::optional<std::uint16_t> volume;
    std::optional<std::size_t> overrides;  // index of its {filters, user data} in overrides_
  };

  static std::uint32_t narrow(std::size_t n) noexcept { return static_cast<std::uint32_t>(n); }
  void push(std::uint64_t version, std::uint64_t rng_state, std::size_t type,
            const std::array<std::uint32_t, 3>& scalars, bool flag = false) {
    if (count_ == capacity_) [[unlikely]]
      grow();
    flat_event& f = events_[count_++];
    f = {version, rng_state, {scalars[0], scalars[1], scalars[2]}, static_cast<std::uint8_t>(type), flag};
  }
  /// Doubles the events' capacity (at least 64).
  HANABI_DECL void grow();
  /// The scalars of a list change: {1, the number} for one number (most events carry one position),
  /// else {how many} with the numbers appended to numbers_.
  HANABI_DECL std::array<std::uint32_t, 3> list_scalars(const std::vector<std::size_t>& numbers);
  HANABI_DECL flat_item flatten(const queue_item& item);
  HANABI_DECL flat_item flatten(queue_item&& item);
  HANABI_DECL queue_item rebuild(flat_item& f);
  /// The event `f`, its numbers from numbers_[numbers] and items from items_[items] on; both
  /// advance past what it takes.
  HANABI_DECL queue_event rebuild(const flat_event& f, std::size_t& numbers, std::size_t& items);

  // The events: a plain array rather than a std::vector, whose push_back GCC does not always inline,
  // and whose size is a subtraction and a shift away.
  std::unique_ptr<flat_event[]> events_;
  std::size_t count_ = 0;
  std::size_t capacity_ = 0;
  std::vector<std::uint32_t> numbers_;
  std::vector<flat_item> items_;
  std::vector<std::pair<nlohmann::json, nlohmann::json>> overrides_;
};

}  // namespace hanabi::detail

#ifdef HANABI_HEADER_ONLY
#  include <hanabi/impl/queue_flat_event_batch.ipp>
#endif
