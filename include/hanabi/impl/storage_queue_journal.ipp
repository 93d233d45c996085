#pragma once

#include <hanabi/storage/queue_journal.hpp>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>

#include <cstddef>
#include <type_traits>
#include <variant>

namespace hanabi::detail {

namespace {
// The index of change T in queue_event::change_type.
template <class T, class Variant = queue_event::change_type>
struct change_index;
template <class T, class... Changes>
struct change_index<T, std::variant<Changes...>> {
  static constexpr std::size_t value = [] {
    std::size_t i = 0;
    (void)((std::is_same_v<T, Changes> || (++i, false)) || ...);
    return i;
  }();
};
template <class T>
inline constexpr std::size_t index_of = change_index<T>::value;
}  // namespace

HANABI_DECL void flat_event_batch::add(const queue_event& e) {
  // The record is built in registers and stored once, the change found by a switch on its index
  // (std::visit calls through a table), and no batch size is read for the scalar changes: this is
  // the caller's whole share of the journal.
  flat_event f;
  f.version = e.version;
  f.rng_state = e.rng_state;
  f.type = static_cast<std::uint8_t>(e.change.index());
  const auto narrow = [](std::size_t n) { return static_cast<std::uint32_t>(n); };
  switch (e.change.index()) {
    case index_of<queue_change::moved>: {
      const auto& c = *std::get_if<queue_change::moved>(&e.change);
      f.scalars[0] = narrow(c.from), f.scalars[1] = narrow(c.count), f.scalars[2] = narrow(c.to);
      break;
    }
    case index_of<queue_change::swapped>: {
      const auto& c = *std::get_if<queue_change::swapped>(&e.change);
      f.scalars[0] = narrow(c.a), f.scalars[1] = narrow(c.b);
      break;
    }
    case index_of<queue_change::cleared>: f.flag = std::get_if<queue_change::cleared>(&e.change)->upcoming_only; break;
    case index_of<queue_change::pointer_moved>: {
      const auto& c = *std::get_if<queue_change::pointer_moved>(&e.change);
      f.scalars[0] = narrow(c.current), f.flag = c.active;
      break;
    }
    case index_of<queue_change::repeat_changed>:
      f.scalars[0] = static_cast<std::uint32_t>(std::get_if<queue_change::repeat_changed>(&e.change)->mode);
      break;
    case index_of<queue_change::reordered>:
      f.flag = std::get_if<queue_change::reordered>(&e.change)->by_shuffle;
      f.scalars[0] = add_lists(e.change);
      break;
    default: f.scalars[0] = add_lists(e.change); break;
  }
  events_.push_back(f);
}

HANABI_DECL std::uint32_t flat_event_batch::add_lists(const queue_event::change_type& change) {
  const auto push_numbers = [this](const std::vector<std::size_t>& numbers) {
    // One by one: most events carry one position.
    for (const auto n : numbers) numbers_.push_back(static_cast<std::uint32_t>(n));
    return static_cast<std::uint32_t>(numbers.size());
  };
  if (const auto* c = std::get_if<queue_change::inserted>(&change)) {
    for (const auto& item : c->items) items_.push_back(flatten(item));
    return push_numbers(c->positions);
  }
  if (const auto* c = std::get_if<queue_change::removed>(&change)) return push_numbers(c->positions);
  return push_numbers(std::get<queue_change::reordered>(change).order);
}

HANABI_DECL flat_event_batch::flat_item flat_event_batch::flatten(const queue_item& item) {
  flat_item f{item.track, item.requester, item.start_time, item.end_time, item.added_at, item.id, item.volume, {}};
  if (!item.filters.is_null() || !item.user_data.is_null()) {
    f.overrides = overrides_.size();
    overrides_.emplace_back(item.filters, item.user_data);
  }
  return f;
}

HANABI_DECL queue_item flat_event_batch::rebuild(flat_item& f) {
  queue_item item;
  item.track = std::move(f.track);
  item.requester = f.requester;
  item.start_time = f.start_time;
  item.end_time = f.end_time;
  item.volume = f.volume;
  if (f.overrides) {
    item.filters = std::move(overrides_[*f.overrides].first);
    item.user_data = std::move(overrides_[*f.overrides].second);
  }
  item.added_at = f.added_at;
  item.id = f.id;
  return item;
}

HANABI_DECL std::vector<queue_event> flat_event_batch::take() {
  std::vector<queue_event> out;
  out.reserve(events_.size());
  std::size_t numbers = 0, items = 0;
  for (const auto& f : events_) out.push_back(rebuild(f, numbers, items));
  clear();
  return out;
}

HANABI_DECL queue_event flat_event_batch::rebuild(const flat_event& f, std::size_t& numbers, std::size_t& items) {
  const std::size_t s[] = {f.scalars[0], f.scalars[1], f.scalars[2]};
  const auto take_numbers = [&] {
    const auto first = numbers_.begin() + static_cast<std::ptrdiff_t>(numbers);
    numbers += s[0];
    return std::vector<std::size_t>(first, first + static_cast<std::ptrdiff_t>(s[0]));
  };
  queue_event e{f.version, f.rng_state, {}};
  switch (f.type) {
    case index_of<queue_change::inserted>: {
      std::vector<queue_item> rebuilt;
      rebuilt.reserve(s[0]);
      for (std::size_t i = 0; i < s[0]; ++i) rebuilt.push_back(rebuild(items_[items + i]));
      items += s[0];
      e.change = queue_change::inserted{take_numbers(), std::move(rebuilt)};
      break;
    }
    case index_of<queue_change::removed>: e.change = queue_change::removed{take_numbers()}; break;
    case index_of<queue_change::moved>: e.change = queue_change::moved{s[0], s[1], s[2]}; break;
    case index_of<queue_change::swapped>: e.change = queue_change::swapped{s[0], s[1]}; break;
    case index_of<queue_change::reordered>: e.change = queue_change::reordered{take_numbers(), f.flag}; break;
    case index_of<queue_change::cleared>: e.change = queue_change::cleared{f.flag}; break;
    case index_of<queue_change::pointer_moved>: e.change = queue_change::pointer_moved{s[0], f.flag}; break;
    default: e.change = queue_change::repeat_changed{static_cast<repeat_mode>(s[0])}; break;
  }
  return e;
}

HANABI_DECL queue_journal_state::queue_journal_state(storage::store& store, storage::session_key key,
                                                     std::uint64_t durable_version, logger log)
    : store_(store), key_(std::move(key)), log_(std::move(log)), recorded_(durable_version), durable_(durable_version) {}

HANABI_DECL void queue_journal_state::record(const queue_event& event) {
  {
    std::lock_guard lock(mutex_);
    if (failed_) return;  // stopped: nothing recorded now could follow the stored version
    recorded_ = event.version;
    pending_.add(event);
    if (writing_) return;  // the write in flight will submit the next batch when it completes
    writing_ = true;
  }
  submit_write();
}

HANABI_DECL void queue_journal_state::add_waiter(flush_handler handler) {
  std::unique_lock lock(mutex_);
  const std::uint64_t target = recorded_;
  if (failed_ || durable_version() >= target) {
    const error_code ec = failed_ ? failed_->code : error_code{};
    lock.unlock();
    complete(waiter{target, std::move(handler)}, ec, durable_version());
    return;
  }
  waiters_.push_back(waiter{target, std::move(handler)});  // a write is in flight: recorded_ > durable
}

HANABI_DECL std::uint64_t queue_journal_state::recorded_version() const {
  std::lock_guard lock(mutex_);
  return recorded_;
}

HANABI_DECL std::optional<failure> queue_journal_state::failed() const {
  std::lock_guard lock(mutex_);
  return failed_;
}

HANABI_DECL void queue_journal_state::submit_write() {
  store_.start<storage::journal_status>(
      diag_, [self = shared_from_this()](error_code ec, storage::journal_status status) { self->written(ec, status); },
      true, [self = shared_from_this()](storage_core& core) { return self->write_batch(core); });
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

HANABI_DECL void queue_journal_state::written(error_code ec, storage::journal_status status) {
  std::vector<waiter> ready;
  bool again = false;
  {
    std::lock_guard lock(mutex_);
    if (ec) {
      failed_ = failure{ec, diag_};
      pending_.clear();
      ready.swap(waiters_);
      writing_ = false;
    } else {
      durable_.store(status.version, std::memory_order_release);
      // Targets never decrease (each is the recorded version at its call), so the ready ones lead.
      std::size_t done = 0;
      while (done < waiters_.size() && waiters_[done].version <= status.version) ready.push_back(std::move(waiters_[done++]));
      waiters_.erase(waiters_.begin(), waiters_.begin() + static_cast<std::ptrdiff_t>(done));
      again = !pending_.empty();
      writing_ = again;
    }
  }
  if (ec)
    log_.error("storage: journal of session {}/{}/{} stopped at version {}: {}", key_.bot, key_.guild, key_.channel,
               durable_version(), failure{ec, diag_}.what());
  for (auto& w : ready) complete(std::move(w), ec, durable_version());
  if (again) submit_write();
}

HANABI_DECL void queue_journal_state::complete(waiter w, error_code ec, std::uint64_t version) const {
  auto work = boost::asio::prefer(boost::asio::get_associated_executor(w.handler, store_.get_executor()),
                                  boost::asio::execution::outstanding_work.tracked);
  // Through the store's executor, so that a handler never runs inside async_flush itself.
  boost::asio::post(store_.get_executor(), [work = std::move(work), h = std::move(w.handler), ec, version]() mutable {
    boost::asio::dispatch(work, [h = std::move(h), ec, version]() mutable { std::move(h)(ec, version); });
  });
}

}  // namespace hanabi::detail

namespace hanabi::storage {

HANABI_DECL queue_journal::queue_journal(store& s, session_key key, std::uint64_t durable_version,
                                         queue_journal_config config)
    : state_(std::make_shared<detail::queue_journal_state>(s, std::move(key), durable_version, std::move(config.log))) {}

}  // namespace hanabi::storage
