// storage::redis_connection on its own, against a real redis-server: what the Redis store and
// the example bot's side tables rely on (replies in order and binary-safe, error replies and a
// lost server as typed errors, a WATCHed key that changed aborting a transaction, reconnecting).
#include "redis_server.hpp"

#include <hanabi/storage/redis_connection.hpp>

#include <catch2/catch.hpp>

#include <string>

using hanabi::storage::redis_connection;
using hanabi::storage::redis_reply;
using hanabi::test::raw_redis;
using hanabi::test::redis_server;
using hanabi::test::temp_dir;

TEST_CASE("redis connection: replies come back in order, binary-safe, and an error reply is a typed error",
          "[redis]") {
  temp_dir dir;
  redis_server server(dir.path());
  redis_connection redis(server.config(""));
  CHECK_FALSE(redis.connected());
  REQUIRE(redis.connect());
  CHECK(redis.connected());

  const std::string binary("a\0b\r\n\xff", 6);
  auto set = redis.command({"SET", "blob", binary});
  REQUIRE(set);
  CHECK(set->type == redis_reply::kind::status);
  auto got = redis.command({"GET", "blob"});
  REQUIRE(got);
  CHECK(got->type == redis_reply::kind::string);
  CHECK(got->str == binary);
  auto missing = redis.command({"GET", "nothing here"});
  REQUIRE(missing);
  CHECK(missing->type == redis_reply::kind::nil);

  auto counted = redis.pipeline({{"INCR", "n"}, {"INCRBY", "n", "10"}, {"RPUSH", "list", "x", "y"}, {"LRANGE", "list", "0", "-1"}});
  REQUIRE(counted);
  REQUIRE(counted->size() == 4);
  CHECK((*counted)[0].integer == 1);
  CHECK((*counted)[1].integer == 11);
  CHECK((*counted)[2].integer == 2);
  REQUIRE((*counted)[3].type == redis_reply::kind::array);
  REQUIRE((*counted)[3].elements.size() == 2);
  CHECK((*counted)[3].elements[1].str == "y");

  auto wrong_type = redis.command({"INCR", "list"});
  REQUIRE(wrong_type.has_error());
  CHECK(wrong_type.error().code == hanabi::error::storage_failure);
  CHECK_THAT(wrong_type.error().diag.client_message(), Catch::Contains("WRONGTYPE"));
  CHECK(redis.connected());  // an error reply is not a lost connection
}

TEST_CASE("redis connection: a transaction writes all or, when a watched key changed, nothing", "[redis]") {
  temp_dir dir;
  redis_server server(dir.path());
  redis_connection redis(server.config(""));
  raw_redis behind(server.socket());

  auto written = redis.transaction({{"SET", "a", "1"}, {"SET", "b", "2"}});
  REQUIRE(written);
  REQUIRE(written->has_value());
  CHECK((*written)->size() == 2);
  CHECK(behind.command({"GET", "b"}).text == "2");

  REQUIRE(redis.command({"WATCH", "a"}));
  behind.command({"SET", "a", "changed"});
  auto aborted = redis.transaction({{"SET", "a", "mine"}, {"SET", "c", "3"}});
  REQUIRE(aborted);
  CHECK_FALSE(aborted->has_value());
  CHECK(behind.command({"GET", "a"}).text == "changed");
  CHECK(behind.command({"EXISTS", "c"}).integer == 0);
}

TEST_CASE("redis connection: a lost server is storage_unavailable, and the next call connects again", "[redis]") {
  temp_dir dir;
  redis_server server(dir.path(), {true, {}});
  redis_connection redis(server.config(""));
  REQUIRE(redis.command({"SET", "kept", "yes"}));

  server.kill();
  auto lost = redis.command({"GET", "kept"});
  REQUIRE(lost.has_error());
  CHECK(lost.error().code == hanabi::error::storage_unavailable);
  CHECK_THAT(lost.error().diag.client_message(), Catch::Contains("redis.sock"));
  CHECK_FALSE(redis.connected());
  auto still_down = redis.command({"GET", "kept"});
  REQUIRE(still_down.has_error());
  CHECK(still_down.error().code == hanabi::error::storage_unavailable);

  server.start();  // reloads its append-only file
  auto back = redis.command({"GET", "kept"});
  REQUIRE(back);
  CHECK(back->str == "yes");
  CHECK(redis.connected());
}
