// The player of one guild: playback commands, a mirror of the node's player
// state, and the guild's voice connection.
//
//     auto p = pool.create_player(guild, cfg);             // placed on the best node
//     co_await p->async_join(channel, asio::use_awaitable);  // op 4 + pairing
//     co_await p->async_play(track, {}, asio::use_awaitable);
//     p->async_set_volume(80, asio::detached);               // bursts coalesce: last wins
//
// Commands become update-player PATCHes (PROTOCOL.md §8). While one PATCH is in
// flight, later commands merge into the next one, so a burst of volume or seek
// changes costs one PATCH carrying the last value. A `noReplace` play is never
// merged (Lavalink would drop the other fields with it).
//
// The player does not own its node: the pool attaches it to a player_link and
// moves it (failover, drain) by replaying restore_request() on another node; the
// owner then sees one player_moved event and no track end, so no queue advances.
#pragma once

#include <hanabi/diagnostics.hpp>
#include <hanabi/ids.hpp>
#include <hanabi/logger.hpp>
#include <hanabi/player/voice.hpp>
#include <hanabi/protocol/events.hpp>
#include <hanabi/protocol/player.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace hanabi {

/// What a player needs from the node it lives on. The pool implements it over a node.
///
/// Handlers may be invoked from any executor: the player binds its own strand to them.
/// When the node dies, outstanding calls must still complete (with an error).
class player_link {
 public:
  virtual ~player_link() = default;
  /// The node's name, for events and stats.
  virtual const std::string& node_name() const = 0;
  /// PATCH /v4/sessions/{session}/players/{guild}?noReplace=...; the handler gets the Player.
  virtual void update_player(guild_id guild, const protocol::update_player& body, bool no_replace,
                             asio::any_completion_handler<void(error_code, protocol::player)> handler) = 0;
  /// DELETE /v4/sessions/{session}/players/{guild}.
  virtual void destroy_player(guild_id guild, asio::any_completion_handler<void(error_code)> handler) = 0;
};

/// Options of a play command (every field optional, as in the PATCH).
struct play_options {
  std::optional<std::int64_t> start;        ///< Start position, ms.
  std::optional<std::int64_t> end;          ///< End marker, ms (> 0).
  std::optional<int> volume;                ///< 0..1000.
  std::optional<bool> paused;               ///< Starting a track unpauses unless this is true.
  std::optional<nlohmann::json> user_data;  ///< Attached to the track; must be an object.
  bool no_replace = false;                  ///< Do nothing if a track is already loaded.
};

/// The player moved to another node (failover or drain); playback continued.
struct player_moved {
  std::string from;  ///< Empty when the player was parked (no node was left).
  std::string to;
  friend bool operator==(const player_moved&, const player_moved&) = default;
};
/// No node is left: the player is parked and will be restored when a node returns.
struct player_parked {
  std::string from;
  friend bool operator==(const player_parked&, const player_parked&) = default;
};

/// Everything a player reports to its owner.
using player_event = std::variant<protocol::track_start_event, protocol::track_end_event,
                                  protocol::track_exception_event, protocol::track_stuck_event,
                                  protocol::websocket_closed_event, voice_event, player_moved, player_parked>;

struct player_config {
  /// The bot's user id: voice updates of other users are ignored.
  user_id bot;
  voice_config voice;
  /// Sends op 4 on the bot's gateway shard for this guild.
  std::function<void(const gateway_voice_update&)> send_gateway;
  /// Receives the player's events, on the player's executor. May be empty.
  std::function<void(const player_event&)> on_event;
  logger log;
};

/// The mirror of the node's player, with the position extrapolated.
struct player_snapshot {
  std::optional<protocol::track> track;
  std::int64_t position = 0;  ///< Ms, extrapolated to the time asked for.
  bool paused = false;
  int volume = 100;
  protocol::filters filters;
  std::optional<std::int64_t> end_time;
  bool connected = false;
  std::int64_t ping = -1;
  std::string node;  ///< Empty while parked.
};

