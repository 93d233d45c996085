// The manager and the supervisor with real `hanabi-session-child` processes (issue 6's process
// scenarios): the parent in this process plays too, each child process holds local sessions on
// the fake Lavalink node, and every scenario asserts on the sessions' answers AND on the node's
// players (the track, unpaused, in the session's voice channel). Crashes, hangs and restarts of
// either side are real: SIGKILL, SIGSTOP, a destroyed parent. No assertion is about elapsed time.
// The manager's own rules (parallel availability, ordering, no echo of a child's teardown) are
// tested with scripted children in manager_flow.cpp.
#include "music_bots.hpp"

#include <hanabi/testing/not_lavalink_server.hpp>

#include <boost/asio/ip/tcp.hpp>

#include <boost/asio/use_future.hpp>
#include <boost/system/system_error.hpp>

#include <catch2/catch.hpp>

#include <signal.h>

#include <algorithm>
#include <future>

namespace asio = boost::asio;
using namespace hanabi;
using namespace hanabi::test;

namespace {

std::vector<child_setup> two_children(std::chrono::milliseconds grace = 60s) {
  return {{"child-1", child_bot(1), {}, grace}, {"child-2", child_bot(2), {}, grace}};
}

void play(session& s, const std::string& name) {
  required_answer([&](diagnostics& d) { return s.async_play({.query = "fake:track:" + name, .by = user_id{1}}, d, asio::use_future); });
}

std::string now_playing_title(session& s) {
  auto np = required_answer([&](diagnostics& d) { return s.async_now_playing(d, asio::use_future); });
  return np ? np->item.title : "";
}

/// Everything a session publishes, for the test thread.
struct event_record {
  explicit event_record(session& s) : sub(s.subscribe([this](const session_event& e) { events.add(e); })) {}
  std::optional<close_reason> closed() const {
    auto all = alternatives_of<session_events::closed>(events);
    return all.empty() ? std::nullopt : std::optional(all.back().reason);
  }
  shared_log<session_event> events;
  session_subscription sub;
};

/// A parent with real children running and registered; the children are stopped (SIGTERM) first.
struct band {
  explicit band(remote::server_config link = parent_link_config(), std::vector<child_setup> children = two_children()) {
    fake.start();
    p = std::make_unique<music_parent>(io, fake.base_url(), parent_setup{.link = std::move(link)});
    std::vector<child_program> programs;
    for (auto& c : children) programs.push_back(real_child(c, p->port, fake));
    sup = std::make_unique<supervisor>(io.ioc.get_executor(), supervise(std::move(programs), exits));
    REQUIRE(sup->start());
    REQUIRE(p->has_children(children.size()));
  }
  ~band() {
    sup->async_stop(asio::use_future).get();
    sup.reset();
    p.reset();
  }

  testing::fake_node fake;
  io_thread io;
  std::unique_ptr<music_parent> p;
  shared_log<child_exit> exits;
  std::unique_ptr<supervisor> sup;
};

}  // namespace

TEST_CASE_METHOD(band, "processes: parent plus two real children in one guild, three channels each playing, the fourth all busy",
                 "[sessions][manager][processes]") {
  auto one = p->open(at(1)), two = p->open(at(2)), three = p->open(at(3));
  CHECK(one->bot() == "parent");
  CHECK_FALSE(one->is_remote());
  CHECK(two->bot() == "child-1");
  CHECK(three->bot() == "child-2");
  play(*one, "one");
  play(*two, "two");
  play(*three, "three");

  CHECK(now_playing_title(*one) == "one");
  CHECK(now_playing_title(*two) == "two");
  CHECK(now_playing_title(*three) == "three");
  CHECK(eventually([&] { return plays(fake, parent_bot, at(1), "one"); }));
  CHECK(eventually([&] { return plays(fake, child_bot(1), at(2), "two"); }));
  CHECK(eventually([&] { return plays(fake, child_bot(2), at(3), "three"); }));

  diagnostics diag;
  auto fourth = p->get(at(4), diag);
  CHECK(fourth.first == error::all_bots_busy);
  CHECK(diag.client_message() == "all 3 bots are busy in this server");
  CHECK(p->manager->sessions().size() == 3);
}

