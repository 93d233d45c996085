// detail::flat_event_batch stores no version and no generator state per event: a record stands for
// "the next version, the same state", and mark records go before the events that break that (the
// first of a batch, a shuffle, a jump). These cases check that every batch still rebuilds exactly
// the events it was given: every change kind, the extremes of each field, marks in every place a
// batch can need them (batch start, mid-batch, after a splice, after a take), and a random mix.
#include <hanabi/queue/detail/flat_event_batch.hpp>

#include "queue_test_util.hpp"

#include <catch2/catch.hpp>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

using namespace hanabi;

namespace {

constexpr std::size_t top_position = std::numeric_limits<std::uint32_t>::max();
constexpr std::uint64_t top_version = std::numeric_limits<std::uint64_t>::max();

// Items with and without every optional field: overrides, a zero volume (present, not absent).
std::vector<queue_item> layout_items(const std::string& labels) {
  auto out = test::items(labels);
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i].id = top_version - i;
    if (i % 2 == 0) out[i].volume = static_cast<std::uint16_t>(i * 500 % 1001);
    if (i % 3 == 1) out[i].filters = {{"volume", 0.25 * static_cast<double>(i)}};
    if (i % 4 == 2) out[i].user_data = {{"n", i}};
    out[i].start_time = static_cast<std::int64_t>(i) * 1000;
    out[i].end_time = std::numeric_limits<std::int64_t>::max() - static_cast<std::int64_t>(i);
  }
  return out;
}

// One change of each kind, with positions at the top of the 32-bit range where a kind has them.
std::vector<queue_event::change_type> layout_changes() {
  return {
      queue_change::inserted{{1, top_position}, layout_items("ab")},
      queue_change::inserted{{top_position}, layout_items("c")},
      queue_change::removed{{top_position}},
      queue_change::removed{{1, 2, top_position}},
      queue_change::moved{top_position, 1, top_position - 1},
      queue_change::moved{1, top_position - 1, top_position},
      queue_change::swapped{top_position, 1},
      queue_change::reordered{{top_position, 0, 7}, true},
      queue_change::reordered{{3}, false},
      queue_change::cleared{true},
      queue_change::cleared{false},
      queue_change::pointer_moved{top_position, true},
      queue_change::pointer_moved{0, false},
      queue_change::repeat_changed{repeat_mode::one},
      queue_change::repeat_changed{repeat_mode::all},
  };
}

// Events numbered from `first` on, consecutively, every third one changing the generator state,
// as shuffles do.
std::vector<queue_event> numbered_events(std::uint64_t first, std::uint64_t rng) {
  std::vector<queue_event> out;
  std::uint64_t version = first;
  for (auto& change : layout_changes()) {
    if (out.size() % 3 == 2) rng = rng * 6364136223846793005u + 1442695040888963407u;
    out.push_back({version++, rng, std::move(change)});
  }
  return out;
}

std::vector<queue_event> through_batch(const std::vector<queue_event>& events) {
  detail::flat_event_batch batch;
  for (const auto& e : events) batch.add(e);
  return batch.take();
}

}  // namespace

TEST_CASE("flat_event_batch: every change kind at the limits of its fields rebuilds exactly") {
  SECTION("small versions") {
    const auto events = numbered_events(1, 42);
    CHECK(through_batch(events) == events);
  }
  SECTION("versions running up to 2^64 - 1") {
    const auto events = numbered_events(top_version - layout_changes().size() + 1, top_version);
    REQUIRE(events.back().version == top_version);
    CHECK(through_batch(events) == events);
  }
  SECTION("a generator state of 0 and of 2^64 - 1, and a version 0") {
    std::vector<queue_event> events{{0, 0, queue_change::swapped{1, 2}},
                                    {1, top_version, queue_change::swapped{2, 3}},
                                    {2, 0, queue_change::cleared{false}}};
    CHECK(through_batch(events) == events);
  }
}

TEST_CASE("flat_event_batch: versions that jump, mid-batch and between batches, keep their numbers") {
  std::vector<queue_event> events{{5, 9, queue_change::moved{1, 1, 2}},
                                  {6, 9, queue_change::moved{2, 1, 3}},
                                  {40, 9, queue_change::moved{3, 1, 4}},  // a jump forward
                                  {41, 10, queue_change::removed{{1}}},
                                  {3, 10, queue_change::removed{{2}}},  // and back
                                  {top_version, 10, queue_change::cleared{true}}};
  detail::flat_event_batch batch;
  for (const auto& e : events) batch.add(e);
  CHECK(batch.last_version() == top_version);
  CHECK(batch.take() == events);
  CHECK(batch.empty());

  // Recorded after the batch was taken: its first event needs its marks again.
  const queue_event after{4, 10, queue_change::swapped{1, 2}};
  batch.add(after);
  CHECK(batch.last_version() == 4);
  CHECK(batch.take() == std::vector<queue_event>{after});
}

