// What only the SQLite store does: the schema and its migrations, the file on
// disk, its own thread, a clean close, and durability across a kill -9.
#include <hanabi/storage/sqlite_store.hpp>

#include "../../unit/storage/sync_store.hpp"
#include "crash_child.hpp"
#include "sqlite_helpers.hpp"

#include <hanabi/detail/sqlite_schema.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/use_future.hpp>

#include <cstdio>
#include <fstream>
#include <set>
#include <thread>

#include <unistd.h>

using namespace hanabi;
using namespace hanabi::test;
namespace asio = boost::asio;
using storage::journal_commit;

namespace {

const user_id store_user{7};

storage::session_key key() { return {"alpha", guild_id{1}, channel_id{2}}; }

// The event the crash child writes for each version; the parent recomputes it to check contents.
nlohmann::json crash_event(std::uint64_t v) { return {{"type", "inserted"}, {"item", v}, {"pad", std::string(100, 'x')}}; }

std::vector<storage::journal_event> one_event(std::uint64_t v) { return {{v, crash_event(v)}}; }

}  // namespace

TEST_CASE("a new database file gets the latest schema, in WAL mode, with foreign keys enforced") {
  sqlite_fixture<> f{{}};
  CHECK(f.db->schema_version() == storage::sqlite_store::latest_schema_version);
  sync_store s(f.ctx, f.store());
  auto p = s.create(store_user, {"P", "", storage::visibility::private_, {{"src", "a", {}, {}, {}}, {"src", "b", {}, {}, {}}}});
  REQUIRE(p);
  REQUIRE(s.erase(store_user, p->id));
  f.db.reset();
  raw_db raw(f.config.path);
  CHECK(raw.column("PRAGMA journal_mode") == std::vector<std::string>{"wal"});
  CHECK(raw.column("SELECT version FROM schema_version ORDER BY version") == std::vector<std::string>{"1", "2", "3", "4"});
  CHECK(raw.number("SELECT count(*) FROM playlist_entries") == 0);  // the cascade ran: foreign keys are on
  CHECK(raw.column("PRAGMA integrity_check") == std::vector<std::string>{"ok"});
}

TEST_CASE("reopening an existing file applies no migration and keeps the data") {
  temp_dir dir;
  std::vector<std::string> logged;
  storage::sqlite_store_config config;
  config.path = (dir.path() / "bot.db").string();
  config.log = logger{log_level::info, [&](log_level, std::string_view m) { logged.emplace_back(m); }};
  asio::io_context ctx;
  {
    auto first = storage::sqlite_store::open(ctx.get_executor(), config);
    REQUIRE(first);
    sync_store s(ctx, **first);
    REQUIRE(s.save_user({store_user, 42, 5, {{"tz", "UTC"}}}));
  }
  CHECK(logged == std::vector<std::string>{"storage: applied schema migration 1", "storage: applied schema migration 2",
                                          "storage: applied schema migration 3",
                                          "storage: applied schema migration 4"});
  logged.clear();
  auto second = storage::sqlite_store::open(ctx.get_executor(), config);
  REQUIRE(second);
  CHECK(logged.empty());
  sync_store s(ctx, **second);
  CHECK(s.load_user(store_user)->volume == 42);
  second->reset();
  raw_db raw(config.path);
  CHECK(raw.number("SELECT count(*) FROM schema_version") == 4);
}

TEST_CASE("a version 1 file is migrated to the latest version and keeps its playlists") {
  temp_dir dir;
  const auto path = dir.path() / "old.db";
  {
    raw_db raw(path);
    raw.exec("CREATE TABLE schema_version(version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL);"
             "INSERT INTO schema_version VALUES (1, 0);");
    raw.exec(hanabi::detail::sqlite_migrations[0].sql);
    raw.exec("INSERT INTO playlists(id, owner, name) VALUES (5, 7, 'Old');"
             "INSERT INTO playlist_entries(playlist_id, position, source, title) VALUES (5, 0, 'u', 'kept');");
  }
  asio::io_context ctx;
  storage::sqlite_store_config config;
  config.path = path.string();
  config.log = logger::none();
  auto opened = storage::sqlite_store::open(ctx.get_executor(), config);
  REQUIRE(opened);
  sync_store s(ctx, **opened);
  auto old = s.get(store_user, 5);
  REQUIRE(old);
  CHECK(old->entries.at(0).title == "kept");
  REQUIRE(s.append(key(), one_event(1)));  // a version 2 table
  REQUIRE(s.save_state(key(), {{"paused", true}}));  // a version 3 table
  opened->reset();
  raw_db raw(path);
  CHECK(raw.column("SELECT version FROM schema_version ORDER BY version") == std::vector<std::string>{"1", "2", "3", "4"});
}

