// The stores' job thread (detail/job_thread.hpp).
#pragma once

#include <hanabi/detail/job_thread.hpp>
#include <hanabi/error.hpp>

#include <utility>

namespace hanabi::detail {

HANABI_DECL job_thread::~job_thread() { close(); }

HANABI_DECL void job_thread::start(batch_policy policy, runner run) {
  policy_ = policy;
  run_ = std::move(run);
  thread_ = std::thread([this] { this->run(); });
}

HANABI_DECL void job_thread::submit(std::unique_ptr<storage_job> job) {
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

HANABI_DECL bool job_thread::close() {
  {
    std::lock_guard lock(mutex_);
    if (closing_ && !thread_.joinable()) return false;
    closing_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
  return true;
}

HANABI_DECL void job_thread::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return closing_ || !pending_.empty(); });
    if (pending_.empty()) return;  // closing, and everything submitted is done
    batch next;
    next.push_back(std::move(pending_.front()));
    pending_.pop_front();
    if (policy_.limit > 1 && next.front()->is_journal_append()) gather_appends(lock, next);
    lock.unlock();
    run_(next);
    lock.lock();
  }
}

// With the lock held: the journal appends queued (or arriving within the window) behind the first.
HANABI_DECL void job_thread::gather_appends(std::unique_lock<std::mutex>& lock, batch& into) {
  const auto deadline = std::chrono::steady_clock::now() + policy_.window;
  while (into.size() < policy_.limit) {
    if (pending_.empty() && !wake_.wait_until(lock, deadline, [this] { return closing_ || !pending_.empty(); })) break;
    if (pending_.empty() || !pending_.front()->is_journal_append()) break;
    into.push_back(std::move(pending_.front()));
    pending_.pop_front();
  }
}

}  // namespace hanabi::detail
