// Node selection: penalties, reservations, region affinity, strategies and the guild cache.
#include <hanabi/node/selection.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>

using namespace hanabi;

namespace {
node_load load_of(std::string name, int playing = 0, double load = 0.0) {
  node_load n;
  n.name = std::move(name);
  n.playing_players = playing;
  n.system_load = load;
  return n;
}
std::map<std::string, int> place(node_selector& sel, const std::vector<node_load>& nodes, int count,
                                 std::uint64_t first_guild = 1) {
  std::map<std::string, int> per_node;
  for (int i = 0; i < count; ++i) {
    auto pick = sel.select(nodes, {guild_id{first_guild + static_cast<std::uint64_t>(i)}, {}});
    REQUIRE(pick);
    ++per_node[nodes[*pick].name];
  }
  return per_node;
}
}  // namespace

TEST_CASE("selection: the classic penalty follows Lavalink-Client's formula") {
  CHECK(classic_penalty(load_of("a")) == Approx(0.0));
  CHECK(classic_penalty(load_of("a", 10)) == Approx(10.0));
  CHECK(classic_penalty(load_of("a", 10), 5) == Approx(15.0));
  CHECK(classic_penalty(load_of("a", 0, 0.5)) == Approx(std::pow(1.05, 50.0) * 10 - 10));
  auto n = load_of("a");
  n.frames = protocol::frame_stats{2900, 30, 70};
  const double deficit = std::pow(1.03, 500.0 * 70 / 3000) * 600 - 600;
  const double nulled = (std::pow(1.03, 500.0 * 30 / 3000) * 300 - 300) * 2;
  CHECK(classic_penalty(n) == Approx(deficit + nulled));
  n.frames = protocol::frame_stats{6000, 0, -3000};  // too many frames is no penalty
  CHECK(classic_penalty(n) == Approx(0.0));
}

TEST_CASE("selection: the failure penalty and a node whose every load failed") {
  auto n = load_of("a");
  CHECK(failure_penalty(n) == 0.0);
  n.stuck_per_minute = 1;
  n.exceptions_per_minute = 2;
  n.loads_attempted_per_minute = 4;
  n.loads_failed_per_minute = 1;
  CHECK(failure_penalty(n) == Approx(100 + 20 + 25));
  n.loads_failed_per_minute = 4;
  CHECK(failure_penalty(n) == unusable_penalty);
}

TEST_CASE("selection: voice regions from Discord endpoints") {
  CHECK(voice_region("rotterdam2744.discord.media:443") == "rotterdam");
  CHECK(voice_region("us-east123.discord.gg") == "us-east");
  CHECK(voice_region("c-fra05-3e4f1a2b.discord.media:2096") == "fra");
  CHECK(voice_region("Frankfurt12.discord.media:443") == "frankfurt");
  CHECK(voice_region("").empty());
  CHECK(voice_region("1.2.3.4:443").empty());
}

TEST_CASE("selection: 100 placements at once do not pile onto one node thanks to reservations") {
  std::vector<node_load> nodes{load_of("a"), load_of("b"), load_of("c")};
  node_selector sel;
  auto spread = place(sel, nodes, 100);
  REQUIRE(spread.size() == 3);
  for (auto& [name, count] : spread) {
    INFO(name);
    CHECK(count >= 33);
    CHECK(count <= 34);
  }
  // Without the reservation book every placement would see the same stats, hence the same node.
  CHECK(classic_penalty(nodes[0]) == classic_penalty(nodes[1]));
}

TEST_CASE("selection: reservations fill the lighter nodes up to the loaded one, then spread") {
  std::vector<node_load> nodes{load_of("busy", 40), load_of("b"), load_of("c")};
  node_selector sel;
  auto spread = place(sel, nodes, 80);
  CHECK(spread["b"] == 40);
  CHECK(spread["c"] == 40);
  CHECK(spread.count("busy") == 0);
  spread = place(sel, nodes, 30, 1000);  // all at 40 now: they share evenly
  CHECK(spread["busy"] == 10);
  CHECK(spread["b"] == 10);
  CHECK(spread["c"] == 10);
}

TEST_CASE("selection: a confirmed placement counts until the node's next stats") {
  std::vector<node_load> nodes{load_of("a"), load_of("b")};
  node_selector sel;
  auto first = sel.select(nodes, {guild_id{1}, {}});
  REQUIRE(first);
  CHECK(sel.reserved(nodes[*first].name) == 1);
  sel.confirm(nodes[*first].name);
  CHECK(sel.reserved(nodes[*first].name) == 1);
  auto second = sel.select(nodes, {guild_id{2}, {}});
  CHECK(*second != *first);
  sel.on_stats(nodes[*first].name);  // the fresh stats now include the player
  CHECK(sel.reserved(nodes[*first].name) == 0);
  sel.cancel(nodes[*second].name);
  CHECK(sel.reserved(nodes[*second].name) == 0);
  sel.cancel("unknown");  // harmless
}

