// The node pool over in-memory nodes: placement, failover, parking, drains, routing, stats.
#include <hanabi/node/node_pool.hpp>

#include "fake_link.hpp"

#include <hanabi/player/filter_presets.hpp>

#include <boost/asio/io_context.hpp>

#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <map>

using namespace hanabi;
using test::fake_link;

namespace {
const user_id pool_bot{1};

struct pool_fixture {
  asio::io_context io;
  std::vector<std::shared_ptr<fake_link>> nodes;
  node_pool pool;
  std::map<guild_id, std::vector<player_event>> events;

  explicit pool_fixture(int node_count, pool_config cfg = quiet()) : pool(io.get_executor(), std::move(cfg)) {
    for (int i = 0; i < node_count; ++i) {
      auto n = std::make_shared<fake_link>(io.get_executor(), fmt::format("node-{}", i));
      n->auto_answer = true;
      for (int t = 0; t < 5; ++t) n->catalogue[fmt::format("T{}", t)] = test::make_track(fmt::format("T{}", t));
      nodes.push_back(n);
      pool.add_node(n);
    }
  }
  static pool_config quiet() {
    pool_config c;
    c.log = logger::none();
    return c;
  }
  void settle() {
    io.restart();
    io.run();
  }
  std::shared_ptr<player> create(guild_id g) {
    player_config cfg;
    cfg.bot = pool_bot;
    cfg.log = logger::none();
    cfg.on_event = [this, g](const player_event& e) { events[g].push_back(e); };
    auto p = pool.create_player(g, cfg);
    REQUIRE(p.has_value());
    return *p;
  }
  // Player i plays track T(i%5) at a known state: volume, paused, filters.
  std::shared_ptr<player> create_playing(std::uint64_t i) {
    auto p = create(guild_id{1000 + i});
    play_options o;
    o.volume = static_cast<int>(i % 200);
    o.paused = i % 3 == 0;
    o.user_data = nlohmann::json{{"i", i}};
    p->async_play(test::make_track(fmt::format("T{}", i % 5)), o, [](error_code) {});
    if (i % 2 == 0) p->async_set_filters(presets::nightcore(), [](error_code) {});
    return p;
  }
  std::size_t on_node(const std::string& name) const {
    for (auto& n : pool.stats().nodes)
      if (n.name == name) return n.players;
    return 0;
  }
  template <class T>
  std::size_t count_events(guild_id g) {
    std::size_t c = 0;
    for (auto& e : events[g]) c += std::holds_alternative<T>(e);
    return c;
  }
};
}  // namespace

TEST_CASE("pool: 100 players created at once spread over equal nodes") {
  pool_fixture f(3);
  for (std::uint64_t g = 1; g <= 100; ++g) f.create(guild_id{g});
  for (auto& n : f.pool.stats().nodes) {
    CHECK(n.players >= 33);
    CHECK(n.players <= 34);
    CHECK(n.reserved == static_cast<int>(n.players));  // no stats yet: every placement still counts
  }
  f.pool.on_message("node-0", protocol::stats{});
  CHECK(f.pool.stats().nodes[0].reserved == 0);
}

TEST_CASE("pool: placement follows the penalty, and marked nodes get no new players") {
  pool_fixture f(2);
  f.nodes[0]->stats.playing_players = 50;
  for (std::uint64_t g = 1; g <= 20; ++g) f.create(guild_id{g});
  CHECK(f.on_node("node-1") == 20);
  f.pool.set_accepting("node-1", false);
  f.create(guild_id{99});
  CHECK(f.on_node("node-0") == 1);
  f.pool.set_accepting("node-0", false);
  player_config cfg;
  cfg.log = logger::none();
  auto none = f.pool.create_player(guild_id{100}, cfg);
  REQUIRE_FALSE(none.has_value());
  CHECK(none.error().code == error::no_node_available);
  CHECK(f.pool.create_player(guild_id{99}, cfg).has_value());  // existing players are found
}

