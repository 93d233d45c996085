// The node pool against several fake Lavalink nodes over loopback: placement, a node killed
// under 300 players, a dropped node that resumes within the failover grace (players stay) or
// does not (players move), every node killed and one brought back, a drain, voice and close
// codes.
//
// The test thread runs the client's io_context; the fake nodes run on their own threads.
// `run_until` turns the loop until a condition holds; its time limit only stops a hung test,
// and the condition is then asserted (no timing is asserted).
#include <hanabi/node/node_pool.hpp>

#include "../../unit/players/loopback_node.hpp"

#include <hanabi/player/filter_presets.hpp>
#include <hanabi/testing/fake_node.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <map>

using namespace hanabi;
using namespace std::chrono_literals;

namespace {

const user_id bot{170939974227541168ULL};

std::uint16_t free_port() {
  asio::io_context io;
  asio::ip::tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

struct cluster {
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(io);
  std::vector<std::unique_ptr<testing::fake_node>> fakes;
  std::vector<std::shared_ptr<node>> nodes;
  node_pool pool;
  std::map<guild_id, std::vector<gateway_voice_update>> gateway;
  std::map<guild_id, std::vector<player_event>> events;
  std::vector<std::shared_ptr<player>> players;

  explicit cluster(int count, pool_config cfg = with_grace(0ms), bool fixed_ports = false)
      : pool(asio::make_strand(io), std::move(cfg)) {
    for (int i = 0; i < count; ++i) {
      testing::fake_node_options o;
      if (fixed_ports) o.port = free_port();
      fakes.push_back(std::make_unique<testing::fake_node>(o));
      fakes.back()->start();
      nodes.push_back(test::start_pooled_node(io, pool, *fakes.back(), i, bot));
    }
    REQUIRE(run_until([&] {
      auto s = pool.stats();
      return std::all_of(s.nodes.begin(), s.nodes.end(), [](auto& n) { return n.available; });
    }));
  }
  ~cluster() {
    for (auto& n : nodes) n->cancel();
    work.reset();
    io.run_for(200ms);
  }
  // Most tests kill nodes for good: a zero grace moves their players as soon as the WebSocket drops.
  static pool_config with_grace(std::chrono::milliseconds grace) {
    pool_config c;
    c.failover_grace = grace;
    c.log = logger::none();
    return c;
  }

  bool run_until(const std::function<bool()>& done, std::chrono::seconds limit = 60s) {
    const auto stop = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() > stop) return false;
      io.run_for(5ms);
    }
    return true;
  }

  // A player with voice, playing a long track at a state that depends on i.
  std::shared_ptr<player> add_playing(std::uint64_t i, std::size_t& acks) {
    const guild_id g{5000 + i};
    player_config cfg;
    cfg.bot = bot;
    cfg.log = logger::none();
    cfg.send_gateway = [this, g](const gateway_voice_update& op) { gateway[g].push_back(op); };
    cfg.on_event = [this, g](const player_event& e) { events[g].push_back(e); };
    auto p = pool.create_player(g, cfg).value();
    p->on_voice_server_update({g, fmt::format("token-{}", i), "rotterdam2744.discord.media:443"});
    p->on_voice_state_update({g, bot, channel_id{900 + i}, fmt::format("session-{}", i)});
    play_options o;
    o.volume = static_cast<int>(10 + i % 150);
    o.paused = i % 3 == 0;
    o.user_data = nlohmann::json{{"i", i}};
    auto ack = [&acks](error_code ec) {
      CHECK_FALSE(ec);
      ++acks;
    };
    p->async_play_identifier(fmt::format("fake:track:g{}:3600000", i), o, ack);
    if (i % 2 == 0) p->async_set_filters(presets::nightcore(), ack);
    players.push_back(p);
    return p;
  }

  std::string session_of(std::size_t fake) const {
    auto s = fakes[fake]->sessions();
    return s.empty() ? std::string{} : s.front().id;
  }
  std::size_t players_on_fake(std::size_t fake) const {
    auto s = fakes[fake]->sessions();
    return s.empty() ? 0 : s.front().players.size();
  }
  std::optional<testing::player_view> view(std::size_t fake, guild_id g) const {
    auto s = session_of(fake);
    if (s.empty()) return std::nullopt;
    return fakes[fake]->player(s, static_cast<std::int64_t>(g.value()));
  }
  std::size_t fake_index(const std::string& node_name) const {
    return static_cast<std::size_t>(std::stoi(node_name.substr(5)));
  }
  template <class T>
  std::size_t count(guild_id g) {
    std::size_t c = 0;
    for (auto& e : events[g]) c += std::holds_alternative<T>(e);
    return c;
  }
};

