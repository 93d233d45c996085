// The reference bot's parent survives kill -9 with its own sessions (issues 7 and 8), on the SQLite
// file (restart_env.hpp: the processes, Discord and Lavalink; restart_redis_test.cpp: the same on a
// Redis server). Each test asserts on the bots' replies and messages, on the SQLite file and on
// the players at the fake node. No assertion is about elapsed time.
#include "restart_env.hpp"

using restart_test::restart_env;
using restart_test::scenario;

TEST_CASE_METHOD(restart_env, "bot restart: kill -9 of the parent while three sessions play: every session is back and answers",
                 "[bot][restart]") {
  const auto before = start_all();
  REQUIRE(::kill(parent_pid(), SIGKILL) == 0);
  check_all(before);
}

TEST_CASE_METHOD(restart_env, "bot restart: kill -9 of the parent and both children: every session is back and answers",
                 "[bot][restart]") {
  kill_everyone_and_check();
}

TEST_CASE_METHOD(restart_env, "bot restart: a session whose voice channel was deleted meanwhile is closed and the user told",
                 "[bot][restart]") {
  const auto& own = scenario().front();
  start_session(own);
  REQUIRE(durable(own));

  REQUIRE(::kill(parent_pid(), SIGKILL) == 0);
  world->delete_channel(hanabi::guild_id{restart_test::guild}, hanabi::channel_id{own.voice});
  REQUIRE(run_until([&] { return parent->spawns("hanabi") == 2; }));
  REQUIRE(all_online());
  // Told where the session posted (the command's text channel, #10), and gone everywhere.
  REQUIRE(run_until([&] { return restart_test::has(printed, "[hanabi] cannot join voice channel 101"); }));
  REQUIRE(run_until([&] { return restart_test::has(printed, "Left <#101>:"); }));
  const auto told = printed.rfind("[hanabi] message", printed.find("Left <#101>:"));
  REQUIRE(told != std::string::npos);
  CHECK(restart_test::has(printed.substr(told, printed.find('\n', told) - told), "in #10"));
  REQUIRE(run_until([&] { return !player(own.bot_user); }));
  REQUIRE(stored_eventually(own, [](const auto& record) { return !record; }));
  expect("/bots user:11", "hanabi (parent): 🟢 up · 0 sessions");
}
