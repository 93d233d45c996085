// A child bot of a process (`hanabi-bot --child NAME`), assembled. A child has no slash commands:
// it holds sessions for the parent, plays them on its own Lavalink connections, and shows them in
// Discord through its own gateway.
//
// start() brings it up in this order, so that the parent never sees a child that cannot play:
//  1. the store (the configured SQLite file or Redis server, shared with the other bots: rows
//     and keys are per bot name) and the nodes, resuming this bot's stored Lavalink sessions;
//  2. once a node accepts players, local_sessions::recover: the remembered volumes, then the
//     sessions this bot held when it died come back (queue, position, volume...), rejoin voice, and post their now-playing
//     message again where they did (text_channels); one that cannot come back is reported there;
//  3. then it dials the parent's control link with the configured secret and registers, so the
//     parent re-adopts the recovered sessions.
// From then on a hanabi::session_host serves the parent's session ops with local sessions,
// persisted in the store. Each session's now-playing message is posted by this child in the text
// channel the parent passed, and its buttons are handled here by the same router as the parent's;
// a session ending here (⏹, inactivity, a kick) is reported upstream by the session host, so
// the parent drops it. A parent unreachable for `control.orphan_grace` makes the child leave.
//
// Threading: construct, use and destroy on the thread that runs the io_context (one thread).
#pragma once

#include "bot_nodes.hpp"
#include "config.hpp"
#include "gateway.hpp"
#include "local_sessions.hpp"
#include "router.hpp"
#include "text_channels.hpp"

#include <hanabi/logger.hpp>
#include <hanabi/remote/client.hpp>
#include <hanabi/session/recovery.hpp>
#include <hanabi/session/session_host.hpp>
#include <hanabi/session/session_manager.hpp>
#include <hanabi/session/supervisor.hpp>
#include <hanabi/storage/store.hpp>

#include <boost/asio/io_context.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace bot {

struct child_bot_options {
  bot_config config;
  bot::secrets secrets;
  /// This child's configured name.
  std::string name;
  /// Prepended to a play query that is not a URL.
  std::string search_prefix = "ytsearch:";
  hanabi::logger log = hanabi::logger::none();
};

/// How a child ended (its process exit code).
enum class child_end : int { stopped = 0, failed = 1, refused = 3 };

class child_bot {
 public:
  child_bot(boost::asio::io_context& io, gateway& gw, child_bot_options options);
  ~child_bot();
  child_bot(const child_bot&) = delete;
  child_bot& operator=(const child_bot&) = delete;

  /// Starts the child (see the file comment); `ended` runs once, on the io_context, when it
  /// stopped: stop(), a parent that refused it, a store that cannot open, or an orphan's leave.
  void start(std::function<void(child_end)> ended);
  /// Ends the sessions (kept in the store, to be recovered by the next start), says goodbye to
  /// the parent and stops the nodes. Idempotent.
  void stop();

 private:
  void open_store();
  void recover();
  void dial_parent();
  void finish(child_end how);
  void on_created(const std::shared_ptr<hanabi::local_session>& s, std::optional<hanabi::channel_id> text);
  void report_lost(const hanabi::lost_session& lost);

  boost::asio::io_context& io_;
  gateway& gateway_;
  child_bot_options options_;
  std::unique_ptr<hanabi::storage::store> store_;
  std::unique_ptr<text_channels> channels_;
  std::unique_ptr<bot_nodes> nodes_;
  std::unique_ptr<local_sessions> local_;
  // Only its routing of button presses and its now-playing messages are used: a child gets no
  // commands, so this manager never creates a session.
  std::unique_ptr<hanabi::session_manager> idle_manager_;
  std::unique_ptr<router> router_;
  std::unique_ptr<hanabi::session_host> host_;
  std::unique_ptr<hanabi::remote::client> client_;
  std::unique_ptr<hanabi::parent_watchdog> watchdog_;
  std::function<void(child_end)> ended_;
  bool stopping_ = false;
};

}  // namespace bot
