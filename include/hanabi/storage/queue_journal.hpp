// Persistence that costs the queue (almost) nothing: `queue_journal` journals
// a track_queue's change events into a store without serializing anything, and
// without any lock, on the queue's strand.
//
//     storage::queue_journal journal(store, key, record ? record->version() : 0);
//     journal.hand_off_on(strand);             // the executor the queue runs on
//     queue_config config;
//     config.recorder = journal.recorder();
//     track_queue queue(config);               // or track_queue::restore(snapshot, config)
//     queue.enqueue({item});                   // on the strand: a flat copy into the strand's buffer
//     co_await journal.async_flush(asio::use_awaitable);  // everything recorded so far is committed
//
// Why: serializing each event to JSON and handing it to the store on the
// caller's thread cost a queue mutation more than 100 times its own price;
// copying it flat into a batch shared with the store's thread, under a spin
// lock, through the std::function listener, still cost a queue move 30% more.
// Now the queue calls the journal's recorder directly (queue_recorder: inline,
// no virtual call per event): each event becomes one 16-byte record of scalars
// (plus, for inserts, removals and reorders, its positions and items in shared
// arrays) in a buffer that only the queue's strand touches. Once per batch, when
// the first event goes into the empty buffer, a hand-off is queued on the
// strand: it runs after the strand's current work (the command that made the
// changes), moves the whole buffer into the journal's pending batch under the
// journal's lock (a swap, once the buffers have their working size) and, if no
// write is out, hands the journal's one reusable write job to the store
// (store::hand_off: no allocation; on a SQLite or Redis store one lock-free link
// into its thread's list, and no wake-up, no syscall, while that thread is awake:
// see detail/job_thread.hpp). The store's thread picks it up at its next look,
// within one batch window (1 ms by default) of the hand-off, or at once if it was
// idle (then the hand-off wakes it); it swaps the pending batch for the previous
// (emptied) one, rebuilds and serializes its events and appends them in one
// operation (a batching store also groups it with other sessions' appends into
// one commit). Batches handed off meanwhile wait in the pending batch and are
// handed off again when the write completes.
//
// The price of the quiet hand-off is latency, not safety: an event becomes durable
// up to about one window later than if each hand-off woke the store's thread, the
// same wait group commit already imposes on an append.
//
// Acknowledgement stays exact: durable_version() only ever reports versions
// whose append has been committed, and async_flush first hands off what the
// strand recorded, then completes once every event recorded before the call is
// committed. A crash can lose only events beyond durable_version().
#pragma once

#include <hanabi/detail/config.hpp>
#include <hanabi/diagnostics.hpp>
#include <hanabi/logger.hpp>
#include <hanabi/queue/detail/flat_event_batch.hpp>
#include <hanabi/queue/queue_event.hpp>
#include <hanabi/queue/queue_recorder.hpp>
#include <hanabi/storage/records.hpp>
#include <hanabi/storage/store.hpp>

#include <boost/asio/any_completion_executor.hpp>
#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
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

