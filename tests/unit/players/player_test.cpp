// The player over an in-memory link: commands, coalescing, the mirror, moves, voice.
#include <hanabi/player/player.hpp>

#include "fake_link.hpp"

#include <hanabi/player/filter_presets.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <catch2/catch.hpp>

using namespace hanabi;
using test::fake_link;
using namespace std::chrono_literals;

namespace {
const guild_id player_guild{817327181659111454ULL};
const user_id player_bot{170939974227541168ULL};
const channel_id chan{1266368011753754644ULL};

struct fixture {
  asio::io_context io;
  std::vector<player_event> events;
  std::vector<gateway_voice_update> gateway;
  std::shared_ptr<fake_link> link = std::make_shared<fake_link>(io.get_executor(), "node-a");
  std::shared_ptr<player> p;

  fixture() {
    player_config cfg;
    cfg.bot = player_bot;
    cfg.send_gateway = [this](const gateway_voice_update& g) { gateway.push_back(g); };
    cfg.on_event = [this](const player_event& e) { events.push_back(e); };
    cfg.log = logger::none();
    p = std::make_shared<player>(io.get_executor(), player_guild, cfg);
    link->catalogue["A"] = test::make_track("A");
    link->catalogue["B"] = test::make_track("B");
    p->attach(link);
  }
  // Runs until nothing is left to do.
  void settle() {
    io.restart();
    io.run();
  }
  auto recorder(std::vector<error_code>& out) {
    return [&out](error_code ec) { out.push_back(ec); };
  }
  template <class T>
  std::vector<T> events_of() const {
    std::vector<T> out;
    for (auto& e : events)
      if (auto* x = std::get_if<T>(&e)) out.push_back(*x);
    return out;
  }
};
}  // namespace

TEST_CASE("player: play sends one PATCH with every option, and the mirror follows the answer") {
  fixture f;
  f.link->auto_answer = true;
  std::vector<error_code> done;
  play_options o;
  o.start = 5000;
  o.end = 60000;
  o.volume = 80;
  o.paused = true;
  o.user_data = nlohmann::json{{"requester", "42"}};
  f.p->async_play(test::make_track("A"), o, f.recorder(done));
  f.settle();
  REQUIRE(done == std::vector<error_code>{error_code{}});
  REQUIRE(f.link->bodies.size() == 1);
  const auto& b = f.link->bodies[0];
  CHECK(*b.track->encoded == "A");
  CHECK(b.position == 5000);
  CHECK(*b.end_time == 60000);
  CHECK(b.volume == 80);
  CHECK(b.paused == true);
  CHECK((*b.track->user_data)["requester"] == "42");
  CHECK(b.validate().has_value());
  auto s = f.p->snapshot();
  REQUIRE(s.track);
  CHECK(s.track->encoded == "A");
  CHECK(s.position == 5000);
  CHECK(s.paused);
  CHECK(s.volume == 80);
  CHECK(s.end_time == 60000);
  CHECK(s.node == "node-a");
}

TEST_CASE("player: noReplace is passed through and never merged with other commands") {
  fixture f;
  std::vector<error_code> done;
  f.p->async_set_volume(10, f.recorder(done));  // in flight
  f.p->async_set_volume(20, f.recorder(done));  // queued
  play_options o;
  o.no_replace = true;
  f.p->async_play(test::make_track("A"), o, f.recorder(done));
  f.p->async_set_volume(30, f.recorder(done));
  for (int i = 0; i < 4 && !f.link->pending.empty(); ++i) {
    f.link->answer_all();
    f.settle();
  }
  REQUIRE(f.link->bodies.size() == 4);
  CHECK(f.link->bodies[1].volume == 20);
  CHECK_FALSE(f.link->bodies[1].track);
  CHECK(f.link->bodies[2].track);
  CHECK_FALSE(f.link->bodies[2].volume);
  CHECK(f.link->bodies[3].volume == 30);
  CHECK(done.size() == 4);
}

