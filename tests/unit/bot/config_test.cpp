#include "test_data.hpp"
#include "core/config.hpp"

#include "environment.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <string>

using namespace bot;

namespace {

const std::string valid = R"([parent]
name = "hanabi"
token_env = "HANABI_TOKEN"
owner_id = "111"

[[children]]
name = "child-1"
token_env = "CHILD1_TOKEN"

[[children]]
name = "child-2"
token_env = "CHILD2_TOKEN"

[[nodes]]
name = "main"
host = "lavalink.local"
port = 2333
password_env = "LAVALINK_PASSWORD"
tls = true
regions = ["rotterdam", "frankfurt"]

[storage]
path = "data/hanabi.db"

[control]
address = "127.0.0.1"
port = 7401
secret_env = "CONTROL_SECRET"

[behaviour]
inactivity_timeout = 120
dj_role = "222"
now_playing_interval = 10
)";

config_error rejection(const std::string& toml) {
  auto r = parse_config(toml, "/etc/bot/bot.toml");
  REQUIRE_FALSE(r.has_value());
  return r.error();
}

// `valid` with the line containing `from` replaced by `to` (which may hold several lines).
std::string edit(const std::string& from, const std::string& to) {
  std::string s = valid;
  auto at = s.find(from);
  REQUIRE(at != std::string::npos);
  auto eol = s.find('\n', at);
  return s.replace(at, eol - at, to);
}

}  // namespace

TEST_CASE("config: a complete file is read into the aggregate", "[bot][config]") {
  auto c = parse_config(valid, "/etc/bot/bot.toml");
  REQUIRE(c.has_value());
  CHECK(c->parent.name == "hanabi");
  CHECK(c->parent.token_env == env_ref{"HANABI_TOKEN", {"/etc/bot/bot.toml", 3}});
  CHECK(c->owner == hanabi::user_id{111});
  REQUIRE(c->children.size() == 2);
  CHECK(c->children[1].name == "child-2");
  REQUIRE(c->nodes.size() == 1);
  CHECK(c->nodes[0].host == "lavalink.local");
  CHECK(c->nodes[0].port == 2333);
  CHECK(c->nodes[0].tls);
  CHECK(c->nodes[0].regions == std::vector<std::string>{"rotterdam", "frankfurt"});
  CHECK(c->storage_path == "/etc/bot/data/hanabi.db");
  CHECK(c->env_file == "/etc/bot/.env");
  CHECK(c->control.port == 7401);
  CHECK(c->inactivity_timeout == std::chrono::seconds(120));
  CHECK(c->dj_role == 222u);
  CHECK(c->now_playing_interval == std::chrono::seconds(10));
  CHECK(c->find_bot("child-1") == &c->children[0]);
  CHECK(c->find_bot("nobody") == nullptr);
}

TEST_CASE("config: defaults for what may be left out", "[bot][config]") {
  auto c = parse_config(R"([parent]
name = "solo"
token_env = "T"
[[nodes]]
name = "n"
host = "h"
password_env = "P"
)", "bot.toml");
  REQUIRE(c.has_value());
  CHECK(c->children.empty());
  CHECK(c->nodes[0].port == 2333);
  CHECK_FALSE(c->nodes[0].tls);
  CHECK(c->storage_path == "hanabi.db");
  CHECK(c->inactivity_timeout == std::chrono::seconds(300));
  CHECK_FALSE(c->dj_role);
  CHECK(c->control.secret_env.variable.empty());
}

TEST_CASE("config: a secret written in the TOML is refused with the variable to use", "[bot][config]") {
  auto e = rejection(edit("token_env = \"CHILD1_TOKEN\"", "token = \"abc.def\""));
  CHECK(e.code == errc::secret_in_config);
  CHECK(e.where.line == 8);
  CHECK(e.key == "children[0].token");
  CHECK(e.what().starts_with("/etc/bot/bot.toml:8: children[0].token: secrets are never read from the config"));
  CHECK_THAT(e.reason, Catch::Contains("token_env"));
  CHECK(rejection(edit("password_env = \"LAVALINK_PASSWORD\"", "password = \"youshallnotpass\"")).key ==
        "nodes[0].password");
  CHECK(rejection(edit("secret_env = \"CONTROL_SECRET\"", "secret = \"s\"")).code == errc::secret_in_config);
  CHECK(rejection(edit("dj_role = \"222\"", "bot_token = \"x\"")).key == "behaviour.bot_token");
}