std::size_t start_players(cluster& c, std::uint64_t n) {
  std::size_t acks = 0, expected = 0;
  for (std::uint64_t i = 0; i < n; ++i) {
    c.add_playing(i, acks);
    expected += i % 2 == 0 ? 2 : 1;
  }
  REQUIRE(c.run_until([&] { return acks == expected; }));
  return acks;
}

}  // namespace

TEST_CASE("pool over fake nodes: reservations spread 100 players created at once") {
  // The nodes' stats (one per minute) all say "0 playing" during the burst: without
  // reservations every placement would pick the same node.
  cluster c(3);
  start_players(c, 100);
  for (std::size_t f = 0; f < 3; ++f) {
    INFO("fake node " << f);
    CHECK(c.players_on_fake(f) >= 33);
    CHECK(c.players_on_fake(f) <= 34);
  }
  for (auto& p : c.players) {
    auto v = c.view(c.fake_index(p->snapshot().node), p->guild());
    REQUIRE(v);
    CHECK(v->connected);
    CHECK(v->voice_channel_id == channel_id{900 + (p->guild().value() - 5000)}.str());
  }
}

TEST_CASE("pool over fake nodes: kill one of three nodes with 300 players, all play on the other two") {
  cluster c(3);
  start_players(c, 300);
  struct seen {
    testing::player_view view;
    std::chrono::steady_clock::time_point at;
  };
  std::map<guild_id, seen> before;
  for (auto& p : c.players)
    if (p->snapshot().node == "node-1") before[p->guild()] = {*c.view(1, p->guild()), std::chrono::steady_clock::now()};
  REQUIRE(before.size() == 100);

  c.fakes[1]->stop();
  REQUIRE(c.run_until([&] {
    return c.pool.stats().moves >= before.size() && c.pool.moves_pending() == 0;
  }));

  auto s = c.pool.stats();
  CHECK(s.parked == 0);
  CHECK(s.node_failures == 1);
  CHECK(c.players_on_fake(0) + c.players_on_fake(2) == 300);
  constexpr std::int64_t update_interval_ms = 5000;  // the fake node's (and Lavalink's) playerUpdate period
  for (auto& [g, was] : before) {
    INFO("guild " << g);
    auto p = c.pool.find_player(g);
    const auto node = p->snapshot().node;
    REQUIRE((node == "node-0" || node == "node-2"));
    auto now = c.view(c.fake_index(node), g);
    const auto looked = std::chrono::steady_clock::now();
    REQUIRE(now);
    REQUIRE(now->track);
    CHECK(now->track->info.identifier == was.view.track->info.identifier);
    CHECK(now->track->user_data == was.view.track->user_data);
    CHECK(now->paused == was.view.paused);
    CHECK(now->volume == was.view.volume);
    CHECK(now->filters == was.view.filters);
    CHECK(now->connected);
    CHECK(now->voice_channel_id == was.view.voice_channel_id);
    // Where it would be had the node never died (time scale 1: a playing track advances 1 ms per
    // ms, a paused one not at all), within one update interval.
    const auto played = was.view.paused ? 0 : std::chrono::duration_cast<std::chrono::milliseconds>(looked - was.at).count();
    CHECK(std::abs(now->position - (was.view.position + played)) <= update_interval_ms);
    CHECK(c.count<player_moved>(g) == 1);
    CHECK(c.count<protocol::track_end_event>(g) == 0);
  }
}

