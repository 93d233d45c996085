// Recovery after kill -9 (issue 7): a child process (this binary, hidden test "recovery child")
// holds three sessions on a fake Lavalink node that lives in the test process, persisted into a
// SQLite file; it is killed with SIGKILL while playing. The test process then starts like a
// restarted bot on the same file: the node resumes its stored Lavalink session, and every session
// must come back with its queue, pointer, repeat, volume, pause state and filters, its track
// continuing where the node had it; the session whose channel is gone is closed and reported.
#include "bot_process.hpp"

#include "../storage/crash_child.hpp"
#include "../storage/sqlite_helpers.hpp"

#include <hanabi/detail/session_logic.hpp>
#include <hanabi/testing/fake_node.hpp>

#include <cstdlib>

using namespace hanabi;
using namespace hanabi::test;

namespace {

using std::chrono::milliseconds;

const session_address looping{guild_id{1001}, channel_id{2001}};  // repeat all, volume 50, item 3 at 20 s
const session_address paused{guild_id{1002}, channel_id{2002}};   // nightcore, volume 120, paused
const session_address doomed{guild_id{1003}, channel_id{2003}};   // its channel is deleted meanwhile

std::vector<std::string> titles(const queue_view& page) {
  std::vector<std::string> out;
  for (const auto& item : page.items) out.push_back(item.title);
  return out;
}

std::vector<std::string> playlist_titles(int n) {
  std::vector<std::string> out;
  for (int i = 1; i <= n; ++i) out.push_back(fmt::format("Track {} of {}", i, n));
  return out;
}

// The fake node's view of a guild's player in its only session.
testing::player_view node_player(const testing::fake_node& fake, session_address where) {
  auto all = fake.sessions();
  REQUIRE(all.size() == 1);
  auto p = fake.player(all.front().id, static_cast<std::int64_t>(where.guild.value()));
  REQUIRE(p);
  return *p;
}

}  // namespace