TEST_CASE_METHOD(band, "processes: a real child's own teardown (Discord kicked it) reaches the parent, which drops its proxy",
                 "[sessions][manager][processes]") {
  REQUIRE(p->open(at(2, guild_id{200}))->bot() == "parent");  // the parent is free in guild 200: it takes the first
  auto held = p->open(at(3, guild_id{200}));
  REQUIRE(held->bot() == "child-1");
  play(*held, "kicked");
  REQUIRE(eventually([&] { return plays(fake, child_bot(1), at(3, guild_id{200}), "kicked"); }));
  event_record seen(*held);

  // Discord disconnects child-1 from voice: the child ends its session itself.
  auto kicked = p->manager->server().find("child-1").async_request(
      "discord.voice_state", {{"guild", "200"}, {"channel", nullptr}}, 10s,
      asio::use_future([](error_code ec, nlohmann::json) { return ec; }));
  REQUIRE_FALSE(kicked.get());

  REQUIRE(eventually([&] { return p->manager->find(channel_id{3}) == nullptr; }));
  auto removed = p->events_of<manager_events::session_removed>();
  REQUIRE(removed.size() == 1);
  CHECK(removed[0].bot == "child-1");
  CHECK(removed[0].reason == close_reason::kicked);
  REQUIRE(eventually([&] { return seen.closed().has_value(); }));
  CHECK(*seen.closed() == close_reason::kicked);
  CHECK(eventually([&] { return !plays(fake, child_bot(1), at(3, guild_id{200}), "kicked"); }));
  // The link survived and child-1 is free in the guild again: the next channel lands there.
  auto next = p->open(at(4, guild_id{200}));
  CHECK(next->bot() == "child-1");
  play(*next, "again");
  CHECK(eventually([&] { return plays(fake, child_bot(1), at(4, guild_id{200}), "again"); }));
}

TEST_CASE_METHOD(band, "processes: kill -9 of a real child reports its sessions lost, and it is respawned and re-registers",
                 "[sessions][manager][processes]") {
  REQUIRE(p->open(at(1))->bot() == "parent");
  auto two = p->open(at(2));
  REQUIRE(two->bot() == "child-1");
  play(*two, "two");
  REQUIRE(eventually([&] { return plays(fake, child_bot(1), at(2), "two"); }));
  event_record seen(*two);
  const int first = *sup->pid("child-1");

  ::kill(first, SIGKILL);
  REQUIRE(eventually([&] { return p->manager->find(channel_id{2}) == nullptr; }));
  auto removed = p->events_of<manager_events::session_removed>();
  REQUIRE(removed.size() == 1);
  CHECK(removed[0].address == at(2));
  CHECK(removed[0].bot == "child-1");
  CHECK(removed[0].reason == close_reason::child_lost);
  REQUIRE(eventually([&] { return seen.closed().has_value(); }));
  CHECK(*seen.closed() == close_reason::child_lost);
  // The lost proxy answers with child_lost, not a hang.
  diagnostics diag;
  CHECK_THROWS(two->async_state(diag, asio::use_future).get());

  REQUIRE(eventually([&] { return exits.size() == 1 && sup->spawns("child-1") == 2; }));
  CHECK(exits.items()[0].status == -SIGKILL);
  REQUIRE(eventually([&] { return p->events_of<manager_events::child_up>().size() == 3; }));
  CHECK(*sup->pid("child-1") != first);
  // The new process kept nothing (no store): it takes the guild's next session and plays it.
  auto five = p->open(at(5));
  CHECK(five->bot() == "child-1");
  play(*five, "five");
  CHECK(eventually([&] { return plays(fake, child_bot(1), at(5), "five"); }));
}

