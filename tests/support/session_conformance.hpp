// The session conformance suite: one set of cases that every implementation of
// hanabi::session must pass, whoever holds the session (LocalSession in this
// process, RemoteSession through a child process).
//
// An implementation provides a `session_env` (a fake Lavalink node, a way to
// open connected sessions on it, and Discord's side of voice) and registers the
// suite for it in one line of a test file:
//
//     struct local_env : hanabi::test::session_env { ... };
//     HANABI_SESSION_CONFORMANCE(local_env, "[local]")
//
// Every case asserts on the session's answers, on its events, and on the player
// as the fake node sees it. The environment must be default constructible; each
// case gets a fresh one. No case asserts on time: `run_until` only bounds a hung
// case, and the condition it waited for is asserted afterwards.
#pragma once

#include <hanabi/session/session.hpp>
#include <hanabi/testing/fake_node.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace hanabi::test {

/// How a case wants its session configured. Every environment must honour every field.
struct session_setup {
  session_lifetime lifetime = session_lifetime::transient;
  /// Idle (nothing playing) this long: reaped. Long by default so that no case is reaped by accident.
  std::chrono::milliseconds inactivity_timeout{std::chrono::minutes{10}};
  /// Paused this long: reaped (a paused session is inactive after its own timeout).
  std::chrono::milliseconds paused_timeout{std::chrono::minutes{30}};
};

/// Where the suite runs. The session it opens must:
///  - play on a fake node (hanabi::testing::fake_node, default catalogue; every catalogue track is
///    180 s long unless its identifier says otherwise, and time runs at real speed, so nothing
///    ends unless a case makes it end);
///  - search with the prefix "fakesearch:" and pass identifiers starting with "fake:" to
///    Lavalink unchanged;
///  - be connected to voice already (connect answered), Discord's answers simulated by the env.
class session_env {
 public:
  virtual ~session_env() = default;

  /// A connected session in `where`, opened for user `by`. Fails the case if it cannot connect.
  virtual std::shared_ptr<session> open(session_address where, user_id by, session_setup setup = {}) = 0;
  /// The guild's player as the fake node sees it; none when the node has no such player.
  virtual std::optional<testing::player_view> node_player(guild_id guild) = 0;
  /// Ends the guild's current track now with reason `finished` (the fake node raises a track
  /// exception, then TrackEndEvent(finished), as Lavalink does for a track failing mid-play).
  virtual void finish_track(guild_id guild) = 0;
  /// Discord moves the bot to another voice channel of the guild (someone dragged it).
  virtual void drag_bot(guild_id guild, channel_id to) = 0;
  /// Discord disconnects the bot from voice (someone kicked it).
  virtual void kick_bot(guild_id guild) = 0;
  /// Turns the event loop(s) until `done()` holds or a generous limit passes; returns done().
  virtual bool run_until(const std::function<bool()>& done) = 0;
};

/// What an operation answered.
template <class R>
struct answer {
  error_code ec;
  R value{};
  diagnostics diag;
};
template <>
struct answer<void> {
  error_code ec;
  diagnostics diag;
};

/// Starts an operation with a callback and turns the loop until it completes. `start(diag, handler)`
/// must call one async_* member with exactly these two arguments.
template <class R, class Start>
answer<R> call(session_env& env, Start&& start) {
  auto out = std::make_shared<answer<R>>();
  auto done = std::make_shared<bool>(false);
  if constexpr (std::is_void_v<R>) {
    start(out->diag, [out, done](error_code ec) {
      out->ec = ec;
      *done = true;
    });
  } else {
    start(out->diag, [out, done](error_code ec, R value) {
      out->ec = ec;
      out->value = std::move(value);
      *done = true;
    });
  }
  REQUIRE(env.run_until([&] { return *done; }));
  return std::move(*out);
}

/// Records every event of a session (thread-safe: events run on the session's executor).
class event_log {
 public:
  explicit event_log(session& s);
  std::vector<session_event> events() const;
  /// The events of type E, in order.
  template <class E>
  std::vector<E> of() const {
    std::vector<E> r;
    for (auto& e : events())
      if (auto* p = std::get_if<E>(&e)) r.push_back(*p);
    return r;
  }
  template <class E>
  std::size_t count() const {
    return of<E>().size();
  }

 private:
  struct shared {
    mutable std::mutex mutex;
    std::vector<session_event> events;
  };
  std::shared_ptr<shared> shared_ = std::make_shared<shared>();
  session_subscription subscription_;
};

/// The identifier of the track the fake node plays for `guild`, or "" when none.
std::string node_identifier(session_env& env, guild_id guild);

/// The ids every case uses.
inline constexpr guild_id conformance_guild{4242};
inline constexpr channel_id conformance_channel{7007};
inline constexpr user_id alice{1001};
inline constexpr user_id bob{1002};

// Every case of the suite, as X(Env, tags, name). Adding a case: define `void name(session_env&)` in
// session_conformance.cpp and list it here.
#define HANABI_SESSION_CONFORMANCE_CASES(X, Env, tags)   \
  X(Env, tags, play_starts_an_idle_session)              \
  X(Env, tags, play_appends_without_restarting)          \
  X(Env, tags, play_honours_position_and_next)           \
  X(Env, tags, play_reports_no_matches_and_bad_position) \
  X(Env, tags, play_search_and_playlist)                 \
  X(Env, tags, skip_by_to_and_back)                      \
  X(Env, tags, pause_and_resume)                         \
  X(Env, tags, volume_absolute_relative_and_remembered)  \
  X(Env, tags, enqueue_modes_and_failures)              \
  X(Env, tags, advance_on_finish_and_restart_after_end)  \
  X(Env, tags, repeat_one_and_all)                       \
  X(Env, tags, item_start_and_end_times)                 \
  X(Env, tags, seek_absolute_relative_and_errors)        \
  X(Env, tags, stop_keeps_queue_and_voice)               \
  X(Env, tags, filters_and_presets)                      \
  X(Env, tags, shuffle_unshuffle_move_and_clear)         \
  X(Env, tags, dequeue_by_every_rule)                    \
  X(Env, tags, views_and_history)                        \
  X(Env, tags, state_changes_are_published)              \
  X(Env, tags, channel_move_follows_the_bot)             \
  X(Env, tags, kick_closes_the_session)                  \
  X(Env, tags, idle_sessions_are_reaped_unless_persistent) \
  X(Env, tags, paused_sessions_have_their_own_timeout)   \
  X(Env, tags, disconnect_closes_the_session)

namespace conformance {
#define HANABI_SESSION_CONFORMANCE_DECLARE(Env, tags, name) void name(session_env& env);
HANABI_SESSION_CONFORMANCE_CASES(HANABI_SESSION_CONFORMANCE_DECLARE, , )
#undef HANABI_SESSION_CONFORMANCE_DECLARE
}  // namespace conformance

#define HANABI_SESSION_CONFORMANCE_REGISTER(Env, tags, name) \
  TEST_CASE_METHOD(Env, #Env ": " #name, tags) { ::hanabi::test::conformance::name(*this); }

/// Registers every conformance case for the environment type `Env` (a default-constructible
/// hanabi::test::session_env), with the Catch tags `tags`.
#define HANABI_SESSION_CONFORMANCE(Env, tags) \
  HANABI_SESSION_CONFORMANCE_CASES(HANABI_SESSION_CONFORMANCE_REGISTER, Env, tags)

}  // namespace hanabi::test