// Not a test of its own: the body of the child process. It sets up the three sessions, makes
// them durable, says "ack 1", and plays on until it is killed.
TEST_CASE("recovery child", "[.recovery-child]") {
  const char* db = std::getenv("HANABI_RECOVERY_DB");
  const char* url = std::getenv("HANABI_RECOVERY_NODE");
  REQUIRE((db && url));
  bot_process p(db, url);
  const user_id dj{42};

  auto keep_one = p.persist(looping);
  auto one = p.sessions.at(looping.guild);
  p.wait<enqueue_outcome>([&](diagnostics& d, auto h) { one->async_play({.query = "fake:playlist:6", .by = dj}, d, std::move(h)); });
  p.wait_void([&](diagnostics& d, auto h) { one->async_repeat({.mode = repeat_mode::all, .by = dj}, d, std::move(h)); });
  p.wait<int>([&](diagnostics& d, auto h) { one->async_volume({.value = 50, .by = dj}, d, std::move(h)); });
  p.wait<now_playing>([&](diagnostics& d, auto h) { one->async_skip({.how = skip_args::kind::to, .value = 3, .by = dj}, d, std::move(h)); });
  p.wait<std::int64_t>([&](diagnostics& d, auto h) { one->async_seek({.value = 20'000, .by = dj}, d, std::move(h)); });

  auto keep_two = p.persist(paused);
  auto two = p.sessions.at(paused.guild);
  p.wait<enqueue_outcome>([&](diagnostics& d, auto h) { two->async_play({.query = "fake:playlist:4", .by = dj}, d, std::move(h)); });
  p.wait<protocol::filters>([&](diagnostics& d, auto h) { two->async_filters({.set = std::string("nightcore"), .by = dj}, d, std::move(h)); });
  p.wait<int>([&](diagnostics& d, auto h) { two->async_volume({.value = 120, .by = dj}, d, std::move(h)); });
  p.wait<std::int64_t>([&](diagnostics& d, auto h) { two->async_seek({.value = 7'000, .by = dj}, d, std::move(h)); });
  p.wait_void([&](diagnostics& d, auto h) { two->async_pause({.paused = true, .by = dj}, d, std::move(h)); });

  auto keep_three = p.persist(doomed);
  auto three = p.sessions.at(doomed.guild);
  p.wait<enqueue_outcome>([&](diagnostics& d, auto h) { three->async_play({.query = "fake:playlist:2", .by = dj}, d, std::move(h)); });

  for (auto* keeper : {&keep_one, &keep_two, &keep_three})
    p.wait_void([&](diagnostics&, auto h) { (*keeper)->async_flush(std::move(h)); });
  say("ack", 1);
  while (true) p.io.run_for(milliseconds(100));
}

TEST_CASE("recovery: after kill -9, every session is back as it was and its track continues", "[recovery]") {
  temp_dir dir;
  const auto db = (dir.path() / "bot.db").string();
  testing::fake_node_options options;
  options.player_update_interval = milliseconds(1000);
  testing::fake_node fake(options);
  fake.start();

  auto child = run_crash_child("[.recovery-child]", {{"HANABI_RECOVERY_DB", db}, {"HANABI_RECOVERY_NODE", fake.base_url()}}, 1);
  REQUIRE(child.killed);

  // Where the node has the tracks now: the truth the recovered players must continue from.
  const auto before_one = node_player(fake, looping), before_two = node_player(fake, paused);
  const auto measured = std::chrono::steady_clock::now();
  const auto old_session = fake.sessions().front().id;

  bot_process p(db, fake.base_url());
  // The node resumed the stored Lavalink session instead of opening a new one.
  REQUIRE(fake.sessions().size() == 1);
  CHECK(fake.sessions().front().id == old_session);

  std::vector<lost_session> told;
  recovery_config rc;
  rc.bot_name = recovery_bot_name;
  rc.session_config = [&](const session_address& where) { return p.session_config(where); };
  rc.channel_exists = [](const session_address& where) { return where != doomed; };
  rc.on_lost = [&](const lost_session& l) { told.push_back(l); };
  rc.on_created = [&](const std::shared_ptr<local_session>& s) { p.sessions[s->address().guild] = s; };
  auto report = p.wait<recovery_report>([&](diagnostics&, auto h) { async_recover(*p.store, *p.pool, rc, std::move(h)); });

  // The doomed session was closed, deleted and reported with its address.
  REQUIRE(report.lost.size() == 1);
  CHECK(report.lost.front().address == doomed);
  CHECK(report.lost.front().code == error::voice_disconnected);
  REQUIRE(told.size() == 1);
  CHECK(told.front().address == doomed);
  auto gone = p.wait<std::optional<storage::session_record>>([&](diagnostics& d, auto h) {
    p.store->async_load_session({recovery_bot_name, doomed.guild, doomed.voice}, d, std::move(h));
  });
  CHECK_FALSE(gone);

  REQUIRE(report.recovered.size() == 2);
  auto one = p.sessions.at(looping.guild), two = p.sessions.at(paused.guild);
  auto state_one = p.wait<session_state>([&](diagnostics& d, auto h) { one->async_state(d, std::move(h)); });
  auto state_two = p.wait<session_state>([&](diagnostics& d, auto h) { two->async_state(d, std::move(h)); });
  auto page_one = p.wait<queue_view>([&](diagnostics& d, auto h) { one->async_queue_page({.number = 1, .size = 10}, d, std::move(h)); });
  auto page_two = p.wait<queue_view>([&](diagnostics& d, auto h) { two->async_queue_page({.number = 1, .size = 10}, d, std::move(h)); });

  // The queues, pointers and settings, as the child left them.
  CHECK(titles(page_one) == playlist_titles(6));
  CHECK(state_one.current_position == 3);
  CHECK(state_one.repeat == repeat_mode::all);
  CHECK(state_one.volume == 50);
  CHECK_FALSE(state_one.paused);
  CHECK(state_one.connected);
  CHECK(titles(page_two) == playlist_titles(4));
  CHECK(state_two.current_position == 1);
  CHECK(state_two.volume == 120);
  CHECK(state_two.paused);
  CHECK(state_two.filters == detail::filter_preset("nightcore").value());

  // The players on the node: the same tracks, continuing within one update interval of where
  // they were (the playing one moved on by the time that passed; the paused one did not move).
  const auto tolerance = options.player_update_interval.count();
  const auto after_one = node_player(fake, looping), after_two = node_player(fake, paused);
  const auto elapsed = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - measured).count();
  REQUIRE(after_one.track);
  REQUIRE(before_one.track);
  CHECK(after_one.track->encoded == before_one.track->encoded);
  CHECK(after_one.volume == 50);
  CHECK_FALSE(after_one.paused);
  CHECK(after_one.position >= before_one.position - tolerance);
  CHECK(after_one.position <= before_one.position + elapsed + tolerance);
  REQUIRE(after_two.track);
  REQUIRE(before_two.track);
  CHECK(after_two.track->encoded == before_two.track->encoded);
  CHECK(after_two.paused);
  CHECK(after_two.volume == 120);
  CHECK(after_two.filters == before_two.filters);
  CHECK(after_two.position >= before_two.position - tolerance);
  CHECK(after_two.position <= before_two.position + tolerance);
  CHECK(before_two.position >= 7'000);
}
