// One process's claim on a child bot's name: while it is held, another process asking for the
// same name waits. Why: a parent restarted while its old children still play (orphans within
// their grace, adopted again by the new parent as they redial) spawns them again; the new one
// must not recover the sessions the old one still holds, so it waits for the old one to leave
// (its grace ran out, or it died), then recovers what it left.
//
// The claim follows the configured store, since the processes that must exclude each other are
// those sharing it:
//   * SQLite: an flock on "<file>.<name>.lock" beside the database file. The kernel releases it
//     however the process ends; it excludes processes of one host only, as the file does.
//   * Redis: a lease, the key `<key_prefix>bot:claim:<name>`, holding "PID@HOST#TOKEN" of its
//     holder. It is taken with SET NX and an expiry of `storage.claim_lease`, renewed every third
//     of that by a thread of the claim's own, and deleted on a clean exit (only by its holder: the
//     delete and the renewal check the token). A process that died without releasing it (kill -9,
//     a host lost) holds it until the lease runs out; one stalled longer than the lease (stopped,
//     or cut from the server) loses it, is told through `on_lost`, and must stop, since another
//     process may now hold the name. A waiting process tries again every second (at most a third
//     of the lease) and logs once who holds the name.
//
// Threading: wait() blocks the calling thread; on_lost runs on the claim's renewal thread.
#pragma once

#include "config.hpp"

#include <hanabi/diagnostics.hpp>
#include <hanabi/logger.hpp>

#include <functional>
#include <memory>
#include <string>

namespace bot {

class instance_claim {
 public:
  /// Blocks until the claim on child `name` of the configured store is free, then holds it until
  /// destroyed. `on_lost` runs at most once, if a Redis lease was lost while held. Errors:
  /// storage_failure when the lock file cannot be opened; those of connecting to Redis.
  static hanabi::result<std::unique_ptr<instance_claim>> wait(const bot_config& c, const secrets& s, const std::string& name,
                                                              const hanabi::logger& log, std::function<void()> on_lost);
  virtual ~instance_claim() = default;
};

}  // namespace bot
