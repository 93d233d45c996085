// The bot with real child processes (issue 8): three sessions in one guild on the parent, child-1
// and child-2, commands on a child's session, its ⏹ button, its inactivity leave, and a kill -9
// of a child while it plays. Each asserts on the replies and messages of the bots and on the
// players at the fake Lavalink node.
#include "children_env.hpp"

#include <csignal>

using namespace bot_test;

namespace {

bool mentions(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Whether a printed block after `from` starts with `who` and holds both `where` and `what`.
bool posted_since(const std::string& printed, std::size_t from, const std::string& who, const std::string& where,
                  const std::string& what) {
  for (auto at = printed.find(who, from); at != std::string::npos; at = printed.find(who, at + 1)) {
    const auto block = printed.substr(at, printed.find("\n[", at + 1) - at);
    if (mentions(block, where) && mentions(block, what)) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("children e2e: three sessions in one guild on three bots, the fourth channel gets all busy",
          "[bot][children]") {
  children_env env;
  CHECK(mentions(env.command(R"(/play query:"ytsearch:lofi" user:11 voice:101)"), "Playing **lofi"));
  CHECK(mentions(env.command(R"(/play query:"ytsearch:rain" user:12 voice:102)"), "Playing **rain"));
  // Typed in another text channel: child-2 posts its messages there.
  CHECK(mentions(env.command(R"(/play query:"ytsearch:jazz" user:13 voice:103 channel:30)"), "Playing **jazz"));
  auto busy = env.command(R"(/play query:"ytsearch:pop" user:14 voice:104)");
  CHECK(mentions(busy, "all 3 bots are busy in this server"));
  CHECK(env.last_reply().ephemeral);

  // Each bot plays its own channel's track, in the voice channel of its session.
  REQUIRE(env.run_until([&] { return env.plays(parent_id, "lofi") && env.plays(child1_id, "rain") && env.plays(child2_id, "jazz"); }));
  CHECK(env.player(parent_id)->voice_channel_id == std::optional<std::string>("101"));
  CHECK(env.player(child1_id)->voice_channel_id == std::optional<std::string>("102"));
  CHECK(env.player(child2_id)->voice_channel_id == std::optional<std::string>("103"));
  CHECK(env.node.sessions().size() == 3);  // one Lavalink session per bot user

  // The manager knows where each session lives.
  auto& sessions = env.bots->parent().manager();
  CHECK(sessions.find(hanabi::channel_id{101})->bot() == "hanabi");
  CHECK(sessions.find(hanabi::channel_id{102})->bot() == "child-1");
  CHECK(sessions.find(hanabi::channel_id{103})->bot() == "child-2");
  CHECK_FALSE(sessions.find(hanabi::channel_id{104}));

  // Each child posted its own now-playing message, with its buttons, in its command's channel.
  REQUIRE(env.printed_eventually("[child-1] message 1 in #10:"));
  REQUIRE(env.printed_eventually("[child-2] message 1 in #30:"));
  CHECK(mentions(env.printed, "— child-1"));
  CHECK(mentions(env.printed, "— child-2"));
  CHECK(mentions(env.command("/bots user:11"), "child-2 (child): 🟢 up · 1 session"));
}

TEST_CASE("children e2e: every command works on a child's session as on the parent's", "[bot][children]") {
  children_env env;
  CHECK(mentions(env.command(R"(/play query:"ytsearch:lofi" user:11 voice:101)"), "Playing **"));
  CHECK(mentions(env.command(R"(/play query:"ytsearch:rain" user:12 voice:102)"), "Playing **rain"));
  REQUIRE(env.run_until([&] { return env.plays(child1_id, "rain"); }));
  CHECK(mentions(env.command(R"(/play query:"ytsearch:storm" user:12)"), "at position 2"));

  auto queue = env.command("/queue user:12");
  CHECK(mentions(queue, "1. rain"));
  CHECK(mentions(queue, "2. storm"));

  CHECK(mentions(env.command("/volume setting:60 user:12"), "Volume set to 60%."));
  REQUIRE(env.run_until([&] { return env.player(child1_id)->volume == 60; }));
  CHECK(env.player(parent_id)->volume == 100);  // the parent's session is untouched

  CHECK(mentions(env.command("/pause user:12"), "Paused."));
  REQUIRE(env.run_until([&] { return env.player(child1_id)->paused; }));
  CHECK(mentions(env.command("/pause user:12"), "already"));
  CHECK(mentions(env.command("/resume user:12"), "Resumed."));
  REQUIRE(env.run_until([&] { return !env.player(child1_id)->paused; }));

  auto out_of_range = env.command("/skip to:9 user:12");
  CHECK(mentions(out_of_range, "1 to 2"));
  CHECK(mentions(env.command("/skip user:12"), "position 2"));
  REQUIRE(env.run_until([&] { return env.plays(child1_id, "storm"); }));

  CHECK(mentions(env.command("/seek time:1:00 user:12"), "Jumped to 1:00."));
  REQUIRE(env.run_until([&] { return env.player(child1_id)->position >= 60'000; }));

  CHECK(mentions(env.command("/nowplaying user:12"), "storm"));
  CHECK(mentions(env.command("/disconnect user:12"), "Disconnected."));
  REQUIRE(env.run_until([&] { return !env.player(child1_id); }));
  REQUIRE(env.printed_eventually("[child-1] message 2 in #10:\n(only you) Left <#102>: asked to leave."));
  REQUIRE(env.run_until([&] { return !env.bots->parent().manager().find(hanabi::channel_id{102}); }));
  CHECK(env.plays(parent_id, "lofi"));
}

TEST_CASE("children e2e: a child's stop button ends its session, and the parent lets the channel start again",
          "[bot][children]") {
  children_env env;
  CHECK(mentions(env.command(R"(/play query:"ytsearch:lofi" user:11 voice:101)"), "Playing **"));
  CHECK(mentions(env.command(R"(/play query:"ytsearch:rain" user:12 voice:102)"), "Playing **rain"));
  REQUIRE(env.printed_eventually("[child-1] message 1 in #10:"));
  REQUIRE(env.printed_eventually("np_stop"));

  // The press reaches child-1's process, whose router answers it.
  CHECK(mentions(env.act("@child-1 button:np_stop user:12", "child-1"), "Disconnected."));
  REQUIRE(env.run_until([&] { return !env.player(child1_id); }));
  // The teardown reached the parent: no session in 102 any more...
  REQUIRE(env.run_until([&] { return !env.bots->parent().manager().find(hanabi::channel_id{102}); }));
  CHECK(mentions(env.command("/queue user:12"), "Nothing is playing in your voice channel"));
  // ...so a new /play there creates one again, on the first free child.
  CHECK(mentions(env.command(R"(/play query:"ytsearch:jazz" user:12)"), "Playing **jazz"));
  REQUIRE(env.run_until([&] { return env.plays(child1_id, "jazz"); }));
  CHECK(env.bots->parent().manager().find(hanabi::channel_id{102})->bot() == "child-1");
}

TEST_CASE("children e2e: a child leaves an inactive channel and tells the parent", "[bot][children]") {
  children_env env(std::chrono::seconds{1});
  CHECK(mentions(env.command(R"(/play query:"ytsearch:lofi" user:11 voice:101)"), "Playing **"));
  CHECK(mentions(env.command(R"(/play query:"ytsearch:rain" user:12 voice:102)"), "Playing **rain"));
  REQUIRE(env.run_until([&] { return env.plays(child1_id, "rain"); }));
  CHECK(mentions(env.command("/stop user:12"), "Stopped."));
  REQUIRE(env.printed_eventually("Left <#102>: nothing played for a while."));
  CHECK(mentions(env.printed, "[child-1] message 2 in #10:\n(only you) Left <#102>: nothing played for a while."));
  REQUIRE(env.run_until([&] { return !env.player(child1_id); }));
  REQUIRE(env.run_until([&] { return !env.bots->parent().manager().find(hanabi::channel_id{102}); }));
}

TEST_CASE("children e2e: kill -9 of a playing child: reported, restarted, its session recovered", "[bot][children]") {
  children_env env;
  CHECK(mentions(env.command(R"(/play query:"ytsearch:lofi" user:11 voice:101)"), "Playing **"));
  CHECK(mentions(env.command(R"(/play query:"ytsearch:rain" user:12 voice:102)"), "Playing **rain"));
  CHECK(mentions(env.command(R"(/play query:"ytsearch:storm" user:12)"), "at position 2"));
  CHECK(mentions(env.command("/volume setting:70 user:12"), "Volume set to 70%."));
  CHECK(mentions(env.command("/seek time:0:40 user:12"), "Jumped to 0:40."));
  REQUIRE(env.run_until([&] { return env.player(child1_id) && env.player(child1_id)->position >= 40'000; }));
  // The session's state reaches the store after each change; give the journal its batch window.
  env.io.run_for(500ms);
  const auto before = *env.player(child1_id);

  auto* children = env.bots->parent().children();
  REQUIRE(children);
  const auto pid = children->pid("child-1");
  REQUIRE(pid);
  REQUIRE(::kill(*pid, SIGKILL) == 0);

  // Reported to the users, in the channel where the session was started.
  REQUIRE(env.printed_eventually("Left <#102>: the bot holding it stopped."));
  const auto reported = env.printed.find("Left <#102>: the bot holding it stopped.");
  CHECK(posted_since(env.printed, env.printed.rfind('[', reported), "[hanabi] message", "in #10", "the bot holding it stopped"));
  // The supervisor runs it again; it recovers its session, rejoins, and registers: the parent adopts it.
  REQUIRE(env.run_until([&] { return children->spawns("child-1") == 2; }));
  REQUIRE(env.run_until([&] {
    auto s = env.bots->parent().manager().find(hanabi::channel_id{102});
    return s && s->bot() == "child-1";
  }));
  REQUIRE(env.run_until([&] { return env.plays(child1_id, "rain"); }));
  const auto after = *env.player(child1_id);
  CHECK(after.volume == 70);
  CHECK(after.voice_channel_id == std::optional<std::string>("102"));
  CHECK(after.position + 1000 >= before.position);  // continued, not restarted from 0

  // It answers commands again, with its queue as it was.
  auto queue = env.command("/queue user:12");
  CHECK(mentions(queue, "1. rain"));
  CHECK(mentions(queue, "2. storm"));
  CHECK(mentions(env.command("/skip user:12"), "position 2"));
  REQUIRE(env.run_until([&] { return env.plays(child1_id, "storm"); }));
  // The recovered session posts its now-playing message again, where it was.
  REQUIRE(env.run_until([&] { return posted_since(env.printed, reported, "[child-1] message", "in #10", "┃ storm"); }));
  CHECK(env.plays(parent_id, "lofi"));
}

