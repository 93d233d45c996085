// The node pool: which node each guild's player lives on, and keeping players
// playing while nodes come and go.
//
//  - Placement: node_selector (selection.hpp) over the live nodes' stats.
//  - Failover: when a node dies, or its resume fails (node_down), every player
//    on it is recreated on the best other node from its mirror (track,
//    extrapolated position, paused, volume, filters, end time, user data,
//    voice), at most `max_concurrent_moves` at a time. Nothing is deleted on
//    the dead node, so a dead node can never block a move. Each player's owner
//    sees one player_moved event and no track end, so no queue advances and no
//    track is skipped; events the dead node still sends for a moved player are
//    dropped.
//  - Not on every drop: a node whose WebSocket is lost but which may still
//    resume (node_resuming) keeps its players for `failover_grace`; only when
//    that expires, the resume fails or the node stops do they move.
//  - No node left: players are parked (commands wait in the player) and moved
//    back as soon as a node comes up (node_up).
//  - Drain: the node takes no new players, every player moves off (the old
//    player is then deleted on the drained node), and the node is removed.
//
// The pool does no I/O of its own: it talks to nodes through pool_node, which the
// node adapter (or a test double) implements, and it is told about node deaths,
// returns, stats and WebSocket messages by whoever runs the nodes.
#pragma once

#include <hanabi/diagnostics.hpp>
#include <hanabi/logger.hpp>
#include <hanabi/node/node.hpp>
#include <hanabi/node/selection.hpp>
#include <hanabi/player/player.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace hanabi {

/// A node as the pool sees it: a player_link plus its current load.
class pool_node : public player_link {
 public:
  /// The node's stats and health now. `accepts_new_players` is combined with the pool's own
  /// marks (drain, set_accepting).
  virtual node_load load() const = 0;
  /// The pool declared the node dead: calls it still holds (a move placed on it a moment
  /// before, a command waiting for a session that will not come back) should fail now rather
  /// than at their deadline, so that their players move on at once. Default: nothing to do.
  virtual void abandon_calls() {}
};

struct pool_config {
  selection_config selection;
  /// Moves (failover, drain, unpark) running at once; the rest wait their turn.
  std::size_t max_concurrent_moves = 32;
  /// Failed move attempts before a player is parked until a node comes up.
  int max_move_attempts = 3;
  /// Deadline of each PATCH and DELETE sent to a Lavalink node added with add_node(node): a
  /// node that reconnects holds such calls, and a player must not wait on a dead node forever.
  std::chrono::milliseconds request_timeout{10000};
  /// How long a node whose WebSocket dropped may try to resume before its players move.
  ///
  /// Why wait: Lavalink keeps playing while our WebSocket is down (the audio goes from Lavalink
  /// to Discord, not through us), so a node that resumes within its resume window never
  /// stopped a track, and moving its players would be churn: each move is a new voice
  /// connection and audio pipeline on another node, a gap of its own. Why not wait long: a
  /// node that is really dead leaves its players silent until they move.
  ///
  /// The default, 5 s, covers the first two reconnect attempts of the default backoff (about
  /// 1 s and 3 s after the drop): what a network blip or a proxy restart needs. The grace is
  /// cut short whenever the node knows its players are gone: a resume refused (a new session:
  /// the node's `lost` report) or a node that stopped for good moves them at once. Keep it
  /// below the node's resume timeout (after which the session is gone anyway). 0: move as
  /// soon as the WebSocket drops.
  std::chrono::milliseconds failover_grace{5000};
  logger log;
};

/// The pool as a whole, for dashboards and tests.
struct pool_stats {
  struct node_entry {
    std::string name;
    bool available = false;
    bool accepting = false;  ///< False when draining or marked.
    bool draining = false;
    bool resuming = false;    ///< WebSocket lost; its players wait out failover_grace.
    std::size_t players = 0;  ///< Players of this pool living on the node.
    int reserved = 0;         ///< Placements its stats do not show yet.
    double penalty = 0.0;     ///< The selection strategy's penalty.
    std::size_t moved_in = 0;
    std::size_t moved_out = 0;
  };
  std::vector<node_entry> nodes;
  std::size_t players = 0;
  std::size_t parked = 0;
  std::size_t moves = 0;         ///< Completed moves.
  std::size_t move_failures = 0;  ///< Failed move attempts (each is retried or parks the player).
  std::size_t node_failures = 0;  ///< Nodes declared dead (node_down), grace expiries included.
  std::size_t node_resumes = 0;   ///< Nodes back within failover_grace, their players kept.
};

/// Players and the nodes they live on.
///
/// Threading: not thread-safe. Every member must be called on `executor` (a strand), and the
/// players it creates use the same executor.
class node_pool {
 public:
  using executor_type = asio::any_io_executor;

  HANABI_DECL node_pool(executor_type executor, pool_config cfg = {});
  node_pool(const node_pool&) = delete;
  node_pool& operator=(const node_pool&) = delete;

  executor_type get_executor() const noexcept { return executor_; }

