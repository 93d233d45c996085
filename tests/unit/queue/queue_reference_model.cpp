// A randomized test of track_queue against a tiny reference model written as
// plainly as possible: a vector of entries and a 1-based pointer, each
// operation done the obvious way (one insertion at a time, as the seed bots
// did; removal by filtering; moves by erase+insert; the pointer found again by
// item id). 100,000 sequences of random operations, valid and invalid, with
// fixed seeds; after every operation the queue must hold the same items in the
// same order with the same pointer, and fail exactly when the model fails.
// A mirror fed only with the change events, and a snapshot round trip, must
// give an identical queue.
#include <hanabi/queue/track_queue.hpp>

#include "queue_test_util.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

using namespace hanabi;

namespace {

struct entry {
  std::uint64_t id;
  std::string label;
  std::uint64_t requester;
  std::string source;
};

struct model {
  std::vector<entry> list;
  std::size_t cur = 0;  // 1-based; 0 = before the first item
  bool active = false;
  repeat_mode repeat = repeat_mode::off;
  detail::queue_rng rng;
  std::uint64_t next_id = 1;
  std::vector<std::uint64_t> memory;

  std::size_t upcoming() const { return list.size() - cur; }

  std::size_t index_of(std::uint64_t id) const {
    for (std::size_t i = 0; i < list.size(); ++i)
      if (list[i].id == id) return i;
    return list.size();
  }

  // --- operations; each returns the error it fails with, or error{} (0) on success ---
  error enqueue(std::vector<entry> in, enqueue_mode mode, bool shuffle, bool reverse, std::uint64_t caller) {
    if (in.empty()) return error::no_effect;
    if (shuffle)
      for (std::size_t i = in.size() - 1; i > 0; --i) std::swap(in[i], in[rng.below(i + 1)]);
    else if (reverse)
      std::reverse(in.begin(), in.end());
    for (auto& e : in) e.id = next_id++;
    if (caller == 0) caller = in.front().requester;
    std::set<std::uint64_t> others;
    for (std::size_t i = cur; i < list.size(); ++i)
      if (list[i].requester != caller) others.insert(list[i].requester);
    const std::size_t f = others.size() + 1;
    for (std::size_t j = 0; j < in.size(); ++j) {
      std::size_t at = 0;  // 0-based insertion index in the live list
      switch (mode) {
        case enqueue_mode::fifo: at = list.size(); break;
        case enqueue_mode::next: at = cur + j; break;
        case enqueue_mode::random: at = cur + rng.below(upcoming() + 1); break;
        case enqueue_mode::interlace: at = std::min(list.size(), cur + f * (j + 1) - 1); break;
      }
      list.insert(list.begin() + static_cast<std::ptrdiff_t>(at), in[j]);
    }
    return error{};
  }

  error insert(std::size_t position, std::vector<entry> in) {
    if (position == 0 || position > list.size() + 1) return error::position_out_of_range;
    for (std::size_t j = 0; j < in.size(); ++j) {
      in[j].id = next_id++;
      list.insert(list.begin() + static_cast<std::ptrdiff_t>(position - 1 + j), in[j]);
      if (cur != 0 && position + j <= cur) ++cur;
    }
    return error{};
  }

  error move_range(std::size_t first, std::size_t last, std::size_t to) {
    const std::size_t n = list.size();
    if (n == 0) return error::queue_empty;
    if (first == 0 || first > n || last == 0 || last > n) return error::position_out_of_range;
    if (last < first) return error::invalid_argument;
    const std::size_t count = last - first + 1;
    if (to == 0 || to > n - count + 1) return error::position_out_of_range;
    if (to == first) return error::no_effect;
    const std::uint64_t cur_id = cur ? list[cur - 1].id : 0;
    std::vector<entry> block(list.begin() + static_cast<std::ptrdiff_t>(first - 1),
                             list.begin() + static_cast<std::ptrdiff_t>(last));
    list.erase(list.begin() + static_cast<std::ptrdiff_t>(first - 1), list.begin() + static_cast<std::ptrdiff_t>(last));
    list.insert(list.begin() + static_cast<std::ptrdiff_t>(to - 1), block.begin(), block.end());
    if (cur_id) cur = index_of(cur_id) + 1;
    return error{};
  }

  error swap(std::size_t a, std::size_t b) {
    if (list.empty()) return error::queue_empty;
    if (a == 0 || b == 0 || a > list.size() || b > list.size()) return error::position_out_of_range;
    if (a == b) return error::no_effect;
    const std::uint64_t cur_id = cur ? list[cur - 1].id : 0;
    std::swap(list[a - 1], list[b - 1]);
    if (cur_id) cur = index_of(cur_id) + 1;
    return error{};
  }

