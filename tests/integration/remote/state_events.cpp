// The state_changed events of a real session child (hanabi-session-child on a fake node), as the
// parent's link sees them (docs/REMOTE_PROTOCOL.md §11): each state is a snapshot, so the child
// sends the newest one, after the answer of the command that caused it, at most once per
// interval; with an interval of 0 it sends every one at once.
#include "test_data.hpp"
#include "io_thread.hpp"

#include <hanabi/remote/server.hpp>
#include <hanabi/testing/fake_node.hpp>

#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <filesystem>
#include <future>
#include <mutex>
#include <numeric>
#include <string>
#include <vector>

extern char** environ;

namespace {

using namespace hanabi;
using namespace std::chrono_literals;
using test::eventually;

const std::string state_token = "state-events-token";

// What the parent's link strand saw, in its order: "answer N" when the answer to `volume N`
// completed, "state N" when a state_changed event with volume N arrived.
class wire_log {
 public:
  void add(std::string entry) {
    std::lock_guard lock(mutex_);
    entries_.push_back(std::move(entry));
  }
  std::vector<std::string> entries() const {
    std::lock_guard lock(mutex_);
    return entries_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> entries_;
};

// A session child dialing `port`, killed when the test ends.
class session_child {
 public:
  session_child(unsigned short port, const std::string& node_url, std::chrono::milliseconds state_interval) {
    auto exe = hanabi::test::binary_dir() / "tools/session-child/hanabi-session-child";
    REQUIRE(std::filesystem::exists(exe));  // build the hanabi_session_child target
    std::vector<std::string> args{exe.string(), "--parent",  "127.0.0.1:" + std::to_string(port),
                                  "--token",    state_token,       "--name",
                                  "child-1",    "--bot-id",  "98",
                                  "--node",     node_url,    "--password",
                                  "youshallnotpass", "--passthrough", "fake:",
                                  "--state-event-interval-ms", std::to_string(state_interval.count())};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    REQUIRE(posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), environ) == 0);
  }
  session_child(const session_child&) = delete;
  session_child& operator=(const session_child&) = delete;
  ~session_child() {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }

 private:
  pid_t pid_ = -1;
};

nlohmann::json at_session(nlohmann::json args) {
  args["guild"] = "4242";
  args["voice"] = "7007";
  args["by"] = "1001";
  return args;
}

// Connects a session on the child, plays a track, then sets the volume to 11, 12, ... 30, one
// command after the other; returns the log once the state with volume 30 has arrived.
std::vector<std::string> volume_burst(std::chrono::milliseconds state_interval) {
  test::io_thread io;
  testing::fake_node_options fo;
  fo.log = logger::none();
  testing::fake_node fake(fo);
  fake.start();
  wire_log log;
  remote::link_handlers h;
  h.on_event = [&log](remote::link, const remote::event& e) {
    if (e.op != "session_event") return;
    const auto& ev = e.payload.value("event", nlohmann::json::object());
    if (ev.value("type", "") == "state_changed") log.add("state " + std::to_string(ev["state"].value("volume", -1)));
  };
  remote::server_config sc;
  sc.token = secret{state_token};
  sc.link.max_missed_heartbeats = 30;  // A child starved by a loaded machine is not evicted.
  sc.link.log = logger::none();
  remote::server server(io.ioc.get_executor(), sc, h);
  auto ep = server.listen();
  REQUIRE(ep);
  session_child child(ep->port(), fake.base_url(), state_interval);
  REQUIRE(eventually([&] { return static_cast<bool>(server.find("child-1")); }));
  auto link = server.find("child-1");

  // The answer is logged by its handler, on the link's strand, in order with the events.
  auto request = [&](const char* op, nlohmann::json args, std::string logged_as) {
    std::promise<error_code> answered;
    link.async_request(op, at_session(std::move(args)), 30s, [&](error_code ec, const nlohmann::json&) {
      if (!logged_as.empty()) log.add(logged_as);
      answered.set_value(ec);
    });
    return answered.get_future().get();
  };
  REQUIRE_FALSE(request("connect", nlohmann::json::object(), {}));
  REQUIRE_FALSE(request("play", {{"query", "fake:track:a"}}, {}));
  for (int v = 11; v <= 30; ++v)
    REQUIRE_FALSE(request("volume", {{"value", v}, {"relative", false}}, "answer " + std::to_string(v)));
  auto arrived = [&] {
    auto all = log.entries();
    return std::find(all.begin(), all.end(), "state 30") != all.end();
  };
  REQUIRE(eventually(arrived));
  server.stop();
  return log.entries();
}

std::ptrdiff_t index_of(const std::vector<std::string>& log, const std::string& entry) {
  return std::find(log.begin(), log.end(), entry) - log.begin();
}

// The volumes of the states the burst caused (11 to 30), in arrival order.
std::vector<int> burst_states(const std::vector<std::string>& log) {
  std::vector<int> out;
  for (const auto& e : log) {
    if (e.rfind("state ", 0) != 0) continue;
    int v = std::stoi(e.substr(6));
    if (v >= 11 && v <= 30) out.push_back(v);
  }
  return out;
}

}  // namespace

TEST_CASE("a child sends the newest state after the command's answer, coalescing a burst", "[remote][sessions]") {
  // An interval far longer than the burst: its states are held and go out together.
  auto log = volume_burst(5000ms);
  auto states = burst_states(log);
  INFO("parent saw: " << fmt::format("{}", fmt::join(log, ", ")));
  REQUIRE_FALSE(states.empty());
  CHECK(states.size() < 20);
  CHECK(states.back() == 30);
  for (int v : states) CHECK(index_of(log, "state " + std::to_string(v)) > index_of(log, "answer " + std::to_string(v)));
}

TEST_CASE("with a state interval of 0 a child sends every state at once", "[remote][sessions]") {
  auto log = volume_burst(0ms);
  auto states = burst_states(log);
  INFO("parent saw: " << fmt::format("{}", fmt::join(log, ", ")));
  // Each command's state, in order (a repeat of the same state from elsewhere would not count).
  states.erase(std::unique(states.begin(), states.end()), states.end());
  std::vector<int> every(20);
  std::iota(every.begin(), every.end(), 11);
  CHECK(states == every);
}