TEST_CASE("a failed migration is rolled back and reported with SQLite's message") {
  temp_dir dir;
  const auto path = dir.path() / "conflict.db";
  {
    raw_db raw(path);
    raw.exec("CREATE TABLE schema_version(version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL);"
             "INSERT INTO schema_version VALUES (1, 0);");
    raw.exec(hanabi::detail::sqlite_migrations[0].sql);
    raw.exec("CREATE TABLE node_sessions(x INTEGER);");  // in the way of migration 2
  }
  asio::io_context ctx;
  storage::sqlite_store_config config;
  config.path = path.string();
  config.log = logger::none();
  auto opened = storage::sqlite_store::open(ctx.get_executor(), config);
  REQUIRE(opened.has_error());
  CHECK(opened.error().code == error::storage_failure);
  CHECK_THAT(opened.error().diag.client_message(), Catch::Contains("node_sessions already exists"));
  raw_db raw(path);
  CHECK(raw.number("SELECT max(version) FROM schema_version") == 1);
  CHECK(raw.number("SELECT count(*) FROM sqlite_master WHERE name = 'queue_sessions'") == 0);  // nothing half-made
}

TEST_CASE("a database from a newer build, or a file that is no database, is refused with a typed error") {
  temp_dir dir;
  asio::io_context ctx;
  storage::sqlite_store_config config;
  config.log = logger::none();
  config.path = (dir.path() / "future.db").string();
  {
    raw_db raw(config.path);
    raw.exec("CREATE TABLE schema_version(version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL);"
             "INSERT INTO schema_version VALUES (99, 0);");
  }
  auto future = storage::sqlite_store::open(ctx.get_executor(), config);
  REQUIRE(future.has_error());
  CHECK(future.error().code == error::storage_failure);
  CHECK_THAT(future.error().diag.client_message(), Catch::Contains("99"));

  config.path = (dir.path() / "garbage.db").string();
  std::ofstream(config.path) << std::string(8192, '\x5a');
  auto garbage = storage::sqlite_store::open(ctx.get_executor(), config);
  REQUIRE(garbage.has_error());
  CHECK(garbage.error().code == error::storage_failure);
  CHECK(garbage.error().code == condition::storage_failure);
  CHECK_THAT(garbage.error().diag.client_message(), Catch::Contains("not a database"));

  config.path = (dir.path() / "missing-dir" / "x.db").string();
  auto unreachable = storage::sqlite_store::open(ctx.get_executor(), config);
  REQUIRE(unreachable.has_error());
  CHECK(unreachable.error().code == error::storage_failure);
}

TEST_CASE("close commits every initiated operation, posts every handler, then refuses new work") {
  sqlite_fixture<journal_commit::batched> f{{}};
  constexpr std::uint64_t count = 2000;
  std::uint64_t acknowledged = 0;
  hanabi::diagnostics diag;
  const auto caller = std::this_thread::get_id();
  bool on_caller_thread = true;
  for (std::uint64_t v = 1; v <= count; ++v)
    f.db->async_append_events(key(), one_event(v), diag, [&, v](error_code ec, storage::journal_status st) {
      CHECK_FALSE(ec);
      CHECK(st.version == v);
      on_caller_thread = on_caller_thread && std::this_thread::get_id() == caller;
      ++acknowledged;
    });
  f.db->close();  // the io_context has not run yet: nothing was acknowledged so far
  CHECK(acknowledged == 0);
  f.ctx.run();
  CHECK(acknowledged == count);
  CHECK(on_caller_thread);

  error_code late;
  f.db->async_load_user(store_user, diag, [&](error_code ec, storage::user_settings) { late = ec; });
  f.ctx.restart();
  f.ctx.run();
  CHECK(late == error::storage_failure);
  CHECK_THAT(diag.client_message(), Catch::Contains("closed"));

  f.reopen();
  sync_store s(f.ctx, f.store());
  CHECK(s.load_session(key())->value().version() == count);
}

TEST_CASE("use_future works from a thread that does not run the io_context") {
  sqlite_fixture<> f{{}};
  auto guard = asio::make_work_guard(f.ctx);
  std::thread runner([&] { f.ctx.run(); });
  hanabi::diagnostics diag;
  f.db->async_save_node_session({"main", "s1", true, std::chrono::seconds(30)}, diag, asio::use_future).get();
  auto nodes = f.db->async_load_node_sessions(diag, asio::use_future).get();
  CHECK(nodes == std::vector<storage::node_session>{{"main", "s1", true, std::chrono::seconds(30)}});
  auto bad = f.db->async_get_playlist(store_user, 12345, diag, asio::use_future);
  CHECK_THROWS_AS(bad.get(), boost::system::system_error);
  guard.reset();
  runner.join();
}

