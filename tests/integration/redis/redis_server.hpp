// Helpers of the Redis store's integration tests: a real redis-server started
// by the test as a child process, listening only on a unix socket in a
// temporary directory (no TCP port, so no port races), persisting nothing
// unless asked for an append-only file; and raw commands to it, to look
// behind the store's back. redis-server missing is a test failure with the
// fix in the message, never a skip.
#pragma once

#include <hanabi/storage/redis_store.hpp>

#include "../storage/sqlite_helpers.hpp"  // temp_dir
#include "io_thread.hpp"                  // eventually

#include <hiredis/hiredis.h>

#include <catch2/catch.hpp>

#include <csignal>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

namespace hanabi::test {

/// What a raw command returned: its text (strings, status, errors), its integer, and its type.
struct raw_redis_reply {
  int type = 0;
  std::string text;
  long long integer = 0;
};

/// A hiredis connection of the test's own, to read and write keys the store does not expect.
class raw_redis {
 public:
  explicit raw_redis(const std::string& socket) : context_(redisConnectUnix(socket.c_str())) {
    REQUIRE(context_ != nullptr);
    REQUIRE(context_->err == 0);
  }
  raw_redis(const raw_redis&) = delete;
  raw_redis& operator=(const raw_redis&) = delete;
  ~raw_redis() { redisFree(context_); }

  raw_redis_reply command(const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
    for (const auto& a : args) {
      argv.push_back(a.data());
      lengths.push_back(a.size());
    }
    auto* reply =
        static_cast<redisReply*>(redisCommandArgv(context_, static_cast<int>(argv.size()), argv.data(), lengths.data()));
    REQUIRE(reply != nullptr);
    raw_redis_reply out{reply->type, reply->str ? std::string(reply->str, reply->len) : std::string{}, reply->integer};
    freeReplyObject(reply);
    return out;
  }

 private:
  redisContext* context_;
};

/// How a test's redis-server runs.
struct redis_server_options {
  /// Write an append-only file, fsynced before each reply: acknowledged writes survive a SIGKILL.
  bool append_only = false;
  /// Clients must AUTH with it, unless empty.
  std::string password;
};

/// A redis-server child process on `dir`/redis.sock, killed (SIGKILL) when destroyed.
class redis_server {
 public:
  explicit redis_server(std::filesystem::path dir, redis_server_options options = {})
      : dir_(std::move(dir)), options_(std::move(options)) {
    start();
  }
  redis_server(const redis_server&) = delete;
  redis_server& operator=(const redis_server&) = delete;
  ~redis_server() { kill(); }

  std::string socket() const { return (dir_ / "redis.sock").string(); }

  /// A store configuration for this server under `prefix`, with the default timeouts.
  storage::redis_store_config config(std::string prefix) const {
    storage::redis_store_config c;
    c.unix_socket = socket();
    c.key_prefix = std::move(prefix);
    c.log = logger::none();
    return c;
  }

  /// Starts the server (again, on the same directory: with an append-only file, it reloads it) and
  /// waits until it answers PING.
  void start() {
    REQUIRE(pid_ < 0);
    std::filesystem::remove(socket());
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) run_server();
    const bool ready = eventually([&] { return exited() || answers(); }, std::chrono::seconds{60});
    if (exited())
      FAIL("redis-server did not start (exit status " << exit_status_
           << "): it must be on PATH (Debian: apt-get install redis-server, as scripts/install-deps.sh does); "
              "its output is in "
           << (dir_ / "redis.log").string());
    REQUIRE(ready);
  }

  /// SIGKILL: a crash, nothing flushed beyond what the server already wrote.
  void kill() {
    if (pid_ < 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  [[noreturn]] void run_server() {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // a test that crashes leaves no server behind
    const int log = ::open((dir_ / "redis.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (log >= 0) {
      ::dup2(log, 1);
      ::dup2(log, 2);
    }
    const std::string sock = socket(), dir = dir_.string();
    std::vector<const char*> argv{"redis-server", "--port", "0", "--unixsocket", sock.c_str(), "--unixsocketperm",
                                  "700", "--dir", dir.c_str(), "--save", "", "--appendonly",
                                  options_.append_only ? "yes" : "no", "--appendfsync", "always", "--daemonize", "no"};
    if (!options_.password.empty()) {
      argv.push_back("--requirepass");
      argv.push_back(options_.password.c_str());
    }
    argv.push_back(nullptr);
    ::execvp("redis-server", const_cast<char* const*>(argv.data()));
    ::_exit(127);
  }

  bool exited() {
    if (pid_ < 0) return false;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) != pid_) return false;
    exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    pid_ = -1;
    return true;
  }

  // PONG, or the refusal of a server that wants a password: either way it serves.
  bool answers() const {
    redisContext* c = redisConnectUnix(socket().c_str());
    bool pong = false;
    if (c != nullptr && c->err == 0) {
      if (auto* reply = static_cast<redisReply*>(redisCommand(c, "PING"))) {
        const std::string text(reply->str ? reply->str : "", reply->str ? reply->len : 0);
        pong = text == "PONG" || text.starts_with("NOAUTH");
        freeReplyObject(reply);
      }
    }
    if (c != nullptr) redisFree(c);
    return pong;
  }

  std::filesystem::path dir_;
  redis_server_options options_;
  pid_t pid_ = -1;
  int exit_status_ = 0;
};

/// A redis_store on its own redis-server, for the store contract and the Redis-only tests.
struct redis_fixture final : store_fixture {
  temp_dir dir;
  redis_server server{dir.path()};
  storage::redis_store_config config = server.config("contract:");
  std::unique_ptr<storage::redis_store> db;

  explicit redis_fixture(storage::compaction_config compaction) {
    config.compaction = std::move(compaction);
    open();
  }
  void open() {
    auto opened = storage::redis_store::open(ctx.get_executor(), config);
    INFO((opened ? "" : opened.error().what()));
    REQUIRE(opened.has_value());
    db = std::move(*opened);
  }
  storage::store& store() override { return *db; }
  void reopen() override {
    db.reset();  // a new client, a new connection: only what the server holds remains
    open();
  }
};

}  // namespace hanabi::test