TEST_CASE("pool: kill one of three nodes with 300 players: all play on the other two, state intact") {
  pool_config cfg = pool_fixture::quiet();
  cfg.max_concurrent_moves = 8;
  pool_fixture f(3, cfg);
  std::vector<std::shared_ptr<player>> players;
  for (std::uint64_t i = 0; i < 300; ++i) players.push_back(f.create_playing(i));
  f.settle();
  const auto before_kill = player::clock::now();
  std::map<guild_id, player_snapshot> before;
  for (auto& p : players) {
    p->on_player_update({0, 60000, true, 5}, before_kill);
    before[p->guild()] = p->snapshot(before_kill);
  }
  const auto victims = f.on_node("node-1");
  REQUIRE(victims == 100);

  // The surviving nodes answer in rounds, so the number of moves in flight is visible.
  f.nodes[0]->auto_answer = f.nodes[2]->auto_answer = false;
  f.nodes[1]->kill();
  f.pool.node_down("node-1");
  std::size_t max_in_flight = 0;
  while (f.pool.moves_pending() > 0) {
    f.settle();
    max_in_flight = std::max(max_in_flight, f.nodes[0]->pending.size() + f.nodes[2]->pending.size());
    f.nodes[0]->answer_all();
    f.nodes[2]->answer_all();
    f.settle();
  }
  CHECK(max_in_flight <= 8);
  CHECK(max_in_flight > 0);

  const auto after = player::clock::now();
  auto s = f.pool.stats();
  CHECK(s.moves == victims);
  CHECK(s.parked == 0);
  CHECK(s.node_failures == 1);
  CHECK(f.on_node("node-1") == 0);
  CHECK(f.on_node("node-0") + f.on_node("node-2") == 300);
  for (auto& p : players) {
    auto now = p->snapshot(after);
    const auto& was = before[p->guild()];
    INFO("guild " << p->guild());
    CHECK(now.node != "node-1");
    REQUIRE(now.track);
    CHECK(now.track->encoded == was.track->encoded);
    CHECK(now.track->user_data == was.track->user_data);
    CHECK(now.paused == was.paused);
    CHECK(now.volume == was.volume);
    CHECK(now.filters == was.filters);
    if (was.node == "node-1") {
      // The restore carried the extrapolated position: never back to 0.
      auto& node = *f.nodes[now.node == "node-0" ? 0 : 2];
      CHECK(node.players.at(p->guild()).track->info.position >= 60000);
    } else {
      CHECK(now.node == was.node);  // players of healthy nodes stay where they are
    }
  }
  for (auto& p : players) {
    const auto g = p->guild();
    CHECK(f.count_events<protocol::track_end_event>(g) == 0);
    CHECK(f.count_events<player_moved>(g) == (before[g].node == "node-1" ? 1u : 0u));
  }
  CHECK(f.nodes[1]->destroyed.empty());  // nothing is deleted on a dead node
}

TEST_CASE("pool: late events from the node a player left are dropped") {
  pool_fixture f(2);
  auto p = f.create_playing(0);
  f.settle();
  auto old_node = p->snapshot().node;
  auto& victim = *f.nodes[old_node == "node-0" ? 0 : 1];
  victim.kill();
  f.pool.node_down(old_node);
  f.settle();
  REQUIRE(p->snapshot().node != old_node);
  auto ended = protocol::track_end_event{p->guild(), *p->snapshot().track, protocol::track_end_reason::cleanup};
  f.pool.on_message(old_node, ended);
  CHECK(f.count_events<protocol::track_end_event>(p->guild()) == 0);
  CHECK(p->snapshot().track);
  f.pool.on_message(p->snapshot().node, ended);
  CHECK(f.count_events<protocol::track_end_event>(p->guild()) == 1);
}

TEST_CASE("pool: kill every node: players are parked, and all resume when a node comes back") {
  pool_fixture f(2);
  std::vector<std::shared_ptr<player>> players;
  for (std::uint64_t i = 0; i < 40; ++i) players.push_back(f.create_playing(i));
  f.settle();
  for (auto& n : f.nodes) n->kill();
  f.pool.node_down("node-0");
  f.pool.node_down("node-1");
  f.settle();
  CHECK(f.pool.stats().parked == 40);
  for (auto& p : players) CHECK(p->snapshot().node.empty());
  // A command while parked waits for a node.
  std::optional<error_code> volume_done;
  players[0]->async_set_volume(123, [&](error_code ec) { volume_done = ec; });
  f.settle();
  CHECK_FALSE(volume_done);

  f.nodes[1]->revive();
  f.pool.node_up("node-1");
  f.settle();
  CHECK(f.pool.stats().parked == 0);
  CHECK(f.on_node("node-1") == 40);
  CHECK(f.nodes[1]->players.size() == 40);
  for (auto& p : players) {
    CHECK(f.count_events<player_parked>(p->guild()) == 1);
    CHECK(f.count_events<player_moved>(p->guild()) == 1);
    CHECK(f.nodes[1]->players.at(p->guild()).track);
  }
  REQUIRE(volume_done);
  CHECK_FALSE(*volume_done);
  CHECK(f.nodes[1]->players.at(players[0]->guild()).volume == 123);
}

