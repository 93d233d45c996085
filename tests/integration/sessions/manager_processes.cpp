// The manager and the supervisor with real child processes on 127.0.0.1. The child process is
// this test program running the hidden test case "manager child process": a scripted_child (the
// manager's session ops, as scripted in manager_support.hpp) with a parent_watchdog. It stands in
// for hanabi-session-child, whose sessions the conformance suite covers; these tests are about
// processes: crashes, hangs, restarts of either side. No assertion is about elapsed time.
#include "manager_support.hpp"

#include <hanabi/session/session_manager.hpp>
#include <hanabi/session/supervisor.hpp>

#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_future.hpp>

#include <catch2/catch.hpp>

#include <signal.h>

#include <cstdlib>
#include <filesystem>
#include <future>

namespace asio = boost::asio;
using namespace hanabi;
using namespace hanabi::test;

namespace {

const std::string self_program = std::filesystem::read_symlink("/proc/self/exe").string();

// A child process: this program, running only the hidden child test case.
child_program child_process(const std::string& name, unsigned short port, std::chrono::milliseconds grace = 60s) {
  return {name,
          self_program,
          {"manager child process", "--out", "/dev/null"},
          {"HANABI_CHILD_PORT=" + std::to_string(port), "HANABI_CHILD_NAME=" + name,
           "HANABI_CHILD_GRACE_MS=" + std::to_string(grace.count())}};
}

// Proxies that only know where they are: the processes, not the sessions, are under test here.
remote_session_hooks recorded_hooks(asio::any_io_executor ex) {
  remote_session_hooks h;
  h.make = [ex](remote::link, session_address where, std::string bot) {
    return std::make_shared<recorded_session>(ex, where, std::move(bot), true);
  };
  return h;
}

struct parent {
  io_thread& io;
  shared_log<manager_event> events;
  std::unique_ptr<session_manager> manager;
  unsigned short port = 0;

  parent(io_thread& io, remote::server_config link = parent_link_config(), unsigned short fixed_port = 0) : io(io) {
    session_manager_config cfg;
    cfg.children = {"child-1", "child-2"};
    cfg.server = std::move(link);
    cfg.server.port = fixed_port;
    cfg.on_event = [this](const manager_event& e) { events.add(e); };
    cfg.log = logger::none();
    manager = std::make_unique<session_manager>(io.ioc.get_executor(), cfg, recorded_local(io.ioc.get_executor()),
                                                recorded_hooks(io.ioc.get_executor()));
    // A restarted parent binds its predecessor's port, which is released asynchronously: retry.
    REQUIRE(eventually([&] {
      auto ep = manager->listen();
      if (ep) port = ep->port();
      return ep.has_value();
    }));
  }

  std::pair<error_code, std::shared_ptr<session>> get(session_address where) {
    diagnostics diag;
    return manager
        ->async_get_or_create(where, {user_id{1}, {}}, diag,
                              asio::use_future([](error_code ec, std::shared_ptr<session> s) {
                                return std::make_pair(ec, std::move(s));
                              }))
        .get();
  }

  std::string bot_at(std::uint64_t voice) {
    auto s = manager->find(channel_id{voice});
    return s ? s->bot() : "";
  }

  template <class E>
  std::vector<E> events_of() {
    return alternatives_of<E>(events);
  }

  bool has_children(std::size_t n) {
    return eventually([&] { return manager->children().size() == n; });
  }
};

supervisor_config two_children(unsigned short port, shared_log<child_exit>& exits,
                               std::chrono::milliseconds grace = 60s) {
  supervisor_config cfg;
  cfg.children = {child_process("child-1", port, grace), child_process("child-2", port, grace)};
  cfg.restart.initial_delay = 50ms;
  cfg.restart.jitter = 0;
  cfg.stop_grace = 5s;
  cfg.on_exit = [&exits](const child_exit& e) { exits.add(e); };
  cfg.log = logger::none();
  return cfg;
}


// A parent with both children running as processes and registered.
struct two_child_processes {
  explicit two_child_processes(remote::server_config link = parent_link_config()) : p(io, std::move(link)) {
    REQUIRE(sup.start());
    REQUIRE(p.has_children(2));
  }
  ~two_child_processes() { sup.async_stop(asio::use_future).get(); }

