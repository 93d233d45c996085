// The session manager over real control links on 127.0.0.1, with in-process children that answer
// the session ops as a test scripts them (the real child program is exercised by
// manager_processes.cpp). Sessions are recorded doubles: these tests are about where sessions go
// and how the manager tracks them, not about what a session does.
#include "manager_support.hpp"

#include <hanabi/session/session_manager.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <catch2/catch.hpp>

#include <deque>

namespace asio = boost::asio;
using namespace hanabi;
using namespace hanabi::test;

namespace {

// A manager whose local and remote sessions are recorded doubles, and whose events are logged.
struct manager_fixture {
  io_thread io;
  shared_log<manager_event> events;
  std::atomic<int> local_creations{0};
  std::atomic<int> local_delay_ms{0};
  std::mutex made_mutex;
  std::map<std::uint64_t, std::shared_ptr<recorded_session>> made;  // by voice channel
  std::unique_ptr<session_manager> manager;
  unsigned short port = 0;

  explicit manager_fixture(std::vector<std::string> children = {"child-1", "child-2"}) {
    session_manager_config cfg;
    cfg.children = std::move(children);
    cfg.server = parent_link_config();
    cfg.availability_timeout = 2000ms;
    cfg.on_event = [this](const manager_event& e) { events.add(e); };
    cfg.log = logger::none();
    manager = std::make_unique<session_manager>(io.ioc.get_executor(), cfg, local_factory(), hooks());
    port = manager->listen().value().port();
  }

  local_session_factory local_factory() {
    return [this](session_address where, user_id, diagnostics&, session_handler<std::shared_ptr<session>> h) {
      ++local_creations;
      auto s = record(where, "parent", false);
      auto timer = std::make_shared<asio::steady_timer>(io.ioc, std::chrono::milliseconds(local_delay_ms.load()));
      timer->async_wait([timer, s, h = std::move(h)](error_code) mutable { std::move(h)(error_code{}, s); });
    };
  }

  remote_session_hooks hooks() {
    remote_session_hooks h;
    h.make = [this](remote::link, session_address where, std::string bot) { return record(where, bot, true); };
    h.deliver = [](session& s, const remote::event& e) { static_cast<recorded_session&>(s).delivered.add(e.op); };
    h.lost = [](session& s, error_code why) {
      auto& r = static_cast<recorded_session&>(s);
      r.lost.add(why);
      r.publish(session_events::closed{close_reason::child_lost, {}});
    };
    return h;
  }

  std::shared_ptr<recorded_session> record(session_address where, std::string bot, bool remote) {
    auto s = std::make_shared<recorded_session>(io.ioc.get_executor(), where, std::move(bot), remote);
    std::lock_guard<std::mutex> lock(made_mutex);
    made[where.voice.value()] = s;
    return s;
  }

  std::shared_ptr<recorded_session> made_for(std::uint64_t voice) {
    std::lock_guard<std::mutex> lock(made_mutex);
    return made[voice];
  }

  struct outcome {
    error_code ec;
    std::shared_ptr<session> s;
    std::string message;
  };

  outcome get(session_address where, std::string bot = {}) {
    diagnostics diag;
    auto f = manager->async_get_or_create(where, {user_id{1}, std::move(bot)}, diag,
                                          asio::use_future([](error_code ec, std::shared_ptr<session> s) {
                                            return std::make_pair(ec, std::move(s));
                                          }));
    auto [ec, s] = f.get();
    return {ec, s, diag.client_message()};
  }

  bool children_up(std::size_t n) {
    return eventually([&] { return manager->children().size() == n; });
  }

  template <class E>
  std::vector<E> events_of() {
    return alternatives_of<E>(events);
  }
};

// A manager with both configured children connected.
struct two_children_fixture {
  manager_fixture m;
  scripted_child child1{m.io.ioc, m.port, "child-1"};
  scripted_child child2{m.io.ioc, m.port, "child-2"};
};

// With use_awaitable: the parent's session, then all_bots_busy (through redirect_error). A plain
// function, not a lambda, so the coroutine never outlives the object holding its captures. The
// options are named locals: GCC 12 mis-copies a braced temporary inside a co_await expression.
asio::awaitable<std::string> parent_then_busy(session_manager& manager) {
  diagnostics d;
  const create_options by_user{user_id{1}, {}};
  auto s = co_await manager.async_get_or_create(at(1), by_user, d, asio::use_awaitable);
  error_code ec;
  co_await manager.async_get_or_create(at(2), by_user, d, asio::redirect_error(asio::use_awaitable, ec));
  co_return s->bot() + " " + ec.message();
}

}  // namespace

