// Every music command of the issue's list end to end on the parent's session (router_test.cpp has
// the first ones: play, queue, volume, pause/resume, skip, seek, repeat, history, filter preset,
// disconnect, DJ role, inactivity): the rendered replies, which answers were deferred, and the
// player state at the fake node.
#include "parent_env.hpp"

#include <regex>

using bot_test::contains;
using bot_test::parent_env;
using namespace std::chrono_literals;

TEST_CASE("/connect brings the bot, choosing the bot is for the owner, /bots and /nodes report them") {
  parent_env env({.rules = bot::permissions{.dj_role = {}, .owner = hanabi::user_id{11}}});
  CHECK(contains(env.command("/connect bot:someone user:12 voice:102"), "Only the owner may choose the bot."));
  CHECK(env.last_reply().ephemeral);
  CHECK(contains(env.command("/connect user:11 voice:101"), "**hanabi** is in <#101>."));
  CHECK(env.last_was_deferred());  // it may create a session on a child
  REQUIRE(env.run_until([&] { return env.world->channel_of(hanabi::guild_id{1}, hanabi::user_id{901}).has_value(); }));
  CHECK(env.world->channel_of(hanabi::guild_id{1}, hanabi::user_id{901}) == hanabi::channel_id{101});
  // Connecting again where the bot already is does nothing more.
  CHECK(contains(env.command("/connect user:11"), "**hanabi** is in <#101>."));

  auto bots = env.command("/bots user:12");
  CHECK_FALSE(env.last_was_deferred());  // fast: answered at once
  CHECK(contains(bots, "hanabi (parent): 🟢 up · 1 session · up "));
  CHECK(contains(bots, "· nodes 1/1 up"));
  env.command(R"(/play query:"fake:track:a" user:11)");
  REQUIRE(env.run_until([&] { return env.playing() == "a"; }));
  auto nodes = env.command("/nodes user:12");
  INFO(nodes);
  CHECK(contains(nodes, "fake: 🟢 up · 1 player"));
  CHECK(contains(nodes, "penalty"));
}

TEST_CASE("/play at a position, next, and a Lavalink playlist, /move, /remove, /clear, /queue pages") {
  parent_env env;
  CHECK(contains(env.command(R"(/play query:"fake:track:a" user:11 voice:101)"), "Playing **a**."));
  CHECK(env.last_was_deferred());
  CHECK(contains(env.command(R"(/play query:"fake:track:b" user:11)"), "Queued **b** at position 2."));
  CHECK(contains(env.command(R"(/play query:"fake:track:c" next:yes user:11)"), "Queued **c** at position 2."));
  CHECK(contains(env.command(R"(/play query:"fake:track:d" position:3 user:11)"), "Queued **d** at position 3."));
  CHECK(contains(env.command(R"(/play query:"fake:playlist:3" user:11)"), "Queued 3 tracks from **Fake playlist of 3**."));
  CHECK(contains(env.command(R"(/play query:"fake:track:e" position:0 user:11)"), "`position` must be 1 or more"));
  CHECK(contains(env.command(R"(/play query:"fake:empty" user:11)"), "nothing was found for \"fake:empty\""));
  CHECK(env.last_reply().ephemeral);
  auto queue = env.command("/queue user:11");
  INFO(queue);
  CHECK_FALSE(env.last_was_deferred());
  CHECK(contains(queue, "2. c — "));
  CHECK(contains(queue, "3. d — "));
  CHECK(contains(queue, "4. b — "));
  CHECK(contains(queue, "7. Track 3 of 3"));
  auto no_page = env.command("/queue page:9 user:11");
  INFO(no_page);
  CHECK(contains(no_page, "page 9 is out of range: choose 1 to 1"));

  CHECK(contains(env.command("/move from:4 to:2 user:11"), "Moved position 4 to 2."));
  CHECK(contains(env.command("/queue user:11"), "2. b — "));
  CHECK(contains(env.command("/move from:9 to:2 user:11"), "9"));
  CHECK(contains(env.command("/remove positions:9 user:11"), "position 9 is out of range: the queue has positions 1 to 7"));
  CHECK(contains(env.command("/remove positions:2,3 user:11"), "Removed 2 tracks."));
  auto after = env.command("/queue user:11");
  CHECK_FALSE(contains(after, "b — "));
  CHECK_FALSE(contains(after, "c — "));
  CHECK(contains(env.command("/clear user:11"), "Removed 4 upcoming tracks."));
  CHECK(contains(env.command("/queue user:11"), "1 track"));
  CHECK(env.playing() == "a");  // /clear keeps what plays
}

