// The queue of a player: a list that keeps its history plus a pointer to the
// current item, with exact semantics for every operation users ask for
// (docs/QUEUE.md has the full definitions and worked examples).
//
//   history            current      upcoming
//   [1] [2] ... [c-1]  [c]          [c+1] ... [n]
//
// * Positions are 1-based, as users see them. 0 and positions past the end are
//   typed errors (error::position_out_of_range) whose diagnostics give the
//   allowed range, never a wrap-around.
// * The pointer always stays on the same current item, whatever is inserted,
//   moved or removed around it. Removing the current item needs an explicit
//   `removal::allow_current`.
// * The queue is *active* while its current item is playing, and *idle*
//   otherwise: before anything played (pointer 0), after the last item ended,
//   or after the current item was removed. `start()` plays the first upcoming
//   item of an idle queue, so enqueueing after the queue ended starts the first
//   new item, never the old last one.
// * It is a pure data structure: no I/O, no clock (times are passed in), and
//   randomness comes from a seeded generator whose state is part of the queue.
//
// Threading: a track_queue is a plain value. It is not thread-safe; use one
// from a single strand. Hooks, the recorder and the change listener run
// synchronously inside the mutating call and must not mutate the queue. The listener receives the
// event by const reference, valid only during the call: a listener that keeps
// it beyond (a persistence buffer, a mirror on another thread) copies it.
#pragma once

#include <hanabi/detail/config.hpp>
#include <hanabi/detail/queue_rng.hpp>
#include <hanabi/diagnostics.hpp>
#include <hanabi/ids.hpp>
#include <hanabi/protocol/events.hpp>
#include <hanabi/queue/queue_event.hpp>
#include <hanabi/queue/queue_item.hpp>
#include <hanabi/queue/queue_recorder.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace hanabi {

class track_queue;

/// Where enqueue puts the incoming items (docs/QUEUE.md §Enqueue).
enum class enqueue_mode : std::uint8_t {
  fifo,       ///< After the last item.
  next,       ///< Right after the current item, in the given order.
  random,     ///< Each item, in turn, into a uniformly chosen gap among the upcoming items.
  interlace,  ///< Spread fairly between the upcoming items of the other requesters.
};

/// How enqueue treats the incoming list.
struct enqueue_options {
  enqueue_mode mode = enqueue_mode::fifo;
  /// Shuffle the incoming items first (with the queue's generator). Overrides `reverse`.
  bool shuffle = false;
  /// Reverse the incoming items first: NEXT then behaves as a stack (the last given plays first).
  bool reverse = false;
  /// The requester INTERLACE is fair to; 0 = the requester of the first incoming item.
  user_id caller{};
};

/// Whether a removal by position may remove the current item.
enum class removal : std::uint8_t {
  keep_current,   ///< Refuse (error::current_item_protected) when a position names the current item.
  allow_current,  ///< Remove it too; the queue goes idle on the item before it.
};

/// Which items a dequeue rule looks at. The current item is never removed by a rule.
enum class dequeue_scope : std::uint8_t {
  upcoming,              ///< Only the items after the current one.
  upcoming_and_history,  ///< Every item except the current one.
};

/// What the player should start: the item at `position`, at `volume` when one is given.
struct play_step {
  std::size_t position = 0;
  queue_item item;
  /// The item's own volume override, else the requester's remembered volume (hook), else none.
  std::optional<std::uint16_t> volume;
};

/// What advance() decided.
enum class advance_action : std::uint8_t {
  play,     ///< Start `next` (it may be the same item again, for repeat one/all).
  nothing,  ///< Do nothing: the reason does not advance, or nothing was playing.
  ended,    ///< The queue ran dry; it is idle on its last item.
};

struct advance_result {
  advance_action action = advance_action::nothing;
  std::optional<play_step> next;  ///< Set when action == play.
};

/// A window of the queue.
struct queue_page {
  std::size_t first_position = 0;           ///< Position of items[0]; 0 when the page is empty.
  std::vector<const queue_item*> items;     ///< Valid until the queue changes.
  std::size_t current_position = 0;         ///< The queue's current position (0 = none).
  std::size_t total = 0;                    ///< Items in the queue.
};

