// The parent's session manager: which bot holds the session of each voice channel.
//
//     hanabi::session_manager mgr(ioc.get_executor(), cfg, make_local,
//                                 hanabi::remote_session_hooks_for(ioc.get_executor()));
//     auto ep = mgr.listen().value();                  // children dial in here
//     hanabi::diagnostics diag;
//     auto s = co_await mgr.async_get_or_create({guild, voice}, {.by = user}, diag, asio::use_awaitable);
//     co_await s->async_play({.query = "lofi", .by = user}, diag, asio::use_awaitable);
//
// Sessions are keyed by voice channel. A new one lives on this bot when it is free in that guild
// (one voice connection per bot per guild); otherwise the connected children are asked "are you
// free in this guild?" all at once, each with a deadline, and the first free one *in configured
// order* takes it (detail/session_selection.hpp decides). A user may also name the bot. When
// nobody is free the call fails with error::all_bots_busy ("all 3 bots are busy in this server").
//
// The manager owns the parent's remote::server and serves its links:
//   - a child's `session_closed` event (a button, inactivity, a kick on the child) drops the
//     parent's proxy without echoing a disconnect back;
//   - a child that dies or goes silent (the link's eviction) has each of its sessions reported
//     removed with close_reason::child_lost, within one eviction interval;
//   - a child that (re)connects is asked for its live sessions (`sessions`), which are adopted, so
//     a restarted parent finds the sessions its children kept playing, and a restarted child's
//     recovered sessions (it recovers them before it registers) are adopted again;
//   - the parent's own recovered sessions are handed over with adopt().
//
// This answers the original's faults (seeds.md §2.5): requests carry ids and deadlines, children
// are asked in parallel, no lock is ever held across a network call (the maps live on the
// manager's strand; a small mutex only guards them for find() and sessions()), and a hung child
// delays nothing but the requests addressed to it.
//
// Threading: the manager runs on its own strand. Every member is thread-safe. Completion handlers
// run on their associated executor, never inside the initiating call. `on_event` runs on the
// manager's strand and must not block.
#pragma once

#include <hanabi/detail/config.hpp>
#include <hanabi/diagnostics.hpp>
#include <hanabi/logger.hpp>
#include <hanabi/remote/server.hpp>
#include <hanabi/session/remote_session.hpp>
#include <hanabi/session/session.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace hanabi {

namespace detail {
class session_manager_state;
}

/// Creates and connects a session in this process (a local_session) at an address, for a user.
/// It completes the handler with the session, or with an error and a sentence in the diagnostics.
using local_session_factory = std::function<void(session_address, user_id by, diagnostics&,
                                                 session_handler<std::shared_ptr<session>>)>;

/// How the manager makes and feeds the parent's proxies of sessions held by children (remote_session).
struct remote_session_hooks {
  /// The proxy of the session child `bot` holds at an address, whose calls travel over `link`.
  std::function<std::shared_ptr<session>(remote::link, session_address, std::string bot)> make;
  /// Hands a proxy an event its child sent about it (`session_event` or `session_closed`).
  std::function<void(session&, const remote::event&)> deliver;
  /// Its child is gone (`why` says how): the proxy fails its calls with child_lost and publishes
  /// closed{child_lost}.
  std::function<void(session&, error_code why)> lost;
};

/// The hooks for hanabi::remote_session, the parent's proxy of a child's session: proxies made on
/// `ex` with `config` (request and connect deadlines), fed the child's events, told when it is lost.
HANABI_DECL remote_session_hooks remote_session_hooks_for(boost::asio::any_io_executor ex,
                                                          remote_session_config config = {});

/// Options of one get_or_create call.
struct create_options {
  /// The user asking; the new session's first action is theirs.
  user_id by{};
  /// A bot chosen by name (this bot's or a child's configured name); empty lets the manager choose.
  std::string bot{};
  /// The text channel the request came from. A child is told it in `connect` ("text"), so that it
  /// posts the session's own messages (the now-playing message) there. Empty: not sent.
  std::optional<channel_id> text_channel{};
};

/// What the manager reports (through session_manager_config::on_event).
namespace manager_events {
/// A session now exists: created through the manager, or adopted from a child that (re)connected.
struct session_added {
  session_address address{};
  std::string bot{};
  bool adopted = false;
};
/// A session is gone. `reason` is child_lost when its child died or went silent.
struct session_removed {
  session_address address{};
  std::string bot{};
  close_reason reason = close_reason::requested;
};
/// A child completed its handshake (its sessions are being adopted).
struct child_up {
  std::string name{};
};
/// A child's link ended (`why`: peer_unresponsive, child_lost, link_replaced...).
struct child_down {
  std::string name{};
  error_code why{};
};
}  // namespace manager_events