TEST_CASE("player: a burst of volume changes costs one PATCH for the burst, last value wins") {
  fixture f;
  std::vector<error_code> done;
  f.p->async_set_volume(1, f.recorder(done));
  for (int v = 2; v <= 50; ++v) f.p->async_set_volume(v, f.recorder(done));
  CHECK(f.link->pending.size() == 1);  // the first is in flight, the other 49 wait, merged
  f.link->answer_all();
  f.settle();
  REQUIRE(f.link->pending.size() == 1);
  CHECK(f.link->pending[0].body.volume == 50);
  f.link->answer_all();
  f.settle();
  CHECK(f.p->patches_sent() == 2);
  CHECK(done.size() == 50);
  CHECK(std::all_of(done.begin(), done.end(), [](error_code ec) { return !ec; }));
  CHECK(f.p->snapshot().volume == 50);
}

TEST_CASE("player: a burst of seeks coalesces too, a play resets the seek merged before it") {
  fixture f;
  std::vector<error_code> done;
  f.p->async_play(test::make_track("A"), {}, f.recorder(done));
  f.p->async_seek(1000, f.recorder(done));
  f.p->async_seek(2000, f.recorder(done));
  f.p->async_seek(3000, f.recorder(done));
  f.link->answer_all();
  f.settle();
  REQUIRE(f.link->pending.size() == 1);
  CHECK(f.link->pending[0].body.position == 3000);
  f.link->answer_all();
  f.settle();

  f.p->async_pause(true, f.recorder(done));  // in flight
  f.p->async_seek(9000, f.recorder(done));
  f.p->async_pause(false, f.recorder(done));
  f.p->async_play(test::make_track("B"), {}, f.recorder(done));
  f.link->answer_all();
  f.settle();
  REQUIRE(f.link->pending.size() == 1);
  const auto& b = f.link->pending[0].body;
  CHECK(*b.track->encoded == "B");
  CHECK_FALSE(b.position);  // the seek was for the old track
  CHECK_FALSE(b.paused);
  f.link->answer_all();
  f.settle();
  CHECK(f.p->snapshot().track->encoded == "B");
  CHECK(done.size() == 8);
}

TEST_CASE("player: values Lavalink would reject fail locally with typed errors") {
  fixture f;
  f.link->auto_answer = true;
  std::vector<error_code> done;
  f.p->async_set_volume(1001, f.recorder(done));
  f.p->async_set_volume(-1, f.recorder(done));
  f.p->async_seek(-5, f.recorder(done));
  play_options bad_end;
  bad_end.end = 0;
  f.p->async_play(test::make_track("A"), bad_end, f.recorder(done));
  play_options bad_data;
  bad_data.user_data = nlohmann::json::array();
  f.p->async_play(test::make_track("A"), bad_data, f.recorder(done));
  protocol::filters bad_filters;
  bad_filters.equalizer = std::vector<protocol::equalizer_band>{{15, 0.1}};
  f.p->async_set_filters(bad_filters, f.recorder(done));
  f.settle();
  CHECK(done == std::vector<error_code>{error::out_of_range, error::out_of_range, error::out_of_range,
                                        error::invalid_argument, error::invalid_argument, error::filter_out_of_range});
  CHECK(f.link->bodies.empty());
}

TEST_CASE("player: a node error reaches the handler, use_future works") {
  fixture f;
  f.link->kill();
  auto fut = f.p->async_set_volume(5, asio::use_future);
  f.settle();
  try {
    fut.get();
    FAIL("expected an error");
  } catch (const boost::system::system_error& e) {
    CHECK(e.code() == error::connection_closed);
  }
}

TEST_CASE("player: the position is extrapolated while playing, at the timescale's rate, within the track") {
  fixture f;
  f.link->auto_answer = true;
  f.link->catalogue["short"] = test::make_track("short", 10000);
  f.p->async_play(test::make_track("short", 10000), {}, [](error_code) {});
  f.settle();
  const auto t = player::clock::now();
  f.p->on_player_update({0, 1000, true, 30}, t);
  CHECK(f.p->snapshot(t + 2s).position == 3000);
  CHECK(f.p->snapshot(t + 2s).ping == 30);
  CHECK(f.p->snapshot(t + 60s).position == 10000);  // clamped to the length

  f.p->async_set_filters(presets::nightcore(), [](error_code) {});
  f.settle();
  f.p->on_player_update({0, 1000, true, 30}, t);
  CHECK(f.p->snapshot(t + 2s).position == 1000 + 2500);

  f.p->async_pause(true, [](error_code) {});
  f.settle();
  f.p->on_player_update({0, 4000, true, 30}, t);
  CHECK(f.p->snapshot(t + 5s).position == 4000);

  f.p->async_pause(false, [](error_code) {});
  f.settle();
  f.p->on_player_update({0, 4000, false, -1}, t);  // not connected: no audio is pulled
  CHECK(f.p->snapshot(t + 5s).position == 4000);
}