/// The journal's shared state: kept alive by the journal, the queue's recorder or listener, a queued
/// hand-off and the write in flight. The recorder's buffer (the queue_recorder base) belongs to the
/// queue's strand; the rest is shared with the store's thread under `mutex_`.
class queue_journal_state final : public queue_recorder,
                                  public std::enable_shared_from_this<queue_journal_state> {
 public:
  using flush_handler = boost::asio::any_completion_handler<void(error_code, std::uint64_t)>;

  HANABI_DECL queue_journal_state(storage::store& store, storage::session_key key, std::uint64_t durable_version,
                                  logger log);

  /// The listener's path (any thread): the event straight into the pending batch, under the lock.
  HANABI_DECL void record_now(const queue_event& event);
  HANABI_DECL void hand_off_on(boost::asio::any_io_executor strand);
  /// Hands off (on the strand, when there is one) and then waits for the durable version.
  HANABI_DECL void flush(flush_handler handler);
  std::uint64_t durable_version() const noexcept { return durable_.load(std::memory_order_acquire); }
  HANABI_DECL std::uint64_t recorded_version() const;
  HANABI_DECL std::optional<failure> failed() const;

 private:
  struct waiter {
    std::uint64_t version;  // complete once this version is durable
    flush_handler handler;
    // Keeps the handler's executor (by default the store's) busy from the flush on, as every store
    // operation does: a caller running that io_context until it runs out of work sees the flush end.
    boost::asio::any_completion_executor work;
  };

  /// The journal's one write, handed to the store again for each batch: a member, so a hand-off
  /// allocates nothing. It runs on the store's thread; once the store releases it, the outcome
  /// goes to written() through the store's executor (never inside the hand-off itself).
  class write_job final : public ready_job {
   public:
    explicit write_job(queue_journal_state& owner) : owner_(owner) {}
    void execute(storage_core& core) override { outcome_.emplace(owner_.write_batch(core)); }
    void fail(failure why) override { outcome_.emplace(std::move(why)); }
    void complete() override {}  // released() reports the outcome: after it, the store is done with the job
    bool is_journal_append() const noexcept override { return true; }
    void release() noexcept override;

   private:
    queue_journal_state& owner_;
    std::optional<result<storage::journal_status>> outcome_;
  };

  // x86-64 and most ARM cores (std::hardware_destructive_interference_size warns: it may vary
  // between compilers, and this layout is not an ABI).
  static constexpr std::size_t cache_line = 64;

  /// On the strand, once per batch: queues hand_off() on the strand, to run after the job that
  /// recorded (or, with no strand, hands off now).
  HANABI_DECL void batch_started() override;
  /// On the strand: the recorder's buffer into pending_, and the write handed to the store if it
  /// is not out already (`hold`, when given, becomes the write's hold on the state).
  HANABI_DECL void hand_off(std::shared_ptr<queue_journal_state> hold);
  HANABI_DECL void add_waiter(flush_handler handler);
  /// With the lock held, when no write is out: marks it out, held (by `hold`, or a new reference)
  /// until written().
  HANABI_DECL void claim_write(std::shared_ptr<queue_journal_state> hold);
  HANABI_DECL result<storage::journal_status> write_batch(storage_core& core);
  HANABI_DECL void released(result<storage::journal_status> outcome) noexcept;
  HANABI_DECL void written(result<storage::journal_status> outcome);
  /// With the lock held: the waiters whose version `durable` covers (all of them if `all`) into completing_.
  HANABI_DECL void take_waiters(std::uint64_t durable, bool all);
  HANABI_DECL waiter make_waiter(std::uint64_t version, flush_handler handler) const;
  HANABI_DECL void complete(waiter w, error_code ec, std::uint64_t version) const;

  // The store thread's side: what it writes is on cache lines apart from the strand's buffer (the
  // base) and from what a hand-off touches, since a line both threads write bounces between cores.
  storage::store& store_;
  const storage::session_key key_;
  const logger log_;
  alignas(cache_line) write_job write_{*this};
  detail::flat_event_batch batch_;     // taken by the write in flight; store thread only
  std::vector<waiter> completing_;     // written()'s, reused (one written() at a time)

  // Shared: what a hand-off, the listener and the store's thread touch.
  alignas(cache_line) mutable spin_lock mutex_;
  detail::flat_event_batch pending_;   // handed off, not yet taken by a write
  std::uint64_t recorded_;             // the newest version in pending_ or written
  bool writing_ = false;               // the write is handed to the store and written() has not run
  std::shared_ptr<queue_journal_state> in_flight_;  // the write's hold on the state, while it is out
  std::optional<failure> failed_;
  std::optional<boost::asio::any_io_executor> strand_;     // the queue's strand, as given; set once
  std::optional<boost::asio::any_io_executor> hand_offs_;  // the same, never blocking, a continuation

  // The lines of the shared fields above, from mutex_'s on.
  static constexpr std::size_t shared_lines =
      (sizeof(spin_lock) + sizeof(detail::flat_event_batch) + sizeof(std::uint64_t) + sizeof(bool) +
       sizeof(std::shared_ptr<queue_journal_state>) + cache_line - 1) / cache_line;

  // Waiters in version order; those before first_waiter_ are completed (moved from): the vector is
  // cleared, keeping its capacity, once all are, so a flush allocates no slot. (No erase: it would
  // move-assign any_completion_handler, which recurses forever in Boost 1.81.)
  alignas(cache_line) std::vector<waiter> waiters_;
  std::size_t first_waiter_ = 0;
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
/// Threading: the recorder's events are recorded on the queue's strand (inside its mutations) and
/// handed off there; hand_off_on() names that strand, and is called before the queue records or
/// on the strand itself. Without it, each event is handed off at once on the recording thread (one
/// short lock per event). listener() may be called from any thread, one event at a time in version
/// order. Nothing here blocks on the disk. The other members may be called from any thread. Flush
/// handlers run on their associated executor, by default the store's. The store must outlive the
/// journal and every write it started (async_flush until it completes, then close the store).
///
/// Failure: if an append fails (the disk, a version that does not follow the stored one, the store
/// closed before the batch was handed off), the
/// journal stops: later events are dropped, durable_version() stays where it was, pending and later
/// flushes complete with the error. To resume, save a snapshot of the queue and start a new journal
/// at its version.
class queue_journal {
 public:
  /// Journals `key`'s queue, whose version `durable_version` the store already holds (0 for a new
  /// session; a recovered session's session_record::version()).
  HANABI_DECL queue_journal(store& s, session_key key, std::uint64_t durable_version, queue_journal_config config = {});

  /// What to set as queue_config::recorder: the fast path (see the file comment). It shares the
  /// journal's state, so events recorded after the journal object is destroyed are still written.
  /// Give it to one queue, and do not also use listener().
  std::shared_ptr<queue_recorder> recorder() const { return state_; }

  /// Where the recorder's batches are handed off: the executor of the queue's strand (a strand, or
  /// an io_context run by one thread). Call once, before the queue records or on that strand.
  void hand_off_on(boost::asio::any_io_executor strand) const { state_->hand_off_on(std::move(strand)); }

  /// The callable to set as queue_config::on_change for a queue with no strand to come back to
  /// (each event goes into the journal's pending batch under its lock, from any thread). It shares
  /// the journal's state, so it stays valid even if the journal object is destroyed first.
  std::function<void(const queue_event&)> listener() const {
    return [state = state_](const queue_event& e) { state->record_now(e); };
  }

  /// The newest version whose event is committed (never one that is not).
  std::uint64_t durable_version() const noexcept { return state_->durable_version(); }

  /// The newest version handed to the journal (durable or not). A recorder's events count once
  /// handed off: after the strand's current work, or by async_flush.
  std::uint64_t recorded_version() const { return state_->recorded_version(); }

  /// Why the journal stopped, if it did.
  std::optional<failure> failed() const { return state_->failed(); }

  /// Hands off what the strand recorded (on the strand: at once when called there), then completes
  /// once every event recorded before the call is committed, with the durable version. Signature
  /// `void(error_code, std::uint64_t)`. Errors: the failure that stopped the journal.
  template <class Token = boost::asio::deferred_t>
  auto async_flush(Token&& token = {}) {
    return boost::asio::async_initiate<Token, void(error_code, std::uint64_t)>(
        [state = state_](auto handler) { state->flush(detail::queue_journal_state::flush_handler(std::move(handler))); },
        token);
  }

 private:
  std::shared_ptr<detail::queue_journal_state> state_;
};

}  // namespace hanabi::storage

#ifdef HANABI_HEADER_ONLY
#  include <hanabi/impl/storage_queue_journal.ipp>
#endif
