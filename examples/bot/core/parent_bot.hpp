// The parent bot of a process, assembled: its nodes, the sessions it holds itself (persisted in
// the store, like a child's), the session manager (local sessions first, then the first free
// child, "all N bots are busy" when none is), the control server the children dial into (the
// configured address and secret), the supervisor that runs and restarts the configured children,
// and the command router on its gateway.
//
//     bot::parent_bot parent(io, gateway, {.config = cfg, .secrets = s, .child_program = ...});
//     parent.start([&](hanabi::error_code) {
//       auto endpoint = parent.listen();       // the control link children dial
//       parent.spawn_children();                // runs the configured children
//     });
//     ...
//     parent.shutdown([] { /* children stopped */ });
//
// Restart-proof: the constructor starts the nodes, each resuming the Lavalink session stored for
// it; start() waits for a node, then brings the parent's own sessions back as they were when the
// process died or stopped (local_sessions::recover: queue, pointer, repeat, volume, pause, filters,
// position; the remembered volumes and the history too), each posting its now-playing message in
// the text channel it had; a session whose voice channel is gone is closed and its text channel
// told. Only then does the router take commands, so a command never sees the parent free in a
// guild where a session is still coming back. The children recover their own sessions before they
// register; the manager adopts those as they do.
//
// The gateway is whatever talks to Discord (DPP, or the offline simulation): the parent does not
// know which.
//
// Threading: construct, use and destroy on the thread that runs the io_context.
#pragma once

#include "bot_nodes.hpp"
#include "config.hpp"
#include "gateway.hpp"
#include "local_sessions.hpp"
#include "router.hpp"
#include "text_channels.hpp"

#include <hanabi/logger.hpp>
#include <hanabi/session/session_manager.hpp>
#include <hanabi/session/supervisor.hpp>
#include <hanabi/storage/store.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace bot {

struct parent_bot_options {
  bot_config config;
  bot::secrets secrets;
  /// The program that runs child `name` (e.g. this executable with `--child name --config FILE`).
  /// Only children with `spawn = true` are run; empty: the parent spawns none (they dial in).
  std::function<hanabi::child_program(const std::string& name)> child_program{};
  /// The Lavalink nodes; empty: those of the config (node_configs()).
  std::vector<hanabi::node_config> nodes{};
  /// Saved playlists (/playlist, /enqueue); it must outlive the parent. Null: the config's store
  /// (its SQLite file or Redis server), opened by the parent, with the text channels beside it.
  hanabi::storage::store* store = nullptr;
  /// Prepended to a play query that is not a URL.
  std::string search_prefix = "ytsearch:";
  /// Play queries starting with one of these go to Lavalink unchanged.
  std::vector<std::string> passthrough_prefixes{};
  /// How long a /search menu accepts a pick.
  std::chrono::milliseconds search_timeout{std::chrono::seconds{30}};
  hanabi::logger log = hanabi::logger::none();
};

class parent_bot {
 public:
  /// Throws nothing; a store that cannot be opened leaves the parent without playlists
  /// (the commands say so) nor persistence, and is logged. Starts the nodes; the bot's own voice
  /// updates are routed from now on, commands only after start().
  parent_bot(boost::asio::io_context& io, gateway& gw, parent_bot_options options);
  ~parent_bot();
  parent_bot(const parent_bot&) = delete;
  parent_bot& operator=(const parent_bot&) = delete;

  /// Recovers the parent's own sessions once a node accepts players, then takes commands and
  /// registers the slash commands (see the file comment). `started` runs once, on the io_context;
  /// its error is the store's when the stored sessions could not be read (the parent serves anyway,
  /// without them). Call once.
  void start(std::function<void(hanabi::error_code)> started);
  /// Listens for children on the configured control address (port 0: an ephemeral one). Call it
  /// once started, so that the children's sessions join those the parent already has. Errors: the
  /// listen's (address in use...).
  hanabi::result<boost::asio::ip::tcp::endpoint> listen();
  /// Runs the configured children with `spawn = true` through child_program, and restarts them
  /// when they crash. Errors: a program that cannot be spawned (the others still run). Call once.
  hanabi::result<void> spawn_children();

  /// Ends the parent's own sessions, stops the children (SIGTERM, then SIGKILL after the grace)
  /// and closes the control server; `done` runs once every child has exited. Idempotent.
  void shutdown(std::function<void()> done);

  /// True once started: its sessions are back and it takes commands.
  bool ready() const { return started_; }

  hanabi::session_manager& manager() noexcept { return manager_; }
  const hanabi::session_manager& manager() const noexcept { return manager_; }
  /// The supervisor of the spawned children; null when none is spawned.
  hanabi::supervisor* children() noexcept { return supervisor_.get(); }

 private:
  hanabi::session_manager_config manager_config() const;
  router_config routing();
  hanabi::storage::store* store() const { return options_.store ? options_.store : own_store_.get(); }
  void recover(std::function<void(hanabi::error_code)> started);
  void serve(std::vector<std::shared_ptr<hanabi::local_session>> back);
  void remember_text_channel(const std::shared_ptr<hanabi::session>& s, hanabi::channel_id text);
  void close_own_sessions();
  void end_own_sessions();

  boost::asio::io_context& io_;
  gateway& gateway_;
  parent_bot_options options_;
  std::unique_ptr<hanabi::storage::store> own_store_;  // when options_.store is null
  std::unique_ptr<text_channels> channels_;            // with own_store_: where each session posts
  bot_nodes nodes_;
  local_sessions local_;
  hanabi::session_manager manager_;
  router router_;
  std::unique_ptr<hanabi::supervisor> supervisor_;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace bot