TEST_CASE("player: relative seeks start from the extrapolated position and stay in the track") {
  fixture f;
  f.link->auto_answer = true;
  f.link->catalogue["short"] = test::make_track("short", 20000);
  f.p->async_play(test::make_track("short", 20000), {}, [](error_code) {});
  f.settle();
  f.p->on_player_update({0, 10000, true, 30}, player::clock::now());
  f.p->async_seek_by(-60000, [](error_code) {});
  f.settle();
  CHECK(f.link->bodies.back().position == 0);
  f.p->on_player_update({0, 10000, true, 30}, player::clock::now());
  f.p->async_seek_by(60000, [](error_code) {});
  f.settle();
  CHECK(f.link->bodies.back().position == 20000);
  f.p->on_player_update({0, 10000, false, 30}, player::clock::now());
  f.p->async_seek_by(5000, [](error_code) {});
  f.settle();
  CHECK(f.link->bodies.back().position == 15000);
}

TEST_CASE("player: events update the mirror and reach the owner, a replaced end does not clear the new track") {
  fixture f;
  f.link->auto_answer = true;
  f.p->async_play(test::make_track("A"), {}, [](error_code) {});
  f.settle();
  f.p->async_play(test::make_track("B"), {}, [](error_code) {});
  f.settle();
  f.p->on_event(protocol::track_end_event{player_guild, test::make_track("A"), protocol::track_end_reason::replaced});
  CHECK(f.p->snapshot().track->encoded == "B");
  f.p->on_event(protocol::track_start_event{player_guild, test::make_track("B")});
  f.p->on_event(protocol::track_stuck_event{player_guild, test::make_track("B"), 10000});
  f.p->on_event(protocol::track_end_event{player_guild, test::make_track("B"), protocol::track_end_reason::finished});
  CHECK_FALSE(f.p->snapshot().track);
  CHECK(f.events_of<protocol::track_end_event>().size() == 2);
  CHECK(f.events_of<protocol::track_start_event>().size() == 1);
  CHECK(f.events_of<protocol::track_stuck_event>().size() == 1);
}

TEST_CASE("player: the voice join pairs and sends channelId to Lavalink, close codes reach voice") {
  fixture f;
  f.link->auto_answer = true;
  std::optional<error_code> joined;
  f.p->async_join(chan, [&](error_code ec) { joined = ec; });
  REQUIRE(f.gateway.size() == 1);
  CHECK(f.gateway[0].channel == chan);
  f.p->on_voice_server_update({player_guild, "tok", "rotterdam1.discord.media:443"});
  f.p->on_voice_state_update({player_guild, player_bot, chan, "sess"});
  f.settle();
  REQUIRE(joined);
  CHECK_FALSE(*joined);
  REQUIRE(f.link->bodies.size() == 1);
  REQUIRE(f.link->bodies[0].voice);
  CHECK(f.link->bodies[0].voice->channel_id == chan);
  CHECK(f.link->bodies[0].validate().has_value());
  CHECK(f.p->snapshot().connected);

  f.p->on_event(protocol::websocket_closed_event{player_guild, 4017, "E2EE required", true});
  CHECK_FALSE(f.p->snapshot().connected);
  REQUIRE(f.gateway.size() == 2);
  CHECK_FALSE(f.gateway[1].channel);  // left
  auto voice = f.events_of<voice_event>();
  REQUIRE_FALSE(voice.empty());
  CHECK(std::get<voice_destroy>(voice.back()).close_code == 4017);
}

