#pragma once

#include <hanabi/detail/sqlite_connection.hpp>

#include <fmt/format.h>

namespace hanabi::detail {

HANABI_DECL sqlite_query::~sqlite_query() {
  if (!statement_) return;
  sqlite3_reset(statement_);
  sqlite3_clear_bindings(statement_);
}

HANABI_DECL sqlite_query& sqlite_query::bind(int index, std::int64_t value) {
  sqlite3_bind_int64(statement_, index, value);
  return *this;
}

HANABI_DECL sqlite_query& sqlite_query::bind(int index, std::string_view text) {
  sqlite3_bind_text64(statement_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  return *this;
}

HANABI_DECL sqlite_query& sqlite_query::bind(int index, std::nullopt_t) {
  sqlite3_bind_null(statement_, index);
  return *this;
}

HANABI_DECL result<bool> sqlite_query::step() {
  switch (sqlite3_step(statement_)) {
    case SQLITE_ROW: return true;
    case SQLITE_DONE: return false;
    default:
      return failure{error::storage_failure,
                     fmt::format("{} (SQLite error {}) in: {}", sqlite3_errmsg(db_), sqlite3_extended_errcode(db_),
                                 sqlite3_sql(statement_))};
  }
}

HANABI_DECL result<void> sqlite_query::run() {
  auto row = step();
  if (!row) return row.error();
  return {};
}

HANABI_DECL bool sqlite_query::is_null(int column) const noexcept {
  return sqlite3_column_type(statement_, column) == SQLITE_NULL;
}

HANABI_DECL std::int64_t sqlite_query::int64(int column) const noexcept {
  return sqlite3_column_int64(statement_, column);
}

HANABI_DECL std::string sqlite_query::text(int column) const {
  const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(statement_, column));
  return data ? std::string(data, static_cast<std::size_t>(sqlite3_column_bytes(statement_, column))) : std::string();
}

HANABI_DECL result<std::unique_ptr<sqlite_connection>> sqlite_connection::open(const std::string& path) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                 nullptr);
  if (rc != SQLITE_OK) {
    failure f{error::storage_failure,
              fmt::format("cannot open '{}': {}", path, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc))};
    sqlite3_close(db);
    return f;
  }
  sqlite3_extended_result_codes(db, 1);
  return std::unique_ptr<sqlite_connection>(new sqlite_connection(db));
}

HANABI_DECL sqlite_connection::~sqlite_connection() {
  for (auto& [sql, statement] : statements_) sqlite3_finalize(statement);
  sqlite3_close(db_);
}

HANABI_DECL result<void> sqlite_connection::exec(const char* sql) {
  if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) return error(sql);
  return {};
}

HANABI_DECL result<sqlite_query> sqlite_connection::query(const char* sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &statement, nullptr) != SQLITE_OK)
      return error(fmt::format("preparing: {}", sql));
    it = statements_.emplace(sql, statement).first;
  }
  return sqlite_query(db_, it->second);
}

HANABI_DECL std::int64_t sqlite_connection::last_insert_rowid() const noexcept { return sqlite3_last_insert_rowid(db_); }

HANABI_DECL failure sqlite_connection::error(std::string_view doing) const {
  return failure{error::storage_failure,
                 fmt::format("{} (SQLite error {}) while {}", sqlite3_errmsg(db_), sqlite3_extended_errcode(db_), doing)};
}

HANABI_DECL sqlite_savepoint::~sqlite_savepoint() {
  if (open_) (void)connection_.exec(outermost_ ? "ROLLBACK" : "ROLLBACK TO hanabi_op; RELEASE hanabi_op");
}

HANABI_DECL result<void> sqlite_savepoint::begin() {
  outermost_ = !connection_.in_transaction();
  auto r = connection_.exec(outermost_ ? "BEGIN IMMEDIATE" : "SAVEPOINT hanabi_op");
  open_ = r.has_value();
  return r;
}

HANABI_DECL result<void> sqlite_savepoint::commit() {
  auto r = connection_.exec(outermost_ ? "COMMIT" : "RELEASE hanabi_op");
  if (r) open_ = false;
  return r;
}

}  // namespace hanabi::detail
