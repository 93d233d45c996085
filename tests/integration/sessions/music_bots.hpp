// Helpers of the tests that run music bots the way a deployment does, on loopback: the parent in
// this process (a node on a fake Lavalink, a pool, its own local sessions, the session_manager
// the children dial into; with a SQLite file, its sessions persisted and recovered at start) and
// real `hanabi-session-child` processes started by a supervisor. Discord's voice answers are
// simulated from the op 4 payloads, by each bot for itself. No assertion is about elapsed time.
#pragma once

#include "fake_bot.hpp"
#include "manager_support.hpp"

#include <hanabi/node/node_pool.hpp>
#include <hanabi/session/recovery.hpp>
#include <hanabi/session/session_manager.hpp>
#include <hanabi/session/supervisor.hpp>
#include <hanabi/storage/sqlite_store.hpp>
#include <hanabi/testing/fake_node.hpp>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_future.hpp>

#include <catch2/catch.hpp>

#include <functional>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hanabi::test {

inline const user_id parent_bot{170939974227541200ULL};
/// Child n's Discord user id (each bot has its own Lavalink session at the node).
inline user_id child_bot(std::uint64_t n) { return user_id{parent_bot.value() + n}; }

/// The answer of a session (or store) call made with asio::use_future; a failure fails the test
/// with the sentence the user would see.
template <class Start>
auto required_answer(Start start) {
  diagnostics diag;
  auto f = start(diag);
  try {
    return f.get();
  } catch (const boost::system::system_error& e) {
    FAIL(e.code().message() << ": " << diag.client_message());
    throw;
  }
}

/// The player of `bot` in guild `g` at the fake node; its connected Lavalink session's when it has
/// several (the old one of a killed process may wait there for a resume).
inline std::optional<testing::player_view> player_of(const testing::fake_node& fake, user_id bot, guild_id g) {
  std::optional<testing::player_view> found;
  for (auto& s : fake.sessions()) {
    if (s.user_id != bot.value()) continue;
    auto p = fake.player(s.id, static_cast<std::int64_t>(g.value()));
    if (p && (s.connected || !found)) found = p;
  }
  return found;
}

/// The player of `bot` at `where` plays `title`, unpaused, in that voice channel.
inline bool plays(const testing::fake_node& fake, user_id bot, session_address where, const std::string& title) {
  auto p = player_of(fake, bot, where.guild);
  return p && p->track && p->track->info.title == title && !p->paused && p->voice_channel_id == where.voice.str();
}

/// One child process: hanabi-session-child on the fake node, dialing the parent at `port`.
struct child_setup {
  std::string name;
  user_id bot{};
  std::string store{};  ///< A SQLite file; empty: nothing is kept.
  std::chrono::milliseconds orphan_grace{60s};
  bool keep_playing = false;  ///< Stays without a parent, whatever the grace.
};

inline child_program real_child(const child_setup& c, unsigned short port, const testing::fake_node& fake) {
  std::vector<std::string> args{"--parent",   "127.0.0.1:" + std::to_string(port),
                                "--token",    child_token,
                                "--name",     c.name,
                                "--bot-id",   c.bot.str(),
                                "--node",     fake.base_url(),
                                "--password", "youshallnotpass",
                                "--search-prefix", "fakesearch:",
                                "--passthrough", "fake:",
                                "--orphan-grace", std::to_string(c.orphan_grace.count())};
  if (!c.store.empty()) args.insert(args.end(), {"--store", c.store});
  if (c.keep_playing) args.push_back("--keep-playing");
  return {c.name, built_program("tools/session-child/hanabi-session-child"), std::move(args)};
}

