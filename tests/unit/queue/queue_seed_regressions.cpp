// The seed bots' queue bugs (shared/design/seeds.md §1.1), each fixed and
// pinned by a named test.
#include <hanabi/queue/track_queue.hpp>

#include "queue_test_util.hpp"

#include <catch2/catch.hpp>

using namespace hanabi;
using hanabi::test::items;
using hanabi::test::message;
using hanabi::test::picture;
using hanabi::test::queue_of;

TEST_CASE("seed bug: LIFO reversed the playlist, NEXT keeps its order") {
  auto q = queue_of("cu", 1);
  REQUIRE(q.enqueue(items("123"), {enqueue_mode::next}));
  CHECK(picture(q) == "[c] 1 2 3 u");
}

TEST_CASE("seed bug: INTERLACE spacing follows the documented example exactly") {
  // seeds.md: queue [cur, B, C] with one other requester gives [cur, B, p1, C, p2, p3].
  track_queue q;
  REQUIRE(q.enqueue(items("cBC", 2)));
  REQUIRE(q.start());
  REQUIRE(q.enqueue(items("123", 5), {enqueue_mode::interlace}));
  CHECK(picture(q) == "[c] B 1 C 2 3");
}

TEST_CASE("seed bug: INTERLACE spacing is not skewed when the queue advanced before the enqueue") {
  track_queue q;
  REQUIRE(q.enqueue(items("aBCDE", 2)));
  REQUIRE(q.skip_to(2));  // the pointer moved: spacing is still counted from the live pointer
  REQUIRE(q.enqueue(items("12", 5), {enqueue_mode::interlace}));
  CHECK(picture(q) == "a [B] C 1 D 2 E");
}

TEST_CASE("seed bug: removing \"5,3\" removed the wrong track") {
  auto q = queue_of("abcdef", 1);
  REQUIRE(q.remove(std::vector<std::size_t>{5, 3}));
  CHECK(picture(q) == "[a] b d f");
}

TEST_CASE("seed bug: position 0 removed the last track") {
  auto q = queue_of("abc", 1);
  auto r = q.remove(std::vector<std::size_t>{0});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == error::position_out_of_range);
  CHECK(message(r) == "position 0 is out of range: choose 1 to 3");
  CHECK(picture(q) == "[a] b c");
}

TEST_CASE("seed bug: removing history did not move the pointer, so the next advance skipped a track") {
  track_queue q;
  REQUIRE(q.enqueue(items("a", 7)));
  REQUIRE(q.enqueue(items("b", 1)));
  REQUIRE(q.enqueue(items("cd", 1)));
  REQUIRE(q.skip_to(3));
  REQUIRE(q.dequeue_requester(user_id{7}, dequeue_scope::upcoming_and_history));
  CHECK(picture(q) == "b [c] d");
  auto next = q.advance(protocol::track_end_reason::finished);
  REQUIRE(next.action == advance_action::play);
  CHECK(next.next->item.track->identifier() == "d");
}

TEST_CASE("seed bug: repeat ALL with one track raised instead of replaying it") {
  auto q = queue_of("a", 1);
  REQUIRE(q.set_repeat(repeat_mode::all));
  for (int i = 0; i < 3; ++i) {
    auto r = q.advance(protocol::track_end_reason::finished);
    REQUIRE(r.action == advance_action::play);
    CHECK(r.next->position == 1);
    CHECK(r.next->item.track->identifier() == "a");
  }
}

TEST_CASE("seed bug: enqueueing after the queue ended replayed the old last track") {
  auto q = queue_of("ab", 2);
  REQUIRE(q.advance(protocol::track_end_reason::finished).action == advance_action::ended);
  REQUIRE(q.enqueue(items("xy")));
  auto start = q.start();
  REQUIRE(start);
  CHECK(start->item.track->identifier() == "x");
  CHECK(picture(q) == "a b [x] y");
}

TEST_CASE("seed bug: enqueueing after the end in any mode starts the first new item") {
  for (auto mode : {enqueue_mode::fifo, enqueue_mode::next, enqueue_mode::random, enqueue_mode::interlace}) {
    auto q = queue_of("ab", 2);
    REQUIRE(q.advance(protocol::track_end_reason::finished).action == advance_action::ended);
    REQUIRE(q.enqueue(items("x", 3), {mode}));
    auto start = q.start();
    REQUIRE(start);
    CHECK(start->item.track->identifier() == "x");
  }
}

TEST_CASE("seed bug: RANDOM crashed with only the current track") {
  auto q = queue_of("a", 1);
  REQUIRE(q.enqueue(items("xyz"), {enqueue_mode::random}));
  CHECK(q.size() == 4);
  CHECK(q.current_position() == 1);
}

TEST_CASE("seed quirk: a one-track queue reported skip range \"between 1 and -1\"") {
  auto q = queue_of("a", 1);
  auto r = q.skip_by(1);
  CHECK(r.error().code == error::no_effect);
  CHECK(message(r) == "there is no other item to skip to");
}

TEST_CASE("seed behaviour kept: skipping back after the queue ended replays history") {
  auto q = queue_of("abc", 3);
  REQUIRE(q.advance(protocol::track_end_reason::finished).action == advance_action::ended);
  auto back = q.skip_by(-1);
  REQUIRE(back);
  CHECK(back->item.track->identifier() == "b");
  CHECK(q.active());
}

TEST_CASE("seed behaviour kept: an end with reason replaced, stopped or cleanup never advances") {
  auto q = queue_of("ab", 1);
  REQUIRE(q.set_repeat(repeat_mode::all));
  CHECK(q.advance(protocol::track_end_reason::replaced).action == advance_action::nothing);
  CHECK(q.advance(protocol::track_end_reason::stopped).action == advance_action::nothing);
  CHECK(q.advance(protocol::track_end_reason::cleanup).action == advance_action::nothing);
  CHECK(picture(q) == "[a] b");
}