  void remove_set(const std::set<std::size_t>& positions) {
    std::vector<entry> kept;
    std::size_t new_cur = 0;
    for (std::size_t i = 0; i < list.size(); ++i) {
      if (positions.count(i + 1)) continue;
      kept.push_back(list[i]);
      if (i + 1 <= cur) new_cur = kept.size();
    }
    if (cur != 0 && positions.count(cur)) active = false;
    list = kept;
    cur = new_cur;
  }

  error remove(const std::vector<std::size_t>& positions, bool allow_current) {
    if (list.empty()) return error::queue_empty;
    if (positions.empty()) return error::no_effect;
    for (auto p : positions)
      if (p == 0 || p > list.size()) return error::position_out_of_range;
    std::set<std::size_t> set(positions.begin(), positions.end());
    if (!allow_current && cur != 0 && set.count(cur)) return error::current_item_protected;
    remove_set(set);
    return error{};
  }

  template <class Pred>
  error dequeue(Pred pred, bool with_history) {
    if (list.empty()) return error::queue_empty;
    std::set<std::size_t> set;
    const std::size_t begin = with_history || cur == 0 ? 0 : cur - 1;
    for (std::size_t i = begin; i < list.size(); ++i)
      if (pred(list[i]) && i + 1 != cur) set.insert(i + 1);
    if (set.empty()) return error::no_effect;
    remove_set(set);
    return error{};
  }

  error clear_upcoming() {
    if (upcoming() == 0) return error::no_effect;
    list.resize(cur);
    return error{};
  }

  error clear() {
    if (list.empty()) return error::queue_empty;
    list.clear();
    cur = 0;
    active = false;
    memory.clear();
    return error{};
  }

  error shuffle() {
    const std::size_t u = upcoming();
    if (u < 2) return error::no_effect;
    memory.clear();
    for (std::size_t i = cur; i < list.size(); ++i) memory.push_back(list[i].id);
    for (std::size_t i = u - 1; i > 0; --i) std::swap(list[cur + i], list[cur + rng.below(i + 1)]);
    return error{};
  }

  error unshuffle() {
    if (memory.empty()) return error::nothing_to_unshuffle;
    std::vector<std::size_t> slots;
    for (std::size_t i = cur; i < list.size(); ++i)
      if (std::find(memory.begin(), memory.end(), list[i].id) != memory.end()) slots.push_back(i);
    if (slots.empty()) return error::nothing_to_unshuffle;
    std::vector<entry> ordered;
    for (auto id : memory)
      for (auto s : slots)
        if (list[s].id == id) ordered.push_back(list[s]);
    for (std::size_t i = 0; i < slots.size(); ++i) list[slots[i]] = ordered[i];
    memory.clear();
    return error{};
  }

  error play(std::size_t position) {
    cur = position;
    active = true;
    return error{};
  }

  error skip_by(std::ptrdiff_t by) {
    if (list.empty()) return error::queue_empty;
    if (active && (list.size() == 1 || by == 0)) return error::no_effect;
    const auto target = static_cast<std::ptrdiff_t>(cur) + by;
    if (target < 1 || target > static_cast<std::ptrdiff_t>(list.size())) return error::position_out_of_range;
    return play(static_cast<std::size_t>(target));
  }

  error skip_to(std::size_t position) {
    if (list.empty()) return error::queue_empty;
    if (position == 0 || position > list.size()) return error::position_out_of_range;
    if (active && position == cur) return error::no_effect;
    return play(position);
  }

  error back() {
    if (list.empty()) return error::queue_empty;
    if (cur <= 1) return error::position_out_of_range;
    return play(cur - 1);
  }

  error start() {
    if (list.empty()) return error::queue_empty;
    if (active || cur == list.size()) return error::no_effect;
    return play(cur + 1);
  }

  error set_repeat(repeat_mode m) {
    if (m == repeat) return error::no_effect;
    repeat = m;
    return error{};
  }

  advance_action advance(protocol::track_end_reason reason) {
    if ((reason != protocol::track_end_reason::finished && reason != protocol::track_end_reason::load_failed) || !active)
      return advance_action::nothing;
    if (repeat == repeat_mode::one && reason == protocol::track_end_reason::finished) return advance_action::play;
    if (cur < list.size()) return play(cur + 1), advance_action::play;
    if (repeat == repeat_mode::all) return play(1), advance_action::play;
    active = false;
    return advance_action::ended;
  }
};

const char* const labels[] = {"a", "b", "c", "d", "e"};

struct harness {
  track_queue q;
  track_queue mirror;
  model m;
  std::vector<queue_event> events;
  detail::queue_rng dice;
  const std::vector<queue_item>& prototypes;

