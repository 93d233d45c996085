// What only a local_session does, beyond the conformance suite: failover to another node, voice
// that cannot be recovered, creation errors, calls from other threads, and the queue-change seam
// a journal plugs into.
#include "local_env.hpp"

#include <boost/asio/use_future.hpp>

#include <future>
#include <thread>

using namespace hanabi;
using namespace hanabi::test;
using namespace hanabi::session_events;

namespace {
const session_address here{conformance_guild, conformance_channel};

answer<enqueue_outcome> play(session_env& env, session& s, const std::string& query) {
  return call<enqueue_outcome>(env, [&](diagnostics& d, auto h) {
    s.async_play({.query = query, .by = alice}, d, std::move(h));
  });
}
}  // namespace

TEST_CASE_METHOD(basic_local_env<2>, "local_session: its node dies, the player moves, plays on, and the queue does not advance",
                 "[sessions][local]") {
  auto s = open(here, alice, {});
  event_log log(*s);
  REQUIRE_FALSE(play(*this, *s, "fake:track:a").ec);
  REQUIRE_FALSE(play(*this, *s, "fake:track:b").ec);
  auto before = holder(conformance_guild);
  REQUIRE(before);
  const std::string from = before->first == fakes[0].get() ? "node-0" : "node-1";
  const std::string to = from == "node-0" ? "node-1" : "node-0";

  before->first->stop();
  REQUIRE(run_until([&] { return log.count<node_moved>() == 1; }));
  CHECK(log.of<node_moved>().front().from == from);
  CHECK(log.of<node_moved>().front().to == to);
  REQUIRE(run_until([&] { return node_identifier(*this, conformance_guild) == "fake:track:a"; }));
  CHECK(log.count<track_ended>() == 0);
  auto st = call<session_state>(*this, [&](diagnostics& d, auto h) { s->async_state(d, std::move(h)); });
  CHECK(st.value.node == to);
  CHECK(st.value.current_position == 1);

  // Commands reach the new node.
  auto next = call<now_playing>(*this, [&](diagnostics& d, auto h) { s->async_skip({.by = alice}, d, std::move(h)); });
  REQUIRE_FALSE(next.ec);
  CHECK(node_identifier(*this, conformance_guild) == "fake:track:b");
}

TEST_CASE_METHOD(local_env, "local_session: a voice close code that rejoining cannot fix closes it as voice_lost",
                 "[sessions][local]") {
  auto s = open(here, alice, {});
  event_log log(*s);
  REQUIRE_FALSE(play(*this, *s, "fake:track:a").ec);
  auto h = holder(conformance_guild);
  REQUIRE(h);
  h->first->close_voice(h->second, static_cast<std::int64_t>(conformance_guild.value()), 4017, "DAVE required");
  REQUIRE(run_until([&] { return log.count<closed>() == 1; }));
  CHECK(log.of<closed>().front().reason == close_reason::voice_lost);
  REQUIRE(run_until([&] { return !node_player(conformance_guild); }));
}

TEST_CASE_METHOD(local_env, "local_session: create refuses a second player in the guild and a config without a loader",
                 "[sessions][local]") {
  auto s = open(here, alice, {});
  auto same_guild = create({conformance_guild, channel_id{7999}}, config(conformance_guild, {}));
  REQUIRE_FALSE(same_guild.has_value());
  CHECK(same_guild.error().code == error::bot_busy);
  const guild_id other{9999};
  auto cfg = config(other, {});
  cfg.load_tracks = nullptr;
  auto no_loader = create({other, channel_id{1}}, cfg);
  REQUIRE_FALSE(no_loader.has_value());
  CHECK(no_loader.error().code == error::invalid_argument);
}

TEST_CASE_METHOD(local_env, "local_session: connect again answers the state without a new op 4", "[sessions][local]") {
  auto s = open(here, alice, {});
  const auto sent = gateway[conformance_guild].size();
  auto again = call<session_state>(*this, [&](diagnostics& d, auto h) { s->async_connect({.by = bob}, d, std::move(h)); });
  REQUIRE_FALSE(again.ec);
  CHECK(again.value.connected);
  CHECK(gateway[conformance_guild].size() == sent);
}

