#include "text_channels.hpp"

#include <hanabi/error.hpp>

#include <sqlite3.h>

#include <fmt/format.h>

#include <utility>

namespace bot {

namespace {

hanabi::failure storage_failure(sqlite3* db, std::string_view what) {
  return hanabi::failure{hanabi::error::storage_failure,
                         hanabi::diagnostics{fmt::format("{}: {}", what, db ? sqlite3_errmsg(db) : "out of memory")}};
}

// One statement, prepared, bound with text values, stepped to its end; calls `row` per result row.
template <class Row>
bool run(sqlite3* db, const char* sql, std::initializer_list<std::string> values, Row row) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) != SQLITE_OK) return false;
  int i = 1;
  for (const auto& v : values) sqlite3_bind_text(stmt, i++, v.c_str(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) row(stmt);
  sqlite3_finalize(stmt);
  return rc == SQLITE_DONE;
}

constexpr auto no_rows = [](sqlite3_stmt*) {};

}  // namespace

hanabi::result<std::unique_ptr<hanabi::storage::sqlite_store>> open_bot_store(boost::asio::any_io_executor ex,
                                                                              const std::filesystem::path& file,
                                                                              const hanabi::logger& log) {
  hanabi::storage::sqlite_store_config sc;
  sc.path = file.string();
  sc.log = log.with_prefix("store");
  return hanabi::storage::sqlite_store::open(std::move(ex), std::move(sc));
}

void text_channels::closer::operator()(sqlite3* db) const noexcept { sqlite3_close(db); }

hanabi::result<text_channels> text_channels::open(const std::filesystem::path& file, std::string bot) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(file.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  std::unique_ptr<sqlite3, closer> db(raw);
  if (rc != SQLITE_OK) return storage_failure(raw, fmt::format("{} cannot be opened", file.string()));
  sqlite3_busy_timeout(raw, 5000);
  if (!run(raw,
           "CREATE TABLE IF NOT EXISTS bot_text_channels (bot TEXT NOT NULL, voice TEXT NOT NULL, "
           "text TEXT NOT NULL, PRIMARY KEY (bot, voice))",
           {}, no_rows))
    return storage_failure(raw, "the text channel table cannot be created");
  return text_channels(std::move(db), std::move(bot));
}

hanabi::result<void> text_channels::remember(hanabi::channel_id voice, hanabi::channel_id text) {
  if (!run(db_.get(), "INSERT OR REPLACE INTO bot_text_channels (bot, voice, text) VALUES (?, ?, ?)",
           {bot_, voice.str(), text.str()}, no_rows))
    return storage_failure(db_.get(), "the text channel cannot be saved");
  return {};
}

std::optional<hanabi::channel_id> text_channels::find(hanabi::channel_id voice) const {
  std::optional<hanabi::channel_id> found;
  run(db_.get(), "SELECT text FROM bot_text_channels WHERE bot = ? AND voice = ?", {bot_, voice.str()},
      [&](sqlite3_stmt* s) {
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
        if (auto id = hanabi::channel_id::parse(text ? text : "")) found = *id;
      });
  return found;
}

void text_channels::forget(hanabi::channel_id voice) {
  run(db_.get(), "DELETE FROM bot_text_channels WHERE bot = ? AND voice = ?", {bot_, voice.str()}, no_rows);
}

}  // namespace bot
