// Child bot processes: the parent starts them and keeps them running; a child leaves when its
// parent is gone for too long.
//
// The original parent started its children and never looked at them again: a crashed child was
// never noticed nor restarted, and an orphaned child played on forever with a dead upstream
// (seeds.md §2.5). Here:
//
//   - `supervisor` (parent side) spawns the configured child programs, watches each one (a pidfd,
//     so no global SIGCHLD handler is installed), restarts a crashed child after a backoff that
//     starts over once the child stayed up for `stable_after`, and on async_stop sends SIGTERM,
//     then SIGKILL to whoever is still alive after `stop_grace`.
//   - `parent_watchdog` (child side) fires `leave` once the link to the parent has been down for
//     `grace`, unless `keep_playing` is set; the child program then leaves voice and exits.
//   - Children started on other hosts are simply not configured here: they dial in to the parent's
//     remote::server like any other child.
//
//     hanabi::supervisor sup(ioc.get_executor(), {.children = {{"child-1", "hanabi-session-child", args}}});
//     sup.start();                          // spawns every child
//     co_await sup.async_stop(asio::use_awaitable);   // SIGTERM, SIGKILL after the grace
//
// Threading: each class runs on its own strand. Every member is thread-safe; callbacks run on
// that strand and must not block.
#pragma once

#include <hanabi/detail/backoff.hpp>
#include <hanabi/detail/config.hpp>
#include <hanabi/diagnostics.hpp>
#include <hanabi/logger.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hanabi {

namespace detail {
class supervisor_state;
class parent_watchdog_state;
}  // namespace detail

/// One child program the parent runs.
struct child_program {
  /// The child's name (its hello name, by convention), for logs, pid() and exit reports.
  std::string name;
  /// A path, or a file name looked up in PATH.
  std::string program;
  /// Arguments after the program name.
  std::vector<std::string> args{};
  /// "KEY=value" entries added to the parent's environment (same key: this value wins).
  std::vector<std::string> env{};
};

/// How a child process ended.
struct child_exit {
  std::string name;
  int pid = 0;
  /// The exit status, or -N when killed by signal N.
  int status = 0;
  /// True when the supervisor starts it again (false during async_stop).
  bool restarting = false;
  /// The wait before the restart.
  std::chrono::milliseconds restart_in{0};
};

struct supervisor_config {
  std::vector<child_program> children{};
  /// Waits between restarts of a child that keeps crashing.
  backoff_policy restart{.initial_delay = std::chrono::milliseconds{200},
                         .max_delay = std::chrono::milliseconds{10000},
                         .multiplier = 2.0,
                         .jitter = 0.2};
  /// A child that stayed up this long restarts from `restart.initial_delay` again.
  std::chrono::milliseconds stable_after{30000};
  /// async_stop waits this long after SIGTERM before SIGKILL.
  std::chrono::milliseconds stop_grace{3000};
  /// Called on the supervisor's strand each time a child process ends.
  std::function<void(const child_exit&)> on_exit{};
  logger log{};
};

class supervisor {
 public:
  HANABI_DECL supervisor(boost::asio::any_io_executor ex, supervisor_config config);
  /// Kills (SIGKILL) and reaps every child still running: no child outlives its supervisor
  /// unnoticed. Call async_stop first for a graceful stop.
  HANABI_DECL ~supervisor();
  supervisor(const supervisor&) = delete;
  supervisor& operator=(const supervisor&) = delete;

  /// Spawns every configured child. A program that cannot be spawned (missing, not executable)
  /// fails the call with its system error; the children spawned before it keep running and the
  /// failed one is retried with backoff. Call once.
  HANABI_DECL result<void> start();

  /**
   * Stops every child: SIGTERM, then SIGKILL after `stop_grace`; pending restarts are cancelled.
   * Completes with `void(error_code)` once every child has exited and been reaped. Later crashes
   * are not restarted. Idempotent.
   */
  template <class CompletionToken>
  auto async_stop(CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(error_code)>(
        [state = state_](auto handler) { start_stop(state, stop_handler(std::move(handler))); }, token);
  }

  /// The process id of a running child; empty while it is down (or unknown).
  HANABI_DECL std::optional<int> pid(std::string_view name) const;
  /// How many times the child was spawned (1 after start(), +1 per restart).
  HANABI_DECL std::uint64_t spawns(std::string_view name) const;

 private:
  using stop_handler = boost::asio::any_completion_handler<void(error_code)>;
  HANABI_DECL static void start_stop(const std::shared_ptr<detail::supervisor_state>& state, stop_handler h);

  std::shared_ptr<detail::supervisor_state> state_;
};

/// What a child does when its parent is gone.
struct orphan_policy {
  /// How long the link to the parent may stay down (including before the first registration).
  std::chrono::milliseconds grace{30000};
  /// Keep playing without a parent: `leave` never fires.
  bool keep_playing = false;
};

namespace detail {

/// The pure rule behind parent_watchdog: the time after which an orphaned child leaves.
class orphan_clock {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  /// The child starts orphaned at `now`: the parent has not been reached yet.
  orphan_clock(orphan_policy policy, time_point now) : policy_(policy), down_since_(now) {}

  /// The link came up: no deadline.
  void parent_up() noexcept { down_since_.reset(); }
  /// The link went down at `now`; a second call while down keeps the first time.
  void parent_down(time_point now) noexcept {
    if (!down_since_) down_since_ = now;
  }
  /// When the child must leave; empty while the parent is up or with keep_playing.
  std::optional<time_point> deadline() const noexcept {
    if (policy_.keep_playing || !down_since_) return std::nullopt;
    return *down_since_ + policy_.grace;
  }
  bool must_leave(time_point now) const noexcept {
    auto d = deadline();
    return d && now >= *d;
  }

 private:
  orphan_policy policy_;
  std::optional<time_point> down_since_;
};

}  // namespace detail

/// The child side of supervision: call parent_up/parent_down from the control client's
/// on_up/on_down; `leave` runs once, on the watchdog's strand, when the parent stayed away for
/// `grace`. The child starts orphaned, so a parent that never answers also ends it.
class parent_watchdog {
 public:
  HANABI_DECL parent_watchdog(boost::asio::any_io_executor ex, orphan_policy policy, std::function<void()> leave);
  /// Cancels the timer; `leave` does not run afterwards.
  HANABI_DECL ~parent_watchdog();
  parent_watchdog(const parent_watchdog&) = delete;
  parent_watchdog& operator=(const parent_watchdog&) = delete;

  HANABI_DECL void parent_up();
  HANABI_DECL void parent_down();

 private:
  std::shared_ptr<detail::parent_watchdog_state> state_;
};

}  // namespace hanabi

#ifdef HANABI_HEADER_ONLY
#  include <hanabi/impl/supervisor.ipp>
#endif
