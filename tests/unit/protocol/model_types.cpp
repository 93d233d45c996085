// The model's own behaviour, independent of JSON: nullable states and client-side validation.
#include <hanabi/protocol/events.hpp>
#include <hanabi/protocol/info.hpp>
#include <hanabi/protocol/session.hpp>

#include <catch2/catch.hpp>

#include <string>

using namespace hanabi;
using namespace hanabi::protocol;

namespace {

update_player docs_example_request() {
  update_player u;
  u.track = update_player_track{std::string("..."), std::string("..."), nlohmann::json::object()};
  u.end_time = 0;
  u.volume = 100;
  u.position = 32400;
  u.paused = false;
  u.filters = filters{};
  u.voice = voice_state{"...", "...", "...", std::nullopt};
  return u;
}

}  // namespace

TEST_CASE("nullable distinguishes absent, null and a value", "[protocol][model]") {
  nullable<std::string> f;
  CHECK(f.is_absent());
  CHECK_FALSE(f.is_present());
  f = nullptr;
  CHECK(f.is_null());
  CHECK(f.is_present());
  f = "abc";
  REQUIRE(f.has_value());
  CHECK(*f == "abc");
  CHECK(f != nullable<std::string>{nullptr});
  f.reset();
  CHECK(f == nullable<std::string>{});
}

TEST_CASE("may_start_next is true only for finished and loadFailed", "[protocol][model]") {
  CHECK(may_start_next(track_end_reason::finished));
  CHECK(may_start_next(track_end_reason::load_failed));
  CHECK_FALSE(may_start_next(track_end_reason::stopped));
  CHECK_FALSE(may_start_next(track_end_reason::replaced));
  CHECK_FALSE(may_start_next(track_end_reason::cleanup));
}

TEST_CASE("update_player::validate rejects the docs example with every reason", "[protocol][model]") {
  auto r = docs_example_request().validate();
  REQUIRE_FALSE(r);
  CHECK(r.error().code == error::invalid_argument);
  const std::string m = r.error().diag.client_message();
  CHECK_THAT(m, Catch::Contains("track.encoded and track.identifier"));
  CHECK_THAT(m, Catch::Contains("endTime: 0 must be greater than 0"));
  CHECK_THAT(m, Catch::Contains("voice.channelId must be provided"));
}

TEST_CASE("update_player::validate accepts a complete voice update and an explicit stop", "[protocol][model]") {
  update_player u;
  u.voice = voice_state{"tok", "rotterdam2744.discord.media:443", "sess", channel_id{1266368011753754644ULL}};
  u.track = update_player_track{};
  u.track->encoded = nullptr;
  CHECK(u.validate());
  u.voice->token = "  ";
  auto r = u.validate();
  REQUIRE_FALSE(r);
  CHECK(r.error().diag.client_message() == "voice.token must not be blank");
}

TEST_CASE("update_player::validate rejects track combined with deprecated fields", "[protocol][model]") {
  update_player u;
  u.track = update_player_track{};
  u.encoded_track = nullptr;
  auto r = u.validate();
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error().diag.client_message(), Catch::Contains("deprecated encodedTrack/identifier"));
  update_player legacy;
  legacy.encoded_track = "QAAA";
  legacy.identifier = "ytsearch:x";
  CHECK_FALSE(legacy.validate());
}

TEST_CASE("filters::validate names the out-of-range field", "[protocol][model]") {
  filters f;
  f.equalizer = std::vector<equalizer_band>{{0, 0.2}, {3, -0.25}, {15, 1.5}};
  f.vibrato = vibrato{14.5, 0.5};
  auto r = f.validate();
  REQUIRE_FALSE(r);
  CHECK(r.error().code == error::filter_out_of_range);
  const std::string m = r.error().diag.client_message();
  CHECK_THAT(m, Catch::Contains("filters.equalizer[2].band: 15 is outside 0..14"));
  CHECK_THAT(m, Catch::Contains("filters.equalizer[2].gain: 1.5 is outside -0.25..1"));
  CHECK_THAT(m, Catch::Contains("filters.vibrato.frequency"));
  CHECK_THAT(m, !Catch::Contains("equalizer[1]"));

  filters ok;
  ok.volume = 5.0;
  ok.timescale = timescale{1.2, 1.0, 1.0};
  ok.karaoke = nullptr;  // explicit off is always valid
  CHECK(ok.validate());
  ok.timescale = timescale{0.0, 1.0, 1.0};
  CHECK_FALSE(ok.validate());
}

TEST_CASE("update_player reports filter-only problems as filter_out_of_range", "[protocol][model]") {
  update_player u;
  u.filters = filters{};
  u.filters->volume = 6.0;
  auto r = u.validate();
  REQUIRE_FALSE(r);
  CHECK(r.error().code == error::filter_out_of_range);
  CHECK_THAT(r.error().diag.client_message(), Catch::Contains("filters.volume: 6 is outside 0..5"));
}
