// Helpers of the SQLite store's integration tests: a temporary directory that
// removes itself, a fixture that opens a store on a database file in it, and
// direct SQL access to that file (to look behind the store's back).
#pragma once

#include <hanabi/storage/sqlite_store.hpp>

#include "../../contract/store_contract.hpp"

#include <boost/asio/io_context.hpp>

#include <sqlite3.h>

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace hanabi::test {

class temp_dir {
 public:
  temp_dir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "hanabi-storage-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  ~temp_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// Runs SQL directly on a database file, outside the store.
class raw_db {
 public:
  explicit raw_db(const std::filesystem::path& file) { REQUIRE(sqlite3_open(file.c_str(), &db_) == SQLITE_OK); }
  raw_db(const raw_db&) = delete;
  raw_db& operator=(const raw_db&) = delete;
  ~raw_db() { sqlite3_close(db_); }

  void exec(const std::string& sql) {
    char* message = nullptr;
    const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
    INFO((message ? message : ""));
    sqlite3_free(message);
    REQUIRE(rc == SQLITE_OK);
  }

  /// Every value of the first column, as text.
  std::vector<std::string> column(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
    std::vector<std::string> values;
    while (sqlite3_step(st) == SQLITE_ROW) {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
      values.emplace_back(text ? text : "NULL");
    }
    sqlite3_finalize(st);
    return values;
  }

  /// The connection itself, for a test that uses it from another thread (no Catch2 assertions there).
  sqlite3* handle() const { return db_; }

  std::int64_t number(const std::string& sql) {
    auto values = column(sql);
    REQUIRE(values.size() == 1);
    return std::stoll(values[0]);
  }

 private:
  sqlite3* db_ = nullptr;
};

/// A sqlite_store on a fresh database file, for the store contract and the SQLite-only tests.
template <storage::journal_commit Commit = storage::journal_commit::each>
struct sqlite_fixture final : store_fixture {
  temp_dir dir;
  storage::sqlite_store_config config;
  std::unique_ptr<storage::sqlite_store> db;

  explicit sqlite_fixture(storage::compaction_config compaction) {
    config.path = (dir.path() / "hanabi.db").string();
    config.commit = Commit;
    config.compaction = std::move(compaction);
    config.log = logger::none();
    open();
  }
  void open() {
    auto opened = storage::sqlite_store::open(ctx.get_executor(), config);
    INFO((opened ? "" : opened.error().what()));
    REQUIRE(opened.has_value());
    db = std::move(*opened);
  }
  storage::store& store() override { return *db; }
  void reopen() override {
    db.reset();  // closes: every acknowledged write is in the file
    open();
  }
};

}  // namespace hanabi::test