  io_thread io;
  parent p;
  shared_log<child_exit> exits;
  supervisor sup{io.ioc.get_executor(), two_children(p.port, exits)};
};

}  // namespace

// The child process's body; hidden, and a no-op unless started as a child.
TEST_CASE("manager child process", "[.manager-child]") {
  const char* port = std::getenv("HANABI_CHILD_PORT");
  const char* name = std::getenv("HANABI_CHILD_NAME");
  const char* grace = std::getenv("HANABI_CHILD_GRACE_MS");
  if (!port || !name || !grace) return;
  asio::io_context ioc;
  // Leaving voice is ending the process here: its sessions end with it.
  parent_watchdog watchdog(ioc.get_executor(), {.grace = std::chrono::milliseconds(std::atoi(grace))},
                           [&ioc] { ioc.stop(); });
  scripted_child child(ioc, static_cast<unsigned short>(std::atoi(port)), name, {}, child_token,
                       {[&] { watchdog.parent_up(); }, [&] { watchdog.parent_down(); }});
  asio::signal_set signals(ioc, SIGTERM);
  signals.async_wait([&](error_code, int) { ioc.stop(); });
  ioc.run();
}

TEST_CASE_METHOD(two_child_processes, "processes: parent plus two children, one guild, three channels, and the fourth is all busy",
          "[sessions][manager][processes]") {

  CHECK(p.get(at(1)).second->bot() == "parent");
  CHECK(p.get(at(2)).second->bot() == "child-1");
  CHECK(p.get(at(3)).second->bot() == "child-2");
  auto fourth = p.get(at(4));
  CHECK(fourth.first == error::all_bots_busy);
  CHECK(p.manager->sessions().size() == 3);

  SECTION("a child ending its own session reaches the parent") {
    auto l = p.manager->server().find("child-2");
    auto ended = l.async_request("end", {{"guild", test_guild.str()}, {"voice", "3"}}, 10s,
                                 asio::use_future([](error_code ec, nlohmann::json) { return ec; }));
    REQUIRE_FALSE(ended.get());
    REQUIRE(eventually([&] { return p.manager->find(channel_id{3}) == nullptr; }));
    auto removed = p.events_of<manager_events::session_removed>();
    REQUIRE(removed.size() == 1);
    CHECK(removed[0].bot == "child-2");
    CHECK(removed[0].reason == close_reason::inactivity);
    // child-2 is free again: the fourth channel now lands there.
    CHECK(p.get(at(4)).second->bot() == "child-2");
  }
}

TEST_CASE_METHOD(two_child_processes, "processes: kill -9 of a child reports its sessions lost, and it is respawned and re-registers",
          "[sessions][manager][processes]") {
  REQUIRE(p.get(at(1)).second->bot() == "parent");
  REQUIRE(p.get(at(2)).second->bot() == "child-1");
  const int first = *sup.pid("child-1");

  ::kill(first, SIGKILL);
  REQUIRE(eventually([&] { return p.manager->find(channel_id{2}) == nullptr; }));
  auto removed = p.events_of<manager_events::session_removed>();
  REQUIRE(removed.size() == 1);
  CHECK(removed[0].address == at(2));
  CHECK(removed[0].reason == close_reason::child_lost);

  REQUIRE(eventually([&] { return exits.size() == 1 && sup.spawns("child-1") == 2; }));
  CHECK(exits.items()[0].status == -SIGKILL);
  REQUIRE(eventually([&] { return p.events_of<manager_events::child_up>().size() == 3; }));
  CHECK(*sup.pid("child-1") != first);
  // The new process holds nothing, so it takes the guild's next session.
  CHECK(p.get(at(5)).second->bot() == "child-1");
}

