// Definitions of track_queue.hpp. Every mutation first checks its arguments,
// then resolves its effect into a queue_change (final positions, chosen
// permutation) and applies that through the same code that replays events,
// so a queue and a mirror fed with its events cannot drift apart.
#pragma once

#include <hanabi/detail/queue_json.hpp>
#include <hanabi/queue/track_queue.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <string>
#include <unordered_map>
#include <utility>

namespace hanabi {
namespace detail {

/// "position 9 is out of range: choose 1 to 7", or queue_empty when there is nothing to choose.
inline failure queue_position_error(std::size_t position, std::size_t last) {
  if (last == 0) return failure{error::queue_empty, "the queue is empty"};
  return failure{error::position_out_of_range,
                 fmt::format("position {} is out of range: choose 1 to {}", position, last)};
}

/// A Fenwick tree over 0/1 slots that finds the k-th free slot: it places the items of a RANDOM
/// enqueue in O(k log n) instead of simulating k insertions into the list.
class free_slot_tree {
 public:
  explicit free_slot_tree(std::size_t n) : tree_(n + 1, 0) {
    for (std::size_t i = 1; i <= n; ++i) {
      tree_[i] += 1;
      const std::size_t parent = i + (i & (~i + 1));
      if (parent <= n) tree_[parent] += tree_[i];
    }
    for (step_ = 1; step_ * 2 <= n; step_ *= 2) {}
  }

  /// Takes the (rank+1)-th free slot (rank 0 = the first) and returns its 0-based index.
  std::size_t take(std::size_t rank) {
    std::size_t pos = 0;
    std::size_t remaining = rank + 1;
    for (std::size_t step = step_; step > 0; step /= 2) {
      if (pos + step < tree_.size() && tree_[pos + step] < remaining) {
        pos += step;
        remaining -= tree_[pos];
      }
    }
    for (std::size_t i = pos + 1; i < tree_.size(); i += i & (~i + 1)) --tree_[i];
    return pos;
  }

 private:
  std::vector<std::size_t> tree_;
  std::size_t step_ = 0;
};

/// A set of identifiers for the duplicates rule: open addressing in one allocation, rather than a
/// node per identifier, because the rule runs over the whole queue.
class identifier_set {
 public:
  explicit identifier_set(std::size_t expected) {
    std::size_t capacity = 16;
    while (capacity < 2 * expected) capacity *= 2;
    keys_.resize(capacity);
    used_.resize(capacity, false);
    mask_ = capacity - 1;
  }

  /// True when `key` was not in the set yet.
  bool insert(std::string_view key) {
    for (std::size_t i = std::hash<std::string_view>{}(key) & mask_;; i = (i + 1) & mask_) {
      if (!used_[i]) {
        used_[i] = true;
        keys_[i] = key;
        return true;
      }
      if (keys_[i] == key) return false;
    }
  }

