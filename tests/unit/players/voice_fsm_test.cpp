// The voice pairing state machine, step by step, over every ordering of its inputs.
#include <hanabi/detail/voice_fsm.hpp>

#include <catch2/catch.hpp>

#include <functional>
#include <string>
#include <vector>

using namespace hanabi;
using detail::voice_actions;
using detail::voice_fsm;
using clk = voice_fsm::clock;

namespace {

const guild_id guild{817327181659111454ULL};
const user_id bot{170939974227541168ULL};
const channel_id chan_a{1266368011753754644ULL};
const channel_id chan_b{1266368011753754999ULL};
const clk::time_point t0{};

voice_state_update state_in(std::optional<channel_id> ch, std::string session = "sess-1") {
  return {guild, bot, ch, std::move(session)};
}
voice_server_update server(std::optional<std::string> endpoint = "rotterdam2744.discord.media:443",
                           std::string token = "tok-1") {
  return {guild, std::move(token), std::move(endpoint)};
}

template <class T>
std::vector<T> all_of(const voice_actions& a) {
  std::vector<T> out;
  for (const auto& x : a)
    if (auto* p = std::get_if<T>(&x)) out.push_back(*p);
  return out;
}

void append(voice_actions& into, const voice_actions& a) { into.insert(into.end(), a.begin(), a.end()); }

voice_fsm connected_fsm(voice_config cfg = {}) {
  voice_fsm fsm{guild, bot, cfg};
  fsm.join(chan_a, t0);
  fsm.on_voice_state(state_in(chan_a), t0);
  auto a = fsm.on_voice_server(server(), t0);
  REQUIRE(all_of<voice_joined>(a).size() == 1);
  REQUIRE(fsm.current_phase() == voice_fsm::phase::connected);
  return fsm;
}

// Every sequence of length 1..max_len over the alphabet `n` letters.
void for_each_sequence(int letters, int max_len, const std::function<void(const std::vector<int>&)>& f) {
  for (int len = 1; len <= max_len; ++len) {
    std::vector<int> seq(static_cast<std::size_t>(len), 0);
    while (true) {
      f(seq);
      std::size_t i = 0;
      while (i < seq.size() && ++seq[i] == letters) seq[i++] = 0;
      if (i == seq.size()) break;
    }
  }
}

}  // namespace

TEST_CASE("voice: join sends op 4 with the configured self_deaf and arms the deadline") {
  voice_fsm fsm{guild, bot, {}};
  auto a = fsm.join(chan_a, t0);
  REQUIRE(a.size() == 1);
  auto op = std::get<gateway_voice_update>(a[0]);
  CHECK(op == gateway_voice_update{guild, chan_a, false, true});
  CHECK(fsm.current_phase() == voice_fsm::phase::joining);
  CHECK(fsm.deadline() == t0 + voice_config{}.join_timeout);
}

TEST_CASE("voice: every ordering and duplication of the two updates pairs exactly once") {
  // 0 = VOICE_STATE_UPDATE, 1 = VOICE_SERVER_UPDATE; identical duplicates.
  int sequences = 0;
  for_each_sequence(2, 6, [&](const std::vector<int>& seq) {
    ++sequences;
    voice_fsm fsm{guild, bot, {}};
    fsm.join(chan_a, t0);
    voice_actions all;
    bool seen_state = false, seen_server = false;
    for (int x : seq) {
      auto a = x == 0 ? fsm.on_voice_state(state_in(chan_a), t0) : fsm.on_voice_server(server(), t0);
      (x == 0 ? seen_state : seen_server) = true;
      // Nothing goes out before both halves are known.
      if (!(seen_state && seen_server)) CHECK(a.empty());
      append(all, a);
    }
    const bool complete = seen_state && seen_server;
    INFO("sequence length " << seq.size());
    auto sent = all_of<voice_credentials>(all);
    REQUIRE(sent.size() == (complete ? 1u : 0u));
    CHECK(all_of<voice_joined>(all).size() == (complete ? 1u : 0u));
    CHECK(all_of<gateway_voice_update>(all).empty());
    CHECK(all_of<voice_moved>(all).empty());
    if (complete) {
      CHECK(sent[0] == voice_credentials{"tok-1", "rotterdam2744.discord.media:443", "sess-1", chan_a});
      CHECK(fsm.current_phase() == voice_fsm::phase::connected);
      CHECK_FALSE(fsm.deadline());
    } else {
      CHECK(fsm.current_phase() == voice_fsm::phase::joining);
    }
  });
  CHECK(sequences == 126);
}

