// What the Redis store does beyond the store contract: it shares one server between clients
// (restarts of the client, several hosts, key prefixes), keeps acknowledged writes over a server
// crash when the server writes an append-only file, and turns a lost server, bad data and an
// unreachable address into typed errors, recovering when the server returns.
#include "redis_server.hpp"
#include "../../unit/storage/sync_store.hpp"

#include <hanabi/storage/redis_store.hpp>

#include <boost/asio/io_context.hpp>

#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <atomic>
#include <set>
#include <string>

using hanabi::test::raw_redis;
using hanabi::test::redis_server;
using hanabi::test::sync_store;
using hanabi::test::temp_dir;

namespace redis_tests {

const hanabi::user_id owner{77};

hanabi::storage::playlist_entry song(std::string title) {
  return {"https://example.com/" + title, std::move(title), std::nullopt, std::nullopt, std::nullopt};
}

hanabi::storage::session_key queue_of(std::uint64_t channel) {
  return {"alpha", hanabi::guild_id{5}, hanabi::channel_id{channel}};
}

std::vector<hanabi::storage::journal_event> numbered(std::uint64_t first, std::uint64_t last) {
  std::vector<hanabi::storage::journal_event> e;
  for (auto v = first; v <= last; ++v) e.push_back({v, {{"item", v}}});
  return e;
}

std::unique_ptr<hanabi::storage::redis_store> open_store(boost::asio::io_context& ctx,
                                                         hanabi::storage::redis_store_config config) {
  auto opened = hanabi::storage::redis_store::open(ctx.get_executor(), std::move(config));
  INFO((opened ? "" : opened.error().what()));
  REQUIRE(opened.has_value());
  return std::move(*opened);
}

}  // namespace redis_tests

using namespace redis_tests;

TEST_CASE("redis store: a new client on the same server and prefix reads everything back", "[redis]") {
  temp_dir dir;
  redis_server server(dir.path());
  boost::asio::io_context ctx;
  hanabi::storage::playlist_id id = 0;
  {
    auto first = open_store(ctx, server.config("bot:"));
    sync_store s(ctx, *first);
    auto p = s.create(owner, {"Kept", "", hanabi::storage::visibility::public_, {song("a"), song("b")}});
    REQUIRE(p);
    id = p->id;
    REQUIRE(s.append(queue_of(1), numbered(1, 4)));
    REQUIRE(s.save_node({"main", "sess-1", true, std::chrono::seconds(30)}));
    REQUIRE(s.save_volume(owner, 55));
  }  // the client is gone; the server keeps the data
  auto second = open_store(ctx, server.config("bot:"));
  sync_store s(ctx, *second);
  auto p = s.get(owner, id);
  REQUIRE(p);
  CHECK(p->entries.size() == 2);
  CHECK(s.load_session(queue_of(1))->value().tail == numbered(1, 4));
  CHECK(*s.nodes() == std::vector<hanabi::storage::node_session>{{"main", "sess-1", true, std::chrono::seconds(30)}});
  CHECK(s.volumes()->at(owner) == 55);
  CHECK(s.create(owner, {"Kept", "", hanabi::storage::visibility::private_, {}}).error().code ==
        hanabi::error::duplicate_name);  // the name index came back too
}

TEST_CASE("redis store: with an append-only file, a killed server restarts with every acknowledged write",
          "[redis]") {
  temp_dir dir;
  redis_server server(dir.path(), {true, {}});
  boost::asio::io_context ctx;
  auto store = open_store(ctx, server.config("aof:"));
  sync_store s(ctx, *store);
  auto p = s.create(owner, {"Durable", "", hanabi::storage::visibility::private_, {}});
  REQUIRE(p);
  for (std::uint64_t v = 1; v <= 50; ++v) {
    REQUIRE(s.append(queue_of(2), numbered(v, v)));
    REQUIRE(s.add(owner, p->id, song(fmt::format("song {}", v))));
  }
  server.kill();  // SIGKILL right after the last acknowledgement
  server.start();
  auto after = open_store(ctx, server.config("aof:"));
  s.rebind(*after);
  CHECK(s.load_session(queue_of(2))->value().tail == numbered(1, 50));
  auto kept = s.get(owner, p->id);
  REQUIRE(kept);
  REQUIRE(kept->entries.size() == 50);
  CHECK(kept->entries.back().title == "song 50");
}

