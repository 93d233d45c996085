// The selection core of session_manager, step by step and without sockets: where a new session
// lives given this bot's state, the children's standing and their answers in any order.
#include <hanabi/detail/session_selection.hpp>

#include <catch2/catch.hpp>

using namespace hanabi;
using hanabi::detail::child_answer;
using hanabi::detail::child_standing;
using hanabi::detail::selection_candidate;
using hanabi::detail::selection_request;
using hanabi::detail::session_selection;
using kind = hanabi::detail::selection_step::kind;

namespace {

const session_address where{guild_id{10}, channel_id{20}};

std::vector<selection_candidate> children(std::vector<child_standing> standings) {
  std::vector<selection_candidate> out;
  for (std::size_t i = 0; i < standings.size(); ++i)
    out.push_back({"child-" + std::to_string(i + 1), standings[i]});
  return out;
}

session_selection busy_parent(std::size_t n, std::string bot = {}) {
  return session_selection({where, std::move(bot)}, "parent", false,
                           children(std::vector<child_standing>(n, child_standing::askable)));
}

}  // namespace

TEST_CASE("selection: an existing session is returned as is, whoever is free", "[sessions][manager]") {
  session_selection s({where, {}, true}, "parent", true, children({child_standing::askable}));
  CHECK(s.start().what == kind::existing);
  CHECK(s.decided());
}

TEST_CASE("selection: a free parent keeps the session without asking anyone", "[sessions][manager]") {
  session_selection s({where}, "parent", true, children({child_standing::askable, child_standing::askable}));
  auto step = s.start();
  CHECK(step.what == kind::local);
  CHECK(step.ask.empty());
}

TEST_CASE("selection: a busy parent asks every connected child at once", "[sessions][manager]") {
  session_selection s({where}, "parent", false,
                      children({child_standing::askable, child_standing::offline, child_standing::busy,
                                child_standing::askable}));
  auto step = s.start();
  REQUIRE(step.what == kind::ask);
  CHECK(step.ask == std::vector<std::string>{"child-1", "child-4"});
  CHECK_FALSE(s.decided());
}

TEST_CASE("selection: the first free child in configured order wins, not the first to answer",
          "[sessions][manager]") {
  auto s = busy_parent(3);
  REQUIRE(s.start().what == kind::ask);
  CHECK(s.on_answer("child-3", child_answer::free).what == kind::wait);
  CHECK(s.on_answer("child-2", child_answer::free).what == kind::wait);  // child-1 still decides first
  auto step = s.on_answer("child-1", child_answer::busy);
  CHECK(step.what == kind::child);
  CHECK(step.bot == "child-2");
  CHECK(s.decided());
  CHECK(s.on_answer("child-3", child_answer::busy).what == kind::wait);  // already decided
}

TEST_CASE("selection: the first child answering free decides at once when it comes first",
          "[sessions][manager]") {
  auto s = busy_parent(3);
  s.start();
  auto step = s.on_answer("child-1", child_answer::free);
  CHECK(step.what == kind::child);
  CHECK(step.bot == "child-1");
}

TEST_CASE("selection: a child that does not answer before the deadline counts as unavailable",
          "[sessions][manager]") {
  auto s = busy_parent(2);
  s.start();
  CHECK(s.on_answer("child-2", child_answer::free).what == kind::wait);
  auto step = s.on_answer("child-1", child_answer::unreachable);
  CHECK(step.what == kind::child);
  CHECK(step.bot == "child-2");
}

TEST_CASE("selection: everyone busy gives all_bots_busy naming how many bots there are", "[sessions][manager]") {
  auto s = busy_parent(2);
  s.start();
  CHECK(s.on_answer("child-2", child_answer::busy).what == kind::wait);
  auto step = s.on_answer("child-1", child_answer::unreachable);
  CHECK(step.what == kind::failed);
  CHECK(step.reason == error::all_bots_busy);
  CHECK(step.message == "all 3 bots are busy in this server");
}

