// One Lavalink node: its WebSocket session, its REST API, and a small mirror of
// the players it hosts for us.
//
//     hanabi::node node{ioc.get_executor(), {.url = "http://127.0.0.1:2333",
//                                            .password = hanabi::secret{"youshallnotpass"},
//                                            .user = hanabi::user_id{170939974227541168}}};
//     node.subscribe({.message = [](const hanabi::protocol::ws_message& m) { ... }});
//     node.async_run([](hanabi::error_code ec) { /* the node stopped for good */ });
//     node.async_load_tracks("ytsearch:never gonna", hanabi::cancel_after(5s, asio::use_awaitable));
//
// Lifecycle. async_run() owns the connection for as long as it runs: it connects,
// waits for `ready`, configures resuming (PATCH /v4/sessions/{id}), then reads and
// dispatches every message. When the socket is lost it reconnects with
// exponential backoff and jitter, sending Session-Id so the server resumes the
// session. After ready{resumed:true} it reconciles: GET players, and the mirror
// is brought in line with the server. When the session could not be resumed (or
// resuming is off) the players of the old session are gone; the `lost` handler
// receives exactly their guild ids. async_run completes only when cancel() is
// called, reconnecting is disabled and the socket drops, or a failure no retry
// can fix happens (wrong password, not a Lavalink node, bad URL). A node runs once.
//
// Frames that do not decode, carry an unknown op or event, or exceed
// max_frame_size are logged and counted (counters()) and never end the session.
//
// Commands. Session-scoped REST calls (players, session) issued while the node
// is connecting or reconnecting wait until it is ready; bound the wait with
// hanabi::cancel_after (they then fail with error::node_not_ready). Calls that
// need no session (load, decode, info, stats, version, route planner) go out at
// once. Every async function takes a completion token (callbacks,
// asio::use_awaitable, asio::use_future, deferred...) and completes with
// void(error_code, T), or void(error_code) when there is no value. The overloads
// taking `diagnostics&` fill it with Lavalink's error body or hanabi's message;
// it must outlive the operation. Per-operation cancellation: terminal.
//
// Threading contract. Each node has one strand (get_executor()). Every handler
// (subscribe()) runs on it; every internal state change happens on it. The
// accessors (state(), session_id(), stats(), counters(), player()...) and
// subscribe()/unsubscribe() must be called on the strand, or before async_run().
// The async_* functions and cancel() may be called from any thread. Completion
// handlers run on their own associated executor (the strand if they have none).
#pragma once

#include <hanabi/detail/config.hpp>
#include <hanabi/detail/spawn.hpp>
#include <hanabi/diagnostics.hpp>
#include <hanabi/ids.hpp>
#include <hanabi/node/node_config.hpp>
#include <hanabi/protocol/events.hpp>
#include <hanabi/protocol/info.hpp>
#include <hanabi/protocol/player.hpp>
#include <hanabi/protocol/session.hpp>
#include <hanabi/protocol/track.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hanabi {

namespace asio = boost::asio;

/// What the node remembers of one of its players: enough to show it and to rebuild
/// it elsewhere, and small (about 100 bytes plus the encoded track).
struct mirrored_player {
  std::string track;          ///< The playing track's `encoded` blob; empty when idle.
  std::int64_t position = 0;  ///< Ms into the track at `time`.
  std::int64_t time = 0;      ///< Server epoch ms of the last state.
  std::int32_t ping = -1;     ///< Ms to Discord's voice server; -1 when not connected.
  std::int16_t volume = 100;  ///< 0..1000.
  bool paused = false;
  bool connected = false;     ///< Discord voice connected.
};

/// What the read loop and the lifecycle have seen; monotonic over the node's life.
struct node_counters {
  std::uint64_t frames = 0;          ///< WebSocket messages received, bad ones included.
  std::uint64_t malformed = 0;       ///< Messages that did not decode.
  std::uint64_t unknown_ops = 0;     ///< Messages with an op this client does not know.
  std::uint64_t unknown_events = 0;  ///< Events of a type this client does not know.
  std::uint64_t oversized = 0;       ///< Messages above max_frame_size, skipped.
  std::uint64_t connects = 0;        ///< Successful WebSocket handshakes.
  std::uint64_t resumes = 0;         ///< Sessions resumed after a drop.
  std::uint64_t sessions_lost = 0;   ///< Sessions that could not be resumed.
  std::uint64_t players_lost = 0;    ///< Players reported lost, in total.
};

/// Players the node lost, for the layer above to rebuild.
struct lost_players {
  std::vector<guild_id> guilds;  ///< Sorted.
  /// True: the session itself is gone (a new one replaced it); false: a resume kept the
  /// session but the server no longer had these players.
  bool session_lost = true;
  std::string old_session;
  std::string new_session;
};

