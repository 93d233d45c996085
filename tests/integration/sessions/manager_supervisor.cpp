// The supervisor with real processes: children that register with a real parent server, a kill -9
// restarted and re-registered, backoff on a crash loop, SIGKILL after the stop grace.
#include "manager_support.hpp"

#include <hanabi/remote/server.hpp>
#include <hanabi/session/supervisor.hpp>

#include <boost/asio/use_future.hpp>

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <vector>

namespace asio = boost::asio;
using namespace hanabi;
using namespace hanabi::test;

namespace {

child_program echo_child(const std::string& name, unsigned short port) {
  return {name, built_program("tools/remote-echo-child/hanabi_remote_echo_child"),
          {"--port", std::to_string(port), "--token", child_token, "--name", name}};
}

backoff_policy fixed_growth(std::chrono::milliseconds initial, std::chrono::milliseconds max) {
  return {.initial_delay = initial, .max_delay = max, .multiplier = 2.0, .jitter = 0.0};
}

// Which process registered under which name (the echo child announces its pid on every registration).
struct registrations {
  shared_log<std::pair<std::string, int>> seen;
  remote::link_handlers handlers() {
    remote::link_handlers h;
    h.on_event = [this](remote::link, const remote::event& e) {
      if (e.op == "child_ready") seen.add({e.payload.value("name", ""), e.payload.value("pid", 0)});
    };
    return h;
  }
  bool registered(const std::string& name, int pid) const {
    for (auto& [n, p] : seen.items())
      if (n == name && p == pid) return true;
    return false;
  }
};

}  // namespace

TEST_CASE("supervisor: its children register, and a kill -9 is reported, restarted and re-registers",
          "[sessions][manager][supervisor]") {
  REQUIRE(std::filesystem::exists(built_program("tools/remote-echo-child/hanabi_remote_echo_child")));
  io_thread io;
  registrations parent_saw;
  remote::server parent(io.ioc.get_executor(), parent_link_config(), parent_saw.handlers());
  auto ep = parent.listen().value();

  shared_log<child_exit> exits;
  supervisor_config cfg;
  cfg.children = {echo_child("child-1", ep.port()), echo_child("child-2", ep.port())};
  cfg.restart = fixed_growth(50ms, 1000ms);
  cfg.on_exit = [&](const child_exit& e) { exits.add(e); };
  cfg.log = logger::none();
  supervisor sup(io.ioc.get_executor(), cfg);
  REQUIRE(sup.start());

  REQUIRE(eventually([&] { return sup.pid("child-1") && sup.pid("child-2"); }));
  const int first = *sup.pid("child-1");
  REQUIRE(eventually([&] { return parent_saw.registered("child-1", first); }));
  REQUIRE(eventually([&] { return parent_saw.registered("child-2", *sup.pid("child-2")); }));

  ::kill(first, SIGKILL);
  REQUIRE(eventually([&] { return exits.size() == 1; }));
  auto crash = exits.items().front();
  CHECK(crash.name == "child-1");
  CHECK(crash.pid == first);
  CHECK(crash.status == -SIGKILL);
  CHECK(crash.restarting);
  CHECK(crash.restart_in == 50ms);

  REQUIRE(eventually([&] { return sup.spawns("child-1") == 2 && sup.pid("child-1"); }));
  const int second = *sup.pid("child-1");
  CHECK(second != first);
  REQUIRE(eventually([&] { return parent_saw.registered("child-1", second); }));
  CHECK(sup.spawns("child-2") == 1);

  sup.async_stop(asio::use_future).get();
  CHECK_FALSE(sup.pid("child-1"));
  CHECK_FALSE(sup.pid("child-2"));
  auto all = exits.items();
  REQUIRE(all.size() == 3);
  for (std::size_t i = 1; i < all.size(); ++i) {
    CHECK(all[i].status == 0);  // the echo child exits cleanly on SIGTERM
    CHECK_FALSE(all[i].restarting);
  }
}