 private:
  std::vector<std::string_view> keys_;
  std::vector<bool> used_;
  std::size_t mask_ = 0;
};

}  // namespace detail

track_queue::track_queue(queue_config config) : config_(std::move(config)), rng_(config_.seed) {}

track_queue::track_queue(track_queue&& other, queue_config config) : track_queue(std::move(other)) {
  config_ = std::move(config);
}

result<const queue_item*> track_queue::at(std::size_t position) const {
  if (position == 0 || position > size()) return detail::queue_position_error(position, size());
  return &at_index(position - 1);
}

// --- Applying changes (shared by mutations and apply()) ---------------------------------------

track_queue::slot_index track_queue::store(queue_item item) {
  if (!free_slots_.empty()) {
    const slot_index s = free_slots_.back();
    free_slots_.pop_back();
    slot(s) = std::move(item);
    return s;
  }
  if (chunks_.empty() || chunks_.back().size() == chunk_size) chunks_.emplace_back().reserve(chunk_size);
  chunks_.back().push_back(std::move(item));
  return static_cast<slot_index>((chunks_.size() - 1) * chunk_size + chunks_.back().size() - 1);
}

// A template (defined here, the only place it is instantiated) so that the recorder is called with
// the type of change the mutation made: recording then needs no dispatch on the variant.
template <class Change>
result<void> track_queue::commit(queue_event event) {
  if (auto r = apply_change(event.change); !r) return r;
  ++version_;
  if (config_.on_change) {
    event.version = version_;
    event.rng_state = rng_.state();
    config_.on_change(event);
  }
  // Last, and moved: the event dies when this returns, so the recorder may take its items.
  if (config_.recorder) {
    auto* change = std::get_if<Change>(&event.change);
#if defined(__GNUC__) || defined(__clang__)
    // Every caller builds the event from a Change: tell the compiler, which otherwise tests the
    // variant's index again on each journaled mutation.
    if (!change) __builtin_unreachable();
#endif
    config_.recorder->record(version_, rng_.state(), std::move(*change));
  }
  return {};
}

result<void> track_queue::apply_change(const queue_event::change_type& change) {
  struct visitor {
    track_queue& q;
    result<void> operator()(const queue_change::inserted& c) { return q.apply_inserted(c); }
    result<void> operator()(const queue_change::removed& c) { return q.apply_removed(c); }
    result<void> operator()(const queue_change::moved& c) { return q.apply_moved(c); }
    result<void> operator()(const queue_change::swapped& c) { return q.apply_swapped(c); }
    result<void> operator()(const queue_change::reordered& c) { return q.apply_reordered(c); }
    result<void> operator()(const queue_change::cleared& c) { return q.apply_cleared(c); }
    result<void> operator()(const queue_change::pointer_moved& c) { return q.apply_pointer(c); }
    result<void> operator()(const queue_change::repeat_changed& c) {
      q.repeat_ = c.mode;
      return {};
    }
  };
  return std::visit(visitor{*this}, change);
}

namespace detail {
inline failure queue_mismatch(std::string what) { return failure{error::event_mismatch, std::move(what)}; }
}  // namespace detail

result<void> track_queue::apply_inserted(const queue_change::inserted& c) {
  const std::size_t n = size(), k = c.positions.size();
  if (k == 0 || c.items.size() != k) return detail::queue_mismatch("an insert needs as many positions as items, at least one");
  for (std::size_t i = 0; i < k; ++i) {
    if (c.positions[i] == 0 || c.positions[i] > n + k || (i > 0 && c.positions[i] <= c.positions[i - 1]))
      return detail::queue_mismatch("insert positions must ascend within the new queue");
    if (!c.items[i].track) return detail::queue_mismatch("an inserted item has no track");
  }
  std::vector<slot_index> new_slots;
  new_slots.reserve(k);
  for (const auto& item : c.items) {
    new_slots.push_back(store(item));
    next_id_ = std::max(next_id_, item.id + 1);
  }
  // Fill from the back: the old items after each new one slide right in one block; the untouched
  // prefix stays put.
  order_.resize(n + k);
  std::size_t old_end = n, dst_end = n + k;
  for (std::size_t j = k; j-- > 0;) {
    const std::size_t at = c.positions[j] - 1, old_begin = at - j;
    std::copy_backward(order_.begin() + static_cast<std::ptrdiff_t>(old_begin),
                       order_.begin() + static_cast<std::ptrdiff_t>(old_end),
                       order_.begin() + static_cast<std::ptrdiff_t>(dst_end));
    order_[at] = new_slots[j];
    old_end = old_begin;
    dst_end = at;
  }
  if (current_ != 0)
    for (std::size_t p : c.positions)
      if (p <= current_) ++current_;
  return {};
}

result<void> track_queue::apply_removed(const queue_change::removed& c) {
  const std::size_t n = size();
  if (c.positions.empty()) return detail::queue_mismatch("a removal needs at least one position");
  for (std::size_t i = 0; i < c.positions.size(); ++i)
    if (c.positions[i] == 0 || c.positions[i] > n || (i > 0 && c.positions[i] <= c.positions[i - 1]))
      return detail::queue_mismatch("removed positions must ascend within the queue");
  std::size_t removed_before_current = 0;
  bool current_removed = false;
  // Release each removed slot, then close the gap by moving the block up to the next removed one.
  auto dst = order_.begin() + static_cast<std::ptrdiff_t>(c.positions.front() - 1);
  for (std::size_t i = 0; i < c.positions.size(); ++i) {
    const std::size_t p = c.positions[i];
    if (p <= current_) ++removed_before_current;
    if (p == current_) current_removed = true;
    slot(order_[p - 1]) = queue_item{};
    free_slots_.push_back(order_[p - 1]);
    const std::size_t block_end = i + 1 < c.positions.size() ? c.positions[i + 1] - 1 : n;
    dst = std::copy(order_.begin() + static_cast<std::ptrdiff_t>(p), order_.begin() + static_cast<std::ptrdiff_t>(block_end), dst);
  }
  order_.resize(n - c.positions.size());
  current_ -= removed_before_current;
  if (current_removed) active_ = false;
  return {};
}

result<void> track_queue::apply_moved(const queue_change::moved& c) {
  const std::size_t n = size();
  if (c.count == 0 || c.from == 0 || c.to == 0 || c.from + c.count - 1 > n || c.to + c.count - 1 > n)
    return detail::queue_mismatch("a move must stay within the queue");
  const std::size_t f = c.from - 1, t = c.to - 1, count = c.count;
  auto first = order_.begin();
  if (t < f) std::rotate(first + t, first + f, first + f + count);
  if (t > f) std::rotate(first + f, first + f + count, first + t + count);
  if (current_ != 0) {
    const std::size_t x = current_ - 1;
    std::size_t moved_x;
    if (x >= f && x < f + count) {
      moved_x = t + (x - f);
    } else {
      const std::size_t without_block = x < f ? x : x - count;
      moved_x = without_block < t ? without_block : without_block + count;
    }
    current_ = moved_x + 1;
  }
  return {};
}

result<void> track_queue::apply_swapped(const queue_change::swapped& c) {
  if (c.a == 0 || c.b == 0 || c.a > size() || c.b > size()) return detail::queue_mismatch("a swap must stay within the queue");
  std::swap(order_[c.a - 1], order_[c.b - 1]);
  if (current_ == c.a)
    current_ = c.b;
  else if (current_ == c.b)
    current_ = c.a;
  return {};
}

result<void> track_queue::apply_reordered(const queue_change::reordered& c) {
  const std::size_t u = upcoming_count();
  if (c.order.size() != u) return detail::queue_mismatch("a reorder must name every upcoming item");
  std::vector<bool> seen(u, false);
  for (std::size_t p : c.order) {
    if (p <= current_ || p > size() || seen[p - current_ - 1]) return detail::queue_mismatch("a reorder must permute the upcoming items");
    seen[p - current_ - 1] = true;
  }
  std::vector<slot_index> before(order_.begin() + static_cast<std::ptrdiff_t>(current_), order_.end());
  if (c.by_shuffle) {
    shuffle_memory_.clear();
    shuffle_memory_.reserve(u);
    for (slot_index s : before) shuffle_memory_.push_back(slot(s).id);
  } else {
    shuffle_memory_.clear();
  }
  for (std::size_t i = 0; i < u; ++i) order_[current_ + i] = before[c.order[i] - current_ - 1];
  return {};
}

result<void> track_queue::apply_cleared(const queue_change::cleared& c) {
  if (!c.upcoming_only) {
    chunks_.clear();
    free_slots_.clear();
    order_.clear();
    shuffle_memory_.clear();
    current_ = 0;
    active_ = false;
    return {};
  }
  for (std::size_t i = current_; i < order_.size(); ++i) {
    slot(order_[i]) = queue_item{};
    free_slots_.push_back(order_[i]);
  }
  order_.resize(current_);
  return {};
}

result<void> track_queue::apply_pointer(const queue_change::pointer_moved& c) {
  if (c.current > size() || (c.active && c.current == 0)) return detail::queue_mismatch("the pointer must stay within the queue");
  current_ = c.current;
  active_ = c.active;
  return {};
}

result<void> track_queue::apply(const queue_event& event) {
  if (event.version != version_ + 1)
    return detail::queue_mismatch(fmt::format("event version {} does not follow queue version {}", event.version, version_));
  if (auto r = apply_change(event.change); !r) return r;
  version_ = event.version;
  rng_ = detail::queue_rng(event.rng_state);
  if (config_.recorder) config_.recorder->record(event.version, event.rng_state, event.change);
  if (config_.on_change) config_.on_change(event);
  return {};
}

// --- Adding --------------------------------------------------------------------------------

result<std::vector<std::size_t>> track_queue::insert_at(std::vector<std::size_t> positions,
                                                        std::vector<queue_item> items) {
  if (auto r = commit<queue_change::inserted>({.change = queue_change::inserted{positions, std::move(items)}}); !r) return r.error();
  return positions;
}

namespace detail {
inline failure check_queue_items(const std::vector<queue_item>& items) {
  if (items.empty()) return failure{error::no_effect, "there is nothing to add"};
  for (std::size_t i = 0; i < items.size(); ++i)
    if (!items[i].track) return failure{error::invalid_argument, fmt::format("item {} has no track", i + 1)};
  return {};
}
}  // namespace detail

result<std::vector<std::size_t>> track_queue::enqueue(std::vector<queue_item> items, const enqueue_options& options) {
  if (auto f = detail::check_queue_items(items); f.code) return f;
  if (options.shuffle) {
    for (std::size_t i = items.size() - 1; i > 0; --i) std::swap(items[i], items[rng_.below(i + 1)]);
  } else if (options.reverse) {
    std::reverse(items.begin(), items.end());
  }
  for (auto& item : items) item.id = next_id_++;

  const std::size_t k = items.size(), u = upcoming_count();
  std::vector<std::size_t> positions(k);
  switch (options.mode) {
    case enqueue_mode::fifo: std::iota(positions.begin(), positions.end(), size() + 1); break;
    case enqueue_mode::next: std::iota(positions.begin(), positions.end(), current_ + 1); break;
    case enqueue_mode::random: {
      // Item i goes into one of the u+i+1 gaps of the upcoming list as it is then. Walking backwards,
      // the last item's gap is final, and each earlier item takes the gap-th slot left free.
      std::vector<std::size_t> gaps(k);
      for (std::size_t i = 0; i < k; ++i) gaps[i] = rng_.below(u + i + 1);
      detail::free_slot_tree free(u + k);
      for (std::size_t i = k; i-- > 0;) positions[i] = current_ + 1 + free.take(gaps[i]);
      std::vector<std::size_t> by_position(k);
      std::iota(by_position.begin(), by_position.end(), 0);
      std::sort(by_position.begin(), by_position.end(), [&](auto a, auto b) { return positions[a] < positions[b]; });
      std::vector<queue_item> sorted_items;
      std::vector<std::size_t> sorted_positions;
      sorted_items.reserve(k);
      sorted_positions.reserve(k);
      for (std::size_t i : by_position) {
        sorted_items.push_back(std::move(items[i]));
        sorted_positions.push_back(positions[i]);
      }
      return insert_at(std::move(sorted_positions), std::move(sorted_items));
    }
    case enqueue_mode::interlace: {
      // F-1 upcoming items of others, then one new item, and again; F-1 = the number of other
      // requesters with upcoming items. Leftovers of either list follow in order.
      const user_id caller = options.caller ? options.caller : items.front().requester;
      std::unordered_set<user_id> others;
      for (std::size_t i = current_; i < size(); ++i)
        if (at_index(i).requester != caller) others.insert(at_index(i).requester);
      const std::size_t spacing = others.size();
      for (std::size_t j = 0; j < k; ++j) positions[j] = current_ + 1 + std::min((j + 1) * spacing, u) + j;
      break;
    }
  }
  return insert_at(std::move(positions), std::move(items));
}

result<std::vector<std::size_t>> track_queue::insert(std::size_t position, std::vector<queue_item> items) {
  if (position == 0 || position > size() + 1)
    return failure{error::position_out_of_range,
                   fmt::format("position {} is out of range: choose 1 to {}", position, size() + 1)};
  if (auto f = detail::check_queue_items(items); f.code) return f;
  for (auto& item : items) item.id = next_id_++;
  std::vector<std::size_t> positions(items.size());
  std::iota(positions.begin(), positions.end(), position);
  return insert_at(std::move(positions), std::move(items));
}

// --- Reordering ----------------------------------------------------------------------------

result<void> track_queue::move(std::size_t from, std::size_t to) {
  if (from == 0 || from > size()) return detail::queue_position_error(from, size());
  if (to == 0 || to > size()) return detail::queue_position_error(to, size());
  if (from == to) return failure{error::no_effect, fmt::format("the item is already at position {}", to)};
  return commit<queue_change::moved>({.change = queue_change::moved{from, 1, to}});
}

result<void> track_queue::move_range(std::size_t first, std::size_t last, std::size_t to) {
  if (first == 0 || first > size()) return detail::queue_position_error(first, size());
  if (last == 0 || last > size()) return detail::queue_position_error(last, size());
  if (last < first)
    return failure{error::invalid_argument, fmt::format("the range {} to {} is backwards", first, last)};
  const std::size_t count = last - first + 1, last_start = size() - count + 1;
  if (to == 0 || to > last_start)
    return failure{error::position_out_of_range,
                   fmt::format("position {} is out of range: choose 1 to {}", to, last_start)};
  if (to == first) return failure{error::no_effect, fmt::format("the items already start at position {}", to)};
  return commit<queue_change::moved>({.change = queue_change::moved{first, count, to}});
}

result<void> track_queue::swap(std::size_t a, std::size_t b) {
  if (a == 0 || a > size()) return detail::queue_position_error(a, size());
  if (b == 0 || b > size()) return detail::queue_position_error(b, size());
  if (a == b) return failure{error::no_effect, fmt::format("swapping position {} with itself would have no effect", a)};
  return commit<queue_change::swapped>({.change = queue_change::swapped{a, b}});
}

result<void> track_queue::shuffle() {
  const std::size_t u = upcoming_count();
  if (u < 2) return failure{error::no_effect, "there are fewer than two upcoming items to shuffle"};
  std::vector<std::size_t> order(u);
  std::iota(order.begin(), order.end(), current_ + 1);
  for (std::size_t i = u - 1; i > 0; --i) std::swap(order[i], order[rng_.below(i + 1)]);
  return commit<queue_change::reordered>({.change = queue_change::reordered{std::move(order), true}});
}

result<void> track_queue::unshuffle() {
  if (shuffle_memory_.empty()) return failure{error::nothing_to_unshuffle, "there is no shuffle to undo"};
  std::unordered_map<std::uint64_t, std::size_t> rank;
  rank.reserve(shuffle_memory_.size());
  for (std::size_t i = 0; i < shuffle_memory_.size(); ++i) rank.emplace(shuffle_memory_[i], i);
  std::vector<std::size_t> order(upcoming_count());
  std::iota(order.begin(), order.end(), current_ + 1);
  std::vector<std::size_t> slots;                          // offsets (in upcoming) of shuffled items
  std::vector<std::pair<std::size_t, std::size_t>> ranked; // (rank before the shuffle, position)
  for (std::size_t i = 0; i < order.size(); ++i) {
    auto it = rank.find(at_index(current_ + i).id);
    if (it == rank.end()) continue;
    slots.push_back(i);
    ranked.emplace_back(it->second, current_ + i + 1);
  }
  if (slots.empty()) return failure{error::nothing_to_unshuffle, "none of the shuffled items is still upcoming"};
  std::sort(ranked.begin(), ranked.end());
  for (std::size_t i = 0; i < slots.size(); ++i) order[slots[i]] = ranked[i].second;
  return commit<queue_change::reordered>({.change = queue_change::reordered{std::move(order), false}});
}

// --- Removing ------------------------------------------------------------------------------

result<std::vector<queue_item>> track_queue::remove_sorted(std::vector<std::size_t> positions) {
  std::vector<queue_item> removed;
  removed.reserve(positions.size());
  for (std::size_t p : positions) removed.push_back(at_index(p - 1));
  if (auto r = commit<queue_change::removed>({.change = queue_change::removed{std::move(positions)}}); !r) return r.error();
  return removed;
}

namespace detail {
inline failure queue_current_protected(std::size_t current) {
  return failure{error::current_item_protected,
                 fmt::format("position {} is the current item; remove it explicitly to remove it", current)};
}
}  // namespace detail

result<std::vector<queue_item>> track_queue::remove(std::span<const std::size_t> positions, removal policy) {
  if (empty()) return failure{error::queue_empty, "the queue is empty"};
  if (positions.empty()) return failure{error::no_effect, "no position was given"};
  for (std::size_t p : positions)
    if (p == 0 || p > size()) return detail::queue_position_error(p, size());
  std::vector<std::size_t> sorted(positions.begin(), positions.end());
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  if (policy == removal::keep_current && current_ != 0 && std::binary_search(sorted.begin(), sorted.end(), current_))
    return detail::queue_current_protected(current_);
  return remove_sorted(std::move(sorted));
}

result<std::vector<queue_item>> track_queue::remove_range(std::size_t first, std::size_t last, removal policy) {
  if (empty()) return failure{error::queue_empty, "the queue is empty"};
  if (first == 0 || first > size()) return detail::queue_position_error(first, size());
  if (last == 0 || last > size()) return detail::queue_position_error(last, size());
  if (last < first)
    return failure{error::invalid_argument, fmt::format("the range {} to {} is backwards", first, last)};
  if (policy == removal::keep_current && current_ >= first && current_ <= last) return detail::queue_current_protected(current_);
  std::vector<std::size_t> positions(last - first + 1);
  std::iota(positions.begin(), positions.end(), first);
  return remove_sorted(std::move(positions));
}

result<std::vector<queue_item>> track_queue::dequeue_where(const std::function<bool(const queue_item&)>& pred,
                                                           dequeue_scope scope) {
  if (empty()) return failure{error::queue_empty, "the queue is empty"};
  std::vector<std::size_t> positions;
  // The predicate also sees the current item (so stateful rules such as duplicates count it), but
  // the current item is never removed.
  const std::size_t begin = scope == dequeue_scope::upcoming && current_ != 0 ? current_ - 1 : 0;
  for (std::size_t i = begin; i < size(); ++i)
    if (pred(at_index(i)) && i + 1 != current_) positions.push_back(i + 1);
  if (positions.empty())
    return failure{error::no_effect, scope == dequeue_scope::upcoming ? "no upcoming item matches"
                                                                       : "no item other than the current one matches"};
  return remove_sorted(std::move(positions));
}

result<std::vector<queue_item>> track_queue::dequeue_if(const std::function<bool(const queue_item&)>& pred,
                                                        dequeue_scope scope) {
  return dequeue_where(pred, scope);
}

result<std::vector<queue_item>> track_queue::dequeue_requester(user_id requester, dequeue_scope scope) {
  return dequeue_where([requester](const queue_item& item) { return item.requester == requester; }, scope);
}

result<std::vector<queue_item>> track_queue::dequeue_absent(const std::unordered_set<user_id>& present,
                                                            dequeue_scope scope) {
  return dequeue_where([&present](const queue_item& item) { return !present.contains(item.requester); }, scope);
}

result<std::vector<queue_item>> track_queue::dequeue_source(std::string_view source_name, dequeue_scope scope) {
  return dequeue_where([source_name](const queue_item& item) { return item.track->source_name() == source_name; },
                       scope);
}

result<std::vector<queue_item>> track_queue::dequeue_duplicates(dequeue_scope scope) {
  detail::identifier_set seen(size());
  return dequeue_where([&seen](const queue_item& item) { return !seen.insert(item.track->identifier()); }, scope);
}

result<std::size_t> track_queue::clear_upcoming() {
  const std::size_t u = upcoming_count();
  if (u == 0) return failure{error::no_effect, "there are no upcoming items"};
  if (auto r = commit<queue_change::cleared>({.change = queue_change::cleared{true}}); !r) return r.error();
  return u;
}

result<std::size_t> track_queue::clear() {
  const std::size_t n = size();
  if (n == 0) return failure{error::queue_empty, "the queue is empty"};
  if (auto r = commit<queue_change::cleared>({.change = queue_change::cleared{false}}); !r) return r.error();
  return n;
}

// --- Playing -------------------------------------------------------------------------------

play_step track_queue::step_for(std::size_t position) const {
  play_step step{position, at_index(position - 1), std::nullopt};
  step.volume = step.item.volume;
  if (!step.volume && config_.hooks.remembered_volume && step.item.requester)
    step.volume = config_.hooks.remembered_volume(step.item.requester);
  return step;
}

result<play_step> track_queue::play_at(std::size_t position) {
  if (position != current_ || !active_)
    if (auto r = commit<queue_change::pointer_moved>({.change = queue_change::pointer_moved{position, true}}); !r) return r.error();
  return step_for(position);
}

result<play_step> track_queue::skip_by(std::ptrdiff_t by) {
  if (empty()) return failure{error::queue_empty, "the queue is empty"};
  const auto n = static_cast<std::ptrdiff_t>(size()), cur = static_cast<std::ptrdiff_t>(current_);
  if (active_ && n == 1) return failure{error::no_effect, "there is no other item to skip to"};
  if (active_ && by == 0) return failure{error::no_effect, "skipping by 0 would have no effect"};
  std::ptrdiff_t lo = 1 - cur, hi = n - cur;
  if (by < lo || by > hi) {
    if (active_ && lo == 0) lo = 1;  // 0 is never a move while playing
    if (active_ && hi == 0) hi = -1;
    return failure{error::position_out_of_range, fmt::format("skip by must be between {} and {}", lo, hi)};
  }
  return play_at(static_cast<std::size_t>(cur + by));
}

result<play_step> track_queue::skip_to(std::size_t position) {
  if (position == 0 || position > size()) return detail::queue_position_error(position, size());
  if (active_ && position == current_)
    return failure{error::no_effect, fmt::format("position {} is already playing", position)};
  return play_at(position);
}

result<play_step> track_queue::back() {
  if (empty()) return failure{error::queue_empty, "the queue is empty"};
  if (current_ <= 1) return failure{error::position_out_of_range, "the start of the queue was reached"};
  return play_at(current_ - 1);
}

result<play_step> track_queue::start() {
  if (empty()) return failure{error::queue_empty, "the queue is empty"};
  if (active_) return failure{error::no_effect, fmt::format("position {} is already playing", current_)};
  if (current_ == size()) return failure{error::no_effect, "there is no upcoming item to start"};
  return play_at(current_ + 1);
}

result<void> track_queue::set_repeat(repeat_mode mode) {
  if (mode == repeat_) return failure{error::no_effect, fmt::format("repeat is already {}", to_string(mode))};
  return commit<queue_change::repeat_changed>({.change = queue_change::repeat_changed{mode}});
}

advance_result track_queue::advance(protocol::track_end_reason reason) {
  if (!protocol::may_start_next(reason) || !active_) return {};
  auto play = [this](std::size_t position) {
    auto step = play_at(position);
    return step ? advance_result{advance_action::play, std::move(*step)} : advance_result{};
  };
  if (repeat_ == repeat_mode::one && reason == protocol::track_end_reason::finished)
    return {advance_action::play, step_for(current_)};
  if (current_ < size()) return play(current_ + 1);
  if (repeat_ == repeat_mode::all) return play(1);
  if (config_.hooks.autoplay) {
    auto more = config_.hooks.autoplay(*this);
    if (!more.empty() && enqueue(std::move(more))) return play(current_ + 1);
  }
  if (!commit<queue_change::pointer_moved>({.change = queue_change::pointer_moved{current_, false}})) return {};
  return {advance_action::ended, std::nullopt};
}

// --- Views ---------------------------------------------------------------------------------

queue_page track_queue::page_around(std::size_t page_size) const {
  queue_page page{0, {}, current_, size()};
  if (empty() || page_size == 0) return page;
  const std::size_t center = current_ ? current_ - 1 : 0;
  std::size_t first = center - std::min(center, page_size / 2);
  if (first + page_size > size()) first = size() > page_size ? size() - page_size : 0;
  const std::size_t last = std::min(size(), first + page_size);
  page.first_position = first + 1;
  for (std::size_t i = first; i < last; ++i) page.items.push_back(&at_index(i));
  return page;
}

result<queue_page> track_queue::page(std::size_t number, std::size_t page_size) const {
  if (page_size == 0) return failure{error::invalid_argument, "the page size must be at least 1"};
  if (empty()) return failure{error::queue_empty, "the queue is empty"};
  const std::size_t pages = (size() + page_size - 1) / page_size;
  if (number == 0 || number > pages)
    return failure{error::position_out_of_range, fmt::format("page {} is out of range: choose 1 to {}", number, pages)};
  queue_page page{(number - 1) * page_size + 1, {}, current_, size()};
  for (std::size_t i = page.first_position - 1; i < std::min(size(), number * page_size); ++i)
    page.items.push_back(&at_index(i));
  return page;
}

queue_durations track_queue::durations(std::int64_t player_position_ms) const {
  queue_durations d;
  for (std::size_t i = 0; i < size(); ++i) {
    const queue_item& item = at_index(i);
    const std::size_t position = i + 1;
    const bool remaining = position > current_ || (position == current_ && active_);
    const auto played = item.play_duration();
    if (!played) {
      ++d.streams;
      if (remaining) ++d.remaining_streams;
      continue;
    }
    d.total_ms += *played;
    if (position > current_) d.remaining_ms += *played;
    if (position == current_ && active_) {
      const std::int64_t end = item.start_time + *played;
      d.remaining_ms += std::max<std::int64_t>(0, end - std::max(player_position_ms, item.start_time));
    }
  }
  return d;
}

// --- Snapshots -----------------------------------------------------------------------------

nlohmann::json track_queue::snapshot() const {
  nlohmann::json items = nlohmann::json::array();
  items.get_ref<nlohmann::json::array_t&>().reserve(size());
  for (std::size_t i = 0; i < size(); ++i) items.push_back(to_json_value(at_index(i)));
  return {{"format", 1},
          {"version", version_},
          {"rng", rng_.state()},
          {"nextId", next_id_},
          {"current", current_},
          {"active", active_},
          {"repeat", to_string(repeat_)},
          {"shuffleMemory", shuffle_memory_},
          {"items", std::move(items)}};
}

result<track_queue> track_queue::restore(const nlohmann::json& j, queue_config config) {
  auto format = detail::queue_json_u64(j, "format");
  if (!format) return format.error();
  if (*format != 1) return failure{error::invalid_value, "unknown queue snapshot format"};
  auto version = detail::queue_json_u64(j, "version");
  if (!version) return version.error();
  auto rng = detail::queue_json_u64(j, "rng");
  if (!rng) return rng.error();
  auto next_id = detail::queue_json_u64(j, "nextId");
  if (!next_id) return next_id.error();
  auto current = detail::queue_json_u64(j, "current");
  if (!current) return current.error();
  auto active = detail::queue_json_bool(j, "active");
  if (!active) return active.error();
  auto repeat = detail::queue_json_string(j, "repeat");
  if (!repeat) return repeat.error();
  auto mode = repeat_mode_from_string(**repeat);
  if (!mode) return mode.error();
  auto memory = detail::queue_json_positions(j, "shuffleMemory");
  if (!memory) return memory.error();
  auto items = detail::queue_json_array(j, "items");
  if (!items) return items.error();

  track_queue q(std::move(config));
  std::unordered_set<std::uint64_t> ids;
  for (const auto& v : **items) {
    auto item = queue_item_from_json(v);
    if (!item) return item.error();
    if (item->id == 0 || item->id >= *next_id || !ids.insert(item->id).second)
      return failure{error::invalid_value, "item ids must be distinct, non-zero and below nextId"};
    q.order_.push_back(q.store(std::move(*item)));
  }
  if (*current > q.size() || (*active && *current == 0))
    return failure{error::invalid_value, "\"current\" is not a position of the queue"};
  q.rng_ = detail::queue_rng(*rng);
  q.version_ = *version;
  q.next_id_ = *next_id;
  q.current_ = static_cast<std::size_t>(*current);
  q.active_ = *active;
  q.repeat_ = *mode;
  q.shuffle_memory_.assign(memory->begin(), memory->end());
  return result<track_queue>(std::move(q));
}

bool operator==(const track_queue& a, const track_queue& b) noexcept {
  if (a.size() != b.size() || a.current_ != b.current_ || a.active_ != b.active_ || a.repeat_ != b.repeat_ ||
      a.version_ != b.version_ || a.rng_.state() != b.rng_.state() || a.next_id_ != b.next_id_ ||
      a.shuffle_memory_ != b.shuffle_memory_)
    return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!(a.at_index(i) == b.at_index(i))) return false;
  return true;
}

}  // namespace hanabi