  // The mirror starts equal to the queue (same seed) and then only sees the events.
  explicit harness(std::uint64_t seed)
      : q(config(seed)), mirror(queue_config{seed, {}, {}, {}}), dice(seed * 7919 + 1), prototypes(all_prototypes()) {
    m.rng = detail::queue_rng(seed);
  }

  // 5 labels x 3 requesters x 2 sources, built once: items share their tracks.
  static const std::vector<queue_item>& all_prototypes() {
    static const std::vector<queue_item> all = [] {
      std::vector<queue_item> out;
      for (std::uint64_t r = 1; r <= 3; ++r)
        for (const char* l : labels)
          for (const char* source : {"youtube", "http"})
            out.push_back(make_queue_item(test::make_track(l, 1000, false, source), user_id{r}, 0));
      return out;
    }();
    return all;
  }

  queue_config config(std::uint64_t seed) {
    queue_config c;
    c.seed = seed;
    c.on_change = [this](const queue_event& e) { events.push_back(e); };
    return c;
  }

  std::size_t roll(std::size_t n) { return static_cast<std::size_t>(dice.below(n)); }
  // A position that is valid most of the time, sometimes 0 or one past the end.
  std::size_t position() { return roll(q.size() + 2); }

  void random_items(std::vector<queue_item>& real, std::vector<entry>& model_items) {
    const std::size_t k = roll(4);
    for (std::size_t i = 0; i < k; ++i) {
      const auto& p = prototypes[roll(prototypes.size())];
      real.push_back(p);
      model_items.push_back({0, std::string(p.track->identifier()), p.requester.value(),
                             std::string(p.track->source_name())});
    }
  }

  // Catch's CHECK costs more than the operation itself; count mismatches and report them at the end.
  int mismatches = 0;
  template <class T>
  void expect(const T& got, const T& want) {
    if (!(got == want)) ++mismatches;
  }

  template <class R>
  static error code_of(const R& r) {
    return r ? error{} : static_cast<error>(r.error().code.value());
  }

  std::string step() {
    switch (roll(17)) {
      case 0:
      case 1: {
        std::vector<queue_item> real;
        std::vector<entry> mi;
        random_items(real, mi);
        enqueue_options o{static_cast<enqueue_mode>(roll(4)), roll(4) == 0, roll(3) == 0,
                          user_id{roll(3) == 0 ? roll(4) : 0}};
        const auto want = m.enqueue(mi, o.mode, o.shuffle, o.reverse, o.caller.value());
        expect(code_of(q.enqueue(real, o)), want);
        return "enqueue";
      }
      case 2: {
        std::vector<queue_item> real;
        std::vector<entry> mi;
        random_items(real, mi);
        if (real.empty()) return "skip";
        const auto p = position();
        const auto want = m.insert(p, mi);
        expect(code_of(q.insert(p, real)), want);
        return "insert";
      }
      case 3: {
        const auto a = position(), b = position();
        const auto want = m.move_range(a, a, b);
        expect(code_of(q.move(a, b)), want);
        return "move";
      }
      case 4: {
        const auto a = position(), b = position(), c = position();
        const auto want = m.move_range(a, b, c);
        expect(code_of(q.move_range(a, b, c)), want);
        return "move_range";
      }
      case 5: {
        const auto a = position(), b = position();
        const auto want = m.swap(a, b);
        expect(code_of(q.swap(a, b)), want);
        return "swap";
      }
      case 6: {
        std::vector<std::size_t> ps(roll(4));
        for (auto& p : ps) p = position();
        const bool allow = roll(2) == 0;
        const auto want = m.remove(ps, allow);
        expect(code_of(q.remove(ps, allow ? removal::allow_current : removal::keep_current)), want);
        return "remove";
      }
      case 7: {
        const auto a = position(), b = position();
        const bool allow = roll(2) == 0;
        std::vector<std::size_t> ps;
        error want;
        if (m.list.empty()) want = error::queue_empty;
        else if (a == 0 || a > m.list.size() || b == 0 || b > m.list.size()) want = error::position_out_of_range;
        else if (b < a) want = error::invalid_argument;
        else {
          for (auto p = a; p <= b; ++p) ps.push_back(p);
          want = m.remove(ps, allow);
        }
        expect(code_of(q.remove_range(a, b, allow ? removal::allow_current : removal::keep_current)), want);
        return "remove_range";
      }
      case 8: {
        const std::uint64_t who = 1 + roll(3);
        const bool history = roll(2) == 0;
        const auto want = m.dequeue([who](const entry& e) { return e.requester == who; }, history);
        expect(code_of(q.dequeue_requester(user_id{who},
                                          history ? dequeue_scope::upcoming_and_history : dequeue_scope::upcoming)), want);
        return "dequeue_requester";
      }
      case 9: {
        const bool history = roll(2) == 0;
        std::set<std::string> seen;
        const auto want = m.dequeue([&seen](const entry& e) { return !seen.insert(e.label).second; }, history);
        expect(code_of(q.dequeue_duplicates(history ? dequeue_scope::upcoming_and_history : dequeue_scope::upcoming)),
               want);
        return "dequeue_duplicates";
      }
      case 10: {
        const bool history = roll(2) == 0;
        if (roll(2) == 0) {
          const auto want = m.dequeue([](const entry& e) { return e.source == "http"; }, history);
          expect(code_of(q.dequeue_source("http", history ? dequeue_scope::upcoming_and_history
                                                          : dequeue_scope::upcoming)),
                 want);
          return "dequeue_source";
        }
        const auto want = m.dequeue([](const entry& e) { return e.requester == 2; }, history);
        expect(code_of(q.dequeue_absent({user_id{1}, user_id{3}}, history ? dequeue_scope::upcoming_and_history
                                                                         : dequeue_scope::upcoming)), want);
        return "dequeue_absent";
      }
      case 11: {
        if (roll(3) == 0) {
          const auto want = m.clear();
          expect(code_of(q.clear()), want);
          return "clear";
        }
        const auto want = m.clear_upcoming();
        expect(code_of(q.clear_upcoming()), want);
        return "clear_upcoming";
      }
      case 12: {
        if (roll(2) == 0) {
          const auto want = m.shuffle();
          expect(code_of(q.shuffle()), want);
          return "shuffle";
        }
        const auto want = m.unshuffle();
        expect(code_of(q.unshuffle()), want);
        return "unshuffle";
      }
      case 13: {
        const auto by = static_cast<std::ptrdiff_t>(roll(q.size() * 2 + 3)) - static_cast<std::ptrdiff_t>(q.size() + 1);
        const auto want = m.skip_by(by);
        expect(code_of(q.skip_by(by)), want);
        return "skip_by";
      }
      case 14: {
        switch (roll(3)) {
          case 0: {
            const auto p = position();
            const auto want = m.skip_to(p);
            expect(code_of(q.skip_to(p)), want);
            return "skip_to";
          }
          case 1: {
            const auto want = m.back();
            expect(code_of(q.back()), want);
            return "back";
          }
          default: {
            const auto want = m.start();
            expect(code_of(q.start()), want);
            return "start";
          }
        }
      }
      case 15: {
        const auto mode = static_cast<repeat_mode>(roll(3));
        const auto want = m.set_repeat(mode);
        expect(code_of(q.set_repeat(mode)), want);
        return "set_repeat";
      }
      default: {
        const auto reason = static_cast<protocol::track_end_reason>(roll(5));
        const auto want = m.advance(reason);
        expect(q.advance(reason).action, want);
        return "advance";
      }
    }
  }