TEST_CASE("processes: a hung child delays nobody else, is evicted, and is re-adopted when it resumes",
          "[sessions][manager][processes]") {
  // Eviction after 4 silent intervals of 500 ms: long enough for the other requests below even on a
  // loaded machine, short enough to keep the test quick.
  two_child_processes f(parent_link_config(500ms, 4));
  auto& p = f.p;
  auto& sup = f.sup;
  REQUIRE(p.get(at(1)).second->bot() == "parent");
  REQUIRE(p.get(at(2)).second->bot() == "child-1");
  REQUIRE(p.get(at(3)).second->bot() == "child-2");

  const int hung = *sup.pid("child-1");
  ::kill(hung, SIGSTOP);
  auto to_hung = p.manager->server().find("child-1").async_request(
      "sessions", nlohmann::json::object(), 60s, asio::use_future([](error_code ec, nlohmann::json) { return ec; }));
  auto to_other = p.manager->server().find("child-2").async_request(
      "sessions", nlohmann::json::object(), 60s, asio::use_future([](error_code, nlohmann::json r) { return r; }));
  auto other_guild = p.get(at(10, guild_id{200}));

  // Both completed while the request to the hung child is still waiting.
  CHECK(to_other.get()["sessions"].size() == 1);
  CHECK(other_guild.second->bot() == "parent");
  CHECK(to_hung.wait_for(0s) == std::future_status::timeout);

  // Evicted: the pending request fails and its session is reported lost.
  CHECK(to_hung.get() == error::child_lost);
  REQUIRE(eventually([&] { return p.manager->find(channel_id{2}) == nullptr; }));
  auto downs = p.events_of<manager_events::child_down>();
  REQUIRE(downs.size() == 1);
  CHECK(downs[0].why == error::peer_unresponsive);
  CHECK(p.events_of<manager_events::session_removed>().back().reason == close_reason::child_lost);

  // It resumes, reconnects and still holds channel 2: the manager adopts it again.
  ::kill(hung, SIGCONT);
  REQUIRE(eventually([&] { return p.bot_at(2) == "child-1"; }));
  CHECK(p.events_of<manager_events::session_added>().back().adopted);
  CHECK(f.exits.size() == 0);  // it never died
}

TEST_CASE("processes: a restarted parent adopts the sessions its children kept playing",
          "[sessions][manager][processes]") {
  io_thread io;
  auto first = std::make_unique<parent>(io);
  const auto port = first->port;
  shared_log<child_exit> exits;
  supervisor sup(io.ioc.get_executor(), two_children(port, exits));
  REQUIRE(sup.start());
  REQUIRE(first->has_children(2));
  REQUIRE(first->get(at(1)).second->bot() == "parent");
  REQUIRE(first->get(at(2)).second->bot() == "child-1");
  REQUIRE(first->get(at(3)).second->bot() == "child-2");

  first.reset();  // the parent goes away; the children keep their sessions and redial
  parent second(io, parent_link_config(), port);
  REQUIRE(eventually([&] { return second.bot_at(2) == "child-1" && second.bot_at(3) == "child-2"; }));
  auto added = second.events_of<manager_events::session_added>();
  REQUIRE(added.size() == 2);
  CHECK(added[0].adopted);
  CHECK(added[1].adopted);
  CHECK(exits.size() == 0);
  // Adopted sessions count: both children are busy in the guild for the new parent.
  REQUIRE(second.get(at(1)).second->bot() == "parent");
  CHECK(second.get(at(4)).first == error::all_bots_busy);
  sup.async_stop(asio::use_future).get();
}

TEST_CASE("processes: a child whose parent stays away leaves after its grace", "[sessions][manager][processes]") {
  io_thread io;
  auto p = std::make_unique<parent>(io);
  shared_log<child_exit> exits;
  auto cfg = two_children(p->port, exits, 300ms);
  cfg.children.resize(1);
  supervisor sup(io.ioc.get_executor(), cfg);
  REQUIRE(sup.start());
  REQUIRE(p->has_children(1));

  p.reset();
  REQUIRE(eventually([&] { return exits.size() == 1; }));
  CHECK(exits.items()[0].status == 0);  // it left on its own, not killed
  sup.async_stop(asio::use_future).get();
}

TEST_CASE("processes: a bad token is rejected and counted", "[sessions][manager][processes]") {
  io_thread io;
  parent p(io);
  scripted_child impostor(io.ioc, p.port, "child-1", {}, "wrong-token");
  REQUIRE(eventually([&] { return impostor.run_result() == error::authentication_failed; }));
  CHECK(p.manager->server().rejected_tokens() == 1);
  CHECK(p.manager->children().empty());
  CHECK(p.events_of<manager_events::child_up>().empty());
}
