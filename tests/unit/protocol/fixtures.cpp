// Every Lavalink fixture decodes into the right model type, and every message Lavalink
// emits re-encodes to JSON equal to the fixture; requests round-trip exactly.
#include <hanabi/protocol/decoder.hpp>
#include <hanabi/protocol/encode.hpp>

#include "test_data.hpp"

#include <catch2/catch.hpp>

#include <functional>
#include <map>
#include <set>
#include <string>

using namespace hanabi;
using namespace hanabi::protocol;
using hanabi::test::fixture;

namespace {

// Decodes `name` as T, fails the test with the diagnostics if it does not decode.
template <class T>
T decode_fixture(decoder& dec, const std::string& name) {
  auto r = dec.decode<T>(fixture(name));
  INFO(name);
  if (!r) FAIL(r.error().what());
  return *r;
}

// Decodes as T and re-encodes; returns whether the JSON equals the fixture's.
template <class T>
bool reencodes_equal(decoder& dec, const std::string& name) {
  auto value = decode_fixture<T>(dec, name);
  auto expected = nlohmann::json::parse(fixture(name));
  auto actual = nlohmann::json(value);
  INFO(name << "\nexpected: " << expected.dump() << "\nactual:   " << actual.dump());
  CHECK(actual == expected);
  return actual == expected;
}

using checker = std::function<void(decoder&, const std::string&)>;

template <class T>
checker roundtrip() {
  return [](decoder& d, const std::string& n) { reencodes_equal<T>(d, n); };
}
template <class T>
checker decodes_only() {
  return [](decoder& d, const std::string& n) { decode_fixture<T>(d, n); };
}

// What each fixture is. Files that are no Lavalink JSON body are listed in not_lavalink_bodies.
const std::map<std::string, checker>& fixture_table() {
  static const std::map<std::string, checker> table = {
      {"decodetrack.json", roundtrip<track>()},
      {"decodetracks-request.json", roundtrip<std::vector<std::string>>()},
      {"decodetracks-response.json", roundtrip<std::vector<track>>()},
      {"error-400-voice.json", roundtrip<lavalink_error>()},
      {"error-404-player.json", roundtrip<lavalink_error>()},
      {"error-404.json", roundtrip<lavalink_error>()},
      {"event-TrackEndEvent-cleanup.json", roundtrip<ws_message>()},
      {"event-TrackEndEvent-loadFailed.json", roundtrip<ws_message>()},
      {"event-TrackEndEvent-replaced.json", roundtrip<ws_message>()},
      {"event-TrackEndEvent-stopped.json", roundtrip<ws_message>()},
      {"event-TrackEndEvent.json", roundtrip<ws_message>()},
      {"event-TrackExceptionEvent-null-message.json", roundtrip<ws_message>()},
      {"event-TrackExceptionEvent.json", roundtrip<ws_message>()},
      {"event-TrackStartEvent.json", roundtrip<ws_message>()},
      {"event-TrackStuckEvent.json", roundtrip<ws_message>()},
      {"event-WebSocketClosedEvent.json", roundtrip<ws_message>()},
      {"filters.json", roundtrip<filters>()},
      // The docs example carries a `build` field v4 servers never send: decoded, not re-encoded.
      {"info-docs-example.json", decodes_only<info>()},
      {"info.json", roundtrip<info>()},
      // The old docs shape `data: {}` re-encodes as the server's `data: null` (checked below).
      {"loadtracks-empty-object.json", decodes_only<load_result>()},
      {"loadtracks-empty.json", roundtrip<load_result>()},
      {"loadtracks-error.json", roundtrip<load_result>()},
      {"loadtracks-playlist-selected.json", roundtrip<load_result>()},
      {"loadtracks-playlist.json", roundtrip<load_result>()},
      {"loadtracks-search-empty-list.json", roundtrip<load_result>()},
      {"loadtracks-search.json", roundtrip<load_result>()},
      {"loadtracks-track.json", roundtrip<load_result>()},
      {"player-idle.json", roundtrip<player>()},
      {"player-with-filters.json", roundtrip<player>()},
      {"player.json", roundtrip<player>()},
      {"playerUpdate-disconnected.json", roundtrip<ws_message>()},
      {"playerUpdate.json", roundtrip<ws_message>()},
      {"players-empty.json", roundtrip<std::vector<player>>()},
      {"players.json", roundtrip<std::vector<player>>()},
      {"ready-resumed.json", roundtrip<ws_message>()},
      {"ready.json", roundtrip<ws_message>()},
      {"routeplanner-free-address-request.json", roundtrip<free_address_request>()},
      {"routeplanner-status-BalancingIpRoutePlanner.json", roundtrip<route_planner_status>()},
      {"routeplanner-status.json", roundtrip<route_planner_status>()},
      {"stats-frameStats-null.json", roundtrip<ws_message>()},
      {"stats-rest.json", roundtrip<stats>()},
      {"stats.json", roundtrip<ws_message>()},
      {"update-player-request-docs-example.json", roundtrip<update_player>()},
      {"update-player-request-empty.json", roundtrip<update_player>()},
      {"update-player-request-filters.json", roundtrip<update_player>()},
      {"update-player-request-identifier.json", roundtrip<update_player>()},
      {"update-player-request-legacy-encodedTrack.json", roundtrip<update_player>()},
      {"update-player-request-pause.json", roundtrip<update_player>()},
      {"update-player-request-seek.json", roundtrip<update_player>()},
      {"update-player-request-stop.json", roundtrip<update_player>()},
      {"update-player-request-userData.json", roundtrip<update_player>()},
      {"update-player-request-voice.json", roundtrip<update_player>()},
      {"update-player-request-volume.json", roundtrip<update_player>()},
      {"update-player-request.json", roundtrip<update_player>()},
      {"update-session-request-docs-example.json", roundtrip<update_session>()},
      {"update-session-request.json", roundtrip<update_session>()},
      {"update-session-response.json", roundtrip<session>()},
  };
  return table;
}

// Discord gateway payloads (the voice layer's), header maps (transport's) and track-blob
// records (the codec's; their `info` objects are checked below).
const std::set<std::string> not_lavalink_bodies = {
    "discord-VOICE_SERVER_UPDATE-null-endpoint.json", "discord-VOICE_SERVER_UPDATE.json",
    "discord-VOICE_STATE_UPDATE-left.json",           "discord-VOICE_STATE_UPDATE.json",
    "discord-op4-join.json",                          "discord-op4-leave.json",
    "encoded-tracks-invalid.json",                    "encoded-tracks.json",
    "ws-handshake.json",
};

template <class T, class Variant>
const T& as(const Variant& v) {
  REQUIRE(std::holds_alternative<T>(v));
  return std::get<T>(v);
}

}  // namespace

