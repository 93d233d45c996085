// Definitions of queue/detail/flat_event_batch.hpp: the out-of-line half (lists, rebuilding).
#pragma once

#include <hanabi/queue/detail/flat_event_batch.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <iterator>
#include <utility>
#include <variant>
#include <vector>

namespace hanabi::detail {

HANABI_DECL std::array<std::uint32_t, 3> flat_event_batch::append_numbers(const std::vector<std::size_t>& numbers) {
  for (const auto n : numbers) numbers_.push_back(narrow(n));
  return {narrow(numbers.size()), 0, 0};
}

HANABI_DECL bool flat_event_batch::add(std::uint64_t version, std::uint64_t rng_state,
                                       const queue_change::inserted& c) {
  prefetch_items();
  for (const auto& item : c.items) append_item(item);
  return push(version, rng_state, record<queue_change::inserted>(list_scalars(c.positions)));
}

HANABI_DECL bool flat_event_batch::add(std::uint64_t version, std::uint64_t rng_state, queue_change::inserted&& c) {
  prefetch_items();
  for (auto& item : c.items) append_item(std::move(item));
  return push(version, rng_state, record<queue_change::inserted>(list_scalars(c.positions)));
}

HANABI_DECL bool flat_event_batch::add(std::uint64_t version, std::uint64_t rng_state,
                                       const queue_change::removed& c) {
  return push(version, rng_state, record<queue_change::removed>(list_scalars(c.positions)));
}

HANABI_DECL bool flat_event_batch::add(std::uint64_t version, std::uint64_t rng_state,
                                       const queue_change::reordered& c) {
  return push(version, rng_state, record<queue_change::reordered>(list_scalars(c.order), c.by_shuffle));
}

HANABI_DECL bool flat_event_batch::add(std::uint64_t version, std::uint64_t rng_state,
                                       const queue_event::change_type& change) {
  // A replayed event may carry any state: mark it here, since a scalar change's add would not look.
  const bool first = empty();
  if (version != next_.version || rng_state != next_.rng_state) mark(version, rng_state);
  std::visit([&](const auto& c) { add(version, rng_state, c); }, change);
  return first;
}

HANABI_DECL bool flat_event_batch::mark_for(std::uint64_t version, std::uint64_t rng_state) {
  const bool first = empty();
  if (first && events_)
    for (std::size_t r = 0; r < prefetch_records; r += 64 / sizeof(flat_event)) prefetch_for_write(events_.get() + r);
  mark(version, rng_state);
  return first;
}

HANABI_DECL void flat_event_batch::splice(flat_event_batch& other) {
  if (other.empty()) return;
  if (empty()) return swap(other);
  // other's records start from the state every batch starts from: return to it first.
  if (next_.version != 0) push_mark(version_mark, 0);
  if (next_.rng_state != 0) push_mark(rng_mark, 0);
  // Item overrides are indexed into their batch's overrides_: shift them past this batch's.
  const auto shift = narrow(overrides_.size());
  for (auto& item : other.items_)
    if (item.overrides != flat_item::none) item.overrides += shift;
  while (capacity() < size() + other.size()) grow();
  end_ = std::copy_n(other.events_.get(), other.size(), end_);
  next_ = other.next_;
  numbers_.insert(numbers_.end(), other.numbers_.begin(), other.numbers_.end());
  items_.insert(items_.end(), std::make_move_iterator(other.items_.begin()), std::make_move_iterator(other.items_.end()));
  overrides_.insert(overrides_.end(), std::make_move_iterator(other.overrides_.begin()),
                    std::make_move_iterator(other.overrides_.end()));
  other.clear();
}

HANABI_DECL void flat_event_batch::mark(std::uint64_t version, std::uint64_t rng_state) {
  if (version != next_.version) push_mark(version_mark, version);
  if (rng_state != next_.rng_state) push_mark(rng_mark, rng_state);
}

HANABI_DECL void flat_event_batch::push_mark(std::uint8_t type, std::uint64_t value) {
  if (end_ == limit_) grow();
  *end_++ = {{static_cast<std::uint32_t>(value), static_cast<std::uint32_t>(value >> 32), 0}, type, false};
  (type == version_mark ? next_.version : next_.rng_state) = value;
}

HANABI_DECL void flat_event_batch::grow() {
  const std::size_t count = size(), doubled = events_ ? 2 * capacity() : 64;
  auto events = std::make_unique<flat_event[]>(doubled + prefetch_records);
  std::copy_n(events_.get(), count, events.get());
  events_ = std::move(events);
  end_ = events_.get() + count;
  limit_ = events_.get() + doubled;
}

HANABI_DECL std::uint32_t flat_event_batch::append_overrides(const queue_item& item) {
  overrides_.emplace_back(item.filters, item.user_data);
  return narrow(overrides_.size() - 1);
}

HANABI_DECL std::uint32_t flat_event_batch::append_overrides(queue_item&& item) {
  overrides_.emplace_back(std::move(item.filters), std::move(item.user_data));
  return narrow(overrides_.size() - 1);
}

HANABI_DECL queue_item flat_event_batch::rebuild(flat_item& f) {
  queue_item item;
  item.track = std::move(f.track);
  item.requester = f.requester;
  item.start_time = f.start_time;
  item.end_time = f.end_time;
  if (f.has_volume) item.volume = f.volume;
  if (f.overrides != flat_item::none) {
    item.filters = std::move(overrides_[f.overrides].first);
    item.user_data = std::move(overrides_[f.overrides].second);
  }
  item.added_at = f.added_at;
  item.id = f.id;
  return item;
}

HANABI_DECL std::vector<queue_event> flat_event_batch::take() {
  std::vector<queue_event> out;
  out.reserve(size());
  event_state at;
  std::size_t numbers = 0, items = 0;
  for (const flat_event* record = events_.get(); record != end_; ++record) {
    const flat_event& f = *record;
    const std::uint64_t value = f.scalars[0] | std::uint64_t{f.scalars[1]} << 32;
    if (f.type == version_mark) {
      at.version = value;
    } else if (f.type == rng_mark) {
      at.rng_state = value;
    } else {
      out.push_back(rebuild(f, at, numbers, items));
      ++at.version;
    }
  }
  clear();
  return out;
}

HANABI_DECL queue_event flat_event_batch::rebuild(const flat_event& f, const event_state& at, std::size_t& numbers,
                                                  std::size_t& items) {
  const std::size_t s[] = {f.scalars[0], f.scalars[1], f.scalars[2]};
  const auto take_numbers = [&] {
    if (s[0] == 1) return std::vector<std::size_t>{s[1]};
    const auto first = numbers_.begin() + static_cast<std::ptrdiff_t>(numbers);
    numbers += s[0];
    return std::vector<std::size_t>(first, first + static_cast<std::ptrdiff_t>(s[0]));
  };
  queue_event e{at.version, at.rng_state, {}};
  switch (f.type) {
    case change_index_of<queue_change::inserted>: {
      std::vector<queue_item> rebuilt;
      rebuilt.reserve(s[0]);
      for (std::size_t i = 0; i < s[0]; ++i) rebuilt.push_back(rebuild(items_[items + i]));
      items += s[0];
      e.change = queue_change::inserted{take_numbers(), std::move(rebuilt)};
      break;
    }
    case change_index_of<queue_change::removed>: e.change = queue_change::removed{take_numbers()}; break;
    case change_index_of<queue_change::moved>: e.change = queue_change::moved{s[0], s[1], s[2]}; break;
    case change_index_of<queue_change::swapped>: e.change = queue_change::swapped{s[0], s[1]}; break;
    case change_index_of<queue_change::reordered>: e.change = queue_change::reordered{take_numbers(), f.flag}; break;
    case change_index_of<queue_change::cleared>: e.change = queue_change::cleared{f.flag}; break;
    case change_index_of<queue_change::pointer_moved>: e.change = queue_change::pointer_moved{s[0], f.flag}; break;
    default: e.change = queue_change::repeat_changed{static_cast<repeat_mode>(s[0])}; break;
  }
  return e;
}

}  // namespace hanabi::detail