TEST_CASE("selection: no child to ask fails at once", "[sessions][manager]") {
  SECTION("none configured") {
    session_selection s({where}, "parent", false, {});
    auto step = s.start();
    CHECK(step.what == kind::failed);
    CHECK(step.reason == error::all_bots_busy);
    CHECK(step.message == "parent is busy in this server");
  }
  SECTION("all offline or known busy") {
    session_selection s({where}, "parent", false, children({child_standing::offline, child_standing::busy}));
    auto step = s.start();
    CHECK(step.what == kind::failed);
    CHECK(step.reason == error::all_bots_busy);
    CHECK(step.message == "all 3 bots are busy in this server");
  }
}

TEST_CASE("selection: answers of children never asked, and repeated answers, change nothing",
          "[sessions][manager]") {
  session_selection s({where}, "parent", false, children({child_standing::askable, child_standing::offline}));
  s.start();
  CHECK(s.on_answer("child-2", child_answer::free).what == kind::wait);    // offline: not asked
  CHECK(s.on_answer("stranger", child_answer::free).what == kind::wait);   // not configured
  CHECK(s.on_answer("child-1", child_answer::busy).what == kind::failed);
  CHECK(s.on_answer("child-1", child_answer::free).what == kind::wait);    // repeated
}

TEST_CASE("selection: a refused connect moves on to the next free child in order", "[sessions][manager]") {
  auto s = busy_parent(3);
  s.start();
  s.on_answer("child-3", child_answer::free);
  s.on_answer("child-2", child_answer::busy);
  auto step = s.on_answer("child-1", child_answer::free);
  REQUIRE(step.bot == "child-1");
  CHECK(s.on_refused("child-2").what == kind::wait);  // not the chosen one
  step = s.on_refused("child-1");
  CHECK(step.what == kind::child);
  CHECK(step.bot == "child-3");
  step = s.on_refused("child-3");
  CHECK(step.what == kind::failed);
  CHECK(step.reason == error::all_bots_busy);
}

TEST_CASE("selection: a refusal before a later child answered waits for that answer", "[sessions][manager]") {
  auto s = busy_parent(2);
  s.start();
  REQUIRE(s.on_answer("child-1", child_answer::free).bot == "child-1");
  CHECK(s.on_refused("child-1").what == kind::wait);
  CHECK_FALSE(s.decided());
  auto step = s.on_answer("child-2", child_answer::free);
  CHECK(step.what == kind::child);
  CHECK(step.bot == "child-2");
}

TEST_CASE("selection: an explicit bot choice", "[sessions][manager]") {
  SECTION("this bot, free") {
    session_selection s({where, "parent"}, "parent", true, children({child_standing::askable}));
    CHECK(s.start().what == kind::local);
  }
  SECTION("this bot, busy") {
    session_selection s({where, "parent"}, "parent", false, children({child_standing::askable}));
    auto step = s.start();
    CHECK(step.what == kind::failed);
    CHECK(step.reason == error::bot_busy);
    CHECK(step.message == "parent is already playing in another voice channel of this server");
  }
  SECTION("a connected child is chosen without asking, even when this bot is free") {
    session_selection s({where, "child-2"}, "parent", true,
                        children({child_standing::askable, child_standing::askable}));
    auto step = s.start();
    CHECK(step.what == kind::child);
    CHECK(step.bot == "child-2");
    CHECK(step.ask.empty());
    auto refused = s.on_refused("child-2");  // its connect said bot_busy: no fallback to another bot
    CHECK(refused.what == kind::failed);
    CHECK(refused.reason == error::bot_busy);
  }
  SECTION("an offline child") {
    session_selection s({where, "child-1"}, "parent", true, children({child_standing::offline}));
    auto step = s.start();
    CHECK(step.reason == error::child_lost);
    CHECK(step.message == "child-1 is not connected");
  }
  SECTION("a child known to be busy in the guild") {
    session_selection s({where, "child-1"}, "parent", true, children({child_standing::busy}));
    CHECK(s.start().reason == error::bot_busy);
  }
  SECTION("an unknown name") {
    auto s = busy_parent(1, "nobody");
    auto step = s.start();
    CHECK(step.what == kind::failed);
    CHECK(step.reason == error::invalid_argument);
    CHECK(step.message == "there is no bot named 'nobody'");
  }
}
