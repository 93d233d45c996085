// A logger passed as a value in each component's config, never a global.
// The default writes "[prefix] level: message" to stderr at level `info` and up.
//
//     hanabi::logger log{hanabi::log_level::debug, [](auto lvl, auto msg) { ... }};
//     log.warn("dropped frame: {}", reason);
#pragma once

#include <fmt/format.h>

#include <cstdio>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

namespace hanabi {

enum class log_level { trace, debug, info, warn, error, off };

inline std::string_view to_string(log_level l) noexcept {
  switch (l) {
    case log_level::trace: return "trace";
    case log_level::debug: return "debug";
    case log_level::info: return "info";
    case log_level::warn: return "warn";
    case log_level::error: return "error";
    case log_level::off: return "off";
  }
  return "?";
}

class logger {
 public:
  using sink_type = std::function<void(log_level, std::string_view)>;

  /// Logs to stderr at `info` and above.
  logger() = default;
  explicit logger(log_level min, sink_type sink = {}, std::string prefix = {})
      : min_(min), sink_(std::move(sink)), prefix_(std::move(prefix)) {}

  /// A logger that drops everything.
  static logger none() { return logger{log_level::off}; }

  /// The same sink and level with "prefix" prepended to every message (e.g. the node name).
  logger with_prefix(std::string prefix) const {
    logger l = *this;
    l.prefix_ = prefix_.empty() ? std::move(prefix) : prefix_ + "/" + prefix;
    return l;
  }

  bool enabled(log_level l) const noexcept { return l >= min_ && min_ != log_level::off; }
  log_level level() const noexcept { return min_; }

  template <class... Args>
  void log(log_level l, fmt::format_string<Args...> f, Args&&... args) const {
    if (!enabled(l)) return;
    write(l, fmt::format(f, std::forward<Args>(args)...));
  }
  template <class... Args> void trace(fmt::format_string<Args...> f, Args&&... a) const { log(log_level::trace, f, std::forward<Args>(a)...); }
  template <class... Args> void debug(fmt::format_string<Args...> f, Args&&... a) const { log(log_level::debug, f, std::forward<Args>(a)...); }
  template <class... Args> void info(fmt::format_string<Args...> f, Args&&... a) const { log(log_level::info, f, std::forward<Args>(a)...); }
  template <class... Args> void warn(fmt::format_string<Args...> f, Args&&... a) const { log(log_level::warn, f, std::forward<Args>(a)...); }
  template <class... Args> void error(fmt::format_string<Args...> f, Args&&... a) const { log(log_level::error, f, std::forward<Args>(a)...); }

 private:
  void write(log_level l, std::string_view msg) const {
    std::string line = prefix_.empty() ? std::string(msg) : fmt::format("[{}] {}", prefix_, msg);
    if (sink_) return sink_(l, line);
    fmt::print(stderr, "{}: {}\n", to_string(l), line);
  }

  log_level min_ = log_level::info;
  sink_type sink_;
  std::string prefix_;
};

}  // namespace hanabi
