// Every REST call of PROTOCOL.md §7.2 against the fake node, with error bodies.
#include "node_fixture.hpp"

#include <boost/asio/use_future.hpp>

using namespace hanabi;
using namespace hanabi::test;
using hanabi::cancel_after;
using boost::asio::use_future;

TEST_CASE("REST without a session: info, stats, version, load, decode, route planner") {
  testing::fake_node fake;
  fake.start();
  client c(client_config(fake));
  auto& n = c.node();

  auto info = n.async_info(cancel_after(5s, use_future)).get();
  CHECK(info.version.semver == fake.options().version);
  CHECK_FALSE(info.source_managers.empty());
  auto stats = n.async_stats(cancel_after(5s, use_future)).get();
  CHECK(stats.players == 0);
  CHECK(n.async_version(cancel_after(5s, use_future)).get() == fake.options().version);

  auto track = n.async_load_tracks("fake:track:hello", cancel_after(5s, use_future)).get();
  REQUIRE(std::holds_alternative<protocol::track_loaded>(track));
  auto encoded = std::get<protocol::track_loaded>(track).track.encoded;
  CHECK(std::get<protocol::track_loaded>(track).track.info.identifier == "fake:track:hello");
  auto search = n.async_load_tracks("fakesearch4:a b&c=d+e", cancel_after(5s, use_future)).get();
  REQUIRE(std::holds_alternative<protocol::search_loaded>(search));
  CHECK(std::get<protocol::search_loaded>(search).tracks.size() == 4);
  auto playlist = n.async_load_tracks("fake:playlist:25:3", cancel_after(5s, use_future)).get();
  REQUIRE(std::holds_alternative<protocol::playlist_loaded>(playlist));
  CHECK(std::get<protocol::playlist_loaded>(playlist).tracks.size() == 25);
  CHECK(std::get<protocol::playlist_loaded>(playlist).info.selected_track == 3);
  CHECK(std::holds_alternative<protocol::nothing_loaded>(n.async_load_tracks("fake:empty", cancel_after(5s, use_future)).get()));
  auto failed = n.async_load_tracks("fake:error:suspicious", cancel_after(5s, use_future)).get();
  REQUIRE(std::holds_alternative<protocol::load_failed>(failed));
  CHECK(std::get<protocol::load_failed>(failed).exception.severity == protocol::severity::suspicious);

  // base64 with '+', '/' and '=' survives the query string.
  auto decoded = n.async_decode_track(encoded, cancel_after(5s, use_future)).get();
  CHECK(decoded.encoded == encoded);
  CHECK(decoded.info.identifier == "fake:track:hello");
  auto many = n.async_decode_tracks({encoded, encoded}, cancel_after(5s, use_future)).get();
  CHECK(many.size() == 2);

  diagnostics diag;
  auto ec = failure_of(n.async_decode_tracks(std::vector<std::string>{}, diag, cancel_after(5s, use_future)));
  CHECK(ec == error::bad_request);
  auto status = n.async_routeplanner_status(cancel_after(5s, use_future)).get();
  CHECK(std::holds_alternative<protocol::no_route_planner>(status));
  diagnostics planner_diag;
  ec = failure_of(n.async_free_all_addresses(planner_diag, cancel_after(5s, use_future)));
  CHECK(ec == error::server_error);
  REQUIRE(planner_diag.server_error());
  CHECK(planner_diag.server_error()->status == 500);
  ec = failure_of(n.async_free_address("1.0.0.1", cancel_after(5s, use_future)));
  CHECK(ec == error::server_error);
}

TEST_CASE("REST with a session: players created, read, updated with noReplace, destroyed") {
  testing::fake_node fake;
  fake.start();
  client c(client_config(fake));
  auto& n = c.node();
  c.run();
  auto session = c.wait_ready();
  CHECK(n.async_get_players(cancel_after(5s, use_future)).get().empty());

  guild_id g{817327181659111454};
  auto p = n.async_update_player(g, play("fake:track:one"), false, cancel_after(5s, use_future)).get();
  REQUIRE(p.track);
  CHECK(p.track->info.identifier == "fake:track:one");
  CHECK(c.on_strand([&] { auto* m = n.player(g); return m && m->track == p.track->encoded; }));

  // noReplace with a track playing: the server keeps the current one.
  auto kept = n.async_update_player(g, play("fake:track:two"), true, cancel_after(5s, use_future)).get();
  REQUIRE(kept.track);
  CHECK(kept.track->info.identifier == "fake:track:one");
  protocol::update_player volume;
  volume.volume = 250;
  CHECK(n.async_update_player(g, volume, false, cancel_after(5s, use_future)).get().volume == 250);

  auto got = n.async_get_player(g, cancel_after(5s, use_future)).get();
  CHECK(got.guild_id == g);
  CHECK(got.volume == 250);
  CHECK(n.async_get_players(cancel_after(5s, use_future)).get().size() == 1);
  REQUIRE(fake.player(session, static_cast<std::int64_t>(g.value())));

  protocol::update_session resume;
  resume.resuming = true;
  resume.timeout = 30;
  auto s = n.async_update_session(resume, cancel_after(5s, use_future)).get();
  CHECK(s.resuming);
  CHECK(s.timeout == 30);

  n.async_destroy_player(g, cancel_after(5s, use_future)).get();
  CHECK(c.on_strand([&] { return n.player(g) == nullptr; }));
  diagnostics diag;
  auto ec = failure_of(n.async_get_player(g, diag, cancel_after(5s, use_future)));
  CHECK(ec == error::not_found);
  REQUIRE(diag.server_error());
  CHECK(diag.server_error()->message == "Player not found");
  CHECK(diag.server_error()->path.find("/players/") != std::string::npos);
}

