// The thread a store runs its jobs on (sqlite_store's writer, redis_store's connection thread): jobs
// queued from any thread run there in submission order, so that no caller waits for the disk or
// the network, and each job posts its own handler when it completes. The thread hands its runner
// one batch at a time: a single job, or, when the batch policy allows it, a journal append followed
// by the appends queued behind it within the batch window (SQLite's group commit).
//
// Threading: submit() and close() may be called from any thread; the runner runs on the job thread.
#pragma once

#include <hanabi/detail/config.hpp>
#include <hanabi/detail/storage_core.hpp>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

namespace hanabi::detail {

/// Which jobs the thread gathers into one batch.
struct batch_policy {
  /// The most jobs of one batch; 1: every job alone.
  std::size_t limit = 1;
  /// How long a batch that starts with a journal append waits for more appends.
  std::chrono::microseconds window{0};
};

class job_thread {
 public:
  using batch = std::deque<std::unique_ptr<storage_job>>;
  /// Runs a batch: executes and completes every job in it.
  using runner = std::function<void(batch&)>;

  job_thread() = default;
  job_thread(const job_thread&) = delete;
  job_thread& operator=(const job_thread&) = delete;
  /// Runs close().
  HANABI_DECL ~job_thread();

  /// Starts the thread. Call once, before the first submit().
  HANABI_DECL void start(batch_policy policy, runner run);

  /// Queues the job; after close(), fails and completes it at once (storage_failure, "the store is closed").
  HANABI_DECL void submit(std::unique_ptr<storage_job> job);

  /// Takes no more jobs, lets the thread run those queued, then joins it (unless called on it).
  /// False when an earlier close() already did all that, so the caller's own closing runs once.
  HANABI_DECL bool close();

 private:
  HANABI_DECL void run();
  HANABI_DECL void gather_appends(std::unique_lock<std::mutex>& lock, batch& into);

  batch_policy policy_;
  runner run_;
  std::mutex mutex_;
  std::condition_variable wake_;
  batch pending_;
  bool closing_ = false;
  std::thread thread_;
};

}  // namespace hanabi::detail

#ifdef HANABI_HEADER_ONLY
#  include <hanabi/impl/storage_job_thread.ipp>
#endif
