// Persistence that costs the queue (almost) nothing: `queue_journal` journals
// a track_queue's change events into a store without serializing anything on
// the queue's thread.
//
//     storage::queue_journal journal(store, key, record ? record->version() : 0);
//     queue_config config;
//     config.on_change = journal.listener();
//     track_queue queue(config);               // or track_queue::restore(snapshot, config)
//     queue.enqueue({item});                   // the event is copied into a flat buffer, nothing more
//     co_await journal.async_flush(asio::use_awaitable);  // everything recorded so far is committed
//
// Why: serializing each event to JSON and handing it to the store on the
// caller's thread cost a queue mutation more than 100 times its own price, and
// even keeping the event object until the store's thread had serialized it
// cost a third more (its memory could not be recycled into the next mutation).
// Here the caller flattens the event, under a short spin lock, into a batch
// that keeps its memory: one 32-byte record of scalars per event, plus the
// batch's shared arrays of positions and of items (an item is a shared track
// pointer and a few scalars). The queue hands its own event by const reference
// (track_queue builds it in place and destroys it when the mutation returns),
// so this flat copy is the only one made, and the event dies on the caller's
// thread as if nobody listened. Once the batch has its working size,
// recording allocates nothing.
// The store is asked to write at most once per batch: the first event recorded
// while no write is in flight submits one; the store's thread then swaps the
// whole batch for the previous (emptied) one, rebuilds and serializes its
// events and appends them in one operation (a batching store also groups it
// with other sessions' appends into one commit). Events that arrive meanwhile
// form the next batch, submitted when the write completes.
//
// Acknowledgement stays exact: durable_version() only ever reports versions
// whose append has been committed, and async_flush completes once every event
// recorded before the call is committed. A crash can lose only events beyond
// durable_version().
#pragma once

#include <hanabi/detail/config.hpp>
#include <hanabi/diagnostics.hpp>
#include <hanabi/logger.hpp>
#include <hanabi/queue/queue_event.hpp>
#include <hanabi/storage/records.hpp>
#include <hanabi/storage/store.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/deferred.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <optional>
#include <utility>
#include <vector>

namespace hanabi::detail {

/// A lock for sections of a few instructions (a push_back, a swap): one atomic exchange to take it, a
/// plain release store to give it back, where std::mutex needs two atomic read-modify-writes. A
/// waiter yields its thread rather than burn it, in case the holder was preempted.
class spin_lock {
 public:
  void lock() noexcept {
    while (held_.exchange(true, std::memory_order_acquire))
      while (held_.load(std::memory_order_relaxed)) std::this_thread::yield();
  }
  void unlock() noexcept { held_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> held_{false};
};

/// Queue events recorded and not yet written, flattened: one record of scalars per event, the
/// events' positions (or orders) and items in shared arrays. Cleared, it keeps its capacity, so
/// adding to a batch at its working size allocates nothing.
class flat_event_batch {
 public:
  /// Appends a copy of `e` (its items share their tracks with the queue's).
  HANABI_DECL void add(const queue_event& e);
  /// Every event, rebuilt in order (the items are moved out); then the batch is empty.
  HANABI_DECL std::vector<queue_event> take();
  bool empty() const noexcept { return events_.empty(); }
  void clear() noexcept {
    events_.clear();
    numbers_.clear();
    items_.clear();
    overrides_.clear();
  }
  void swap(flat_event_batch& other) noexcept {
    events_.swap(other.events_);
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
    // removed and reordered, scalars[0] is how many numbers (and, inserted, items) are the event's.
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

  /// The numbers and items of an inserted, removed or reordered change (rarer than the scalar
  /// ones, and kept out of add() so that its fast path stays short); returns how many numbers.
  HANABI_DECL std::uint32_t add_lists(const queue_event::change_type& change);
  HANABI_DECL flat_item flatten(const queue_item& item);
  HANABI_DECL queue_item rebuild(flat_item& f);
  /// The event `f`, its numbers from numbers_[numbers] and items from items_[items] on; both
  /// advance past what it takes.
  HANABI_DECL queue_event rebuild(const flat_event& f, std::size_t& numbers, std::size_t& items);

  std::vector<flat_event> events_;
  std::vector<std::uint32_t> numbers_;
  std::vector<flat_item> items_;
  std::vector<std::pair<nlohmann::json, nlohmann::json>> overrides_;
};

/// The journal's shared state: kept alive by the journal, the queue's listener and the write in flight.
class queue_journal_state : public std::enable_shared_from_this<queue_journal_state> {
 public:
  using flush_handler = boost::asio::any_completion_handler<void(error_code, std::uint64_t)>;

