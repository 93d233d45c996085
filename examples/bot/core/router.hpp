// The command router: everything the bot does with a slash command or a button, on top of a
// bot::gateway (any Discord library, or the offline simulation) and the hanabi::session
// interface (a session on this bot or on a child, alike).
//
//     bot::router r(gateway, manager, {.rules = {.dj_role = cfg.dj_role, .owner = cfg.owner}});
//     r.start({.on_voice_state = ..., .on_voice_server = ...});   // the bot's own voice updates
//
// A command finds the caller's voice channel (none: a short ephemeral error), gets or creates
// that channel's session through the session manager (/connect and /play create; the other
// commands need one), runs the command on the session, and answers with a rendered message.
// Every error a user can cause gets a short, specific, ephemeral reply; nothing throws into the
// gateway loop (an unexpected exception is logged and answered with an apology).
//
// The now-playing message of each session this bot holds (not of sessions held by children: a
// child's own router posts theirs, in the text channel the parent passes in create_options) is
// posted in the channel of the command that created the session, and edited on every track
// start and state change; its buttons are handled by this router. When the session closes, the
// message is deleted and the reason is posted; for a child's session the parent posts only when
// the child itself was lost.
//
// Threading: everything runs on the gateway's executor; session events are posted there. The
// router must outlive the work on that executor.
#pragma once

#include "gateway.hpp"
#include "render.hpp"
#include "requests.hpp"

#include <hanabi/logger.hpp>
#include <hanabi/session/session.hpp>
#include <hanabi/session/session_manager.hpp>

#include <boost/asio/awaitable.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace bot {

struct router_config {
  permissions rules{};
  /// The children of this bot in configured order (for /bots).
  std::vector<std::string> children{};
  /// The nodes' rows for /nodes; empty: this bot does not know its nodes.
  std::function<std::vector<node_row>()> nodes{};
  /// Queue items per /queue page; the now-playing message shows half as many.
  std::size_t page_size = 10;
  hanabi::logger log = hanabi::logger::none();
};

class router {
 public:
  router(gateway& gw, hanabi::session_manager& sessions, router_config config);
  router(const router&) = delete;
  router& operator=(const router&) = delete;

  /// Installs the gateway callbacks: commands and components come here, `others` keeps the rest
  /// (the bot's voice updates, member moves).
  void start(gateway_events others = {});

  /// Keeps the now-playing message of `s` (held by this bot) in `text` up to date; for a session
  /// held by a child, only reports in `text` that the child was lost.
  void follow(const std::shared_ptr<hanabi::session>& s, hanabi::channel_id text);

 private:
  struct player_message {
    std::weak_ptr<hanabi::session> session;
    hanabi::channel_id text;
    std::optional<hanabi::message_id> id;
    hanabi::session_subscription subscription;
    bool refreshing = false;
    bool stale = false;
    bool remote = false;  // held by a child, which keeps the message itself
  };
  using reply = asio::awaitable<message>;

  void on_command(command_invocation c);
  void on_component(component_invocation c);
  void on_session_event(hanabi::channel_id voice, const hanabi::session_event& e);

  asio::awaitable<void> answer_command(command_invocation c);
  asio::awaitable<void> answer_component(component_invocation c);
  reply run(const command_invocation& c);
  reply run_on(const command_invocation& c, hanabi::session& s, hanabi::channel_id voice);
  reply press(const component_invocation& c, hanabi::session& s);
  asio::awaitable<std::shared_ptr<hanabi::session>> acquire(const command_invocation& c, hanabi::channel_id voice,
                                                            message& refusal);

  reply play(const command_invocation& c, hanabi::session& s);
  reply skip(hanabi::session& s, hanabi::skip_args a);
  reply queue(const command_invocation& c, hanabi::session& s);
  reply now_playing(hanabi::session& s);
  reply history(hanabi::session& s);
  reply remove(const command_invocation& c, hanabi::session& s);
  reply dequeue(const command_invocation& c, hanabi::session& s, hanabi::channel_id voice);
  reply disconnect(const command_invocation& c, hanabi::channel_id voice);
  message bots() const;
  message nodes() const;

  asio::awaitable<std::optional<now_playing_view>> player_view(hanabi::session& s);
  asio::awaitable<void> refresh(hanabi::channel_id voice);
  asio::awaitable<void> retire(hanabi::channel_id voice, std::string why);

  gateway& gateway_;
  hanabi::session_manager& sessions_;
  router_config config_;
  std::map<hanabi::channel_id, player_message> players_;  // by voice channel
};

}  // namespace bot