/// The supervisor's config for `children` (quick restarts, exits recorded in `exits`).
inline supervisor_config supervise(std::vector<child_program> children, shared_log<child_exit>& exits) {
  supervisor_config cfg;
  cfg.children = std::move(children);
  cfg.restart.initial_delay = 50ms;
  cfg.restart.jitter = 0;
  cfg.stop_grace = 5s;
  cfg.on_exit = [&exits](const child_exit& e) { exits.add(e); };
  cfg.log = logger::none();
  return cfg;
}

struct parent_setup {
  std::string store{};       ///< A SQLite file; empty: nothing is kept.
  unsigned short port = 0;   ///< A restarted parent binds its predecessor's port.
  remote::server_config link = parent_link_config();
};

/// The parent bot: its node, pool and local sessions (persisted and recovered with a store), and
/// its session_manager with the children child-1 and child-2 in that order. Everything runs on
/// `io`'s thread; the sessions map lives on the pool's strand.
class music_parent {
 public:
  music_parent(io_thread& io, const std::string& node_url, parent_setup setup)
      : io_(io), pool_(asio::make_strand(io.ioc), quiet_pool()) {
    std::vector<storage::node_session> stored;
    if (!setup.store.empty()) {
      storage::sqlite_store_config sc;
      sc.path = setup.store;
      sc.log = logger::none();
      auto opened = storage::sqlite_store::open(io.ioc.get_executor(), sc);
      REQUIRE(opened);
      store_ = std::move(*opened);
      stored = required_answer([&](diagnostics& d) { return store_->async_load_node_sessions(d, asio::use_future); });
    }
    lavalink_ = std::make_shared<node>(io.ioc.get_executor(), fake_bot_node("lavalink", node_url, parent_bot, stored));
    if (store_) keep_node_session(*lavalink_, *store_);
    lavalink_->async_run([](error_code) {});
    pool_.add_node(lavalink_);
    REQUIRE(eventually([&] { return on_pool([&] { return pool_.stats().nodes.front().available; }); }));
    if (store_) recover();
    start_manager(std::move(setup));
  }

  ~music_parent() {
    manager->stop();
    on_pool([&] {
      for (auto& [g, held] : sessions_) held.session->close(close_reason::shutdown);
      sessions_.clear();
      return true;
    });
    // The sessions' last REST calls and store writes; then nothing of this object runs again.
    auto grace = std::make_shared<asio::steady_timer>(io_.ioc, 200ms);
    grace->async_wait(asio::use_future).wait();
    lavalink_->cancel();
    if (store_) store_->close();
    manager.reset();
  }

  std::pair<error_code, std::shared_ptr<session>> get(session_address where, diagnostics& diag) {
    return manager
        ->async_get_or_create(where, {user_id{1}, {}}, diag,
                              asio::use_future([](error_code ec, std::shared_ptr<session> s) {
                                return std::make_pair(ec, std::move(s));
                              }))
        .get();
  }

  /// The session at `where`, created where the manager decides; fails the test if it cannot be.
  std::shared_ptr<session> open(session_address where) {
    diagnostics diag;
    auto [ec, s] = get(where, diag);
    INFO(diag.client_message());
    REQUIRE_FALSE(ec);
    return s;
  }

  std::string bot_at(channel_id voice) const {
    auto s = manager->find(voice);
    return s ? s->bot() : "";
  }

  template <class E>
  std::vector<E> events_of() const {
    return alternatives_of<E>(events);
  }

  bool has_children(std::size_t n) const {
    return eventually([&] { return manager->children().size() == n; });
  }

  /// Makes this parent's own sessions durable now (before a kill -9).
  void flush() {
    std::vector<std::shared_ptr<session_persistence>> keepers;
    on_pool([&] {
      for (auto& [g, held] : sessions_)
        if (held.keeper) keepers.push_back(held.keeper);
      return true;
    });
    for (auto& k : keepers) required_answer([&](diagnostics&) { return k->async_flush(asio::use_future); });
  }

  std::unique_ptr<session_manager> manager;
  unsigned short port = 0;
  shared_log<manager_event> events;
  /// What recovery brought back at start (with a store).
  std::vector<session_address> recovered;