/// One subscriber's callbacks; leave any empty. They run on the node's strand and must not block.
struct node_handlers {
  std::function<void(const protocol::ws_message&)> message;  ///< Every decoded message, in order.
  std::function<void(node_state)> state;                     ///< Every lifecycle state change.
  std::function<void(const lost_players&)> lost;             ///< Players lost (see lost_players).
};

namespace detail {
struct node_impl;
using node_ptr = std::shared_ptr<node_impl>;
}  // namespace detail

/// One Lavalink node. Not copyable or movable; destroy it to cancel everything it runs.
class node {
 public:
  using executor_type = asio::any_io_executor;

  /// Creates the node on a new strand of `ex`. Nothing happens until async_run().
  HANABI_DECL node(asio::any_io_executor ex, node_config config);
  /// Cancels async_run and the pending calls.
  HANABI_DECL ~node();
  node(const node&) = delete;
  node& operator=(const node&) = delete;

  /// The node's strand.
  HANABI_DECL executor_type get_executor() const noexcept;
  HANABI_DECL const node_config& config() const noexcept;

  /// Runs the lifecycle until cancel() or a permanent failure. Handler: void(error_code);
  /// operation_aborted after cancel().
  template <class Token>
  auto async_run(Token&& token) {
    return start<void>(nullptr, &run_op, std::forward<Token>(token));
  }
  /// The same, with the permanent failure's details.
  template <class Token>
  auto async_run(diagnostics& diag, Token&& token) {
    return start<void>(&diag, &run_op, std::forward<Token>(token));
  }
  /// Stops async_run and closes the WebSocket. Thread-safe.
  HANABI_DECL void cancel();

  /// Waits until the node has a live session. Handler: void(error_code, std::string session_id).
  template <class Token>
  auto async_wait_ready(Token&& token) {
    return start<std::string>(nullptr, &wait_ready_op, std::forward<Token>(token));
  }

  // --- State (on the strand) ---
  HANABI_DECL node_state state() const noexcept;
  /// The live session id; while reconnecting, the session being resumed.
  HANABI_DECL const std::string& session_id() const noexcept;
  /// The latest stats message; nullopt until the first one.
  HANABI_DECL const std::optional<protocol::stats>& stats() const noexcept;
  HANABI_DECL const node_counters& counters() const noexcept;
  /// The mirrored player of `guild`, or null.
  HANABI_DECL const mirrored_player* player(guild_id guild) const noexcept;
  HANABI_DECL std::size_t player_count() const noexcept;
  /// Guild ids of the mirrored players, sorted.
  HANABI_DECL std::vector<guild_id> player_guilds() const;
  /// Bytes the mirror owns (entries, their strings and the table): what it costs to keep it.
  HANABI_DECL std::size_t mirror_memory() const noexcept;
  /// Adds a subscriber; returns its id for unsubscribe().
  HANABI_DECL std::size_t subscribe(node_handlers handlers);
  HANABI_DECL void unsubscribe(std::size_t id);

