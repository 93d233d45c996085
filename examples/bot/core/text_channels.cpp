#include "text_channels.hpp"

#include <hanabi/error.hpp>
#ifdef HANABI_WITH_REDIS
#  include <hanabi/storage/redis_connection.hpp>
#endif

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

// The table bot_text_channels in the bot's SQLite file.
class sqlite_text_channels final : public text_channels {
 public:
  static hanabi::result<std::unique_ptr<text_channels>> open(const std::filesystem::path& file, std::string bot) {
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
    return std::unique_ptr<text_channels>(new sqlite_text_channels(std::move(db), std::move(bot)));
  }

  hanabi::result<void> remember(hanabi::channel_id voice, hanabi::channel_id text) override {
    if (!run(db_.get(), "INSERT OR REPLACE INTO bot_text_channels (bot, voice, text) VALUES (?, ?, ?)",
             {bot_, voice.str(), text.str()}, no_rows))
      return storage_failure(db_.get(), "the text channel cannot be saved");
    return {};
  }

  std::optional<hanabi::channel_id> find(hanabi::channel_id voice) override {
    std::optional<hanabi::channel_id> found;
    run(db_.get(), "SELECT text FROM bot_text_channels WHERE bot = ? AND voice = ?", {bot_, voice.str()},
        [&](sqlite3_stmt* s) {
          const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
          if (auto id = hanabi::channel_id::parse(text ? text : "")) found = *id;
        });
    return found;
  }

  void forget(hanabi::channel_id voice) override {
    run(db_.get(), "DELETE FROM bot_text_channels WHERE bot = ? AND voice = ?", {bot_, voice.str()}, no_rows);
  }

 private:
  struct closer {
    void operator()(sqlite3* db) const noexcept { sqlite3_close(db); }
  };
  sqlite_text_channels(std::unique_ptr<sqlite3, closer> db, std::string bot) : db_(std::move(db)), bot_(std::move(bot)) {}

  std::unique_ptr<sqlite3, closer> db_;
  std::string bot_;
};

#ifdef HANABI_WITH_REDIS
// The hash <key_prefix>bot:text_channels:<bot> on the bot's Redis server (voice id -> text id).
class redis_text_channels final : public text_channels {
 public:
  static hanabi::result<std::unique_ptr<text_channels>> open(hanabi::storage::redis_store_config config, const std::string& bot) {
    auto key = config.key_prefix + "bot:text_channels:" + bot;
    auto made = std::unique_ptr<redis_text_channels>(new redis_text_channels(std::move(config), std::move(key)));
    if (auto connected = made->connection_.connect(); !connected) return connected.error();
    return std::unique_ptr<text_channels>(std::move(made));
  }

  hanabi::result<void> remember(hanabi::channel_id voice, hanabi::channel_id text) override {
    auto done = connection_.command({"HSET", key_, voice.str(), text.str()});
    if (!done) return done.error();
    return {};
  }

  std::optional<hanabi::channel_id> find(hanabi::channel_id voice) override {
    auto text = connection_.command({"HGET", key_, voice.str()});
    if (!text || text->type != hanabi::storage::redis_reply::kind::string) return std::nullopt;
    auto id = hanabi::channel_id::parse(text->str);
    return id ? std::optional(*id) : std::nullopt;
  }

  void forget(hanabi::channel_id voice) override { (void)connection_.command({"HDEL", key_, voice.str()}); }

 private:
  redis_text_channels(hanabi::storage::redis_store_config config, std::string key)
      : connection_(std::move(config)), key_(std::move(key)) {}

  hanabi::storage::redis_connection connection_;
  std::string key_;
};
#endif

}  // namespace

hanabi::storage::store_config store_config_of(const bot_config& c, const secrets& s, const hanabi::logger& log) {
  if (!c.redis) {
    hanabi::storage::sqlite_store_config sqlite;
    sqlite.path = c.storage_path.string();
    sqlite.log = log.with_prefix("store");
    return sqlite;
  }
  hanabi::storage::redis_store_config redis;
  redis.host = c.redis->host;
  redis.port = c.redis->port;
  redis.unix_socket = c.redis->unix_socket;
  redis.password = s.store_password;
  redis.database = c.redis->database;
  redis.key_prefix = c.redis->key_prefix;
  redis.log = log.with_prefix("store");
  return redis;
}

hanabi::result<std::unique_ptr<hanabi::storage::store>> open_bot_store(boost::asio::any_io_executor ex, const bot_config& c,
                                                                       const secrets& s, const hanabi::logger& log) {
  return hanabi::storage::open_store(std::move(ex), store_config_of(c, s, log));
}

hanabi::result<std::unique_ptr<text_channels>> open_text_channels(const bot_config& c, const secrets& s, std::string bot) {
#ifdef HANABI_WITH_REDIS
  if (c.redis)
    return redis_text_channels::open(std::get<hanabi::storage::redis_store_config>(store_config_of(c, s, hanabi::logger::none())),
                                     bot);
#else
  (void)s;  // a config naming Redis is refused at load in this build
#endif
  return sqlite_text_channels::open(c.storage_path, std::move(bot));
}

}  // namespace bot
