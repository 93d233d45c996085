// A session held in this process: a player (placed by the node pool), a
// track_queue and the guild's voice connection, driven by the session commands
// and by Lavalink's track events.
//
//     hanabi::local_session_config cfg{.bot_name = "parent", .bot = me};
//     cfg.send_gateway = [&](const hanabi::gateway_voice_update& op) { shard.send(op.to_json()); };
//     cfg.load_tracks = hanabi::load_tracks_from(node);
//     auto s = hanabi::local_session::create(pool, {guild, voice_channel}, cfg).value();   // on the pool's strand
//     co_await s->async_connect({.by = user}, diag, asio::use_awaitable);
//     co_await s->async_play({.query = "lofi", .by = user}, diag, asio::use_awaitable);
//
// What it does on its own:
//  - advances the queue on TrackEnd (only `finished` and `loadFailed` advance; repeat one/all),
//    never because of a TrackEnd that a newer command already superseded; a stuck track
//    (TrackStuckEvent, which Lavalink never ends) is skipped like a track that failed to load;
//  - applies the requester's remembered volume when one of their items starts;
//  - sends each item's start and end as Lavalink's `position` and `endTime` (no polling);
//  - reaps itself when inactive (transient lifetime): idle past `inactivity_timeout`, or paused
//    past `paused_timeout`;
//  - follows the bot when it is dragged to another channel (channel_moved), and closes when it
//    is kicked (kicked) or voice cannot be recovered (voice_lost);
//  - keeps an action history (who did what, when), bounded by `history_limit`.
//
// Threading: the session lives on the node pool's executor (a strand): its player, queue,
// timers and event subscribers all run there. Every public member is thread-safe (calls are
// posted to the strand), except create(), which must be called on the pool's strand. The pool
// must outlive its sessions. End a session with disconnect or close(); one dropped without
// either still has its player deleted (best effort, and without a `closed` event).
#pragma once

#include <hanabi/detail/config.hpp>
#include <hanabi/detail/session_logic.hpp>
#include <hanabi/logger.hpp>
#include <hanabi/node/node_pool.hpp>
#include <hanabi/session/session.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace hanabi {

/// Loads what an identifier names (GET /v4/loadtracks). `diag` receives Lavalink's error body;
/// the handler may complete on any executor.
using track_loader = std::function<void(std::string identifier, diagnostics& diag,
                                        asio::any_completion_handler<void(error_code, protocol::load_result)>)>;

/// A track_loader that asks one node. The node must outlive the sessions using it.
HANABI_DECL track_loader load_tracks_from(std::shared_ptr<node> n);
/// A track_loader that asks `nodes` in order and moves on to the next when one cannot answer
/// (it is down, reconnecting, timed out, or the connection failed), so loading survives the
/// loss of a node as playback does. A node's own answer (including a failed load) is final.
HANABI_DECL track_loader load_tracks_from(std::vector<std::shared_ptr<node>> nodes);

/// Where playback stood when a session was saved, for recovery after a restart: once connect()
/// has joined voice, the restored queue's current item is started at `position`, with these
/// settings (see session/recovery.hpp).
struct restored_playback {
  std::int64_t position = 0;  ///< Ms into the current item.
  bool paused = false;
  int volume = 100;
  protocol::filters filters{};
};

