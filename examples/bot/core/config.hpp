// The bot's configuration: a TOML file (see examples/bot/bot.example.toml) plus
// secrets from the environment. The TOML names environment variables (`token_env`,
// `password_env`, `secret_env`) and never holds a secret itself: a key such as
// `token` is rejected, so a config file can be shared or committed safely.
// Variables come from the process environment first, then from a `.env` file
// next to the config (KEY=VALUE lines; see parse_env_file).
//
// Every rejection says where: "bot.toml:12: nodes[1].port: must be between 1
// and 65535". Loading is two steps so that --offline (which needs no token)
// can validate a config without any secret set:
//
//     auto cfg = bot::load_config("bot.toml");            // shape and values
//     auto env = bot::load_environment(cfg->env_file);     // process env + .env
//     auto secrets = bot::resolve_secrets(*cfg, *env, cfg->parent.name);
#pragma once

#include "errors.hpp"

#include <hanabi/ids.hpp>
#include <hanabi/secret.hpp>

#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bot {

/// Where a config value came from: for messages that point at the file.
struct source_position {
  std::string file;
  int line = 0;  ///< 1-based; 0 when the error concerns the whole file.
  friend bool operator==(const source_position&, const source_position&) = default;
};

/// A rejected config or .env file: "file:line: key: reason".
struct config_error {
  errc code = errc::config_invalid_value;
  source_position where;
  std::string key;     ///< Dotted path, e.g. "nodes[1].port"; empty for a syntax error.
  std::string reason;  ///< A sentence for a human.
  std::string what() const;
};

template <class T>
using config_result = boost::system::result<T, config_error>;

/// A name of an environment variable, with where the config named it.
struct env_ref {
  std::string variable;
  source_position where;
  friend bool operator==(const env_ref&, const env_ref&) = default;
};

/// One Discord bot account.
struct bot_account {
  std::string name;  ///< Unique, [a-z0-9_-]; how /connect and the logs name it.
  env_ref token_env;
  /// A child only: the parent runs it (`hanabi-bot --child NAME`) and restarts it when it crashes.
  /// False: it runs elsewhere (another host) and dials in by itself.
  bool spawn = true;
};

/// One Lavalink node.
struct node_entry {
  std::string name;
  std::string host;
  std::uint16_t port = 2333;
  env_ref password_env;
  bool tls = false;
  std::vector<std::string> regions;  ///< Discord voice regions this node serves (region affinity).
};

/// The parent/child control link. The parent listens; children connect.
struct control_entry {
  std::string address = "127.0.0.1";
  std::uint16_t port = 7400;
  env_ref secret_env;
  /// A child whose parent stays unreachable this long leaves voice and exits.
  std::chrono::seconds orphan_grace{30};
};

/// A Redis server holding what the bot keeps, instead of the SQLite file (`[storage] kind =
/// "redis"`): for bots whose processes run on several hosts. Every process naming the same server
/// and key prefix shares the playlists, volumes and sessions; the text channels and the
/// one-process-per-bot-name claim live under the prefix too (see text_channels.hpp, instance_claim.hpp).
struct redis_entry {
  std::string host = "127.0.0.1";
  std::uint16_t port = 6379;
  /// A unix socket path; when set, it is used instead of host and port.
  std::string unix_socket;
  /// The variable holding the server's password; empty: no AUTH.
  env_ref password_env;
  int database = 0;
  /// Prepended to every key: several bots (or several deployments) can share one server.
  std::string key_prefix = "hanabi:";
  /// How long a child's claim on its name outlives a process that died without releasing it.
  std::chrono::seconds claim_lease{15};
};

struct bot_config {
  std::filesystem::path file;      ///< The config file itself.
  std::filesystem::path env_file;  ///< `.env` next to it (it need not exist).
  bot_account parent;
  std::optional<hanabi::user_id> owner;  ///< May pick the bot in /connect.
  std::vector<bot_account> children;
  std::vector<node_entry> nodes;
  /// The SQLite file (`[storage] kind = "sqlite"`, the default). Relative paths are relative to the config file.
  std::filesystem::path storage_path = "hanabi.db";
  /// Set when `[storage] kind = "redis"`: the store is that server, and storage_path is unused.
  std::optional<redis_entry> redis;
  control_entry control;
  /// A session that plays nothing this long is disconnected; zero = never.
  std::chrono::milliseconds inactivity_timeout{std::chrono::seconds{300}};  ///< Whole seconds in the file.
  /// Members with this role may use the commands that act on everyone's tracks; none = everyone may.
  std::optional<std::uint64_t> dj_role;
  /// How often the now-playing message is refreshed while playing; at least 5 s (Discord rate limits).
  std::chrono::milliseconds now_playing_interval{std::chrono::seconds{15}};  ///< Whole seconds in the file.

  /// The account called `name` (the parent or a child), or null.
  const bot_account* find_bot(std::string_view name) const;
};

/// Reads and validates `path`. Errors: config_unreadable, config_syntax, config_missing_key,
/// config_wrong_type, config_invalid_value, config_unknown_key, secret_in_config, and
/// config_unsupported (`storage.kind = "redis"` in a build without the Redis store).
config_result<bot_config> load_config(const std::filesystem::path& path);
/// The same, from text; `file` only names it in messages and anchors relative paths.
config_result<bot_config> parse_config(std::string_view toml, const std::filesystem::path& file);

/// Environment variables as the bot sees them.
using environment = std::function<std::optional<std::string>(std::string_view name)>;

/// Parses a .env file: `KEY=VALUE` lines, optionally prefixed by `export`; `#` starts a comment
/// (outside quotes, at the start of a line or after a space); values may be 'single-quoted'
/// (literal) or "double-quoted" (\n, \t, \", \\ escapes). Errors: env_syntax with the line.
config_result<std::map<std::string, std::string>> parse_env_file(std::string_view text,
                                                                  const std::filesystem::path& file);

/// The process environment, falling back to `env_file` when it exists (a variable set in the
/// process wins). Errors: those of parse_env_file, config_unreadable.
config_result<environment> load_environment(const std::filesystem::path& env_file);

/// The secrets of one process.
struct secrets {
  hanabi::secret token;
  std::map<std::string, hanabi::secret> node_passwords;  ///< By node name.
  hanabi::secret control;  ///< Empty when the config has no [control] table (no children).
  hanabi::secret store_password;  ///< The Redis server's; empty without `storage.password_env`.
};

/// Reads from `env` the secrets the process running `bot` (the parent or a child) needs: that
/// bot's token, every node password, the control secret and the Redis password if one is named. Errors: secret_missing, pointing at
/// the `*_env` key; config_invalid_value when no bot has that name.
config_result<secrets> resolve_secrets(const bot_config& config, const environment& env, std::string_view bot);

}  // namespace bot
