// The router end to end on the parent's own sessions: script lines through the offline gateway,
// a real node client against the fake Lavalink node on loopback, and assertions on the rendered
// replies and on the player state at the node.
#include "parent_env.hpp"

using bot_test::parent_env;
using namespace std::chrono_literals;

TEST_CASE("router e2e: a user outside voice gets a short ephemeral error and no session") {
  parent_env env;
  auto text = env.command("/play query:lofi user:11");
  CHECK(text.find("You are not in a voice channel.") != std::string::npos);
  CHECK(env.last_reply().ephemeral);
  CHECK_FALSE(env.player());
  CHECK(env.command("/skip user:11 voice:101").find("Nothing is playing in your voice channel") != std::string::npos);
}

TEST_CASE("router e2e: play, queue, volume, pause, skip and disconnect on the parent's session") {
  parent_env env;
  CHECK(env.command(R"(/play query:"ytsearch:lofi" user:11 voice:101)").find("Playing **") != std::string::npos);
  REQUIRE(env.run_until([&] { auto p = env.player(); return p && p->track; }));
  CHECK(env.player()->voice_channel_id == std::optional<std::string>("101"));
  // The now-playing message is posted by the bot holding the session, with its buttons.
  REQUIRE(env.run_until([&] { return env.printed.find("np_skip") != std::string::npos; }));

  CHECK(env.command(R"(/play query:"ytsearch:rain" user:11)").find("at position 2") != std::string::npos);
  auto queue = env.command("/queue user:11");
  CHECK(queue.find("rain") != std::string::npos);

  CHECK(env.command("/volume setting:50 user:11").find("Volume set to 50%.") != std::string::npos);
  REQUIRE(env.run_until([&] { return env.player()->volume == 50; }));

  CHECK(env.command("/pause user:11").find("Paused.") != std::string::npos);
  REQUIRE(env.run_until([&] { return env.player()->paused; }));
  CHECK(env.command("/pause user:11").find("already") != std::string::npos);
  CHECK(env.last_reply().ephemeral);
  CHECK(env.command("/resume user:11").find("Resumed.") != std::string::npos);
  REQUIRE(env.run_until([&] { return !env.player()->paused; }));

  auto out_of_range = env.command("/skip to:9 user:11");
  CHECK(out_of_range.find("9") != std::string::npos);
  CHECK(out_of_range.find("1 to 2") != std::string::npos);
  CHECK(env.last_reply().ephemeral);
  CHECK(env.command("/skip by:0 user:11").find("Skipping by 0 would do nothing.") != std::string::npos);

  CHECK(env.command("/skip user:11").find("position 2") != std::string::npos);
  REQUIRE(env.run_until([&] { auto p = env.player(); return p && p->track && p->track->info.title.find("rain") != std::string::npos; }));

  CHECK(env.command("/seek time:1:00 user:11").find("Jumped to 1:00.") != std::string::npos);
  CHECK(env.command("/repeat mode:all user:11").find("Repeat: all.") != std::string::npos);
  CHECK(env.command("/history user:11").find("volume") != std::string::npos);
  CHECK(env.command("/filter preset name:nightcore user:11").find("Filters applied.") != std::string::npos);
  REQUIRE(env.run_until([&] { return env.player()->filters.contains("timescale"); }));

  CHECK(env.command("/disconnect user:11").find("Disconnected.") != std::string::npos);
  REQUIRE(env.run_until([&] { return !env.player(); }));
  REQUIRE(env.run_until([&] { return env.printed.find("Left <#101>: asked to leave.") != std::string::npos; }));
}

TEST_CASE("router e2e: the DJ role guards destructive commands and the player's stop button") {
  parent_env env({.rules = bot::permissions{.dj_role = 77, .owner = {}}});
  CHECK(env.command(R"(/play query:"ytsearch:lofi" user:11 voice:101)").find("Playing **") != std::string::npos);
  REQUIRE(env.run_until([&] { auto p = env.player(); return p && p->track; }));
  CHECK(env.command("/skip user:11").find("`skip` needs the DJ role.") != std::string::npos);
  CHECK(env.command("/clear user:11").find("needs the DJ role") != std::string::npos);
  REQUIRE(env.run_until([&] { return env.printed.find("np_stop") != std::string::npos; }));
  CHECK(env.command("@hanabi button:np_stop user:11").find("needs the DJ role") != std::string::npos);
  CHECK(env.player());  // still playing
  // The pause button is open to everyone in the channel.
  REQUIRE(env.runner->run("@hanabi button:np_pause user:11"));
  REQUIRE(env.run_until([&] { return env.player()->paused; }));
}

TEST_CASE("router e2e: an idle session leaves by itself and says so") {
  parent_env env({.inactivity = 300ms});
  CHECK(env.command(R"(/play query:"ytsearch:lofi" user:11 voice:101)").find("Playing **") != std::string::npos);
  REQUIRE(env.run_until([&] { auto p = env.player(); return p && p->track; }));
  CHECK(env.command("/stop user:11").find("Stopped.") != std::string::npos);
  REQUIRE(env.run_until([&] { return env.printed.find("Left <#101>: nothing played for a while.") != std::string::npos; }));
  REQUIRE(env.run_until([&] { return !env.player(); }));
}
