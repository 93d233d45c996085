// The session conformance suite on remote_session: the sessions live in a real child process
// (tools/session-child, `hanabi-session-child`) that plays on a fake Lavalink node on loopback,
// and the test drives them from a parent control server through remote_session. Every case
// that passes on local_session must pass here.
#include "test_data.hpp"
#include "session_conformance.hpp"

#include <hanabi/remote/server.hpp>
#include <hanabi/session/remote_session.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

extern char** environ;

namespace {

using namespace hanabi;
using namespace std::chrono_literals;

const std::string token = "conformance-token";
const user_id child_bot{170939974227541169ULL};

struct remote_env : test::session_env {
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(io);
  testing::fake_node fake;
  std::map<channel_id, std::shared_ptr<remote_session>> sessions;  // The parent's routing table.
  std::unique_ptr<remote::server> server;
  pid_t child = -1;

  remote_env() {
    fake.start();
    remote::link_handlers h;
    // Each session takes only the events of its current channel (it follows channel_moved itself).
    h.on_event = [this](remote::link, const remote::event& e) {
      for (auto& [voice, s] : sessions) s->deliver(e);
    };
    h.on_down = [this](remote::link, error_code why, const std::string&) {
      for (auto& [voice, s] : sessions) s->link_lost(why);
    };
    remote::server_config sc;
    sc.token = secret{token};
    sc.heartbeat_interval = 1000ms;
    sc.link.max_missed_heartbeats = 30;  // A child starved by a loaded CI machine is not evicted.
    sc.link.log = logger::none();
    server = std::make_unique<remote::server>(io.get_executor(), sc, h);
    auto ep = server->listen();
    REQUIRE(ep);
    spawn_child(ep->port());
    REQUIRE(run_until([&] { return static_cast<bool>(server->find("child-1")); }));
  }

  ~remote_env() override {
    if (child > 0) {
      ::kill(child, SIGKILL);
      ::waitpid(child, nullptr, 0);
    }
    server->stop();
    work.reset();
    io.run_for(100ms);
  }

  void spawn_child(unsigned short port) {
    auto exe = hanabi::test::binary_dir() / "tools/session-child/hanabi-session-child";
    REQUIRE(std::filesystem::exists(exe));  // build the hanabi_session_child target
    std::vector<std::string> args{exe.string(),     "--parent",          "127.0.0.1:" + std::to_string(port),
                                  "--token",        token,               "--name",
                                  "child-1",        "--bot-id",          child_bot.str(),
                                  "--node",         fake.base_url(),     "--password",
                                  "youshallnotpass", "--search-prefix",  "fakesearch:",
                                  "--passthrough",  "fake:"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    REQUIRE(posix_spawn(&child, argv[0], nullptr, nullptr, argv.data(), environ) == 0);
  }

  std::shared_ptr<session> open(session_address where, user_id by, test::session_setup setup) override {
    remote_session_config cfg;
    cfg.lifetime = setup.lifetime;
    cfg.inactivity_timeout = setup.inactivity_timeout;
    cfg.paused_timeout = setup.paused_timeout;
    cfg.log = logger::none();
    auto s = remote_session::create(io.get_executor(), server->find("child-1"), where, "child-1", cfg);
    sessions[where.voice] = s;
    auto joined = test::call<session_state>(*this, [&](diagnostics& d, auto h) {
      s->async_connect({.by = by}, d, std::move(h));
    });
    REQUIRE_FALSE(joined.ec);
    REQUIRE(joined.value.connected);
    return s;
  }

  std::string node_session() const {
    auto all = fake.sessions();
    return all.empty() ? std::string{} : all.front().id;
  }

  std::optional<testing::player_view> node_player(guild_id g) override {
    auto sid = node_session();
    if (sid.empty()) return std::nullopt;
    return fake.player(sid, static_cast<std::int64_t>(g.value()));
  }

  void finish_track(guild_id g) override {
    fake.throw_track_exception(node_session(), static_cast<std::int64_t>(g.value()), "ended by the test");
  }

  // Discord's own moves happen on the child, which simulates Discord for its bot.
  void simulate_voice_state(guild_id g, std::optional<channel_id> channel) {
    nlohmann::json args{{"guild", g.str()}, {"channel", channel ? nlohmann::json(channel->str()) : nlohmann::json()}};
    bool done = false;
    error_code result;
    server->find("child-1").async_request("discord.voice_state", args, 10s, [&](error_code ec, nlohmann::json) {
      result = ec;
      done = true;
    });
    REQUIRE(run_until([&] { return done; }));
    REQUIRE_FALSE(result);
  }

  void drag_bot(guild_id g, channel_id to) override {
    // The parent keys its session by the channel it knew; the child's channel_moved event re-keys it.
    simulate_voice_state(g, to);
  }

  void kick_bot(guild_id g) override { simulate_voice_state(g, std::nullopt); }

  bool run_until(const std::function<bool()>& done) override {
    const auto limit = std::chrono::steady_clock::now() + 30s;
    while (!done()) {
      if (std::chrono::steady_clock::now() > limit) return false;
      io.run_for(2ms);
    }
    return true;
  }
};

}  // namespace

HANABI_SESSION_CONFORMANCE(remote_env, "[sessions][remote]")
