// Each queue operation with its edge cases: empty queue, one item, pointer at
// the start and the end, and every error message.
#include <hanabi/queue/track_queue.hpp>

#include "queue_test_util.hpp"

#include <catch2/catch.hpp>

using namespace hanabi;
using hanabi::test::items;
using hanabi::test::message;
using hanabi::test::picture;
using hanabi::test::queue_of;

TEST_CASE("a new queue is empty, idle and at version 0") {
  track_queue q;
  CHECK(q.empty());
  CHECK(q.current() == nullptr);
  CHECK(q.current_position() == 0);
  CHECK_FALSE(q.active());
  CHECK(q.version() == 0);
  CHECK(picture(q) == "|");
}

TEST_CASE("enqueue FIFO appends in order and assigns fresh ids") {
  auto q = queue_of("ab", 1);
  auto r = q.enqueue(items("cd"));
  REQUIRE(r);
  CHECK(*r == std::vector<std::size_t>{3, 4});
  CHECK(picture(q) == "[a] b c d");
  CHECK((*q.at(3))->id == 3);
  CHECK((*q.at(4))->id == 4);
}

TEST_CASE("enqueue NEXT keeps the given order right after the current item") {
  auto q = queue_of("abc", 2);
  REQUIRE(q.enqueue(items("xyz"), {enqueue_mode::next}));
  CHECK(picture(q) == "a [b] x y z c");
  SECTION("reverse gives the stack order explicitly") {
    REQUIRE(q.enqueue(items("pq"), {.mode = enqueue_mode::next, .reverse = true}));
    CHECK(picture(q) == "a [b] q p x y z c");
  }
}

TEST_CASE("enqueue NEXT into an empty queue and before anything played") {
  track_queue q;
  REQUIRE(q.enqueue(items("ab"), {enqueue_mode::next}));
  CHECK(picture(q) == "| a b");
  REQUIRE(q.enqueue(items("c"), {enqueue_mode::next}));
  CHECK(picture(q) == "| c a b");
}

TEST_CASE("enqueue RANDOM puts items only among the upcoming ones") {
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    queue_config config;
    config.seed = seed;
    auto q = queue_of("abcd", 2, config);
    REQUIRE(q.enqueue(items("xyz"), {enqueue_mode::random}));
    CHECK(q.size() == 7);
    CHECK(picture(q).substr(0, 5) == "a [b]");
  }
}

TEST_CASE("enqueue RANDOM with only the current item or an empty queue") {
  auto q = queue_of("a", 1);
  REQUIRE(q.enqueue(items("x"), {enqueue_mode::random}));
  CHECK(picture(q) == "[a] x");
  track_queue empty;
  REQUIRE(empty.enqueue(items("x"), {enqueue_mode::random}));
  CHECK(picture(empty) == "| x");
}

TEST_CASE("enqueue RANDOM reaches every gap, roughly uniformly") {
  std::array<int, 4> hits{};
  for (std::uint64_t seed = 0; seed < 4000; ++seed) {
    queue_config config;
    config.seed = seed;
    auto q = queue_of("abcd", 1, config);
    auto r = q.enqueue(items("x"), {enqueue_mode::random});
    REQUIRE(r);
    ++hits.at(r->front() - 2);
  }
  for (int h : hits) CHECK((h > 850 && h < 1150));
}

TEST_CASE("enqueue INTERLACE: one other requester, more new items than existing") {
  track_queue q;
  REQUIRE(q.enqueue(items("cBC", 2)));
  REQUIRE(q.start());
  REQUIRE(q.enqueue(items("123", 7), {enqueue_mode::interlace}));
  CHECK(picture(q) == "[c] B 1 C 2 3");
}

TEST_CASE("enqueue INTERLACE: two other requesters, fewer new items than existing") {
  track_queue q;
  REQUIRE(q.enqueue(items("c", 2)));
  REQUIRE(q.start());
  REQUIRE(q.enqueue(items("AB", 2)));
  REQUIRE(q.enqueue(items("XY", 3)));
  REQUIRE(q.enqueue(items("ab", 2)));
  // Upcoming by 2: A B a b, by 3: X Y (order A B X Y a b); two other requesters -> spacing 2.
  REQUIRE(q.enqueue(items("1", 7), {enqueue_mode::interlace}));
  CHECK(picture(q) == "[c] A B 1 X Y a b");
}