TEST_CASE("every fixture is classified, decodes, and re-encodes when Lavalink emits it", "[protocol][fixtures]") {
  decoder dec;  // one decoder for all files: reuse must not leak state between documents
  for (const auto& name : hanabi::test::fixture_names()) {
    if (not_lavalink_bodies.count(name)) continue;
    auto it = fixture_table().find(name);
    INFO("fixture " << name << " is neither in the table nor listed as not a Lavalink body");
    REQUIRE(it != fixture_table().end());
    it->second(dec, name);
  }
}

TEST_CASE("the info of every encoded-tracks record decodes as track_info", "[protocol][fixtures]") {
  auto records = nlohmann::json::parse(fixture("encoded-tracks.json"));
  REQUIRE(records.size() == 12);
  decoder dec;
  for (const auto& rec : records) {
    auto wrapped = nlohmann::json{{"encoded", rec.at("encoded")}, {"info", rec.at("info")}}.dump();
    auto t = dec.decode<track>(wrapped);
    INFO(wrapped);
    REQUIRE(t.has_value());
    CHECK(t->encoded == rec.at("encoded").get<std::string>());
    CHECK(t->info.title == rec.at("info").at("title").get<std::string>());
    CHECK(t->info.length == rec.at("info").at("length").get<std::int64_t>());
    CHECK(t->plugin_info.is_null());  // absent pluginInfo/userData: empty, held as null (protocol/track.hpp)
    CHECK(t->user_data.is_null());
  }
}