TEST_CASE("voice: a null endpoint withholds credentials until the next endpoint, in every ordering") {
  // 0 = state, 1 = server with endpoint, 2 = server with null endpoint. The oracle: credentials
  // go out when the state and an endpoint are both known and either nothing was sent yet or a
  // null endpoint came since the last send.
  for_each_sequence(3, 6, [&](const std::vector<int>& seq) {
    voice_fsm fsm{guild, bot, {}};
    fsm.join(chan_a, t0);
    bool state = false, endpoint = false, first = true, stale = false;
    int expected_sends = 0, sends = 0;
    for (int x : seq) {
      voice_actions a;
      if (x == 0) {
        a = fsm.on_voice_state(state_in(chan_a), t0);
        state = true;
      } else if (x == 1) {
        a = fsm.on_voice_server(server(), t0);
        endpoint = true;
      } else {
        a = fsm.on_voice_server(server(std::nullopt), t0);
        endpoint = false;
        stale = true;
      }
      if (state && endpoint && (first || stale) && x != 2) {
        ++expected_sends;
        first = stale = false;
      }
      for (const auto& c : all_of<voice_credentials>(a)) {
        CHECK_FALSE(c.endpoint.empty());
        ++sends;
      }
    }
    CHECK(sends == expected_sends);
    CHECK((fsm.current_phase() == voice_fsm::phase::connected) == (expected_sends > 0));
  });
}

TEST_CASE("voice: without a join, a pairing made by someone else's op 4 is followed") {
  voice_fsm fsm{guild, bot, {}};
  auto a = fsm.on_voice_server(server(), t0);
  CHECK(a.empty());
  a = fsm.on_voice_state(state_in(chan_a), t0);
  REQUIRE(all_of<voice_credentials>(a).size() == 1);
  CHECK(all_of<voice_joined>(a) == std::vector<voice_joined>{{chan_a}});
}

TEST_CASE("voice: updates of other users and other guilds are ignored") {
  voice_fsm fsm{guild, bot, {}};
  fsm.join(chan_a, t0);
  CHECK(fsm.on_voice_state({guild, user_id{42}, chan_a, "other"}, t0).empty());
  CHECK(fsm.on_voice_server({guild_id{7}, "tok", "x:443"}, t0).empty());
  fsm.on_voice_server(server(), t0);
  CHECK(fsm.on_voice_state({guild_id{7}, bot, chan_a, "sess"}, t0).empty());
  CHECK(fsm.current_phase() == voice_fsm::phase::joining);
}

TEST_CASE("voice: a region move re-sends once, the identical state again does not") {
  auto fsm = connected_fsm();
  auto a = fsm.on_voice_server(server("frankfurt12.discord.media:443", "tok-2"), t0);
  auto sent = all_of<voice_credentials>(a);
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].endpoint == "frankfurt12.discord.media:443");
  CHECK(sent[0].token == "tok-2");
  CHECK(sent[0].channel == chan_a);
  CHECK(all_of<voice_moved>(a).empty());
  CHECK(fsm.on_voice_server(server("frankfurt12.discord.media:443", "tok-2"), t0).empty());
  CHECK(fsm.on_voice_state(state_in(chan_a), t0).empty());
}

TEST_CASE("voice: a null endpoint then the same endpoint again re-sends (the old server is gone)") {
  auto fsm = connected_fsm();
  CHECK(fsm.on_voice_server(server(std::nullopt), t0).empty());
  auto a = fsm.on_voice_server(server(), t0);
  CHECK(all_of<voice_credentials>(a).size() == 1);
}

TEST_CASE("voice: a new session id re-sends") {
  auto fsm = connected_fsm();
  auto a = fsm.on_voice_state(state_in(chan_a, "sess-2"), t0);
  auto sent = all_of<voice_credentials>(a);
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].session_id == "sess-2");
}

TEST_CASE("voice: being moved to another channel re-sends with the new channelId and reports the move") {
  auto fsm = connected_fsm();
  auto a = fsm.on_voice_state(state_in(chan_b), t0);
  auto sent = all_of<voice_credentials>(a);
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].channel == chan_b);
  CHECK(all_of<voice_moved>(a) == std::vector<voice_moved>{{chan_a, chan_b}});
  // Discord may follow with a new server for the new channel: one more send, no second move.
  a = fsm.on_voice_server(server("amsterdam3.discord.media:443", "tok-3"), t0);
  CHECK(all_of<voice_credentials>(a).size() == 1);
  CHECK(all_of<voice_moved>(a).empty());
}

TEST_CASE("voice: a requested move completes as a join, not as a move") {
  auto fsm = connected_fsm();
  auto a = fsm.join(chan_b, t0);
  CHECK(all_of<gateway_voice_update>(a) == std::vector<gateway_voice_update>{{guild, chan_b, false, true}});
  // The stale server update for the old channel does not complete the join.
  a = fsm.on_voice_server(server("x.discord.media:443", "tok-9"), t0);
  CHECK(all_of<voice_joined>(a).empty());
  a = fsm.on_voice_state(state_in(chan_b), t0);
  CHECK(all_of<voice_joined>(a) == std::vector<voice_joined>{{chan_b}});
  CHECK(all_of<voice_moved>(a).empty());
  REQUIRE(all_of<voice_credentials>(a).size() == 1);
  CHECK(all_of<voice_credentials>(a)[0].channel == chan_b);
}

