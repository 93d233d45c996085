// WebSocket events: each at the right moment with the right reason, in order, on the
// simulated clock (PROTOCOL.md §6.2–§6.4).
#include "fixture.hpp"

using namespace fakenode_test;
using hanabi::testing::fake_node_options;
using nlohmann::json;

namespace {

fake_node_options fast(double scale = 1000) {
  fake_node_options o;
  o.time_scale = scale;
  return o;
}

}  // namespace

TEST_CASE("a track plays to its end on the simulated clock: start, playerUpdate, end(finished)") {
  connected_node n{fast()};
  n.play(1, "fake:track:song:180000");  // 3 minutes in 180 ms
  auto start = n.ws.next_of("event");
  CHECK(start["type"] == "TrackStartEvent");
  CHECK(start["guildId"] == "1");
  CHECK(start["track"]["info"]["title"] == "song");
  auto update = n.ws.next_json();
  CHECK(update["op"] == "playerUpdate");
  CHECK(update["state"]["time"].is_number_integer());
  auto end = n.event();
  CHECK(end["type"] == "TrackEndEvent");
  CHECK(end["reason"] == "finished");
  CHECK(end["track"]["info"]["position"] == 180'000);
  CHECK_FALSE(n.node.player(n.sid, 1)->track.has_value());
}

TEST_CASE("tracks in a row end in order, a replacement ends the old one first") {
  connected_node n{fast(100)};
  n.play(1, "fake:track:a:600000");
  CHECK(n.any_event()["type"] == "TrackStartEvent");
  n.play(1, "fake:track:b:1000");
  auto replaced = n.any_event();
  CHECK(replaced["type"] == "TrackEndEvent");
  CHECK(replaced["reason"] == "replaced");
  CHECK(replaced["track"]["info"]["title"] == "a");
  auto start_b = n.any_event();
  CHECK(start_b["type"] == "TrackStartEvent");
  CHECK(start_b["track"]["info"]["title"] == "b");
  auto end_b = n.any_event();
  CHECK(end_b["type"] == "TrackEndEvent");
  CHECK(end_b["reason"] == "finished");
  CHECK(end_b["track"]["info"]["title"] == "b");
}

TEST_CASE("a track that fails to load: start, exception, end(loadFailed)") {
  connected_node n{fast()};
  n.play(4, "fake:fail:broken");
  CHECK(n.any_event()["type"] == "TrackStartEvent");
  auto ex = n.any_event();
  CHECK(ex["type"] == "TrackExceptionEvent");
  CHECK(ex["exception"]["severity"] == "common");
  CHECK(ex["exception"]["message"].is_string());
  CHECK(ex["exception"]["cause"].is_string());
  CHECK(ex["exception"]["causeStackTrace"].is_string());
  auto end = n.any_event();
  CHECK(end["type"] == "TrackEndEvent");
  CHECK(end["reason"] == "loadFailed");
}

TEST_CASE("a track that throws midway: exception then end(finished) at half its length") {
  connected_node n{fast()};
  n.play(4, "fake:exception:flaky:100000");
  CHECK(n.any_event()["type"] == "TrackStartEvent");
  auto ex = n.any_event();
  CHECK(ex["type"] == "TrackExceptionEvent");
  CHECK(ex["track"]["info"]["position"] == 50'000);
  auto end = n.any_event();
  CHECK(end["type"] == "TrackEndEvent");
  CHECK(end["reason"] == "finished");
}

TEST_CASE("a stuck track reports TrackStuckEvent with the threshold, then a playerUpdate, and stays") {
  auto o = fast();
  o.stuck_threshold_ms = 4000;
  connected_node n{o};
  n.play(4, "fake:stuck:jam");
  CHECK(n.any_event()["type"] == "TrackStartEvent");
  auto stuck = n.any_event();
  CHECK(stuck["type"] == "TrackStuckEvent");
  CHECK(stuck["thresholdMs"] == 4000);
  CHECK(n.ws.next_of("playerUpdate")["guildId"] == "4");
  auto view = n.node.player(n.sid, 4);
  CHECK(view->stuck);
  CHECK(view->track.has_value());
}

TEST_CASE("events raised from the test API: voice closed, exception, stuck, cleanup") {
  connected_node n;
  n.play(2, "fake:track:a");
  CHECK(n.any_event()["type"] == "TrackStartEvent");
  n.node.close_voice(n.sid, 2, 4006, "Your session is no longer valid.", true);
  auto closed = n.any_event();
  CHECK(closed == json({{"op", "event"}, {"type", "WebSocketClosedEvent"}, {"guildId", "2"}, {"code", 4006},
                        {"reason", "Your session is no longer valid."}, {"byRemote", true}}));
  CHECK(n.ws.next_of("playerUpdate")["state"]["connected"] == false);
  n.node.stick_track(n.sid, 2);
  CHECK(n.any_event()["type"] == "TrackStuckEvent");
  n.node.cleanup_track(n.sid, 2);
  auto cleanup = n.any_event();
  CHECK(cleanup["type"] == "TrackEndEvent");
  CHECK(cleanup["reason"] == "cleanup");
  n.play(2, "fake:track:b");
  CHECK(n.any_event()["type"] == "TrackStartEvent");
  n.node.throw_track_exception(n.sid, 2, "boom");
  auto ex = n.any_event();
  CHECK(ex["type"] == "TrackExceptionEvent");
  CHECK(ex["exception"]["message"] == "boom");
  CHECK(n.any_event()["reason"] == "finished");
}

TEST_CASE("periodic playerUpdates while a track is loaded, with a rising position") {
  fake_node_options o;
  o.player_update_interval = std::chrono::milliseconds(5);
  connected_node n{o};
  n.play(3, "fake:track:a:600000");
  std::int64_t last = -1;
  for (int i = 0; i < 5; ++i) {
    auto u = n.ws.next_of("playerUpdate");
    CHECK(u["guildId"] == "3");
    auto pos = u["state"]["position"].get<std::int64_t>();
    CHECK(pos >= last);
    last = pos;
  }
}

TEST_CASE("stats at the configured interval count players and playing players") {
  fake_node_options o;
  o.stats_interval = std::chrono::milliseconds(5);
  connected_node n{o};
  n.play(1, "fake:track:a");
  patch_player(n.port, n.sid, 2, {{"paused", true}});
  for (int i = 0; i < 3; ++i) {
    auto s = n.ws.next_of("stats");
    CHECK(s["frameStats"].is_null());
    if (s["players"] == 2) CHECK(s["playingPlayers"] == 1);
  }
  CHECK(eventually([&] {
    auto s = n.ws.next_of("stats");
    return s["players"] == 2 && s["playingPlayers"] == 1;
  }));
}

TEST_CASE("a paused track does not end, resuming it lets it finish") {
  connected_node n{fast()};
  n.play(1, "fake:track:a:100000", {{"paused", true}});
  CHECK(n.any_event()["type"] == "TrackStartEvent");
  auto before = n.node.player(n.sid, 1)->position;
  CHECK(before == 0);
  patch_player(n.port, n.sid, 1, {{"paused", false}});
  auto end = n.any_event();
  CHECK(end["type"] == "TrackEndEvent");
  CHECK(end["reason"] == "finished");
}