TEST_CASE("config: every rejection names file, line and key", "[bot][config]") {
  struct rejected_case {
    std::string from, to;
    errc code;
    int line;
    std::string key;
  };
  const std::vector<rejected_case> cases{
      {"name = \"hanabi\"", "", errc::config_missing_key, 1, "parent.name"},
      {"name = \"hanabi\"", "name = 5", errc::config_wrong_type, 2, "parent.name"},
      {"name = \"hanabi\"", "name = \"Hanabi Bot\"", errc::config_invalid_value, 2, "parent.name"},
      {"name = \"child-2\"", "name = \"hanabi\"", errc::config_invalid_value, 11, "children[1].name"},
      {"token_env = \"HANABI_TOKEN\"", "token_env = \"1BAD-NAME\"", errc::config_invalid_value, 3, "parent.token_env"},
      {"owner_id = \"111\"", "owner_id = \"me\"", errc::config_invalid_value, 4, "parent.owner_id"},
      {"port = 2333", "port = 70000", errc::config_invalid_value, 17, "nodes[0].port"},
      {"port = 2333", "port = \"2333\"", errc::config_wrong_type, 17, "nodes[0].port"},
      {"tls = true", "tls = \"yes\"", errc::config_wrong_type, 19, "nodes[0].tls"},
      {"regions = [\"rotterdam\", \"frankfurt\"]", "regions = [1]", errc::config_wrong_type, 20, "nodes[0].regions"},
      {"host = \"lavalink.local\"", "hots = \"lavalink.local\"", errc::config_missing_key, 14, "nodes[0].host"},
      {"path = \"data/hanabi.db\"", "path = \"\"", errc::config_invalid_value, 23, "storage.path"},
      {"port = 7401", "port = 0", errc::config_invalid_value, 27, "control.port"},
      {"inactivity_timeout = 120", "inactivity_timeout = -1", errc::config_invalid_value, 31,
       "behaviour.inactivity_timeout"},
      {"now_playing_interval = 10", "now_playing_interval = 1", errc::config_invalid_value, 33,
       "behaviour.now_playing_interval"},
      {"dj_role = \"222\"", "dj_role = \"222\"\ncolour = \"red\"", errc::config_unknown_key, 33, "behaviour.colour"},
      {"[storage]", "[storage]\nbackend = \"sqlite\"", errc::config_unknown_key, 23, "storage.backend"},
      {"[storage]", "[storge]", errc::config_unknown_key, 22, "storge"},
  };
  for (const auto& c : cases) {
    INFO(c.from << " -> " << c.to);
    auto e = rejection(edit(c.from, c.to));
    CHECK(e.code == c.code);
    CHECK(e.where.file == "/etc/bot/bot.toml");
    CHECK(e.where.line == c.line);
    CHECK(e.key == c.key);
    CHECK(e.what() == "/etc/bot/bot.toml:" + std::to_string(c.line) + ": " + c.key + ": " + e.reason);
  }
}

TEST_CASE("config: structural rejections", "[bot][config]") {
  auto no_parent = rejection("[[nodes]]\nname = \"n\"\nhost = \"h\"\npassword_env = \"P\"\n");
  CHECK(no_parent.code == errc::config_missing_key);
  CHECK(no_parent.key == "parent");
  auto no_nodes = rejection("[parent]\nname = \"p\"\ntoken_env = \"T\"\n");
  CHECK(no_nodes.code == errc::config_missing_key);
  CHECK(no_nodes.key == "nodes");
  auto nodes_not_tables = rejection("nodes = 3\n[parent]\nname = \"p\"\ntoken_env = \"T\"\n");
  CHECK(nodes_not_tables.code == errc::config_wrong_type);
  CHECK(nodes_not_tables.where.line == 1);
  auto no_control = rejection(valid.substr(0, valid.find("[control]")));
  CHECK(no_control.code == errc::config_missing_key);
  CHECK(no_control.key == "control");
  auto duplicate_node = rejection(valid + "[[nodes]]\nname = \"main\"\nhost = \"h\"\npassword_env = \"P\"\n");
  CHECK(duplicate_node.code == errc::config_invalid_value);
  CHECK(duplicate_node.key == "nodes[1].name");
  CHECK(duplicate_node.where.line == 35);
}

TEST_CASE("config: a TOML syntax error gives its line", "[bot][config]") {
  auto e = rejection(edit("port = 2333", "port = = 2333"));
  CHECK(e.code == errc::config_syntax);
  CHECK(e.where.line == 17);
  CHECK(e.key.empty());
  CHECK(e.what().starts_with("/etc/bot/bot.toml:17: "));
}

TEST_CASE("config: an unreadable file", "[bot][config]") {
  auto r = load_config("/nonexistent/bot.toml");
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == errc::config_unreadable);
  CHECK(r.error().what() == "/nonexistent/bot.toml: cannot be read (does it exist?)");
}

