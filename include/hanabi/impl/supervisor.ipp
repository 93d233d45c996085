// Child process supervision (see session/supervisor.hpp).
#pragma once

#include <hanabi/detail/post_completion.hpp>
#include <hanabi/session/supervisor.hpp>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>

extern char** environ;

namespace hanabi::detail {

namespace asio = boost::asio;

/// The environment of a child: the parent's, with `overrides` ("KEY=value") replacing or adding keys.
inline std::vector<std::string> child_environment(const std::vector<std::string>& overrides) {
  auto key_of = [](std::string_view entry) { return entry.substr(0, entry.find('=')); };
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    bool replaced = false;
    for (auto& o : overrides) replaced = replaced || key_of(o) == key_of(entry);
    if (!replaced) env.emplace_back(entry);
  }
  env.insert(env.end(), overrides.begin(), overrides.end());
  return env;
}

inline std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

/// Starts `p` with an empty signal mask (the caller's threads may block signals) and none of the
/// caller's descriptors but 0, 1 and 2: sockets are not opened close-on-exec (Asio's are not), so a
/// child would keep the parent's connections alive after the parent dies (a Lavalink WebSocket its
/// node never sees close, so a restarted parent cannot resume that session). Its pid, or the error.
inline boost::system::result<pid_t> spawn_program(const child_program& p) {
  std::vector<std::string> args{p.program};
  args.insert(args.end(), p.args.begin(), p.args.end());
  auto env = child_environment(p.env);
  auto argv = c_strings(args);
  auto envp = c_strings(env);

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addclosefrom_np(&files, 3);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, p.program.c_str(), &files, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&files);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return error_code(rc, boost::system::system_category());
  return pid;
}

class supervisor_state : public std::enable_shared_from_this<supervisor_state> {
 public:
  using strand_type = asio::strand<asio::any_io_executor>;
  using stop_handler = asio::any_completion_handler<void(error_code)>;

  supervisor_state(asio::any_io_executor ex, supervisor_config config)
      : strand_(asio::make_strand(ex)), grace_(strand_), config_(std::move(config)) {
    for (auto& p : config_.children) children_.push_back(std::make_unique<child>(p, config_.restart, strand_));
  }

  result<void> start() {
    error_code first_error;
    for (auto& c : children_) {
      auto ec = spawn(*c);
      if (ec && !first_error) first_error = ec;
    }
    asio::post(strand_, [self = shared_from_this()] {
      for (auto& c : self->children_) {
        if (c->watch) self->watch(*c);
        else self->restart_later(*c);
      }
    });
    if (first_error)
      return failure{first_error, diagnostics{fmt::format("a child program could not be started: {}",
                                                          first_error.message())}};
    return {};
  }

  void stop(stop_handler h) {
    asio::post(strand_, [self = shared_from_this(), h = std::move(h)]() mutable {
      self->stop_waiters_.push_back(std::move(h));
      self->begin_stop();
    });
  }

  /// The destructor's last resort: SIGKILL and reap whatever still runs, synchronously.
  void kill_now() {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    for (auto& c : children_) {
      if (c->pid <= 0) continue;
      ::kill(c->pid, SIGKILL);
      ::waitpid(c->pid, nullptr, 0);
      c->pid = -1;
    }
  }