TEST_CASE("pool: draining a node moves every player off, deletes them there, and removes the node") {
  pool_fixture f(3);
  std::vector<std::shared_ptr<player>> players;
  for (std::uint64_t i = 0; i < 30; ++i) players.push_back(f.create_playing(i));
  f.settle();
  std::map<guild_id, std::string> home;
  for (auto& p : players) {
    p->on_player_update({0, 90000, true, 5}, player::clock::now());
    home[p->guild()] = p->snapshot().node;
  }
  const auto on_drained = f.on_node("node-2");
  REQUIRE(on_drained > 0);
  std::optional<error_code> drained;
  f.pool.async_drain("node-2", [&](error_code ec) { drained = ec; });
  f.settle();
  REQUIRE(drained);
  CHECK_FALSE(*drained);
  auto s = f.pool.stats();
  REQUIRE(s.nodes.size() == 2);
  CHECK(s.moves == on_drained);
  CHECK(f.nodes[2]->destroyed.size() == on_drained);
  for (auto& p : players) {
    auto snap = p->snapshot();
    CHECK(snap.node != "node-2");
    if (home[p->guild()] != "node-2") continue;
    auto& node = *f.nodes[snap.node == "node-0" ? 0 : 1];
    CHECK(node.players.at(p->guild()).track->info.position >= 90000);  // not restarted from 0
  }
  std::optional<error_code> unknown;
  f.pool.async_drain("node-9", [&](error_code ec) { unknown = ec; });
  f.settle();
  CHECK(unknown == error_code(error::node_shut_down));
}

TEST_CASE("pool: draining the last node parks its players and says so") {
  pool_fixture f(1);
  f.create_playing(1);
  f.settle();
  std::optional<error_code> drained;
  f.pool.async_drain("node-0", [&](error_code ec) { drained = ec; });
  f.settle();
  CHECK(drained == error_code(error::no_node_available));
  CHECK(f.pool.stats().parked == 1);
  CHECK(f.pool.stats().nodes.empty());
}

TEST_CASE("pool: a failed move is retried, then the player is parked until a node comes up") {
  pool_config cfg = pool_fixture::quiet();
  cfg.max_move_attempts = 2;
  pool_fixture f(3, cfg);
  auto p = f.create_playing(7);
  f.settle();
  const auto home = p->snapshot().node;
  for (auto& n : f.nodes) {
    if (n->node_name() == home)
      n->kill();
    else
      n->fail_patches = true;
  }
  f.pool.node_down(home);
  f.settle();
  auto s = f.pool.stats();
  CHECK(s.move_failures == 2);
  CHECK(s.moves == 0);
  CHECK(s.parked == 1);
  CHECK(p->snapshot().node.empty());
  CHECK(p->snapshot().track);  // the mirror survives

  for (auto& n : f.nodes) n->fail_patches = false;
  f.pool.node_up(f.nodes[home == "node-0" ? 1 : 0]->node_name());
  f.settle();
  s = f.pool.stats();
  CHECK(s.moves == 1);
  CHECK(s.parked == 0);
  CHECK_FALSE(p->snapshot().node.empty());
  CHECK(f.count_events<player_moved>(p->guild()) == 1);
}

TEST_CASE("pool: removing a node fails its players over, stats report penalties") {
  pool_fixture f(2);
  for (std::uint64_t i = 0; i < 10; ++i) f.create_playing(i);
  f.settle();
  f.nodes[0]->stats.system_load = 0.5;
  f.pool.remove_node("node-0");
  f.settle();
  auto s = f.pool.stats();
  REQUIRE(s.nodes.size() == 1);
  CHECK(s.nodes[0].name == "node-1");
  CHECK(s.nodes[0].players == 10);
  CHECK(s.nodes[0].penalty > 0);
  CHECK(s.players == 10);
  f.pool.remove_player(guild_id{1000});
  CHECK(f.pool.stats().players == 9);
  CHECK_FALSE(f.pool.find_player(guild_id{1000}));
}

TEST_CASE("pool: a node that comes back deletes its stale copies, lost players move away") {
  pool_fixture f(2);
  auto p = f.create_playing(1);
  auto q = f.create_playing(2);
  f.settle();
  const auto home = p->snapshot().node;
  const auto other = home == "node-0" ? std::string("node-1") : std::string("node-0");
  f.pool.node_down(home);
  f.settle();
  REQUIRE(p->snapshot().node == other);
  auto& returning = *f.nodes[home == "node-0" ? 0 : 1];
  f.pool.node_up(home, {p->guild()});  // it resumed and still holds p's old copy
  f.settle();
  CHECK(returning.destroyed == std::vector<guild_id>{p->guild()});

  // q lives somewhere; its node reports it lost (resume failed): it is rebuilt.
  const auto q_home = q->snapshot().node;
  const auto moves = f.pool.stats().moves;
  f.pool.players_lost(q_home, {q->guild()});
  f.settle();
  CHECK(f.pool.stats().moves == moves + 1);
  CHECK(f.count_events<player_moved>(q->guild()) >= 1);
  const auto q_now = q->snapshot().node;
  f.pool.players_lost(q_now == "node-0" ? "node-1" : "node-0", {q->guild()});  // not living there: ignored
  f.settle();
  CHECK(f.pool.stats().moves == moves + 1);
}

