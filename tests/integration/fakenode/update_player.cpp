// PATCH /v4/sessions/{sessionId}/players/{guildId}, step by step as PROTOCOL.md §8 describes.
#include "fixture.hpp"

using namespace fakenode_test;
using hanabi::testing::fake_node_options;
using nlohmann::json;

namespace {

const json full_voice = {{"token", "e0d1b4645d70b72e"},
                         {"endpoint", "rotterdam2744.discord.media:443"},
                         {"sessionId", "2fb2752fe2f22db09c12ab3911b9d3c0"},
                         {"channelId", "1266368011753754644"}};

fake_node_options karaoke_disabled() {
  fake_node_options o;
  o.disabled_filters = {"karaoke"};
  return o;
}

}  // namespace

TEST_CASE("an empty body creates an idle player") {
  connected_node n;
  auto r = patch_player(n.port, n.sid, 817327181659111454, json::object());
  REQUIRE(r.status == 200);
  auto p = r.json();
  CHECK(p["guildId"] == "817327181659111454");
  CHECK(p["track"].is_null());
  CHECK(p["volume"] == 100);
  CHECK(p["paused"] == false);
  CHECK(p["state"]["position"] == 0);
  CHECK(p["state"]["connected"] == false);
  CHECK(p["state"]["ping"] == -1);
  CHECK(p["voice"] == json({{"token", ""}, {"endpoint", ""}, {"sessionId", ""}, {"channelId", nullptr}}));
  CHECK(p["filters"] == json::object());
  CHECK(n.node.player(n.sid, 817327181659111454).has_value());
}

TEST_CASE("validation failures give Lavalink's 400 messages, in the server's order, and create no player") {
  connected_node n{karaoke_disabled()};
  struct bad_request {
    json body;
    std::string message;
  };
  auto voice_without = [](const char* key, json value) {
    json v = full_voice;
    if (value.is_discarded()) v.erase(key);
    else v[key] = value;
    return v;
  };
  const std::string voice_message = "token, endpoint, sessionId and channelId must be provided in voice state";
  const std::vector<bad_request> cases = {
      {{{"track", {{"encoded", "x"}}}, {"encodedTrack", "y"}}, "Cannot specify both track and encodedTrack/identifier"},
      {{{"track", {{"encoded", "x"}}}, {"identifier", "y"}, {"endTime", 0}},
       "Cannot specify both track and encodedTrack/identifier"},
      {{{"track", {{"encoded", nullptr}, {"identifier", "fake:track:a"}}}}, "Cannot specify both encodedTrack and identifier"},
      {{{"encodedTrack", nullptr}, {"identifier", "fake:track:a"}}, "Cannot specify both encodedTrack and identifier"},
      {{{"filters", {{"karaoke", json::object()}}}, {"endTime", 0}}, "Following filters are disabled in the config: karaoke"},
      {{{"voice", voice_without("channelId", json(json::value_t::discarded))}}, voice_message},
      {{{"voice", voice_without("channelId", nullptr)}}, voice_message},
      {{{"voice", voice_without("channelId", "  ")}}, voice_message},
      {{{"voice", voice_without("token", "")}, {"endTime", 0}}, voice_message},
      {{{"endTime", 0}}, "End time must be greater than 0"},
      {{{"endTime", -5}}, "End time must be greater than 0"},
      {{{"volume", nullptr}}, "Failed to read request"},
      {{{"paused", "yes"}}, "Failed to read request"},
      {{{"track", nullptr}}, "Failed to read request"},
      {{{"filters", {{"equalizer", nullptr}}}}, "Failed to read request"},
  };
  for (const auto& c : cases) {
    INFO(c.body.dump());
    auto r = patch_player(n.port, n.sid, 5, c.body);
    CHECK(r.status == 400);
    CHECK(r.json()["message"] == c.message);
    CHECK(r.json()["path"] == "/v4/sessions/" + n.sid + "/players/5");
  }
  CHECK_FALSE(n.node.player(n.sid, 5).has_value());
  CHECK(patch_player(n.port, "nosuchsession0000", 5, json::object()).json()["message"] == "Session not found");
  CHECK(rest(n.port, "PATCH", "/v4/sessions/" + n.sid + "/players/5", password, "not json").status == 400);
}

TEST_CASE("the deprecated encodedTrack and identifier fields still play") {
  connected_node n;
  auto r = patch_player(n.port, n.sid, 1, {{"encodedTrack", encoded_of(n.port, "fake:track:legacy")}});
  REQUIRE(r.status == 200);
  CHECK(r.json()["track"]["info"]["title"] == "legacy");
  r = patch_player(n.port, n.sid, 2, {{"identifier", "fake:track:by-id"}});
  REQUIRE(r.status == 200);
  CHECK(r.json()["track"]["info"]["title"] == "by-id");
}

