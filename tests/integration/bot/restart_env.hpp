// The reference bot's parent as a real `hanabi-bot --config FILE --offline-discord HOST:PORT`
// process, run by a supervisor in the test as a service manager would run it (started again when
// it dies); it spawns child-1 and child-2 as processes of its own. Discord (a discord_sim holding
// the three bots' gateways and the users' voice states) and the fake Lavalink node live in the
// test, so they outlive every kill, as Discord and Lavalink do. The bots keep everything in the
// store the test chooses (store_choice: the SQLite file, or a Redis server), read back by the
// test as another process would. No assertion is about elapsed time.
#pragma once

#include "test_data.hpp"
#include "core/render.hpp"
#include "offline/discord_sim.hpp"
#include "offline/offline_bots.hpp"
#include "offline/script_runner.hpp"

#include <hanabi/queue/track_queue.hpp>
#include <hanabi/session/recovery.hpp>
#include <hanabi/session/supervisor.hpp>
#include <hanabi/storage/open_store.hpp>
#include <hanabi/testing/fake_node.hpp>

#include <catch2/catch.hpp>

#include <boost/asio/ip/tcp.hpp>

#include <fmt/format.h>

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace restart_test {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using bot::offline::offline_user_id;

constexpr std::chrono::milliseconds update_interval{1000};  // the fake node's playerUpdate interval: the tolerance
constexpr std::int64_t guild = 1;
constexpr double nightcore_speed = 1.25;  // the preset's timescale: its tracks advance 1.25 s per second

/// One session of the scenario: where, whose, held by which bot, and its own settings.
struct planned {
  std::uint64_t voice;
  std::uint64_t user;
  std::string bot;
  hanabi::user_id bot_user;
  int volume;
  bool paused;
};

inline const std::vector<planned>& scenario() {
  static const std::vector<planned> all = {{101, 11, "hanabi", offline_user_id(0), 40, false},
                                           {102, 12, "child-1", offline_user_id(1), 50, false},
                                           {103, 13, "child-2", offline_user_id(2), 60, true}};
  return all;
}

inline bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

/// A loopback port for the control link that a restarted parent binds again (its children redial it).
inline unsigned short control_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

/// Every live process whose command line names `dir` (the parent and its children, orphans included).
inline std::vector<int> processes_of(const fs::path& dir) {
  std::vector<int> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const auto name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string pid, comm, state;
    stat >> pid >> comm >> state;
    if (state == "Z") continue;
    std::ifstream cmdline(entry.path() / "cmdline");
    std::string args((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
    if (has(args, dir.string())) out.push_back(std::stoi(name));
  }
  return out;
}

/// Where the bots keep their store: the SQLite file hanabi.db in the test's directory, or a Redis
/// server (every process on it, under one key prefix).
struct store_choice {
  /// Empty: SQLite. Else the unix socket of the Redis server.
  std::string redis_socket;
  std::string key_prefix = "restart:";
  /// The children's claim lease on Redis: short, so that a kill -9'd child's name frees soon.
  std::chrono::seconds claim_lease{5};
};

/// The bot: the parent process under this test's supervisor, its children, Discord simulated here.
struct restart_env {
  hanabi::testing::fake_node node{node_options()};
  boost::asio::io_context io;
  fs::path dir;
  std::string printed;
  std::shared_ptr<bot::offline::voice_world> world = std::make_shared<bot::offline::voice_world>();
  const hanabi::secret secret{"restart-test-control-secret"};
  bot::offline::discord_sim sim{io.get_executor(), world,
                                {.token = secret, .print = [this](std::string_view t) { printed.append(t).append("\n"); }}};
  std::unique_ptr<hanabi::supervisor> parent;
  std::optional<bot::offline::script_runner> runner;
  std::uint64_t last_reply = 0;
  unsigned short sim_port = 0;  // where the bots' simulated Discord listens

  /// The body of bot.toml's [storage] for `backend`.
  std::string storage_table() const {
    if (backend.redis_socket.empty()) return "path = \"hanabi.db\"\n";
    return fmt::format("kind = \"redis\"\nunix_socket = \"{}\"\nkey_prefix = \"{}\"\nclaim_lease = {}\n", backend.redis_socket,
                       backend.key_prefix, backend.claim_lease.count());
  }

  /// The store the bots use, as another process opens it.
  hanabi::storage::store_config reader_config() const {
    if (backend.redis_socket.empty()) {
      hanabi::storage::sqlite_store_config sc;
      sc.path = (dir / "hanabi.db").string();
      sc.log = hanabi::logger::none();
      return sc;
    }
    hanabi::storage::redis_store_config rc;
    rc.unix_socket = backend.redis_socket;
    rc.key_prefix = backend.key_prefix;
    rc.log = hanabi::logger::none();
    return rc;
  }

  static hanabi::testing::fake_node_options node_options() {
    hanabi::testing::fake_node_options o;
    o.player_update_interval = update_interval;
    return o;
  }

  store_choice backend;

  explicit restart_env(store_choice store = {}) : backend(std::move(store)) {
    static int serial = 0;
    dir = fs::temp_directory_path() / fmt::format("hanabi-bot-restart-{}-{}", ::getpid(), ++serial);
    fs::create_directories(dir);
    const auto node_port = node.start();
    sim.add_bot("hanabi", offline_user_id(0));
    sim.add_bot("child-1", offline_user_id(1));
    sim.add_bot("child-2", offline_user_id(2));
    auto simulated = sim.listen();
    REQUIRE(simulated);
    sim_port = simulated->port();
    const auto program = (hanabi::test::binary_dir() / "examples" / "bot" / "hanabi-bot").string();
    auto written = bot::offline::write_offline_config(
        {.program = program, .dir = dir, .node_port = node_port, .children = 2, .inactivity_timeout = 300s, .rules = {},
         .storage = storage_table(), .print = {}, .log = hanabi::logger::none()},
        control_port(), secret);
    REQUIRE(written);
    hanabi::supervisor_config sc;
    sc.children = {{"hanabi", program,
                    {"--config", (dir / "bot.toml").string(), "--offline-discord", fmt::format("127.0.0.1:{}", simulated->port())},
                    {}}};
    parent = std::make_unique<hanabi::supervisor>(io.get_executor(), std::move(sc));
    REQUIRE(parent->start());
    runner.emplace("hanabi", std::map<std::string, bot::offline::offline_gateway*>{
                                 {"hanabi", sim.find("hanabi")}, {"child-1", sim.find("child-1")}, {"child-2", sim.find("child-2")}});
    REQUIRE(all_online());
  }

  ~restart_env() {
    bool stopped = false;
    parent->async_stop([&](hanabi::error_code) { stopped = true; });
    run_until([&] { return stopped; });
    // Orphans adopted by a restarted parent are not its children: they would leave after their grace.
    for (int pid : processes_of(dir)) ::kill(pid, SIGKILL);
    sim.stop();
    io.run_for(100ms);
    std::error_code ec;
    fs::remove_all(dir, ec);
  }

  /// Runs the io_context until `done`; `limit` is a hang guard, not a speed check (processes on a
  /// loaded machine).
  bool run_until(const std::function<bool()>& done, std::chrono::seconds limit = 90s) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() > until) return false;
      io.run_for(2ms);
    }
    return true;
  }

  /// Runs a command line for the parent and returns its answer, or nothing if none came within
  /// `limit` (a parent that is down or still recovering takes no command).
  std::optional<std::string> try_command(const std::string& line, std::chrono::seconds limit) {
    auto ran = runner->run(line);
    INFO(line << ": " << (ran ? "" : ran.error().diag.best_message()));
    REQUIRE(ran);
    auto& replies = sim.find("hanabi")->replies();
    if (!run_until([&] { return !replies.empty() && replies.rbegin()->first > last_reply; }, limit)) return std::nullopt;
    last_reply = replies.rbegin()->first;
    return bot::to_text(replies.rbegin()->second);
  }

  std::string command(const std::string& line) {
    auto answer = try_command(line, 90s);
    INFO(line);
    REQUIRE(answer);
    return *answer;
  }

  /// Runs a command line and checks that its answer mentions `part`.
  void expect(const std::string& line, const std::string& part) {
    auto answer = command(line);
    INFO(line << " -> " << answer);
    CHECK(has(answer, part));
  }

  /// Waits until the parent answers and both children are registered with it.
  bool all_online() {
    return run_until(
        [&] {
          auto bots = try_command("/bots user:11", 10s);
          if (bots && has(*bots, "child-1 (child): 🟢 up") && has(*bots, "child-2 (child): 🟢 up")) return true;
          io.run_for(200ms);
          return false;
        },
        180s);
  }

  /// The player of `bot_user` at the fake node, in its connected Lavalink session.
  std::optional<hanabi::testing::player_view> player(hanabi::user_id bot_user) {
    for (auto& s : node.sessions())
      if (s.user_id == bot_user.value() && s.connected)
        if (auto p = node.player(s.id, guild)) return p;
    return std::nullopt;
  }

  /// Starts session `p`: three tracks, the second current, repeat all, nightcore, 0:20 in, maybe
  /// paused, its own volume last.
  void start_session(const planned& p) {
    const auto by = fmt::format(" user:{}", p.user);
    expect(fmt::format(R"(/play query:"ytsearch:alpha" voice:{})", p.voice) + by, "Playing **alpha");
    expect(R"(/play query:"ytsearch:beta")" + by, "at position 2");
    expect(R"(/play query:"ytsearch:gamma")" + by, "at position 3");
    expect("/skip to:2" + by, "position 2");
    expect("/repeat mode:all" + by, "Repeat: all.");
    expect("/filter preset name:nightcore" + by, "Filters applied.");
    expect("/seek time:0:20" + by, "Jumped to 0:20.");
    if (p.paused) expect("/pause" + by, "Paused.");
    expect(fmt::format("/volume setting:{}", p.volume) + by, fmt::format("Volume set to {}%.", p.volume));
    REQUIRE(run_until([&] {
      auto now = player(p.bot_user);
      return now && now->track && has(now->track->info.title, "beta") && now->volume == p.volume && now->paused == p.paused;
    }));
  }

  /// The stored record of session `p`, read from the store as a new process would.
  std::optional<hanabi::storage::session_record> stored(hanabi::storage::store& reader, const planned& p) {
    const hanabi::storage::session_key key{p.bot, hanabi::guild_id{guild}, hanabi::channel_id{p.voice}};
    hanabi::diagnostics diag;
    std::optional<std::optional<hanabi::storage::session_record>> record;
    reader.async_load_session(key, diag, [&](hanabi::error_code ec, std::optional<hanabi::storage::session_record> r) {
      record.emplace(ec ? std::nullopt : std::move(r));
    });
    REQUIRE(run_until([&] { return record.has_value(); }));  // its handler runs on this io_context
    return *record;
  }

  /// Polls the store (gently: the bots write it meanwhile) until `done(record of p)`.
  bool stored_eventually(const planned& p, const std::function<bool(const std::optional<hanabi::storage::session_record>&)>& done) {
    auto reader = hanabi::storage::open_store(io.get_executor(), reader_config());
    INFO((reader ? "" : reader.error().what()));
    REQUIRE(reader);
    const auto until = std::chrono::steady_clock::now() + 90s;
    bool ok = false;
    while (!(ok = done(stored(**reader, p))) && std::chrono::steady_clock::now() < until) io.run_for(100ms);
    hanabi::storage::close_store(**reader);
    return ok;
  }

  /// Waits until the store holds session `p` as start_session() left it.
  bool durable(const planned& p) {
    return stored_eventually(p, [&](const std::optional<hanabi::storage::session_record>& record) {
      if (!record || !record->state.is_object() || record->state.value("volume", 0) != p.volume ||
          record->state.value("paused", false) != p.paused)
        return false;
      auto restored = hanabi::replayed_queue(*record);
      return restored && restored->current_position() == 2;
    });
  }

  struct positions {
    std::map<std::uint64_t, hanabi::testing::player_view> players;
    std::chrono::steady_clock::time_point read_at;
  };
  positions read_positions() {
    positions out;
    for (const auto& p : scenario()) {
      auto now = player(p.bot_user);
      REQUIRE(now);
      REQUIRE(now->track);
      out.players[p.voice] = *now;
    }
    out.read_at = std::chrono::steady_clock::now();
    return out;
  }

  /// Session `p` is back as start_session() left it, and its track continues where it was.
  void check_back(const planned& p, const positions& before) {
    INFO("the session in voice channel " << p.voice << " on " << p.bot);
    auto np = command(fmt::format("/nowplaying user:{}", p.user));
    CHECK(has(np, p.paused ? "⏸ beta" : "beta"));
    CHECK(has(np, fmt::format("{}%", p.volume)));
    CHECK(has(np, "all"));
    CHECK(has(np, "▶ **2. beta"));
    CHECK(has(np, "3. gamma"));
    const auto& old = before.players.at(p.voice);
    std::optional<hanabi::testing::player_view> now;
    REQUIRE(run_until([&] {
      now = player(p.bot_user);
      return now && now->track && now->track->encoded == old.track->encoded && now->paused == p.paused &&
             now->volume == p.volume;
    }));
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - before.read_at).count();
    CHECK(now->voice_channel_id == std::optional<std::string>(std::to_string(p.voice)));
    CHECK(now->filters == old.filters);
    CHECK(now->position >= old.position - update_interval.count());
    CHECK(now->position <= old.position + static_cast<std::int64_t>(p.paused ? 0 : elapsed * nightcore_speed) +
                               update_interval.count());
  }

  /// Commands work on session `p`: a skip reaches its player.
  void check_commands(const planned& p) {
    INFO("the session in voice channel " << p.voice << " on " << p.bot);
    expect(fmt::format("/skip user:{}", p.user), "position 3");
    REQUIRE(run_until([&] {
      auto now = player(p.bot_user);
      return now && now->track && has(now->track->info.title, "gamma");
    }));
  }

  /// The three sessions of scenario(), durable, and where their players were once they were.
  positions start_all() {
    for (const auto& p : scenario()) start_session(p);
    for (const auto& p : scenario()) REQUIRE(durable(p));
    return read_positions();
  }

  /// After a restart (the parent's `spawns`-th start): every session is back and answers commands.
  void check_all(const positions& before, std::uint64_t spawns = 2) {
    REQUIRE(run_until([&] { return parent->spawns("hanabi") == spawns; }));
    REQUIRE(all_online());
    for (const auto& p : scenario()) check_back(p, before);
    for (const auto& p : scenario()) check_commands(p);
  }

  /// kill -9 of the parent and both children once the sessions play, then every session is back.
  void kill_everyone_and_check() {
    const auto before = start_all();
    const auto everyone = processes_of(dir);
    REQUIRE(everyone.size() == 3);
    for (int pid : everyone) REQUIRE(::kill(pid, SIGKILL) == 0);
    check_all(before);
  }

  int parent_pid() {
    auto pid = parent->pid("hanabi");
    REQUIRE(pid);
    return *pid;
  }
};

}  // namespace restart_test