TEST_CASE("pool: a node that resumes within the failover grace keeps its players and takes no new ones meanwhile") {
  pool_config cfg = pool_fixture::quiet();
  cfg.failover_grace = std::chrono::hours{1};  // never expires here: only node_up ends it
  pool_fixture f(2, cfg);
  std::vector<std::shared_ptr<player>> players;
  for (std::uint64_t i = 0; i < 20; ++i) players.push_back(f.create_playing(i));
  f.settle();
  std::map<guild_id, std::string> home;
  for (auto& p : players) home[p->guild()] = p->snapshot().node;
  const auto on_0 = f.on_node("node-0");
  REQUIRE(on_0 > 0);

  f.pool.node_resuming("node-0");
  f.pool.node_resuming("node-0");  // another failed reconnect attempt: same grace
  f.io.restart();
  f.io.poll();  // everything ready to run; the grace timer keeps waiting
  auto s = f.pool.stats();
  CHECK(s.nodes[0].resuming);
  CHECK_FALSE(s.nodes[0].available);
  CHECK(f.pool.moves_pending() == 0);
  CHECK(f.on_node("node-0") == on_0);
  auto newcomer = f.create(guild_id{77});
  CHECK(newcomer->snapshot().node == "node-1");

  std::vector<guild_id> held;  // what node-0 reports after its resume
  for (auto& [g, _] : f.nodes[0]->players) held.push_back(g);
  REQUIRE(held.size() == on_0);
  f.pool.node_up("node-0", held);
  f.settle();
  s = f.pool.stats();
  CHECK_FALSE(s.nodes[0].resuming);
  CHECK(s.nodes[0].available);
  CHECK(s.moves == 0);
  CHECK(s.node_failures == 0);
  CHECK(s.node_resumes == 1);
  CHECK(f.nodes[0]->destroyed.empty());  // the players it holds are still ours
  for (auto& p : players) {
    CHECK(p->snapshot().node == home[p->guild()]);
    CHECK(f.count_events<player_moved>(p->guild()) == 0);
  }
}

TEST_CASE("pool: a node not back within the failover grace is declared dead and its players move") {
  pool_config cfg = pool_fixture::quiet();
  cfg.failover_grace = std::chrono::milliseconds{1};
  pool_fixture f(2, cfg);
  std::vector<std::shared_ptr<player>> players;
  for (std::uint64_t i = 0; i < 20; ++i) players.push_back(f.create_playing(i));
  f.settle();
  const auto on_0 = f.on_node("node-0");
  REQUIRE(on_0 > 0);
  f.nodes[0]->kill();
  f.pool.node_resuming("node-0");
  f.settle();  // runs until the grace timer has fired and every move is done
  auto s = f.pool.stats();
  CHECK(s.node_failures == 1);
  CHECK(s.node_resumes == 0);
  CHECK(s.moves == on_0);
  CHECK(f.on_node("node-0") == 0);
  CHECK(f.on_node("node-1") == 20);
  for (auto& p : players) CHECK(f.count_events<player_moved>(p->guild()) <= 1);

  // Coming back later is a plain node_up: nothing is counted as a resume.
  f.nodes[0]->revive();
  f.pool.node_up("node-0");
  f.settle();
  CHECK(f.pool.stats().node_resumes == 0);
}

TEST_CASE("pool: the failover grace is cut short by node_down, and a zero grace moves at once") {
  const bool zero_grace = GENERATE(false, true);
  INFO((zero_grace ? "zero grace" : "node_down during an hour of grace"));
  pool_config cfg = pool_fixture::quiet();
  cfg.failover_grace = zero_grace ? std::chrono::milliseconds{0} : std::chrono::hours{1};
  pool_fixture f(2, cfg);
  for (std::uint64_t i = 0; i < 10; ++i) f.create_playing(i);
  f.settle();
  const auto on_0 = f.on_node("node-0");
  f.nodes[0]->kill();
  f.pool.node_resuming("node-0");
  if (zero_grace)
    CHECK(f.pool.stats().node_failures == 1);  // declared dead inside the call, no timer
  else
    f.pool.node_down("node-0");  // the node stopped, or its session was not resumed
  f.settle();
  CHECK(f.pool.stats().node_failures == 1);
  CHECK(f.pool.stats().moves == on_0);
  CHECK(f.on_node("node-1") == 10);
  f.nodes[0]->revive();
  f.pool.node_up("node-0");
  CHECK(f.pool.stats().node_resumes == 0);
}