TEST_CASE("an invalid update is refused before it reaches the node") {
  testing::fake_node fake;
  fake.start();
  client c(client_config(fake));
  c.run();
  c.wait_ready();
  protocol::update_player bad;
  bad.end_time = std::int64_t{0};
  bad.track = protocol::update_player_track{};
  bad.track->identifier = "fake:track:x";
  bad.identifier = "fake:track:y";
  auto calls_before = fake.counters().rest_calls;
  auto ec = failure_of(c.node().async_update_player(guild_id{1}, bad, false, cancel_after(5s, use_future)));
  CHECK(ec == error::invalid_argument);
  CHECK(fake.counters().rest_calls == calls_before);
}

TEST_CASE("401 and 403 are distinct, on REST and on the WebSocket") {
  testing::fake_node fake;
  fake.start();
  auto cfg = client_config(fake);
  cfg.password = secret{};
  {
    client c(cfg);
    CHECK(failure_of(c.node().async_info(cancel_after(5s, use_future))) == error::missing_password);
  }
  cfg.password = secret{"wrong"};
  client c(cfg);
  CHECK(failure_of(c.node().async_info(cancel_after(5s, use_future))) == error::wrong_password);
  c.run();
  // A wrong password cannot be fixed by reconnecting: async_run stops with the error.
  REQUIRE(c.run_future().wait_for(10s) == std::future_status::ready);
  CHECK(failure_of(c.run_future()) == error::wrong_password);
}

TEST_CASE("a slow REST call hits its deadline, a GET is retried after a 503") {
  testing::fake_node fake;
  fake.start();
  client c(client_config(fake));
  fake.set_rest_delay(1500ms);
  CHECK(failure_of(c.node().async_info(cancel_after(100ms, use_future))) == error::timeout);
  fake.set_rest_delay(0ms);
  CHECK(c.node().async_version(cancel_after(5s, use_future)).get() == fake.options().version);

  fake.fail_every_nth_rest(2, 503);
  // Every other call fails: each GET sees at most one 503 and is retried.
  for (int i = 0; i < 4; ++i) CHECK(c.node().async_version(cancel_after(5s, use_future)).get() == fake.options().version);
  CHECK(fake.counters().injected_rest_failures >= 3);
}

TEST_CASE("non-idempotent calls are not retried") {
  testing::fake_node fake;
  fake.start();
  client c(client_config(fake));
  c.run();
  c.wait_ready();
  fake.fail_every_nth_rest(1, 503);
  diagnostics diag;
  auto before = fake.counters().injected_rest_failures;
  CHECK(failure_of(c.node().async_update_player(guild_id{7}, play("fake:track:x"), false, diag,
                                                cancel_after(5s, use_future))) == error::server_error);
  CHECK(fake.counters().injected_rest_failures == before + 1);
  fake.fail_every_nth_rest(0);
}

TEST_CASE("a server that is not Lavalink is reported as such") {
  testing::not_lavalink_server web;
  node_config cfg;
  cfg.url = fmt::format("http://127.0.0.1:{}", web.port());
  cfg.password = secret{"x"};
  cfg.user = user_id{1};
  cfg.log = logger::none();
  client c(cfg);
  CHECK(failure_of(c.node().async_info(cancel_after(5s, use_future))) == error::not_lavalink);
  cfg.reconnect = backoff_policy{1ms, 1ms, 1.0, 0.0};
  client ws(cfg);
  ws.run();
  REQUIRE(ws.run_future().wait_for(10s) == std::future_status::ready);
  CHECK(failure_of(ws.run_future()) == error::not_lavalink);
}