TEST_CASE("flat_event_batch: batches spliced onto a waiting one rebuild in order, overrides included") {
  const auto first = numbered_events(100, 7);
  const auto second = numbered_events(100 + first.size(), 7);  // continues both the versions and the state
  const auto third = numbered_events(900, 8);                  // neither
  detail::flat_event_batch waiting, incoming;
  for (const auto& e : first) waiting.add(e);
  for (const auto& e : second) incoming.add(e);
  waiting.splice(incoming);
  CHECK(incoming.empty());
  for (const auto& e : third) incoming.add(e);
  waiting.splice(incoming);
  detail::flat_event_batch nothing;
  waiting.splice(nothing);  // an empty batch adds nothing, not even marks
  CHECK(waiting.last_version() == third.back().version);

  // An event added straight to the waiting batch after the splices (the listener's path) follows.
  const queue_event later{third.back().version + 1, third.back().rng_state, queue_change::inserted{{2}, layout_items("z")}};
  waiting.add(later);

  auto expected = first;
  expected.insert(expected.end(), second.begin(), second.end());
  expected.insert(expected.end(), third.begin(), third.end());
  expected.push_back(later);
  const auto rebuilt = waiting.take();
  REQUIRE(rebuilt.size() == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    INFO("event " << i);
    CHECK(rebuilt[i] == expected[i]);
  }

  // The spliced batch swapped into an empty one keeps its own numbering too.
  for (const auto& e : third) incoming.add(e);
  detail::flat_event_batch empty;
  empty.splice(incoming);
  CHECK(empty.take() == third);
}

TEST_CASE("flat_event_batch: a random mix of kinds, jumps, state changes and splices rebuilds exactly") {
  std::mt19937_64 rng(20261121);
  const auto changes = layout_changes();
  std::vector<queue_event> expected;
  detail::flat_event_batch waiting, recording;
  std::vector<queue_event> rebuilt;
  std::uint64_t version = rng();
  std::uint64_t state = rng();
  for (int i = 0; i < 3000; ++i) {
    const auto roll = rng() % 100;
    if (roll < 3) version = rng();                // a jump
    if (roll >= 3 && roll < 13) state = rng();    // a shuffle
    if (roll == 13) state = 0;
    queue_event e{version++, state, changes[rng() % changes.size()]};
    recording.add(e);
    expected.push_back(std::move(e));
    const auto step = rng() % 50;
    if (step == 0) waiting.splice(recording);  // a hand-off
    if (step == 1) {                           // a write takes what waits
      for (auto& r : waiting.take()) rebuilt.push_back(std::move(r));
    }
  }
  waiting.splice(recording);
  for (auto& r : waiting.take()) rebuilt.push_back(std::move(r));
  REQUIRE(rebuilt.size() == expected.size());
  std::size_t mismatches = 0;
  for (std::size_t i = 0; i < expected.size(); ++i) mismatches += rebuilt[i] == expected[i] ? 0 : 1;
  CHECK(mismatches == 0);
}

TEST_CASE("flat_event_batch: add tells the first event of a batch, typed or not, and only it") {
  detail::flat_event_batch batch;
  CHECK(batch.add(7, 3, queue_change::moved{1, 1, 2}));  // a scalar change, typed: the recorder's path
  CHECK_FALSE(batch.add(8, 3, queue_change::swapped{1, 2}));
  CHECK_FALSE(batch.add(20, 3, queue_change::pointer_moved{1, true}));  // a jump: marked, not a first
  CHECK_FALSE(batch.add(queue_event{21, 4, queue_change::removed{{1}}}));
  CHECK(batch.take().size() == 4);
  CHECK(batch.add(queue_event{22, 4, queue_change::cleared{false}}));  // a replayed event, after a take
  detail::flat_event_batch empty;
  empty.splice(batch);  // swapped out: the buffer left behind is empty again
  CHECK(batch.add(23, 4, queue_change::repeat_changed{repeat_mode::all}));
}

TEST_CASE("flat_event_batch: a typed scalar change that starts a batch or jumps marks the state given") {
  detail::flat_event_batch batch;
  batch.add(5, 11, queue_change::moved{1, 1, 2});                           // first: marks 11
  batch.add(6, 12, queue_change::reordered{{2, 1}, true});                   // a shuffle: marks 12
  batch.add(7, 12, queue_change::swapped{1, 2});                             // keeps 12
  batch.add(30, 13, queue_change::pointer_moved{2, true});                   // a jump marks both
  batch.add(queue_event{31, 14, queue_change::repeat_changed{repeat_mode::one}});  // replayed: compared
  const std::vector<queue_event> expected{{5, 11, queue_change::moved{1, 1, 2}},
                                          {6, 12, queue_change::reordered{{2, 1}, true}},
                                          {7, 12, queue_change::swapped{1, 2}},
                                          {30, 13, queue_change::pointer_moved{2, true}},
                                          {31, 14, queue_change::repeat_changed{repeat_mode::one}}};
  CHECK(batch.take() == expected);
}