TEST_CASE("redis store: a lost server gives typed errors, and the store recovers when it returns", "[redis]") {
  temp_dir dir;
  redis_server server(dir.path(), {true, {}});
  boost::asio::io_context ctx;
  auto store = open_store(ctx, server.config("lost:"));
  sync_store s(ctx, *store);
  REQUIRE(s.append(queue_of(3), numbered(1, 2)));
  server.kill();
  auto cut = s.append(queue_of(3), numbered(3, 3));
  REQUIRE(cut.has_error());
  CHECK(cut.error().code == hanabi::error::storage_unavailable);
  CHECK(cut.error().code == hanabi::condition::storage_failure);
  CHECK_THAT(cut.error().diag.client_message(), Catch::Contains(server.socket()));
  // Several operations while it is down, queued back to back: each fails, typed, in order.
  std::vector<int> order;
  hanabi::diagnostics d1, d2, d3;
  store->async_load_node_sessions(d1, [&](hanabi::error_code ec, auto) {
    CHECK(ec == hanabi::error::storage_unavailable);
    order.push_back(1);
  });
  store->async_save_volume(owner, 10, d2, [&](hanabi::error_code ec) {
    CHECK(ec == hanabi::error::storage_unavailable);
    order.push_back(2);
  });
  store->async_save_volume(owner, 5000, d3, [&](hanabi::error_code ec) {
    CHECK(ec == hanabi::error::out_of_range);  // checked before any network: still its own error
    order.push_back(3);
  });
  ctx.restart();
  ctx.run();
  CHECK(order == std::vector<int>{1, 2, 3});
  server.start();
  auto resumed = s.append(queue_of(3), numbered(3, 3));
  INFO((resumed ? "" : resumed.error().what()));
  REQUIRE(resumed);
  CHECK(resumed->version == 3);
  CHECK(s.load_session(queue_of(3))->value().tail == numbered(1, 3));
}

TEST_CASE("redis store: two key prefixes on one server do not see each other", "[redis]") {
  temp_dir dir;
  redis_server server(dir.path());
  boost::asio::io_context ctx;
  auto red = open_store(ctx, server.config("red:"));
  auto blue = open_store(ctx, server.config("blue:"));
  sync_store r(ctx, *red), b(ctx, *blue);
  REQUIRE(r.create(owner, {"Same name", "", hanabi::storage::visibility::global, {song("r")}}));
  REQUIRE(b.create(owner, {"Same name", "", hanabi::storage::visibility::global, {}}));
  REQUIRE(r.append(queue_of(4), numbered(1, 3)));
  REQUIRE(b.append(queue_of(4), numbered(1, 1)));  // version 1 again: its own journal
  REQUIRE(r.save_node({"main", "red-session", false, std::chrono::seconds(0)}));
  REQUIRE(r.save_user({owner, 20, 5, nlohmann::json::object()}));
  CHECK(r.list(owner)->size() == 1);
  CHECK(b.shared(std::nullopt)->size() == 1);
  CHECK(b.find(owner, owner, "Same name")->entries.empty());
  CHECK(b.load_session(queue_of(4))->value().version() == 1);
  CHECK(b.nodes()->empty());
  CHECK(b.volumes()->empty());
  CHECK(b.load_user(owner)->volume == 100);
}

TEST_CASE("redis store: two clients on one prefix keep names unique and lose no concurrent insert", "[redis]") {
  temp_dir dir;
  redis_server server(dir.path());
  hanabi::test::io_thread io;
  auto host_a = open_store(io.ioc, server.config("shared:"));
  auto host_b = open_store(io.ioc, server.config("shared:"));
  constexpr int per_host = 100;
  std::atomic<int> done{0}, created{0}, duplicates{0}, inserted{0};
  std::vector<hanabi::diagnostics> diags(2 * per_host + 2);
  // Both hosts race to create the same name, then to insert the same titles into the winner's playlist.
  for (int host = 0; host < 2; ++host) {
    auto& target = host == 0 ? *host_a : *host_b;
    target.async_create_playlist(owner, {"Race", "", hanabi::storage::visibility::private_, {}}, diags[2 * per_host + host],
                                 [&](hanabi::error_code ec, hanabi::storage::playlist) {
                                   if (!ec) ++created;
                                   else if (ec == hanabi::error::duplicate_name) ++duplicates;
                                   ++done;
                                 });
  }
  REQUIRE(hanabi::test::eventually([&] { return done == 2; }));
  CHECK(created == 1);
  CHECK(duplicates == 1);
  boost::asio::io_context ctx;
  auto checker = open_store(ctx, server.config("shared:"));  // a third client, run by this thread
  sync_store s(ctx, *checker);
  auto race = s.find(owner, owner, "Race");
  REQUIRE(race);
  for (int i = 0; i < per_host; ++i)
    for (int host = 0; host < 2; ++host) {
      auto& target = host == 0 ? *host_a : *host_b;
      target.async_insert_entry(owner, race->id, 0, song(fmt::format("s{}", i)), diags[2 * i + host],
                                [&](hanabi::error_code ec) {
                                  if (!ec) ++inserted;
                                  else if (ec == hanabi::error::duplicate_name) ++duplicates;
                                  ++done;
                                });
    }
  REQUIRE(hanabi::test::eventually([&] { return done == 2 + 2 * per_host; }));
  CHECK(inserted == per_host);  // each title once, whichever host won it
  CHECK(duplicates == 1 + per_host);
  auto all = s.get(owner, race->id);
  REQUIRE(all);
  std::set<std::string> titles;
  for (const auto& e : all->entries) titles.insert(e.title);
  CHECK(all->entries.size() == per_host);
  CHECK(titles.size() == per_host);
}

