// One simulated hour of playback on 500 players, run fast by the fake node's time
// scale: every track played back to back, no event missing, no growth of the mirror.
#include "node_fixture.hpp"

#include <map>

using namespace hanabi;
using namespace hanabi::test;
using hanabi::cancel_after;
using boost::asio::use_future;

TEST_CASE("soak: one simulated hour on 500 players, no missing events, no mirror growth") {
  constexpr std::uint64_t players = 500;
  constexpr double time_scale = 1000;                 // an hour in 3.6 s
  constexpr std::int64_t track_ms = 10 * 60 * 1000;   // 6 tracks per player per hour
  testing::fake_node_options fo;
  fo.time_scale = time_scale;
  fo.player_update_interval = 200ms;
  fo.stats_interval = 100ms;
  testing::fake_node fake(fo);
  fake.start();
  auto cfg = client_config(fake);
  cfg.max_rest_connections = 8;
  client c(cfg);

  // Per guild, on the strand: tracks started by us, TrackStart and TrackEnd seen.
  struct tally {
    int requested = 0, started = 0, finished = 0;
  };
  std::map<std::uint64_t, tally> tallies;
  bool keep_playing = true;
  std::uint64_t errors = 0;
  auto start_next = [&](guild_id g) {
    auto& t = tallies[g.value()];
    ++t.requested;
    c.node().async_update_player(
        g, play(fmt::format("fake:track:soak-{}-{}:{}", g.value(), t.requested, track_ms)), false,
        [&errors](error_code ec, protocol::player) { errors += ec ? 1 : 0; });
  };
  c.on_strand([&] {
    return c.node().subscribe({[&](const protocol::ws_message& m) {
                                 if (auto* s = std::get_if<protocol::track_start_event>(&m)) ++tallies[s->guild_id.value()].started;
                                 if (auto* e = std::get_if<protocol::track_end_event>(&m)) {
                                   ++tallies[e->guild_id.value()].finished;
                                   if (keep_playing && protocol::may_start_next(e->reason)) start_next(e->guild_id);
                                 }
                               },
                               {}, {}});
  });
  c.run();
  c.wait_ready();
  c.on_strand([&] {
    for (std::uint64_t g = 1; g <= players; ++g) start_next(guild_id{g});
    return 0;
  });

  const auto hour = std::chrono::milliseconds(static_cast<std::int64_t>(3'600'000 / time_scale));
  REQUIRE(c.eventually([&] { return c.node().player_count() == players; }, 30s));
  std::this_thread::sleep_for(hour / 4);
  auto early = c.on_strand([&] { return std::pair{c.node().mirror_memory(), c.node().player_count()}; });
  std::this_thread::sleep_for(hour * 3 / 4);
  c.on_strand([&] { return keep_playing = false; });
  // Let the last requests land, then compare what was sent with what was received.
  REQUIRE(c.eventually([&] {
    for (auto& [g, t] : tallies)
      if (t.started != t.requested) return false;
    return true;
  }, 30s));
  auto late = c.on_strand([&] { return std::pair{c.node().mirror_memory(), c.node().player_count()}; });

  REQUIRE(c.eventually([&] { return c.node().counters().frames == fake.counters().frames_sent; }, 10s));
  auto counters = c.on_strand([&] { return c.node().counters(); });
  CHECK(counters.malformed == 0);
  CHECK(counters.connects == 1);
  CHECK(c.on_strand([&] { return errors; }) == 0);

  auto final_tallies = c.on_strand([&] { return tallies; });
  int total_tracks = 0;
  for (auto& [g, t] : final_tallies) {
    INFO("guild " << g);
    total_tracks += t.requested;
    // Every track we started started, and all but the one still playing finished.
    CHECK(t.started == t.requested);
    CHECK(t.finished >= t.requested - 1);
    CHECK(t.finished <= t.requested);
  }
  CHECK(final_tallies.size() == players);
  CHECK(total_tracks >= static_cast<int>(players) * 3);  // at least half of the hour's 6 tracks each
  CHECK(early.second == players);
  CHECK(late.second == players);
  // Same players, same kind of tracks: the mirror holds still.
  CHECK(late.first <= early.first + early.first / 20);
  CHECK(late.first / players < 1024);
  WARN("mirror: " << late.first / players << " bytes per player, " << total_tracks << " tracks played");
}