  // --- REST (PROTOCOL.md §7) ---
#define HANABI_NODE_OP(T, name, params, args)                                                          \
  template <class Token>                                                                              \
  auto name(HANABI_NODE_UNPAREN params Token&& token) {                                               \
    return start<T>(nullptr, [=](detail::node_ptr n) { return name##_op(std::move(n) HANABI_NODE_UNPAREN args); }, \
                    std::forward<Token>(token));                                                      \
  }                                                                                                   \
  template <class Token>                                                                              \
  auto name(HANABI_NODE_UNPAREN params diagnostics& diag, Token&& token) {                            \
    return start<T>(&diag, [=](detail::node_ptr n) { return name##_op(std::move(n) HANABI_NODE_UNPAREN args); }, \
                    std::forward<Token>(token));                                                      \
  }
#define HANABI_NODE_UNPAREN(...) __VA_ARGS__

  /// GET /v4/loadtracks. Handler: void(error_code, protocol::load_result). A failed load is
  /// a load_failed result, not an error (Lavalink answers 200).
  HANABI_NODE_OP(protocol::load_result, async_load_tracks, (std::string identifier,), (, identifier))
  /// GET /v4/decodetrack. Handler: void(error_code, protocol::track).
  HANABI_NODE_OP(protocol::track, async_decode_track, (std::string encoded,), (, encoded))
  /// POST /v4/decodetracks. Handler: void(error_code, std::vector<protocol::track>).
  HANABI_NODE_OP(std::vector<protocol::track>, async_decode_tracks, (std::vector<std::string> encoded,),
                 (, encoded))
  /// GET /v4/sessions/{id}/players (mirror refreshed). Handler: void(error_code, std::vector<protocol::player>).
  HANABI_NODE_OP(std::vector<protocol::player>, async_get_players, (), ())
  /// GET /v4/sessions/{id}/players/{guild}. Handler: void(error_code, protocol::player).
  HANABI_NODE_OP(protocol::player, async_get_player, (guild_id guild,), (, guild))
  /// PATCH /v4/sessions/{id}/players/{guild}?noReplace=. Creates the player if needed; the
  /// response updates the mirror. Handler: void(error_code, protocol::player).
  HANABI_NODE_OP(protocol::player, async_update_player,
                 (guild_id guild, protocol::update_player update, bool no_replace,), (, guild, update, no_replace))
  /// DELETE /v4/sessions/{id}/players/{guild}; drops it from the mirror. Handler: void(error_code).
  HANABI_NODE_OP(void, async_destroy_player, (guild_id guild,), (, guild))
  /// PATCH /v4/sessions/{id}. Handler: void(error_code, protocol::session).
  HANABI_NODE_OP(protocol::session, async_update_session, (protocol::update_session update,), (, update))
  /// GET /v4/info. Handler: void(error_code, protocol::info).
  HANABI_NODE_OP(protocol::info, async_info, (), ())
  /// GET /v4/stats. Handler: void(error_code, protocol::stats).
  HANABI_NODE_OP(protocol::stats, async_stats, (), ())
  /// GET /version. Handler: void(error_code, std::string).
  HANABI_NODE_OP(std::string, async_version, (), ())
  /// GET /v4/routeplanner/status; no_route_planner on 204. Handler: void(error_code, protocol::route_planner_status).
  HANABI_NODE_OP(protocol::route_planner_status, async_routeplanner_status, (), ())
  /// POST /v4/routeplanner/free/address. Handler: void(error_code).
  HANABI_NODE_OP(void, async_free_address, (std::string address,), (, address))
  /// POST /v4/routeplanner/free/all. Handler: void(error_code).
  HANABI_NODE_OP(void, async_free_all_addresses, (), ())

#undef HANABI_NODE_OP
#undef HANABI_NODE_UNPAREN

 private:
  template <class T, class Op, class Token>
  auto start(diagnostics* diag, Op op, Token&& token) {
    return detail::async_spawn<T>(
        get_executor(), diag, [impl = impl_, op = std::move(op)]() mutable { return op(impl); },
        std::forward<Token>(token));
  }

  HANABI_DECL static asio::awaitable<result<void>> run_op(detail::node_ptr n);
  HANABI_DECL static asio::awaitable<result<std::string>> wait_ready_op(detail::node_ptr n);
  HANABI_DECL static asio::awaitable<result<protocol::load_result>> async_load_tracks_op(detail::node_ptr n,
                                                                                         std::string identifier);
  HANABI_DECL static asio::awaitable<result<protocol::track>> async_decode_track_op(detail::node_ptr n,
                                                                                    std::string encoded);
  HANABI_DECL static asio::awaitable<result<std::vector<protocol::track>>> async_decode_tracks_op(
      detail::node_ptr n, std::vector<std::string> encoded);
  HANABI_DECL static asio::awaitable<result<std::vector<protocol::player>>> async_get_players_op(detail::node_ptr n);
  HANABI_DECL static asio::awaitable<result<protocol::player>> async_get_player_op(detail::node_ptr n, guild_id g);
  HANABI_DECL static asio::awaitable<result<protocol::player>> async_update_player_op(detail::node_ptr n, guild_id g,
                                                                                      protocol::update_player u,
                                                                                      bool no_replace);
  HANABI_DECL static asio::awaitable<result<void>> async_destroy_player_op(detail::node_ptr n, guild_id g);
  HANABI_DECL static asio::awaitable<result<protocol::session>> async_update_session_op(detail::node_ptr n,
                                                                                        protocol::update_session u);
  HANABI_DECL static asio::awaitable<result<protocol::info>> async_info_op(detail::node_ptr n);
  HANABI_DECL static asio::awaitable<result<protocol::stats>> async_stats_op(detail::node_ptr n);
  HANABI_DECL static asio::awaitable<result<std::string>> async_version_op(detail::node_ptr n);
  HANABI_DECL static asio::awaitable<result<protocol::route_planner_status>> async_routeplanner_status_op(
      detail::node_ptr n);
  HANABI_DECL static asio::awaitable<result<void>> async_free_address_op(detail::node_ptr n, std::string address);
  HANABI_DECL static asio::awaitable<result<void>> async_free_all_addresses_op(detail::node_ptr n);

  detail::node_ptr impl_;
};

}  // namespace hanabi

#ifdef HANABI_HEADER_ONLY
#  include <hanabi/impl/node.ipp>
#endif
