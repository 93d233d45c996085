// The thread a store runs its jobs on (sqlite_store's writer, redis_store's connection thread): jobs
// queued from any thread run there in submission order, so that no caller waits for the disk or
// the network, and each job posts its own handler when it completes. The thread hands its runner
// one batch at a time: a single job, or, when the batch policy allows it, a journal append followed
// by the appends queued behind it within the batch window (SQLite's group commit).
//
// Two ways in. submit() queues a job under the thread's mutex and wakes the thread if it sleeps
// (a futex syscall, 3-5 us of the caller's CPU in a VM). hand_off() is a queue journal's way, once
// per batch of queue changes, from the queue's strand: it links the journal's reusable job into a
// lock-free list (one compare-and-swap) and wakes nobody while the thread is awake: after running
// work, the thread keeps looking at the list every `hand_off_poll` (a timed sleep) and only once a
// whole interval has brought nothing does it go idle (an untimed sleep, no wake-up at all); a
// hand-off that finds it idle wakes it, once. So a session that keeps mutating makes no syscall
// and wakes no thread; its batch is picked up within one interval, the same delay group commit
// already gives an append. Who wakes whom: submit() always, hand_off() only an idle thread; the
// thread wakes itself at most once per interval while work keeps coming.
//
// Threading: submit(), hand_off(), close() and stats() may be called from any thread; the runner
// runs on the job thread.
#pragma once

#include <hanabi/detail/config.hpp>
#include <hanabi/detail/prefetch.hpp>
#include <hanabi/detail/storage_core.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

namespace hanabi::detail {

/// Which jobs the thread gathers into one batch, and how it looks for handed-off ones.
struct batch_policy {
  /// The most jobs of one batch; 1: every job alone.
  std::size_t limit = 1;
  /// How long a batch that starts with a journal append waits for more appends.
  std::chrono::microseconds window{0};
  /// How long the thread, after running work, sleeps before it looks again for handed-off jobs
  /// (the most a hand-off waits to be picked up while the thread is awake); after an interval that
  /// brought nothing it goes idle. 0: it goes idle at once, and every hand-off wakes it.
  std::chrono::microseconds hand_off_poll{0};
};

/// What the thread has done so far (real state, for tests and benchmarks).
struct job_thread_stats {
  /// Times it went to sleep with nothing to do and no timeout (idle).
  std::uint64_t idle_sleeps = 0;
  /// Times a hand-off found it idle and woke it.
  std::uint64_t hand_off_wakes = 0;
  /// Timed sleeps (one hand_off_poll interval each).
  std::uint64_t polls = 0;
  /// Batches run.
  std::uint64_t batches = 0;
  /// True while it sleeps idle.
  bool idle = false;
};

class job_thread {
 public:
  using batch = std::deque<job_ptr>;
  /// Runs a batch: executes and completes every job in it (the thread releases them afterwards).
  using runner = std::function<void(batch&)>;

  job_thread() = default;
  job_thread(const job_thread&) = delete;
  job_thread& operator=(const job_thread&) = delete;
  /// Runs close().
  HANABI_DECL ~job_thread();

  /// Starts the thread. Call once, before the first submit().
  HANABI_DECL void start(batch_policy policy, runner run);

  /// Queues the job; after close(), fails and completes it at once (storage_failure, "the store is closed").
  HANABI_DECL void submit(job_ptr job);

  /// Links `job` into the handed-off list (it must not be there already); the thread runs it as a
  /// journal append within one hand_off_poll interval, or at once if it was idle (then this wakes it).
  /// After close(), fails, completes and releases it here.
  HANABI_DECL void hand_off(ready_job& job);
  /// A hand-off is coming (a journal began a batch): claims the hand-off list's line meanwhile.
  void expect_hand_off() const noexcept { prefetch_for_write(&handed_off_); }

  /// Takes no more jobs, lets the thread run those queued and handed off, then joins it (unless
  /// called on it). False when an earlier close() already did all that, so the caller's own
  /// closing runs once.
  HANABI_DECL bool close();

  HANABI_DECL job_thread_stats stats() const;

 private:
  HANABI_DECL void run();
  /// With the lock held: the next batch (empty if there is no work). `window_spent`: the thread has
  /// just slept one interval, so a batch of appends takes what came and waits no longer.
  HANABI_DECL batch take_batch(std::unique_lock<std::mutex>& lock, bool window_spent);
  HANABI_DECL void gather_appends(std::unique_lock<std::mutex>& lock, batch& into, bool window_spent);
  /// With the lock held: the handed-off jobs to the end of pending_, in hand-off order.
  HANABI_DECL void take_handed_off();
  HANABI_DECL void sleep_idle(std::unique_lock<std::mutex>& lock);
  /// After close(): fails, completes and releases every handed-off job still listed.
  HANABI_DECL void fail_handed_off();

  batch_policy policy_;
  runner run_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  batch pending_;
  bool closing_ = false;
  job_thread_stats stats_;  // under mutex_, but for hand_off_wakes
  std::thread thread_;

  // The lock-free side, touched by hand_off() (callers) and the thread: on a line of its own, apart
  // from what the thread writes as it runs (stats_).
  alignas(64) std::atomic<ready_job*> handed_off_{nullptr};  // a stack: the newest first
  std::atomic<bool> idle_{false};
  std::atomic<bool> closed_{false};
  std::atomic<std::uint64_t> hand_off_wakes_{0};
};

}  // namespace hanabi::detail

#ifdef HANABI_HEADER_ONLY
#  include <hanabi/impl/storage_job_thread.ipp>
#endif
