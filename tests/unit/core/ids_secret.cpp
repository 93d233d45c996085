#include <hanabi/ids.hpp>
#include <hanabi/logger.hpp>
#include <hanabi/secret.hpp>
#include <hanabi/version.hpp>

#include <catch2/catch.hpp>

#include <sstream>

using namespace hanabi;

TEST_CASE("snowflakes parse the decimal wire form and nothing else") {
  auto g = guild_id::parse("817327181659111454");
  REQUIRE(g);
  CHECK(g->value() == 817327181659111454ULL);
  CHECK(g->str() == "817327181659111454");
  CHECK(fmt::format("{}", *g) == "817327181659111454");
  CHECK(guild_id::parse("18446744073709551615"));
  for (auto bad : {"", "-1", " 1", "1 ", "18446744073709551616", "12a", "0x10"})
    CHECK(guild_id::parse(bad).error().code == error::invalid_snowflake);
}

TEST_CASE("a secret never prints") {
  secret s{"youshallnotpass"};
  CHECK(fmt::format("{}", s) == "<redacted>");
  std::ostringstream os;
  os << s;
  CHECK(os.str() == "<redacted>");
  CHECK(s.reveal() == "youshallnotpass");
}

TEST_CASE("the logger filters by level and prefixes messages") {
  std::vector<std::string> lines;
  logger log{log_level::info, [&](log_level, std::string_view m) { lines.emplace_back(m); }};
  auto node_log = log.with_prefix("node-1");
  node_log.debug("hidden {}", 1);
  node_log.warn("shown {}", 2);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0] == "[node-1] shown 2");
  logger::none().error("nothing");
}

TEST_CASE("client name carries the version") {
  CHECK(client_name == std::string("hanabi/") + std::string(version));
}
