#pragma once

#include <hanabi/detail/prefetch.hpp>
#include <hanabi/storage/queue_journal.hpp>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/execution/blocking.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/execution/relationship.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/require.hpp>

#include <mutex>
#include <optional>
#include <utility>
#include <vector>

namespace hanabi::detail {

HANABI_DECL queue_journal_state::queue_journal_state(storage::store& store, storage::session_key key,
                                                     std::uint64_t durable_version, logger log)
    : store_(store), key_(std::move(key)), log_(std::move(log)), recorded_(durable_version), durable_(durable_version) {}

HANABI_DECL void queue_journal_state::record_now(const queue_event& event) {
  {
    std::lock_guard lock(mutex_);
    if (failed_) return;  // stopped: nothing recorded now could follow the stored version
    recorded_ = event.version;
    pending_.add(event);
    if (writing_) return;  // the write out will take it, or written() hands it off again
    claim_write({});
  }
  store_.hand_off(write_);
}

HANABI_DECL void queue_journal_state::hand_off_on(boost::asio::any_io_executor strand) {
  // The properties a hand-off needs, applied once here rather than by asio::post at every batch:
  // never run inside batch_started() (the queue is mid-mutation), and a continuation of the job
  // that recorded, which an io_context queues on its own thread with no lock and no atomic.
  auto hand_offs = boost::asio::prefer(boost::asio::require(strand, boost::asio::execution::blocking.never),
                                       boost::asio::execution::relationship.continuation);
  std::lock_guard lock(mutex_);
  strand_ = std::move(strand);
  hand_offs_ = std::move(hand_offs);
}

HANABI_DECL void queue_journal_state::batch_started() {
  // hand_offs_ is only written before the queue records or on the strand itself: reading it here,
  // on the strand, needs no lock. No work guard (asio::post's): the queued job is the executor's work.
  if (!hand_offs_) return hand_off({});
  // The hand-off at the batch's end takes the lock, pending_ and the store's hand-off list, which
  // the store's side wrote last: claim their lines now, while the batch is being recorded.
  for (std::size_t line = 0; line < shared_lines; ++line)
    detail::prefetch_for_write(reinterpret_cast<const char*>(&mutex_) + line * cache_line);
  store_.expect_hand_off();
  hand_offs_->execute([self = shared_from_this()]() mutable {
    auto& state = *self;
    state.hand_off(std::move(self));
  });
}

HANABI_DECL void queue_journal_state::hand_off(std::shared_ptr<queue_journal_state> hold) {
  {
    std::lock_guard lock(mutex_);
    take(pending_);  // a swap when no write waits: the strand's buffer gets pending_'s emptied capacity
    if (pending_.empty()) return;  // a flush or an earlier hand-off took it already
    if (failed_) return pending_.clear();  // stopped: nothing could follow the stored version
    recorded_ = pending_.last_version();
    if (writing_) return;  // the write out will take it, or written() hands it off again
    claim_write(std::move(hold));
  }
  store_.hand_off(write_);  // no syscall while the store's thread is awake (see job_thread)
}

HANABI_DECL void queue_journal_state::claim_write(std::shared_ptr<queue_journal_state> hold) {
  writing_ = true;
  // Takes over the queued hand-off's reference when there is one: an atomic increment fewer.
  in_flight_ = hold ? std::move(hold) : shared_from_this();
}

HANABI_DECL void queue_journal_state::flush(flush_handler handler) {
  std::optional<boost::asio::any_io_executor> strand;
  {
    std::lock_guard lock(mutex_);
    strand = strand_;
  }
  if (!strand) return add_waiter(std::move(handler));
  // On the strand (at once when called there), so that what it recorded is handed off first.
  boost::asio::dispatch(*strand, [self = shared_from_this(), h = std::move(handler)]() mutable {
    self->hand_off({});
    self->add_waiter(std::move(h));
  });
}

HANABI_DECL void queue_journal_state::add_waiter(flush_handler handler) {
  std::unique_lock lock(mutex_);
  const std::uint64_t target = recorded_;
  if (failed_ || durable_version() >= target) {
    const error_code ec = failed_ ? failed_->code : error_code{};
    lock.unlock();
    complete(make_waiter(target, std::move(handler)), ec, durable_version());
    return;
  }
  waiters_.push_back(make_waiter(target, std::move(handler)));  // the write is out: recorded_ > durable
}

HANABI_DECL queue_journal_state::waiter queue_journal_state::make_waiter(std::uint64_t version,
                                                                          flush_handler handler) const {
  auto work = boost::asio::prefer(boost::asio::get_associated_executor(handler, store_.get_executor()),
                                  boost::asio::execution::outstanding_work.tracked);
  return waiter{version, std::move(handler), std::move(work)};
}

HANABI_DECL std::uint64_t queue_journal_state::recorded_version() const {
  std::lock_guard lock(mutex_);
  return recorded_;
}

HANABI_DECL std::optional<failure> queue_journal_state::failed() const {
  std::lock_guard lock(mutex_);
  return failed_;
}

// Runs where the store runs its operations (its own thread for sqlite_store).
HANABI_DECL result<storage::journal_status> queue_journal_state::write_batch(storage_core& core) {
  {
    std::lock_guard lock(mutex_);
    batch_.swap(pending_);  // pending_ takes the previous batch's (emptied) capacity
  }
  std::vector<storage::journal_event> events;
  for (const auto& e : batch_.take()) events.push_back({e.version, to_json_value(e)});
  return core.append_events(key_, std::move(events));
}

HANABI_DECL void queue_journal_state::write_job::release() noexcept {
  auto outcome = std::move(*outcome_);
  outcome_.reset();
  owner_.released(std::move(outcome));
}

// On the store's thread, the last time it touches the write: from here on written() owns it.
HANABI_DECL void queue_journal_state::released(result<storage::journal_status> outcome) noexcept {
  boost::asio::post(store_.get_executor(), [self = std::move(in_flight_), outcome = std::move(outcome)]() mutable {
    self->written(std::move(outcome));
  });
}

HANABI_DECL void queue_journal_state::written(result<storage::journal_status> outcome) {
  bool again = false;
  {
    std::lock_guard lock(mutex_);
    if (!outcome) {
      failed_ = outcome.error();
      pending_.clear();
      take_waiters(0, true);
      writing_ = false;
    } else {
      durable_.store(outcome->version, std::memory_order_release);
      take_waiters(outcome->version, false);
      again = !pending_.empty();  // handed off while the write was out
      writing_ = again;
      if (again) in_flight_ = shared_from_this();
    }
  }
  const error_code ec = outcome ? error_code{} : outcome.error().code;
  if (!outcome)
    log_.error("storage: journal of session {}/{}/{} stopped at version {}: {}", key_.bot, key_.guild, key_.channel,
               durable_version(), outcome.error().what());
  for (auto& w : completing_) complete(std::move(w), ec, durable_version());
  completing_.clear();
  if (again) store_.hand_off(write_);
}

HANABI_DECL void queue_journal_state::take_waiters(std::uint64_t durable, bool all) {
  // Targets never decrease (each is the recorded version at its call), so the ready ones lead.
  while (first_waiter_ < waiters_.size() && (all || waiters_[first_waiter_].version <= durable))
    completing_.push_back(std::move(waiters_[first_waiter_++]));
  if (first_waiter_ < waiters_.size()) return;
  waiters_.clear();
  first_waiter_ = 0;
}

HANABI_DECL void queue_journal_state::complete(waiter w, error_code ec, std::uint64_t version) const {
  // Through the store's executor, so that a handler never runs inside async_flush itself.
  boost::asio::post(store_.get_executor(), [work = std::move(w.work), h = std::move(w.handler), ec, version]() mutable {
    boost::asio::dispatch(work, [h = std::move(h), ec, version]() mutable { std::move(h)(ec, version); });
  });
}

}  // namespace hanabi::detail

namespace hanabi::storage {

HANABI_DECL queue_journal::queue_journal(store& s, session_key key, std::uint64_t durable_version,
                                         queue_journal_config config)
    : state_(std::make_shared<detail::queue_journal_state>(s, std::move(key), durable_version, std::move(config.log))) {}

}  // namespace hanabi::storage