/// One guild's player. Create it through node_pool::create_player.
///
/// Threading: not thread-safe. Every member must be called on the executor given at
/// construction (the pool's strand); handlers complete through their associated
/// executor, never inside the call that started the operation.
class player : public std::enable_shared_from_this<player> {
 public:
  using executor_type = asio::any_io_executor;
  using clock = std::chrono::steady_clock;
  using handler_type = asio::any_completion_handler<void(error_code)>;

  HANABI_DECL player(executor_type executor, guild_id guild, player_config cfg);
  player(const player&) = delete;
  player& operator=(const player&) = delete;

  guild_id guild() const noexcept { return guild_; }
  executor_type get_executor() const noexcept { return executor_; }

  // --- Commands. Handler: void(error_code). Errors: the node's REST errors, invalid_argument /
  // out_of_range / filter_out_of_range for values Lavalink would reject, no_player after destroy.

  /// Plays an encoded track.
  template <class Token>
  auto async_play(protocol::track track, play_options options, Token&& token) {
    return initiate(token, [track = std::move(track), options = std::move(options)](player& p, handler_type h) mutable {
      p.start_play(std::move(track.encoded), std::nullopt, options, std::move(h));
    });
  }
  /// Plays whatever Lavalink resolves `identifier` to (it must give exactly one track).
  template <class Token>
  auto async_play_identifier(std::string identifier, play_options options, Token&& token) {
    return initiate(token, [identifier = std::move(identifier), options = std::move(options)](player& p, handler_type h) mutable {
      p.start_play(std::nullopt, std::move(identifier), options, std::move(h));
    });
  }
  /// Stops the current track (TrackEndEvent "stopped" follows).
  template <class Token>
  auto async_stop(Token&& token) {
    return initiate(token, [](player& p, handler_type h) { p.stop(std::move(h)); });
  }
  template <class Token>
  auto async_pause(bool paused, Token&& token) {
    return initiate(token, [paused](player& p, handler_type h) { p.set_paused(paused, std::move(h)); });
  }
  /// Seeks to `position` ms. Bursts coalesce.
  template <class Token>
  auto async_seek(std::int64_t position, Token&& token) {
    return initiate(token, [position](player& p, handler_type h) { p.seek(position, std::move(h)); });
  }
  /// Seeks relative to the extrapolated position (negative goes back), clamped to the track.
  template <class Token>
  auto async_seek_by(std::int64_t delta, Token&& token) {
    return initiate(token, [delta](player& p, handler_type h) { p.seek(p.relative_target(delta), std::move(h)); });
  }
  /// Sets the volume, 0..1000 percent. Bursts coalesce.
  template <class Token>
  auto async_set_volume(int volume, Token&& token) {
    return initiate(token, [volume](player& p, handler_type h) { p.set_volume(volume, std::move(h)); });
  }
  /// Replaces the whole filter set (see presets:: for ready-made ones).
  template <class Token>
  auto async_set_filters(protocol::filters filters, Token&& token) {
    return initiate(token, [filters = std::move(filters)](player& p, handler_type h) mutable {
      p.set_filters(std::move(filters), std::move(h));
    });
  }
  /// Joins (or moves to) a voice channel; see voice_link::async_join.
  template <class Token>
  auto async_join(channel_id channel, Token&& token) {
    return voice_.async_join(channel, std::forward<Token>(token));
  }
  /// Destroys the player on its node (DELETE) and leaves voice. Later commands fail with no_player.
  template <class Token>
  auto async_destroy(Token&& token) {
    return initiate(token, [](player& p, handler_type h) { p.destroy(std::move(h)); });
  }

  /// Leaves voice (op 4) without destroying the player.
  void leave() { voice_.leave(); }

  // --- Inputs from the bot's gateway.
  HANABI_DECL void on_voice_state_update(const voice_state_update& u);
  HANABI_DECL void on_voice_server_update(const voice_server_update& u);

  // --- Inputs from the node the player lives on (the pool routes them).
  HANABI_DECL void on_player_update(const protocol::player_state& state, clock::time_point now = clock::now());
  HANABI_DECL void on_event(const protocol::ws_message& message, clock::time_point now = clock::now());

