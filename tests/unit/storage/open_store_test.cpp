// storage::open_store in a program that does not link hanabi::redis (this unit test executable
// links libhanabi alone): asking for Redis is a typed error when the store is opened.
#include <hanabi/storage/open_store.hpp>

#include <boost/asio/io_context.hpp>

#include <catch2/catch.hpp>

TEST_CASE("open_store: Redis in a program built without hanabi::redis is invalid_argument, saying why", "[storage]") {
  REQUIRE_FALSE(hanabi::storage::redis_store_built);  // this executable does not link hanabi::redis
  boost::asio::io_context io;
  hanabi::storage::redis_store_config redis;
  redis.unix_socket = "/nonexistent/redis.sock";
  auto opened = hanabi::storage::open_store(io.get_executor(), redis);
  REQUIRE_FALSE(opened.has_value());
  CHECK(opened.error().code == hanabi::error::invalid_argument);
  CHECK(opened.error().diag.best_message().find("without the Redis store") != std::string::npos);
}