TEST_CASE(".env files: KEY=VALUE, export, quotes, comments", "[bot][config]") {
  auto vars = parse_env_file(R"(# tokens
HANABI_TOKEN=abc.def.ghi
export CHILD1_TOKEN = spaced   # trailing comment
QUOTED="a \"quoted\" # not a comment\nnext"
SINGLE='raw \n $x'
EMPTY=
URL=http://host/#anchor
)", ".env");
  REQUIRE(vars.has_value());
  CHECK(vars->at("HANABI_TOKEN") == "abc.def.ghi");
  CHECK(vars->at("CHILD1_TOKEN") == "spaced");
  CHECK(vars->at("QUOTED") == "a \"quoted\" # not a comment\nnext");
  CHECK(vars->at("SINGLE") == "raw \\n $x");
  CHECK(vars->at("EMPTY").empty());
  CHECK(vars->at("URL") == "http://host/#anchor");
}

TEST_CASE(".env files: bad lines are rejected with their line", "[bot][config]") {
  auto no_eq = parse_env_file("A=1\n\nJUST_A_WORD\n", "/b/.env");
  REQUIRE_FALSE(no_eq.has_value());
  CHECK(no_eq.error().code == errc::env_syntax);
  CHECK(no_eq.error().what() == "/b/.env:3: JUST_A_WORD: is not a KEY=VALUE line");
  auto open_quote = parse_env_file("A=\"never closed\n", ".env");
  REQUIRE_FALSE(open_quote.has_value());
  CHECK(open_quote.error().where.line == 1);
  CHECK(parse_env_file("1A=x\n", ".env").error().code == errc::env_syntax);
  CHECK(parse_env_file("A=\"x\" junk\n", ".env").error().code == errc::env_syntax);
}

TEST_CASE("secrets: read from the environment for the process that runs", "[bot][config]") {
  auto c = parse_config(valid, "bot.toml");
  REQUIRE(c.has_value());
  auto env = env_of({{"HANABI_TOKEN", "parent-token"}, {"CHILD1_TOKEN", "c1"}, {"LAVALINK_PASSWORD", "pw"},
                     {"CONTROL_SECRET", "s3"}});
  auto parent = resolve_secrets(*c, env, "hanabi");
  REQUIRE(parent.has_value());
  CHECK(parent->token.reveal() == "parent-token");
  CHECK(parent->node_passwords.at("main").reveal() == "pw");
  CHECK(parent->control.reveal() == "s3");
  CHECK(resolve_secrets(*c, env, "child-1")->token.reveal() == "c1");

  auto missing = resolve_secrets(*c, env, "child-2");
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().code == errc::secret_missing);
  CHECK(missing.error().what() ==
        "bot.toml:12: CHILD2_TOKEN: the environment variable holding the token of `child-2` is not set (nor in .env)");
  auto empty = resolve_secrets(*c, env_of({{"HANABI_TOKEN", ""}}), "hanabi");
  CHECK(empty.error().code == errc::secret_missing);
  CHECK(resolve_secrets(*c, env, "stranger").error().code == errc::config_invalid_value);
}

TEST_CASE("secrets: the process environment wins over .env", "[bot][config]") {
  auto path = std::filesystem::temp_directory_path() / "hanabi-bot-env-test.env";
  {
    std::ofstream out(path);
    out << "HANABI_BOT_TEST_FROM_FILE=file\nPATH=from-file\n";
  }
  auto env = load_environment(path);
  std::filesystem::remove(path);
  REQUIRE(env.has_value());
  CHECK((*env)("HANABI_BOT_TEST_FROM_FILE") == "file");
  CHECK((*env)("PATH") != "from-file");
  CHECK_FALSE((*env)("HANABI_BOT_TEST_UNSET").has_value());
  CHECK(load_environment("/nonexistent/.env").has_value());  // no .env is fine
}

TEST_CASE("config: the shipped example config and .env example are valid", "[bot][config]") {
  const auto dir = hanabi::test::data_dir() / ".." / ".." / "examples" / "bot";
  auto c = load_config(dir / "bot.example.toml");
  INFO((c ? std::string() : c.error().what()));
  REQUIRE(c.has_value());
  CHECK(c->children.size() == 2);
  std::ifstream in(dir / ".env.example");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto vars = parse_env_file(text, ".env.example");
  REQUIRE(vars.has_value());
  auto env = env_of(*vars);
  auto parent = resolve_secrets(*c, env, "hanabi");
  REQUIRE(parent.has_value());
  CHECK(parent->node_passwords.at("main").reveal() == "youshallnotpass");
  CHECK(resolve_secrets(*c, env, "child-2")->token.reveal() == "your-second-child-token");
}