  // --- The mirror.
  /// The state at `now`, with the position extrapolated from the last update while playing.
  HANABI_DECL player_snapshot snapshot(clock::time_point now = clock::now()) const;
  /// The PATCH that recreates this player, as it is at `now`, on another node: track, position,
  /// paused, volume, filters, end time, user data and voice.
  HANABI_DECL protocol::update_player restore_request(clock::time_point now = clock::now()) const;
  /// PATCHes sent so far (coalescing makes this smaller than the number of commands).
  std::size_t patches_sent() const noexcept { return patches_sent_; }
  bool destroyed() const noexcept { return destroyed_; }
  /// The voice credentials Lavalink was last sent, if any.
  const std::optional<voice_credentials>& voice() const noexcept { return voice_creds_; }

  // --- Used by the pool.
  /// The node the player lives on, or null while parked.
  const std::shared_ptr<player_link>& link() const noexcept { return link_; }
  /// Attaches the player to a node for the first time (nothing is sent until a command).
  HANABI_DECL void attach(std::shared_ptr<player_link> link);
  /// Recreates the player on `to` from the mirror; pending commands follow it there. Handler:
  /// void(error_code); on success the owner gets one player_moved event.
  HANABI_DECL void move_to(std::shared_ptr<player_link> to, handler_type handler);
  /// The node is gone and no other can take the player: keep everything, send nothing.
  HANABI_DECL void park();

 private:
  // One PATCH: the merged commands and everyone waiting for it.
  struct batch {
    protocol::update_player body;
    bool no_replace = false;
    bool closed = false;     // nothing more merges into it
    bool in_flight = false;
    bool orphaned = false;   // in flight on a node the player left: resend when it answers
    bool restore = false;    // recreates the player after a move
    std::string move_from;
    std::shared_ptr<player_link> sent_via;
    std::vector<handler_type> waiters;
  };

  template <class Token, class Op>
  auto initiate(Token& token, Op op) {
    return asio::async_initiate<Token, void(error_code)>(
        [self = shared_from_this()](auto handler, Op op) mutable { op(*self, handler_type(std::move(handler))); },
        token, std::move(op));
  }

  HANABI_DECL void start_play(std::optional<std::string> encoded, std::optional<std::string> identifier,
                              const play_options& options, handler_type h);
  HANABI_DECL void stop(handler_type h);
  HANABI_DECL void set_paused(bool paused, handler_type h);
  HANABI_DECL void seek(std::int64_t position, handler_type h);
  HANABI_DECL void set_volume(int volume, handler_type h);
  HANABI_DECL void set_filters(protocol::filters filters, handler_type h);
  HANABI_DECL void destroy(handler_type h);
  HANABI_DECL std::int64_t relative_target(std::int64_t delta) const;

  HANABI_DECL void submit(protocol::update_player fragment, bool starts_track, bool no_replace, handler_type h);
  HANABI_DECL void pump();
  HANABI_DECL void on_patch_done(std::shared_ptr<player_link> via, error_code ec, protocol::player response);
  HANABI_DECL void apply_response(const protocol::player& response, const protocol::update_player& sent);
  HANABI_DECL void complete(handler_type h, error_code ec);
  HANABI_DECL void emit(player_event e);
  HANABI_DECL void on_voice_event(const voice_event& e);
  HANABI_DECL std::int64_t position_at(clock::time_point now) const;

  executor_type executor_;
  guild_id guild_;
  player_config cfg_;
  voice_link voice_;
  std::shared_ptr<player_link> link_;
  std::deque<batch> batches_;
  std::size_t patches_sent_ = 0;
  bool destroyed_ = false;
  std::string parked_from_;  // the node a parked player left

  // The mirror.
  std::optional<protocol::track> track_;
  std::int64_t position_ = 0;           // at position_time_
  clock::time_point position_time_{};
  bool paused_ = false;
  int volume_ = 100;
  protocol::filters filters_;
  std::optional<std::int64_t> end_time_;
  bool connected_ = false;
  std::int64_t ping_ = -1;
  std::optional<voice_credentials> voice_creds_;
};

}  // namespace hanabi

#ifdef HANABI_HEADER_ONLY
#  include <hanabi/impl/player.ipp>
#endif
