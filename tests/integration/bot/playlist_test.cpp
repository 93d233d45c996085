// /playlist end to end: every subcommand over a real SQLite file, each store error as its short
// reply, the import through the fake node and the export in the store's format.
#include "parent_env.hpp"

#include <boost/asio/use_future.hpp>

#include <nlohmann/json.hpp>

using bot_test::contains;
using bot_test::parent_env;

namespace {

// The playlist as the store has it, read straight from the database (not through the bot).
hanabi::storage::playlist stored(parent_env& env, hanabi::user_id owner, const std::string& name) {
  hanabi::diagnostics diag;
  auto found = env.store->async_find_playlist(owner, owner, name, diag, boost::asio::use_future);
  REQUIRE(env.run_until([&] { return found.wait_for(std::chrono::seconds{0}) == std::future_status::ready; }));
  return found.get();
}

}  // namespace

TEST_CASE("/playlist create, add, show, list, rename and delete, with every bad input") {
  parent_env env;
  // The playlist commands need no voice channel.
  CHECK(contains(env.command("/playlist create name:chill user:11"), "Created **chill** (private)."));
  CHECK(env.last_was_deferred());
  CHECK(contains(env.command("/playlist create name:chill user:11"), "You already have a playlist named 'chill'."));
  CHECK(env.last_reply().ephemeral);
  CHECK(contains(env.command(R"(/playlist create name:"" user:11)"), "The playlist name is empty."));
  CHECK(contains(env.command("/playlist create name:" + std::string(257, 'x') + " user:11"),
                 "is 257 characters long; the limit is 256."));
  CHECK(contains(env.command("/playlist create name:shared public:yes description:\"for all\" user:11"),
                 "Created **shared** (public)."));

  const auto loads_before = env.loads();
  CHECK(contains(env.command(R"(/playlist add name:chill query:"ytsearch:lofi" start:0:30 end:2:45 user:11)"),
                 "Added **lofi #1** to **chill** as track 1."));
  CHECK(env.loads() == loads_before + 1);
  CHECK(contains(env.command(R"(/playlist add name:chill query:"ytsearch:lofi" user:11)"),
                 "The playlist already has an entry titled 'lofi #1'."));
  CHECK(contains(env.command("/playlist add name:chill query:rain start:1:5 user:11"), "'1:5' is not a time"));
  CHECK(contains(env.command("/playlist add name:chill query:rain start:3:00 end:1:00 user:11"),
                 "The start (3:00) must come before the end (1:00)."));
  CHECK(contains(env.command("/playlist add name:nope query:rain user:11"), "You have no playlist named **nope**."));
  CHECK(contains(env.command(R"(/playlist add name:chill query:"fakesearch0:x" user:11)"), "No results for `fakesearch0:x`."));
  CHECK(contains(env.command("/playlist add name:chill query:rain user:11"), "Added **rain #1** to **chill** as track 2."));
  // Another user may neither change nor see a private playlist.
  CHECK(contains(env.command("/playlist add name:chill owner:11 query:rain user:12"), "belongs to <@11>"));
  CHECK(contains(env.command("/playlist show name:chill owner:11 user:12"), "belongs to <@11>"));

  // In the database: the segment in ms and the encoded track cached for /enqueue.
  auto chill = stored(env, hanabi::user_id{11}, "chill");
  REQUIRE(chill.entries.size() == 2);
  CHECK(chill.entries[0].start_ms == 30'000);
  CHECK(chill.entries[0].end_ms == 165'000);
  CHECK(chill.entries[0].encoded);
  CHECK_FALSE(chill.entries[1].start_ms);

  auto show = env.command("/playlist show name:chill user:11");
  CHECK(contains(show, "1. lofi #1 [0:30–2:45]"));
  CHECK(contains(show, "2. rain #1"));
  CHECK(contains(show, "private · 2 tracks"));
  auto list = env.command("/playlist list user:11");
  CHECK(contains(list, "**chill** · 2 tracks · private"));
  CHECK(contains(list, "**shared** · 0 tracks · public — for all"));
  // Others see only the public ones.
  auto theirs = env.command("/playlist list owner:11 user:12");
  CHECK(contains(theirs, "**shared**"));
  CHECK_FALSE(contains(theirs, "chill"));
  CHECK(contains(env.command("/playlist show name:shared owner:11 user:12"), "No tracks yet"));

  CHECK(contains(env.command("/playlist rename name:chill new_name:shared user:11"),
                 "You already have a playlist named 'shared'."));
  CHECK(contains(env.command("/playlist rename name:chill new_name:mellow user:11"), "Renamed **chill** to **mellow**."));
  CHECK(contains(env.command("/playlist delete name:chill user:11"), "You have no playlist named **chill**."));
  CHECK(contains(env.command("/playlist delete name:mellow user:11"), "Deleted **mellow** and its 2 tracks."));
  CHECK(contains(env.command("/playlist show name:mellow user:11"), "You have no playlist named **mellow**."));
  CHECK_FALSE(contains(env.command("/playlist list user:11"), "mellow"));
  CHECK(contains(env.command("/playlist frobnicate user:11"), "Use /playlist create, add, show"));
}

TEST_CASE("/playlist import loads a Lavalink playlist through the node, export gives the store's JSON") {
  parent_env env;
  CHECK(contains(env.command(R"(/playlist import url:"fake:playlist:4" name:mix user:11)"), "Imported **mix**: 4 tracks."));
  CHECK(env.last_was_deferred());
  CHECK(contains(env.command(R"(/playlist import url:"fake:playlist:2" name:mix user:11)"),
                 "You already have a playlist named 'mix'."));
  CHECK(contains(env.command(R"(/playlist import url:"fake:track:one" name:single user:11)"),
                 "`fake:track:one` is one track, not a playlist: add it with /playlist add."));
  CHECK(contains(env.command(R"(/playlist import url:"fake:empty" name:none user:11)"), "No playlist at `fake:empty`."));
  CHECK(contains(env.command(R"(/playlist import url:"fake:error" name:bad user:11)"),
                 "Lavalink could not load `fake:error`: Something went wrong while looking up the track."));

  env.command("/playlist export name:mix user:11");
  const auto& reply = env.last_reply();
  CHECK(reply.ephemeral);
  REQUIRE(reply.files.size() == 1);
  CHECK(reply.files[0].filename == "mix.json");
  auto exported = nlohmann::json::parse(reply.files[0].content);
  CHECK(exported["format"] == "hanabi.playlist");
  CHECK(exported["name"] == "mix");
  REQUIRE(exported["entries"].size() == 4);
  CHECK(exported["entries"][0]["title"] == "Track 1 of 4");
  CHECK(exported["entries"][0].contains("encoded"));
  // What was exported imports back as the same playlist.
  auto draft = hanabi::storage::import_playlist(exported);
  REQUIRE(draft.has_value());
  CHECK(draft->entries == stored(env, hanabi::user_id{11}, "mix").entries);
  CHECK(contains(env.command("/playlist export name:mix owner:11 user:12"), "belongs to <@11>"));
}
