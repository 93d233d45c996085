// Every REST route but the player update (PROTOCOL.md §7), with the server's error bodies.
#include "fixture.hpp"

#include <hanabi/protocol/track_codec.hpp>

using namespace fakenode_test;
using hanabi::testing::fake_node;
using hanabi::testing::fake_node_options;

namespace {

void check_error(const http_result& r, unsigned status, const std::string& message, const std::string& path) {
  INFO(r.body);
  CHECK(r.status == status);
  CHECK(r.headers.at("lavalink-api-version") == "4");
  auto j = r.json();
  CHECK(j["status"] == status);
  CHECK(j["message"] == message);
  CHECK(j["path"] == path);
  CHECK(j["timestamp"].is_number_integer());
  CHECK(j["error"].is_string());
  CHECK_FALSE(j.contains("trace"));
}

// The Lavalink docs' sample: a youtube track, which the fake node has no source manager for.
const std::string youtube_blob =
    "QAAAjQIAJVJpY2sgQXN0bGV5IC0gTmV2ZXIgR29ubmEgR2l2ZSBZb3UgVXAADlJpY2tBc3RsZXlWRVZPAAAAAAADPCAAC2RRdzR3OVdnWGNRAAEAK2h0"
    "dHBzOi8vd3d3LnlvdXR1YmUuY29tL3dhdGNoP3Y9ZFF3NHc5V2dYY1EAB3lvdXR1YmUAAAAAAAAAAA==";

}  // namespace

TEST_CASE("GET /v4/info describes the fake node like a v4 server, without version.build") {
  fake_node_options o;
  o.disabled_filters = {"karaoke"};
  o.version = "4.2.2-rc.1";
  fake_node node{o};
  auto port = node.start();
  auto info = rest(port, "GET", "/v4/info").json();
  CHECK(info["version"]["semver"] == "4.2.2-rc.1");
  CHECK(info["version"]["major"] == 4);
  CHECK(info["version"]["minor"] == 2);
  CHECK(info["version"]["patch"] == 2);
  CHECK(info["version"]["preRelease"] == "rc.1");
  CHECK_FALSE(info["version"].contains("build"));
  CHECK(info["sourceManagers"] == nlohmann::json::array({"fake", "http"}));
  auto filters = info["filters"].get<std::vector<std::string>>();
  CHECK(std::find(filters.begin(), filters.end(), "karaoke") == filters.end());
  CHECK(std::find(filters.begin(), filters.end(), "timescale") != filters.end());
  CHECK(info["plugins"] == nlohmann::json::array());
  CHECK(rest(port, "GET", "/version").body == "4.2.2-rc.1");
}

TEST_CASE("GET /v4/stats has no frameStats and counts players across sessions") {
  connected_node n;
  patch_player(n.port, n.sid, 1, nlohmann::json::object());
  n.play(2, "fake:track:a");
  auto stats = rest(n.port, "GET", "/v4/stats").json();
  CHECK_FALSE(stats.contains("frameStats"));
  CHECK_FALSE(stats.contains("op"));
  CHECK(stats["players"] == 2);
  CHECK(stats["playingPlayers"] == 1);
  CHECK(stats["uptime"].is_number_integer());
}

TEST_CASE("loadtracks answers 200 with the catalogue, 400 without an identifier") {
  fake_node node;
  auto port = node.start();
  auto track = rest(port, "GET", "/v4/loadtracks?identifier=" + url_encode("fake:track:Hello World:1234")).json();
  CHECK(track["loadType"] == "track");
  CHECK(track["data"]["info"]["title"] == "Hello World");
  CHECK(track["data"]["info"]["length"] == 1234);
  CHECK(track["data"]["info"]["sourceName"] == "fake");
  CHECK(track["data"]["info"]["uri"].is_null());
  CHECK(track["data"]["pluginInfo"] == nlohmann::json::object());
  CHECK(track["data"]["userData"] == nlohmann::json::object());
  auto empty = rest(port, "GET", "/v4/loadtracks?identifier=fake:empty").json();
  CHECK(empty["loadType"] == "empty");
  CHECK(empty["data"].is_null());
  auto error = rest(port, "GET", "/v4/loadtracks?identifier=fake:error:common");
  CHECK(error.status == 200);
  CHECK(error.json()["loadType"] == "error");
  CHECK(error.json()["data"]["severity"] == "common");
  auto search = rest(port, "GET", "/v4/loadtracks?identifier=" + url_encode("ytsearch:lofi beats")).json();
  CHECK(search["loadType"] == "search");
  CHECK(search["data"].size() == 5);
  auto playlist = rest(port, "GET", "/v4/loadtracks?identifier=fake:playlist:7:2").json();
  CHECK(playlist["loadType"] == "playlist");
  CHECK(playlist["data"]["info"]["selectedTrack"] == 2);
  CHECK(playlist["data"]["tracks"].size() == 7);
  check_error(rest(port, "GET", "/v4/loadtracks"), 400,
              "Required request parameter 'identifier' for method parameter type String is not present", "/v4/loadtracks");
  auto traced = rest(port, "GET", "/v4/loadtracks?trace=true").json();
  CHECK(traced["trace"].is_string());
}

