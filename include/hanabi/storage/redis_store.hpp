// A store on a Redis server, for bots spread over several hosts: every process
// that names the same server and key prefix shares the same playlists, users,
// history, session queues and node sessions. Same operations, checks and typed
// errors as sqlite_store (see store.hpp for the contract); built on hiredis,
// only when it is found (HANABI_WITH_REDIS, target hanabi::redis).
//
//     hanabi::storage::redis_store_config config;
//     config.unix_socket = "/run/redis/redis.sock";  // or host + port
//     config.key_prefix = "mybot:";
//     auto opened = hanabi::storage::redis_store::open(ioc.get_executor(), config);
//     if (!opened) fail(opened.error());
//
// Threading: one blocking hiredis connection driven by the store's own thread,
// so no caller waits for the network; operations run and complete in the order
// they were initiated. Handlers are posted to their executors.
//
// Atomicity: each operation is one Redis transaction. Writes whose checks read
// the data (a name unique per owner, an entry index, the next journal version)
// WATCH the keys they read, check in C++ with the same functions as the other
// stores, then write in MULTI/EXEC; if another client changed a watched key in
// between, EXEC writes nothing and the operation runs again from its reads.
// Reads of several keys are one MULTI/EXEC too, so they see one moment.
//
// Durability: an acknowledged write is in the server's memory; whether it
// survives a restart of the server is the server's configuration (AOF with
// `appendfsync always` for "every acknowledged write", see docs/ARCHITECTURE.md).
//
// Connection loss: the operation that meets it fails with storage_unavailable
// (a cut during EXEC leaves it unknown whether it applied, never half-applied),
// and the next operation connects again.
//
// Keys (P = key_prefix; ids in decimal; `bot` is always the key's last part,
// so a bot name holding ':' stays unambiguous):
//   P playlist:next_id              counter of playlist ids (INCR)
//   P playlist:ID                   hash owner, name, description, visibility (0 private, 1 public, 2 global)
//   P playlist:ID:entries           list of the entries in order, each its fields source, title,
//                                   start_ms, end_ms, encoded as "LEN:BYTES" ("-" when absent):
//                                   user text need not be valid UTF-8, which JSON would refuse
//   P owner:USER:playlists          hash name -> playlist id: the per-owner name index
//   P shared                        set of the ids of public and global playlists
//   P user:USER                     hash volume, volume_step, preferences (JSON)
//   P users                         set of the users saved
//   P history:GUILD                 sorted set of plays, score = epoch ms, member = a 20-digit
//                                   sequence number then the play's fields (ties keep insertion order);
//                                   trimmed to history_limits::plays_per_guild
//   P history:guilds, P history:seq the guilds with plays; the sequence counter
//   P session:GUILD:CHANNEL:BOT     hash version, snapshot_version, snapshot? (JSON), state? (JSON)
//   P journal:GUILD:CHANNEL:BOT     list of the events after the snapshot: "VERSION BODY-JSON", in order
//   P actions:GUILD:CHANNEL:BOT     list of the session's actions (fields), trimmed to actions_per_session
//   P sessions:BOT                  set of "GUILD:CHANNEL" of the bot's sessions
//   P nodes                         hash node name -> fields session_id, resuming, timeout
// Journal compaction (compaction_config): an append that leaves more than
// max_tail events folds the whole tail into the snapshot in the same
// transaction (a failing fold keeps every event).
#pragma once

#include <hanabi/detail/config.hpp>
#include <hanabi/detail/job_thread.hpp>
#include <hanabi/logger.hpp>
#include <hanabi/secret.hpp>
#include <hanabi/storage/store.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace hanabi::detail {
class redis_core;
}

namespace hanabi::storage {

/// Construction parameters of a redis_store.
struct redis_store_config {
  /// TCP endpoint, used when `unix_socket` is empty.
  std::string host = "127.0.0.1";
  std::uint16_t port = 6379;
  /// A unix socket path; when set, it is used instead of host and port.
  std::string unix_socket;
  /// Sent with AUTH after connecting, unless empty.
  hanabi::secret password;
  /// The database SELECTed after connecting.
  int database = 0;
  /// Prepended to every key, so several bots (or test runs) can share one server.
  std::string key_prefix = "hanabi:";
  std::chrono::milliseconds connect_timeout{5000};
  /// The longest one command may wait for its reply before the connection counts as lost.
  std::chrono::milliseconds command_timeout{5000};
  /// When to fold a session's journal into its snapshot.
  compaction_config compaction;
  /// How long the store's thread, after running work, keeps looking for queue journals' handed-off
  /// batches before it goes idle. While it looks, a journal's hand-off wakes no thread (no syscall
  /// on the queue's strand) and its batch is picked up within this window. 0: every hand-off to an
  /// idle thread wakes it.
  std::chrono::microseconds hand_off_window{1000};
  hanabi::logger log;
};

/// The Redis store. Thread-safe; see store.hpp for the contract of the operations.
class redis_store final : public store {
 public:
  /// Connects (AUTH, SELECT) on the calling thread, then starts the store's thread. Errors:
  /// storage_unavailable (cannot connect), storage_failure (AUTH or SELECT refused), with the
  /// server's or hiredis's message in the diagnostics.
  HANABI_DECL static result<std::unique_ptr<redis_store>> open(executor_type executor, redis_store_config config);

  /// Runs close().
  HANABI_DECL ~redis_store() override;

  /// Finishes every operation initiated so far (posting their handlers), then stops the thread
  /// and disconnects. Operations initiated afterwards fail with storage_failure. Blocks until
  /// done; idempotent; not to be called from a handler running on a thread close() waits for.
  HANABI_DECL void close();

  /// What the store's thread has done (its sleeps and wake-ups): for tests and benchmarks.
  detail::job_thread_stats thread_stats() const { return worker_.stats(); }

 protected:
  HANABI_DECL void submit(detail::job_ptr job) override;
  HANABI_DECL void hand_off(detail::ready_job& job) override;
  void expect_hand_off() noexcept override { worker_.expect_hand_off(); }

 private:
  HANABI_DECL redis_store(executor_type executor, std::unique_ptr<detail::redis_core> core,
                          std::chrono::microseconds hand_off_window);

  std::unique_ptr<detail::redis_core> core_;
  detail::job_thread worker_;
};

}  // namespace hanabi::storage

// Header-only users who want the Redis store define HANABI_WITH_REDIS and link hiredis; without
// it, this header still declares the store (open_store.hpp names its config) but compiles none of it.
#if defined(HANABI_HEADER_ONLY) && defined(HANABI_WITH_REDIS)
#  include <hanabi/impl/storage_redis.ipp>
#endif