TEST_CASE("enqueue INTERLACE when only the caller has upcoming items or the queue is empty") {
  auto q = queue_of("abc", 1);  // requester 1 everywhere
  REQUIRE(q.enqueue(items("xy"), {enqueue_mode::interlace}));
  CHECK(picture(q) == "[a] x y b c");
  track_queue empty;
  REQUIRE(empty.enqueue(items("xy", 5), {enqueue_mode::interlace}));
  CHECK(picture(empty) == "| x y");
}

TEST_CASE("enqueue INTERLACE ignores the current item's requester and honours the explicit caller") {
  track_queue q;
  REQUIRE(q.enqueue(items("c", 9)));
  REQUIRE(q.start());
  REQUIRE(q.enqueue(items("AB", 2)));
  REQUIRE(q.enqueue(items("12", 2), {.mode = enqueue_mode::interlace, .caller = user_id{3}}));
  CHECK(picture(q) == "[c] A 1 B 2");
}

TEST_CASE("enqueue with shuffle uses the seeded generator: same seed, same queue") {
  auto make = [](std::uint64_t seed) {
    queue_config config;
    config.seed = seed;
    track_queue q(config);
    (void)q.enqueue(items("abcdefgh"), {.shuffle = true});
    return picture(q);
  };
  CHECK(make(1) == make(1));
  CHECK(make(1) != make(2));
  CHECK(make(1).size() == std::string("| a b c d e f g h").size());
}

TEST_CASE("enqueue errors") {
  track_queue q;
  auto none = q.enqueue({});
  REQUIRE_FALSE(none);
  CHECK(none.error().code == error::no_effect);
  std::vector<queue_item> bad(1);
  auto trackless = q.enqueue(bad);
  REQUIRE_FALSE(trackless);
  CHECK(trackless.error().code == error::invalid_argument);
  CHECK(message(trackless) == "item 1 has no track");
  CHECK(q.version() == 0);
}

TEST_CASE("insert at a position, into history or upcoming, the pointer stays on its item") {
  auto q = queue_of("abc", 2);
  REQUIRE(q.insert(1, items("x")));
  CHECK(picture(q) == "x a [b] c");
  REQUIRE(q.insert(3, items("y")));
  CHECK(picture(q) == "x a y [b] c");
  REQUIRE(q.insert(6, items("z")));
  CHECK(picture(q) == "x a y [b] c z");
  auto bad = q.insert(8, items("w"));
  CHECK(bad.error().code == error::position_out_of_range);
  CHECK(message(bad) == "position 8 is out of range: choose 1 to 7");
  CHECK(message(q.insert(0, items("w"))) == "position 0 is out of range: choose 1 to 7");
  track_queue empty;
  CHECK(message(empty.insert(2, items("w"))) == "position 2 is out of range: choose 1 to 1");
  REQUIRE(empty.insert(1, items("w")));
  CHECK(picture(empty) == "| w");
}

TEST_CASE("move one item, the current one included") {
  auto q = queue_of("abcde", 3);
  REQUIRE(q.move(5, 1));
  CHECK(picture(q) == "e a b [c] d");
  REQUIRE(q.move(4, 5));
  CHECK(picture(q) == "e a b d [c]");
  REQUIRE(q.move(1, 5));
  CHECK(picture(q) == "a b d [c] e");
  CHECK(q.move(2, 2).error().code == error::no_effect);
  CHECK(message(q.move(6, 1)) == "position 6 is out of range: choose 1 to 5");
  CHECK(message(q.move(1, 0)) == "position 0 is out of range: choose 1 to 5");
  track_queue empty;
  CHECK(empty.move(1, 1).error().code == error::queue_empty);
}

TEST_CASE("move a range") {
  auto q = queue_of("abcdef", 2);
  REQUIRE(q.move_range(4, 6, 1));
  CHECK(picture(q) == "d e f a [b] c");
  REQUIRE(q.move_range(4, 5, 5));
  CHECK(picture(q) == "d e f c a [b]");
  CHECK(message(q.move_range(1, 3, 5)) == "position 5 is out of range: choose 1 to 4");
  CHECK(q.move_range(3, 2, 1).error().code == error::invalid_argument);
  CHECK(q.move_range(2, 3, 2).error().code == error::no_effect);
}

