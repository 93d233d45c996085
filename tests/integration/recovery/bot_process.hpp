// Test helper of the recovery tests: what one bot process holds (a SQLite store on a file, one
// node on a fake Lavalink that lives outside the process, resuming its stored session, a pool,
// local sessions), with Discord's voice answers simulated from the op 4 payloads sent.
#pragma once

#include "fake_bot.hpp"

#include <hanabi/session/recovery.hpp>
#include <hanabi/storage/sqlite_store.hpp>

#include <catch2/catch.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace hanabi::test {

inline const user_id recovery_bot{170939974227541168ULL};
inline constexpr const char* recovery_bot_name = "recovery-bot";

struct bot_process {
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(io);
  std::unique_ptr<storage::sqlite_store> store;
  std::shared_ptr<node> lavalink;
  std::unique_ptr<node_pool> pool;
  std::map<guild_id, std::shared_ptr<local_session>> sessions;

  bot_process(const std::string& db, const std::string& node_url) {
    storage::sqlite_store_config sc;
    sc.path = db;
    sc.log = logger::none();
    auto opened = storage::sqlite_store::open(io.get_executor(), sc);
    INFO((opened ? "" : opened.error().what()));
    REQUIRE(opened);
    store = std::move(*opened);
    auto stored = wait<std::vector<storage::node_session>>(
        [&](diagnostics& d, auto h) { store->async_load_node_sessions(d, std::move(h)); });
    lavalink = std::make_shared<node>(io.get_executor(), fake_bot_node("fake", node_url, recovery_bot, stored));
    keep_node_session(*lavalink, *store);
    lavalink->async_run([](error_code) {});
    pool_config pc;
    pc.log = logger::none();
    pool = std::make_unique<node_pool>(asio::make_strand(io), pc);
    pool->add_node(lavalink);
    REQUIRE(run_until([&] { return !pool->stats().nodes.empty() && pool->stats().nodes.front().available; }));
  }

  ~bot_process() {
    for (auto& [g, s] : sessions) s->close(close_reason::shutdown);
    io.run_for(std::chrono::milliseconds(50));
    sessions.clear();
    lavalink->cancel();
    store->close();
    work.reset();
    io.run_for(std::chrono::milliseconds(200));
  }

  local_session_config session_config(session_address where) {
    return fake_bot_session(recovery_bot_name, recovery_bot, lavalink, [this, g = where.guild](const gateway_voice_update& op) {
      if (auto s = sessions[g]) discord_answers(*s, recovery_bot, g, op);
    });
  }

  /// A new session in `where`, persisted and joined (then in `sessions`); returns its persistence.
  std::shared_ptr<session_persistence> persist(session_address where, persistence_config pc = {}) {
    auto keeper = session_persistence::create(*store, {recovery_bot_name, where.guild, where.voice}, 0, std::move(pc));
    auto cfg = session_config(where);
    keeper->configure(cfg);
    std::shared_ptr<local_session> s;
    asio::post(pool->get_executor(), [&] { s = local_session::create(*pool, where, cfg).value(); });
    REQUIRE(run_until([&] { return s != nullptr; }));
    sessions[where.guild] = s;
    keeper->attach(s);
    wait<session_state>([&](diagnostics& d, auto h) { s->async_connect({.by = recovery_bot}, d, std::move(h)); });
    return keeper;
  }

  /// Runs `start(diag, handler)` and returns its value; the operation must succeed.
  template <class T, class Start>
  T wait(Start start) {
    std::optional<std::pair<error_code, T>> out;
    diagnostics d;
    start(d, [&](error_code ec, T v) { out.emplace(ec, std::move(v)); });
    REQUIRE(run_until([&] { return out.has_value(); }));
    INFO(d.client_message());
    REQUIRE_FALSE(out->first);
    return std::move(out->second);
  }

  /// The same for an operation without a value.
  template <class Start>
  void wait_void(Start start) {
    std::optional<error_code> out;
    diagnostics d;
    start(d, [&](error_code ec) { out = ec; });
    REQUIRE(run_until([&] { return out.has_value(); }));
    INFO(d.client_message());
    REQUIRE_FALSE(*out);
  }

  /// Runs the io_context until `done` (a hang guard of 30 s, not a speed check).
  bool run_until(const std::function<bool()>& done) {
    const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!done()) {
      if (std::chrono::steady_clock::now() > limit) return false;
      io.run_for(std::chrono::milliseconds(2));
    }
    return true;
  }
};

}  // namespace hanabi::test
