// What a session remembers about people, kept across a restart on a real database file: each
// requester's volume (volume_memory, the store's users table) and the session's action history
// (who did what, when), plus the guild's playback history written as tracks start.
#include "bot_process.hpp"

#include "../storage/sqlite_helpers.hpp"

#include <hanabi/testing/fake_node.hpp>

using namespace hanabi;
using namespace hanabi::test;

namespace {

const session_address kept{guild_id{9}, channel_id{90}};
const session_address fresh{guild_id{10}, channel_id{100}};
const user_id loud{51}, soft{52};

std::shared_ptr<volume_memory> load_volumes(bot_process& p) {
  return p.wait<std::shared_ptr<volume_memory>>(
      [&](diagnostics&, auto h) { volume_memory::async_load(*p.store, logger::none(), std::move(h)); });
}

int volume_now(bot_process& p, const std::shared_ptr<local_session>& s) {
  return p.wait<session_state>([&](diagnostics& d, auto h) { s->async_state(d, std::move(h)); }).volume;
}

std::vector<action_record> history_of(bot_process& p, const std::shared_ptr<local_session>& s) {
  return p.wait<std::vector<action_record>>([&](diagnostics& d, auto h) { s->async_history(50, d, std::move(h)); });
}

void skip_to(bot_process& p, const std::shared_ptr<local_session>& s, std::int64_t position, user_id by) {
  p.wait<now_playing>([&](diagnostics& d, auto h) {
    s->async_skip({.how = skip_args::kind::to, .value = position, .by = by}, d, std::move(h));
  });
}

}  // namespace

TEST_CASE("persistence: requester volumes and the action history survive a restart", "[recovery]") {
  temp_dir dir;
  const auto db = (dir.path() / "bot.db").string();
  testing::fake_node fake;
  fake.start();
  std::vector<action_record> before;

  {  // The first run: two requesters choose their volumes; everything is flushed, then a shutdown.
    bot_process p(db, fake.base_url());
    persistence_config pc;
    pc.volumes = load_volumes(p);
    auto keeper = p.persist(kept, pc);
    auto s = p.sessions.at(kept.guild);
    p.wait<enqueue_outcome>([&](diagnostics& d, auto h) { s->async_play({.query = "fake:playlist:2", .by = loud}, d, std::move(h)); });
    p.wait<int>([&](diagnostics& d, auto h) { s->async_volume({.value = 30, .by = loud}, d, std::move(h)); });
    p.wait<enqueue_outcome>([&](diagnostics& d, auto h) { s->async_play({.query = "fake:playlist:1", .by = soft}, d, std::move(h)); });
    p.wait<int>([&](diagnostics& d, auto h) { s->async_volume({.value = 150, .by = soft}, d, std::move(h)); });
    CHECK(pc.volumes->recall(loud) == std::optional<std::uint16_t>(30));
    before = history_of(p, s);
    REQUIRE(before.size() >= 4);  // connect, play, volume, play, volume
    CHECK(before.back().by == soft);
    CHECK(before.back().action == "volume");
    p.wait_void([&](diagnostics&, auto h) { keeper->async_flush(std::move(h)); });
  }  // closes the session with `shutdown` (kept in the store) and the store

  bot_process p(db, fake.base_url());
  auto volumes = load_volumes(p);
  CHECK(volumes->recall(loud) == std::optional<std::uint16_t>(30));
  CHECK(volumes->recall(soft) == std::optional<std::uint16_t>(150));
  CHECK_FALSE(volumes->recall(user_id{53}));

  // The tracks that started in the first run are in the guild's playback history.
  auto plays = p.wait<std::vector<storage::history_entry>>([&](diagnostics& d, auto h) {
    p.store->async_history({std::nullopt, kept.guild, 50}, d, std::move(h));
  });
  REQUIRE_FALSE(plays.empty());
  CHECK(plays.back().requester == loud);
  CHECK(plays.back().bot == recovery_bot_name);
  CHECK(plays.back().title == "Track 1 of 2");

  recovery_config rc;
  rc.bot_name = recovery_bot_name;
  rc.session_config = [&](const session_address& where) { return p.session_config(where); };
  rc.on_created = [&](const std::shared_ptr<local_session>& s) { p.sessions[s->address().guild] = s; };
  rc.persistence.volumes = volumes;
  auto report = p.wait<recovery_report>([&](diagnostics&, auto h) { async_recover(*p.store, *p.pool, rc, std::move(h)); });
  REQUIRE(report.recovered.size() == 1);
  auto s = p.sessions.at(kept.guild);

  // /history shows what happened before the restart, then the recovery's own rejoin.
  auto after = history_of(p, s);
  REQUIRE(after.size() > before.size());
  CHECK(std::vector<action_record>(after.begin(), after.begin() + static_cast<std::ptrdiff_t>(before.size())) == before);

  // The recovered session has never heard either requester set a volume: it recalls the stored ones.
  CHECK(volume_now(p, s) == 150);  // the restored playback: the volume last set
  skip_to(p, s, 2, soft);          // loud's track, whoever skips to it
  CHECK(volume_now(p, s) == 30);
  skip_to(p, s, 3, loud);          // soft's track
  CHECK(volume_now(p, s) == 150);

  // A new session of the restarted bot knows them too.
  auto keeper = p.persist(fresh, rc.persistence);
  auto other = p.sessions.at(fresh.guild);
  p.wait<enqueue_outcome>([&](diagnostics& d, auto h) { other->async_play({.query = "fake:playlist:3", .by = loud}, d, std::move(h)); });
  CHECK(volume_now(p, other) == 30);
  p.wait_void([&](diagnostics&, auto h) { keeper->async_flush(std::move(h)); });
}
