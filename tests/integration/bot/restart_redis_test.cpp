// The bot restart-proof on a Redis server ("SQLite by default, Redis for several hosts"): the
// parent and both children keep their sessions, playlists, volumes, text channels and claims on
// one real redis-server the test starts on a unix socket, through restart_env.hpp's processes (a
// real parent under the test's supervisor, real children). Each test asserts on the bots' replies,
// on the players at the fake node and on what another process (the test) reads from the server.
// Built only with the Redis store (HANABI_WITH_REDIS). No assertion is about elapsed time.
#ifdef HANABI_WITH_REDIS

#include "../redis/redis_server.hpp"
#include "restart_env.hpp"

#include <spawn.h>
#include <sys/wait.h>

namespace restart_redis_test {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using restart_test::has;

/// The test's redis-server, up before the bots and down after them.
struct redis_backing {
  hanabi::test::temp_dir redis_dir;
  hanabi::test::redis_server redis{redis_dir.path()};
};

/// restart_env with every bot process on the one Redis server.
struct redis_restart_env : redis_backing, restart_test::restart_env {
  redis_restart_env() : restart_test::restart_env(restart_test::store_choice{.redis_socket = redis.socket()}) {}

  /// The playlists of `user`, read from the server by this process.
  std::vector<hanabi::storage::playlist_summary> playlists_of(std::uint64_t user) {
    auto reader = hanabi::storage::open_store(io.get_executor(), reader_config());
    REQUIRE(reader);
    hanabi::diagnostics diag;
    std::optional<std::vector<hanabi::storage::playlist_summary>> listed;
    (*reader)->async_list_playlists(hanabi::user_id{user}, diag,
                                    [&](hanabi::error_code ec, std::vector<hanabi::storage::playlist_summary> found) {
                                      REQUIRE_FALSE(ec);
                                      listed = std::move(found);
                                    });
    REQUIRE(run_until([&] { return listed.has_value(); }));
    hanabi::storage::close_store(**reader);
    return *listed;
  }

  /// The pid in child `name`'s claim on the server ("PID@HOST#TOKEN"), or 0 when nobody holds it.
  int claim_holder(const std::string& name) {
    hanabi::test::raw_redis raw(redis.socket());
    const auto value = raw.command({"GET", backend.key_prefix + "bot:claim:" + name}).text;
    return value.empty() ? 0 : std::stoi(value.substr(0, value.find('@')));
  }