TEST_CASE("redis store: unreadable or mistyped data is a typed error, never a crash", "[redis]") {
  temp_dir dir;
  redis_server server(dir.path());
  boost::asio::io_context ctx;
  auto store = open_store(ctx, server.config("bad:"));
  sync_store s(ctx, *store);
  auto p = s.create(owner, {"Fine", "", hanabi::storage::visibility::private_, {song("a")}});
  REQUIRE(p);
  raw_redis raw(server.socket());
  raw.command({"RPUSH", fmt::format("bad:playlist:{}:entries", p->id), "12:short"});
  auto corrupt = s.get(owner, p->id);
  REQUIRE(corrupt.has_error());
  CHECK(corrupt.error().code == hanabi::error::storage_failure);
  raw.command({"SET", "bad:owner:77:playlists", "not a hash"});
  auto wrong_type = s.create(owner, {"Other", "", hanabi::storage::visibility::private_, {}});
  REQUIRE(wrong_type.has_error());
  CHECK(wrong_type.error().code == hanabi::error::storage_failure);
  CHECK_THAT(wrong_type.error().diag.client_message(), Catch::Contains("WRONGTYPE"));
  raw.command({"HSET", "bad:session:5:6:alpha", "version", "seven"});
  CHECK(s.append(queue_of(6), numbered(1, 1)).error().code == hanabi::error::storage_failure);
  CHECK(s.save_node({"main", "still works", true, std::chrono::seconds(1)}));  // the connection is fine
}

TEST_CASE("redis store: nobody listening, a wrong or missing password are typed errors, AUTH and SELECT work",
          "[redis]") {
  temp_dir dir;
  boost::asio::io_context ctx;
  hanabi::storage::redis_store_config nowhere;
  nowhere.unix_socket = (dir.path() / "nobody.sock").string();
  auto unreachable = hanabi::storage::redis_store::open(ctx.get_executor(), nowhere);
  REQUIRE(unreachable.has_error());
  CHECK(unreachable.error().code == hanabi::error::storage_unavailable);
  CHECK_THAT(unreachable.error().diag.client_message(), Catch::Contains("nobody.sock"));
  redis_server server(dir.path(), {false, "s3cret-pass"});
  auto wrong = server.config("x:");
  wrong.password = hanabi::secret("guessed-pass");
  auto refused = hanabi::storage::redis_store::open(ctx.get_executor(), wrong);
  REQUIRE(refused.has_error());
  CHECK(refused.error().code == hanabi::error::storage_failure);
  CHECK_THAT(refused.error().diag.client_message(), !Catch::Contains("guessed-pass"));
  {
    auto without = open_store(ctx, server.config("x:"));  // connecting needs no command...
    sync_store s(ctx, *without);
    auto denied = s.nodes();  // ...the first one is refused
    REQUIRE(denied.has_error());
    CHECK(denied.error().code == hanabi::error::storage_failure);
    CHECK_THAT(denied.error().diag.client_message(), Catch::Contains("NOAUTH"));
  }
  auto in_db3 = server.config("x:");
  in_db3.password = hanabi::secret("s3cret-pass");
  in_db3.database = 3;
  auto store = open_store(ctx, in_db3);
  sync_store s(ctx, *store);
  REQUIRE(s.save_node({"main", "db3", true, std::chrono::seconds(1)}));
  raw_redis raw(server.socket());
  raw.command({"AUTH", "s3cret-pass"});
  CHECK(raw.command({"EXISTS", "x:nodes"}).integer == 0);  // database 0 holds nothing
  raw.command({"SELECT", "3"});
  CHECK(raw.command({"EXISTS", "x:nodes"}).integer == 1);
}
