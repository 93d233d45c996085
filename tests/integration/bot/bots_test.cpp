// /bots end to end with real child processes: each bot's sessions and health (a child's control
// link latency from its heartbeats, its uptime and its restarts by the supervisor; the parent's
// nodes), and a child killed with SIGKILL shown down, then up again after its restart.
#include "children_env.hpp"
#include "parent_env.hpp"

#include <csignal>
#include <regex>

using bot_test::child1_id;
using bot_test::children_env;
using bot_test::contains;

namespace {

// The latency /bots shows for `bot` ("child-1 (child): 🟢 up · … · link 0.42 ms"), or none.
std::optional<double> shown_latency(const std::string& bots, const std::string& bot) {
  const std::regex row(bot + R"( \(child\): [^\n]* · link ([0-9]+\.[0-9]+) ms)");
  std::smatch m;
  if (!std::regex_search(bots, m, row)) return std::nullopt;
  return std::stod(m[1]);
}

}  // namespace

TEST_CASE("children e2e: /bots shows sessions and health, a killed child goes down and comes back up with restarts 1",
          "[bot][children]") {
  children_env env;
  env.parent_and_child1_play("rain");
  auto& manager = env.bots->parent().manager();
  auto link_of = [&](const std::string& name) { return manager.server().find(name); };
  // The latency comes from the heartbeats: wait for each child's first answered one.
  REQUIRE(env.run_until([&] { return link_of("child-1").health().round_trip && link_of("child-2").health().round_trip; }));
  CHECK(link_of("child-1").health().round_trip->count() > 0);

  auto bots = env.command("/bots user:11");
  INFO(bots);
  CHECK(contains(bots, "hanabi (parent): 🟢 up · 1 session · up "));
  CHECK(contains(bots, " · nodes 1/1 up"));
  CHECK(contains(bots, "child-1 (child): 🟢 up · 1 session · link "));
  CHECK(contains(bots, "child-2 (child): 🟢 up · 0 sessions · link "));
  const auto latency = shown_latency(bots, "child-1");
  REQUIRE(latency);
  CHECK(*latency > 0);
  CHECK(shown_latency(bots, "child-2") > 0);
  CHECK(std::regex_search(bots, std::regex(R"(child-1 \(child\): [^\n]* · up [0-9]+[smh][^\n]* · restarts 0)")));

  // kill -9: the link drops at once, /bots says down.
  auto* children = env.bots->parent().children();
  REQUIRE(children);
  const auto pid = children->pid("child-1");
  REQUIRE(pid);
  REQUIRE(::kill(*pid, SIGKILL) == 0);
  REQUIRE(env.run_until([&] { return !link_of("child-1").is_up(); }));
  auto down = env.command("/bots user:11");
  INFO(down);
  CHECK(contains(down, "child-1 (child): 🔴 down · 0 sessions"));
  CHECK_FALSE(shown_latency(down, "child-1"));
  CHECK(contains(down, "child-2 (child): 🟢 up"));

  // The supervisor runs it again; it recovers its session and registers: up, restarted once.
  REQUIRE(env.run_until([&] { return children->spawns("child-1") == 2 && link_of("child-1").is_up(); }));
  REQUIRE(env.run_until([&] {
    auto s = manager.find(hanabi::channel_id{102});
    return s && s->bot() == "child-1";
  }));
  REQUIRE(env.run_until([&] { return link_of("child-1").health().round_trip.has_value(); }));
  auto again = env.command("/bots user:11");
  INFO(again);
  CHECK(contains(again, "child-1 (child): 🟢 up · 1 session · link "));
  CHECK(shown_latency(again, "child-1") > 0);
  CHECK(contains(again, " · restarts 1"));
  CHECK(env.plays(child1_id, "rain"));
}