TEST_CASE_METHOD(local_env, "local_session: commands from another thread with use_future", "[sessions][local]") {
  auto s = open(here, alice, {});
  diagnostics d1, d2;
  std::future<enqueue_outcome> first;
  std::future<int> vol;
  // The other thread only initiates; the test thread runs the io_context that completes them.
  std::thread other([&] {
    first = s->async_play({.query = "fake:track:a", .by = alice}, d1, asio::use_future);
    vol = s->async_volume({.value = 2000, .by = alice}, d2, asio::use_future);
  });
  other.join();
  auto ready = [](auto& f) { return f.wait_for(std::chrono::seconds{0}) == std::future_status::ready; };
  REQUIRE(run_until([&] { return ready(first) && ready(vol); }));
  CHECK(first.get().started);
  try {
    vol.get();
    FAIL("a volume of 2000 must fail");
  } catch (const boost::system::system_error& e) {
    CHECK(e.code() == error::out_of_range);
  }
  CHECK_FALSE(d2.client_message().empty());
}

TEST_CASE_METHOD(local_env, "local_session: every queue change reaches on_queue_change, in version order",
                 "[sessions][local]") {
  std::vector<queue_event> changes;
  auto cfg = config(conformance_guild, {});
  cfg.on_queue_change = [&](const queue_event& e) { changes.push_back(e); };
  auto s = create(here, cfg).value();
  REQUIRE_FALSE(call<session_state>(*this, [&](diagnostics& d, auto h) { s->async_connect({.by = alice}, d, std::move(h)); }).ec);
  REQUIRE_FALSE(play(*this, *s, "fake:track:a").ec);
  REQUIRE_FALSE(play(*this, *s, "fake:track:b").ec);
  REQUIRE_FALSE(call<now_playing>(*this, [&](diagnostics& d, auto h) { s->async_skip({.by = alice}, d, std::move(h)); }).ec);
  // insert a, pointer to a, insert b, pointer to b.
  REQUIRE(changes.size() == 4);
  for (std::size_t i = 0; i < changes.size(); ++i) CHECK(changes[i].version == i + 1);
  CHECK(std::holds_alternative<queue_change::inserted>(changes[0].change));
  CHECK(std::holds_alternative<queue_change::pointer_moved>(changes[3].change));
}

namespace {
using stuck_env = basic_local_env<1, 100>;
}

TEST_CASE_METHOD(stuck_env, "local_session: a stuck track is skipped, and stopped when it was the last one",
                 "[sessions][local]") {
  auto s = open(here, alice, {});
  event_log log(*s);
  REQUIRE_FALSE(play(*this, *s, "fake:stuck:s").ec);
  REQUIRE_FALSE(play(*this, *s, "fake:track:b").ec);
  REQUIRE(run_until([&] { return node_identifier(*this, conformance_guild) == "fake:track:b"; }));
  REQUIRE_FALSE(play(*this, *s, "fake:stuck:u").ec);
  REQUIRE_FALSE(call<now_playing>(*this, [&](diagnostics& d, auto h) { s->async_skip({.by = alice}, d, std::move(h)); }).ec);
  CHECK(node_identifier(*this, conformance_guild) == "fake:stuck:u");
  REQUIRE(run_until([&] { return node_identifier(*this, conformance_guild).empty(); }));
  auto st = call<session_state>(*this, [&](diagnostics& d, auto h) { s->async_state(d, std::move(h)); });
  CHECK_FALSE(st.value.active);
  CHECK(st.value.current_position == 3);
  CHECK(log.count<closed>() == 0);
}

TEST_CASE_METHOD(basic_local_env<2>, "local_session: loading moves on to the next node when the first is down",
                 "[sessions][local]") {
  auto s = open(here, alice, {});
  REQUIRE_FALSE(play(*this, *s, "fake:track:a").ec);
  fakes[0]->stop();  // the loader's first node
  // Whichever node held the player, the session plays on and can still load tracks.
  auto added = play(*this, *s, "fake:track:b");
  REQUIRE_FALSE(added.ec);
  auto page = call<queue_view>(*this, [&](diagnostics& d, auto h) { s->async_queue_page({}, d, std::move(h)); });
  REQUIRE_FALSE(page.ec);
  CHECK(page.value.total == 2);
}
