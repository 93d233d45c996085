// The filter presets: each is a complete, valid filter set with the documented values.
#include <hanabi/player/filter_presets.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

using namespace hanabi;

TEST_CASE("presets: every preset passes the client-side range check") {
  CHECK(presets::nightcore().validate().has_value());
  CHECK(presets::vaporwave().validate().has_value());
  CHECK(presets::karaoke().validate().has_value());
  CHECK(presets::flat_equalizer().validate().has_value());
  for (double level : {0.0, 0.25, 0.5, 1.0}) CHECK(presets::bass_boost(level).value().validate().has_value());
}

TEST_CASE("presets: the documented values") {
  auto nc = presets::nightcore();
  REQUIRE(nc.timescale.has_value());
  CHECK(nc.timescale->speed == 1.25);
  CHECK(nc.timescale->pitch == 1.25);
  CHECK(nc.timescale->rate == 1.0);
  CHECK_FALSE(nc.equalizer);
  CHECK(nc.karaoke.is_absent());

  auto vw = presets::vaporwave();
  CHECK(vw.timescale->speed == 0.85);
  CHECK(vw.timescale->pitch == 0.8);
  CHECK(vw.equalizer == std::vector<protocol::equalizer_band>{{0, 0.3}, {1, 0.3}});

  CHECK(presets::karaoke().karaoke == protocol::karaoke{});

  auto flat = presets::flat_equalizer();
  REQUIRE(flat.equalizer);
  REQUIRE(flat.equalizer->size() == 15);
  for (int i = 0; i < 15; ++i) {
    CHECK((*flat.equalizer)[static_cast<std::size_t>(i)].band == i);
    CHECK((*flat.equalizer)[static_cast<std::size_t>(i)].gain == 0.0);
  }
  CHECK_FALSE(flat.timescale.is_present());
}

TEST_CASE("presets: bass boost scales with its level, lowest band most") {
  auto full = presets::bass_boost(1.0).value();
  REQUIRE(full.equalizer);
  REQUIRE(full.equalizer->size() == 5);
  CHECK((*full.equalizer)[0].gain == Approx(0.6));
  for (std::size_t i = 1; i < full.equalizer->size(); ++i)
    CHECK((*full.equalizer)[i].gain < (*full.equalizer)[i - 1].gain);
  auto half = presets::bass_boost(0.5).value();
  CHECK((*half.equalizer)[0].gain == Approx(0.3));
  auto none = presets::bass_boost(0.0).value();
  for (const auto& b : *none.equalizer) CHECK(b.gain == 0.0);
}

TEST_CASE("presets: a bass boost level outside 0..1 is a typed error") {
  for (double bad : {-0.1, 1.01, std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()}) {
    auto r = presets::bass_boost(bad);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == error::filter_out_of_range);
  }
}
