// Bad input gives a typed error that names the JSON path, never an exception or a crash.
#include <hanabi/protocol/decoder.hpp>
#include <hanabi/protocol/encode.hpp>

#include "test_data.hpp"

#include <catch2/catch.hpp>

#include <limits>
#include <string>

using namespace hanabi;
using namespace hanabi::protocol;
using hanabi::test::fixture;

namespace {

// Decodes `json` as T, expecting failure with `code` and a message equal to `message`.
template <class T>
void expect_failure(std::string_view json, error code, const std::string& message) {
  decoder dec;
  auto r = dec.decode<T>(json);
  INFO(json);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == code);
  CHECK(r.error().code == condition::decode_failure);
  CHECK(r.error().diag.client_message() == message);
}

// The fixture with one substring replaced (the substring must occur).
std::string patched(const std::string& name, const std::string& from, const std::string& to) {
  auto s = fixture(name);
  auto pos = s.find(from);
  REQUIRE(pos != std::string::npos);
  return s.replace(pos, from.size(), to);
}

// A load result with a playlist of n copies of the fixture's first track.
std::string playlist_of(std::size_t n, const nlohmann::json& replace_info_field = nullptr) {
  auto doc = nlohmann::json::parse(fixture("loadtracks-playlist.json"));
  auto proto = doc["data"]["tracks"][0];
  auto& tracks = doc["data"]["tracks"] = nlohmann::json::array();
  for (std::size_t i = 0; i < n; ++i) tracks.push_back(proto);
  if (!replace_info_field.is_null()) tracks[n - 1]["info"].update(replace_info_field);
  return doc.dump();
}

}  // namespace

TEST_CASE("a wrong type deep inside names its full path", "[protocol][invalid]") {
  expect_failure<load_result>(playlist_of(4, {{"length", "212000"}}), error::unexpected_type,
                              "data.tracks[3].info.length: expected an integer, got a string");
  expect_failure<ws_message>(patched("playerUpdate.json", "\"connected\": true", "\"connected\": 1"),
                             error::unexpected_type, "state.connected: expected a boolean, got a number");
  expect_failure<load_result>(playlist_of(2, {{"position", 1.5}}), error::unexpected_type,
                              "data.tracks[1].info.position: expected an integer, got a non-integer number");
}

TEST_CASE("a missing required field is named", "[protocol][invalid]") {
  expect_failure<ws_message>(R"({"op":"ready","resumed":false})", error::missing_field,
                             "sessionId: missing required field");
  expect_failure<ws_message>(R"({"op":"playerUpdate","guildId":"1","state":{"time":1,"position":0,"ping":0}})",
                             error::missing_field, "state.connected: missing required field");
  expect_failure<load_result>(R"({"loadType":"track"})", error::missing_field, "data: missing required field");
  expect_failure<load_result>(R"({"data":null})", error::missing_field, "loadType: missing required field");
  expect_failure<ws_message>(R"({"type":"TrackStartEvent"})", error::missing_field, "op: missing required field");
  auto no_encoded = nlohmann::json::parse(fixture("decodetrack.json"));
  no_encoded.erase("encoded");
  expect_failure<track>(no_encoded.dump(), error::missing_field, "encoded: missing required field");
}

TEST_CASE("null where the protocol does not allow it is a type error", "[protocol][invalid]") {
  expect_failure<ws_message>(patched("ready.json", "\"xtaug914v9k5032f\"", "null"), error::unexpected_type,
                             "sessionId: expected a string, got null");
  expect_failure<update_player>(R"({"volume":null})", error::unexpected_type, "volume: expected an integer, got null");
  expect_failure<update_player>(R"({"track":{"identifier":null}})", error::unexpected_type,
                                "track.identifier: expected a string, got null");
  expect_failure<update_player>(R"({"filters":{"equalizer":null}})", error::unexpected_type,
                                "filters.equalizer: expected an array, got null");
  expect_failure<load_result>(R"({"loadType":"search","data":null})", error::unexpected_type,
                              "data: expected an array, got null");
}

TEST_CASE("unknown enum strings are invalid values", "[protocol][invalid]") {
  expect_failure<load_result>(R"({"loadType":"LOAD_FAILED","data":null})", error::invalid_value,
                              "loadType: unknown loadType \"LOAD_FAILED\"");
  expect_failure<ws_message>(patched("event-TrackEndEvent.json", "\"finished\"", "\"FINISHED\""),
                             error::invalid_value, "reason: unknown track end reason \"FINISHED\"");
  expect_failure<load_result>(patched("loadtracks-error.json", "\"common\"", "\"minor\""), error::invalid_value,
                              "data.severity: unknown severity \"minor\"");
  expect_failure<route_planner_status>(R"({"class":"FancyPlanner","details":{}})", error::invalid_value,
                                       "class: unknown route planner class \"FancyPlanner\"");
}

