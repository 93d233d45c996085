// The node's lifecycle against the fake node: events in order, drops, resuming,
// lost players, bad frames, commands waiting for a reconnect.
#include "node_fixture.hpp"

#include <hanabi/protocol/encode.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>

using namespace hanabi;
using namespace hanabi::test;
using hanabi::cancel_after;
using boost::asio::use_future;

namespace {

template <class T>
std::size_t count_of(const std::vector<protocol::ws_message>& ms) {
  return static_cast<std::size_t>(std::count_if(ms.begin(), ms.end(), [](auto& m) { return std::holds_alternative<T>(m); }));
}

}  // namespace

TEST_CASE("events arrive in the order the node sent them, and the mirror follows") {
  testing::fake_node_options fo;
  fo.time_scale = 200;  // a 20 s track ends after 100 ms
  fo.player_update_interval = 10ms;
  fo.stats_interval = 20ms;
  testing::fake_node fake(fo);
  fake.record_messages(true);
  fake.start();
  client c(client_config(fake));
  recorder rec;
  c.on_strand([&] { return c.node().subscribe(rec.handlers()); });
  c.run();
  auto session = c.wait_ready();
  guild_id g{42};
  c.node().async_update_player(g, play("fake:track:song:20000"), false, cancel_after(5s, use_future)).get();
  REQUIRE(c.eventually([&] { return count_of<protocol::track_end_event>(rec.messages) == 1; }));
  c.on_strand([&] { return c.node().cancel(), 0; });
  c.wait_run();

  auto sent = fake.sent_messages();
  auto seen = c.on_strand([&] { return rec.messages; });
  REQUIRE(seen.size() <= sent.size());
  REQUIRE(seen.size() >= 4);
  for (std::size_t i = 0; i < seen.size(); ++i) {
    INFO("message " << i << ": " << sent[i]);
    auto wire = nlohmann::json::parse(sent[i]);
    auto got = nlohmann::json(seen[i]);
    CHECK(got.value("op", "") == wire.value("op", ""));
    CHECK(got.value("type", "") == wire.value("type", ""));
    CHECK(got.value("guildId", "") == wire.value("guildId", ""));
    if (wire.contains("state")) CHECK(got["state"]["position"] == wire["state"]["position"]);
  }
  CHECK(std::holds_alternative<protocol::ready>(seen.front()));
  auto start = std::find_if(seen.begin(), seen.end(), [](auto& m) { return std::holds_alternative<protocol::track_start_event>(m); });
  auto end = std::find_if(seen.begin(), seen.end(), [](auto& m) { return std::holds_alternative<protocol::track_end_event>(m); });
  REQUIRE(start != seen.end());
  CHECK(start < end);
  CHECK(std::get<protocol::track_end_event>(*end).reason == protocol::track_end_reason::finished);
  CHECK(c.on_strand([&] { auto* m = c.node().player(g); return m && m->track.empty(); }));
  CHECK(c.on_strand([&] { return c.node().stats().has_value(); }));
  auto states = c.on_strand([&] { return rec.states; });
  CHECK(states == std::vector<node_state>{node_state::connecting, node_state::awaiting_ready, node_state::configuring,
                                          node_state::ready, node_state::stopped});
}

TEST_CASE("after a drop the node reconnects and resumes: every player is kept") {
  testing::fake_node fake;
  fake.start();
  client c(client_config(fake));
  recorder rec;
  c.on_strand([&] { return c.node().subscribe(rec.handlers()); });
  c.run();
  auto session = c.wait_ready();
  for (std::uint64_t g = 1; g <= 5; ++g)
    c.node().async_update_player(guild_id{g}, play("fake:stream:radio" + std::to_string(g)), false,
                                 cancel_after(5s, use_future)).get();
  fake.drop_websocket(session);
  REQUIRE(c.eventually([&] { return c.node().counters().resumes == 1 && c.node().state() == node_state::ready; }));
  CHECK(c.on_strand([&] { return c.node().session_id(); }) == session);
  CHECK(c.on_strand([&] { return c.node().player_count(); }) == 5);
  CHECK(c.on_strand([&] { return rec.lost.empty(); }));
  CHECK(fake.session(session)->players.size() == 5);
  CHECK(c.on_strand([&] { return c.node().counters().connects; }) == 2);
  // Still usable.
  CHECK(c.node().async_get_players(cancel_after(5s, use_future)).get().size() == 5);
}

TEST_CASE("a resume after the timeout yields a new session and the exact list of lost players") {
  testing::fake_node fake;
  fake.start();
  auto cfg = client_config(fake);
  cfg.resuming.timeout = 1s;
  cfg.reconnect = backoff_policy{1500ms, 1500ms, 1.0, 0.0};  // come back after the server gave up
  client c(cfg);
  recorder rec;
  c.on_strand([&] { return c.node().subscribe(rec.handlers()); });
  c.run();
  auto session = c.wait_ready();
  std::vector<guild_id> guilds{guild_id{30}, guild_id{10}, guild_id{20}};
  for (auto g : guilds) c.node().async_update_player(g, play("fake:stream:s"), false, cancel_after(5s, use_future)).get();
  fake.drop_websocket(session);
  REQUIRE(c.eventually([&] { return !rec.lost.empty() && c.node().state() == node_state::ready; }, 15s));
  auto lost = c.on_strand([&] { return rec.lost.front(); });
  std::sort(guilds.begin(), guilds.end());
  CHECK(lost.guilds == guilds);
  CHECK(lost.session_lost);
  CHECK(lost.old_session == session);
  CHECK(lost.new_session != session);
  CHECK(c.on_strand([&] { return c.node().player_count(); }) == 0);
  CHECK(c.on_strand([&] { return c.node().counters().sessions_lost; }) == 1);
}

