// The command router: everything the bot does with a slash command, a button or a select menu,
// on top of a bot::gateway (any Discord library, or the offline simulation), the
// hanabi::session interface (a session on this bot or on a child, alike), the store (saved
// playlists) and a track loader (searches and imports through the nodes).
//
//     bot::router r(gateway, manager, {.rules = {.dj_role = cfg.dj_role, .owner = cfg.owner},
//                                      .store = &store, .load_tracks = hanabi::load_tracks_from(nodes)});
//     r.start({.on_voice_state = ..., .on_voice_server = ...});   // the bot's own voice updates
//
// A music command finds the caller's voice channel (none: a short ephemeral error), gets or creates
// that channel's session through the session manager (/connect, /play, /enqueue and a /search pick
// create one; the other commands need one), runs the command on the session, and answers with a
// rendered message. /playlist works on the store alone, wherever the caller is.
//
// Discord's 3-second rule: a command that may take longer (it loads tracks, reads a playlist, may
// create a session, or runs on a child's session) is deferred first, as an ephemeral answer, and
// its reply edited in; the others are answered at once. Every error a user can cause gets a short,
// specific, ephemeral reply; nothing throws into the gateway loop (an unexpected exception is
// logged and answered with an apology). What the whole channel sees is the now-playing message.
//
// The now-playing message of each session this bot holds is kept by a now_playing_updater (see
// now_playing.hpp); its buttons are handled here.
//
// Threading: everything runs on the gateway's executor; session events are posted there. The
// router must outlive the work on that executor; destroying it cancels its timers.
#pragma once

#include "gateway.hpp"
#include "now_playing.hpp"
#include "playlists.hpp"
#include "render.hpp"
#include "requests.hpp"

#include <hanabi/logger.hpp>
#include <hanabi/session/local_session.hpp>
#include <hanabi/session/session.hpp>
#include <hanabi/session/session_manager.hpp>
#include <hanabi/storage/store.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace bot {

struct router_config {
  permissions rules{};
  /// The children of this bot in configured order (for /bots).
  std::vector<std::string> children{};
  /// How many times child `name` was restarted by this bot's supervisor (for /bots); none when
  /// it does not run that child. Empty: no child is supervised here.
  std::function<std::optional<std::uint64_t>(std::string_view name)> restarts{};
  /// The nodes' rows for /nodes; empty: this bot does not know its nodes.
  std::function<std::vector<node_row>()> nodes{};
  /// Queue items per /queue page; the now-playing message shows half as many.
  std::size_t page_size = 10;
  /// Saved playlists (/playlist, /enqueue); null: those commands say the bot has no storage. It
  /// must outlive the router.
  hanabi::storage::store* store = nullptr;
  /// Loads /search queries and /playlist add and import sources through the nodes; empty: those
  /// commands say the bot cannot load tracks.
  hanabi::track_loader load_tracks{};
  /// Prepended to a /search or /playlist add query that is neither a URL nor `xxsearch:...`.
  std::string search_prefix = "ytsearch:";
  /// How long a /search menu accepts a pick.
  std::chrono::milliseconds search_timeout{std::chrono::seconds{30}};
  /// How often the now-playing message is refreshed between events (its progress bar).
  std::chrono::milliseconds now_playing_interval{std::chrono::seconds{15}};
  /// Told each time a session of this bot gets the text channel of its messages (follow()), e.g.
  /// to remember it across a restart.
  std::function<void(const std::shared_ptr<hanabi::session>&, hanabi::channel_id)> on_follow{};
  hanabi::logger log = hanabi::logger::none();
};

class router {
 public:
  router(gateway& gw, hanabi::session_manager& sessions, router_config config);
  ~router();
  router(const router&) = delete;
  router& operator=(const router&) = delete;

  /// Installs the gateway callbacks: commands and components come here, `others` keeps the rest
  /// (the bot's voice updates, member moves).
  void start(gateway_events others = {});

  /// Keeps the now-playing message of `s` (held by this bot) in `text` up to date.
  void follow(const std::shared_ptr<hanabi::session>& s, hanabi::channel_id text);
  /// For a session held by a child (which keeps its messages): posts in `text` that it ended when
  /// the child itself was lost.
  void watch_child(const std::shared_ptr<hanabi::session>& s, hanabi::channel_id text);

 private:
  /// An open /search: its results, who may pick, and the reply holding the menu.
  struct open_search {
    hanabi::user_id user;
    interaction_ref reply;
    std::vector<hanabi::protocol::track> results;
    std::shared_ptr<asio::steady_timer> expiry;
  };
  using reply = asio::awaitable<message>;

  void on_command(command_invocation c);
  void on_component(component_invocation c);

  asio::awaitable<void> answer_command(command_invocation c);
  asio::awaitable<void> answer_component(component_invocation c);
  asio::awaitable<void> answer(interaction_ref i, bool deferred, message m);
  bool takes_long(const command_invocation& c) const;
  reply run(const command_invocation& c);
  reply run_on(const command_invocation& c, hanabi::session& s, hanabi::channel_id voice);
  reply press(const component_invocation& c, hanabi::session& s);
  reply press_player(const component_invocation& c);
  asio::awaitable<std::shared_ptr<hanabi::session>> acquire(const invoker& from, std::string_view command,
                                                            const command_options& o, hanabi::channel_id voice,
                                                            message& refusal);

  reply play(const command_invocation& c, hanabi::session& s);
  reply seek(const command_invocation& c, hanabi::session& s);
  reply skip(hanabi::session& s, hanabi::skip_args a);
  reply queue(const command_invocation& c, hanabi::session& s);
  reply now_playing(hanabi::session& s);
  reply history(hanabi::session& s);
  reply remove(const command_invocation& c, hanabi::session& s);
  reply dequeue(const command_invocation& c, hanabi::session& s, hanabi::channel_id voice);
  reply disconnect(const command_invocation& c, hanabi::channel_id voice);
  message bots() const;
  bot_row child_row(const std::string& child, std::size_t sessions) const;
  message nodes() const;

  // /search, /enqueue and /playlist (router_library.cpp).
  asio::awaitable<std::tuple<hanabi::error_code, hanabi::protocol::load_result>> load(std::string identifier,
                                                                                      hanabi::diagnostics& diag);
  reply search(const command_invocation& c);
  void expire(std::uint64_t id, std::shared_ptr<asio::steady_timer> timer);
  reply pick(const component_invocation& c, std::uint64_t id);
  reply enqueue(const command_invocation& c, hanabi::channel_id voice);
  reply playlist(const command_invocation& c);
  reply playlist_create(const command_invocation& c);
  reply playlist_add(const command_invocation& c);
  reply playlist_show(const command_invocation& c, bool as_export);
  reply playlist_list(const command_invocation& c);
  reply playlist_change(const command_invocation& c);
  reply playlist_import(const command_invocation& c);
  asio::awaitable<hanabi::result<hanabi::storage::playlist>> find_playlist(const playlist_ref& ref,
                                                                           hanabi::user_id actor);

  gateway& gateway_;
  hanabi::session_manager& sessions_;
  router_config config_;
  now_playing_updater players_;
  // The sessions held by children, watched for the loss of their child (watch_child).
  std::map<hanabi::channel_id, std::pair<const hanabi::session*, hanabi::session_subscription>> children_sessions_;
  std::uint64_t searches_made_ = 0;
  std::map<std::uint64_t, open_search> searches_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // expires with this object (see expire)
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();  // the parent's uptime (/bots)
};

}  // namespace bot