TEST_CASE("numbers must fit their fields, 2^63-1 decodes exactly", "[protocol][invalid]") {
  decoder dec;
  auto stream = dec.decode<load_result>(playlist_of(1, {{"length", std::numeric_limits<std::int64_t>::max()}}));
  REQUIRE(stream.has_value());
  CHECK(std::get<playlist_loaded>(*stream).tracks.at(0).info.length == unknown_length);
  expect_failure<ws_message>(patched("playerUpdate.json", "\"ping\": 50", "\"ping\": 9223372036854775808"),
                             error::number_out_of_range, "state.ping: the number does not fit an integer");
  expect_failure<player>(patched("player.json", "\"volume\": 100", "\"volume\": 4294967296"),
                         error::number_out_of_range, "volume: 4294967296 does not fit a 32-bit integer");
}

TEST_CASE("snowflakes must be decimal strings", "[protocol][invalid]") {
  expect_failure<ws_message>(patched("playerUpdate.json", "\"817327181659111454\"", "\"abc\""),
                             error::invalid_snowflake, "guildId: \"abc\" is not a Discord id");
  expect_failure<ws_message>(patched("playerUpdate.json", "\"817327181659111454\"", "817327181659111454"),
                             error::unexpected_type, "guildId: expected a snowflake string, got a number");
}

TEST_CASE("truncated or malformed JSON is malformed_json, at every cut", "[protocol][invalid]") {
  decoder dec;
  for (const char* name : {"event-TrackStartEvent.json", "loadtracks-playlist.json", "player-with-filters.json",
                           "update-player-request.json", "stats.json"}) {
    const auto full = fixture(name);
    const auto end = full.find_last_of('}');
    for (std::size_t cut = 0; cut < end; ++cut) {
      auto prefix = std::string_view(full).substr(0, cut);
      bool failed = !dec.decode<ws_message>(prefix).has_value() && !dec.decode<load_result>(prefix).has_value() &&
                    !dec.decode<player>(prefix).has_value() && !dec.decode<update_player>(prefix).has_value();
      INFO(name << " cut at " << cut);
      CHECK(failed);
    }
  }
  expect_failure<ws_message>("", error::malformed_json, "Empty: no JSON found");
  expect_failure<ws_message>("42", error::unexpected_type, "expected an object or an array");
  expect_failure<ws_message>(R"({"op":"ready","resumed":false,"sessionId":"x"} {})", error::malformed_json,
                             "unexpected content after the JSON value");
  auto r = dec.decode<ws_message>(std::string_view(R"({"op":"ready","resumed":tru,"sessionId":"x"})"));
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == error::malformed_json);
}

TEST_CASE("unknown fields, ops and event types are tolerated", "[protocol][invalid]") {
  decoder dec;
  auto extra = dec.decode<ws_message>(std::string_view(
      R"({"sessionId":"s","future":{"deep":[1,{"x":null}]},"resumed":true,"op":"ready","v":1.5})"));
  REQUIRE(extra.has_value());
  CHECK(std::get<ready>(*extra) == ready{true, "s"});

  auto op = dec.decode<ws_message>(std::string_view(R"({"op":"telemetry","data":[1,2,3]})"));
  REQUIRE(op.has_value());
  CHECK(std::get<unknown_op>(*op).op == "telemetry");

  auto ev = dec.decode<ws_message>(std::string_view(R"({"op":"event","type":"LyricsFoundEvent","guildId":"5","x":{}})"));
  REQUIRE(ev.has_value());
  CHECK(std::get<unknown_event>(*ev) == unknown_event{guild_id{5}, "LyricsFoundEvent"});
  CHECK(encode(*ev) == R"({"guildId":"5","op":"event","type":"LyricsFoundEvent"})");
}

TEST_CASE("a decoder reads straight from a padded buffer and is reusable after errors", "[protocol][invalid]") {
  const std::string body = fixture("playerUpdate.json");
  std::string buffer = body + std::string(json_padding, '\0');
  decoder dec;
  CHECK_FALSE(dec.decode<ws_message>(std::string_view("{\"op\":")).has_value());
  auto r = dec.decode<ws_message>(padded_view::assume_padded(buffer.data(), body.size()));
  REQUIRE(r.has_value());
  CHECK(std::get<player_update>(*r).state.position == 60000);
  auto again = dec.decode<ws_message>(std::string_view(body));
  REQUIRE(again.has_value());
  CHECK(*again == *r);
}