TEST_CASE("load results decode to the alternative of their loadType", "[protocol][fixtures]") {
  decoder dec;
  auto track_result = decode_fixture<load_result>(dec, "loadtracks-track.json");
  const auto& t = as<track_loaded>(track_result).track;
  CHECK(t.info.identifier == "dQw4w9WgXcQ");
  CHECK(t.info.length == 212000);
  CHECK_FALSE(t.info.isrc.has_value());
  CHECK(t.info.artwork_url == "https://i.ytimg.com/vi_webp/dQw4w9WgXcQ/maxresdefault.webp");

  auto playlist = decode_fixture<load_result>(dec, "loadtracks-playlist.json");
  const auto& pl = as<playlist_loaded>(playlist);
  CHECK(pl.info.name == "Top Songs of 2022");
  CHECK(pl.info.selected_track == -1);
  CHECK_FALSE(pl.tracks.empty());

  auto selected = decode_fixture<load_result>(dec, "loadtracks-playlist-selected.json");
  CHECK(as<playlist_loaded>(selected).info.selected_track == 3);
  CHECK(as<playlist_loaded>(selected).tracks.empty());

  CHECK(as<search_loaded>(decode_fixture<load_result>(dec, "loadtracks-search.json")).tracks.size() == 2);
  CHECK(as<search_loaded>(decode_fixture<load_result>(dec, "loadtracks-search-empty-list.json")).tracks.empty());
  CHECK(std::holds_alternative<nothing_loaded>(decode_fixture<load_result>(dec, "loadtracks-empty.json")));

  auto legacy_empty = decode_fixture<load_result>(dec, "loadtracks-empty-object.json");
  CHECK(std::holds_alternative<nothing_loaded>(legacy_empty));
  CHECK(nlohmann::json(legacy_empty) == nlohmann::json::parse(R"({"loadType":"empty","data":null})"));

  auto failed = decode_fixture<load_result>(dec, "loadtracks-error.json");
  CHECK(as<load_failed>(failed).exception.severity == severity::common);
}

TEST_CASE("WebSocket fixtures decode to the right message with their values", "[protocol][fixtures]") {
  decoder dec;
  auto r = decode_fixture<ws_message>(dec, "ready.json");
  CHECK(as<ready>(r).session_id == "xtaug914v9k5032f");
  CHECK_FALSE(as<ready>(r).resumed);
  CHECK(as<ready>(decode_fixture<ws_message>(dec, "ready-resumed.json")).resumed);

  auto pu = decode_fixture<ws_message>(dec, "playerUpdate-disconnected.json");
  CHECK(as<player_update>(pu).guild_id == guild_id{817327181659111454ULL});
  CHECK(as<player_update>(pu).state.ping == -1);
  CHECK_FALSE(as<player_update>(pu).state.connected);

  auto st = decode_fixture<ws_message>(dec, "stats.json");
  REQUIRE(as<stats>(st).frame_stats.has_value());
  CHECK(as<stats>(st).frame_stats->deficit == -3010);
  CHECK(as<stats>(st).cpu.cores == 4);
  CHECK_FALSE(as<stats>(decode_fixture<ws_message>(dec, "stats-frameStats-null.json")).frame_stats.has_value());
  CHECK_FALSE(decode_fixture<stats>(dec, "stats-rest.json").frame_stats.has_value());

  auto end = decode_fixture<ws_message>(dec, "event-TrackEndEvent-loadFailed.json");
  CHECK(as<track_end_event>(end).reason == track_end_reason::load_failed);
  CHECK(may_start_next(as<track_end_event>(end).reason));
  CHECK(as<track_end_event>(decode_fixture<ws_message>(dec, "event-TrackEndEvent-replaced.json")).reason ==
        track_end_reason::replaced);

  auto ex = decode_fixture<ws_message>(dec, "event-TrackExceptionEvent-null-message.json");
  CHECK_FALSE(as<track_exception_event>(ex).exception.message.has_value());
  CHECK(as<track_exception_event>(ex).exception.severity == severity::fault);

  auto stuck = decode_fixture<ws_message>(dec, "event-TrackStuckEvent.json");
  CHECK(as<track_stuck_event>(stuck).threshold_ms > 0);
  auto closed = decode_fixture<ws_message>(dec, "event-WebSocketClosedEvent.json");
  CHECK(as<websocket_closed_event>(closed).code == 4006);

  auto start = decode_fixture<ws_message>(dec, "event-TrackStartEvent.json");
  CHECK(as<track_start_event>(start).track.info.title == "Rick Astley - Never Gonna Give You Up");
}