TEST_CASE("selection: nodes that are down or accept no new players are skipped") {
  std::vector<node_load> nodes{load_of("down"), load_of("draining"), load_of("ok", 500, 0.9)};
  nodes[0].available = false;
  nodes[1].accepts_new_players = false;
  node_selector sel;
  CHECK(sel.select(nodes, {guild_id{1}, {}}) == 2u);
  nodes[2].available = false;
  CHECK_FALSE(sel.select(nodes, {guild_id{2}, {}}));
  CHECK_FALSE(sel.select({}, {guild_id{3}, {}}));
}

TEST_CASE("selection: the choice is cached per guild while its node stays eligible") {
  std::vector<node_load> nodes{load_of("a"), load_of("b")};
  node_selector sel;
  auto pick = sel.select(nodes, {guild_id{9}, {}});
  nodes[*pick].playing_players = 100;  // much busier now; the guild stays
  CHECK(sel.select(nodes, {guild_id{9}, {}}) == pick);
  CHECK(sel.cached(guild_id{9}) == nodes[*pick].name);
  nodes[*pick].accepts_new_players = false;  // draining: the guild goes elsewhere
  auto moved = sel.select(nodes, {guild_id{9}, {}});
  REQUIRE(moved);
  CHECK(*moved != *pick);
  sel.forget_node(nodes[*moved].name);
  CHECK_FALSE(sel.cached(guild_id{9}));
  sel.select(nodes, {guild_id{10}, {}});
  sel.forget_guild(guild_id{10});
  CHECK_FALSE(sel.cached(guild_id{10}));
}

TEST_CASE("selection: region affinity prefers nodes of the endpoint's region, else any") {
  std::vector<node_load> nodes{load_of("eu", 50), load_of("us", 0)};
  nodes[0].regions = {"rotterdam", "frankfurt"};
  nodes[1].regions = {"us-east"};
  node_selector sel;
  CHECK(sel.select(nodes, {guild_id{1}, "rotterdam2744.discord.media:443"}) == 0u);
  CHECK(sel.select(nodes, {guild_id{2}, "sydney3.discord.media:443"}) == 1u);
  CHECK(sel.select(nodes, {guild_id{3}, {}}) == 1u);
  nodes[0].available = false;
  CHECK(sel.select(nodes, {guild_id{4}, "rotterdam1.discord.media:443"}) == 1u);

  node_selector no_affinity{{selection_strategy::penalty, false, {}}};
  CHECK(no_affinity.select(nodes, {guild_id{5}, "rotterdam2744.discord.media:443"}) == 1u);
}

TEST_CASE("selection: failure rates steer placements only under penalty_and_failures") {
  std::vector<node_load> nodes{load_of("flaky"), load_of("steady", 20)};
  nodes[0].stuck_per_minute = 1;
  node_selector with_failures;
  CHECK(with_failures.select(nodes, {guild_id{1}, {}}) == 1u);
  node_selector classic{{selection_strategy::penalty, true, {}}};
  CHECK(classic.select(nodes, {guild_id{1}, {}}) == 0u);
  // A node failing every load is used only when nothing else is left.
  nodes[0] = load_of("broken");
  nodes[0].loads_attempted_per_minute = nodes[0].loads_failed_per_minute = 3;
  nodes[1].playing_players = 5000;
  CHECK(with_failures.select(nodes, {guild_id{2}, {}}) == 1u);
  nodes[1].available = false;
  CHECK(with_failures.select(nodes, {guild_id{3}, {}}) == 0u);
}

TEST_CASE("selection: round-robin cycles over the eligible nodes") {
  std::vector<node_load> nodes{load_of("a", 900), load_of("b"), load_of("c")};
  nodes[2].accepts_new_players = false;
  node_selector sel{{selection_strategy::round_robin, true, {}}};
  auto spread = place(sel, nodes, 10);
  CHECK(spread["a"] == 5);
  CHECK(spread["b"] == 5);
  CHECK(spread.count("c") == 0);
}

TEST_CASE("selection: a custom function sees only eligible nodes and is checked") {
  std::vector<node_load> nodes{load_of("down"), load_of("x"), load_of("y")};
  nodes[0].available = false;
  std::vector<std::string> offered;
  node_selector sel{{selection_strategy::custom, true,
                     [&](std::span<const node_load> ns, const placement_request& req) -> std::optional<std::size_t> {
                       offered.clear();
                       for (auto& n : ns) offered.push_back(n.name);
                       return req.guild.value() % 2 == 0 ? std::optional<std::size_t>{1} : std::optional<std::size_t>{7};
                     }}};
  CHECK(sel.select(nodes, {guild_id{2}, {}}) == 2u);
  CHECK(offered == std::vector<std::string>{"x", "y"});
  CHECK_FALSE(sel.select(nodes, {guild_id{3}, {}}));  // index 7 does not exist
  node_selector missing{{selection_strategy::custom, true, {}}};
  CHECK_FALSE(missing.select(nodes, {guild_id{4}, {}}));
}
