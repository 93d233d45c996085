// Remembered volumes in a real `hanabi-session-child --store` process (issue 7): two requesters
// choose their volumes on the child's session; the child is killed with SIGKILL, respawned on the
// same store file and recovers the session; a track of each requester then starts at the volume
// that requester chose, which only the store's users table (volume_memory) still knows: the
// restarted process never heard either of them set a volume. No assertion is about elapsed time.
#include "../sessions/music_bots.hpp"

#include "../storage/sqlite_helpers.hpp"

#include <signal.h>

namespace asio = boost::asio;
using namespace hanabi;
using namespace hanabi::test;

namespace {

const user_id quiet_listener{61}, loud_listener{62};

/// The child's store holds both volumes and the session at `where` at the last one (150).
bool volumes_durable(io_thread& io, const std::string& db, session_address where) {
  storage::sqlite_store_config sc;
  sc.path = db;
  sc.log = logger::none();
  auto reader = storage::sqlite_store::open(io.ioc.get_executor(), sc);
  REQUIRE(reader);
  auto volumes = required_answer([&](diagnostics& d) { return (*reader)->async_load_volumes(d, asio::use_future); });
  auto record = required_answer([&](diagnostics& d) {
    return (*reader)->async_load_session({"child-1", where.guild, where.voice}, d, asio::use_future);
  });
  (*reader)->close();
  return volumes[quiet_listener] == 30 && volumes[loud_listener] == 150 && record && record->state.is_object() &&
         record->state.value("volume", 0) == 150;
}

int volume_of(session& s) {
  return required_answer([&](diagnostics& d) { return s.async_state(d, asio::use_future); }).volume;
}

void skip_as(session& s, std::int64_t position, user_id by) {
  required_answer([&](diagnostics& d) {
    return s.async_skip({.how = skip_args::kind::to, .value = position, .by = by}, d, asio::use_future);
  });
}

}  // namespace

TEST_CASE("recovery: a restarted session child recalls each requester's volume from its store",
          "[recovery][processes]") {
  temp_dir dir;
  const auto db = (dir.path() / "child-1.db").string();
  testing::fake_node fake;
  fake.start();
  io_thread io;
  music_parent p(io, fake.base_url(), {});
  shared_log<child_exit> exits;
  std::vector<child_program> children{real_child({"child-1", child_bot(1), db}, p.port, fake)};
  supervisor sup(io.ioc.get_executor(), supervise(std::move(children), exits));
  REQUIRE(sup.start());
  REQUIRE(p.has_children(1));
  REQUIRE(p.open(at(1))->bot() == "parent");
  auto held = p.open(at(2));
  REQUIRE(held->bot() == "child-1");

  // Items 1-2 are the quiet listener's, item 3 the loud one's; each sets a volume.
  required_answer([&](diagnostics& d) {
    return held->async_play({.query = "fake:playlist:2", .by = quiet_listener}, d, asio::use_future);
  });
  required_answer([&](diagnostics& d) { return held->async_volume({.value = 30, .by = quiet_listener}, d, asio::use_future); });
  required_answer([&](diagnostics& d) {
    return held->async_play({.query = "fake:playlist:1", .by = loud_listener}, d, asio::use_future);
  });
  required_answer([&](diagnostics& d) { return held->async_volume({.value = 150, .by = loud_listener}, d, asio::use_future); });
  REQUIRE(eventually([&] { return volumes_durable(io, db, at(2)); }));

  ::kill(*sup.pid("child-1"), SIGKILL);
  REQUIRE(eventually([&] { return !p.events_of<manager_events::session_removed>().empty(); }));
  REQUIRE(eventually([&] { return sup.spawns("child-1") == 2 && p.bot_at(channel_id{2}) == "child-1"; }));
  auto back = p.manager->find(channel_id{2});
  REQUIRE(back);
  CHECK(volume_of(*back) == 150);  // the restored playback: the volume last set

  skip_as(*back, 2, loud_listener);  // the quiet listener's track, whoever skips to it
  CHECK(volume_of(*back) == 30);
  CHECK(eventually([&] {
    auto player = player_of(fake, child_bot(1), test_guild);
    return plays(fake, child_bot(1), at(2), "Track 2 of 2") && player && player->volume == 30;
  }));
  skip_as(*back, 3, quiet_listener);  // the loud listener's track
  CHECK(volume_of(*back) == 150);
  sup.async_stop(asio::use_future).get();
}