TEST_CASE("processes: a hung real child delays no command on the other sessions, is evicted, and is re-adopted",
          "[sessions][manager][processes]") {
  // The generous eviction window of every test here (10 silent heartbeats of 1 s): longer than a
  // request's 5 s deadline, so the order of what follows is fixed by the link's own clock, not by
  // the machine's load — the other commands have the whole deadline to answer, the waiting
  // command fails at its deadline, and only then is the silent child evicted. A starved but
  // running child-2 is never evicted by mistake.
  band b(parent_link_config());
  auto& p = *b.p;
  auto one = p.open(at(1)), two = p.open(at(2)), three = p.open(at(3));
  REQUIRE(two->bot() == "child-1");
  REQUIRE(three->bot() == "child-2");
  play(*two, "two");
  play(*three, "three");

  const int hung = *b.sup->pid("child-1");
  ::kill(hung, SIGSTOP);
  diagnostics to_hung_diag;
  auto to_hung = two->async_volume({.value = 10, .by = user_id{1}}, to_hung_diag, asio::use_future);
  auto on_parent = required_answer([&](diagnostics& d) { return one->async_volume({.value = 80, .by = user_id{1}}, d, asio::use_future); });
  auto on_child = required_answer([&](diagnostics& d) { return three->async_volume({.value = 70, .by = user_id{1}}, d, asio::use_future); });

  // Both answered while the command to the hung child is still waiting.
  CHECK(on_parent == 80);
  CHECK(on_child == 70);
  CHECK(to_hung.wait_for(0s) == std::future_status::timeout);
  CHECK(eventually([&] { return player_of(b.fake, child_bot(2), test_guild)->volume == 70; }));

  // The hung child costs its caller the request's deadline, never more.
  REQUIRE(to_hung.wait_for(60s) == std::future_status::ready);
  try {
    to_hung.get();
    FAIL("a command to a stopped child succeeded");
  } catch (const boost::system::system_error& e) {
    CHECK(e.code() == make_error_code(error::timeout));
  }
  // Evicted once silent for the window: its session is reported lost.
  REQUIRE(eventually([&] { return p.manager->find(channel_id{2}) == nullptr; }, 60s));
  auto downs = p.events_of<manager_events::child_down>();
  REQUIRE(downs.size() == 1);
  CHECK(downs[0].why == error::peer_unresponsive);
  CHECK(p.events_of<manager_events::session_removed>().back().reason == close_reason::child_lost);
  CHECK(p.bot_at(channel_id{3}) == "child-2");  // never evicted

  // It resumes, reconnects and still holds channel 2, playing: the manager adopts it again.
  ::kill(hung, SIGCONT);
  REQUIRE(eventually([&] { return p.bot_at(channel_id{2}) == "child-1"; }, 60s));
  CHECK(p.events_of<manager_events::session_added>().back().adopted);
  CHECK(now_playing_title(*p.manager->find(channel_id{2})) == "two");
  CHECK(plays(b.fake, child_bot(1), at(2), "two"));
  CHECK(b.exits.size() == 0);  // it never died
}

TEST_CASE("processes: a restarted parent adopts the sessions its real children kept playing, and they answer",
          "[sessions][manager][processes]") {
  testing::fake_node fake;
  fake.start();
  io_thread io;
  auto first = std::make_unique<music_parent>(io, fake.base_url(), parent_setup{});
  const auto port = first->port;
  shared_log<child_exit> exits;
  std::vector<child_program> programs;
  for (auto& c : two_children()) programs.push_back(real_child(c, port, fake));
  supervisor sup(io.ioc.get_executor(), supervise(std::move(programs), exits));
  REQUIRE(sup.start());
  REQUIRE(first->has_children(2));
  REQUIRE(first->open(at(1))->bot() == "parent");
  play(*first->open(at(2)), "two");
  play(*first->open(at(3)), "three");

  first.reset();  // the parent goes away; the children keep their sessions and redial
  music_parent second(io, fake.base_url(), parent_setup{.port = port});
  REQUIRE(eventually([&] { return second.bot_at(channel_id{2}) == "child-1" && second.bot_at(channel_id{3}) == "child-2"; }));
  auto added = second.events_of<manager_events::session_added>();
  REQUIRE(added.size() == 2);
  CHECK(added[0].adopted);
  CHECK(added[1].adopted);
  CHECK(exits.size() == 0);
  // The adopted sessions answer through the new parent, and kept playing all along.
  CHECK(now_playing_title(*second.manager->find(channel_id{2})) == "two");
  CHECK(now_playing_title(*second.manager->find(channel_id{3})) == "three");
  CHECK(plays(fake, child_bot(1), at(2), "two"));
  CHECK(plays(fake, child_bot(2), at(3), "three"));
  // Adopted sessions count: both children are busy in the guild for the new parent.
  REQUIRE(second.open(at(1))->bot() == "parent");
  diagnostics diag;
  CHECK(second.get(at(4), diag).first == error::all_bots_busy);
  sup.async_stop(asio::use_future).get();
}