TEST_CASE("a resume reconciles: players the server no longer has are reported lost") {
  testing::fake_node fake;
  fake.start();
  client c(client_config(fake));
  recorder rec;
  c.on_strand([&] { return c.node().subscribe(rec.handlers()); });
  c.run();
  auto session = c.wait_ready();
  c.node().async_update_player(guild_id{1}, play("fake:stream:a"), false, cancel_after(5s, use_future)).get();
  c.node().async_update_player(guild_id{2}, play("fake:stream:b"), false, cancel_after(5s, use_future)).get();
  // The mirror learns of a player the server does not have (a stray playerUpdate).
  fake.send_raw(session, R"({"op":"playerUpdate","guildId":"99","state":{"time":1,"position":0,"connected":false,"ping":-1}})");
  REQUIRE(c.eventually([&] { return c.node().player(guild_id{99}) != nullptr; }));
  fake.drop_websocket(session);
  REQUIRE(c.eventually([&] { return c.node().counters().resumes == 1 && c.node().state() == node_state::ready; }));
  CHECK(c.on_strand([&] { return c.node().player_guilds(); }) == std::vector<guild_id>{guild_id{1}, guild_id{2}});
  auto lost = c.on_strand([&] { return rec.lost; });
  REQUIRE(lost.size() == 1);
  CHECK(lost[0].guilds == std::vector<guild_id>{guild_id{99}});
  CHECK_FALSE(lost[0].session_lost);
  CHECK(lost[0].new_session == session);
}

TEST_CASE("malformed, unknown and oversized frames are counted and survived") {
  testing::fake_node fake;
  fake.start();
  auto cfg = client_config(fake);
  cfg.max_frame_size = 64 * 1024;
  client c(cfg);
  c.run();
  auto session = c.wait_ready();
  fake.send_malformed_frame(session);
  fake.send_unknown_op(session);
  fake.send_oversized_frame(session, 512 * 1024);
  fake.send_raw(session, R"({"op":"event","type":"FutureEvent","guildId":"5"})");
  fake.send_raw(session, R"({"op":"playerUpdate","guildId":"7","state":{"time":1,"position":"oops","connected":true,"ping":1}})");
  REQUIRE(c.eventually([&] {
    auto& k = c.node().counters();
    return k.malformed == 2 && k.unknown_ops == 1 && k.oversized == 1 && k.unknown_events == 1;
  }));
  CHECK(c.on_strand([&] { return c.node().state(); }) == node_state::ready);
  CHECK(c.on_strand([&] { return c.node().counters().connects; }) == 1);
  CHECK(c.on_strand([&] { return c.node().player(guild_id{7}) == nullptr; }));
  CHECK(c.node().async_get_players(cancel_after(5s, use_future)).get().empty());
}

TEST_CASE("commands issued while reconnecting wait for the node, up to the caller's deadline") {
  testing::fake_node fake;
  fake.start();
  auto cfg = client_config(fake);
  cfg.reconnect = backoff_policy{300ms, 300ms, 1.0, 0.0};
  client c(cfg);
  c.run();
  auto session = c.wait_ready();
  fake.drop_websocket(session);
  REQUIRE(c.eventually([&] { return c.node().state() == node_state::reconnecting; }));
  auto short_wait = c.node().async_get_players(cancel_after(20ms, use_future));
  auto long_wait = c.node().async_get_players(cancel_after(5s, use_future));
  CHECK(failure_of(short_wait) == error::node_not_ready);
  CHECK(long_wait.get().empty());
  CHECK(c.on_strand([&] { return c.node().state(); }) == node_state::ready);
}

TEST_CASE("with reconnecting disabled, async_run ends when the socket drops") {
  testing::fake_node fake;
  fake.start();
  auto cfg = client_config(fake);
  cfg.reconnect.initial_delay = 0ms;
  client c(cfg);
  c.run();
  auto session = c.wait_ready();
  fake.drop_websocket(session);
  REQUIRE(c.run_future().wait_for(10s) == std::future_status::ready);
  CHECK(failure_of(c.run_future()) == error::connection_closed);
  CHECK(failure_of(c.node().async_get_players(cancel_after(1s, use_future))) == error::node_shut_down);
}

TEST_CASE("a node killed outright comes back with a new session, all players are lost") {
  testing::fake_node fake;
  fake.start();
  client c(client_config(fake));
  recorder rec;
  c.on_strand([&] { return c.node().subscribe(rec.handlers()); });
  c.run();
  c.wait_ready();
  c.node().async_update_player(guild_id{9}, play("fake:stream:x"), false, cancel_after(5s, use_future)).get();
  fake.kill();
  REQUIRE(c.eventually([&] { return rec.lost.size() == 1 && c.node().state() == node_state::ready; }));
  CHECK(c.on_strand([&] { return rec.lost.front().guilds; }) == std::vector<guild_id>{guild_id{9}});
}
