// The empty-object rule of pluginInfo/userData (protocol/track.hpp): an empty one is null in the
// model, `{}` on the wire, and equal to `{}` in the model's ==.
#include <hanabi/protocol/decoder.hpp>
#include <hanabi/protocol/encode.hpp>

#include "test_data.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace hanabi;
using namespace hanabi::protocol;

namespace {

const std::string empty_rule_info =
    R"({"identifier":"x","isSeekable":true,"author":"a","length":1,"isStream":false,"position":0,)"
    R"("title":"t","uri":null,"sourceName":"http","artworkUrl":null,"isrc":null})";

std::string track_with_objects(const std::string& plugin_info, const std::string& user_data) {
  return R"({"encoded":"QAAA","info":)" + empty_rule_info + R"(,"pluginInfo":)" + plugin_info + R"(,"userData":)" +
         user_data + "}";
}

}  // namespace

TEST_CASE("an empty pluginInfo or userData decodes to null, absent or {} or { }", "[protocol][empty]") {
  decoder dec;
  for (const auto& empty : {std::string("{}"), std::string("{ }"), std::string("{\n}")}) {
    auto t = dec.decode<track>(track_with_objects(empty, empty));
    INFO(empty);
    REQUIRE(t.has_value());
    CHECK(t->plugin_info.is_null());
    CHECK(t->user_data.is_null());
  }
  auto absent = dec.decode<track>(R"({"encoded":"QAAA","info":)" + empty_rule_info + "}");
  REQUIRE(absent.has_value());
  CHECK(absent->plugin_info.is_null());
  CHECK(absent->user_data.is_null());
  CHECK(track{}.plugin_info.is_null());
  CHECK(playlist_loaded{}.plugin_info.is_null());
}

TEST_CASE("a pluginInfo or userData with members decodes as that object", "[protocol][empty]") {
  decoder dec;
  auto t = dec.decode<track>(track_with_objects(R"({"albumName":"x","n":[1,{}]})", R"({"requester":"42"})"));
  REQUIRE(t.has_value());
  CHECK(t->plugin_info == nlohmann::json::parse(R"({"albumName":"x","n":[1,{}]})"));
  CHECK(t->user_data == nlohmann::json{{"requester", "42"}});
}

TEST_CASE("a pluginInfo or userData that is not an object is a type error naming the field", "[protocol][empty]") {
  decoder dec;
  for (const auto& bad : {std::string("[]"), std::string("null"), std::string("\"{}\""), std::string("0")}) {
    INFO(bad);
    auto t = dec.decode<track>(track_with_objects("{}", bad));
    REQUIRE_FALSE(t.has_value());
    CHECK(t.error().code == error::unexpected_type);
    CHECK_THAT(t.error().what(), Catch::Contains("userData: expected an object"));
  }
}

TEST_CASE("an empty pluginInfo or userData encodes as {}", "[protocol][empty]") {
  track t;
  t.encoded = "QAAA";
  auto j = nlohmann::json(t);
  CHECK(j.at("pluginInfo") == nlohmann::json::object());
  CHECK(j.at("userData") == nlohmann::json::object());

  load_result playlist = playlist_loaded{{"p", -1}, nullptr, {t}};
  auto pj = nlohmann::json(playlist);
  CHECK(pj.at("data").at("pluginInfo") == nlohmann::json::object());
  CHECK(pj.at("data").at("tracks").at(0).at("userData") == nlohmann::json::object());

  t.user_data["requester"] = "42";  // writing into an empty one makes it an object
  CHECK(nlohmann::json(t).at("userData") == nlohmann::json{{"requester", "42"}});
}

TEST_CASE("null and {} are the same empty object under the model's ==", "[protocol][empty]") {
  track a, b;
  b.plugin_info = nlohmann::json::object();
  b.user_data = nlohmann::json::object();
  CHECK(a == b);
  CHECK(is_empty_object(a.plugin_info));
  CHECK(is_empty_object(b.user_data));
  b.user_data["k"] = 1;
  CHECK_FALSE(a == b);
  CHECK_FALSE(is_empty_object(b.user_data));
  CHECK(object_or_empty(a.user_data) == nlohmann::json::object());
  CHECK(object_or_empty(b.user_data) == b.user_data);

  playlist_loaded p, q;
  q.plugin_info = nlohmann::json::object();
  CHECK(p == q);
  q.plugin_info["url"] = "u";
  CHECK_FALSE(p == q);
}

TEST_CASE("a decoded playlist re-encodes with {} where the fixture has {}", "[protocol][empty]") {
  decoder dec;
  auto text = test::fixture("loadtracks-playlist.json");
  auto r = dec.decode<load_result>(text);
  REQUIRE(r.has_value());
  const auto& pl = std::get<playlist_loaded>(*r);
  REQUIRE_FALSE(pl.tracks.empty());
  CHECK(pl.tracks.front().user_data.is_null());
  CHECK(nlohmann::json(*r) == nlohmann::json::parse(text));
}

TEST_CASE("an update request's userData {} stays an object", "[protocol][empty]") {
  decoder dec;
  auto u = dec.decode<update_player>(R"({"track":{"encoded":"QAAA","userData":{}}})");
  REQUIRE(u.has_value());
  REQUIRE(u->track);
  REQUIRE(u->track->user_data);
  CHECK(u->track->user_data->is_object());
  CHECK(u->validate().has_value());
  CHECK(nlohmann::json::parse(encode(*u)) == nlohmann::json::parse(R"({"track":{"encoded":"QAAA","userData":{}}})"));
}