/// Durations of the queue; streams have no length and are counted apart.
struct queue_durations {
  std::int64_t total_ms = 0;          ///< Every non-stream item, history included.
  std::int64_t remaining_ms = 0;      ///< What is left of the current item plus every upcoming non-stream item.
  std::size_t streams = 0;            ///< Stream items in the queue.
  std::size_t remaining_streams = 0;  ///< Stream items among the current (if active) and upcoming ones.
};

/// Callbacks the queue calls at defined moments. Both are optional.
struct queue_hooks {
  /// Called by advance() when the last item ended with repeat off. The items it returns are appended
  /// (FIFO) and the first of them is played; return none to let the queue end.
  std::function<std::vector<queue_item>(const track_queue&)> autoplay;
  /// The volume a requester last chose, applied when one of their items starts (play_step::volume).
  std::function<std::optional<std::uint16_t>(user_id)> remembered_volume;
};

/// Construction parameters of a track_queue.
struct queue_config {
  /// Seed of the generator used by RANDOM, INTERLACE-with-shuffle and shuffle(). Same seed, same queue.
  std::uint64_t seed = 0;
  queue_hooks hooks;
  /// Receives every change event, synchronously, after the mutation is applied. The event is the
  /// queue's own, built in place once per mutation and destroyed when the call returns: it is
  /// passed by const reference so that a listener that only looks at it (a dashboard, a counter)
  /// costs no copy, and a listener that keeps it copies what it keeps, once. Never keep a reference
  /// or pointer into it.
  /// Without a listener no event is delivered, and nothing is copied.
  std::function<void(const queue_event&)> on_change;
  /// Receives every change event too, before on_change, through a direct (non-virtual, inline) call
  /// that copies it flat into the recorder's buffer: the path persistence takes
  /// (storage::queue_journal::recorder()), for which a std::function call per mutation is too dear.
  /// Shared: the recorder's owner takes the buffer on the queue's strand (see queue_recorder).
  std::shared_ptr<queue_recorder> recorder;
};

class track_queue {
 public:
  HANABI_DECL explicit track_queue(queue_config config = {});
  /// `other`'s state (items, pointer, state, version, generator, shuffle memory) under `config`'s
  /// hooks, recorder and listener (its seed is ignored): a queue rebuilt from storage, handed to the session
  /// that owns it, without a round trip through a snapshot. No event is emitted.
  HANABI_DECL track_queue(track_queue&& other, queue_config config);

  // --- State ---------------------------------------------------------------------------------
  std::size_t size() const noexcept { return order_.size(); }
  bool empty() const noexcept { return order_.empty(); }
  /// 1-based position of the current item; 0 before anything played (or when empty).
  std::size_t current_position() const noexcept { return current_; }
  /// The current item, or null when the pointer is at 0.
  const queue_item* current() const noexcept { return current_ ? &at_index(current_ - 1) : nullptr; }
  /// True while the current item is playing (as far as the queue knows).
  bool active() const noexcept { return active_; }
  std::size_t upcoming_count() const noexcept { return size() - current_; }
  repeat_mode repeat() const noexcept { return repeat_; }
  /// Number of mutations so far (or the restored version); the version of the last event.
  std::uint64_t version() const noexcept { return version_; }
  /// The item at a 1-based position, or position_out_of_range.
  HANABI_DECL result<const queue_item*> at(std::size_t position) const;
  /// Calls f(position, item) for every item, in order.
  template <class F>
  void for_each(F&& f) const {
    for (std::size_t i = 0; i < order_.size(); ++i) f(i + 1, at_index(i));
  }

  // --- Adding --------------------------------------------------------------------------------
  /// Adds `items` as `options` say; items get fresh ids. Returns their final positions, ascending.
  HANABI_DECL result<std::vector<std::size_t>> enqueue(std::vector<queue_item> items, const enqueue_options& options = {});
  /// Inserts `items`, in order, so that the first is at `position` (1..size()+1). An insert at or before the
  /// current position goes into history and shifts the current item along.
  HANABI_DECL result<std::vector<std::size_t>> insert(std::size_t position, std::vector<queue_item> items);