TEST_CASE("swap follows the current item") {
  auto q = queue_of("abc", 1);
  REQUIRE(q.swap(1, 3));
  CHECK(picture(q) == "c b [a]");
  CHECK(q.swap(2, 2).error().code == error::no_effect);
  CHECK(message(q.swap(4, 1)) == "position 4 is out of range: choose 1 to 3");
}

TEST_CASE("remove positions in any order and repeated") {
  auto q = queue_of("abcdefg", 4);
  auto r = q.remove(std::vector<std::size_t>{7, 2, 6, 2});
  REQUIRE(r);
  REQUIRE(r->size() == 3);
  CHECK((*r)[0].track->identifier() == "b");
  CHECK((*r)[1].track->identifier() == "f");
  CHECK((*r)[2].track->identifier() == "g");
  CHECK(picture(q) == "a c [d] e");
  CHECK(q.current_position() == 3);
}

TEST_CASE("remove refuses the current item unless asked, and checks everything first") {
  auto q = queue_of("abcd", 2);
  auto r = q.remove(std::vector<std::size_t>{4, 2});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == error::current_item_protected);
  CHECK(message(r) == "position 2 is the current item; remove it explicitly to remove it");
  auto out = q.remove(std::vector<std::size_t>{1, 9});
  CHECK(message(out) == "position 9 is out of range: choose 1 to 4");
  CHECK(picture(q) == "a [b] c d");
  REQUIRE(q.remove(std::vector<std::size_t>{2}, removal::allow_current));
  CHECK(picture(q) == "(a) c d");
  auto next = q.start();
  REQUIRE(next);
  CHECK(next->item.track->identifier() == "c");
}

TEST_CASE("removing the current first item leaves the pointer before the start") {
  auto q = queue_of("ab", 1);
  REQUIRE(q.remove(std::vector<std::size_t>{1}, removal::allow_current));
  CHECK(picture(q) == "| b");
  CHECK_FALSE(q.active());
}

TEST_CASE("remove on an empty queue and with no positions") {
  track_queue q;
  CHECK(q.remove(std::vector<std::size_t>{1}).error().code == error::queue_empty);
  auto one = queue_of("a");
  CHECK(one.remove(std::vector<std::size_t>{}).error().code == error::no_effect);
}

TEST_CASE("remove a range") {
  auto q = queue_of("abcdef", 5);
  REQUIRE(q.remove_range(1, 3));
  CHECK(picture(q) == "d [e] f");
  CHECK(q.remove_range(1, 2).error().code == error::current_item_protected);
  CHECK(q.remove_range(3, 2).error().code == error::invalid_argument);
  CHECK(message(q.remove_range(1, 4)) == "position 4 is out of range: choose 1 to 3");
  REQUIRE(q.remove_range(1, 3, removal::allow_current));
  CHECK(q.empty());
  CHECK(q.current_position() == 0);
}

TEST_CASE("dequeue by requester, upcoming only or with history, never the current") {
  track_queue q;
  REQUIRE(q.enqueue(items("ab", 1)));
  REQUIRE(q.enqueue(items("cd", 2)));
  REQUIRE(q.enqueue(items("ef", 1)));
  REQUIRE(q.skip_to(2));
  auto up = q.dequeue_requester(user_id{1});
  REQUIRE(up);
  CHECK(up->size() == 2);
  CHECK(picture(q) == "a [b] c d");
  auto all = q.dequeue_requester(user_id{1}, dequeue_scope::upcoming_and_history);
  REQUIRE(all);
  CHECK(picture(q) == "[b] c d");
  auto none = q.dequeue_requester(user_id{1});
  CHECK(none.error().code == error::no_effect);
  CHECK(message(none) == "no upcoming item matches");
}

TEST_CASE("dequeue requesters who left the voice channel") {
  track_queue q;
  REQUIRE(q.enqueue(items("a", 1)));
  REQUIRE(q.enqueue(items("b", 2)));
  REQUIRE(q.enqueue(items("c", 3)));
  REQUIRE(q.enqueue(items("d", 2)));
  REQUIRE(q.start());
  REQUIRE(q.dequeue_absent({user_id{1}, user_id{3}}));
  CHECK(picture(q) == "[a] c");
}

