// `hanabi-bot --offline`, assembled: the parent bot and its children as real processes, against
// one Lavalink node (the bundled fake node), with Discord simulated in this process and no token.
//
//  - The parent runs here, on an offline_gateway (the console's commands reach it).
//  - A discord_sim serves the children's gateways, in the same voice_world: users are in the
//    same voice channels for every bot, and what every bot sends prints here, prefixed with its
//    name.
//  - A config for the children is written into `dir` (bot.toml, with the node, the control
//    link's ephemeral port, the SQLite file `dir`/hanabi.db, and a .env with made-up secrets), and
//    the parent's supervisor runs each child as `hanabi-bot --child NAME --config dir/bot.toml
//    --offline-discord 127.0.0.1:PORT`, restarting it when it dies.
//
// The e2e tests build the same object, so what they check is what the demo runs.
//
// Threading: construct, use and destroy on the thread that runs the io_context.
#pragma once

#include "discord_sim.hpp"
#include "offline_gateway.hpp"

#include "../core/parent_bot.hpp"

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace bot::offline {

struct offline_bots_options {
  /// The hanabi-bot executable the children run.
  std::filesystem::path program;
  /// Where the children's config, .env and the SQLite file go (created if missing).
  std::filesystem::path dir;
  /// The Lavalink node (the fake node's port on 127.0.0.1).
  unsigned short node_port = 0;
  /// How many children (child-1, child-2...).
  int children = 2;
  /// A session with nothing playing this long leaves (whole seconds, as in the config).
  std::chrono::seconds inactivity_timeout{300};
  permissions rules{};
  /// The body of the config's [storage] table: the SQLite file hanabi.db in `dir` by default, or
  /// e.g. `kind = "redis"` and `unix_socket = "..."` for a Redis server.
  std::string storage = "path = \"hanabi.db\"\n";
  /// Receives each printed block of every bot (default: standard output).
  std::function<void(std::string_view)> print{};
  hanabi::logger log = hanabi::logger::none();
};

/// Writes the offline bots' config into `o.dir`: bot.toml (the parent "hanabi" and the children
/// child-1..., the node, the store (`o.storage`), the control link on 127.0.0.1:`control_port`)
/// and a .env holding `secret` (the control link's and the simulated Discord's) and made-up
/// tokens. Errors: invalid_argument when a file cannot be written.
hanabi::result<void> write_offline_config(const offline_bots_options& o, unsigned short control_port,
                                          const hanabi::secret& secret);

/// The user id of bot `index` (0 = the parent, then the children in configured order) in the
/// simulation: Discord would say it in READY.
hanabi::user_id offline_user_id(std::size_t index);
/// The same by name in `config`; empty when no bot has that name.
std::optional<hanabi::user_id> offline_user_id(const bot_config& config, std::string_view name);

class offline_bots {
 public:
  /// Writes nothing and spawns nothing yet: see start(). Throws nothing; a bad setup shows in start().
  offline_bots(boost::asio::io_context& io, offline_bots_options options);
  ~offline_bots();
  offline_bots(const offline_bots&) = delete;
  offline_bots& operator=(const offline_bots&) = delete;

  /// Listens for the children on the simulated Discord and starts the parent; once the parent's own
  /// sessions are back (parent_bot::start), it listens on the control link, writes the children's
  /// config and spawns them (a failure there is logged, and ready() stays false). Errors: those of
  /// the directory and of the simulation's listen.
  hanabi::result<void> start();
  /// True once the parent's node accepts players and every child is registered with the parent
  /// and connected to the simulated Discord.
  bool ready() const;
  /// Stops the children (SIGTERM, then SIGKILL) and the parent; `done` runs once they are gone.
  void shutdown(std::function<void()> done);

  /// Every bot's gateway here, by name (the script runner's targets).
  std::map<std::string, offline_gateway*> gateways();
  offline_gateway& parent_gateway() noexcept { return gateway_; }
  discord_sim& discord() noexcept { return sim_; }
  parent_bot& parent() noexcept { return *parent_; }
  const bot_config& config() const noexcept { return config_; }

 private:
  hanabi::child_program child_program(const std::string& name) const;
  hanabi::result<void> listen_and_spawn();

  boost::asio::io_context& io_;
  offline_bots_options options_;
  hanabi::secret secret_;
  bot_config config_;
  std::shared_ptr<voice_world> world_;
  offline_gateway gateway_;
  discord_sim sim_;
  std::unique_ptr<parent_bot> parent_;
  unsigned short sim_port_ = 0;
};

}  // namespace bot::offline