TEST_CASE("pool over fake nodes: a node that resumes within the failover grace keeps every player") {
  cluster c(3, cluster::with_grace(std::chrono::hours{1}));  // only the resume can end the grace
  start_players(c, 30);
  const auto session = c.session_of(1);
  std::map<guild_id, std::string> home;
  for (auto& p : c.players) home[p->guild()] = p->snapshot().node;
  const auto on_1 = c.players_on_fake(1);
  REQUIRE(on_1 == 10);

  c.fakes[1]->drop_websocket(session);  // a network failure: no close frame; Lavalink keeps playing
  REQUIRE(c.run_until([&] { return c.pool.stats().node_resumes == 1; }));

  auto s = c.pool.stats();
  CHECK(s.moves == 0);
  CHECK(s.node_failures == 0);
  CHECK(s.parked == 0);
  CHECK(s.nodes[1].available);
  CHECK_FALSE(s.nodes[1].resuming);
  CHECK(c.session_of(1) == session);
  CHECK(c.players_on_fake(1) == on_1);
  for (auto& p : c.players) {
    INFO("guild " << p->guild());
    CHECK(p->snapshot().node == home[p->guild()]);
    CHECK(c.count<player_moved>(p->guild()) == 0);
    auto v = c.view(c.fake_index(home[p->guild()]), p->guild());
    REQUIRE(v);
    CHECK(v->track);
  }
  // The player still answers commands on its node after the resume.
  auto& p = **std::find_if(c.players.begin(), c.players.end(),
                           [](auto& q) { return q->snapshot().node == "node-1"; });
  std::optional<error_code> done;
  p.async_set_volume(321, [&](error_code ec) { done = ec; });
  REQUIRE(c.run_until([&] { return done.has_value(); }));
  CHECK_FALSE(*done);
  CHECK(c.view(1, p.guild())->volume == 321);
}

TEST_CASE("pool over fake nodes: a node that restarts without our session moves every player at once") {
  cluster c(3, cluster::with_grace(std::chrono::hours{1}));  // not the grace: the failed resume
  start_players(c, 30);
  std::vector<guild_id> victims;
  for (auto& p : c.players)
    if (p->snapshot().node == "node-1") victims.push_back(p->guild());
  REQUIRE(victims.size() == 10);

  c.fakes[1]->kill();  // SIGKILL and straight back: the resume gets a new session, without players
  REQUIRE(c.run_until([&] { return c.pool.stats().moves >= victims.size() && c.pool.moves_pending() == 0; }));
  auto s = c.pool.stats();
  CHECK(s.node_failures == 1);
  CHECK(s.node_resumes == 0);
  CHECK(s.parked == 0);
  for (auto g : victims) {
    INFO("guild " << g);
    const auto node = c.pool.find_player(g)->snapshot().node;
    CHECK(node != "node-1");
    auto v = c.view(c.fake_index(node), g);
    REQUIRE(v);
    CHECK(v->track);
    CHECK(v->connected);
    CHECK(c.count<player_moved>(g) == 1);
  }
  // The restarted node is back in the pool, empty.
  REQUIRE(c.run_until([&] { return c.pool.stats().nodes[1].available; }));
  CHECK(c.players_on_fake(1) == 0);
}

TEST_CASE("pool over fake nodes: a node that is not back within the failover grace loses its players") {
  cluster c(3, cluster::with_grace(300ms));
  start_players(c, 30);
  std::vector<guild_id> victims;
  for (auto& p : c.players)
    if (p->snapshot().node == "node-2") victims.push_back(p->guild());
  REQUIRE(victims.size() == 10);

  c.fakes[2]->stop();  // gone for good: every reconnect is refused
  REQUIRE(c.run_until([&] { return c.pool.stats().moves >= victims.size() && c.pool.moves_pending() == 0; }));
  auto s = c.pool.stats();
  CHECK(s.node_failures == 1);
  CHECK(s.node_resumes == 0);
  CHECK(s.parked == 0);
  CHECK(c.players_on_fake(0) + c.players_on_fake(1) == 30);
  for (auto g : victims) {
    INFO("guild " << g);
    const auto node = c.pool.find_player(g)->snapshot().node;
    REQUIRE((node == "node-0" || node == "node-1"));
    auto v = c.view(c.fake_index(node), g);
    REQUIRE(v);
    CHECK(v->track);
    CHECK(c.count<player_moved>(g) == 1);
  }
}

TEST_CASE("pool over fake nodes: kill every node, players park, and resume when one comes back") {
  // Moves from the first node to die land on nodes that die a moment later and hold them while
  // reconnecting; declared dead, a node must fail them at once (no hour-long request deadline).
  auto cfg = cluster::with_grace(0ms);
  cfg.request_timeout = std::chrono::hours{1};
  cluster c(3, cfg, true);
  start_players(c, 30);
  for (auto& f : c.fakes) f->stop();
  REQUIRE(c.run_until([&] { return c.pool.stats().parked == 30; }));
  for (auto& p : c.players) CHECK(p->snapshot().node.empty());

  c.fakes[2]->start();  // same port: the node reconnects on its own
  REQUIRE(c.run_until(
      [&] { return c.pool.stats().parked == 0 && c.pool.moves_pending() == 0 && c.players_on_fake(2) == 30; }));
  for (auto& p : c.players) {
    auto v = c.view(2, p->guild());
    REQUIRE(v);
    CHECK(v->track);
    CHECK(v->connected);
    std::string trail;
    for (auto& e : c.events[p->guild()]) {
      if (auto* m = std::get_if<player_moved>(&e)) trail += " moved(" + m->from + "->" + m->to + ")";
      if (auto* k = std::get_if<player_parked>(&e)) trail += " parked(" + k->from + ")";
    }
    INFO("events:" << trail);
    CHECK(c.count<player_parked>(p->guild()) == 1);
    CHECK(c.count<player_moved>(p->guild()) == 1);
  }
}

