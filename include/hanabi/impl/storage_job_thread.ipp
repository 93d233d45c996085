// The stores' job thread (detail/job_thread.hpp).
#pragma once

#include <hanabi/detail/job_thread.hpp>
#include <hanabi/error.hpp>

#include <utility>

namespace hanabi::detail {

// The handed-off stack (newest first) reversed: oldest first.
HANABI_DECL ready_job* oldest_first(ready_job* newest) noexcept {
  ready_job* oldest = nullptr;
  while (newest) {
    ready_job* next = newest->next_ready;
    newest->next_ready = oldest;
    oldest = newest;
    newest = next;
  }
  return oldest;
}

HANABI_DECL job_thread::~job_thread() { close(); }

HANABI_DECL void job_thread::start(batch_policy policy, runner run) {
  policy_ = policy;
  run_ = std::move(run);
  thread_ = std::thread([this] { this->run(); });
}

HANABI_DECL void job_thread::submit(job_ptr job) {
  {
    std::lock_guard lock(mutex_);
    if (!closing_) {
      pending_.push_back(std::move(job));
      wake_.notify_one();
      return;
    }
  }
  job->fail(failure{error::storage_failure, "the store is closed"});
  job->complete();
}

HANABI_DECL void job_thread::hand_off(ready_job& job) {
  ready_job* head = handed_off_.load(std::memory_order_relaxed);
  do job.next_ready = head;
  while (!handed_off_.compare_exchange_weak(head, &job, std::memory_order_seq_cst, std::memory_order_relaxed));
  // Both loads follow the push in one total order with close()'s and sleep_idle()'s stores: either
  // they see the flag, or the other side sees the job.
  if (closed_.load(std::memory_order_seq_cst)) return fail_handed_off();
  if (!idle_.load(std::memory_order_seq_cst)) return;  // awake: it looks again within one interval
  { std::lock_guard lock(mutex_); }  // the thread is now inside wait(), or will see the job first
  hand_off_wakes_.fetch_add(1, std::memory_order_relaxed);
  wake_.notify_one();
}

HANABI_DECL bool job_thread::close() {
  {
    std::lock_guard lock(mutex_);
    if (closing_ && !thread_.joinable()) return false;
    closing_ = true;
    closed_.store(true, std::memory_order_seq_cst);
  }
  wake_.notify_all();
  if (thread_.joinable() && thread_.get_id() == std::this_thread::get_id()) return true;  // it drains on its way out
  if (thread_.joinable()) thread_.join();
  fail_handed_off();  // handed off after the thread's last look
  return true;
}

HANABI_DECL job_thread_stats job_thread::stats() const {
  std::lock_guard lock(mutex_);
  job_thread_stats s = stats_;
  s.hand_off_wakes = hand_off_wakes_.load(std::memory_order_relaxed);
  return s;
}

HANABI_DECL void job_thread::run() {
  std::unique_lock lock(mutex_);
  bool awake = false;         // ran work within the last interval: poll for hand-offs, do not idle
  bool window_spent = false;  // just slept one interval
  while (true) {
    batch next = take_batch(lock, window_spent);
    window_spent = false;
    if (!next.empty()) {
      ++stats_.batches;
      lock.unlock();
      run_(next);
      next.clear();  // releases the jobs: a journal may hand its job off again from here on
      lock.lock();
      awake = policy_.hand_off_poll.count() > 0;
      continue;
    }
    if (closing_) return;  // and everything submitted or handed off is done
    if (!awake) {
      sleep_idle(lock);
      continue;
    }
    ++stats_.polls;
    (void)wake_.wait_for(lock, policy_.hand_off_poll, [this] { return closing_ || !pending_.empty(); });
    awake = false;  // unless this look finds work
    window_spent = true;
  }
}

HANABI_DECL void job_thread::sleep_idle(std::unique_lock<std::mutex>& lock) {
  ++stats_.idle_sleeps;
  stats_.idle = true;
  idle_.store(true, std::memory_order_seq_cst);
  wake_.wait(lock, [this] {
    return closing_ || !pending_.empty() || handed_off_.load(std::memory_order_seq_cst) != nullptr;
  });
  idle_.store(false, std::memory_order_relaxed);
  stats_.idle = false;
}

HANABI_DECL job_thread::batch job_thread::take_batch(std::unique_lock<std::mutex>& lock, bool window_spent) {
  take_handed_off();
  batch next;
  if (pending_.empty()) return next;
  next.push_back(std::move(pending_.front()));
  pending_.pop_front();
  if (policy_.limit > 1 && next.front()->is_journal_append()) gather_appends(lock, next, window_spent);
  return next;
}

// With the lock held: the journal appends queued (or arriving within the window) behind the first.
HANABI_DECL void job_thread::gather_appends(std::unique_lock<std::mutex>& lock, batch& into, bool window_spent) {
  const auto deadline = std::chrono::steady_clock::now() + policy_.window;
  bool last_look = window_spent || policy_.window.count() == 0;
  while (true) {
    take_handed_off();
    while (into.size() < policy_.limit && !pending_.empty() && pending_.front()->is_journal_append()) {
      into.push_back(std::move(pending_.front()));
      pending_.pop_front();
    }
    if (into.size() >= policy_.limit || !pending_.empty() || closing_ || last_look) return;
    // Hand-offs do not notify an awake thread: they are taken at the deadline.
    last_look = !wake_.wait_until(lock, deadline, [this] { return closing_ || !pending_.empty(); });
  }
}

HANABI_DECL void job_thread::take_handed_off() {
  // A look that finds nothing writes nothing: the list's line then stays where the journals' next
  // hand-off will want it, rather than move to this thread's core at every look.
  if (handed_off_.load(std::memory_order_relaxed) == nullptr) return;
  for (ready_job* job = oldest_first(handed_off_.exchange(nullptr, std::memory_order_acquire)); job;) {
    ready_job* next = job->next_ready;
    pending_.push_back(job_ptr(job));
    job = next;
  }
}

HANABI_DECL void job_thread::fail_handed_off() {
  for (ready_job* job = oldest_first(handed_off_.exchange(nullptr, std::memory_order_acquire)); job;) {
    ready_job* next = job->next_ready;  // read first: once released, the job may be handed off again
    job->fail(failure{error::storage_failure, "the store is closed"});
    job->complete();
    job->release();
    job = next;
  }
}

}  // namespace hanabi::detail