 private:
  struct held_session {
    std::shared_ptr<local_session> session;
    std::shared_ptr<session_persistence> keeper;
  };

  static pool_config quiet_pool() {
    pool_config c;
    c.log = logger::none();
    return c;
  }

  /// Runs `f` on the pool's strand and returns its answer.
  bool on_pool(const std::function<bool()>& f) {
    std::promise<bool> done;
    asio::post(pool_.get_executor(), [&] { done.set_value(f()); });
    return done.get_future().get();
  }

  local_session_config session_config(session_address where) {
    return fake_bot_session("parent", parent_bot, lavalink_, [this, g = where.guild](const gateway_voice_update& op) {
      if (auto it = sessions_.find(g); it != sessions_.end()) discord_answers(*it->second.session, parent_bot, g, op);
    });
  }

  void recover() {
    recovery_config rc;
    rc.bot_name = "parent";
    rc.session_config = [this](const session_address& where) { return session_config(where); };
    rc.on_created = [this](const std::shared_ptr<local_session>& s) { sessions_[s->address().guild] = {s, nullptr}; };
    auto report = async_recover(*store_, pool_, std::move(rc), asio::use_future).get();
    REQUIRE(report.lost.empty());
    for (auto& r : report.recovered) {
      on_pool([&] {
        sessions_[r.session->address().guild].keeper = r.persistence;
        return true;
      });
      recovered.push_back(r.session->address());
      recovered_.push_back(r.session);
    }
  }

  /// A session nothing keeps (no store).
  result<recovered_session> unkept(session_address where) {
    auto made = local_session::create(pool_, where, session_config(where));
    if (!made) return made.error();
    return recovered_session{std::move(*made), nullptr};
  }

  /// Creates and connects this bot's own session (persisted with a store), for the manager.
  void make_local(session_address where, user_id by, diagnostics& diag, session_handler<std::shared_ptr<session>> h) {
    asio::post(pool_.get_executor(), [this, where, by, &diag, h = std::move(h)]() mutable {
      auto made = store_ ? create_persisted_session(pool_, *store_, where, session_config(where)) : unkept(where);
      if (!made) {
        diag.set_client_message(made.error().what());
        return std::move(h)(made.error().code, nullptr);
      }
      auto s = made->session;
      sessions_[where.guild] = {s, made->persistence};
      s->async_connect({.by = by}, diag, [s, h = std::move(h)](error_code ec, session_state) mutable {
        std::move(h)(ec, ec ? nullptr : std::shared_ptr<session>(s));
      });
    });
  }

  void start_manager(parent_setup setup) {
    session_manager_config cfg;
    cfg.children = {"child-1", "child-2"};
    cfg.server = std::move(setup.link);
    cfg.server.port = setup.port;
    cfg.on_event = [this](const manager_event& e) { events.add(e); };
    cfg.log = logger::none();
    manager = std::make_unique<session_manager>(
        io_.ioc.get_executor(), cfg,
        [this](session_address where, user_id by, diagnostics& diag, session_handler<std::shared_ptr<session>> h) {
          make_local(where, by, diag, std::move(h));
        },
        remote_session_hooks_for(io_.ioc.get_executor()));
    for (auto& s : recovered_) manager->adopt(s);
    recovered_.clear();
    // A restarted parent binds its predecessor's port, which is released asynchronously: retry.
    REQUIRE(eventually([&] {
      auto ep = manager->listen();
      if (ep) port = ep->port();
      return ep.has_value();
    }));
  }

  io_thread& io_;
  node_pool pool_;
  std::unique_ptr<storage::sqlite_store> store_;
  std::shared_ptr<node> lavalink_;
  std::map<guild_id, held_session> sessions_;  // the pool's strand
  std::vector<std::shared_ptr<local_session>> recovered_;
};

}  // namespace hanabi::test