TEST_CASE("REST fixtures decode with their values", "[protocol][fixtures]") {
  decoder dec;
  auto idle = decode_fixture<player>(dec, "player-idle.json");
  CHECK_FALSE(idle.track.has_value());
  CHECK_FALSE(idle.voice.channel_id.has_value());
  CHECK(idle.voice.token.empty());

  auto p = decode_fixture<player>(dec, "player.json");
  REQUIRE(p.voice.channel_id.has_value());
  CHECK(*p.voice.channel_id == channel_id{1266368011753754644ULL});
  CHECK(p.track.has_value());

  auto pf = decode_fixture<player>(dec, "player-with-filters.json");
  REQUIRE(pf.filters.timescale.has_value());
  CHECK(pf.filters.validate());

  auto f = decode_fixture<filters>(dec, "filters.json");
  REQUIRE(f.equalizer.has_value());
  CHECK((*f.equalizer)[0] == equalizer_band{0, 0.2});
  CHECK(f.plugin_filters == nlohmann::json::parse(R"({"myPlugin":{"myPluginKey":"myPluginValue"}})"));
  CHECK(f.validate());

  auto i = decode_fixture<info>(dec, "info.json");
  CHECK(i.version.pre_release == "rc.1");
  CHECK(i.plugins.size() == 2);
  auto docs = decode_fixture<info>(dec, "info-docs-example.json");
  CHECK_FALSE(docs.version.semver.empty());

  auto rp = decode_fixture<route_planner_status>(dec, "routeplanner-status.json");
  CHECK(as<rotating_nano_ip_route_planner>(rp).current_address_index == "36792023813");
  CHECK(as<rotating_nano_ip_route_planner>(rp).ip_block.size == "1208925819614629174706176");
  auto bal = decode_fixture<route_planner_status>(dec, "routeplanner-status-BalancingIpRoutePlanner.json");
  CHECK(as<balancing_ip_route_planner>(bal).failing_addresses.at(0).address == "/1.0.0.0");

  auto err = decode_fixture<lavalink_error>(dec, "error-404.json");
  CHECK(err.status == 404);
  CHECK(err.message == "Session not found");
  CHECK(err.trace == "...");
  CHECK_FALSE(decode_fixture<lavalink_error>(dec, "error-404-player.json").trace.has_value());

  CHECK(decode_fixture<session>(dec, "update-session-response.json").timeout >= 0);
}

TEST_CASE("requests keep absent and null apart", "[protocol][requests]") {
  decoder dec;
  auto stop = decode_fixture<update_player>(dec, "update-player-request-stop.json");
  REQUIRE(stop.track.has_value());
  CHECK(stop.track->encoded.is_null());
  CHECK_FALSE(stop.track->identifier.has_value());
  CHECK(stop.end_time.is_absent());
  CHECK(stop.validate());

  auto empty = decode_fixture<update_player>(dec, "update-player-request-empty.json");
  CHECK(empty == update_player{});
  CHECK(encode(empty) == "{}");

  auto legacy = decode_fixture<update_player>(dec, "update-player-request-legacy-encodedTrack.json");
  CHECK(legacy.encoded_track.has_value());
  CHECK_FALSE(legacy.track.has_value());

  auto docs = decode_fixture<update_player>(dec, "update-player-request-docs-example.json");
  REQUIRE(docs.voice.has_value());
  CHECK_FALSE(docs.voice->channel_id.has_value());
  CHECK(docs.end_time == nullable<std::int64_t>{0});
  auto verdict = docs.validate();
  REQUIRE_FALSE(verdict);
  const std::string why = verdict.error().diag.client_message();
  CHECK_THAT(why, Catch::Contains("track.encoded and track.identifier"));
  CHECK_THAT(why, Catch::Contains("endTime: 0 must be greater than 0"));
  CHECK_THAT(why, Catch::Contains("voice.channelId"));

  CHECK(decode_fixture<update_player>(dec, "update-player-request.json").validate());

  // Explicit nulls survive a decode/encode round trip; absent keys stay absent.
  for (const char* body : {R"({"endTime":null})", R"({"encodedTrack":null})", R"({"filters":{"karaoke":null}})",
                           R"({"filters":{"timescale":{"speed":1.5,"pitch":1.0,"rate":1.0},"lowPass":null}})",
                           R"({"track":{"identifier":"ytsearch:x","userData":{"a":[1,2]}}})"}) {
    auto u = dec.decode<update_player>(std::string_view(body));
    INFO(body);
    REQUIRE(u.has_value());
    CHECK(nlohmann::json(*u) == nlohmann::json::parse(body));
  }

  auto sess = decode_fixture<update_session>(dec, "update-session-request.json");
  CHECK(sess.resuming == true);
  CHECK(sess.timeout == 60);
  CHECK(encode(update_session{}) == "{}");
}