TEST_CASE("processes: orphaned real children: one leaves voice and exits after its grace, one told to keep playing stays and is adopted",
          "[sessions][manager][processes]") {
  testing::fake_node fake;
  fake.start();
  io_thread io;
  auto p = std::make_unique<music_parent>(io, fake.base_url(), parent_setup{});
  const auto port = p->port;
  shared_log<child_exit> exits;
  // Both orphaned at the same moment with the same grace: child-2 leaving proves the grace is over.
  supervisor sup(io.ioc.get_executor(), supervise({real_child({"child-1", child_bot(1), {}, 300ms, true}, port, fake),
                                                   real_child({"child-2", child_bot(2), {}, 300ms}, port, fake)},
                                                  exits));
  REQUIRE(sup.start());
  REQUIRE(p->has_children(2));
  REQUIRE(p->open(at(1))->bot() == "parent");
  play(*p->open(at(2)), "stays");
  play(*p->open(at(3)), "leaves");
  REQUIRE(eventually([&] { return plays(fake, child_bot(1), at(2), "stays") && plays(fake, child_bot(2), at(3), "leaves"); }));

  p.reset();
  REQUIRE(eventually([&] { return exits.size() == 1; }));
  CHECK(exits.items()[0].name == "child-2");
  CHECK(exits.items()[0].status == 0);  // it left on its own, not killed
  CHECK_FALSE(plays(fake, child_bot(2), at(3), "leaves"));
  CHECK(sup.pid("child-1"));
  CHECK(plays(fake, child_bot(1), at(2), "stays"));

  music_parent again(io, fake.base_url(), parent_setup{.port = port});
  REQUIRE(eventually([&] { return again.bot_at(channel_id{2}) == "child-1"; }));
  CHECK(now_playing_title(*again.manager->find(channel_id{2})) == "stays");
  sup.async_stop(asio::use_future).get();
}

TEST_CASE("processes: a real child stopped before its node is ready exits at SIGTERM, not at the SIGKILL after the grace",
          "[sessions][manager][processes]") {
  testing::fake_node fake;  // only for real_child's arguments: the child's node dials `silent` instead
  io_thread io;
  // A "node" that accepts and never answers: the child's dial proves its signal handler is installed.
  asio::ip::tcp::acceptor silent(io.ioc, {asio::ip::make_address("127.0.0.1"), 0});
  asio::ip::tcp::socket dialer(io.ioc);
  auto dialed = std::make_shared<std::promise<void>>();
  silent.async_accept(dialer, [dialed](error_code) { dialed->set_value(); });
  auto never_ready = real_child({"child-1", child_bot(1)}, testing::closed_port(), fake);
  auto node = std::find(never_ready.args.begin(), never_ready.args.end(), "--node");
  *std::next(node) = "http://127.0.0.1:" + std::to_string(silent.local_endpoint().port());
  shared_log<child_exit> exits;
  supervisor sup(io.ioc.get_executor(), supervise({never_ready}, exits));
  REQUIRE(sup.start());
  REQUIRE(dialed->get_future().wait_for(30s) == std::future_status::ready);
  sup.async_stop(asio::use_future).get();
  REQUIRE(exits.size() == 1);
  CHECK(exits.items()[0].status == 0);
}

TEST_CASE("processes: a real child with a bad token is rejected and counted, and exits", "[sessions][manager][processes]") {
  testing::fake_node fake;
  fake.start();
  io_thread io;
  music_parent p(io, fake.base_url(), parent_setup{.link = parent_link_config()});
  auto impostor = real_child({"child-1", child_bot(1)}, p.port, fake);
  auto token = std::find(impostor.args.begin(), impostor.args.end(), "--token");
  *std::next(token) = "wrong-token";
  shared_log<child_exit> exits;
  supervisor sup(io.ioc.get_executor(), supervise({impostor}, exits));
  REQUIRE(sup.start());
  REQUIRE(eventually([&] { return exits.size() >= 1; }));
  CHECK(exits.items()[0].status == 3);  // the child's "refused by the parent" status
  CHECK(p.manager->server().rejected_tokens() >= 1);
  CHECK(p.manager->children().empty());
  CHECK(p.events_of<manager_events::child_up>().empty());
  sup.async_stop(asio::use_future).get();
}