TEST_CASE("supervisor: a crash loop backs off, and a child that stayed up starts over", "[sessions][manager][supervisor]") {
  io_thread io;
  shared_log<child_exit> exits;
  supervisor_config cfg;
  cfg.children = {{"crasher", "/bin/sh", {"-c", "exit $CRASH_CODE"}, {"CRASH_CODE=7"}}};
  cfg.restart = fixed_growth(10ms, 40ms);
  cfg.on_exit = [&](const child_exit& e) { exits.add(e); };
  cfg.log = logger::none();

  SECTION("backoff grows to its maximum") {
    cfg.stable_after = std::chrono::hours{1};
    supervisor sup(io.ioc.get_executor(), cfg);
    REQUIRE(sup.start());
    REQUIRE(eventually([&] { return exits.size() >= 5; }));
    sup.async_stop(asio::use_future).get();
    auto all = exits.items();
    std::vector<std::chrono::milliseconds> delays;
    for (std::size_t i = 0; i < 5; ++i) {
      CHECK(all[i].status == 7);  // the environment override reached the child
      delays.push_back(all[i].restart_in);
    }
    CHECK(delays == std::vector<std::chrono::milliseconds>{10ms, 20ms, 40ms, 40ms, 40ms});
    CHECK(sup.spawns("crasher") >= 5);
  }
  SECTION("a child up for stable_after restarts after the initial delay again") {
    cfg.stable_after = 0ms;
    supervisor sup(io.ioc.get_executor(), cfg);
    REQUIRE(sup.start());
    REQUIRE(eventually([&] { return exits.size() >= 3; }));
    sup.async_stop(asio::use_future).get();
    for (auto& e : exits.items())
      if (e.restarting) CHECK(e.restart_in == 10ms);
  }
}

TEST_CASE("supervisor: a child ignoring SIGTERM is killed after the grace", "[sessions][manager][supervisor]") {
  io_thread io;
  auto marker = std::filesystem::temp_directory_path() / ("hanabi-stubborn-" + std::to_string(::getpid()));
  std::filesystem::remove(marker);
  shared_log<child_exit> exits;
  supervisor_config cfg;
  cfg.children = {{"stubborn", "/bin/sh", {"-c", "trap '' TERM; touch \"$MARKER\"; exec sleep 60"},
                   {"MARKER=" + marker.string()}}};
  cfg.stop_grace = 100ms;
  cfg.on_exit = [&](const child_exit& e) { exits.add(e); };
  cfg.log = logger::none();
  supervisor sup(io.ioc.get_executor(), cfg);
  REQUIRE(sup.start());
  REQUIRE(eventually([&] { return std::filesystem::exists(marker); }));  // SIGTERM is ignored from here on

  sup.async_stop(asio::use_future).get();
  std::filesystem::remove(marker);
  REQUIRE(exits.size() == 1);
  CHECK(exits.items()[0].status == -SIGKILL);
  CHECK_FALSE(exits.items()[0].restarting);
}

TEST_CASE("supervisor: a child inherits none of the parent's descriptors but the standard three",
          "[sessions][manager][supervisor]") {
  io_thread io;
  const auto listing = std::filesystem::temp_directory_path() / ("hanabi-fds-" + std::to_string(::getpid()));
  std::filesystem::remove(listing);
  // A socket as Asio opens one (not close-on-exec), at a number no shell uses for itself.
  const int opened = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(opened > 2);
  const int inheritable = ::fcntl(opened, F_DUPFD, 100);
  ::close(opened);
  REQUIRE(inheritable >= 100);
  supervisor_config cfg;
  cfg.children = {{"lister", "/bin/sh", {"-c", "ls /proc/$$/fd > \"$LISTING.tmp\"; mv \"$LISTING.tmp\" \"$LISTING\"; exec sleep 60"},
                   {"LISTING=" + listing.string()}}};
  cfg.log = logger::none();
  supervisor sup(io.ioc.get_executor(), cfg);
  REQUIRE(sup.start());
  REQUIRE(eventually([&] { return std::filesystem::exists(listing); }));
  sup.async_stop(asio::use_future).get();
  ::close(inheritable);
  std::ifstream in(listing);
  std::vector<int> fds;
  for (int fd; in >> fd;) fds.push_back(fd);
  std::filesystem::remove(listing);
  INFO("the child's descriptors: " << Catch::Detail::stringify(fds));
  REQUIRE(fds.size() >= 3);  // the listing was read
  CHECK(std::find(fds.begin(), fds.end(), inheritable) == fds.end());
}

TEST_CASE("supervisor: a program that does not exist fails start with its system error", "[sessions][manager][supervisor]") {
  io_thread io;
  supervisor_config cfg;
  cfg.children = {{"ghost", "/nonexistent/hanabi-child"}};
  cfg.log = logger::none();
  supervisor sup(io.ioc.get_executor(), cfg);
  auto r = sup.start();
  REQUIRE_FALSE(r);
  CHECK(r.error().code == std::errc::no_such_file_or_directory);
  CHECK(sup.spawns("ghost") == 0);
  sup.async_stop(asio::use_future).get();  // nothing runs: completes at once
  CHECK_FALSE(sup.pid("ghost"));
}
