// The queue's direct line to persistence: a buffer of change events that
// track_queue fills itself, on its own strand, with no lock, no atomic
// operation and no indirect call per event.
//
// Why not the on_change listener: a std::function call, then a lock shared
// with the store's thread, per mutation, cost a journaled queue move 30% more
// than a bare one. Here track_queue calls record() directly (it is inline):
// the event is flattened into a 16-byte record in a buffer only the queue's
// strand touches. Once per batch, when the first event goes into an empty
// buffer, the recorder's owner is told (batch_started(), the only virtual
// call); it arranges for the whole buffer to be taken on the same strand
// later (queue_journal queues a hand-off on the strand), so the store's thread
// sees a batch, never a single event.
#pragma once

#include <hanabi/queue/detail/flat_event_batch.hpp>
#include <hanabi/queue/queue_event.hpp>

#include <cstdint>
#include <utility>

namespace hanabi {

/// A sink for a queue's change events, set as queue_config::recorder (storage::queue_journal is
/// one). Abstract: a concrete recorder decides, in batch_started(), when its buffer is taken.
///
/// Threading: record(), take() and batch_started() run on the queue's strand (the thread that
/// mutates the queue), one at a time; nothing in the buffer is shared with another thread.
class queue_recorder {
 public:
  queue_recorder() = default;
  queue_recorder(const queue_recorder&) = delete;
  queue_recorder& operator=(const queue_recorder&) = delete;

  /// Records the event `version` (generator state `rng_state` after it) whose change is `change` (one
  /// of queue_change's types, or the variant of them): a flat copy, nothing kept that points into the
  /// queue's event; an inserted change given as an rvalue gives up its items. Called by track_queue
  /// after each successful mutation (with the change it made, moved: its event dies after the call,
  /// and recording needs no dispatch on the change's type) and apply().
  template <class Change>
  void record(std::uint64_t version, std::uint64_t rng_state, Change&& change) {
    if (batch_.add(version, rng_state, std::forward<Change>(change))) batch_started();
  }

 protected:
  ~queue_recorder() = default;  // owned through the concrete type

  /// The first event of a batch was just recorded (into an empty buffer), on the queue's strand,
  /// inside the mutating call: arrange for take() to run on this strand. Must not mutate the queue.
  virtual void batch_started() = 0;

  /// Moves every recorded event to the end of `into`; the buffer is empty after (it keeps the
  /// capacity it swaps with `into`'s when `into` was empty). On the queue's strand.
  void take(detail::flat_event_batch& into) { into.splice(batch_); }

 private:
  detail::flat_event_batch batch_;
};

}  // namespace hanabi