TEST_CASE_METHOD(two_children_fixture, "manager: local first, then the first free child in configured order, then all_bots_busy",
          "[sessions][manager]") {
  REQUIRE(m.children_up(2));
  child1.answer_delay_ms = 150;  // child-2 answers first, but child-1 comes first in the configuration

  auto a = m.get(at(1));
  REQUIRE_FALSE(a.ec);
  CHECK(a.s->bot() == "parent");
  CHECK_FALSE(a.s->is_remote());
  CHECK(child1.ops.size() == 0);  // a free parent asks nobody

  auto again = m.get(at(1));
  CHECK(again.s == a.s);
  CHECK(m.local_creations == 1);

  auto b = m.get(at(2));
  REQUIRE_FALSE(b.ec);
  CHECK(b.s->bot() == "child-1");
  CHECK(b.s->is_remote());
  CHECK(child1.count("connect 2") == 1);
  CHECK(child2.count("available 2") == 1);
  CHECK(child2.count("connect") == 0);

  auto c = m.get(at(3));
  REQUIRE_FALSE(c.ec);
  CHECK(c.s->bot() == "child-2");
  CHECK(child1.count("available 3") == 0);  // known busy in this guild: not asked again

  auto d = m.get(at(4));
  CHECK(d.ec == error::all_bots_busy);
  CHECK(d.message == "all 3 bots are busy in this server");
  CHECK(d.s == nullptr);

  auto other_guild = m.get(at(5, guild_id{200}));
  REQUIRE_FALSE(other_guild.ec);
  CHECK(other_guild.s->bot() == "parent");

  CHECK(m.manager->sessions().size() == 4);
  CHECK(m.manager->find(channel_id{3}) == c.s);
  CHECK(m.manager->find(channel_id{4}) == nullptr);
  CHECK(m.events_of<manager_events::session_added>().size() == 4);
}

TEST_CASE_METHOD(two_children_fixture, "manager: a child that refuses its connect passes the session to the next free child",
          "[sessions][manager]") {
  REQUIRE(m.children_up(2));
  REQUIRE_FALSE(m.get(at(1)).ec);  // the parent is busy in the guild from now on
  child1.refuse_connect = true;

  auto s = m.get(at(2));
  REQUIRE_FALSE(s.ec);
  CHECK(s.s->bot() == "child-2");
  CHECK(child1.count("connect 2") == 1);

  SECTION("named explicitly, its refusal is the answer") {
    auto named = m.get(at(3), "child-1");
    CHECK(named.ec == error::bot_busy);
    CHECK(named.message == "child-1 is already playing in another voice channel of this server");
    CHECK(child1.count("available 3") == 0);
  }
  SECTION("an unknown name") {
    auto named = m.get(at(3), "child-9");
    CHECK(named.ec == error::invalid_argument);
    CHECK(named.message == "there is no bot named 'child-9'");
  }
  SECTION("this bot, named while busy") {
    CHECK(m.get(at(3), "parent").ec == error::bot_busy);
  }
}

TEST_CASE("manager: a configured child that is not connected is never asked and cannot be named",
          "[sessions][manager]") {
  manager_fixture m;
  scripted_child child1(m.io.ioc, m.port, "child-1");
  REQUIRE(m.children_up(1));
  REQUIRE_FALSE(m.get(at(1)).ec);
  child1.free = false;

  auto s = m.get(at(2));
  CHECK(s.ec == error::all_bots_busy);
  CHECK(child1.count("available 2") == 1);
  auto named = m.get(at(2), "child-2");
  CHECK(named.ec == error::child_lost);
  CHECK(named.message == "child-2 is not connected");
}

TEST_CASE("manager: concurrent calls for one channel share one creation", "[sessions][manager]") {
  manager_fixture m(std::vector<std::string>{});
  m.local_delay_ms = 100;
  diagnostics d1, d2;
  auto f1 = m.manager->async_get_or_create(at(1), {user_id{1}}, d1, asio::use_future);
  auto f2 = m.manager->async_get_or_create(at(1), {user_id{2}}, d2, asio::use_future);
  auto s1 = f1.get();
  auto s2 = f2.get();
  CHECK(s1 == s2);
  CHECK(m.local_creations == 1);
}