  // --- Reordering ----------------------------------------------------------------------------
  /// Moves the item at `from` so that it ends up at `to`.
  HANABI_DECL result<void> move(std::size_t from, std::size_t to);
  /// Moves the items at first..last (inclusive) so that the first of them ends up at `to`
  /// (1..size()-count+1).
  HANABI_DECL result<void> move_range(std::size_t first, std::size_t last, std::size_t to);
  HANABI_DECL result<void> swap(std::size_t a, std::size_t b);
  /// Shuffles the upcoming items (Fisher-Yates with the queue's generator) and remembers the order before.
  HANABI_DECL result<void> shuffle();
  /// Puts the items the last shuffle moved, those still upcoming, back in their order before it, in the
  /// slots they occupy now; items added since stay where they are.
  HANABI_DECL result<void> unshuffle();

  // --- Removing ------------------------------------------------------------------------------
  /// Removes the items at `positions` (any order, repeats allowed). All positions are checked first: on
  /// any error nothing is removed. Returns the removed items in queue order.
  HANABI_DECL result<std::vector<queue_item>> remove(std::span<const std::size_t> positions,
                                                     removal policy = removal::keep_current);
  /// Removes the items at first..last inclusive.
  HANABI_DECL result<std::vector<queue_item>> remove_range(std::size_t first, std::size_t last,
                                                           removal policy = removal::keep_current);
  /// Removes every item the predicate accepts (never the current one). no_effect when none matched.
  HANABI_DECL result<std::vector<queue_item>> dequeue_if(const std::function<bool(const queue_item&)>& pred,
                                                         dequeue_scope scope = dequeue_scope::upcoming);
  HANABI_DECL result<std::vector<queue_item>> dequeue_requester(user_id requester,
                                                                dequeue_scope scope = dequeue_scope::upcoming);
  /// Removes the items of requesters not in `present` (the users in the voice channel).
  HANABI_DECL result<std::vector<queue_item>> dequeue_absent(const std::unordered_set<user_id>& present,
                                                             dequeue_scope scope = dequeue_scope::upcoming);
  /// Removes every item whose track identifier appeared earlier in the scope, keeping the first. The
  /// upcoming scope starts at the current item, so upcoming copies of it go; the current item itself
  /// always stays, even when an earlier copy exists in history.
  HANABI_DECL result<std::vector<queue_item>> dequeue_duplicates(dequeue_scope scope = dequeue_scope::upcoming);
  HANABI_DECL result<std::vector<queue_item>> dequeue_source(std::string_view source_name,
                                                             dequeue_scope scope = dequeue_scope::upcoming);
  /// Removes every upcoming item; returns how many.
  HANABI_DECL result<std::size_t> clear_upcoming();
  /// Removes every item; the queue is then empty and idle. Returns how many.
  HANABI_DECL result<std::size_t> clear();

  // --- Playing -------------------------------------------------------------------------------
  /// Moves by `by` items (negative = back) and plays there. While active, 0 is no_effect.
  HANABI_DECL result<play_step> skip_by(std::ptrdiff_t by);
  /// Plays the item at `position`. While active, the current position is no_effect.
  HANABI_DECL result<play_step> skip_to(std::size_t position);
  /// skip_by(-1), with an error that says the start was reached.
  HANABI_DECL result<play_step> back();
  /// Idle queue: plays the first upcoming item. The call to make after enqueueing into an idle queue.
  HANABI_DECL result<play_step> start();
  HANABI_DECL result<void> set_repeat(repeat_mode mode);
  /// The rule after a TrackEnd: only `finished` and `load_failed` advance. Repeat one replays after
  /// `finished` (a load failure moves on instead); repeat all wraps to position 1; repeat off at the end
  /// asks the autoplay hook, else ends (idle, pointer left on the last item).
  HANABI_DECL advance_result advance(protocol::track_end_reason reason);

