// The parent bot of a process, assembled: its nodes, the sessions it holds itself, the session
// manager (local sessions first, then the first free child, "all N bots are busy" when none is),
// the control server the children dial into (the configured address and secret), the supervisor
// that runs and restarts the configured children, and the command router on its gateway.
//
//     bot::parent_bot parent(io, gateway, {.config = cfg, .secrets = s, .child_program = ...});
//     auto endpoint = parent.listen();       // the control link children dial
//     parent.spawn_children();                // runs the configured children
//     ...
//     parent.shutdown([] { /* children stopped */ });
//
// The gateway is whatever talks to Discord (DPP, or the offline simulation): the parent does not
// know which. The parent's own sessions are not persisted yet (a child's are: child_bot.hpp).
//
// Threading: construct, use and destroy on the thread that runs the io_context.
#pragma once

#include "bot_nodes.hpp"
#include "config.hpp"
#include "gateway.hpp"
#include "local_sessions.hpp"
#include "router.hpp"

#include <hanabi/logger.hpp>
#include <hanabi/session/session_manager.hpp>
#include <hanabi/session/supervisor.hpp>
#include <hanabi/storage/sqlite_store.hpp>

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
  /// Saved playlists (/playlist, /enqueue); it must outlive the parent. Null: the config's SQLite
  /// file, opened by the parent.
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
  /// Throws nothing; a SQLite file that cannot be opened leaves the parent without playlists
  /// (the commands say so) and is logged.
  parent_bot(boost::asio::io_context& io, gateway& gw, parent_bot_options options);
  ~parent_bot();
  parent_bot(const parent_bot&) = delete;
  parent_bot& operator=(const parent_bot&) = delete;

  /// Registers the slash commands and listens for children on the configured control address
  /// (port 0: an ephemeral one). Errors: the listen's (address in use...).
  hanabi::result<boost::asio::ip::tcp::endpoint> listen();
  /// Runs the configured children with `spawn = true` through child_program, and restarts them
  /// when they crash. Errors: a program that cannot be spawned (the others still run). Call once.
  hanabi::result<void> spawn_children();

  /// Ends the parent's own sessions, stops the children (SIGTERM, then SIGKILL after the grace)
  /// and closes the control server; `done` runs once every child has exited. Idempotent.
  void shutdown(std::function<void()> done);

  /// True once a node accepts players.
  bool ready() const { return nodes_.ready(); }

  hanabi::session_manager& manager() noexcept { return manager_; }
  const hanabi::session_manager& manager() const noexcept { return manager_; }
  /// The supervisor of the spawned children; null when none is spawned.
  hanabi::supervisor* children() noexcept { return supervisor_.get(); }

 private:
  hanabi::session_manager_config manager_config() const;
  router_config routing();
  void end_own_sessions();

  boost::asio::io_context& io_;
  gateway& gateway_;
  parent_bot_options options_;
  std::unique_ptr<hanabi::storage::sqlite_store> own_store_;  // when options_.store is null
  bot_nodes nodes_;
  local_sessions local_;
  hanabi::session_manager manager_;
  router router_;
  std::unique_ptr<hanabi::supervisor> supervisor_;
  bool stopped_ = false;
};

}  // namespace bot
