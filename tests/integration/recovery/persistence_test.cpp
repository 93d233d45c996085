// session_persistence over a real database file: what a session leaves in the store while it
// plays (its queue journal and state document), and that ending it cleanly deletes it while a
// shutdown keeps it for the next start.
#include "bot_process.hpp"

#include "../storage/sqlite_helpers.hpp"

#include <hanabi/testing/fake_node.hpp>

using namespace hanabi;
using namespace hanabi::test;

namespace {

std::optional<storage::session_record> stored(bot_process& p, session_address where) {
  return p.wait<std::optional<storage::session_record>>([&](diagnostics& d, auto h) {
    p.store->async_load_session({recovery_bot_name, where.guild, where.voice}, d, std::move(h));
  });
}

}  // namespace

TEST_CASE("persistence: a playing session is stored, ending it deletes it, a shutdown keeps it", "[recovery]") {
  temp_dir dir;
  testing::fake_node fake;
  fake.start();
  bot_process p((dir.path() / "bot.db").string(), fake.base_url());
  const session_address ends{guild_id{7}, channel_id{70}}, stays{guild_id{8}, channel_id{80}};
  const user_id dj{42};

  auto keep_first = p.persist(ends);
  auto first = p.sessions.at(ends.guild);
  auto keep_second = p.persist(stays);
  auto second = p.sessions.at(stays.guild);
  for (auto& s : {first, second})
    p.wait<enqueue_outcome>([&](diagnostics& d, auto h) { s->async_play({.query = "fake:playlist:3", .by = dj}, d, std::move(h)); });
  p.wait<int>([&](diagnostics& d, auto h) { first->async_volume({.value = 30, .by = dj}, d, std::move(h)); });
  for (auto* keeper : {&keep_first, &keep_second})
    p.wait_void([&](diagnostics&, auto h) { (*keeper)->async_flush(std::move(h)); });

  auto record = stored(p, ends);
  REQUIRE(record);
  CHECK(record->version() == keep_first->durable_version());
  auto back = replayed_queue(*record);
  REQUIRE((back).has_value());
  CHECK(back->size() == 3);
  CHECK(back->current_position() == 1);
  CHECK(record->state["volume"] == 30);
  CHECK(record->state["active"] == true);

  p.wait_void([&](diagnostics& d, auto h) { first->async_disconnect({.by = dj}, d, std::move(h)); });
  second->close(close_reason::shutdown);
  // The deletion follows the closed event; poll the store until it has happened (a hang guard only).
  REQUIRE(p.run_until([&] { return !stored(p, ends); }));
  CHECK(stored(p, stays));
  p.sessions.clear();
}
