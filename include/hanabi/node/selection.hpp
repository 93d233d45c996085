// Which node gets a new player: pure functions over a snapshot of the nodes'
// stats, plus a small book of placements that the stats do not show yet.
//
// Strategies (selection_strategy):
//  - penalty: the classic Lavalink-Client penalty (playing players, CPU, frame
//    deficit, nulled frames);
//  - penalty_and_failures: the same plus a failure-rate penalty (loads failed,
//    tracks stuck, track exceptions per minute); a node whose every load failed
//    in the window is only used when nothing else is left;
//  - round_robin over the eligible nodes;
//  - custom: a user function.
// On top of any strategy: nodes that are down or accept no new players (draining,
// route planner rate limited) are skipped, region affinity prefers nodes serving
// the region of the guild's voice endpoint, and the choice is cached per guild.
//
// Why reservations: Lavalink sends stats once a minute, so a burst of placements
// would all see the same "least loaded" node. Each placement counts on its node
// from the moment it is chosen until that node's next stats (which then include
// it), so 100 simultaneous placements spread instead of piling up.
#pragma once

#include <hanabi/detail/config.hpp>
#include <hanabi/ids.hpp>
#include <hanabi/protocol/events.hpp>

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace hanabi {

/// A node as selection sees it: a snapshot filled by the pool from the node's stats.
struct node_load {
  std::string name;
  bool available = true;            ///< Connected with a live session.
  bool accepts_new_players = true;  ///< False while draining or when marked (route planner failing).
  int playing_players = 0;          ///< From the last stats op (all sessions of the node).
  double system_load = 0.0;         ///< cpu.systemLoad, 0..1.
  std::optional<protocol::frame_stats> frames;  ///< Per-player averages per minute; none = no data.
  double loads_attempted_per_minute = 0.0;      ///< Track loads by this client (failure window).
  double loads_failed_per_minute = 0.0;
  double stuck_per_minute = 0.0;      ///< TrackStuckEvents.
  double exceptions_per_minute = 0.0;  ///< TrackExceptionEvents.
  std::vector<std::string> regions;   ///< Voice regions this node serves, e.g. {"rotterdam", "frankfurt"}.
};

/// Above any real penalty: a node that failed every load of the window.
inline constexpr double unusable_penalty = 1e9;

/// The classic penalty, with `extra_players` counted as playing (reservations).
HANABI_DECL double classic_penalty(const node_load& node, int extra_players = 0) noexcept;
/// Stuck tracks weigh 100, exceptions 10 and the share of failed loads 100; every load failed
/// (with at least one attempt) gives unusable_penalty.
HANABI_DECL double failure_penalty(const node_load& node) noexcept;

/// The voice region of a Discord endpoint: "rotterdam2744.discord.media:443" -> "rotterdam",
/// "c-fra05-3e4f.discord.media:443" -> "fra". Empty when nothing region-like is found.
HANABI_DECL std::string voice_region(std::string_view endpoint);

/// What is being placed.
struct placement_request {
  guild_id guild;
  /// The guild's voice endpoint, when known; its region drives region affinity.
  std::string_view voice_endpoint;
};

enum class selection_strategy { penalty, penalty_and_failures, round_robin, custom };

/// A user strategy: returns the index of the chosen node, or nothing. It is only offered
/// eligible nodes (already filtered by availability and region).
using custom_selector = std::function<std::optional<std::size_t>(std::span<const node_load>, const placement_request&)>;

struct selection_config {
  selection_strategy strategy = selection_strategy::penalty_and_failures;
  /// Prefer nodes whose `regions` contain the voice endpoint's region; fall back to all.
  bool region_affinity = true;
  /// Used when strategy == custom.
  custom_selector custom;
};

/// The strategy, the reservation book and the per-guild cache.
///
/// Threading: not thread-safe; the pool calls it on its strand.
class node_selector {
 public:
  explicit node_selector(selection_config cfg = {}) : cfg_(std::move(cfg)) {}

  /// Picks a node for `req` among `nodes`: the guild's cached node if it is still eligible,
  /// else the strategy's choice, which is then cached and holds a reservation.
  /// Returns the index into `nodes`, or nothing when no node is eligible.
  HANABI_DECL std::optional<std::size_t> select(std::span<const node_load> nodes, const placement_request& req);

  /// The placement on `node` is done: keep counting it until the node's next stats.
  HANABI_DECL void confirm(std::string_view node);
  /// The placement on `node` failed: stop counting it.
  HANABI_DECL void cancel(std::string_view node);
  /// Fresh stats arrived for `node`: they include every confirmed placement.
  HANABI_DECL void on_stats(std::string_view node);

  /// The guild's player is gone or must move: drop its cached node.
  void forget_guild(guild_id guild) { cache_.erase(guild); }
  /// The node is gone: drop its reservations and every guild cached on it.
  HANABI_DECL void forget_node(std::string_view node);

  /// The guild's cached node, if any.
  HANABI_DECL std::optional<std::string> cached(guild_id guild) const;
  /// Placements on `node` that its stats do not show yet (in flight + confirmed).
  HANABI_DECL int reserved(std::string_view node) const;
  /// The strategy's penalty for `node`, reservations included (0 for round_robin/custom).
  HANABI_DECL double penalty(const node_load& node) const;

 private:
  struct reservation {
    int in_flight = 0;
    int confirmed = 0;
  };
  std::vector<std::size_t> eligible(std::span<const node_load> nodes, const placement_request& req) const;
  std::optional<std::size_t> choose(std::span<const node_load> nodes, const std::vector<std::size_t>& candidates,
                                    const placement_request& req);

  selection_config cfg_;
  std::map<std::string, reservation, std::less<>> reservations_;
  std::unordered_map<guild_id, std::string> cache_;
  std::size_t next_round_robin_ = 0;
};

}  // namespace hanabi

#ifdef HANABI_HEADER_ONLY
#  include <hanabi/impl/selection.ipp>
#endif
