// The config keys of the children as processes: which children the parent runs, and how long a
// child stays without its parent.
#include "core/config.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace bot;

namespace {

const std::string with_children = R"([parent]
name = "hanabi"
token_env = "HANABI_TOKEN"

[[children]]
name = "child-1"
token_env = "CHILD1_TOKEN"

[[children]]
name = "far-away"
token_env = "FAR_TOKEN"
spawn = false

[[nodes]]
name = "main"
host = "127.0.0.1"
password_env = "LAVALINK_PASSWORD"

[control]
address = "0.0.0.0"
port = 7400
secret_env = "CONTROL_SECRET"
orphan_grace = 10
)";

config_error rejection(std::string toml, const std::string& from, const std::string& to) {
  toml.replace(toml.find(from), from.size(), to);
  auto r = parse_config(toml, "bot.toml");
  REQUIRE_FALSE(r.has_value());
  return r.error();
}

}  // namespace

TEST_CASE("config: children the parent runs, children that dial in, and the orphan grace", "[bot][config]") {
  auto c = parse_config(with_children, "bot.toml");
  REQUIRE(c.has_value());
  REQUIRE(c->children.size() == 2);
  CHECK(c->children[0].spawn);  // the default: the parent runs it
  CHECK_FALSE(c->children[1].spawn);
  CHECK(c->control.address == "0.0.0.0");
  CHECK(c->control.orphan_grace == std::chrono::seconds(10));

  std::string no_grace = with_children;
  no_grace.erase(no_grace.find("orphan_grace = 10\n"));
  auto d = parse_config(no_grace, "bot.toml");
  REQUIRE(d.has_value());
  CHECK(d->control.orphan_grace == std::chrono::seconds(30));
}

TEST_CASE("config: bad children keys are rejected with file, line and key", "[bot][config]") {
  auto spawn_text = rejection(with_children, "spawn = false", "spawn = \"no\"");
  CHECK(spawn_text.code == errc::config_wrong_type);
  CHECK(spawn_text.what().starts_with("bot.toml:12: children[1].spawn: "));

  auto parent_spawn = rejection(with_children, "token_env = \"HANABI_TOKEN\"", "token_env = \"HANABI_TOKEN\"\nspawn = true");
  CHECK(parent_spawn.code == errc::config_unknown_key);
  CHECK(parent_spawn.key == "parent.spawn");

  auto zero_grace = rejection(with_children, "orphan_grace = 10", "orphan_grace = 0");
  CHECK(zero_grace.code == errc::config_invalid_value);
  CHECK(zero_grace.what().starts_with("bot.toml:23: control.orphan_grace: "));
}