TEST_CASE("dequeue duplicates keeps the first, counting the current item") {
  auto q = queue_of("abacbdb", 3);  // current is the second 'a'
  auto up = q.dequeue_duplicates();
  REQUIRE(up);
  CHECK(picture(q) == "a b [a] c b d");  // history's b does not count in the upcoming scope
  auto all = q.dequeue_duplicates(dequeue_scope::upcoming_and_history);
  REQUIRE(all);
  CHECK(all->size() == 1);
  CHECK(picture(q) == "a b [a] c d");
  auto first = queue_of("xaxa", 2);
  REQUIRE(first.dequeue_duplicates());
  CHECK(picture(first) == "x [a] x");  // the upcoming copy of the current item goes
  REQUIRE(first.dequeue_duplicates(dequeue_scope::upcoming_and_history));
  CHECK(picture(first) == "x [a]");
}

TEST_CASE("dequeue by source name and by predicate") {
  track_queue q;
  std::vector<queue_item> list{
      make_queue_item(test::make_track("a", 1000, false, "youtube"), user_id{1}, 0),
      make_queue_item(test::make_track("b", 1000, false, "soundcloud"), user_id{1}, 0),
      make_queue_item(test::make_track("c", 1000, false, "youtube"), user_id{1}, 0)};
  REQUIRE(q.enqueue(list));
  REQUIRE(q.dequeue_source("youtube"));
  CHECK(picture(q) == "| b");
  CHECK(q.dequeue_if([](const queue_item&) { return false; }).error().code == error::no_effect);
  REQUIRE(q.dequeue_if([](const queue_item& it) { return it.track->identifier() == "b"; }));
  CHECK(q.empty());
  CHECK(q.dequeue_source("youtube").error().code == error::queue_empty);
}

TEST_CASE("clear upcoming and clear all") {
  auto q = queue_of("abc", 2);
  auto n = q.clear_upcoming();
  REQUIRE(n);
  CHECK(*n == 1);
  CHECK(picture(q) == "a [b]");
  CHECK(q.clear_upcoming().error().code == error::no_effect);
  REQUIRE(q.clear());
  CHECK(q.empty());
  CHECK_FALSE(q.active());
  CHECK(q.clear().error().code == error::queue_empty);
}

TEST_CASE("shuffle touches only upcoming items and unshuffle restores them") {
  queue_config config;
  config.seed = 42;
  auto q = queue_of("abcdefghij", 3, config);
  REQUIRE(q.shuffle());
  const auto shuffled = picture(q);
  CHECK(shuffled.substr(0, 7) == "a b [c]");
  CHECK(shuffled != "a b [c] d e f g h i j");
  REQUIRE(q.unshuffle());
  CHECK(picture(q) == "a b [c] d e f g h i j");
  CHECK(q.unshuffle().error().code == error::nothing_to_unshuffle);
  CHECK(message(q.unshuffle()) == "there is no shuffle to undo");
}

TEST_CASE("unshuffle after items were added, removed and played") {
  queue_config config;
  config.seed = 7;
  auto q = queue_of("abcdef", 1, config);
  REQUIRE(q.shuffle());
  REQUIRE(q.enqueue(items("x")));
  REQUIRE(q.skip_by(1));  // one shuffled item is now current: it stays where it is
  const std::string current(q.current()->track->identifier());
  std::vector<std::size_t> last{q.size() - 1};
  auto removed = q.remove(last);
  REQUIRE(removed);
  const std::string gone(removed->front().track->identifier());
  REQUIRE(q.unshuffle());
  // The remaining shuffled upcoming items are back in their original relative order, x stays last.
  std::string expected;
  for (char c : std::string("bcdef"))
    if (std::string(1, c) != current && std::string(1, c) != gone) expected += c;
  std::string got;
  for (std::size_t p = q.current_position() + 1; p < q.size(); ++p) got += std::string((*q.at(p))->track->identifier());
  CHECK(got == expected);
  CHECK((*q.at(q.size()))->track->identifier() == "x");
}

TEST_CASE("shuffle needs two upcoming items") {
  auto q = queue_of("ab", 1);
  auto r = q.shuffle();
  CHECK(r.error().code == error::no_effect);
  CHECK(message(r) == "there are fewer than two upcoming items to shuffle");
}

