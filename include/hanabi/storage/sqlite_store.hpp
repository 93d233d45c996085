// The default store: one SQLite database file, in WAL mode with foreign keys
// on. The schema is versioned; migrations run when the file is opened, each
// in its own transaction. Every write is a transaction. All database work
// happens on the store's own thread, so callers never wait for the disk: an
// operation is queued, and its handler is posted to the caller's executor once
// it has run (for a write: once it has been committed).
//
//     hanabi::storage::sqlite_store_config config;
//     config.path = "hanabi.db";
//     auto opened = hanabi::storage::sqlite_store::open(ioc.get_executor(), config);
//     if (!opened) fail(opened.error());
//     auto& store = **opened;
//
// Journal appends are committed one by one (journal_commit::each), or grouped
// (journal_commit::batched): appends that arrive within `batch_window` of each
// other, up to `batch_limit`, share one commit. In both modes a handler that
// reports success means the events are committed; a crash may only lose
// appends whose handlers have not run yet.
#pragma once

#include <hanabi/detail/config.hpp>
#include <hanabi/detail/job_thread.hpp>
#include <hanabi/logger.hpp>
#include <hanabi/storage/store.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

namespace hanabi::detail {
class sqlite_core;
}

namespace hanabi::storage {

/// How journal appends are committed.
enum class journal_commit {
  each,     ///< One commit (and sync) per append: lowest latency for a lone appender.
  batched,  ///< Group commit: one commit for the appends queued within a short window.
};

/// Construction parameters of a sqlite_store.
struct sqlite_store_config {
  /// The database file; created (with its directory entry) when missing. Never ":memory:" in production.
  std::string path = "hanabi.db";
  journal_commit commit = journal_commit::batched;
  /// Batched mode: how long the writer waits for more appends before committing a batch; also how
  /// long, after running work, it keeps looking for queue journals' handed-off batches before it
  /// goes idle. While it looks, a journal's hand-off wakes no thread (no syscall on the queue's
  /// strand) and its batch is picked up within this window: a journaled event becomes durable up
  /// to about two windows plus the commit after its hand-off, the trade group commit already makes.
  /// In `each` mode the writer goes idle at once and every hand-off to an idle writer wakes it.
  std::chrono::microseconds batch_window{1000};
  /// Batched mode: the most appends one commit holds.
  std::size_t batch_limit = 512;
  /// true: `synchronous=FULL`, a commit survives power loss. false: `NORMAL`, a commit survives a
  /// crash of the process (kill -9) but the last ones may be lost on power loss; faster.
  bool sync_on_commit = true;
  /// How long to wait when another process holds the database lock.
  std::chrono::milliseconds busy_timeout{5000};
  /// When to fold a session's journal into its snapshot.
  compaction_config compaction;
  hanabi::logger log;
};

/// The SQLite store. Thread-safe; see store.hpp for the contract of the operations.
class sqlite_store final : public store {
 public:
  /// The schema version this build creates and migrates to.
  static constexpr int latest_schema_version = 4;

  /// Opens the database and migrates it, on the calling thread (a one-time startup cost), then
  /// starts the store's thread. Errors: storage_failure (cannot open, not a database, a schema newer
  /// than this build, a failed migration) with SQLite's message in the diagnostics.
  HANABI_DECL static result<std::unique_ptr<sqlite_store>> open(executor_type executor, sqlite_store_config config);

  /// Runs close().
  HANABI_DECL ~sqlite_store() override;

  /// Finishes every operation initiated so far (committing them and posting their handlers), then
  /// stops the thread and closes the database. Operations initiated afterwards fail with
  /// storage_failure. Blocks until done; idempotent; not to be called from a store handler running
  /// on a thread that close() must wait for.
  HANABI_DECL void close();

  /// The schema version of the open database.
  int schema_version() const noexcept { return schema_version_; }

  /// What the store's thread has done (its sleeps and wake-ups): for tests and benchmarks.
  detail::job_thread_stats thread_stats() const { return writer_.stats(); }

 protected:
  HANABI_DECL void submit(detail::job_ptr job) override;
  HANABI_DECL void hand_off(detail::ready_job& job) override;
  void expect_hand_off() noexcept override { writer_.expect_hand_off(); }

 private:
  HANABI_DECL sqlite_store(executor_type executor, sqlite_store_config config, std::unique_ptr<detail::sqlite_core> core,
                           int schema_version);
  HANABI_DECL void run_batch(detail::job_thread::batch& batch);

  sqlite_store_config config_;
  std::unique_ptr<detail::sqlite_core> core_;
  int schema_version_;
  detail::job_thread writer_;
};

}  // namespace hanabi::storage

#ifdef HANABI_HEADER_ONLY
#  include <hanabi/impl/storage_sqlite.ipp>
#endif
