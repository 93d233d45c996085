// What the bot keeps beside hanabi's store, opened from the config's [storage]: the store itself
// (a SQLite file by default, or a Redis server), and where each of a bot's sessions posts its
// messages: the text channel of the command that created it, kept so that a bot restarted after a
// crash posts its recovered sessions' now-playing messages where they were. hanabi's store keeps
// the sessions themselves; the text channel is the one thing about them only the bot knows, so it
// lives beside them, in the same backend:
//   * SQLite: the table bot_text_channels (bot, voice, text) in the same file. Every process may
//     share the file: rows are keyed by bot name, and SQLite's busy timeout waits for another
//     process's lock.
//   * Redis: one hash per bot, `<key_prefix>bot:text_channels:<bot>`, voice id -> text id, on a
//     connection of its own.
//
// Threading: not thread-safe; each call runs one short statement or command on the calling thread
// (as the bot's other calls do on its gateway's thread).
#pragma once

#include "config.hpp"
#include "errors.hpp"

#include <hanabi/diagnostics.hpp>
#include <hanabi/ids.hpp>
#include <hanabi/logger.hpp>
#include <hanabi/storage/open_store.hpp>

#include <boost/asio/any_io_executor.hpp>

#include <memory>
#include <optional>
#include <string>

namespace bot {

/// The store the config names, as hanabi::storage::open_store takes it (the SQLite file, or the
/// Redis server with its password from `s`).
hanabi::storage::store_config store_config_of(const bot_config& c, const secrets& s, const hanabi::logger& log);

/// Opens hanabi's store as the config says: playlists, volumes, the sessions of every bot process.
/// Errors: those of hanabi::storage::open_store.
hanabi::result<std::unique_ptr<hanabi::storage::store>> open_bot_store(boost::asio::any_io_executor ex, const bot_config& c,
                                                                       const secrets& s, const hanabi::logger& log);

class text_channels {
 public:
  virtual ~text_channels() = default;

  /// The session in `voice` posts in `text`.
  virtual hanabi::result<void> remember(hanabi::channel_id voice, hanabi::channel_id text) = 0;
  /// Where the session in `voice` posts; empty when unknown (or the backend cannot be read).
  virtual std::optional<hanabi::channel_id> find(hanabi::channel_id voice) = 0;
  /// The session in `voice` is over.
  virtual void forget(hanabi::channel_id voice) = 0;
};

/// Opens `bot`'s text channels beside the configured store (see the file comment). Errors:
/// storage_failure with SQLite's sentence (the table cannot be created); for Redis, those of
/// connecting (storage_unavailable, storage_failure).
hanabi::result<std::unique_ptr<text_channels>> open_text_channels(const bot_config& c, const secrets& s, std::string bot);

}  // namespace bot
