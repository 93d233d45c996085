// Every command of issue 8's list on a CHILD's session (children_test.cpp has play, queue, volume,
// pause/resume, skip, seek and disconnect there): the parent plays in <#101>, so the session of
// <#102> lives in child-1's process, and every command typed there travels over the control link.
// Each step asserts the rendered reply and, where the command changes playback, the player of
// child-1 at the fake node.
#include "children_env.hpp"
#include "parent_env.hpp"

#include <nlohmann/json.hpp>

using bot_test::child1_id;
using bot_test::child2_id;
using bot_test::children_env;
using bot_test::contains;
using bot_test::parent_id;

namespace {

// The title child-1 plays at the node, or empty.
std::string child1_title(children_env& env) {
  auto p = env.player(child1_id);
  return p && p->track ? p->track->info.title : std::string{};
}

}  // namespace

TEST_CASE("children e2e: playlist import and every /playlist subcommand from a child's channel, /enqueue on its session",
          "[bot][children]") {
  children_env env;
  env.parent_and_child1_play("rain");

  // Saved through the parent's store, wherever the caller is.
  auto imported = env.command(R"(/playlist import url:"fake:playlist:3" name:mix user:12)");
  INFO(imported);
  CHECK(contains(imported, "Imported **mix**: 3 tracks."));
  CHECK(contains(env.command("/playlist create name:chill user:12"), "Created **chill** (private)."));
  CHECK(contains(env.command(R"(/playlist add name:chill query:"ytsearch:storm" start:0:30 user:12)"),
                 "Added **storm #1** to **chill** as track 1."));
  CHECK(contains(env.command("/playlist show name:chill user:12"), "1. storm #1 [0:30–"));
  auto list = env.command("/playlist list user:12");
  CHECK(contains(list, "**chill** · 1 track · private"));
  CHECK(contains(list, "**mix** · 3 tracks · private"));
  CHECK(contains(env.command("/playlist rename name:chill new_name:mellow user:12"), "Renamed **chill** to **mellow**."));
  env.command("/playlist export name:mix user:12");
  REQUIRE(env.last_reply().files.size() == 1);
  auto exported = nlohmann::json::parse(env.last_reply().files[0].content);
  CHECK(exported["entries"].size() == 3);
  CHECK(exported["entries"][2]["title"] == "Track 3 of 3");

  // /enqueue runs on child-1's session: appended, the current track goes on.
  const auto before = env.player(child1_id)->position;
  CHECK(contains(env.command("/enqueue playlist:mix user:12"), "Queued 3 tracks from **mix** (at the end)."));
  CHECK(contains(env.command("/enqueue playlist:mellow mode:next user:12"), "Queued 1 track from **mellow**"));
  CHECK(contains(env.command("/enqueue playlist:nope user:12"), "You have no playlist named **nope**."));
  auto queue = env.command("/queue user:12");
  INFO(queue);
  CHECK(contains(queue, "1. rain"));
  CHECK(contains(queue, "2. storm #1"));
  CHECK(contains(queue, "3. Track 1 of 3"));
  CHECK(contains(queue, "5. Track 3 of 3"));
  CHECK(child1_title(env) == "rain #1");
  CHECK(env.player(child1_id)->position >= before);  // not restarted
  // The saved segment applies when that entry plays on the child: it starts at 0:30.
  CHECK(contains(env.command("/skip user:12"), "(position 2)"));
  REQUIRE(env.run_until([&] { return child1_title(env) == "storm #1"; }));
  CHECK(env.player(child1_id)->position >= 30'000);

  auto deleted = env.command("/playlist delete name:mellow user:12");
  INFO(deleted);
  CHECK(contains(deleted, "Deleted **mellow** and its 1 track."));
  CHECK_FALSE(contains(env.command("/playlist list user:12"), "mellow"));
  CHECK(env.plays(parent_id, "lofi"));  // the parent's session is untouched
}

TEST_CASE("children e2e: /search and its pick, /move, /remove, /dequeue by rule, /queue page 2 and /clear on a child's session",
          "[bot][children]") {
  children_env env;
  env.parent_and_child1_play("rain");

  // The parent loads the results; the pick is queued on the child's session.
  CHECK(contains(env.command("/search query:jazz user:12"), "Pick one within 30 s:"));
  CHECK(contains(env.command("@hanabi select:search value:2 user:12"), "Queued **jazz #2** at position 2."));
  for (const char* q : {"storm", "wind"}) env.command(fmt::format(R"(/play query:"ytsearch:{}" user:12)", q));
  // User 13 joins and queues two, one of them a duplicate of 12's.
  CHECK(contains(env.command(R"(/play query:"ytsearch:storm" user:13 voice:102)"), "at position 5"));
  CHECK(contains(env.command(R"(/play query:"ytsearch:snow" user:13)"), "at position 6"));

  CHECK(contains(env.command("/move from:4 to:2 user:12"), "Moved position 4 to 2."));
  auto moved = env.command("/queue user:12");
  INFO(moved);
  CHECK(contains(moved, "2. wind #1"));
  CHECK(contains(moved, "3. jazz #2"));
  CHECK(contains(env.command("/move from:9 to:2 user:12"), "9"));
  CHECK(contains(env.command("/remove positions:9 user:12"), "position 9 is out of range: the queue has positions 1 to 6"));
  CHECK(contains(env.command("/dequeue rule:duplicates user:12"), "Removed 1 track."));
  CHECK(contains(env.command("/dequeue rule:requester requester:<@13> user:12"), "Removed 1 track."));
  CHECK(contains(env.command("/queue page:2 user:12"), "page 2 is out of range: choose 1 to 1"));

  // Enough for two pages (10 a page): user 14 queues, then leaves the channel.
  for (int i = 1; i <= 8; ++i) env.command(fmt::format(R"(/play query:"ytsearch:hail{}" user:14 voice:102)", i));
  auto page2 = env.command("/queue page:2 user:12");
  INFO(page2);
  CHECK(contains(page2, "11. hail7 #1"));
  CHECK(contains(page2, "12. hail8 #1"));
  REQUIRE(env.runner->run("leave user:14"));
  CHECK(contains(env.command("/dequeue rule:absent user:12"), "Removed 8 tracks."));
  CHECK(contains(env.command("/remove positions:2 user:12"), "Removed 1 track."));
  auto left = env.command("/queue user:12");
  INFO(left);
  CHECK(contains(left, "2. jazz #2"));
  CHECK(contains(left, "3. storm #1"));
  CHECK_FALSE(contains(left, "hail"));
  CHECK(child1_title(env) == "rain #1");  // the queue commands never touched what plays

  CHECK(contains(env.command("/clear user:12"), "Removed 2 upcoming tracks."));
  CHECK(contains(env.command("/queue user:12"), "1 track"));
  CHECK(child1_title(env) == "rain #1");
}

TEST_CASE("children e2e: /skip, /back, /seek +30 and -10, /repeat, /shuffle, /unshuffle, /nowplaying, /history and /stop on a child's session",
          "[bot][children]") {
  children_env env;
  env.parent_and_child1_play("rain");
  for (const char* q : {"storm", "wind", "snow"}) env.command(fmt::format(R"(/play query:"ytsearch:{}" user:12)", q));

  CHECK(contains(env.command("/skip by:2 user:12"), "Now playing **wind #1** (position 3)."));
  REQUIRE(env.run_until([&] { return child1_title(env) == "wind #1"; }));
  CHECK(contains(env.command("/back user:12"), "Now playing **storm #1** (position 2)."));
  REQUIRE(env.run_until([&] { return child1_title(env) == "storm #1"; }));
  CHECK(contains(env.command("/skip to:1 user:12"), "Now playing **rain #1** (position 1)."));
  REQUIRE(env.run_until([&] { return child1_title(env) == "rain #1"; }));

  CHECK(contains(env.command("/seek time:1:00 user:12"), "Jumped to 1:00."));
  REQUIRE(env.run_until([&] { return env.player(child1_id)->position >= 60'000; }));
  CHECK(contains(env.command("/seek time:+30 user:12"), "Jumped to 1:3"));
  REQUIRE(env.run_until([&] { return env.player(child1_id)->position >= 90'000; }));
  const auto forward = env.player(child1_id)->position;
  CHECK(contains(env.command("/seek time:-10 user:12"), "Jumped to 1:2"));
  REQUIRE(env.run_until([&] { return env.player(child1_id)->position < forward; }));
  CHECK(contains(env.command("/seek time:9:00 user:12"), "seek between 0:00 and 3:00"));

  auto np = env.command("/nowplaying user:12");
  CHECK(contains(np, "┃ rain #1"));
  CHECK(contains(np, "Requested by: <@12>"));
  CHECK(contains(np, "— child-1"));

  CHECK(contains(env.command("/shuffle user:12"), "Shuffled the upcoming tracks."));
  CHECK(contains(env.command("/unshuffle user:12"), "Unshuffled the upcoming tracks."));
  auto order = env.command("/queue user:12");
  INFO(order);
  CHECK(order.find("2. storm #1") < order.find("3. wind #1"));
  CHECK(order.find("3. wind #1") < order.find("4. snow #1"));

  // Repeat one at the node: past its end the same track starts over.
  CHECK(contains(env.command("/repeat mode:one user:12"), "Repeat: one."));
  CHECK(contains(env.command("/seek time:2:58 user:12"), "Jumped to 2:58."));
  REQUIRE(env.run_until([&] { return env.player(child1_id)->position >= 178'000; }));
  REQUIRE(env.run_until([&] { auto p = env.player(child1_id); return p && child1_title(env) == "rain #1" && p->position < 170'000; }));
  CHECK(contains(env.command("/repeat mode:off user:12"), "Repeat: off."));
  CHECK(contains(env.command("/history user:12"), "repeat"));

  CHECK(contains(env.command("/stop user:12"), "Stopped."));
  REQUIRE(env.run_until([&] { auto p = env.player(child1_id); return p && !p->track; }));
  CHECK(contains(env.command("/nowplaying user:12"), "Nothing is playing"));
  CHECK(env.plays(parent_id, "lofi"));
}

TEST_CASE("children e2e: /volume N, +N, -N remembered per user and /filter equalizer, preset and clear on a child's session",
          "[bot][children]") {
  children_env env;
  env.parent_and_child1_play("rain");
  CHECK(contains(env.command(R"(/play query:"ytsearch:snow" user:13 voice:102)"), "at position 2"));

  CHECK(contains(env.command("/volume setting:+10 user:12"), "Volume set to 110%."));
  CHECK(contains(env.command("/volume setting:-30 user:12"), "Volume set to 80%."));
  REQUIRE(env.run_until([&] { return env.player(child1_id)->volume == 80; }));
  CHECK(contains(env.command("/volume setting:40 user:13"), "Volume set to 40%."));
  REQUIRE(env.run_until([&] { return env.player(child1_id)->volume == 40; }));
  CHECK(contains(env.command("/volume setting:loud user:13"), "`loud` is not a volume"));
  // 13's track plays at 13's volume, then 12's at 12's again.
  env.command("/skip user:12");
  REQUIRE(env.run_until([&] { return child1_title(env) == "snow #1"; }));
  REQUIRE(env.run_until([&] { return env.player(child1_id)->volume == 40; }));
  env.command("/back user:12");
  REQUIRE(env.run_until([&] { return child1_title(env) == "rain #1"; }));
  REQUIRE(env.run_until([&] { return env.player(child1_id)->volume == 80; }));
  CHECK(env.player(parent_id)->volume == 100);  // the parent's session is untouched

  CHECK(contains(env.command("/filter equalizer band:3 gain:0.5 user:12"), "Filters applied."));
  REQUIRE(env.run_until([&] { return env.player(child1_id)->filters.contains("equalizer"); }));
  CHECK(contains(env.command("/filter equalizer band:15 gain:0.5 user:12"), "bands are 0 to 14."));
  CHECK(contains(env.command("/filter preset name:nightcore user:12"), "Filters applied."));
  REQUIRE(env.run_until([&] { return env.player(child1_id)->filters.contains("timescale"); }));
  CHECK(contains(env.command("/filter preset name:loud user:12"), "`loud` is not a preset"));
  CHECK(contains(env.command("/filter clear user:12"), "Filters cleared."));
  REQUIRE(env.run_until([&] {
    auto p = env.player(child1_id);
    return p && !p->filters.contains("equalizer") && !p->filters.contains("timescale");
  }));
  CHECK(env.player(parent_id)->filters.empty());
}

TEST_CASE("children e2e: /connect brings the first free child, /disconnect lets it go, /nodes reports the node",
          "[bot][children]") {
  children_env env;
  env.parent_and_child1_play("rain");
  // The parent and child-1 are busy: child-2 joins the third channel.
  CHECK(contains(env.command("/connect user:13 voice:103"), "**child-2** is in <#103>."));
  REQUIRE(env.run_until([&] { return env.gateway_of("hanabi").voice_channel_of(hanabi::guild_id{1}, child2_id) == hanabi::channel_id{103}; }));
  CHECK(env.bots->parent().manager().find(hanabi::channel_id{103})->bot() == "child-2");
  CHECK(contains(env.command("/connect user:13"), "**child-2** is in <#103>."));  // already there
  CHECK(contains(env.command(R"(/play query:"ytsearch:jazz" user:13)"), "Playing **jazz"));
  REQUIRE(env.run_until([&] { return env.plays(child2_id, "jazz"); }));

  auto nodes = env.command("/nodes user:13");
  INFO(nodes);
  // The parent's pool counts its own player at least (the node's once-a-minute stats count every bot's).
  CHECK(contains(nodes, "fake: 🟢 up · "));
  CHECK(contains(nodes, "penalty"));

  CHECK(contains(env.command("/disconnect user:13"), "Disconnected."));
  REQUIRE(env.run_until([&] { return !env.player(child2_id); }));
  REQUIRE(env.run_until([&] { return !env.bots->parent().manager().find(hanabi::channel_id{103}); }));
  CHECK(env.plays(child1_id, "rain"));
  CHECK(env.plays(parent_id, "lofi"));
}