/// How a local_session behaves. Plain aggregate; `send_gateway` and `load_tracks` are required.
struct local_session_config {
  /// The configured name of this bot ("parent", "child-1"), reported by session::bot().
  std::string bot_name = "parent";
  /// This bot's user id (voice updates of other users are ignored).
  user_id bot{};
  session_lifetime lifetime = session_lifetime::transient;
  /// Prepended to a play query that is neither a URL, nor an `xxsearch:` query, nor starts with one
  /// of `passthrough_prefixes`.
  std::string search_prefix = "ytsearch:";
  /// Identifier prefixes sent to Lavalink unchanged (e.g. a plugin's "spotify:").
  std::vector<std::string> passthrough_prefixes{};
  /// A transient session with nothing playing for this long is closed (close_reason::inactivity).
  std::chrono::milliseconds inactivity_timeout{std::chrono::minutes{5}};
  /// A transient session paused for this long is closed too (paused sessions are not forever).
  std::chrono::milliseconds paused_timeout{std::chrono::minutes{30}};
  /// Actions kept in the history; the oldest are dropped.
  std::size_t history_limit = 200;
  /// Seed of the queue's generator (shuffle, random enqueue).
  std::uint64_t queue_seed = 0;
  voice_config voice{};
  /// Sends op 4 on the bot's gateway shard of the guild. Called on the session's strand.
  std::function<void(const gateway_voice_update&)> send_gateway;
  /// Resolves play and enqueue queries.
  track_loader load_tracks;
  /// Every change of the queue, in order, on the session's strand (the seam for a queue journal).
  std::function<void(const queue_event&)> on_queue_change;
  /// The queue's recorder (queue_config::recorder), on the session's strand: how session_persistence
  /// journals the queue without a call through on_queue_change per change.
  std::shared_ptr<hanabi::queue_recorder> queue_recorder;
  /// A requester's volume remembered outside this session (session_persistence supplies the one
  /// the store keeps), consulted when one of their items starts and they set none in this session.
  /// Called on the session's strand; must not block.
  std::function<std::optional<std::uint16_t>(user_id)> recall_volume;
  /// Told (on the strand) each time a requester's volume is remembered (the seam for keeping it).
  std::function<void(user_id, std::uint16_t)> on_volume_remembered;
  /// Told (on the strand) of each action added to the history (the seam for keeping it).
  std::function<void(const action_record&)> on_action;
  /// A recovered session's action history, oldest first; the newest `history_limit` are kept.
  std::vector<action_record> restored_history{};
  /// A recovered session's queue (replayed_queue()); none starts an empty queue. The session takes
  /// it over with its own hooks and listener; it continues at its version, so its journal does too.
  std::optional<track_queue> restored_queue{};
  /// A recovered session's playback, resumed by the first connect() (only if the restored queue
  /// was active).
  std::optional<restored_playback> restored{};
  logger log = logger::none();
};

/// A session held by this process. See the file comment.
class local_session final : public session {
  struct private_tag {};

 public:
  /// Creates the session and its player (not yet in voice: connect joins). Must be called on the
  /// pool's executor. Errors: bot_busy (this bot already has a player in the guild),
  /// no_node_available, invalid_argument (send_gateway or load_tracks missing).
  HANABI_DECL static result<std::shared_ptr<local_session>> create(node_pool& pool, session_address where,
                                                                   local_session_config cfg);

  HANABI_DECL local_session(private_tag, node_pool& pool, session_address where, local_session_config cfg);
  HANABI_DECL ~local_session() override;

  HANABI_DECL session_address address() const override;
  std::string bot() const override { return cfg_.bot_name; }
  bool is_remote() const noexcept override { return false; }
  executor_type get_executor() const override { return executor_; }
  HANABI_DECL session_subscription subscribe(std::function<void(const session_event&)> on_event) override;

  /// The bot's own gateway dispatches for this guild (thread-safe; posted to the strand).
  HANABI_DECL void on_voice_state_update(const voice_state_update& u);
  HANABI_DECL void on_voice_server_update(const voice_server_update& u);

  /// Ends the session now for `reason` (e.g. shutdown): the player is destroyed on its node,
  /// voice is left, `closed` is published. Thread-safe; a second close does nothing.
  HANABI_DECL void close(close_reason reason, std::string detail = {});