TEST_CASE("compaction keeps the database file bounded while the journal grows") {
  // A fold whose state stays small, like a queue that plays and drops its items.
  storage::compaction_config fold{100, [](const nlohmann::json& snapshot, const std::vector<storage::journal_event>& tail) {
                                     auto folded = snapshot.is_null() ? nlohmann::json{{"count", 0}} : snapshot;
                                     folded["count"] = folded["count"].get<std::uint64_t>() + tail.size();
                                     folded["last"] = tail.back().body;
                                     return result<nlohmann::json>(boost::system::in_place_value, std::move(folded));
                                   }};
  auto append_range = [](auto& f, std::uint64_t first, std::uint64_t last) {
    hanabi::diagnostics diag;
    std::uint64_t failures = 0;
    for (auto v = first; v <= last; ++v)
      f.db->async_append_events(key(), one_event(v), diag, [&](error_code ec, storage::journal_status) { failures += !!ec; });
    f.ctx.restart();
    f.ctx.run();
    CHECK(failures == 0);
    f.reopen();  // close() checkpoints the WAL into the file
  };
  auto file_size = [](auto& f) { return std::filesystem::file_size(f.config.path); };

  sqlite_fixture<journal_commit::batched> bounded{fold};
  append_range(bounded, 1, 3000);
  const auto after_3k = file_size(bounded);
  append_range(bounded, 3001, 12000);
  const auto after_12k = file_size(bounded);
  CHECK(after_12k <= after_3k + 8 * 4096);  // freed journal pages are reused

  sqlite_fixture<journal_commit::batched> unbounded{{}};
  append_range(unbounded, 1, 12000);
  CHECK(file_size(unbounded) > 3 * after_12k);  // the control: without compaction the file grows

  sync_store s(bounded.ctx, bounded.store());
  auto record = s.load_session(key())->value();
  CHECK(record.version() == 12000);
  CHECK(record.tail.size() <= 100);
  CHECK(record.snapshot.at("count").get<std::uint64_t>() + record.tail.size() == 12000);
  bounded.db.reset();
  raw_db raw(bounded.config.path);
  CHECK(raw.number("SELECT count(*) FROM queue_journal") <= 100);
}

// ---- kill -9 ----

// Not a test of its own: the body of the child process of the crash tests. It appends events to
// HANABI_CRASH_DB forever, printing "submit V" before initiating the append of version V and
// "ack V" once its handler reported success, each line written straight to stdout (fd 1).
TEST_CASE("storage crash child", "[.crash-child]") {
  const char* path = std::getenv("HANABI_CRASH_DB");
  const char* mode = std::getenv("HANABI_CRASH_MODE");
  REQUIRE(path);
  REQUIRE(mode);
  asio::io_context ctx;
  storage::sqlite_store_config config;
  config.path = path;
  config.commit = std::string(mode) == "batched" ? journal_commit::batched : journal_commit::each;
  config.log = logger::none();
  auto opened = storage::sqlite_store::open(ctx.get_executor(), config);
  REQUIRE(opened);
  auto& db = **opened;
  // Each mode waits for every ack before the next append; batched keeps up to 64 appends in flight.
  const std::uint64_t window = config.commit == journal_commit::batched ? 64 : 1;
  hanabi::diagnostics diag;
  auto busy = asio::make_work_guard(ctx);  // run_one must never find the io_context out of work
  std::uint64_t submitted = 0, acked = 0;
  while (true) {
    while (submitted - acked < window) {
      const auto v = ++submitted;
      say("submit", v);
      db.async_append_events(key(), one_event(v), diag, [&, v](error_code ec, storage::journal_status) {
        REQUIRE_FALSE(ec);
        REQUIRE(v == acked + 1);
        acked = v;
        say("ack", v);
      });
    }
    ctx.run_one();
  }
}

namespace {

void check_crash_recovery(const char* mode) {
  temp_dir dir;
  const auto path = (dir.path() / "crash.db").string();
  auto report = run_crash_child("storage crash child", {{"HANABI_CRASH_DB", path}, {"HANABI_CRASH_MODE", mode}}, 300);
  REQUIRE(report.killed);
  const std::uint64_t last_ack = report.last["ack"], last_submit = report.last["submit"];
  INFO("mode " << mode << ", last ack " << last_ack << ", last submit " << last_submit);

  asio::io_context ctx;
  storage::sqlite_store_config config;
  config.path = path;
  config.log = logger::none();
  auto reopened = storage::sqlite_store::open(ctx.get_executor(), config);
  REQUIRE(reopened);
  sync_store s(ctx, **reopened);
  auto record = s.load_session(key());
  REQUIRE(record);
  REQUIRE(record->has_value());
  const auto& tail = (*record)->tail;
  // Provable: every acknowledged append is there; anything more was at least initiated (a commit
  // may land before its ack is printed); the journal is gap-free from version 1 with exact contents.
  CHECK(tail.size() >= last_ack);
  CHECK(tail.size() <= last_submit);
  bool exact = true;
  for (std::size_t i = 0; i < tail.size(); ++i)
    exact = exact && tail[i].version == i + 1 && tail[i].body == crash_event(i + 1);
  CHECK(exact);
  CHECK(s.append(key(), one_event(tail.size() + 1)));  // the journal goes on where it stopped
  reopened->reset();
  raw_db raw(path);
  CHECK(raw.column("PRAGMA integrity_check") == std::vector<std::string>{"ok"});
}

}  // namespace

TEST_CASE("kill -9 while appending one commit at a time loses no acknowledged event") {
  check_crash_recovery("each");
}

TEST_CASE("kill -9 while appending in batches loses no acknowledged event") {
  check_crash_recovery("batched");
}