TEST_CASE("player: a move recreates the player elsewhere with everything, and pending commands follow") {
  fixture f;
  f.link->auto_answer = true;
  play_options o;
  o.end = 200000;
  o.user_data = nlohmann::json{{"k", 1}};
  f.p->async_play(test::make_track("A"), o, [](error_code) {});
  f.p->async_join(chan, [](error_code) {});
  f.p->on_voice_server_update({player_guild, "tok", "rotterdam1.discord.media:443"});
  f.p->on_voice_state_update({player_guild, player_bot, chan, "sess"});
  f.settle();
  f.p->async_set_volume(70, [](error_code) {});
  f.p->async_set_filters(presets::vaporwave(), [](error_code) {});
  f.p->async_pause(true, [](error_code) {});
  f.settle();
  f.p->on_player_update({0, 42000, true, 10}, player::clock::now());

  f.link->auto_answer = false;
  std::vector<error_code> volume_done;
  f.p->async_set_volume(90, f.recorder(volume_done));  // in flight when the node dies
  auto target = std::make_shared<fake_link>(f.io.get_executor(), "node-b");
  target->auto_answer = true;
  std::vector<error_code> moved;
  f.p->move_to(target, f.recorder(moved));
  f.settle();
  REQUIRE(moved == std::vector<error_code>{error_code{}});
  REQUIRE(target->bodies.size() == 1);
  const auto& r = target->bodies[0];
  CHECK(*r.track->encoded == "A");
  CHECK(r.position == 42000);  // paused: no extrapolation
  CHECK(r.paused == true);
  CHECK(r.volume == 70);
  CHECK(r.filters == presets::vaporwave());
  CHECK(*r.end_time == 200000);
  CHECK((*r.track->user_data)["k"] == 1);
  REQUIRE(r.voice);
  CHECK(r.voice->channel_id == chan);
  CHECK(r.validate().has_value());
  CHECK(f.events_of<player_moved>() == std::vector<player_moved>{{"node-a", "node-b"}});

  f.link->kill();  // the old node's answer to the in-flight volume: a failure, resent to node-b
  f.settle();
  REQUIRE(target->bodies.size() == 2);
  CHECK(target->bodies[1].volume == 90);
  CHECK(volume_done == std::vector<error_code>{error_code{}});
  CHECK(f.p->snapshot().volume == 90);
  CHECK(f.p->snapshot().node == "node-b");
  CHECK(f.events_of<protocol::track_end_event>().empty());
}

TEST_CASE("player: parked, commands wait, restored, they follow the restore") {
  fixture f;
  f.link->auto_answer = true;
  f.p->async_play(test::make_track("A"), {}, [](error_code) {});
  f.settle();
  f.p->park();
  CHECK(f.p->snapshot().node.empty());
  std::vector<error_code> done;
  f.p->async_set_volume(33, f.recorder(done));
  f.settle();
  CHECK(done.empty());
  auto back = std::make_shared<fake_link>(f.io.get_executor(), "node-c");
  back->auto_answer = true;
  f.p->move_to(back, [](error_code) {});
  f.settle();
  CHECK(done == std::vector<error_code>{error_code{}});
  REQUIRE(back->bodies.size() == 2);
  CHECK(*back->bodies[0].track->encoded == "A");
  CHECK(back->bodies[1].volume == 33);
  CHECK(f.events_of<player_parked>() == std::vector<player_parked>{{"node-a"}});
  CHECK(f.events_of<player_moved>() == std::vector<player_moved>{{"node-a", "node-c"}});
}

TEST_CASE("player: destroy deletes on the node, leaves voice, and later commands fail with no_player") {
  fixture f;
  f.link->auto_answer = true;
  std::vector<error_code> done;
  f.p->async_destroy(f.recorder(done));
  f.p->async_set_volume(10, f.recorder(done));
  f.p->async_destroy(f.recorder(done));
  f.settle();
  CHECK(done == std::vector<error_code>{error::no_player, error::no_player, error_code{}});
  CHECK(f.link->destroyed == std::vector<guild_id>{player_guild});
  CHECK(f.p->destroyed());
  REQUIRE(f.gateway.size() == 1);
  CHECK_FALSE(f.gateway[0].channel);
}
