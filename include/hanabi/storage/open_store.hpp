// Opening the store a user configured: a SQLite file by default, or a Redis server for bots
// spread over several hosts. One call for programs whose users choose in a config file or on
// the command line (the reference bot, hanabi-session-child):
//
//     hanabi::storage::sqlite_store_config sqlite;
//     sqlite.path = "bot.db";
//     auto opened = hanabi::storage::open_store(ioc.get_executor(), sqlite);
//     if (!opened) fail(opened.error());
//     hanabi::storage::store& store = **opened;
//
// The Redis store lives in its own library, hanabi::redis, built only where hiredis is found;
// linking it defines HANABI_WITH_REDIS for its users. A program built without it still compiles
// the same source: asking it for Redis is a typed error when the store is opened, not a compile
// failure. Why inline here rather than compiled into libhanabi: libhanabi is built before (and
// without) hanabi::redis, so only the program knows whether it links it. Every translation unit
// of one program must therefore see the same HANABI_WITH_REDIS (link hanabi::redis to all of it).
//
// Threading: open_store and close_store block the calling thread while the store opens (SQLite's migrations,
// Redis's connect); the store's operations then follow store.hpp's contract.
#pragma once

#include <hanabi/error.hpp>
#include <hanabi/storage/redis_store.hpp>
#include <hanabi/storage/sqlite_store.hpp>

#include <memory>
#include <utility>
#include <variant>

namespace hanabi::storage {

/// Which store to open, and its parameters.
using store_config = std::variant<sqlite_store_config, redis_store_config>;

/// True when this program links hanabi::redis, so that open_store can open a Redis store.
inline constexpr bool redis_store_built =
#ifdef HANABI_WITH_REDIS
    true;
#else
    false;
#endif

/// Opens the store `config` names. Errors: those of sqlite_store::open or redis_store::open, and
/// invalid_argument (saying why) when it names Redis in a program built without hanabi::redis.
inline result<std::unique_ptr<store>> open_store(store::executor_type executor, store_config config) {
  if (auto* sqlite = std::get_if<sqlite_store_config>(&config)) {
    auto opened = sqlite_store::open(std::move(executor), std::move(*sqlite));
    if (!opened) return opened.error();
    return std::unique_ptr<store>(std::move(*opened));
  }
#ifdef HANABI_WITH_REDIS
  auto opened = redis_store::open(std::move(executor), std::move(std::get<redis_store_config>(config)));
  if (!opened) return opened.error();
  return std::unique_ptr<store>(std::move(*opened));
#else
  return failure{error::invalid_argument,
                 diagnostics{"this program was built without the Redis store (hanabi::redis needs hiredis at "
                             "build time): use a SQLite file, or rebuild with libhiredis-dev installed"}};
#endif
}

/// Finishes every operation initiated so far and closes a store open_store opened (each backend's
/// close(); see sqlite_store::close and redis_store::close): for a program that must know its last
/// writes are done before it exits, without naming the backend. Other stores are left as they are.
inline void close_store(store& s) {
  if (auto* sqlite = dynamic_cast<sqlite_store*>(&s)) return sqlite->close();
#ifdef HANABI_WITH_REDIS
  if (auto* redis = dynamic_cast<redis_store*>(&s)) return redis->close();
#endif
}

}  // namespace hanabi::storage
