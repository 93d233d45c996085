// The bot's SQLite file. Where each of a bot's sessions posts its messages: the text channel of the command that created
// it, kept in the bot's SQLite file (table bot_text_channels) so that a bot restarted after a
// crash posts its recovered sessions' now-playing messages where they were. hanabi's store keeps
// the sessions themselves; this is the one thing about them only the bot knows.
//
// Every process (parent and children) may share the file: rows are keyed by bot name, and SQLite's
// busy timeout waits for another process's lock.
//
// Threading: not thread-safe; each call runs a short statement on the calling thread.
#pragma once

#include "errors.hpp"

#include <hanabi/diagnostics.hpp>
#include <hanabi/ids.hpp>
#include <hanabi/logger.hpp>
#include <hanabi/storage/sqlite_store.hpp>

#include <boost/asio/any_io_executor.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

struct sqlite3;

namespace bot {

/// Opens hanabi's store on the bot's SQLite file (`config.storage_path`: playlists, volumes, the
/// sessions of every bot process). Errors: those of sqlite_store::open.
hanabi::result<std::unique_ptr<hanabi::storage::sqlite_store>> open_bot_store(boost::asio::any_io_executor ex,
                                                                              const std::filesystem::path& file,
                                                                              const hanabi::logger& log);

class text_channels {
 public:
  /// Opens (creating when missing) the table in `file` for `bot`. Errors: storage_failure with
  /// SQLite's sentence.
  static hanabi::result<text_channels> open(const std::filesystem::path& file, std::string bot);

  /// The session in `voice` posts in `text`.
  hanabi::result<void> remember(hanabi::channel_id voice, hanabi::channel_id text);
  /// Where the session in `voice` posts; empty when unknown.
  std::optional<hanabi::channel_id> find(hanabi::channel_id voice) const;
  /// The session in `voice` is over.
  void forget(hanabi::channel_id voice);

 private:
  struct closer {
    void operator()(sqlite3* db) const noexcept;
  };
  text_channels(std::unique_ptr<sqlite3, closer> db, std::string bot) : db_(std::move(db)), bot_(std::move(bot)) {}

  std::unique_ptr<sqlite3, closer> db_;
  std::string bot_;
};

}  // namespace bot
