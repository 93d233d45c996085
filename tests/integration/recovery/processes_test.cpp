// Recovery across processes (issue 7): a parent and two real `hanabi-session-child` processes,
// each persisting its own sessions into its own SQLite file, playing on a fake Lavalink node in
// this process. kill -9 of a child, of the parent, and of everything: each time every session
// comes back (through the parent's manager: the parent's own recovered, the children's recovered
// by each child before it registers and adopted by the parent) with its queue, pointer, repeat,
// volume, pause state and filters, and its track continues within one player update interval of
// where the node had it. The parent that is killed is this binary running the hidden test case
// "recovery parent process". No assertion is about elapsed time.
#include "../sessions/music_bots.hpp"

#include "../storage/crash_child.hpp"
#include "../storage/sqlite_helpers.hpp"

#include <hanabi/detail/session_logic.hpp>
#include <hanabi/queue/track_queue.hpp>

#include <boost/asio/ip/tcp.hpp>

#include <signal.h>

#include <cstdlib>
#include <thread>

namespace asio = boost::asio;
using namespace hanabi;
using namespace hanabi::test;

namespace {

using std::chrono::milliseconds;

constexpr milliseconds update_interval{1000};  // the fake node's playerUpdate interval: the tolerance

/// What session n (1: the parent's, 2 and 3: the children's) is set to; each its own values.
struct expected {
  std::size_t pointer;
  int volume;
  std::string bot;
  user_id bot_user;
};

expected expected_of(std::uint64_t voice) {
  const auto n = static_cast<int>(voice);
  return {voice + 1, 30 + 10 * n, voice == 1 ? "parent" : fmt::format("child-{}", voice - 1),
          voice == 1 ? parent_bot : child_bot(voice - 1)};
}

std::string track_title(std::size_t i) { return fmt::format("Track {} of 6", i); }

/// Plays a playlist of 6 on `s` with repeat all, its own pointer, a seek, nightcore and its own
/// volume (the last change, so a stored volume means everything before it is stored too).
void configure(session& s) {
  const auto want = expected_of(s.address().voice.value());
  const user_id dj{42};
  required_answer([&](diagnostics& d) { return s.async_play({.query = "fake:playlist:6", .by = dj}, d, asio::use_future); });
  required_answer([&](diagnostics& d) { return s.async_repeat({.mode = repeat_mode::all, .by = dj}, d, asio::use_future); });
  required_answer([&](diagnostics& d) {
    return s.async_skip({.how = skip_args::kind::to, .value = static_cast<std::int64_t>(want.pointer), .by = dj}, d,
                        asio::use_future);
  });
  required_answer([&](diagnostics& d) { return s.async_seek({.value = 20'000, .by = dj}, d, asio::use_future); });
  required_answer([&](diagnostics& d) { return s.async_filters({.set = std::string("nightcore"), .by = dj}, d, asio::use_future); });
  required_answer([&](diagnostics& d) { return s.async_volume({.value = want.volume, .by = dj}, d, asio::use_future); });
}

/// Waits until the bot's store file holds session `voice` as configure() left it.
void wait_durable(io_thread& io, const std::string& db, std::uint64_t voice) {
  const auto want = expected_of(voice);
  storage::sqlite_store_config sc;
  sc.path = db;
  sc.log = logger::none();
  auto reader = storage::sqlite_store::open(io.ioc.get_executor(), sc);
  REQUIRE(reader);
  const storage::session_key key{want.bot, test_guild, channel_id{voice}};
  CHECK(eventually([&] {
    auto record = required_answer([&](diagnostics& d) { return (*reader)->async_load_session(key, d, asio::use_future); });
    if (!record || !record->state.is_object() || record->state.value("volume", 0) != want.volume) return false;
    auto restored = replayed_queue(*record);
    return restored && restored->current_position() == want.pointer;
  }));
  (*reader)->close();
}

/// The bots' players at the node, by voice channel 1..3, and when they were read.
struct node_positions {
  std::map<std::uint64_t, testing::player_view> players;
  std::chrono::steady_clock::time_point read_at;
};

node_positions read_positions(const testing::fake_node& fake, std::initializer_list<std::uint64_t> voices) {
  node_positions out;
  for (auto v : voices) {
    auto p = player_of(fake, expected_of(v).bot_user, test_guild);
    REQUIRE(p);
    REQUIRE(p->track);
    out.players[v] = *p;
  }
  out.read_at = std::chrono::steady_clock::now();
  return out;
}

/// Session `voice`, as the parent's manager holds it now, is back as configure() left it, and its
/// player continues from where `before` saw it.
void check_back(const testing::fake_node& fake, music_parent& p, std::uint64_t voice, const node_positions& before) {
  const auto want = expected_of(voice);
  INFO("the session in voice channel " << voice << " on " << want.bot);
  auto s = p.manager->find(channel_id{voice});
  REQUIRE(s);
  CHECK(s->bot() == want.bot);
  auto state = required_answer([&](diagnostics& d) { return s->async_state(d, asio::use_future); });
  auto page = required_answer([&](diagnostics& d) { return s->async_queue_page({.number = 1, .size = 10}, d, asio::use_future); });
  std::vector<std::string> titles;
  for (auto& item : page.items) titles.push_back(item.title);
  CHECK(titles == std::vector<std::string>{track_title(1), track_title(2), track_title(3), track_title(4),
                                           track_title(5), track_title(6)});
  CHECK(state.current_position == want.pointer);
  CHECK(state.repeat == repeat_mode::all);
  CHECK(state.volume == want.volume);
  CHECK_FALSE(state.paused);
  CHECK(state.filters == detail::filter_preset("nightcore").value());
  CHECK(state.connected);

  // At the node: the same track, continuing within one update interval of where it was.
  const auto& old = before.players.at(voice);
  std::optional<testing::player_view> now;
  REQUIRE(eventually([&] {
    now = player_of(fake, want.bot_user, test_guild);
    return now && now->track && now->track->info.title == track_title(want.pointer) && !now->paused &&
           now->volume == want.volume;
  }));
  const auto elapsed =
      std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - before.read_at).count();
  CHECK(now->track->encoded == old.track->encoded);
  CHECK(now->voice_channel_id == channel_id{voice}.str());
  CHECK(now->filters == old.filters);
  CHECK(now->position >= old.position - update_interval.count());
  CHECK(now->position <= old.position + elapsed + update_interval.count());
}

testing::fake_node_options node_options() {
  testing::fake_node_options o;
  o.player_update_interval = update_interval;
  return o;
}

/// A free loopback port for a parent that must be restarted on the same one (children redial it).
unsigned short free_port() {
  asio::io_context io;
  asio::ip::tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

std::vector<child_program> stored_children(const temp_dir& dir, unsigned short port, const testing::fake_node& fake) {
  std::vector<child_program> out;
  for (std::uint64_t n : {1, 2}) {
    auto name = fmt::format("child-{}", n);
    out.push_back(real_child({name, child_bot(n), (dir.path() / (name + ".db")).string()}, port, fake));
  }
  return out;
}

/// Every session is adopted (or recovered) by the parent `p`.
bool all_held(music_parent& p) {
  return p.bot_at(channel_id{1}) == "parent" && p.bot_at(channel_id{2}) == "child-1" &&
         p.bot_at(channel_id{3}) == "child-2";
}

/// A parent process (the hidden test case below) with two children of this process's supervisor,
/// each bot with its own store file, killed with SIGKILL once the three sessions play as configure()
/// left them and the parent's own is durable.
struct parent_killed {
  parent_killed() {
    fake.start();
    sup = std::make_unique<supervisor>(io.ioc.get_executor(), supervise(stored_children(dir, port, fake), exits));
    REQUIRE(sup->start());
    auto parent = run_crash_child(
        "[.recovery-parent]",
        {{"HANABI_PROCS_DB", parent_db}, {"HANABI_PROCS_NODE", fake.base_url()}, {"HANABI_PROCS_PORT", std::to_string(port)}},
        1);
    REQUIRE(parent.killed);
  }
  ~parent_killed() {
    if (sup) sup->async_stop(asio::use_future).get();
  }

  /// A new parent on the old one's store file and port.
  std::unique_ptr<music_parent> restart_parent() {
    return std::make_unique<music_parent>(io, fake.base_url(), parent_setup{.store = parent_db, .port = port});
  }

  temp_dir dir;
  testing::fake_node fake{node_options()};
  io_thread io;
  const unsigned short port = free_port();
  const std::string parent_db = (dir.path() / "parent.db").string();
  shared_log<child_exit> exits;
  std::unique_ptr<supervisor> sup;
};

}  // namespace

// Not a test of its own: the parent process of the kill -9 tests. It recovers from and persists
// into HANABI_PROCS_DB, listens on HANABI_PROCS_PORT, waits for both children, makes the three
// sessions, says "ack 1" once its own is durable, and plays on until it is killed.
TEST_CASE("recovery parent process", "[.recovery-parent]") {
  const char* db = std::getenv("HANABI_PROCS_DB");
  const char* url = std::getenv("HANABI_PROCS_NODE");
  const char* port = std::getenv("HANABI_PROCS_PORT");
  REQUIRE((db && url && port));
  io_thread io;
  music_parent p(io, url, {.store = db, .port = static_cast<unsigned short>(std::atoi(port))});
  REQUIRE(p.has_children(2));
  for (std::uint64_t voice : {1, 2, 3}) configure(*p.open(at(voice)));
  p.flush();
  say("ack", 1);
  while (true) std::this_thread::sleep_for(std::chrono::seconds(1));
}

TEST_CASE("recovery: kill -9 of a child: it is respawned, recovers from its store, and the parent re-adopts its session",
          "[recovery][processes]") {
  temp_dir dir;
  testing::fake_node fake(node_options());
  fake.start();
  io_thread io;
  music_parent p(io, fake.base_url(), {});
  shared_log<child_exit> exits;
  supervisor sup(io.ioc.get_executor(), supervise(stored_children(dir, p.port, fake), exits));
  REQUIRE(sup.start());
  REQUIRE(p.has_children(2));
  REQUIRE(p.open(at(1))->bot() == "parent");
  auto held = p.open(at(2));
  REQUIRE(held->bot() == "child-1");
  configure(*held);
  wait_durable(io, (dir.path() / "child-1.db").string(), 2);

  const auto before = read_positions(fake, {2});
  ::kill(*sup.pid("child-1"), SIGKILL);
  // Reported lost, then back: respawned, recovered, registered, adopted.
  REQUIRE(eventually([&] { return !p.events_of<manager_events::session_removed>().empty(); }));
  CHECK(p.events_of<manager_events::session_removed>().front().reason == close_reason::child_lost);
  REQUIRE(eventually([&] { return sup.spawns("child-1") == 2 && p.bot_at(channel_id{2}) == "child-1"; }));
  auto added = p.events_of<manager_events::session_added>();
  CHECK(added.back().address == at(2));
  CHECK(added.back().adopted);
  check_back(fake, p, 2, before);
  sup.async_stop(asio::use_future).get();
}

TEST_CASE_METHOD(parent_killed,
                 "recovery: kill -9 of the parent: the children play on, a new parent recovers its own session and adopts theirs",
                 "[recovery][processes]") {
  const auto before = read_positions(fake, {1, 2, 3});
  // The children are orphans within their grace: alive, and still playing.
  CHECK(exits.size() == 0);
  CHECK(before.players.at(2).track->info.title == track_title(3));
  CHECK_FALSE(before.players.at(2).paused);

  auto p = restart_parent();
  CHECK(p->recovered == std::vector<session_address>{at(1)});
  REQUIRE(eventually([&] { return all_held(*p); }));
  CHECK(exits.size() == 0);
  for (std::uint64_t voice : {1, 2, 3}) check_back(fake, *p, voice, before);
}

TEST_CASE_METHOD(parent_killed, "recovery: kill -9 of every process, then start all: every session is back with its queue and position",
                 "[recovery][processes]") {
  for (std::uint64_t voice : {2, 3})
    wait_durable(io, (dir.path() / fmt::format("child-{}.db", voice - 1)).string(), voice);
  const auto before = read_positions(fake, {1, 2, 3});
  const int first = *sup->pid("child-1"), second = *sup->pid("child-2");
  sup.reset();  // SIGKILL to both children, reaped
  CHECK(::kill(first, 0) == -1);
  CHECK(::kill(second, 0) == -1);

  auto p = restart_parent();
  sup = std::make_unique<supervisor>(io.ioc.get_executor(), supervise(stored_children(dir, port, fake), exits));
  REQUIRE(sup->start());
  REQUIRE(eventually([&] { return all_held(*p); }));
  for (std::uint64_t voice : {1, 2, 3}) check_back(fake, *p, voice, before);
}
