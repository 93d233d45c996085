// The session conformance suite on local_session: one fake Lavalink node on loopback, a node
// pool on a strand of the test's io_context, and Discord's voice answers simulated from the
// op 4 payloads the session sends.
#include "session_conformance.hpp"

#include <hanabi/session/local_session.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

#include <map>

namespace {

using namespace hanabi;
using namespace std::chrono_literals;

const user_id bot{170939974227541168ULL};

pool_config quiet_pool() {
  pool_config c;
  c.log = logger::none();
  return c;
}

struct local_env : test::session_env {
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(io);
  testing::fake_node fake;
  std::shared_ptr<node> lavalink;
  node_pool pool{asio::make_strand(io), quiet_pool()};
  std::map<guild_id, std::shared_ptr<local_session>> sessions;

  local_env() {
    fake.start();
    node_config c;
    c.name = "fake";
    c.url = fake.base_url();
    c.password = secret{"youshallnotpass"};
    c.user = bot;
    c.log = logger::none();
    lavalink = std::make_shared<node>(io.get_executor(), c);
    lavalink->async_run([](error_code) {});
    pool.add_node(lavalink);
    REQUIRE(run_until([&] { return !pool.stats().nodes.empty() && pool.stats().nodes.front().available; }));
  }

  ~local_env() override {
    for (auto& [g, s] : sessions) s->close(close_reason::shutdown);
    io.run_for(50ms);
    sessions.clear();
    lavalink->cancel();
    work.reset();
    io.run_for(200ms);
  }

  std::shared_ptr<session> open(session_address where, user_id by, test::session_setup setup) override {
    local_session_config cfg;
    cfg.bot = bot;
    cfg.lifetime = setup.lifetime;
    cfg.inactivity_timeout = setup.inactivity_timeout;
    cfg.paused_timeout = setup.paused_timeout;
    cfg.search_prefix = "fakesearch:";
    cfg.passthrough_prefixes = {"fake:"};
    cfg.load_tracks = load_tracks_from(lavalink);
    cfg.send_gateway = [this, g = where.guild](const gateway_voice_update& op) { answer_op4(g, op); };
    std::shared_ptr<local_session> s;
    asio::post(pool.get_executor(), [&] { s = local_session::create(pool, where, cfg).value(); });
    REQUIRE(run_until([&] { return s != nullptr; }));
    sessions[where.guild] = s;
    auto joined = test::call<session_state>(*this, [&](diagnostics& d, auto h) {
      s->async_connect({.by = by}, d, std::move(h));
    });
    REQUIRE_FALSE(joined.ec);
    REQUIRE(joined.value.connected);
    return s;
  }

  // Discord answers a join with both voice updates, and a leave with a state without a channel.
  void answer_op4(guild_id g, const gateway_voice_update& op) {
    auto s = sessions[g];
    if (!s) return;
    s->on_voice_state_update({g, bot, op.channel, "discord-voice-session"});
    if (op.channel) s->on_voice_server_update({g, "voice-token", std::string("rotterdam2744.discord.media:443")});
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

  void drag_bot(guild_id g, channel_id to) override {
    sessions[g]->on_voice_state_update({g, bot, to, "discord-voice-session"});
  }

  void kick_bot(guild_id g) override {
    sessions[g]->on_voice_state_update({g, bot, std::nullopt, "discord-voice-session"});
  }

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

HANABI_SESSION_CONFORMANCE(local_env, "[sessions][local]")
