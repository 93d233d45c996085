#include "core/commands.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>

using namespace bot;

namespace {

const command_spec& find(const std::vector<command_spec>& all, const std::string& name) {
  auto it = std::find_if(all.begin(), all.end(), [&](const command_spec& c) { return c.name == name; });
  REQUIRE(it != all.end());
  return *it;
}

std::vector<std::string> names(const std::vector<command_spec>& all) {
  std::vector<std::string> out;
  for (const auto& c : all) out.push_back(c.name);
  return out;
}

}  // namespace

TEST_CASE("slash commands: every command of the bot, within Discord's limits", "[bot][commands]") {
  const auto all = slash_commands({"hanabi", "child-1", "child-2"});
  CHECK(discord_violation(all).empty());
  auto got = names(all);
  std::sort(got.begin(), got.end());
  std::vector<std::string> expected{"back",    "bots",    "clear",  "connect", "dequeue",   "disconnect", "enqueue",
                                    "filter",  "history", "move",   "nodes",   "nowplaying", "pause",     "play",
                                    "playlist", "queue",  "remove", "repeat",  "resume",    "search",     "seek",
                                    "shuffle", "skip",    "stop",   "unshuffle", "volume"};
  std::sort(expected.begin(), expected.end());
  CHECK(got == expected);

  CHECK(find(all, "connect").options.at(0).choices == std::vector<std::string>{"hanabi", "child-1", "child-2"});
  CHECK_FALSE(find(all, "connect").options.at(0).required);
  CHECK(names(find(all, "playlist").subcommands) ==
        std::vector<std::string>{"create", "add", "show", "list", "delete", "rename", "import", "export"});
  CHECK(names(find(all, "filter").subcommands) == std::vector<std::string>{"preset", "equalizer", "clear"});
  CHECK(find(all, "repeat").options.at(0).choices == std::vector<std::string>{"off", "one", "all"});
  CHECK(find(all, "enqueue").options.at(2).choices == std::vector<std::string>{"fifo", "next", "random", "interlace"});
  CHECK(find(all, "play").options.at(1).type == command_option_spec::kind::integer);
}

TEST_CASE("slash commands: each rule Discord enforces is checked", "[bot][commands]") {
  using kind = command_option_spec::kind;
  auto base = [] { return command_spec{"play", "Play", {{"query", "What", kind::string, true, {}}}, {}}; };

  auto upper = base();
  upper.name = "Play";
  CHECK(discord_violation({upper}) == "/Play: `Play` is not a valid name");

  auto long_description = base();
  long_description.description = std::string(101, 'x');
  CHECK(discord_violation({long_description}) == "/play: the description must have 1 to 100 characters");
  long_description.description = fmt::format("{}é", std::string(99, 'x'));  // 100 characters in 101 bytes
  CHECK(discord_violation({long_description}).empty());

  auto order = base();
  order.options.insert(order.options.begin(), {"position", "Where", kind::integer, false, {}});
  CHECK(discord_violation({order}) == "/play query: a required option follows an optional one");

  auto twice = base();
  twice.options.push_back(twice.options[0]);
  twice.options[1].required = false;
  CHECK(discord_violation({twice}) == "/play query: the name is used twice");

  auto many = base();
  for (int i = 0; i < 25; ++i) many.options.push_back({fmt::format("o{}", i), "x", kind::string, false, {}});
  CHECK(discord_violation({many}) == "/play: more than 25 options");

  CHECK(discord_violation({base(), base()}) == "/play: the name is used twice");

  auto mixed = base();
  mixed.subcommands.push_back({"sub", "Sub", {}, {}});
  CHECK(discord_violation({mixed}) == "/play: a command has either options or subcommands");

  auto bad_sub = command_spec{"playlist", "Lists", {}, {{"Create", "Make one", {}, {}}}};
  CHECK(discord_violation({bad_sub}) == "/playlist Create: `Create` is not a valid name");
}
