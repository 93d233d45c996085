// Change events, snapshots and restores: a queue rebuilt from its snapshot, or
// replayed from its events (through their JSON form), is identical.
#include <hanabi/queue/track_queue.hpp>

#include "queue_test_util.hpp"
#include "test_data.hpp"

#include <catch2/catch.hpp>

using namespace hanabi;
using hanabi::test::items;
using hanabi::test::picture;

namespace {

struct recorded {
  std::vector<queue_event> events;
  queue_config config(std::uint64_t seed = 3) {
    queue_config c;
    c.seed = seed;
    c.on_change = [this](const queue_event& e) { events.push_back(e); };
    return c;
  }
};

// A queue that went through every kind of change.
void exercise(track_queue& q) {
  auto list = items("abcdef", 1);
  list[1].start_time = 1500;
  list[1].end_time = 9000;
  list[2].volume = 80;
  list[3].filters = {{"timescale", {{"speed", 1.25}}}};
  list[4].user_data = {{"requestedIn", "123"}};
  REQUIRE(q.enqueue(list));
  REQUIRE(q.enqueue(items("xyz", 2), {enqueue_mode::interlace}));
  REQUIRE(q.enqueue(items("rs", 3), {.mode = enqueue_mode::random, .shuffle = true}));
  REQUIRE(q.start());
  REQUIRE(q.skip_by(2));
  REQUIRE(q.insert(1, items("h")));
  REQUIRE(q.move(2, 8));
  REQUIRE(q.move_range(9, 10, 5));
  REQUIRE(q.swap(1, 12));
  REQUIRE(q.shuffle());
  REQUIRE(q.remove(std::vector<std::size_t>{1, 12}));
  REQUIRE(q.set_repeat(repeat_mode::all));
  REQUIRE(q.dequeue_requester(user_id{3}, dequeue_scope::upcoming_and_history));
  REQUIRE(q.unshuffle());
  REQUIRE(q.advance(protocol::track_end_reason::finished).action == advance_action::play);
  REQUIRE(q.clear_upcoming());
}

}  // namespace

TEST_CASE("every mutation emits one event with the next version") {
  recorded rec;
  track_queue q(rec.config());
  exercise(q);
  REQUIRE(rec.events.size() == q.version());
  for (std::size_t i = 0; i < rec.events.size(); ++i) CHECK(rec.events[i].version == i + 1);
  const auto before = rec.events.size();
  CHECK_FALSE(q.skip_to(99));  // failures change nothing and emit nothing
  CHECK(rec.events.size() == before);
}

TEST_CASE("replaying the events, through JSON, gives an identical queue") {
  recorded rec;
  track_queue q(rec.config());
  exercise(q);
  track_queue mirror(queue_config{3, {}, {}, {}});  // equal to q before its first event
  for (const auto& e : rec.events) {
    auto wire = queue_event_from_json(nlohmann::json::parse(to_json_value(e).dump()));
    REQUIRE(wire);
    CHECK(*wire == e);
    REQUIRE(mirror.apply(*wire));
  }
  CHECK(mirror == q);
  CHECK(picture(mirror) == picture(q));
  // Both continue identically: the generator state travelled with the events.
  REQUIRE(q.enqueue(items("mnopq")));
  REQUIRE(mirror.enqueue(items("mnopq")));
  REQUIRE(q.shuffle());
  REQUIRE(mirror.shuffle());
  CHECK(picture(mirror) == picture(q));
}

TEST_CASE("snapshot and restore give an identical queue, also through text") {
  recorded rec;
  track_queue q(rec.config());
  exercise(q);
  auto restored = track_queue::restore(nlohmann::json::parse(q.snapshot().dump()));
  REQUIRE(restored);
  CHECK(*restored == q);
  CHECK(restored->snapshot() == q.snapshot());
  REQUIRE(q.enqueue(items("mnop")));
  REQUIRE(restored->enqueue(items("mnop")));
  REQUIRE(q.shuffle());
  REQUIRE(restored->shuffle());
  CHECK(*restored == q);
}

TEST_CASE("a restored queue keeps its history, pointer and idle state") {
  auto q = test::queue_of("abc", 3);
  REQUIRE(q.advance(protocol::track_end_reason::finished).action == advance_action::ended);
  auto restored = track_queue::restore(q.snapshot());
  REQUIRE(restored);
  CHECK(picture(*restored) == "a b (c)");
  REQUIRE(restored->enqueue(items("d")));
  CHECK(restored->start()->item.track->identifier() == "d");
}