  /// The live `hanabi-bot --child name` processes of this bot.
  std::vector<int> child_processes(const std::string& name) {
    std::vector<int> out;
    for (int pid : restart_test::processes_of(dir)) {
      std::ifstream cmdline(fmt::format("/proc/{}/cmdline", pid));
      std::string args((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
      if (has(args, std::string("--child") + '\0' + name + '\0')) out.push_back(pid);
    }
    return out;
  }

  /// Starts one more `hanabi-bot --child name` on this bot's config, as an operator would by hand,
  /// its standard error in `log`; it inherits none of this process's descriptors beyond stdin.
  int spawn_child(const std::string& name, const fs::path& log) {
    const auto program = (hanabi::test::binary_dir() / "examples" / "bot" / "hanabi-bot").string();
    const auto config = (dir / "bot.toml").string();
    const auto discord = fmt::format("127.0.0.1:{}", sim_port);
    std::vector<std::string> args{program, "--child", name, "--config", config, "--offline-discord", discord};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    pid_t pid = -1;
    const int spawned = ::posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    REQUIRE(spawned == 0);
    return pid;
  }
};

std::string read_text(const fs::path& file) {
  std::ifstream in(file);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace restart_redis_test

using restart_redis_test::redis_restart_env;

TEST_CASE_METHOD(redis_restart_env,
                 "bot restart on Redis: kill -9 of the parent while sessions play: every session is back, and a playlist "
                 "made through the old parent is seen by the new one and by another process",
                 "[bot][restart][redis]") {
  const auto before = start_all();
  expect("/playlist create name:keep user:11", "Created **keep**");
  expect(R"(/playlist add name:keep query:"ytsearch:delta" user:11)", "to **keep** as track 1.");
  REQUIRE(::kill(parent_pid(), SIGKILL) == 0);
  check_all(before);
  expect("/playlist show name:keep user:11", "1. delta");
  const auto own = playlists_of(11);
  REQUIRE(own.size() == 1);
  CHECK(own.front().name == "keep");
  CHECK(own.front().entry_count == 1);
}

TEST_CASE_METHOD(redis_restart_env,
                 "bot restart on Redis: kill -9 of the parent and both children: every session is back and answers",
                 "[bot][restart][redis]") {
  kill_everyone_and_check();
}

TEST_CASE_METHOD(redis_restart_env,
                 "bot claim on Redis: a second child-1 waits while the first lives, and the name is taken over after "
                 "the first's kill -9 once its lease ran out",
                 "[bot][restart][redis]") {
  for (const auto& p : {restart_test::scenario()[0], restart_test::scenario()[1]}) start_session(p);  // the parent busy: child-1 gets the second
  const auto& on_child = restart_test::scenario()[1];
  REQUIRE(durable(on_child));
  const auto first = child_processes("child-1");
  REQUIRE(first.size() == 1);
  CHECK(claim_holder("child-1") == first.front());

  const auto log = dir / "second-child-1.log";
  const int second = spawn_child("child-1", log);
  REQUIRE(run_until([&] { return restart_test::has(restart_redis_test::read_text(log), "is held by another process"); }));
  // It waits: the first still holds the name and still plays, and the second has not exited.
  CHECK(claim_holder("child-1") == first.front());
  CHECK(::waitpid(second, nullptr, WNOHANG) == 0);
  expect("/bots user:11", "child-1 (child): 🟢 up");

  REQUIRE(::kill(first.front(), SIGKILL) == 0);
  // Once the dead one's lease runs out, a waiting child-1 (this second one, or the one the parent
  // respawned) takes the name, recovers the session and answers commands.
  int holder = 0;
  REQUIRE(run_until([&] {
    holder = claim_holder("child-1");
    if (holder == 0 || holder == first.front()) io.run_for(std::chrono::milliseconds{200});
    return holder != 0 && holder != first.front();
  }));
  const auto now = child_processes("child-1");
  CHECK(std::find(now.begin(), now.end(), holder) != now.end());
  REQUIRE(all_online());
  check_commands(on_child);

  ::kill(second, SIGKILL);
  ::waitpid(second, nullptr, 0);
}

TEST_CASE_METHOD(redis_restart_env,
                 "bot claim on Redis: a child whose lease was taken behind its back stops, and child-1 comes back once "
                 "the name is free",
                 "[bot][restart][redis]") {
  for (const auto& p : {restart_test::scenario()[0], restart_test::scenario()[1]}) start_session(p);
  const auto& on_child = restart_test::scenario()[1];
  REQUIRE(durable(on_child));
  const auto first = child_processes("child-1");
  REQUIRE(first.size() == 1);
  REQUIRE(claim_holder("child-1") == first.front());

  // Another holder for a few seconds, as if child-1 had stalled past its lease and been replaced.
  hanabi::test::raw_redis raw(redis.socket());
  raw.command({"SET", backend.key_prefix + "bot:claim:child-1", "1@elsewhere#intruder", "PX", "4000"});
  REQUIRE(run_until([&] {
    const auto now = child_processes("child-1");
    if (std::find(now.begin(), now.end(), first.front()) != now.end()) io.run_for(std::chrono::milliseconds{200});
    return std::find(now.begin(), now.end(), first.front()) == now.end();
  }));
  // Respawned by the parent, the next child-1 waits for the name, then recovers the session.
  REQUIRE(run_until([&] {
    const int holder = claim_holder("child-1");
    if (holder <= 1) io.run_for(std::chrono::milliseconds{200});
    return holder > 1;
  }));
  REQUIRE(all_online());
  check_commands(on_child);
}

#endif  // HANABI_WITH_REDIS
