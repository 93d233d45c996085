// A blocking Redis connection on the store's settings (redis_store_config),
// for what an application keeps beside the store on the same server: the
// Redis store's own thread drives one, and the example bot keeps its small
// side tables (text channels, the one-process-per-name lease) with another.
// Commands are argument vectors (binary-safe), several per round trip, and the
// replies are copied out of hiredis into plain values. A lost connection is
// freed and reported as storage_unavailable; the next call connects again.
#pragma once

#include <hanabi/detail/config.hpp>
#include <hanabi/diagnostics.hpp>
#include <hanabi/storage/redis_store.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct redisContext;

namespace hanabi::storage {

/// One reply, copied out of hiredis's reply tree.
struct redis_reply {
  enum class kind { nil, string, integer, array, status, error };
  kind type = kind::nil;
  std::string str;  ///< string, status and error replies
  long long integer = 0;
  std::vector<redis_reply> elements;
};

/// A command and its arguments, e.g. {"HSET", key, field, value}.
using redis_command = std::vector<std::string>;

/// Threading: not thread-safe; one thread at a time drives a connection. Every call blocks that
/// thread for a round trip (at most redis_store_config's timeouts): never call it on an io_context
/// thread that serves anything else.
class redis_connection {
 public:
  HANABI_DECL explicit redis_connection(redis_store_config config);
  HANABI_DECL ~redis_connection();
  redis_connection(const redis_connection&) = delete;
  redis_connection& operator=(const redis_connection&) = delete;

  /// Connects, authenticates and selects the database, unless already connected.
  HANABI_DECL result<void> connect();
  bool connected() const noexcept { return context_ != nullptr; }

  /// Sends the commands in one write and reads their replies, in order. An error reply is a
  /// storage_failure; a lost connection (or a reply later than the command timeout) is
  /// storage_unavailable and drops the connection.
  HANABI_DECL result<std::vector<redis_reply>> pipeline(const std::vector<redis_command>& commands);
  HANABI_DECL result<redis_reply> command(const redis_command& command);

  /// MULTI, the commands, EXEC, in one round trip: the commands' replies, or std::nullopt when
  /// EXEC was aborted because a key WATCHed before changed (nothing was written).
  HANABI_DECL result<std::optional<std::vector<redis_reply>>> transaction(const std::vector<redis_command>& commands);

  const redis_store_config& config() const noexcept { return config_; }

 private:
  HANABI_DECL failure lost(std::string_view doing);
  HANABI_DECL std::string endpoint() const;

  redis_store_config config_;
  redisContext* context_ = nullptr;
};

}  // namespace hanabi::storage

#ifdef HANABI_HEADER_ONLY
#  include <hanabi/impl/storage_redis_connection.ipp>
#endif