TEST_CASE("skip by: range errors name the allowed range exactly") {
  auto q = queue_of("abcdefg", 3);
  CHECK(message(q.skip_by(5)) == "skip by must be between -2 and 4");
  CHECK(message(q.skip_by(-3)) == "skip by must be between -2 and 4");
  CHECK(q.skip_by(0).error().code == error::no_effect);
  auto step = q.skip_by(-2);
  REQUIRE(step);
  CHECK(step->position == 1);
  CHECK(picture(q) == "[a] b c d e f g");
  CHECK(message(q.skip_by(-1)) == "skip by must be between 1 and 6");
  REQUIRE(q.skip_by(6));
  CHECK(message(q.skip_by(1)) == "skip by must be between -6 and -1");
}

TEST_CASE("skip by on an empty, a one-item and a not yet started queue") {
  track_queue empty;
  CHECK(empty.skip_by(1).error().code == error::queue_empty);
  auto one = queue_of("a", 1);
  auto r = one.skip_by(1);
  CHECK(r.error().code == error::no_effect);
  CHECK(message(r) == "there is no other item to skip to");
  auto fresh = queue_of("abc");
  CHECK(message(fresh.skip_by(0)) == "skip by must be between 1 and 3");
  auto step = fresh.skip_by(2);
  REQUIRE(step);
  CHECK(picture(fresh) == "a [b] c");
}

TEST_CASE("skip to and back") {
  auto q = queue_of("abcd", 2);
  CHECK(message(q.skip_to(0)) == "position 0 is out of range: choose 1 to 4");
  CHECK(message(q.skip_to(5)) == "position 5 is out of range: choose 1 to 4");
  CHECK(message(q.skip_to(2)) == "position 2 is already playing");
  REQUIRE(q.skip_to(4));
  CHECK(picture(q) == "a b c [d]");
  REQUIRE(q.back());
  REQUIRE(q.back());
  REQUIRE(q.back());
  CHECK(picture(q) == "[a] b c d");
  auto r = q.back();
  CHECK(r.error().code == error::position_out_of_range);
  CHECK(message(r) == "the start of the queue was reached");
}

TEST_CASE("start plays the first upcoming item of an idle queue") {
  track_queue q;
  CHECK(q.start().error().code == error::queue_empty);
  REQUIRE(q.enqueue(items("ab")));
  auto s = q.start();
  REQUIRE(s);
  CHECK(s->position == 1);
  CHECK(message(q.start()) == "position 1 is already playing");
}

TEST_CASE("repeat mode changes are events, the same mode is no_effect") {
  track_queue q;
  REQUIRE(q.set_repeat(repeat_mode::all));
  CHECK(q.repeat() == repeat_mode::all);
  CHECK(q.version() == 1);
  CHECK(message(q.set_repeat(repeat_mode::all)) == "repeat is already all");
}

TEST_CASE("advance: only finished and loadFailed move on") {
  auto q = queue_of("abc", 1);
  for (auto reason : {protocol::track_end_reason::stopped, protocol::track_end_reason::replaced, protocol::track_end_reason::cleanup}) {
    auto r = q.advance(reason);
    CHECK(r.action == advance_action::nothing);
    CHECK(picture(q) == "[a] b c");
  }
  auto f = q.advance(protocol::track_end_reason::finished);
  REQUIRE(f.action == advance_action::play);
  CHECK(f.next->position == 2);
  auto l = q.advance(protocol::track_end_reason::load_failed);
  REQUIRE(l.action == advance_action::play);
  CHECK(l.next->position == 3);
  auto end = q.advance(protocol::track_end_reason::finished);
  CHECK(end.action == advance_action::ended);
  CHECK(picture(q) == "a b (c)");
  CHECK(q.advance(protocol::track_end_reason::finished).action == advance_action::nothing);
}

TEST_CASE("advance with repeat one replays after finished, moves on after a load failure") {
  auto q = queue_of("ab", 1);
  REQUIRE(q.set_repeat(repeat_mode::one));
  auto r = q.advance(protocol::track_end_reason::finished);
  REQUIRE(r.action == advance_action::play);
  CHECK(r.next->position == 1);
  auto l = q.advance(protocol::track_end_reason::load_failed);
  REQUIRE(l.action == advance_action::play);
  CHECK(l.next->position == 2);
}

