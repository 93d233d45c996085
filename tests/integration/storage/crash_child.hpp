// Test helper of the kill -9 tests: runs a hidden test case of this binary as
// a child process, reads the "WORD N" lines it writes to its stdout, kills it
// with SIGKILL once it reported `ack` `until` times, and returns the last
// number it reported for each word (lines still in the pipe included).
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <csignal>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

namespace hanabi::test {

struct crash_report {
  std::map<std::string, std::uint64_t> last;  ///< The last number reported with each word.
  bool killed = false;                        ///< The child died of the SIGKILL, not of itself.
};

inline crash_report run_crash_child(const char* test_name, const std::vector<std::pair<const char*, std::string>>& env,
                                    std::uint64_t until) {
  int out[2];
  REQUIRE(::pipe(out) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(out[1], 1);
    ::close(out[0]);
    ::close(out[1]);
    for (const auto& [name, value] : env) ::setenv(name, value.c_str(), 1);
    ::execl("/proc/self/exe", "hanabi_integration_storage", test_name, "-o", "/dev/null", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out[1]);
  crash_report report;
  std::string pending;
  char buffer[4096];
  auto parse = [&](bool until_killed) {
    while (true) {
      // A hang guard, not a speed check: a child silent for a minute is stuck.
      pollfd ready{out[0], POLLIN, 0};
      if (::poll(&ready, 1, 60'000) != 1) return;
      const auto n = ::read(out[0], buffer, sizeof buffer);
      if (n <= 0) return;
      pending.append(buffer, static_cast<std::size_t>(n));
      std::size_t eol;
      while ((eol = pending.find('\n')) != std::string::npos) {
        std::istringstream line(pending.substr(0, eol));
        pending.erase(0, eol + 1);
        std::string what;
        std::uint64_t v = 0;
        line >> what >> v;
        report.last[what] = v;
      }
      if (until_killed && report.last["ack"] >= until) return;
    }
  };
  parse(true);
  REQUIRE(::kill(pid, SIGKILL) == 0);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  report.killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
  parse(false);  // what it reported before dying is still in the pipe
  ::close(out[0]);
  REQUIRE(report.last["ack"] >= until);  // the child got that far before it was killed
  return report;
}

/// Writes "WORD N\n" to stdout in one write(2), so a SIGKILL never cuts a line.
inline void say(const char* word, std::uint64_t n) {
  char line[64];
  const int length = std::snprintf(line, sizeof line, "%s %llu\n", word, static_cast<unsigned long long>(n));
  REQUIRE(::write(1, line, static_cast<std::size_t>(length)) == length);
}

}  // namespace hanabi::test