  bool same() const {
    if (q.size() != m.list.size() || q.current_position() != m.cur || q.active() != m.active ||
        q.repeat() != m.repeat)
      return false;
    bool ok = true;
    q.for_each([&](std::size_t p, const queue_item& it) {
      const entry& e = m.list[p - 1];
      ok = ok && it.id == e.id && it.track->identifier() == e.label && it.requester.value() == e.requester &&
           it.track->source_name() == e.source;
    });
    return ok;
  }
};

}  // namespace

TEST_CASE("track_queue agrees with the reference model on 100,000 random operation sequences") {
  constexpr std::uint64_t sequences = 100'000;
  constexpr int steps = 12;
  std::uint64_t failures = 0;
  for (std::uint64_t seed = 1; seed <= sequences && failures < 5; ++seed) {
    harness h(seed);
    std::string trail;
    for (int i = 0; i < steps; ++i) {
      trail += h.step() + " ";
      if (h.mismatches != 0 || !h.same()) {
        ++failures;
        FAIL_CHECK("seed " << seed << " diverged (result or state) after: " << trail << "\nqueue: " << test::picture(h.q));
        break;
      }
    }
    // The mirror, fed only with the events, is identical.
    bool applied = true;
    for (const auto& e : h.events) applied = applied && h.mirror.apply(e).has_value();
    if (!applied || !(h.mirror == h.q)) {
      ++failures;
      FAIL_CHECK("seed " << seed << ": replaying the events gave a different queue after " << trail << "\n"
                         << h.q.snapshot().dump() << "\n" << h.mirror.snapshot().dump());
    }
    if (seed % 64 == 0) {
      auto restored = track_queue::restore(nlohmann::json::parse(h.q.snapshot().dump()));
      REQUIRE(restored);
      if (!(*restored == h.q)) {
        ++failures;
        FAIL_CHECK("seed " << seed << ": snapshot round trip differs after " << trail);
      }
    }
  }
  CHECK(failures == 0);
}