TEST_CASE("/skip by and to, /back, /seek 1:23 +30 -10, /stop, /nowplaying, /shuffle and /unshuffle") {
  parent_env env;
  env.command(R"(/play query:"fake:track:a" user:11 voice:101)");
  for (const char* t : {"b", "c", "d", "e"}) env.command(fmt::format(R"(/play query:"fake:track:{}" user:11)", t));
  REQUIRE(env.run_until([&] { return env.playing() == "a"; }));
  CHECK(contains(env.command("/skip by:2 user:11"), "Now playing **c** (position 3)."));
  REQUIRE(env.run_until([&] { return env.playing() == "c"; }));
  CHECK(contains(env.command("/skip by:-5 user:11"), "-2"));  // the valid range is named
  CHECK(contains(env.command("/back user:11"), "Now playing **b** (position 2)."));
  REQUIRE(env.run_until([&] { return env.playing() == "b"; }));
  CHECK(contains(env.command("/skip to:5 user:11"), "Now playing **e** (position 5)."));
  REQUIRE(env.run_until([&] { return env.playing() == "e"; }));

  CHECK(contains(env.command("/seek time:1:23 user:11"), "Jumped to 1:23."));
  REQUIRE(env.run_until([&] { return env.player()->position >= 83'000; }));
  CHECK(contains(env.command("/seek time:+30 user:11"), "Jumped to 1:5"));
  REQUIRE(env.run_until([&] { return env.player()->position >= 113'000; }));
  CHECK(contains(env.command("/seek time:-10 user:11"), "Jumped to 1:4"));
  CHECK(env.player()->position < 113'000);
  CHECK(contains(env.command("/seek time:9:00 user:11"), "9:00 is past the end of the track: seek between 0:00 and 3:00"));
  CHECK(contains(env.command("/seek time:soon user:11"), "`soon` is not a time"));

  auto np = env.command("/nowplaying user:11");
  CHECK(contains(np, "┃ e"));
  CHECK(contains(np, "Volume: 100%"));
  CHECK(contains(np, "Requested by: <@11>"));
  CHECK(env.last_reply().rows.empty());  // the buttons live on the player message

  env.command("/skip to:1 user:11");
  CHECK(contains(env.command("/shuffle user:11"), "Shuffled the upcoming tracks."));
  CHECK(contains(env.command("/unshuffle user:11"), "Unshuffled the upcoming tracks."));
  auto order = env.command("/queue user:11");
  CHECK(order.find("2. b") < order.find("3. c"));
  CHECK(order.find("3. c") < order.find("5. e"));

  CHECK(contains(env.command("/stop user:11"), "Stopped."));
  REQUIRE(env.run_until([&] { auto p = env.player(); return p && !p->track; }));
  CHECK(contains(env.command("/nowplaying user:11"), "Nothing is playing"));
}

TEST_CASE("/volume N, +N, -N is remembered per user and applied when their tracks play") {
  parent_env env;
  env.command(R"(/play query:"fake:track:mine" user:11 voice:101)");
  env.command(R"(/play query:"fake:track:theirs" user:12 voice:101)");
  CHECK(contains(env.command("/volume setting:+10 user:11"), "Volume set to 110%."));
  CHECK(contains(env.command("/volume setting:-30 user:11"), "Volume set to 80%."));
  REQUIRE(env.run_until([&] { return env.player()->volume == 80; }));
  CHECK(contains(env.command("/volume setting:40 user:12"), "Volume set to 40%."));
  REQUIRE(env.run_until([&] { return env.player()->volume == 40; }));
  CHECK(contains(env.command("/volume setting:loud user:12"), "`loud` is not a volume"));
  CHECK(contains(env.command("/volume setting:2000 user:12"), "the volume goes from 0 to 1000"));
  // 12's track starts at 12's volume, then 11's at 11's.
  env.command("/skip user:11");
  REQUIRE(env.run_until([&] { return env.playing() == "theirs"; }));
  REQUIRE(env.run_until([&] { return env.player()->volume == 40; }));
  env.command("/back user:11");
  REQUIRE(env.run_until([&] { return env.playing() == "mine"; }));
  REQUIRE(env.run_until([&] { return env.player()->volume == 80; }));
}

TEST_CASE("/dequeue by requester, by those who left the channel, and duplicates") {
  parent_env env;
  env.command(R"(/play query:"fake:track:a" user:11 voice:101)");
  env.command(R"(/play query:"fake:track:b" user:12 voice:101)");
  env.command(R"(/play query:"fake:track:c" user:12)");
  env.command(R"(/play query:"fake:track:d" user:13 voice:101)");
  env.command(R"(/play query:"fake:track:a" user:11)");
  env.command(R"(/play query:"fake:track:a" user:11)");
  CHECK(contains(env.command("/dequeue rule:duplicates user:11"), "Removed 2 tracks."));
  CHECK(contains(env.command("/dequeue rule:requester requester:<@12> user:11"), "Removed 2 tracks."));
  auto none_left = env.command("/dequeue rule:requester user:11");
  INFO(none_left);
  CHECK(contains(none_left, "no upcoming item matches"));
  REQUIRE(env.runner->run("leave user:13"));
  CHECK(contains(env.command("/dequeue rule:absent user:11"), "Removed 1 track."));
  CHECK(contains(env.command("/dequeue rule:sideways user:11"), "is not a rule"));
  auto queue = env.command("/queue user:11");
  CHECK(contains(queue, "1 track"));
  CHECK(env.playing() == "a");
}

TEST_CASE("/filter equalizer and clear reach the node, bad presets and bands are refused") {
  parent_env env;
  env.command(R"(/play query:"fake:track:a" user:11 voice:101)");
  CHECK(contains(env.command("/filter equalizer band:3 gain:0.5 user:11"), "Filters applied."));
  REQUIRE(env.run_until([&] { return env.player()->filters.contains("equalizer"); }));
  CHECK(contains(env.command("/filter equalizer band:15 gain:0.5 user:11"), "band 15 does not exist: bands are 0 to 14."));
  CHECK(contains(env.command("/filter preset name:loud user:11"), "`loud` is not a preset"));
  CHECK(contains(env.command("/filter clear user:11"), "Filters cleared."));
  REQUIRE(env.run_until([&] { return !env.player()->filters.contains("equalizer"); }));
}

TEST_CASE("the now-playing message is refreshed on its interval, edited in place") {
  parent_env env({.now_playing_interval = 200ms});
  env.command(R"(/play query:"fake:track:long:600000" user:11 voice:101)");
  REQUIRE(env.run_until([&] { return env.gateway().find_message(hanabi::message_id{1}) != nullptr; }));
  // With no command and no event, the progress shown keeps moving: "`0:03` ▬▬🔘▬ `10:00`".
  const std::regex shown_time("`0:(\\d\\d)` ");
  REQUIRE(env.run_until([&] {
    const auto* m = env.gateway().find_message(hanabi::message_id{1});
    std::smatch match;
    const auto text = m ? bot::to_text(*m) : std::string{};
    return std::regex_search(text, match, shown_time) && std::stoi(match[1]) >= 3;
  }));
  // Still the one message: edited, never posted again.
  CHECK_FALSE(contains(env.printed, "message 2 in"));
}

TEST_CASE("/repeat one replays the track at the node, /repeat all wraps to the first, off ends the queue") {
  parent_env env;
  env.command(R"(/play query:"fake:track:a:1500" user:11 voice:101)");
  env.command(R"(/play query:"fake:track:b:1500" user:11)");
  CHECK(contains(env.command("/repeat mode:one user:11"), "Repeat: one."));
  REQUIRE(env.run_until([&] { auto p = env.player(); return p && env.playing() == "a" && p->position > 1000; }));
  // Past its end it starts over: same track, back near the start.
  REQUIRE(env.run_until([&] { auto p = env.player(); return p && env.playing() == "a" && p->position < 500; }));
  CHECK(contains(env.command("/repeat mode:all user:11"), "Repeat: all."));
  REQUIRE(env.run_until([&] { return env.playing() == "b"; }));
  REQUIRE(env.run_until([&] { return env.playing() == "a"; }));  // wrapped
  CHECK(contains(env.command("/repeat mode:off user:11"), "Repeat: off."));
  REQUIRE(env.run_until([&] { return env.playing() == "b"; }));
  REQUIRE(env.run_until([&] { auto p = env.player(); return p && !p->track; }));  // the queue ended on b
  CHECK(contains(env.command("/repeat mode:twice user:11"), "`twice` is not a repeat mode"));
  CHECK(contains(env.command("/history user:11"), "repeat"));
}