TEST_CASE("track.identifier must name exactly one track") {
  connected_node n;
  auto play = [&](const std::string& id) { return patch_player(n.port, n.sid, 3, {{"track", {{"identifier", id}}}}); };
  CHECK(play("fake:track:one").json()["track"]["info"]["identifier"] == "fake:track:one");
  auto playlist = play("fake:playlist:3");
  CHECK(playlist.status == 400);
  CHECK(playlist.json()["message"] == "Cannot play a playlist or search result");
  CHECK(play("fakesearch:x").json()["message"] == "Cannot play a playlist or search result");
  auto none = play("no such thing");
  CHECK(none.status == 400);
  CHECK(none.json()["message"] == "No matches found for identifier");
  auto failed = play("fake:error");
  CHECK(failed.status == 500);
  CHECK(failed.json()["message"] == "Something went wrong while looking up the track.");
  auto bad_blob = patch_player(n.port, n.sid, 3, {{"track", {{"encoded", "AAAA"}}}});
  CHECK(bad_blob.status == 500);
}

TEST_CASE("starting a track unpauses the player unless paused:true comes with it") {
  connected_node n;
  CHECK(patch_player(n.port, n.sid, 1, {{"paused", true}}).json()["paused"] == true);
  auto started = n.play(1, "fake:track:a");
  CHECK(started.json()["paused"] == false);
  CHECK(started.json()["track"]["info"]["title"] == "a");
  auto paused_start = n.play(1, "fake:track:b", {{"paused", true}});
  CHECK(paused_start.json()["paused"] == true);
  CHECK(n.node.player(n.sid, 1)->paused);
}

TEST_CASE("noReplace keeps the playing track and drops the whole track part, but applies volume") {
  connected_node n;
  n.play(1, "fake:track:a");
  // A stuck track never advances, so its position shows whether the seek was applied.
  n.play(1, "fake:stuck:b", {{"track", {{"userData", {{"x", 1}}}}}});
  auto again = patch_player(n.port, n.sid, 1,
                            {{"track", {{"encoded", encoded_of(n.port, "fake:track:c")}, {"userData", {{"y", 2}}}}},
                             {"position", 5000},
                             {"endTime", 100},
                             {"paused", true},
                             {"volume", 50}},
                            "?noReplace=true");
  REQUIRE(again.status == 200);
  auto p = again.json();
  CHECK(p["track"]["info"]["title"] == "b");
  CHECK(p["volume"] == 50);
  auto view = n.node.player(n.sid, 1);
  REQUIRE(view);
  REQUIRE(view->track);
  CHECK(view->track->info.title == "b");
  CHECK(view->track->user_data == json({{"x", 1}}));  // not c's userData
  CHECK_FALSE(view->paused);
  CHECK_FALSE(view->end_time.has_value());
  CHECK(view->position == 0);
  // Without a track, noReplace=true plays.
  auto fresh = patch_player(n.port, n.sid, 2, {{"track", {{"encoded", encoded_of(n.port, "fake:track:d")}}}}, "?noReplace=true");
  CHECK(fresh.json()["track"]["info"]["title"] == "d");
}

TEST_CASE("encoded:null stops the track with TrackEndEvent(stopped)") {
  connected_node n;
  n.play(1, "fake:track:a");
  CHECK(n.event()["type"] == "TrackStartEvent");
  auto r = patch_player(n.port, n.sid, 1, {{"track", {{"encoded", nullptr}}}});
  CHECK(r.json()["track"].is_null());
  auto end = n.event();
  CHECK(end["type"] == "TrackEndEvent");
  CHECK(end["reason"] == "stopped");
  CHECK(end["guildId"] == "1");
  CHECK(end["track"]["info"]["title"] == "a");
}