TEST_CASE("manager: teardown started by a child reaches the parent without an echo", "[sessions][manager]") {
  manager_fixture m;
  scripted_child child1(m.io.ioc, m.port, "child-1");
  REQUIRE(m.children_up(1));
  REQUIRE_FALSE(m.get(at(1)).ec);
  auto s = m.get(at(2));
  REQUIRE(s.s->bot() == "child-1");

  child1.send_event("session_closed", {{"guild", test_guild.str()}, {"voice", "2"}, {"reason", "inactivity"}});
  REQUIRE(eventually([&] { return m.manager->find(channel_id{2}) == nullptr; }));
  auto removed = m.events_of<manager_events::session_removed>();
  REQUIRE(removed.size() == 1);
  CHECK(removed[0].address == at(2));
  CHECK(removed[0].bot == "child-1");
  CHECK(removed[0].reason == close_reason::inactivity);
  CHECK(m.made_for(2)->delivered.items() == std::vector<std::string>{"session_closed"});
  CHECK(m.made_for(2)->disconnects == 0);
  CHECK(child1.count("disconnect") == 0);

  // A later event for that channel, or one naming a channel the child does not hold, is ignored.
  child1.send_event("session_event", {{"voice", "1"}, {"event", {{"type", "closed"}}}});
  child1.send_event("session_closed", {{"voice", "not-a-snowflake"}});
  REQUIRE(eventually([&] { return m.made_for(2)->delivered.size() == 1; }));
  CHECK(m.manager->find(channel_id{1}) != nullptr);
}

TEST_CASE("manager: disconnect ends the session where it lives and forgets it", "[sessions][manager]") {
  manager_fixture m(std::vector<std::string>{});
  REQUIRE_FALSE(m.get(at(1)).ec);
  diagnostics diag;
  m.manager->async_disconnect(channel_id{1}, {user_id{1}}, diag, asio::use_future).get();
  CHECK(m.manager->find(channel_id{1}) == nullptr);
  CHECK(m.made_for(1)->disconnects == 1);

  auto again = m.manager->async_disconnect(channel_id{1}, {user_id{1}}, diag,
                                           asio::use_future([](error_code ec) { return ec; }));
  CHECK(again.get() == error::no_session);
  CHECK(diag.client_message() == "there is no session in this voice channel");

  // Freed: the parent takes the guild's next session itself.
  auto next = m.get(at(2));
  CHECK(next.s->bot() == "parent");
}

TEST_CASE("manager: a session that ends on its own is forgotten", "[sessions][manager]") {
  manager_fixture m(std::vector<std::string>{});
  REQUIRE_FALSE(m.get(at(1)).ec);
  m.made_for(1)->publish(session_events::closed{close_reason::inactivity, {}});
  REQUIRE(eventually([&] { return m.manager->find(channel_id{1}) == nullptr; }));
  auto removed = m.events_of<manager_events::session_removed>();
  REQUIRE(removed.size() == 1);
  CHECK(removed[0].reason == close_reason::inactivity);
}

TEST_CASE("manager: a dropped child's sessions are reported lost, then re-adopted when it returns",
          "[sessions][manager]") {
  manager_fixture m;
  auto child1 = std::make_unique<scripted_child>(m.io.ioc, m.port, "child-1");
  REQUIRE(m.children_up(1));
  REQUIRE_FALSE(m.get(at(1)).ec);
  auto s = m.get(at(2));
  REQUIRE(s.s->bot() == "child-1");
  auto first_proxy = m.made_for(2);

  child1->stop();
  REQUIRE(eventually([&] { return m.manager->find(channel_id{2}) == nullptr; }));
  auto removed = m.events_of<manager_events::session_removed>();
  REQUIRE(removed.size() == 1);
  CHECK(removed[0].reason == close_reason::child_lost);
  CHECK(first_proxy->lost.size() == 1);
  CHECK(m.events_of<manager_events::child_down>().size() == 1);
  CHECK(m.manager->children().empty());

  // It comes back (a new process, the same name) still playing in channel 2.
  child1.reset();
  scripted_child back(m.io.ioc, m.port, "child-1", {at(2)});
  REQUIRE(eventually([&] { return m.manager->find(channel_id{2}) != nullptr; }));
  auto adopted = m.manager->find(channel_id{2});
  CHECK(adopted->bot() == "child-1");
  CHECK(adopted != s.s);
  auto added = m.events_of<manager_events::session_added>();
  REQUIRE(added.size() == 3);
  CHECK(added.back().adopted);
  CHECK(m.events_of<manager_events::child_up>().size() == 2);

  // The adopted child counts as busy in the guild again.
  back.free = true;
  CHECK(m.get(at(3)).ec == error::all_bots_busy);
}

TEST_CASE("manager: every completion token works", "[sessions][manager]") {
  manager_fixture m(std::vector<std::string>{});
  diagnostics diag;
  std::promise<std::string> by_callback;
  m.manager->async_get_or_create(at(1), {user_id{1}}, diag, [&](error_code ec, std::shared_ptr<session> s) {
    by_callback.set_value(ec ? ec.message() : s->bot());
  });
  CHECK(by_callback.get_future().get() == "parent");

  auto by_coroutine = asio::co_spawn(m.io.ioc, parent_then_busy(*m.manager), asio::use_future);
  CHECK(by_coroutine.get() == "parent " + error_code(error::all_bots_busy).message());
}