TEST_CASE("advance with repeat all wraps to position 1") {
  auto q = queue_of("ab", 2);
  REQUIRE(q.set_repeat(repeat_mode::all));
  auto r = q.advance(protocol::track_end_reason::finished);
  REQUIRE(r.action == advance_action::play);
  CHECK(r.next->position == 1);
  CHECK(picture(q) == "[a] b");
}

TEST_CASE("autoplay hook fills a dry queue, returning nothing lets it end") {
  int calls = 0;
  queue_config config;
  config.hooks.autoplay = [&](const track_queue& q) {
    ++calls;
    return q.size() < 3 ? items("z", 0) : std::vector<queue_item>{};
  };
  auto q = queue_of("ab", 2, config);
  auto r = q.advance(protocol::track_end_reason::finished);
  REQUIRE(r.action == advance_action::play);
  CHECK(r.next->item.track->identifier() == "z");
  CHECK(picture(q) == "a b [z]");
  CHECK(q.advance(protocol::track_end_reason::finished).action == advance_action::ended);
  CHECK(calls == 2);
}

TEST_CASE("the requester's remembered volume applies when their item starts, the item's override wins") {
  queue_config config;
  config.hooks.remembered_volume = [](user_id u) -> std::optional<std::uint16_t> {
    if (u == user_id{2}) return 40;
    return std::nullopt;
  };
  track_queue q(config);
  auto list = items("a", 2);
  auto b = items("b", 2);
  b[0].volume = 250;
  list.push_back(b[0]);
  list.push_back(items("c", 3)[0]);
  REQUIRE(q.enqueue(list));
  CHECK(q.start()->volume == 40);
  CHECK(q.advance(protocol::track_end_reason::finished).next->volume == 250);
  CHECK(q.advance(protocol::track_end_reason::finished).next->volume == std::nullopt);
}

TEST_CASE("page around the current item and numbered pages") {
  auto q = queue_of("abcdefghij", 5);
  auto p = q.page_around(4);
  CHECK(p.first_position == 3);
  REQUIRE(p.items.size() == 4);
  CHECK(p.items[0]->track->identifier() == "c");
  CHECK(p.current_position == 5);
  CHECK(p.total == 10);
  REQUIRE(q.skip_to(10));
  CHECK(q.page_around(4).first_position == 7);
  REQUIRE(q.skip_to(1));
  CHECK(q.page_around(4).first_position == 1);
  CHECK(q.page_around(40).items.size() == 10);
  auto page3 = q.page(3, 4);
  REQUIRE(page3);
  CHECK(page3->first_position == 9);
  CHECK(page3->items.size() == 2);
  CHECK(message(q.page(4, 4)) == "page 4 is out of range: choose 1 to 3");
  CHECK(q.page(1, 0).error().code == error::invalid_argument);
  track_queue empty;
  CHECK(empty.page_around(5).items.empty());
  CHECK(empty.page(1, 5).error().code == error::queue_empty);
}

TEST_CASE("durations count streams apart and honour start and end times") {
  track_queue q;
  std::vector<queue_item> list{make_queue_item(test::make_track("a", 10000), user_id{1}, 0),
                               make_queue_item(test::make_track("b", 20000), user_id{1}, 0),
                               make_queue_item(test::make_track("s", 0, true), user_id{1}, 0),
                               make_queue_item(test::make_track("c", 30000), user_id{1}, 0)};
  list[1].start_time = 5000;
  list[1].end_time = 15000;  // plays 10 s
  REQUIRE(q.enqueue(list));
  auto before = q.durations();
  CHECK(before.total_ms == 50000);
  CHECK(before.remaining_ms == 50000);
  CHECK(before.streams == 1);
  CHECK(before.remaining_streams == 1);
  REQUIRE(q.skip_to(2));
  auto playing = q.durations(8000);  // 3 s into the 10 s segment
  CHECK(playing.remaining_ms == 7000 + 30000);
  CHECK(playing.total_ms == 50000);
  REQUIRE(q.skip_to(4));
  CHECK(q.durations(0).remaining_streams == 0);
}

TEST_CASE("queue errors map onto the bad_argument condition where they are the caller's fault") {
  auto q = queue_of("ab", 1);
  CHECK(q.skip_to(9).error().code == condition::bad_argument);
  CHECK(q.skip_to(1).error().code == condition::bad_argument);
}
