// Several processes share one SQLite file (a bot's parent and its children): a write of the store
// must wait for another connection's write, not fail with "database is locked".
#include "../../unit/storage/sync_store.hpp"
#include "sqlite_helpers.hpp"

#include <sqlite3.h>

#include <chrono>
#include <thread>

using namespace hanabi;
using namespace hanabi::test;
using namespace std::chrono_literals;

TEST_CASE("a playlist write waits for another connection's write transaction instead of failing as locked") {
  sqlite_fixture<> f{{}};
  f.config.busy_timeout = 120s;  // a hang guard: the other connection lets go long before
  f.reopen();
  // Another connection (as another process would) holds the write lock for a while.
  raw_db other(f.config.path);
  other.exec("BEGIN IMMEDIATE");
  int committed = SQLITE_ERROR;
  std::thread lets_go([&] {
    std::this_thread::sleep_for(300ms);
    committed = sqlite3_exec(other.handle(), "COMMIT", nullptr, nullptr, nullptr);
  });
  // A deferred transaction would read, then fail at its INSERT at once (SQLite does not wait
  // when a reader asks to write): the store's own transaction waits for the lock instead.
  sync_store s(f.ctx, f.store());
  auto made = s.create(user_id{7}, {"mine", "", storage::visibility::private_, {{"src", "a", {}, {}, {}}}});
  lets_go.join();
  INFO((made ? "" : made.error().what()));
  REQUIRE(made);
  CHECK(committed == SQLITE_OK);
  CHECK(raw_db(f.config.path).number("SELECT count(*) FROM playlist_entries") == 1);
}