TEST_CASE("pool over fake nodes: a drained node ends empty and no track restarts from 0") {
  cluster c(3);
  start_players(c, 30);
  c.run_until([&] { return false; }, 2s);  // let the tracks play a little
  const auto looked_before = std::chrono::steady_clock::now();
  std::map<guild_id, std::int64_t> position;
  for (auto& p : c.players)
    if (p->snapshot().node == "node-2") position[p->guild()] = c.view(2, p->guild())->position;
  REQUIRE_FALSE(position.empty());

  std::optional<error_code> drained;
  c.pool.async_drain("node-2", [&](error_code ec) { drained = ec; });
  REQUIRE(c.run_until([&] { return drained.has_value(); }));
  CHECK_FALSE(*drained);
  REQUIRE(c.run_until([&] { return c.players_on_fake(2) == 0; }));  // deleted there after the move
  // A track restarted from 0 would be at most `played` in; one that continued is near was + played.
  // The margin covers the extrapolation's lag (the client dates a state when it receives it).
  constexpr std::int64_t margin_ms = 500;
  const auto played =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - looked_before).count();
  for (auto& [g, was] : position) {
    INFO("guild " << g << ": was at " << was << " ms, " << played << " ms ago");
    auto node = c.pool.find_player(g)->snapshot().node;
    REQUIRE(node != "node-2");
    auto v = c.view(c.fake_index(node), g);
    REQUIRE(v);
    if (v->paused)
      CHECK(v->position == was);
    else
      CHECK(v->position >= was + played - margin_ms);
  }
}

TEST_CASE("pool over fake nodes: voice close codes 4006, 4014 and 4017 trigger their actions") {
  cluster c(1);
  start_players(c, 3);
  const auto session = c.session_of(0);
  const guild_id rejoin{5000}, wait{5001}, destroy{5002};
  c.fakes[0]->close_voice(session, static_cast<std::int64_t>(rejoin.value()), 4006, "session no longer valid");
  c.fakes[0]->close_voice(session, static_cast<std::int64_t>(wait.value()), 4014, "disconnected");
  c.fakes[0]->close_voice(session, static_cast<std::int64_t>(destroy.value()), 4017, "E2EE required");
  REQUIRE(c.run_until([&] {
    return c.count<protocol::websocket_closed_event>(rejoin) && c.count<protocol::websocket_closed_event>(wait) &&
           c.count<protocol::websocket_closed_event>(destroy);
  }));
  // 4006: op 4 again for the same channel.
  REQUIRE(c.gateway[rejoin].size() == 1);
  CHECK(c.gateway[rejoin][0].channel == channel_id{900});
  // 4014: nothing yet; Discord's next voice state decides (here: moved to channel 77).
  CHECK(c.gateway[wait].empty());
  c.pool.find_player(wait)->on_voice_state_update({wait, bot, channel_id{77}, "session-1"});
  REQUIRE(c.run_until([&] {
    auto v = c.view(0, wait);
    return v && v->voice_channel_id == channel_id{77}.str();
  }));
  bool moved = false;
  for (auto& e : c.events[wait])
    if (auto* v = std::get_if<voice_event>(&e)) moved |= std::holds_alternative<voice_moved>(*v);
  CHECK(moved);
  // 4017: leave and a destroy verdict for the owner.
  REQUIRE(c.gateway[destroy].size() == 1);
  CHECK_FALSE(c.gateway[destroy][0].channel);
  bool verdict = false;
  for (auto& e : c.events[destroy])
    if (auto* v = std::get_if<voice_event>(&e))
      if (auto* d = std::get_if<voice_destroy>(v)) verdict = d->close_code == 4017;
  CHECK(verdict);
}
