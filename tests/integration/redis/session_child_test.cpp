// `hanabi-session-child --store redis+unix://SOCKET` (issue 7, "Redis for several hosts"): a real
// child process persists its session on a real redis-server; killed with SIGKILL, it is respawned
// on the same server, recovers the session before it registers, and the parent re-adopts it,
// playing where it was. No assertion is about elapsed time.
#include "../sessions/music_bots.hpp"

#include "redis_server.hpp"

#include <hanabi/queue/track_queue.hpp>

#include <signal.h>

namespace asio = boost::asio;
using namespace hanabi;
using namespace hanabi::test;

namespace {

/// True once the Redis server holds child-1's session at `where` with its pointer on item 2.
bool stored_at_second(io_thread& io, const redis_server& server, session_address where) {
  auto reader = storage::redis_store::open(io.ioc.get_executor(), server.config("child:"));
  REQUIRE(reader);
  auto record = required_answer([&](diagnostics& d) {
    return (*reader)->async_load_session({"child-1", where.guild, where.voice}, d, asio::use_future);
  });
  (*reader)->close();
  if (!record) return false;
  auto queue = replayed_queue(*record);
  return queue && queue->current_position() == 2;
}

}  // namespace

TEST_CASE("redis: a session child on --store redis+unix:// is killed, respawned, recovers its session from Redis and is re-adopted",
          "[redis][processes]") {
  temp_dir dir;
  redis_server server(dir.path());
  testing::fake_node fake;
  fake.start();
  io_thread io;
  music_parent p(io, fake.base_url(), {});
  shared_log<child_exit> exits;
  child_setup child{"child-1", child_bot(1), "redis+unix://" + server.socket()};
  auto program = real_child(child, p.port, fake);
  program.args.insert(program.args.end(), {"--store-prefix", "child:"});
  supervisor sup(io.ioc.get_executor(), supervise({std::move(program)}, exits));
  REQUIRE(sup.start());
  REQUIRE(p.has_children(1));
  REQUIRE(p.open(at(1))->bot() == "parent");
  auto held = p.open(at(2));
  REQUIRE(held->bot() == "child-1");
  const user_id dj{42};
  required_answer([&](diagnostics& d) { return held->async_play({.query = "fake:playlist:3", .by = dj}, d, asio::use_future); });
  required_answer([&](diagnostics& d) {
    return held->async_skip({.how = skip_args::kind::to, .value = 2, .by = dj}, d, asio::use_future);
  });
  REQUIRE(eventually([&] { return stored_at_second(io, server, at(2)); }));

  ::kill(*sup.pid("child-1"), SIGKILL);
  REQUIRE(eventually([&] { return !p.events_of<manager_events::session_removed>().empty(); }));
  REQUIRE(eventually([&] { return sup.spawns("child-1") == 2 && p.bot_at(channel_id{2}) == "child-1"; }));
  CHECK(p.events_of<manager_events::session_added>().back().adopted);
  CHECK(eventually([&] { return plays(fake, child_bot(1), at(2), "Track 2 of 3"); }));
  sup.async_stop(asio::use_future).get();
}
