// A thin RAII layer over the SQLite C API: one connection, a cache of prepared
// statements, and every failure turned into error::storage_failure with
// SQLite's own message. Not thread-safe: one thread uses a connection.
#pragma once

#include <hanabi/detail/config.hpp>
#include <hanabi/diagnostics.hpp>
#include <hanabi/ids.hpp>

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace hanabi::detail {

/// A cached prepared statement in use. Resets it (and clears its bindings) when destroyed, so the
/// next user of the same SQL finds it fresh.
class sqlite_query {
 public:
  sqlite_query(sqlite3* db, sqlite3_stmt* statement) noexcept : db_(db), statement_(statement) {}
  sqlite_query(sqlite_query&& other) noexcept : db_(other.db_), statement_(std::exchange(other.statement_, nullptr)) {}
  sqlite_query(const sqlite_query&) = delete;
  sqlite_query& operator=(const sqlite_query&) = delete;
  sqlite_query& operator=(sqlite_query&&) = delete;
  HANABI_DECL ~sqlite_query();

  HANABI_DECL sqlite_query& bind(int index, std::int64_t value);
  HANABI_DECL sqlite_query& bind(int index, std::string_view text);
  HANABI_DECL sqlite_query& bind(int index, std::nullopt_t);
  sqlite_query& bind(int index, const std::string& text) { return bind(index, std::string_view(text)); }
  sqlite_query& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
  sqlite_query& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
  sqlite_query& bind(int index, std::uint64_t value) { return bind(index, static_cast<std::int64_t>(value)); }
  sqlite_query& bind(int index, bool value) { return bind(index, static_cast<std::int64_t>(value)); }
  template <class Tag>
  sqlite_query& bind(int index, snowflake<Tag> id) { return bind(index, static_cast<std::int64_t>(id.value())); }
  template <class T>
  sqlite_query& bind(int index, const std::optional<T>& value) {
    return value ? bind(index, *value) : bind(index, std::nullopt);
  }
  /// Binds the arguments to parameters 1, 2, 3...
  template <class... Args>
  sqlite_query& bind_all(const Args&... args) {
    int index = 0;
    (bind(++index, args), ...);
    return *this;
  }

  /// Advances: true when a row is available, false when the statement is done.
  HANABI_DECL result<bool> step();
  /// Runs a statement that returns no rows.
  HANABI_DECL result<void> run();

  HANABI_DECL bool is_null(int column) const noexcept;
  HANABI_DECL std::int64_t int64(int column) const noexcept;
  HANABI_DECL std::string text(int column) const;
  std::optional<std::int64_t> optional_int64(int column) const {
    return is_null(column) ? std::nullopt : std::optional<std::int64_t>(int64(column));
  }
  std::optional<std::string> optional_text(int column) const {
    return is_null(column) ? std::nullopt : std::optional<std::string>(text(column));
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* statement_;
};

/// One SQLite connection with its statement cache.
class sqlite_connection {
 public:
  /// Opens (creating if needed) the database file.
  HANABI_DECL static result<std::unique_ptr<sqlite_connection>> open(const std::string& path);
  sqlite_connection(const sqlite_connection&) = delete;
  sqlite_connection& operator=(const sqlite_connection&) = delete;
  HANABI_DECL ~sqlite_connection();

  /// Runs one or more SQL statements without parameters (pragmas, DDL).
  HANABI_DECL result<void> exec(const char* sql);
  /// The cached prepared statement for `sql`, prepared on first use.
  HANABI_DECL result<sqlite_query> query(const char* sql);
  /// Rowid of the last INSERT.
  HANABI_DECL std::int64_t last_insert_rowid() const noexcept;
  /// True while a transaction is open (BEGIN or SAVEPOINT not yet ended).
  bool in_transaction() const noexcept { return sqlite3_get_autocommit(db_) == 0; }
  /// error::storage_failure with SQLite's current message, saying what was being done.
  HANABI_DECL failure error(std::string_view doing) const;

 private:
  explicit sqlite_connection(sqlite3* db) noexcept : db_(db) {}

  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

/// A savepoint: nests inside an enclosing transaction (a batch of journal appends) or, alone, is a
/// write transaction of its own, begun IMMEDIATE. Rolled back unless commit() succeeds.
///
/// Why IMMEDIATE: a deferred transaction that reads and then writes gets SQLITE_BUSY at once,
/// without waiting for the busy timeout, when another connection (another process sharing the
/// file: a bot's children) wrote in between; taking the write lock first waits for it instead.
class sqlite_savepoint {
 public:
  explicit sqlite_savepoint(sqlite_connection& connection) noexcept : connection_(connection) {}
  sqlite_savepoint(const sqlite_savepoint&) = delete;
  sqlite_savepoint& operator=(const sqlite_savepoint&) = delete;
  HANABI_DECL ~sqlite_savepoint();

  HANABI_DECL result<void> begin();
  HANABI_DECL result<void> commit();

 private:
  sqlite_connection& connection_;
  bool open_ = false;
  bool outermost_ = false;  // a transaction of its own, not nested in one
};

}  // namespace hanabi::detail

#ifdef HANABI_HEADER_ONLY
#  include <hanabi/impl/storage_sqlite_connection.ipp>
#endif