  // --- Views ---------------------------------------------------------------------------------
  /// Up to `size` items around the current one (it sits in the middle when the ends allow).
  HANABI_DECL queue_page page_around(std::size_t size) const;
  /// Page `number` (1-based) of pages of `size` items (size > 0).
  HANABI_DECL result<queue_page> page(std::size_t number, std::size_t size) const;
  /// Durations; `player_position_ms` is the player's position in the current track.
  HANABI_DECL queue_durations durations(std::int64_t player_position_ms = 0) const;

  // --- Events, snapshots ---------------------------------------------------------------------
  /// Applies an event produced by an identical queue at version()-1 of the event. Events that do not
  /// follow this version, or do not fit the state, are error::event_mismatch and change nothing.
  HANABI_DECL result<void> apply(const queue_event& event);
  /// The whole state as JSON (items, pointer, repeat, version, generator, shuffle memory).
  HANABI_DECL nlohmann::json snapshot() const;
  /// A queue equal to the one that made `snapshot`, with `config`'s hooks (its seed is ignored).
  HANABI_DECL static result<track_queue> restore(const nlohmann::json& snapshot, queue_config config = {});

  /// Same items (ids included), order, pointer, state, version and generator. Hooks are not compared.
  HANABI_DECL friend bool operator==(const track_queue& a, const track_queue& b) noexcept;

 private:
  using slot_index = std::uint32_t;

  static constexpr std::size_t chunk_size = 1024;
  const queue_item& slot(slot_index s) const noexcept { return chunks_[s / chunk_size][s % chunk_size]; }
  queue_item& slot(slot_index s) noexcept { return chunks_[s / chunk_size][s % chunk_size]; }
  const queue_item& at_index(std::size_t i) const noexcept { return slot(order_[i]); }
  queue_item& at_index(std::size_t i) noexcept { return slot(order_[i]); }

  /// Applies `event.change` (a `Change`), numbers the event and hands it to the recorder and the
  /// listener. Mutations build the event in place (`commit<C>({.change = C{...}})`), so the
  /// listener's event is never moved or copied. Defined and instantiated in impl/track_queue.ipp only.
  template <class Change>
  result<void> commit(queue_event event);
  HANABI_DECL result<void> apply_change(const queue_event::change_type& change);
  HANABI_DECL result<void> apply_inserted(const queue_change::inserted& c);
  HANABI_DECL result<void> apply_removed(const queue_change::removed& c);
  HANABI_DECL result<void> apply_moved(const queue_change::moved& c);
  HANABI_DECL result<void> apply_swapped(const queue_change::swapped& c);
  HANABI_DECL result<void> apply_reordered(const queue_change::reordered& c);
  HANABI_DECL result<void> apply_cleared(const queue_change::cleared& c);
  HANABI_DECL result<void> apply_pointer(const queue_change::pointer_moved& c);

  HANABI_DECL slot_index store(queue_item item);
  HANABI_DECL result<std::vector<queue_item>> remove_sorted(std::vector<std::size_t> positions);
  HANABI_DECL result<std::vector<queue_item>> dequeue_where(const std::function<bool(const queue_item&)>& pred,
                                                            dequeue_scope scope);
  HANABI_DECL result<play_step> play_at(std::size_t position);
  HANABI_DECL play_step step_for(std::size_t position) const;
  HANABI_DECL result<std::vector<std::size_t>> insert_at(std::vector<std::size_t> positions,
                                                         std::vector<queue_item> items);

  queue_config config_;
  detail::queue_rng rng_;
  // Item storage in fixed-size chunks (no growth slack; items never move). Positions map to slots
  // through order_, so reordering moves 4-byte indices, not items. A slot is reused after its item
  // is removed.
  std::vector<std::vector<queue_item>> chunks_;
  std::vector<slot_index> free_slots_;   // slots not holding an item
  std::vector<slot_index> order_;        // the queue: order_[position - 1] is the slot of that item
  std::size_t current_ = 0;
  bool active_ = false;
  repeat_mode repeat_ = repeat_mode::off;
  std::uint64_t version_ = 0;
  std::uint64_t next_id_ = 1;
  std::vector<std::uint64_t> shuffle_memory_;  // ids of the upcoming items before the last shuffle
};

}  // namespace hanabi

#ifdef HANABI_HEADER_ONLY
#  include <hanabi/impl/track_queue.ipp>
#endif