TEST_CASE("voice: joining the channel the bot is already in completes at once") {
  auto fsm = connected_fsm();
  auto a = fsm.join(chan_a, t0);
  REQUIRE(a.size() == 1);
  CHECK(std::get<voice_joined>(a[0]).channel == chan_a);
}

TEST_CASE("voice: a second join for another channel supersedes the first") {
  voice_fsm fsm{guild, bot, {}};
  fsm.join(chan_a, t0);
  auto a = fsm.join(chan_b, t0);
  REQUIRE(all_of<voice_join_failed>(a).size() == 1);
  CHECK(all_of<voice_join_failed>(a)[0].reason == error::voice_superseded);
  CHECK(fsm.join(chan_b, t0).empty());  // the same join again is already under way
}

TEST_CASE("voice: leave sends op 4 without a channel and reports the confirmed leave") {
  auto fsm = connected_fsm();
  auto a = fsm.leave();
  CHECK(a == voice_actions{gateway_voice_update{guild, std::nullopt, false, true}});
  CHECK(fsm.current_phase() == voice_fsm::phase::leaving);
  // Late updates from before the leave change nothing; the close that follows is expected.
  CHECK(fsm.on_voice_server(server("late:443", "late"), t0).empty());
  CHECK(fsm.on_closed(4014, t0).empty());
  a = fsm.on_voice_state(state_in(std::nullopt), t0);
  CHECK(a == voice_actions{voice_left{true, {}}});
  CHECK(fsm.current_phase() == voice_fsm::phase::idle);
  CHECK_FALSE(fsm.sent());
}

TEST_CASE("voice: leaving during a join fails the join") {
  voice_fsm fsm{guild, bot, {}};
  fsm.join(chan_a, t0);
  auto a = fsm.leave();
  REQUIRE(a.size() == 2);
  CHECK(std::get<voice_join_failed>(a[0]).reason == error::voice_superseded);
  CHECK_FALSE(fsm.deadline());
}

TEST_CASE("voice: being kicked reports an unrequested leave") {
  auto fsm = connected_fsm();
  auto a = fsm.on_voice_state(state_in(std::nullopt), t0);
  CHECK(a == voice_actions{voice_left{false, error::voice_disconnected}});
  CHECK(fsm.current_phase() == voice_fsm::phase::idle);
}

TEST_CASE("voice: a join that does not complete by its deadline fails with voice_timeout and leaves") {
  voice_config cfg;
  cfg.join_timeout = std::chrono::seconds(5);
  voice_fsm fsm{guild, bot, cfg};
  fsm.join(chan_a, t0);
  fsm.on_voice_state(state_in(chan_a), t0 + std::chrono::seconds(1));
  CHECK(fsm.on_tick(t0 + std::chrono::milliseconds(4999)).empty());
  auto a = fsm.on_tick(t0 + std::chrono::seconds(5));
  REQUIRE(a.size() == 2);
  CHECK(std::get<voice_join_failed>(a[0]).reason == error::voice_timeout);
  CHECK(std::get<gateway_voice_update>(a[1]).channel == std::nullopt);
  CHECK(fsm.current_phase() == voice_fsm::phase::idle);
  // The update that arrives too late is now a passive state; without a server update nothing goes out.
  CHECK(all_of<voice_credentials>(fsm.on_voice_state(state_in(chan_a), t0 + std::chrono::seconds(6))).empty());
}

TEST_CASE("voice: the close-code policy table") {
  CHECK(voice_close_policy(4015) == close_action::reconnect);
  for (int c : {4014, 4022}) CHECK(voice_close_policy(c) == close_action::await_voice_state);
  for (int c : {4012, 4016, 4017, 4020, 4021}) CHECK(voice_close_policy(c) == close_action::destroy);
  for (int c : {1000, 1001, 1006, 4000, 4001, 4002, 4003, 4004, 4005, 4006, 4009, 4011, 4999, 0, -1})
    CHECK(voice_close_policy(c) == close_action::rejoin);
}

TEST_CASE("voice: rejoin codes send op 4 again and pair the fresh credentials") {
  for (int code : {4006, 4009, 4011, 4001, 4004, 1000, 1006, 4999}) {
    INFO("code " << code);
    auto fsm = connected_fsm();
    auto a = fsm.on_closed(code, t0);
    CHECK(a == voice_actions{gateway_voice_update{guild, chan_a, false, true}});
    CHECK(fsm.current_phase() == voice_fsm::phase::joining);
    // The old state alone does not complete the rejoin: a fresh server update is needed ...
    CHECK(all_of<voice_credentials>(fsm.on_voice_state(state_in(chan_a), t0)).empty());
    // ... and it is sent even if Discord hands out identical values.
    a = fsm.on_voice_server(server(), t0);
    CHECK(all_of<voice_credentials>(a).size() == 1);
    CHECK(all_of<voice_joined>(a).size() == 1);
  }
}