  // --- Nodes.
  /// Adds a running (or about to run) Lavalink node. The pool subscribes to it: its stats feed
  /// selection, its player updates and events reach the players, and its lifecycle drives the
  /// pool: `ready` = node_up, `reconnecting` = node_resuming (failover after the grace),
  /// `stopped` or a session that could not be resumed = node_down (failover now), players
  /// missing after a resume = players_lost. When it comes back, players it still holds for
  /// guilds now living elsewhere are deleted there. `regions` are the voice regions it serves
  /// (region affinity).
  /// The pool must outlive the node's handlers (destroy or stop the node first).
  HANABI_DECL void add_node(std::shared_ptr<hanabi::node> node, std::vector<std::string> regions = {});
  /// Adds a node through any pool_node (tests use in-memory nodes); parked players move to it.
  HANABI_DECL void add_node(std::shared_ptr<pool_node> node);
  /// Removes a node now. Its players fail over as if it had died.
  HANABI_DECL void remove_node(std::string_view name);
  /// Marks a node to receive no new players (e.g. its route planner reports failing
  /// addresses) or to receive them again. Players already on it stay.
  HANABI_DECL void set_accepting(std::string_view name, bool accepting);
  /// Drains a node for maintenance: no new players, every player moves off, then the node is
  /// removed. Handler: void(error_code); error no_node_available if players had to be parked,
  /// node_shut_down if the node is unknown.
  template <class Token>
  auto async_drain(std::string name, Token&& token) {
    return asio::async_initiate<Token, void(error_code)>(
        [this](auto handler, std::string n) { start_drain(n, drain_handler(std::move(handler))); }, token,
        std::move(name));
  }

  // --- Inputs about nodes (from whoever runs them, on the pool's executor).
  /// The node died, or its resume failed: move its players away.
  HANABI_DECL void node_down(std::string_view name);
  /// The node lost its connection and tries to resume: it takes no new players, and its
  /// players stay unless it is not back (node_up) within failover_grace, which is then a
  /// node_down. Repeated calls while it tries do not extend the grace.
  HANABI_DECL void node_resuming(std::string_view name);
  /// The node has a live session again: parked players come back. `held` are the guilds whose
  /// players the node still has (after a resume): those that moved elsewhere are deleted there.
  HANABI_DECL void node_up(std::string_view name, const std::vector<guild_id>& held = {});
  /// The node lost these players (its resume failed): the ones living there move away.
  HANABI_DECL void players_lost(std::string_view name, const std::vector<guild_id>& guilds);
  /// A WebSocket message from the node: stats feed selection; player updates and events go to
  /// the guild's player if it lives on that node (late events from a node it left are dropped).
  HANABI_DECL void on_message(std::string_view node, const protocol::ws_message& message);

  // --- Players.
  /// The guild's player, created and placed if needed. Errors: no_node_available.
  /// `voice_endpoint` (if known) drives region affinity.
  HANABI_DECL result<std::shared_ptr<player>> create_player(guild_id guild, player_config cfg,
                                                            std::string_view voice_endpoint = {});
  /// The guild's player, or null.
  HANABI_DECL std::shared_ptr<player> find_player(guild_id guild) const;
  /// Forgets the guild's player (after player::async_destroy).
  HANABI_DECL void remove_player(guild_id guild);

  HANABI_DECL pool_stats stats() const;
  /// Moves queued or running.
  std::size_t moves_pending() const noexcept { return move_queue_.size() + moves_running_; }

 private:
  using drain_handler = asio::any_completion_handler<void(error_code)>;
  struct node_entry {
    std::shared_ptr<pool_node> node;
    bool down = false;
    bool resuming = false;           // inside failover_grace
    std::uint64_t grace_epoch = 0;   // tells a stale grace expiry from the current one
    std::unique_ptr<asio::steady_timer> grace;
    bool accepting = true;
    bool draining = false;
    bool drain_parked = false;  // a drained player found no other node
    std::optional<drain_handler> on_drained;
    std::size_t moved_in = 0;
    std::size_t moved_out = 0;
    std::size_t moving_out = 0;  // moves from this node still running
  };
  struct move_job {
    guild_id guild;
    int attempts = 0;
    bool force = false;  // a failed attempt left the player half-moved: move it even off a healthy node
  };

  HANABI_DECL node_entry* find_node(std::string_view name);
  HANABI_DECL const node_entry* find_node(std::string_view name) const;
  HANABI_DECL std::vector<node_load> loads() const;
  HANABI_DECL bool must_move(const player& p) const;
  HANABI_DECL void enqueue_players_of(std::string_view name);
  HANABI_DECL void enqueue(move_job job);
  HANABI_DECL void pump_moves();
  HANABI_DECL void start_move(move_job job);
  HANABI_DECL void on_move_done(move_job job, std::shared_ptr<pool_node> from, std::shared_ptr<pool_node> to,
                                error_code ec);
  HANABI_DECL void start_drain(std::string_view name, drain_handler handler);
  HANABI_DECL void check_drains();
  HANABI_DECL void end_grace(node_entry& e);
  HANABI_DECL std::shared_ptr<pool_node> place(guild_id guild, std::string_view voice_endpoint);

  executor_type executor_;
  pool_config cfg_;
  node_selector selector_;
  std::vector<node_entry> nodes_;
  std::unordered_map<guild_id, std::shared_ptr<player>> players_;
  std::unordered_set<guild_id> parked_;
  std::deque<move_job> move_queue_;
  std::unordered_set<guild_id> queued_;  // in move_queue_ or moving
  std::size_t moves_running_ = 0;
  std::size_t moves_ = 0;
  std::size_t move_failures_ = 0;
  std::size_t node_failures_ = 0;
  std::size_t node_resumes_ = 0;
  std::shared_ptr<node_pool*> alive_ = std::make_shared<node_pool*>(this);  // for handlers posted by nodes
};

}  // namespace hanabi

#ifdef HANABI_HEADER_ONLY
#  include <hanabi/impl/node_pool.ipp>
#endif