  HANABI_DECL queue_journal_state(storage::store& store, storage::session_key key, std::uint64_t durable_version,
                                  logger log);

  HANABI_DECL void record(const queue_event& event);
  HANABI_DECL void add_waiter(flush_handler handler);
  std::uint64_t durable_version() const noexcept { return durable_.load(std::memory_order_acquire); }
  HANABI_DECL std::uint64_t recorded_version() const;
  HANABI_DECL std::optional<failure> failed() const;

 private:
  struct waiter {
    std::uint64_t version;  // complete once this version is durable
    flush_handler handler;
  };

  // x86-64 and most ARM cores (std::hardware_destructive_interference_size warns: it may vary
  // between compilers, and this layout is not an ABI).
  static constexpr std::size_t cache_line = 64;

  HANABI_DECL void submit_write();
  HANABI_DECL result<storage::journal_status> write_batch(storage_core& core);
  HANABI_DECL void written(error_code ec, storage::journal_status status);
  HANABI_DECL void complete(waiter w, error_code ec, std::uint64_t version) const;

  // The store thread's side.
  storage::store& store_;
  const storage::session_key key_;
  const logger log_;
  diagnostics diag_;                   // of the one write in flight
  flat_event_batch batch_;             // taken by the write in flight; store thread only

  // What record() touches, on cache lines of its own: the store's thread writes the members above
  // and below while the caller records, and a line both threads write bounces between the cores.
  alignas(cache_line) mutable spin_lock mutex_;
  flat_event_batch pending_;           // recorded, not yet taken by a write
  std::uint64_t recorded_;
  bool writing_ = false;               // a write is submitted and has not completed
  std::optional<failure> failed_;

  alignas(cache_line) std::vector<waiter> waiters_;
  std::atomic<std::uint64_t> durable_;
};

}  // namespace hanabi::detail

namespace hanabi::storage {

/// Construction parameters of a queue_journal.
struct queue_journal_config {
  /// Where a failed write is reported (the journal then stops; see queue_journal::failed).
  hanabi::logger log;
};

/// Journals one session's queue into a store. See the file comment.
///
/// Threading: listener() and record() may be called from any thread, one event at a time in version
/// order (the queue's own thread or strand, as on_change does); they never block on the disk. The
/// other members may be called from any thread. Flush handlers run on their associated executor, by
/// default the store's. The store must outlive the journal and every write it started (async_flush
/// until it completes, then close the store).
///
/// Failure: if an append fails (the disk, a version that does not follow the stored one), the
/// journal stops: later events are dropped, durable_version() stays where it was, pending and later
/// flushes complete with the error. To resume, save a snapshot of the queue and start a new journal
/// at its version.
class queue_journal {
 public:
  /// Journals `key`'s queue, whose version `durable_version` the store already holds (0 for a new
  /// session; a recovered session's session_record::version()).
  HANABI_DECL queue_journal(store& s, session_key key, std::uint64_t durable_version, queue_journal_config config = {});

  /// The callable to set as queue_config::on_change. It shares the journal's state, so it stays valid
  /// even if the journal object is destroyed first.
  std::function<void(const queue_event&)> listener() const {
    return [state = state_](const queue_event& e) { state->record(e); };
  }

  /// Records one change event: copies it into the flat batch (the event itself is not kept: it may
  /// die when the call returns) and, if no write is in flight, asks the store for one. No JSON, no
  /// disk, no allocation once the batch has grown to its working size.
  void record(const queue_event& event) const { state_->record(event); }

  /// The newest version whose event is committed (never one that is not).
  std::uint64_t durable_version() const noexcept { return state_->durable_version(); }

  /// The newest version recorded (durable or not).
  std::uint64_t recorded_version() const { return state_->recorded_version(); }

  /// Why the journal stopped, if it did.
  std::optional<failure> failed() const { return state_->failed(); }

  /// Completes once every event recorded before the call is committed, with the durable version.
  /// Signature `void(error_code, std::uint64_t)`. Errors: the failure that stopped the journal.
  template <class Token = boost::asio::deferred_t>
  auto async_flush(Token&& token = {}) {
    return boost::asio::async_initiate<Token, void(error_code, std::uint64_t)>(
        [state = state_](auto handler) { state->add_waiter(std::move(handler)); }, token);
  }

 private:
  std::shared_ptr<detail::queue_journal_state> state_;
};

}  // namespace hanabi::storage

#ifdef HANABI_HEADER_ONLY
#  include <hanabi/impl/storage_queue_journal.ipp>
#endif