TEST_CASE("items keep a real Lavalink track exactly") {
  auto search = nlohmann::json::parse(test::fixture("loadtracks-search.json"));
  const auto& t = search["data"][0];
  protocol::track track;
  track.encoded = t["encoded"];
  track.info.identifier = t["info"]["identifier"];
  track.info.title = t["info"]["title"];
  track.info.author = t["info"]["author"];
  track.info.source_name = t["info"]["sourceName"];
  track.info.length = t["info"]["length"];
  track.info.is_seekable = t["info"]["isSeekable"];
  track.plugin_info = {{"albumName", "x"}};
  auto item = make_queue_item(track, user_id{42}, 1700000000123);
  CHECK(item.track->encoded() == track.encoded);
  CHECK(item.track->title() == track.info.title);
  CHECK(item.track->length() == 213000);
  CHECK(item.track->plugin_info() == track.plugin_info);
  auto back = queue_item_from_json(nlohmann::json::parse(to_json_value(item).dump()));
  REQUIRE(back);
  CHECK(*back == item);
  // Everything not kept apart (uri, artwork) comes back from the blob.
  auto full = to_track(item);
  REQUIRE(full);
  CHECK(full->info.uri == t["info"]["uri"].get<std::string>());
  CHECK(full->info.artwork_url == t["info"]["artworkUrl"].get<std::string>());
  CHECK(full->info.isrc == std::nullopt);
  track.info.uri = full->info.uri;
  track.info.artwork_url = full->info.artwork_url;
  CHECK(*full == track);
  item.user_data = {{"k", 1}};
  CHECK(to_track(item)->user_data == nlohmann::json{{"k", 1}});
  auto garbage = make_queue_item(test::make_track("a"), user_id{1}, 0);
  CHECK_FALSE(to_track(garbage));
}

TEST_CASE("a malformed snapshot is a typed error, never an exception") {
  auto q = test::queue_of("ab", 1);
  const auto good = q.snapshot();
  auto broken = [&](auto mutate) {
    auto j = good;
    mutate(j);
    auto r = track_queue::restore(j);
    REQUIRE_FALSE(r);
    return r.error().code;
  };
  CHECK(broken([](auto& j) { j.erase("items"); }) == error::missing_field);
  CHECK(broken([](auto& j) { j["current"] = "1"; }) == error::unexpected_type);
  CHECK(broken([](auto& j) { j["current"] = 3; }) == error::invalid_value);
  CHECK(broken([](auto& j) { j["repeat"] = "twice"; }) == error::invalid_value);
  CHECK(broken([](auto& j) { j["format"] = 2; }) == error::invalid_value);
  CHECK(broken([](auto& j) { j["items"][1]["id"] = j["items"][0]["id"]; }) == error::invalid_value);
  CHECK(broken([](auto& j) { j["items"][0]["requester"] = "x"; }) == error::invalid_snowflake);
  CHECK(broken([](auto& j) { j["items"][0]["track"].erase("encoded"); }) == error::missing_field);
  CHECK(broken([](auto& j) { j["items"][0]["volume"] = 1001; }) == error::invalid_value);
  CHECK(broken([](auto& j) { j = nlohmann::json::array(); }) == error::unexpected_type);
}

TEST_CASE("an event that does not follow, or does not fit, is refused without a change") {
  auto q = test::queue_of("abc", 1);
  const auto before = q.snapshot();
  queue_event skipped{q.version() + 2, 0, queue_change::swapped{1, 2}};
  auto r = q.apply(skipped);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == error::event_mismatch);
  CHECK(r.error().diag.client_message() == "event version 4 does not follow queue version 2");
  for (queue_event::change_type bad : {queue_event::change_type{queue_change::swapped{1, 9}},
                                       queue_event::change_type{queue_change::removed{{3, 2}}},
                                       queue_event::change_type{queue_change::moved{2, 2, 3}},
                                       queue_event::change_type{queue_change::reordered{{2, 2}, true}},
                                       queue_event::change_type{queue_change::pointer_moved{0, true}},
                                       queue_event::change_type{queue_change::inserted{{5}, items("z")}}}) {
    auto e = q.apply(queue_event{q.version() + 1, 0, bad});
    REQUIRE_FALSE(e);
    CHECK(e.error().code == error::event_mismatch);
  }
  CHECK(q.snapshot() == before);
  CHECK_FALSE(queue_event_from_json(nlohmann::json{{"version", 1}, {"rng", 0}, {"type", "teleported"}}));
  CHECK(queue_event_from_json(nlohmann::json::parse("[1]")).error().code == error::unexpected_type);
}
