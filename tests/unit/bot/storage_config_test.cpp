// [storage]: the SQLite file by default, or a Redis server; what the bot opens from it.
#include "core/config.hpp"
#include "core/text_channels.hpp"

#include "environment.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <variant>

using namespace bot;

namespace {

std::string with_storage(const std::string& storage_body) {
  return "[parent]\nname = \"hanabi\"\ntoken_env = \"HANABI_TOKEN\"\n\n"
         "[[nodes]]\nname = \"main\"\nhost = \"127.0.0.1\"\npassword_env = \"LAVALINK_PASSWORD\"\n\n"
         "[storage]\n" +
         storage_body;
}

config_error storage_rejection(const std::string& storage_body) {
  auto r = parse_config(with_storage(storage_body), "/etc/bot/bot.toml");
  REQUIRE_FALSE(r.has_value());
  return r.error();
}

}  // namespace

TEST_CASE("storage config: a config without kind stays the SQLite file it was", "[bot][config][storage]") {
  auto c = parse_config(with_storage("path = \"data/hanabi.db\"\n"), "/etc/bot/bot.toml");
  REQUIRE(c.has_value());
  CHECK_FALSE(c->redis);
  CHECK(c->storage_path == "/etc/bot/data/hanabi.db");
  auto explicit_kind = parse_config(with_storage("kind = \"sqlite\"\npath = \"data/hanabi.db\"\n"), "/etc/bot/bot.toml");
  REQUIRE(explicit_kind.has_value());
  CHECK_FALSE(explicit_kind->redis);
  CHECK(explicit_kind->storage_path == "/etc/bot/data/hanabi.db");

  const auto opened = store_config_of(*c, {}, hanabi::logger::none());
  REQUIRE(std::holds_alternative<hanabi::storage::sqlite_store_config>(opened));
  CHECK(std::get<hanabi::storage::sqlite_store_config>(opened).path == "/etc/bot/data/hanabi.db");
}

TEST_CASE("storage config: kind redis reads the server, prefix, database, lease and password variable",
          "[bot][config][storage]") {
  auto c = parse_config(with_storage("kind = \"redis\"\nhost = \"10.0.0.5\"\nport = 6380\npassword_env = \"REDIS_PASSWORD\"\n"
                                     "database = 2\nkey_prefix = \"music:\"\nclaim_lease = 20\n"),
                        "/etc/bot/bot.toml");
  INFO((c ? "" : c.error().what()));
  REQUIRE(c.has_value());
  REQUIRE(c->redis);
  CHECK(c->redis->host == "10.0.0.5");
  CHECK(c->redis->port == 6380);
  CHECK(c->redis->unix_socket.empty());
  CHECK(c->redis->password_env == env_ref{"REDIS_PASSWORD", {"/etc/bot/bot.toml", 14}});
  CHECK(c->redis->database == 2);
  CHECK(c->redis->key_prefix == "music:");
  CHECK(c->redis->claim_lease == std::chrono::seconds{20});

  auto s = resolve_secrets(*c, env_of({{"HANABI_TOKEN", "t"}, {"LAVALINK_PASSWORD", "p"}, {"REDIS_PASSWORD", "r3d1s"}}),
                           "hanabi");
  REQUIRE(s.has_value());
  CHECK(s->store_password.reveal() == "r3d1s");
  const auto opened = store_config_of(*c, *s, hanabi::logger::none());
  REQUIRE(std::holds_alternative<hanabi::storage::redis_store_config>(opened));
  const auto& redis = std::get<hanabi::storage::redis_store_config>(opened);
  CHECK(redis.host == "10.0.0.5");
  CHECK(redis.port == 6380);
  CHECK(redis.password.reveal() == "r3d1s");
  CHECK(redis.database == 2);
  CHECK(redis.key_prefix == "music:");
}

TEST_CASE("storage config: Redis defaults, a unix socket, and no password unless named", "[bot][config][storage]") {
  auto c = parse_config(with_storage("kind = \"redis\"\nunix_socket = \"/run/redis/redis.sock\"\n"), "/etc/bot/bot.toml");
  REQUIRE(c.has_value());
  REQUIRE(c->redis);
  CHECK(c->redis->unix_socket == "/run/redis/redis.sock");
  CHECK(c->redis->key_prefix == "hanabi:");
  CHECK(c->redis->database == 0);
  CHECK(c->redis->claim_lease == std::chrono::seconds{15});
  auto s = resolve_secrets(*c, env_of({{"HANABI_TOKEN", "t"}, {"LAVALINK_PASSWORD", "p"}}), "hanabi");
  REQUIRE(s.has_value());
  CHECK(s->store_password.reveal().empty());
}

TEST_CASE("storage config: bad storage settings are refused with their key", "[bot][config][storage]") {
  CHECK(storage_rejection("kind = \"postgres\"\n").key == "storage.kind");
  CHECK(storage_rejection("kind = \"postgres\"\n").code == errc::config_invalid_value);
  CHECK(storage_rejection("kind = \"redis\"\npath = \"hanabi.db\"\n").key == "storage.path");
  CHECK(storage_rejection("kind = \"redis\"\nkey_prefix = \"\"\n").key == "storage.key_prefix");
  CHECK(storage_rejection("kind = \"redis\"\nport = 0\n").key == "storage.port");
  CHECK(storage_rejection("kind = \"redis\"\nclaim_lease = 1\n").key == "storage.claim_lease");
  CHECK(storage_rejection("kind = \"redis\"\npassword = \"hunter2\"\n").code == errc::secret_in_config);
  CHECK(storage_rejection("host = \"10.0.0.5\"\n").code == errc::config_unknown_key);  // a Redis key with SQLite

  auto c = parse_config(with_storage("kind = \"redis\"\npassword_env = \"REDIS_PASSWORD\"\n"), "/etc/bot/bot.toml");
  REQUIRE(c.has_value());
  auto missing = resolve_secrets(*c, env_of({{"HANABI_TOKEN", "t"}, {"LAVALINK_PASSWORD", "p"}}), "hanabi");
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().code == errc::secret_missing);
  CHECK(missing.error().key == "REDIS_PASSWORD");
}