 protected:
  HANABI_DECL void do_connect(connect_args, diagnostics&, session_handler<session_state>) override;
  HANABI_DECL void do_disconnect(disconnect_args, diagnostics&, session_handler<void>) override;
  HANABI_DECL void do_play(play_args, diagnostics&, session_handler<enqueue_outcome>) override;
  HANABI_DECL void do_enqueue(enqueue_args, diagnostics&, session_handler<enqueue_outcome>) override;
  HANABI_DECL void do_skip(skip_args, diagnostics&, session_handler<now_playing>) override;
  HANABI_DECL void do_seek(seek_args, diagnostics&, session_handler<std::int64_t>) override;
  HANABI_DECL void do_pause(pause_args, diagnostics&, session_handler<void>) override;
  HANABI_DECL void do_volume(volume_args, diagnostics&, session_handler<int>) override;
  HANABI_DECL void do_stop(stop_args, diagnostics&, session_handler<void>) override;
  HANABI_DECL void do_filters(filter_args, diagnostics&, session_handler<protocol::filters>) override;
  HANABI_DECL void do_repeat(repeat_args, diagnostics&, session_handler<void>) override;
  HANABI_DECL void do_shuffle(shuffle_args, diagnostics&, session_handler<void>) override;
  HANABI_DECL void do_dequeue(dequeue_args, diagnostics&, session_handler<std::vector<item_view>>) override;
  HANABI_DECL void do_move(move_args, diagnostics&, session_handler<void>) override;
  HANABI_DECL void do_clear(clear_args, diagnostics&, session_handler<std::size_t>) override;
  HANABI_DECL void do_now_playing(diagnostics&, session_handler<std::optional<now_playing>>) override;
  HANABI_DECL void do_queue_page(page_args, diagnostics&, session_handler<queue_view>) override;
  HANABI_DECL void do_state(diagnostics&, session_handler<session_state>) override;
  HANABI_DECL void do_history(std::size_t, diagnostics&, session_handler<std::vector<action_record>>) override;

 private:
  using clock = std::chrono::steady_clock;
  // Internal continuations: move-only, because they carry the caller's handler.
  using loaded_handler = asio::any_completion_handler<void(error_code, std::vector<protocol::track>, std::string)>;
  using started_handler = asio::any_completion_handler<void(error_code)>;
  using closed_handler = asio::any_completion_handler<void()>;

  std::shared_ptr<local_session> self() { return std::static_pointer_cast<local_session>(shared_from_this()); }

  /// Runs `op(diag, handler)` on the strand, or answers no_session once the session has closed.
  template <class Handler, class Op>
  void run(diagnostics& d, Handler h, Op op);
  /// Completes `h` (a session_handler) through its associated executor, never inline.
  template <class Handler, class... V>
  void complete(Handler h, error_code ec, V&&... value);
  /// Writes `message` into `d` and fails `h` with `ec` (and a default-constructed answer).
  template <class Handler>
  void fail(Handler h, diagnostics& d, error_code ec, std::string message = {});
  /// Fails `h` with `f`'s code and diagnostics.
  template <class Handler>
  void fail_with(Handler h, diagnostics& d, const failure& f);
  /// A player handler bound to the strand that keeps the session alive.
  template <class F>
  auto on_strand(F f);

  // Commands, on the strand.
  HANABI_DECL void connect(connect_args a, diagnostics& d, session_handler<session_state> h);
  HANABI_DECL void play(play_args a, diagnostics& d, session_handler<enqueue_outcome> h);
  HANABI_DECL void enqueue(enqueue_args a, diagnostics& d, session_handler<enqueue_outcome> h);
  HANABI_DECL void skip(skip_args a, diagnostics& d, session_handler<now_playing> h);
  HANABI_DECL void seek(seek_args a, diagnostics& d, session_handler<std::int64_t> h);
  HANABI_DECL void pause(pause_args a, diagnostics& d, session_handler<void> h);
  HANABI_DECL void volume(volume_args a, diagnostics& d, session_handler<int> h);
  HANABI_DECL void stop(stop_args a, diagnostics& d, session_handler<void> h);
  HANABI_DECL void filters(filter_args a, diagnostics& d, session_handler<protocol::filters> h);
  HANABI_DECL void dequeue(dequeue_args a, diagnostics& d, session_handler<std::vector<item_view>> h);
  HANABI_DECL void clear(clear_args a, diagnostics& d, session_handler<std::size_t> h);
  HANABI_DECL void page(page_args a, diagnostics& d, session_handler<queue_view> h);
  /// A queue mutation with no answer: record it, publish the state, answer.
  HANABI_DECL void queue_command(result<void> r, user_id by, std::string action, std::string detail,
                                 diagnostics& d, session_handler<void> h);