  std::optional<int> pid(std::string_view name) const {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& c : children_)
      if (c->spec.name == name && c->pid > 0) return c->pid;
    return std::nullopt;
  }

  std::uint64_t spawns(std::string_view name) const {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& c : children_)
      if (c->spec.name == name) return c->spawns;
    return 0;
  }

 private:
  struct child {
    child(const child_program& p, const backoff_policy& policy, const strand_type& strand)
        : spec(p), delays(policy), restart_timer(strand) {}
    child_program spec;
    backoff delays;
    asio::steady_timer restart_timer;
    std::unique_ptr<asio::posix::stream_descriptor> watch;  // the pidfd while the process runs
    std::chrono::steady_clock::time_point started_at{};
    int pid = -1;  // guarded by mutex_ (read by pid() on any thread)
    std::uint64_t spawns = 0;
  };

  /// Spawns `c` and opens its pidfd; on failure `c` stays down.
  error_code spawn(child& c) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return asio::error::operation_aborted;
    auto pid = spawn_program(c.spec);
    if (!pid) {
      config_.log.error("cannot start child {} ({}): {}", c.spec.name, c.spec.program, pid.error().message());
      return pid.error();
    }
    // The raw syscall: not every libc declares pidfd_open (Linux 5.3+).
    int fd = static_cast<int>(::syscall(SYS_pidfd_open, *pid, 0));
    if (fd < 0) {
      error_code ec(errno, boost::system::system_category());
      ::kill(*pid, SIGKILL);
      ::waitpid(*pid, nullptr, 0);
      config_.log.error("cannot watch child {}: {}", c.spec.name, ec.message());
      return ec;
    }
    c.pid = *pid;
    ++c.spawns;
    c.started_at = std::chrono::steady_clock::now();
    c.watch = std::make_unique<asio::posix::stream_descriptor>(strand_, fd);
    config_.log.info("child {} started (pid {})", c.spec.name, c.pid);
    return {};
  }

  // A pidfd becomes readable when its process exits.
  void watch(child& c) {
    c.watch->async_wait(asio::posix::stream_descriptor::wait_read,
                        [self = shared_from_this(), &c](error_code ec) {
                          if (ec != asio::error::operation_aborted) self->on_exit(c);
                        });
  }

  void on_exit(child& c) {
    int status = 0;
    int pid = 0;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      pid = c.pid;
      if (pid > 0 && ::waitpid(pid, &status, 0) == pid)
        status = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
      c.pid = -1;
    }
    c.watch.reset();
    child_exit report{c.spec.name, pid, status, false, std::chrono::milliseconds{0}};
    if (!stopping()) {
      if (std::chrono::steady_clock::now() - c.started_at >= config_.stable_after) c.delays.reset();
      report.restarting = true;
      report.restart_in = restart_later(c);
    }
    config_.log.warn("child {} (pid {}) exited with status {}", c.spec.name, pid, status);
    if (config_.on_exit) config_.on_exit(report);
    if (stopping()) finish_stop_if_done();
  }

  std::chrono::milliseconds restart_later(child& c) {
    auto delay = c.delays.next();
    c.restart_timer.expires_after(delay);
    c.restart_timer.async_wait([self = shared_from_this(), &c](error_code ec) {
      if (ec || self->stopping()) return;
      if (self->spawn(c)) self->restart_later(c);
      else self->watch(c);
    });
    return delay;
  }

  void begin_stop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
      for (auto& c : children_)
        if (c->pid > 0) ::kill(c->pid, SIGTERM);
    }
    for (auto& c : children_) c->restart_timer.cancel();
    grace_.expires_after(config_.stop_grace);
    grace_.async_wait([self = shared_from_this()](error_code ec) {
      if (!ec) self->kill_survivors();
    });
    finish_stop_if_done();
  }

  void kill_survivors() {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& c : children_)
      if (c->pid > 0) ::kill(c->pid, SIGKILL);
  }

  void finish_stop_if_done() {
    for (auto& c : children_)
      if (c->watch) return;
    grace_.cancel();
    for (auto& h : std::exchange(stop_waiters_, {})) post_completion(std::move(h), strand_, error_code{});
  }

  bool stopping() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return stopping_;
  }

  strand_type strand_;
  asio::steady_timer grace_;
  supervisor_config config_;
  std::vector<std::unique_ptr<child>> children_;
  std::vector<stop_handler> stop_waiters_;
  mutable std::mutex mutex_;  // guards pids, spawn counts and stopping_; never held across a wait
  bool stopping_ = false;
};

class parent_watchdog_state : public std::enable_shared_from_this<parent_watchdog_state> {
 public:
  parent_watchdog_state(asio::any_io_executor ex, orphan_policy policy, std::function<void()> leave)
      : strand_(asio::make_strand(ex)),
        timer_(strand_),
        clock_(policy, std::chrono::steady_clock::now()),
        leave_(std::move(leave)) {}

  void parent_up() {
    asio::dispatch(strand_, [self = shared_from_this()] {
      self->clock_.parent_up();
      self->timer_.cancel();
    });
  }

  void parent_down() {
    asio::dispatch(strand_, [self = shared_from_this()] {
      self->clock_.parent_down(std::chrono::steady_clock::now());
      self->arm();
    });
  }

  void arm() {
    auto deadline = clock_.deadline();
    if (!deadline) return;
    timer_.expires_at(*deadline);
    timer_.async_wait([self = shared_from_this()](error_code ec) {
      if (ec || self->cancelled_ || self->left_) return;
      if (!self->clock_.must_leave(std::chrono::steady_clock::now())) return;
      self->left_ = true;
      self->leave_();
    });
  }

  void cancel() {
    cancelled_ = true;
    asio::dispatch(strand_, [self = shared_from_this()] { self->timer_.cancel(); });
  }

 private:
  asio::strand<asio::any_io_executor> strand_;
  asio::steady_timer timer_;
  orphan_clock clock_;
  std::function<void()> leave_;
  std::atomic<bool> cancelled_{false};
  bool left_ = false;
};

}  // namespace hanabi::detail

namespace hanabi {

HANABI_DECL supervisor::supervisor(boost::asio::any_io_executor ex, supervisor_config config)
    : state_(std::make_shared<detail::supervisor_state>(std::move(ex), std::move(config))) {}

HANABI_DECL supervisor::~supervisor() { state_->kill_now(); }

HANABI_DECL result<void> supervisor::start() { return state_->start(); }

HANABI_DECL void supervisor::start_stop(const std::shared_ptr<detail::supervisor_state>& state, stop_handler h) {
  state->stop(std::move(h));
}

HANABI_DECL std::optional<int> supervisor::pid(std::string_view name) const { return state_->pid(name); }

HANABI_DECL std::uint64_t supervisor::spawns(std::string_view name) const { return state_->spawns(name); }

HANABI_DECL parent_watchdog::parent_watchdog(boost::asio::any_io_executor ex, orphan_policy policy,
                                             std::function<void()> leave)
    : state_(std::make_shared<detail::parent_watchdog_state>(std::move(ex), policy, std::move(leave))) {
  // The child starts orphaned: arm the deadline of a parent that never answers.
  state_->parent_down();
}

HANABI_DECL parent_watchdog::~parent_watchdog() { state_->cancel(); }

HANABI_DECL void parent_watchdog::parent_up() { state_->parent_up(); }

HANABI_DECL void parent_watchdog::parent_down() { state_->parent_down(); }

}  // namespace hanabi
