// The child's end of the session ops (docs/REMOTE_PROTOCOL.md, "Session ops"):
// serves the parent's requests on a remote::client's link by calling the
// sessions this process holds, and sends their events upstream.
//
//     hanabi::session_host host([&](const session_request& r, session_factory_handler done) {
//       asio::post(pool.get_executor(), [&, r, done = std::move(done)]() mutable {
//         auto s = local_session::create(pool, r.address, config_for(r));   // or a failure (bot_busy...)
//         std::move(done)(s ? result<std::shared_ptr<session>>(*s) : s.error());
//       });
//     }, {.bot = "child-1"});
//     remote::link_handlers handlers;
//     host.serve(handlers);                          // adds connect, play, skip, ... available, sessions
//     remote::client client(ex, cfg, std::move(handlers));
//     host.set_upstream([&client](std::string op, nlohmann::json p) { client.send_event(std::move(op), std::move(p)); });
//
// `connect` creates a session through the factory (one per guild: a second voice channel of a
// guild this bot is in gets error::bot_busy), and every other op finds it by its voice channel
// (an unknown one gets error::no_session). A session that ends (disconnect, inactivity, a kick)
// is forgotten and reported upstream as `session_closed`, so the parent drops its
// RemoteSession; its other events go upstream as `session_event`.
//
// A session's `state_changed` events are snapshots, each superseding the one before, so the host
// sends the newest one only: right after the answer of the command that caused it (the answer
// goes first, so the caller is not kept waiting on the event's encoding), at most once per
// `state_event_interval`; a timer sends what no answer took. Other events go at once, after any
// state still held, so a session's events keep their order.
//
// Threading: every member is thread-safe. The op handlers run on the link's strand and only
// start the session's call (which completes on the session's executor), so a slow session never
// blocks the link. The host's mutex guards its map only, never a call.
#pragma once

#include <hanabi/detail/config.hpp>
#include <hanabi/logger.hpp>
#include <hanabi/remote/link.hpp>
#include <hanabi/session/session.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hanabi::detail {
class session_host_state;
}

namespace hanabi {

/// What the parent asked for in `connect`: where, and how the new session should behave.
/// Unset timeouts leave the application's defaults.
struct session_request {
  session_address address{};
  session_lifetime lifetime = session_lifetime::transient;
  std::optional<std::chrono::milliseconds> inactivity_timeout{};
  std::optional<std::chrono::milliseconds> paused_timeout{};
  /// The text channel the parent's user typed the command in (connect's "text"), where the
  /// application posts the session's messages; empty when the parent did not say.
  std::optional<channel_id> text_channel{};
};

/// Completes a factory call with the new session, or the reason there is none (error::bot_busy...).
using session_factory_handler = asio::any_completion_handler<void(result<std::shared_ptr<session>>)>;

/// Makes the session for a request (e.g. a local_session on the node pool's strand) and completes
/// `done` exactly once, on any executor.
using session_factory = std::function<void(const session_request&, session_factory_handler done)>;

/// Sends one event upstream (usually remote::client::send_event).
using upstream_sender = std::function<void(std::string op, nlohmann::json payload)>;

struct session_host_config {
  /// This bot's configured name (logs).
  std::string bot;
  logger log;
  /// Least time between two `state_changed` events of one session sent upstream; the newest state
  /// is always sent, at the latest this long after the previous one. 0 sends every state at once.
  std::chrono::milliseconds state_event_interval{50};
};

class session_host {
 public:
  HANABI_DECL explicit session_host(session_factory factory, session_host_config config = {});
  HANABI_DECL ~session_host();
  session_host(const session_host&) = delete;
  session_host& operator=(const session_host&) = delete;

  /// Adds the session ops to `handlers.requests`. The handlers share the host's state, so they
  /// stay valid after the host is destroyed (they then answer error::no_session).
  HANABI_DECL void serve(remote::link_handlers& handlers);

  /// Where session events go; until set, they are dropped.
  HANABI_DECL void set_upstream(upstream_sender send);

  /// The live sessions.
  HANABI_DECL std::vector<std::shared_ptr<session>> sessions() const;

  /// Serves a session made outside a `connect` request (one recovered from a store after a
  /// restart) as if the parent had asked for it. Call before the link comes up, so that the
  /// parent's `sessions` request lists it and the parent adopts it.
  HANABI_DECL void host(std::shared_ptr<session> s);

 private:
  std::shared_ptr<detail::session_host_state> state_;
};

}  // namespace hanabi

#ifdef HANABI_HEADER_ONLY
#  include <hanabi/impl/session_host.ipp>
#endif
