// Change events of the queue. Every successful mutation of a `track_queue`
// produces exactly one event, numbered by the queue's version (1, 2, 3, ...).
// An event holds the mutation's *resolved* effect (final positions, the
// permutation a shuffle chose, the generator state after it), so applying the
// events in order to a copy of the queue at the version before them gives an
// identical queue, without any randomness or hooks being run again. This is
// what persistence journals, dashboards and remote mirrors consume.
//
// Positions in events are 1-based, like every public position of the queue.
#pragma once

#include <hanabi/detail/config.hpp>
#include <hanabi/diagnostics.hpp>
#include <hanabi/queue/queue_item.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>
#include <vector>

namespace hanabi {

/// What happens when the current item ends (see track_queue::advance).
enum class repeat_mode : std::uint8_t {
  off,  ///< Move on; when the last item ends, the queue ends (or autoplay appends more).
  one,  ///< Play the current item again.
  all,  ///< Move on; after the last item, start again at position 1 (a one-item queue replays it).
};

/// The resolved effects of the queue's mutations.
namespace queue_change {

/// Items were added. `positions` are their final positions, ascending; `items[i]` is at `positions[i]`.
struct inserted {
  std::vector<std::size_t> positions;
  std::vector<queue_item> items;
  friend bool operator==(const inserted&, const inserted&) = default;
};

/// The items at these positions (before the removal, ascending, distinct) were removed. If the current
/// item was among them, the pointer moves to the nearest surviving item before it and the queue goes idle.
struct removed {
  std::vector<std::size_t> positions;
  friend bool operator==(const removed&, const removed&) = default;
};

/// The `count` items starting at `from` were moved so that the first of them is now at `to`.
struct moved {
  std::size_t from = 0;
  std::size_t count = 0;
  std::size_t to = 0;
  friend bool operator==(const moved&, const moved&) = default;
};

/// The items at `a` and `b` traded places.
struct swapped {
  std::size_t a = 0;
  std::size_t b = 0;
  friend bool operator==(const swapped&, const swapped&) = default;
};

/// The upcoming items were reordered: the i-th upcoming item is now the one that was at `order[i]`.
/// `by_shuffle` is true for a shuffle (the previous order is remembered for undo) and false for the
/// undo itself (which forgets it).
struct reordered {
  std::vector<std::size_t> order;
  bool by_shuffle = true;
  friend bool operator==(const reordered&, const reordered&) = default;
};

/// Every upcoming item (or, with `upcoming_only` false, every item) was removed.
struct cleared {
  bool upcoming_only = true;
  friend bool operator==(const cleared&, const cleared&) = default;
};

/// The pointer moved to `current` (0 = before the first item) and the queue is playing (`active`) or idle.
struct pointer_moved {
  std::size_t current = 0;
  bool active = false;
  friend bool operator==(const pointer_moved&, const pointer_moved&) = default;
};

/// The repeat mode changed.
struct repeat_changed {
  repeat_mode mode = repeat_mode::off;
  friend bool operator==(const repeat_changed&, const repeat_changed&) = default;
};

}  // namespace queue_change

/// One mutation of a queue.
struct queue_event {
  using change_type = std::variant<queue_change::inserted, queue_change::removed, queue_change::moved,
                                   queue_change::swapped, queue_change::reordered, queue_change::cleared,
                                   queue_change::pointer_moved, queue_change::repeat_changed>;

  std::uint64_t version = 0;    ///< The queue's version after this mutation; consecutive events differ by 1.
  std::uint64_t rng_state = 0;  ///< The queue's generator state after this mutation.
  change_type change;

  friend bool operator==(const queue_event&, const queue_event&) = default;
};

/// The event as JSON: {"version":..,"rng":..,"type":"inserted", ...fields of the change}.
HANABI_DECL nlohmann::json to_json_value(const queue_event& e);
/// Reads what to_json_value wrote; malformed input is a typed error.
HANABI_DECL result<queue_event> queue_event_from_json(const nlohmann::json& j);

/// "off", "one", "all".
HANABI_DECL const char* to_string(repeat_mode m) noexcept;
/// The inverse of to_string; anything else is error::invalid_value.
HANABI_DECL result<repeat_mode> repeat_mode_from_string(std::string_view s);

}  // namespace hanabi

#ifdef HANABI_HEADER_ONLY
#  include <hanabi/impl/queue_event.ipp>
#endif
