// The environment local_session runs in for the integration tests: fake Lavalink nodes on
// loopback, a node pool on a strand of the test's io_context, and Discord's voice answers
// simulated from the op 4 payloads the session sends. The test thread turns the io_context;
// each fake node runs on its own thread.
#pragma once

#include "session_conformance.hpp"

#include <hanabi/session/local_session.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

#include <fmt/format.h>

#include <map>

namespace hanabi::test {

inline constexpr user_id local_bot{170939974227541168ULL};

/// local_session over `nodes` fake nodes (the conformance suite uses one) whose tracks get stuck
/// after `stuck_threshold_ms` (simulated ms; time runs at real speed).
template <std::size_t nodes, std::int64_t stuck_threshold_ms = 10'000>
struct basic_local_env : session_env {
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(io);
  std::vector<std::unique_ptr<testing::fake_node>> fakes;
  std::vector<std::shared_ptr<node>> lavalinks;
  node_pool pool{asio::make_strand(io), quiet_pool()};
  std::map<guild_id, std::shared_ptr<local_session>> sessions;
  /// Every op 4 the sessions sent, per guild.
  std::map<guild_id, std::vector<gateway_voice_update>> gateway;

  basic_local_env() {
    for (std::size_t i = 0; i < nodes; ++i) {
      testing::fake_node_options o;
      o.stuck_threshold_ms = stuck_threshold_ms;
      fakes.push_back(std::make_unique<testing::fake_node>(o));
      fakes.back()->start();
      node_config c;
      c.name = fmt::format("node-{}", i);
      c.url = fakes.back()->base_url();
      c.password = secret{"youshallnotpass"};
      c.user = local_bot;
      c.reconnect.initial_delay = std::chrono::milliseconds{20};
      c.log = logger::none();
      lavalinks.push_back(std::make_shared<node>(io.get_executor(), c));
      lavalinks.back()->async_run([](error_code) {});
      pool.add_node(lavalinks.back());
    }
    REQUIRE(run_until([&] {
      auto s = pool.stats();
      return std::all_of(s.nodes.begin(), s.nodes.end(), [](auto& n) { return n.available; });
    }));
  }

  ~basic_local_env() override {
    for (auto& [g, s] : sessions) s->close(close_reason::shutdown);
    io.run_for(std::chrono::milliseconds{50});
    sessions.clear();
    for (auto& n : lavalinks) n->cancel();
    work.reset();
    io.run_for(std::chrono::milliseconds{200});
  }

  static pool_config quiet_pool() {
    pool_config c;
    c.log = logger::none();
    return c;
  }

  local_session_config config(guild_id g, const session_setup& setup) {
    local_session_config cfg;
    cfg.bot = local_bot;
    cfg.lifetime = setup.lifetime;
    cfg.inactivity_timeout = setup.inactivity_timeout;
    cfg.paused_timeout = setup.paused_timeout;
    cfg.search_prefix = "fakesearch:";
    cfg.passthrough_prefixes = {"fake:"};
    cfg.load_tracks = load_tracks_from(lavalinks.front());
    cfg.send_gateway = [this, g](const gateway_voice_update& op) { answer_op4(g, op); };
    return cfg;
  }

  /// Creates a session on the pool's strand (not yet connected).
  result<std::shared_ptr<local_session>> create(session_address where, local_session_config cfg) {
    std::optional<result<std::shared_ptr<local_session>>> made;
    asio::post(pool.get_executor(), [&] { made = local_session::create(pool, where, std::move(cfg)); });
    REQUIRE(run_until([&] { return made.has_value(); }));
    if (*made) sessions[where.guild] = **made;
    return std::move(*made);
  }

  std::shared_ptr<session> open(session_address where, user_id by, session_setup setup) override {
    auto s = create(where, config(where.guild, setup)).value();
    auto joined = call<session_state>(*this, [&](diagnostics& d, auto h) { s->async_connect({.by = by}, d, std::move(h)); });
    REQUIRE_FALSE(joined.ec);
    REQUIRE(joined.value.connected);
    return s;
  }

  // Discord answers a join with both voice updates, and a leave with a state without a channel.
  void answer_op4(guild_id g, const gateway_voice_update& op) {
    gateway[g].push_back(op);
    auto s = sessions[g];
    if (!s) return;
    s->on_voice_state_update({g, local_bot, op.channel, "discord-voice-session"});
    if (op.channel) s->on_voice_server_update({g, "voice-token", std::string("rotterdam2744.discord.media:443")});
  }

  /// The fake node holding the guild's player, with its session id; none when no node has it.
  std::optional<std::pair<testing::fake_node*, std::string>> holder(guild_id g) const {
    for (auto& f : fakes) {
      for (auto& s : f->sessions())
        for (auto& p : s.players)
          if (p.guild_id == static_cast<std::int64_t>(g.value())) return std::pair{f.get(), s.id};
    }
    return std::nullopt;
  }

  std::optional<testing::player_view> node_player(guild_id g) override {
    auto h = holder(g);
    if (!h) return std::nullopt;
    return h->first->player(h->second, static_cast<std::int64_t>(g.value()));
  }

  void finish_track(guild_id g) override {
    auto h = holder(g);
    REQUIRE(h);
    h->first->throw_track_exception(h->second, static_cast<std::int64_t>(g.value()), "ended by the test");
  }

  void drag_bot(guild_id g, channel_id to) override {
    sessions[g]->on_voice_state_update({g, local_bot, to, "discord-voice-session"});
  }

  void kick_bot(guild_id g) override {
    sessions[g]->on_voice_state_update({g, local_bot, std::nullopt, "discord-voice-session"});
  }

  bool run_until(const std::function<bool()>& done) override {
    const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds{30};
    while (!done()) {
      if (std::chrono::steady_clock::now() > limit) return false;
      io.run_for(std::chrono::milliseconds{2});
    }
    return true;
  }
};

using local_env = basic_local_env<1>;

}  // namespace hanabi::test
