// /enqueue end to end: a saved playlist (SQLite file) into the parent's session through
// session::async_enqueue, asserting on the replies, on the loads the fake node served and on its
// player.
#include "parent_env.hpp"

#include <boost/asio/use_future.hpp>

using bot_test::contains;
using bot_test::parent_env;

TEST_CASE("/enqueue plays a saved playlist: cached tracks need no load, the others are loaded, segments kept") {
  parent_env env;
  CHECK(contains(env.command(R"(/playlist import url:"fake:playlist:3" name:mix user:11)"), "Imported **mix**: 3 tracks."));
  const auto loads_before = env.loads();
  CHECK(contains(env.command("/enqueue playlist:mix user:11 voice:101"),
                 "Queued 3 tracks from **mix** (at the end). Playing **Track 1 of 3**."));
  CHECK(env.last_was_deferred());
  CHECK(env.loads() == loads_before);  // every entry had its encoded track
  REQUIRE(env.run_until([&] { return env.playing() == "Track 1 of 3"; }));
  CHECK(env.player()->voice_channel_id == std::optional<std::string>("101"));

  // A segment: the entry starts at 1:00; `next` puts it right after the current track.
  env.command("/playlist create name:seg user:11");
  CHECK(contains(env.command(R"(/playlist add name:seg query:"ytsearch:lofi" start:1:00 user:11)"), "Added **lofi #1**"));
  CHECK(contains(env.command("/enqueue playlist:seg mode:next user:11"), "Queued 1 track from **seg** (next)."));
  CHECK(contains(env.command("/queue user:11"), "2. lofi #1"));
  env.command("/skip user:11");
  REQUIRE(env.run_until([&] { return env.playing() == "lofi #1"; }));
  CHECK(env.player()->position >= 60'000);

  // An entry stored without an encoded track is loaded by the session.
  hanabi::storage::playlist_draft plain{"plain", "", hanabi::storage::visibility::private_,
                                        {{"fake:track:plain", "plain", std::nullopt, std::nullopt, std::nullopt}}};
  hanabi::diagnostics diag;
  auto created = env.store->async_create_playlist(hanabi::user_id{11}, plain, diag, boost::asio::use_future);
  REQUIRE(env.run_until([&] { return created.wait_for(std::chrono::seconds{0}) == std::future_status::ready; }));
  created.get();
  const auto loads_plain = env.loads();
  CHECK(contains(env.command("/enqueue playlist:plain shuffle:yes user:11"),
                 "Queued 1 track from **plain** (at the end, shuffled)."));
  CHECK(env.loads() == loads_plain + 1);
  CHECK(contains(env.command("/queue user:11"), "plain"));
}

TEST_CASE("/enqueue refusals: unknown playlist (and no bot joins), another user's private one, an empty one") {
  parent_env env;
  CHECK(contains(env.command("/enqueue playlist:nope user:11 voice:101"), "You have no playlist named **nope**."));
  CHECK(env.last_reply().ephemeral);
  CHECK_FALSE(env.player());
  CHECK_FALSE(contains(env.printed, "joins voice channel"));
  CHECK(contains(env.command("/enqueue playlist:x mode:sideways user:11"),
                 "`sideways` is not an enqueue mode: use fifo, next, random or interlace"));
  CHECK(contains(env.command("/enqueue user:11"), "`playlist` is required."));

  env.command("/playlist create name:empty user:11");
  CHECK(contains(env.command("/enqueue playlist:empty user:11"), "**empty** has no tracks yet."));

  env.command(R"(/playlist import url:"fake:playlist:2" name:mine user:11)");
  CHECK(contains(env.command("/enqueue playlist:mine owner:11 user:12 voice:101"), "belongs to <@11>"));
  CHECK_FALSE(env.player());

  // A public playlist is open to everyone; the tracks are the caller's.
  env.command("/playlist create name:pub public:yes user:11");
  env.command(R"(/playlist add name:pub query:"ytsearch:rain" user:11)");
  CHECK(contains(env.command("/enqueue playlist:pub owner:<@11> mode:interlace user:12"),
                 "Queued 1 track from **pub** (interlaced). Playing **rain #1**."));
  REQUIRE(env.run_until([&] { return env.playing() == "rain #1"; }));
  CHECK(contains(env.command("/queue user:12"), "<@12>"));
}
