// queue_config::recorder, the queue's direct line to persistence: every event reaches the recorder
// flat, in order, equal to the listener's; its owner is told once per batch (at the first event
// of an empty buffer), and the buffer, taken whole, rebuilds the events exactly (overrides, lists
// of one and of many positions, batches appended to a non-empty one).
#include <hanabi/queue/queue_recorder.hpp>
#include <hanabi/queue/track_queue.hpp>

#include "queue_test_util.hpp"

#include <catch2/catch.hpp>

#include <memory>
#include <vector>

using namespace hanabi;
using hanabi::test::items;

namespace {

// A recorder that counts its batches and hands its buffer to the test on demand.
class counting_recorder final : public queue_recorder {
 public:
  int batches_started = 0;

  std::vector<queue_event> taken() {
    detail::flat_event_batch into;
    take(into);
    return into.take();
  }
  // Appends the buffer to `into`, as a hand-off does while a write is in flight.
  void take_into(detail::flat_event_batch& into) { take(into); }

 private:
  void batch_started() override { ++batches_started; }
};

// Every kind of change, through the public operations; items with overrides among them.
void every_kind_of_mutation(track_queue& q) {
  auto with_overrides = items("xy");
  with_overrides[0].filters = {{"volume", 0.5}};
  with_overrides[1].user_data = {{"requestedBy", "test"}};
  REQUIRE(q.enqueue(items("abcdef")));
  REQUIRE(q.start());
  REQUIRE(q.insert(3, std::move(with_overrides)));
  REQUIRE(q.move(2, 5));
  REQUIRE(q.move_range(4, 5, 7));
  REQUIRE(q.swap(6, 7));
  REQUIRE(q.shuffle());
  REQUIRE(q.unshuffle());
  REQUIRE(q.remove(std::vector<std::size_t>{8}));
  REQUIRE(q.remove(std::vector<std::size_t>{4, 6}));
  REQUIRE(q.skip_to(3));
  REQUIRE(q.set_repeat(repeat_mode::all));
  REQUIRE(q.clear_upcoming());
  REQUIRE(q.clear());
}

}  // namespace

TEST_CASE("queue_recorder: gets every event of every kind, equal to the listener's, one batch notice per empty buffer") {
  auto recorder = std::make_shared<counting_recorder>();
  std::vector<queue_event> heard;
  queue_config config;
  config.recorder = recorder;
  config.on_change = [&](const queue_event& e) { heard.push_back(e); };
  track_queue q(config);
  every_kind_of_mutation(q);
  REQUIRE(heard.size() == 14);
  CHECK(recorder->batches_started == 1);  // one buffer, filled without being taken
  CHECK(recorder->taken() == heard);
  CHECK(recorder->taken().empty());

  REQUIRE(q.enqueue(items("g")));  // the first event of the now empty buffer starts a batch
  REQUIRE(q.enqueue(items("h")));
  CHECK(recorder->batches_started == 2);
  const auto last_two = recorder->taken();
  REQUIRE(last_two.size() == 2);
  CHECK(last_two.back() == heard.back());
}

TEST_CASE("queue_recorder: a refused mutation records nothing and starts no batch") {
  auto recorder = std::make_shared<counting_recorder>();
  queue_config config;
  config.recorder = recorder;
  track_queue q(config);
  REQUIRE(q.enqueue(items("ab")));
  (void)recorder->taken();
  REQUIRE_FALSE(q.move(1, 1));
  REQUIRE_FALSE(q.remove(std::vector<std::size_t>{9}));
  CHECK(recorder->batches_started == 1);
  CHECK(recorder->taken().empty());
}

TEST_CASE("queue_recorder: the events replay the queue, also when batches are appended to a waiting one") {
  auto recorder = std::make_shared<counting_recorder>();
  queue_config config;
  config.recorder = recorder;
  track_queue q(config);
  detail::flat_event_batch waiting;
  REQUIRE(q.enqueue(items("abc")));
  auto first = items("d");
  first[0].filters = {{"timescale", {{"speed", 1.25}}}};
  REQUIRE(q.enqueue(std::move(first)));
  recorder->take_into(waiting);  // swapped into the empty batch
  auto second = items("e");
  second[0].user_data = {{"n", 2}};
  REQUIRE(q.enqueue(std::move(second)));
  REQUIRE(q.remove(std::vector<std::size_t>{1, 2}));
  recorder->take_into(waiting);  // appended: the override indices must follow
  const auto events = waiting.take();
  REQUIRE(events.size() == 4);
  track_queue replica;
  for (const auto& e : events) REQUIRE(replica.apply(e));
  CHECK(replica == q);
  CHECK(replica.at(2).value()->filters == nlohmann::json{{"timescale", {{"speed", 1.25}}}});  // d
  CHECK(replica.at(3).value()->user_data == nlohmann::json{{"n", 2}});                         // e
}

TEST_CASE("queue_recorder: apply() records the replayed event too, so a mirror can journal") {
  std::vector<queue_event> events;
  {
    queue_config listening;
    listening.on_change = [&](const queue_event& e) { events.push_back(e); };
    track_queue q(listening);
    every_kind_of_mutation(q);
  }
  auto recorder = std::make_shared<counting_recorder>();
  queue_config config;
  config.recorder = recorder;
  track_queue mirror(config);
  for (const auto& e : events) REQUIRE(mirror.apply(e));
  CHECK(recorder->taken() == events);
}

TEST_CASE("queue_recorder: scalar changes after a shuffle or a random enqueue carry the generator state the listener sees") {
  // The scalar changes (moves, swaps, skips, repeat, clears) never move the generator, so a record
  // of one takes the state of the record before it; the changes that do move it (a shuffle, an
  // enqueue shuffled or placed at random) mark the new state. Batches are taken between steps, so
  // scalar changes also start batches (whose first record marks the state given).
  auto recorder = std::make_shared<counting_recorder>();
  std::vector<queue_event> heard;
  queue_config config;
  config.recorder = recorder;
  config.on_change = [&](const queue_event& e) { heard.push_back(e); };
  config.seed = 20261121;
  track_queue q(config);
  std::vector<queue_event> recorded;
  const auto take = [&] {
    for (auto& e : recorder->taken()) recorded.push_back(std::move(e));
  };
  REQUIRE(q.enqueue(items("abcdefgh")));
  REQUIRE(q.start());
  take();
  REQUIRE(q.move(2, 6));  // starts a batch
  REQUIRE(q.shuffle());
  REQUIRE(q.swap(3, 4));
  REQUIRE(q.skip_to(5));
  take();
  REQUIRE(q.skip_to(2));  // starts a batch after a shuffle
  REQUIRE(q.enqueue(items("ijk"), {.mode = enqueue_mode::random}));
  REQUIRE(q.move(9, 3));
  REQUIRE(q.enqueue(items("lmn"), {.shuffle = true}));
  REQUIRE(q.set_repeat(repeat_mode::one));
  REQUIRE(q.clear_upcoming());
  take();
  CHECK(recorder->batches_started == 3);
  REQUIRE(recorded.size() == heard.size());
  for (std::size_t i = 0; i < heard.size(); ++i) {
    INFO("event " << i);
    CHECK(recorded[i] == heard[i]);
  }
  track_queue replica;
  for (const auto& e : recorded) REQUIRE(replica.apply(e));
  CHECK(replica == q);  // the generator state included
}
