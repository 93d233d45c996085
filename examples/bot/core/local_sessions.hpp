// The sessions a bot process holds itself. It makes them (the local_session_factory a
// hanabi::session_manager creates the parent's sessions with, and the session_factory a child's
// hanabi::session_host serves the parent with) and routes the bot's own voice updates from its
// gateway to the session of their guild, and the sessions' op 4 to the gateway. With a store, the
// sessions it makes are persisted (session_persistence) under the bot's name, with the users'
// remembered volumes, so that recover() brings them back after a crash or a restart; sessions
// made elsewhere join through add().
//
// Threading: factory() calls may come from any thread (they post to the pool's strand);
// on_voice_state/on_voice_server may be called from any thread (local_session posts them to its
// strand). Op 4 is posted to the gateway's executor. The pool and the gateway must outlive this
// object, which must outlive its sessions.
#pragma once

#include "gateway.hpp"
#include "text_channels.hpp"

#include <hanabi/logger.hpp>
#include <hanabi/node/node_pool.hpp>
#include <hanabi/session/local_session.hpp>
#include <hanabi/session/persistence.hpp>
#include <hanabi/session/recovery.hpp>
#include <hanabi/session/session_host.hpp>
#include <hanabi/session/session_manager.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace bot {

struct local_sessions_options {
  /// The bot's configured name (session::bot()).
  std::string bot_name = "parent";
  /// Prepended to a play query that is not a URL (see local_session_config::search_prefix).
  std::string search_prefix = "ytsearch:";
  /// Play queries starting with one of these go to Lavalink unchanged (a plugin's "spotify:").
  std::vector<std::string> passthrough_prefixes{};
  /// A session with nothing playing this long leaves (zero: the library's default).
  std::chrono::milliseconds inactivity_timeout{std::chrono::minutes{5}};
  /// Resolves queries (hanabi::load_tracks_from(node) for one node).
  hanabi::track_loader load_tracks;
  /// Where the sessions it makes are persisted; null: they are not.
  hanabi::storage::store* store = nullptr;
  hanabi::logger log = hanabi::logger::none();
};

/// Tells the users that a session could not come back after a restart, in the text channel it
/// posted in (nothing when `channels` does not know it), and forgets that channel. Call on the
/// gateway's executor.
void tell_lost(gateway& gw, text_channels& channels, const hanabi::lost_session& lost);

class local_sessions {
 public:
  local_sessions(hanabi::node_pool& pool, gateway& gw, local_sessions_options options);

  /// Creates a local_session at an address and joins its voice channel; the session manager's
  /// way of making this bot's sessions.
  hanabi::local_session_factory factory();

  /// Runs on the pool's strand for each session host_factory() made, before the parent hears of it.
  using created_hook = std::function<void(const std::shared_ptr<hanabi::local_session>&, const hanabi::session_request&)>;
  /// The factory of a child's session_host: a local_session as the parent asked (lifetime,
  /// timeouts), persisted when there is a store.
  hanabi::session_factory host_factory(created_hook on_created);

  /// The config of this bot's sessions (for hanabi::recovery_config::session_config).
  hanabi::local_session_config session_config() const;
  /// Routes voice updates to a session made elsewhere (a recovered one), and keeps its persistence.
  void add(const std::shared_ptr<hanabi::local_session>& s, std::shared_ptr<hanabi::session_persistence> keeper = {});

  /// What recover() tells its caller along the way.
  struct recovery_hooks {
    /// Each session coming back, on the pool's strand, once it exists and before it rejoins voice.
    std::function<void(const std::shared_ptr<hanabi::local_session>&)> on_created{};
    /// Each session that could not come back (its voice channel is gone, or it cannot rejoin): it
    /// was closed and deleted from the store.
    std::function<void(const hanabi::lost_session&)> on_lost{};
  };
  using recovered_handler = std::function<void(hanabi::error_code, std::vector<std::shared_ptr<hanabi::local_session>>)>;
  /// Once at start, with a store, when a node accepts players and before the bot takes work: loads
  /// the remembered volumes (every session made here from then on plays each requester at theirs),
  /// then brings back the sessions stored under this bot's name (hanabi::async_recover), adds them
  /// and completes with them on the gateway's executor. The error is the store's (nothing came
  /// back). Without a store: nothing, at once.
  void recover(recovery_hooks hooks, recovered_handler done);

  /// The bot's own voice updates, from its gateway.
  void on_voice_state(const hanabi::voice_state_update& u);
  void on_voice_server(const hanabi::voice_server_update& u);

 private:
  hanabi::result<std::shared_ptr<hanabi::local_session>> make(hanabi::session_address where, hanabi::local_session_config cfg);
  void create(hanabi::session_address where, hanabi::user_id by, hanabi::diagnostics& diag,
              hanabi::session_handler<std::shared_ptr<hanabi::session>> handler);
  std::shared_ptr<hanabi::local_session> find(hanabi::guild_id guild);
  hanabi::persistence_config persistence();
  void recover_sessions(recovery_hooks hooks, recovered_handler done);

  hanabi::node_pool& pool_;
  gateway& gateway_;
  local_sessions_options options_;
  std::mutex mutex_;  // guards the maps and volumes_ (voice updates arrive on the gateway's executor)
  std::shared_ptr<hanabi::volume_memory> volumes_;  // set by recover()
  std::map<hanabi::guild_id, std::weak_ptr<hanabi::local_session>> by_guild_;
  // A persistence lives as long as its session may still change; the next session of the same
  // voice channel replaces it.
  std::map<hanabi::channel_id, std::shared_ptr<hanabi::session_persistence>> keepers_;
};

}  // namespace bot