TEST_CASE("voice: 4015 re-sends the same credentials") {
  auto fsm = connected_fsm();
  auto sent = *fsm.sent();
  auto a = fsm.on_closed(4015, t0);
  CHECK(a == voice_actions{sent});
  CHECK(fsm.current_phase() == voice_fsm::phase::connected);
}

TEST_CASE("voice: 4014 waits for Discord's verdict") {
  SECTION("moved: re-pair in the new channel and report the move") {
    auto fsm = connected_fsm();
    CHECK(fsm.on_closed(4014, t0).empty());
    CHECK(fsm.current_phase() == voice_fsm::phase::suspended);
    auto a = fsm.on_voice_state(state_in(chan_b), t0);
    CHECK(all_of<voice_credentials>(a).size() == 1);
    CHECK(all_of<voice_moved>(a) == std::vector<voice_moved>{{chan_a, chan_b}});
    CHECK(fsm.current_phase() == voice_fsm::phase::connected);
  }
  SECTION("kicked: report the leave") {
    auto fsm = connected_fsm();
    fsm.on_closed(4022, t0);
    auto a = fsm.on_voice_state(state_in(std::nullopt), t0);
    CHECK(a == voice_actions{voice_left{false, error::voice_disconnected}});
  }
  SECTION("silence: rejoin once the wait is over") {
    auto fsm = connected_fsm();
    fsm.on_closed(4014, t0);
    CHECK(fsm.on_tick(t0 + std::chrono::seconds(1)).empty());
    auto a = fsm.on_tick(t0 + voice_config{}.join_timeout);
    CHECK(a == voice_actions{gateway_voice_update{guild, chan_a, false, true}});
    CHECK(fsm.current_phase() == voice_fsm::phase::joining);
  }
  SECTION("the same channel again re-sends: Lavalink's connection was closed") {
    auto fsm = connected_fsm();
    fsm.on_closed(4014, t0);
    auto a = fsm.on_voice_state(state_in(chan_a), t0);
    CHECK(all_of<voice_credentials>(a).size() == 1);
    CHECK(all_of<voice_moved>(a).empty());
  }
}

TEST_CASE("voice: codes that cannot be fixed by rejoining leave and destroy") {
  for (int code : {4017, 4012, 4016, 4020, 4021}) {
    INFO("code " << code);
    auto fsm = connected_fsm();
    auto a = fsm.on_closed(code, t0);
    CHECK(a == voice_actions{gateway_voice_update{guild, std::nullopt, false, true},
                             voice_destroy{error::voice_closed_permanently, code}});
    CHECK(fsm.current_phase() == voice_fsm::phase::idle);
  }
}

TEST_CASE("voice: 4017 during a join fails the join too") {
  voice_fsm fsm{guild, bot, {}};
  fsm.join(chan_a, t0);
  fsm.on_voice_state(state_in(chan_a), t0);
  auto a = fsm.on_closed(4017, t0);
  REQUIRE(a.size() == 3);
  CHECK(std::get<voice_join_failed>(a[0]).reason == error::voice_closed_permanently);
}

TEST_CASE("voice: closes while idle or leaving are ignored") {
  voice_fsm fsm{guild, bot, {}};
  for (int code : {4006, 4014, 4015, 4017}) CHECK(fsm.on_closed(code, t0).empty());
}

TEST_CASE("voice: rejoins are bounded until the connection comes up again") {
  voice_config cfg;
  cfg.max_rejoins = 2;
  auto fsm = connected_fsm(cfg);
  auto rejoin_and_pair = [&] {
    auto a = fsm.on_closed(4006, t0);
    fsm.on_voice_server(server(), t0);
    return a;
  };
  CHECK(all_of<gateway_voice_update>(rejoin_and_pair()).size() == 1);
  CHECK(all_of<gateway_voice_update>(rejoin_and_pair()).size() == 1);
  auto a = fsm.on_closed(4006, t0);
  CHECK(a == voice_actions{gateway_voice_update{guild, std::nullopt, false, true},
                           voice_destroy{error::voice_rejoin_limit, 4006}});

  auto healthy = connected_fsm(cfg);
  for (int i = 0; i < 5; ++i) {
    auto b = healthy.on_closed(4009, t0);
    CHECK(all_of<voice_destroy>(b).empty());
    healthy.on_voice_server(server(), t0);
    healthy.on_connected();
  }
}