TEST_CASE("decodetrack echoes the blob and decodes it with the real codec") {
  fake_node node;
  auto port = node.start();
  auto loaded = rest(port, "GET", "/v4/loadtracks?identifier=" + url_encode("https://example.com/music/song.mp3")).json();
  auto blob = loaded["data"]["encoded"].get<std::string>();
  auto decoded = hanabi::protocol::decode_track(blob);
  REQUIRE(decoded.has_value());
  CHECK(decoded->info.source_name == "http");
  CHECK(decoded->source_data == std::string("\0\3mp3", 5));
  for (std::string param : {"encodedTrack", "track"}) {
    auto r = rest(port, "GET", "/v4/decodetrack?" + param + "=" + url_encode(blob));
    REQUIRE(r.status == 200);
    auto j = r.json();
    CHECK(j["encoded"] == blob);
    CHECK(j["info"] == loaded["data"]["info"]);
    CHECK(j["userData"] == nlohmann::json::object());
  }
  check_error(rest(port, "GET", "/v4/decodetrack"), 400, "No track to decode provided", "/v4/decodetrack");
  const std::string failure = "Failed to decode track due to a mismatching version or missing source manager";
  check_error(rest(port, "GET", "/v4/decodetrack?encodedTrack=bm90IGEgdHJhY2s="), 500, failure, "/v4/decodetrack");
  check_error(rest(port, "GET", "/v4/decodetrack?encodedTrack=" + url_encode(youtube_blob)), 500, failure, "/v4/decodetrack");
}

TEST_CASE("decodetracks decodes an array in order, an empty array is a 400") {
  fake_node node;
  auto port = node.start();
  auto a = encoded_of(port, "fake:track:a"), b = encoded_of(port, "fake:track:b");
  auto r = rest(port, "POST", "/v4/decodetracks", password, nlohmann::json::array({b, a}).dump());
  REQUIRE(r.status == 200);
  auto j = r.json();
  REQUIRE(j.size() == 2);
  CHECK(j[0]["info"]["title"] == "b");
  CHECK(j[1]["info"]["title"] == "a");
  check_error(rest(port, "POST", "/v4/decodetracks", password, "[]"), 400, "No tracks to decode provided", "/v4/decodetracks");
  CHECK(rest(port, "POST", "/v4/decodetracks", password, "{").status == 400);
  CHECK(rest(port, "POST", "/v4/decodetracks", password, "[\"" + youtube_blob + "\"]").status == 500);
}

TEST_CASE("session and player routes: 404 bodies, 400 for a non-numeric guild, 204 on DELETE") {
  connected_node n;
  auto base = "/v4/sessions/" + n.sid + "/players";
  check_error(rest(n.port, "GET", "/v4/sessions/nosuchsession0000/players"), 404, "Session not found",
              "/v4/sessions/nosuchsession0000/players");
  check_error(rest(n.port, "GET", base + "/42"), 404, "Player not found", base + "/42");
  CHECK(rest(n.port, "GET", base + "/abc").status == 400);
  CHECK(rest(n.port, "GET", base).json() == nlohmann::json::array());
  CHECK(rest(n.port, "DELETE", base + "/42").status == 204);  // also when there is no such player
  patch_player(n.port, n.sid, 42, nlohmann::json::object());
  auto players = rest(n.port, "GET", base).json();
  REQUIRE(players.size() == 1);
  CHECK(players[0]["guildId"] == "42");
  auto del = rest(n.port, "DELETE", base + "/42");
  CHECK(del.status == 204);
  CHECK(del.body.empty());
  CHECK(rest(n.port, "GET", base + "/42").status == 404);
  check_error(rest(n.port, "PATCH", "/v4/sessions/nosuchsession0000", password, "{}"), 404, "Session not found",
              "/v4/sessions/nosuchsession0000");
}

TEST_CASE("PATCH /v4/sessions/{id} changes only what is sent and answers both values") {
  connected_node n;
  auto path = "/v4/sessions/" + n.sid;
  CHECK(rest(n.port, "PATCH", path, password, "{}").json() == nlohmann::json({{"resuming", false}, {"timeout", 60}}));
  CHECK(rest(n.port, "PATCH", path, password, R"({"resuming":true})").json() ==
        nlohmann::json({{"resuming", true}, {"timeout", 60}}));
  CHECK(rest(n.port, "PATCH", path, password, R"({"timeout":5})").json() == nlohmann::json({{"resuming", true}, {"timeout", 5}}));
  CHECK(rest(n.port, "PATCH", path, password, R"({"timeout":"5"})").status == 400);
  auto s = n.node.session(n.sid);
  REQUIRE(s);
  CHECK(s->resuming);
  CHECK(s->timeout_seconds == 5);
}

TEST_CASE("route planner: 204 status without a planner, 500 on the free calls, unknown routes 404") {
  fake_node node;
  auto port = node.start();
  CHECK(rest(port, "GET", "/v4/routeplanner/status").status == 204);
  check_error(rest(port, "POST", "/v4/routeplanner/free/all"), 500, "Can't access disabled route planner",
              "/v4/routeplanner/free/all");
  CHECK(rest(port, "POST", "/v4/routeplanner/free/address", password, R"({"address":"1.0.0.1"})").status == 500);
  CHECK(rest(port, "GET", "/v4/nothing").status == 404);
  CHECK(rest(port, "GET", "/v3/info").status == 404);
  CHECK(rest(port, "POST", "/v4/info").status == 405);
  auto calls = node.counters().rest_calls;
  CHECK(calls["GET /v4/routeplanner/status"] == 1);
  CHECK(calls["POST /v4/routeplanner/free/all"] == 1);
}

TEST_CASE("REST calls are counted by route template") {
  connected_node n;
  patch_player(n.port, n.sid, 7, nlohmann::json::object());
  patch_player(n.port, n.sid, 8, nlohmann::json::object());
  rest(n.port, "GET", "/v4/sessions/" + n.sid + "/players/7");
  auto calls = n.node.counters().rest_calls;
  CHECK(calls["PATCH /v4/sessions/{sessionId}/players/{guildId}"] == 2);
  CHECK(calls["GET /v4/sessions/{sessionId}/players/{guildId}"] == 1);
}
