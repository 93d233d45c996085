// Recovery after a crash or a restart: every session this bot had in the store
// comes back as it was (queue, pointer, repeat, volume, paused, filters),
// rejoins voice, and its track continues where it was.
//
//     // 1. Before the nodes run: resume their stored Lavalink sessions.
//     auto stored = co_await store.async_load_node_sessions(diag, asio::use_awaitable);
//     node_config nc = ...;
//     resume_stored_session(nc, stored);
//     auto n = std::make_shared<node>(ex, nc);
//     keep_node_session(*n, store);            // saves the new session id whenever it is ready
//     n->async_run(...); pool.add_node(n);
//     // 2. Once the pool has a node: the sessions.
//     recovery_config rc{.bot_name = "parent", .session_config = make_config, .on_lost = tell_user};
//     auto report = co_await async_recover(store, pool, rc, asio::use_awaitable);
//
// What happens to each stored session of `bot_name`:
//  - its queue is rebuilt (the snapshot with the journal's tail replayed) and it is created as a
//    local_session on the pool, with a session_persistence that continues its journal;
//  - if the application says its voice channel is gone (`channel_exists`), or rejoining fails, it is
//    closed cleanly (deleted from the store) and `on_lost` is told, with its address;
//  - otherwise it connects, and the current item starts again at its last known position,
//    extrapolated by the time since it was sampled when it was playing, with its volume, pause
//    state and filters. This rebuilds the player whether the node kept it (a resumed Lavalink session:
//    the node reconciled its players with GET players) or lost it (the session expired): the stored
//    state is the reference either way.
//
// Each process recovers the sessions stored under its own bot name (parent and children alike).
#pragma once

#include <hanabi/detail/config.hpp>
#include <hanabi/logger.hpp>
#include <hanabi/node/node.hpp>
#include <hanabi/node/node_pool.hpp>
#include <hanabi/session/local_session.hpp>
#include <hanabi/session/persistence.hpp>
#include <hanabi/storage/store.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace hanabi {

/// A session that could not come back, and why. It has been closed and removed from the store.
struct lost_session {
  session_address address{};
  error_code code{};
  std::string reason{};  ///< A sentence for the user ("the voice channel no longer exists").
};

/// A session that came back.
struct recovered_session {
  std::shared_ptr<local_session> session;
  std::shared_ptr<session_persistence> persistence;
};

/// What async_recover did.
struct recovery_report {
  std::vector<recovered_session> recovered;
  std::vector<lost_session> lost;
};

/// How async_recover rebuilds the sessions.
struct recovery_config {
  /// Whose sessions: the name this process stores its sessions under.
  std::string bot_name;
  /// The config of a recovered session (send_gateway, load_tracks, bot...), as for a new one.
  /// Required. Recovery sets bot_name, lifetime, the persistence hooks (session_persistence::
  /// configure, with `persistence`) and the restored queue, playback and action history itself.
  std::function<local_session_config(const session_address&)> session_config;
  /// Whether the voice channel still exists (the application's cache). Empty: assume it does;
  /// a rejoin that fails still loses the session.
  std::function<bool(const session_address&)> channel_exists;
  /// Called (on the pool's strand) for each recovered session once it exists and before it rejoins
  /// voice, so the application routes the bot's voice dispatches for its guild to it.
  std::function<void(const std::shared_ptr<local_session>&)> on_created;
  /// Told about each lost session (after it was closed), e.g. to message its text channel.
  std::function<void(const lost_session&)> on_lost;
  /// For the recovered sessions' persistence.
  persistence_config persistence{};
  logger log = logger::none();
};

/// The queue a session record holds: its snapshot with the tail replayed, at the record's version,
/// with no hooks or listener (local_session_config::restored_queue binds the session's). Errors:
/// those of track_queue::restore and queue_event_from_json for a corrupt record, event_mismatch for
/// a tail that does not apply.
HANABI_DECL result<track_queue> replayed_queue(const storage::session_record& record);

/// A new session that is restart-proof from its first event: a local_session at `where` whose
/// queue is journaled and whose state is saved under {config.bot_name, where} (session_persistence),
/// so that async_recover brings it back after a crash. The counterpart of recovery for the sessions
/// a process creates (a child's `connect`, a parent's own session). Call on the pool's strand, like
/// local_session::create; it is not connected yet. Errors: those of local_session::create.
HANABI_DECL result<recovered_session> create_persisted_session(node_pool& pool, storage::store& store,
                                                               session_address where, local_session_config config,
                                                               persistence_config persistence = {});

/// Sets `config.session_id` to the stored Lavalink session of the node named `config.name`, if any,
/// so the node resumes it on its first connect.
HANABI_DECL void resume_stored_session(node_config& config, const std::vector<storage::node_session>& stored);

/// Saves `n`'s Lavalink session id and resume settings each time it becomes ready. Call before
/// n.async_run() (it subscribes). The store must outlive the node.
HANABI_DECL void keep_node_session(node& n, storage::store& store, logger log = logger::none());

namespace detail {
using recovery_handler = asio::any_completion_handler<void(error_code, recovery_report)>;
HANABI_DECL void start_recovery(storage::store& store, node_pool& pool, recovery_config config,
                                recovery_handler handler);
}  // namespace detail

/// Brings back every stored session of `config.bot_name` (see the file comment). Signature
/// `void(error_code, recovery_report)`; the error is the store's when the sessions cannot be
/// loaded, else success (per-session failures are in report.lost).
///
/// Threading: may be called from any thread; sessions are created on the pool's strand; the
/// handler runs on its associated executor (the pool's by default). The store and the pool must
/// outlive the operation and the sessions.
template <class Token>
auto async_recover(storage::store& store, node_pool& pool, recovery_config config, Token&& token) {
  return asio::async_initiate<Token, void(error_code, recovery_report)>(
      [&store, &pool](auto handler, recovery_config c) {
        detail::start_recovery(store, pool, std::move(c), std::move(handler));
      },
      token, std::move(config));
}

}  // namespace hanabi

#ifdef HANABI_HEADER_ONLY
#  include <hanabi/impl/session_recovery.ipp>
#endif