TEST_CASE("endTime ends the track there with reason finished, endTime:null keeps the marker") {
  fake_node_options o;
  o.time_scale = 1000;
  connected_node n{o};
  n.play(1, "fake:track:long:600000", {{"endTime", 60'000}});
  CHECK(n.event()["type"] == "TrackStartEvent");
  auto end = n.event();
  CHECK(end["type"] == "TrackEndEvent");
  CHECK(end["reason"] == "finished");
  CHECK(end["track"]["info"]["position"] == 60'000);

  connected_node m;  // real time: the track stays on
  m.play(1, "fake:track:a");
  patch_player(m.port, m.sid, 1, {{"endTime", 100'000}});
  CHECK(m.node.player(m.sid, 1)->end_time == 100'000);
  patch_player(m.port, m.sid, 1, {{"endTime", nullptr}});
  CHECK(m.node.player(m.sid, 1)->end_time == 100'000);
}

TEST_CASE("userData goes with a new track, or onto the current one") {
  connected_node n;
  auto r = n.play(1, "fake:track:a", {{"track", {{"userData", {{"requester", "42"}}}}}});
  CHECK(r.json()["track"]["userData"] == json({{"requester", "42"}}));
  CHECK(n.event("TrackStartEvent")["track"]["userData"] == json({{"requester", "42"}}));
  r = patch_player(n.port, n.sid, 1, {{"track", {{"userData", {{"b", 2}}}}}});
  CHECK(r.json()["track"]["userData"] == json({{"b", 2}}));
  CHECK(r.json()["track"]["info"]["title"] == "a");
}

TEST_CASE("volume is clamped to 0..1000, seeking sends a playerUpdate") {
  connected_node n;
  CHECK(patch_player(n.port, n.sid, 1, {{"volume", 2000}}).json()["volume"] == 1000);
  CHECK(patch_player(n.port, n.sid, 1, {{"volume", -3}}).json()["volume"] == 0);
  n.play(1, "fake:track:a:600000");
  n.ws.next_of("playerUpdate");  // the one after the start
  auto r = patch_player(n.port, n.sid, 1, {{"position", 90'000}});
  CHECK(r.json()["state"]["position"].get<std::int64_t>() >= 90'000);
  CHECK(r.json()["track"]["info"]["position"].get<std::int64_t>() >= 90'000);
  CHECK(n.ws.next_of("playerUpdate")["state"]["position"].get<std::int64_t>() >= 90'000);
}

TEST_CASE("filters replace the whole set and come back normalised") {
  connected_node n;
  auto r = patch_player(n.port, n.sid, 1,
                        {{"filters",
                          {{"volume", 1.0},
                           {"equalizer", {{{"band", 0}}, {{"band", 1}, {"gain", 0.0}}}},
                           {"timescale", {{"speed", 1.25}}},
                           {"karaoke", nullptr},
                           {"lowPass", {{"smoothing", 1.0}}},
                           {"rotation", {{"rotationHz", 0.2}}}}}});
  REQUIRE(r.status == 200);
  CHECK(r.json()["filters"] == json({{"equalizer", {{{"band", 0}, {"gain", 1.0}}, {{"band", 1}, {"gain", 0.0}}}},
                                     {"timescale", {{"speed", 1.25}, {"pitch", 1.0}, {"rate", 1.0}}},
                                     {"rotation", {{"rotationHz", 0.2}}}}));
  CHECK(n.ws.next_of("playerUpdate")["guildId"] == "1");
  CHECK(patch_player(n.port, n.sid, 1, {{"filters", json::object()}}).json()["filters"] == json::object());
  auto bad_band = patch_player(n.port, n.sid, 1, {{"filters", {{"equalizer", {{{"band", 15}, {"gain", 0.1}}}}}}});
  CHECK(bad_band.status == 500);
}

TEST_CASE("voice: a full state connects, an unreachable server is a 500 after the player exists") {
  connected_node n;
  auto r = patch_player(n.port, n.sid, 1, {{"voice", full_voice}});
  REQUIRE(r.status == 200);
  CHECK(r.json()["voice"] == full_voice);
  CHECK(r.json()["state"]["connected"] == true);
  CHECK(r.json()["state"]["ping"].get<int>() >= 0);
  CHECK(n.ws.next_of("playerUpdate")["state"]["connected"] == true);
  auto view = n.node.player(n.sid, 1);
  CHECK(view->connected);
  CHECK(view->voice_channel_id == "1266368011753754644");

  json unreachable = full_voice;
  unreachable["endpoint"] = "nowhere.fail.invalid:443";
  auto failed = patch_player(n.port, n.sid, 2, {{"voice", unreachable}});
  CHECK(failed.status == 500);
  CHECK(failed.json()["message"] == "Failed to connect to voice server");
  CHECK(rest(n.port, "GET", "/v4/sessions/" + n.sid + "/players/2").status == 200);
}

TEST_CASE("DELETE of a playing player stops it with TrackEndEvent(stopped)") {
  connected_node n;
  n.play(9, "fake:track:a");
  CHECK(n.event()["type"] == "TrackStartEvent");
  CHECK(rest(n.port, "DELETE", "/v4/sessions/" + n.sid + "/players/9").status == 204);
  auto end = n.event();
  CHECK(end["type"] == "TrackEndEvent");
  CHECK(end["reason"] == "stopped");
  CHECK_FALSE(n.node.player(n.sid, 9).has_value());
}