using manager_event = std::variant<manager_events::session_added, manager_events::session_removed,
                                   manager_events::child_up, manager_events::child_down>;

struct session_manager_config {
  /// This bot's configured name (a session's bot(), and the name users may choose it by).
  std::string name = "parent";
  /// The children, in the order they are tried. A child not listed may still connect (its
  /// sessions are adopted and served) but never receives new sessions.
  std::vector<std::string> children{};
  /// The control server children dial into (token, address, heartbeats and eviction).
  remote::server_config server{};
  /// How long a child may take to say whether it is free; silence counts as busy.
  std::chrono::milliseconds availability_timeout{2000};
  /// How long a child may take to create a session (it joins voice first).
  std::chrono::milliseconds connect_timeout{15000};
  /// How long a (re)connected child may take to list its sessions.
  std::chrono::milliseconds adopt_timeout{5000};
  /// Sees sessions come and go (lost ones included) and children connect and drop.
  std::function<void(const manager_event&)> on_event{};
  logger log{};
};

class session_manager {
 public:
  HANABI_DECL session_manager(boost::asio::any_io_executor ex, session_manager_config config,
                              local_session_factory local, remote_session_hooks remote);
  /// Stops the control server (see stop()).
  HANABI_DECL ~session_manager();
  session_manager(const session_manager&) = delete;
  session_manager& operator=(const session_manager&) = delete;

  /// Starts the control server; the endpoint children dial.
  HANABI_DECL result<boost::asio::ip::tcp::endpoint> listen();
  /// Closes every child link (their sessions keep playing on the children; a new parent adopts
  /// them) and stops accepting. Local sessions are left to their owner. Idempotent.
  HANABI_DECL void stop();

  /**
   * The session of `where.voice`, created if there is none (see the file comment for where).
   * Handler: `void(error_code, std::shared_ptr<session>)`. Errors: all_bots_busy, bot_busy (the
   * chosen bot is in another channel of the guild), child_lost (the chosen child is not
   * connected), invalid_argument (no bot has that name), timeout, or the creating bot's own
   * error; `diag` receives the sentence users see and must outlive the operation. Concurrent calls
   * for one channel share one creation.
   */
  template <class CompletionToken>
  auto async_get_or_create(session_address where, create_options options, diagnostics& diag,
                           CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(error_code, std::shared_ptr<session>)>(
        [state = state_, dp = &diag](auto handler, session_address where, create_options options) {
          start_get_or_create(state, where, std::move(options), *dp,
                              session_handler<std::shared_ptr<session>>(std::move(handler)));
        },
        token, where, std::move(options));
  }

  /**
   * Disconnects the session of `voice` (on whichever bot holds it) and forgets it.
   * Handler: `void(error_code)`; error::no_session when there is none.
   */
  template <class CompletionToken>
  auto async_disconnect(channel_id voice, disconnect_args args, diagnostics& diag, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(error_code)>(
        [state = state_, dp = &diag](auto handler, channel_id voice, disconnect_args args) {
          start_disconnect(state, voice, std::move(args), *dp, session_handler<void>(std::move(handler)));
        },
        token, voice, std::move(args));
  }

  /// Takes over a session this process already holds, e.g. one async_recover brought back at start:
  /// it becomes this bot's session of its channel (session_added with `adopted`), as if
  /// get_or_create had made it, so this bot counts as busy in its guild.
  HANABI_DECL void adopt(std::shared_ptr<session> s);

  /// The session of a voice channel; empty when there is none.
  HANABI_DECL std::shared_ptr<session> find(channel_id voice) const;
  /// Every session, local and remote.
  HANABI_DECL std::vector<std::shared_ptr<session>> sessions() const;
  /// The children whose link is up, in no particular order.
  HANABI_DECL std::vector<std::string> children() const;
  /// The control server (for its counters: rejected_tokens()...).
  HANABI_DECL const remote::server& server() const;

 private:
  HANABI_DECL static void start_get_or_create(const std::shared_ptr<detail::session_manager_state>& state,
                                              session_address where, create_options options, diagnostics& diag,
                                              session_handler<std::shared_ptr<session>> handler);
  HANABI_DECL static void start_disconnect(const std::shared_ptr<detail::session_manager_state>& state,
                                           channel_id voice, disconnect_args args, diagnostics& diag,
                                           session_handler<void> handler);

  std::shared_ptr<detail::session_manager_state> state_;
};

}  // namespace hanabi

#ifdef HANABI_HEADER_ONLY
#  include <hanabi/impl/session_manager.ipp>
#endif