  // Loading and adding.
  HANABI_DECL void load(std::string identifier, diagnostics& d, loaded_handler done);
  HANABI_DECL void load_entries(std::shared_ptr<enqueue_args> a, std::size_t next, std::shared_ptr<std::vector<queue_item>> items,
                                std::shared_ptr<enqueue_outcome> out, diagnostics& d, session_handler<enqueue_outcome> h);
  /// Adds loaded items (insert at `position`, or enqueue with `options`), starts an idle session
  /// on the first of them, and answers.
  HANABI_DECL void add_items(std::vector<queue_item> items, std::optional<std::size_t> position,
                             const enqueue_options& options, enqueue_outcome out, user_id by, std::string action,
                             diagnostics& d, session_handler<enqueue_outcome> h);

  // Playback.
  /// Starts the item of `step` on the player (with `base`'s start and pause, when set); `done`
  /// gets the player's answer.
  HANABI_DECL void start(const play_step& step, started_handler done, play_options base = {});
  /// After a recovery's connect: the restored queue's current item, as it was (cfg_.restored).
  HANABI_DECL void resume_restored(started_handler done);
  HANABI_DECL queue_config make_queue_config();
  /// After a skip or start: answers what now plays once Lavalink has it.
  HANABI_DECL void start_and_answer(result<play_step> step, user_id by, std::string detail, diagnostics& d,
                                    session_handler<now_playing> h);
  HANABI_DECL void on_player_event(const player_event& e);
  HANABI_DECL void on_track_start(const protocol::track_start_event& e);
  HANABI_DECL void on_track_end(const protocol::track_end_event& e);
  /// Lavalink does not end a stuck track: the session moves on as after a load failure.
  HANABI_DECL void on_track_stuck(const protocol::track_stuck_event& e);
  HANABI_DECL void on_voice(const voice_event& e);
  /// The queue's current item is on the air (started, not stopped, not ended).
  HANABI_DECL bool playing_item() const;
  /// Stops the player when the queue no longer has an item playing (after a removal or clear).
  HANABI_DECL void stop_if_idle(bool was_playing);

  // Views.
  HANABI_DECL item_view view(const queue_item& item, std::size_t position) const;
  HANABI_DECL std::optional<now_playing> current_view() const;
  HANABI_DECL session_state state_now();

  // Events, history, reaping, closing.
  HANABI_DECL void publish(const session_event& e);
  HANABI_DECL void publish_state();
  HANABI_DECL void record(user_id by, std::string action, std::string detail = {});
  HANABI_DECL void update_activity();
  HANABI_DECL void arm_reaper();
  HANABI_DECL void close_now(close_reason reason, std::string detail, closed_handler then);

  node_pool& pool_;
  executor_type executor_;
  local_session_config cfg_;
  std::shared_ptr<player> player_;
  track_queue queue_;
  asio::steady_timer reaper_;

  mutable std::mutex mutex_;  // address_, subscribers_ and next_subscriber_: read from any thread
  session_address address_;
  std::map<std::uint64_t, std::function<void(const session_event&)>> subscribers_;
  std::uint64_t next_subscriber_ = 0;

  bool connected_ = false;
  bool closed_ = false;
  bool stopped_ = false;                  // the current item was stopped (stop, cleanup): not on the air
  std::optional<std::string> expected_;  // the encoded track of the last play whose TrackStart has not come
  std::optional<item_view> on_air_;       // the item of the last TrackStart
  std::unordered_map<user_id, std::uint16_t> volumes_;  // remembered per requester
  detail::action_history history_;
  detail::session_activity activity_ = detail::session_activity::idle;
  clock::time_point activity_since_ = clock::now();
  std::int64_t created_at_ = 0;
  std::int64_t last_active_at_ = 0;
};

}  // namespace hanabi

#include <hanabi/impl/local_session.hpp>

#ifdef HANABI_HEADER_ONLY
#  include <hanabi/impl/local_session.ipp>
#endif
