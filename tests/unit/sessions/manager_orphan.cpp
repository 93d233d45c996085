// The child's rule for an absent parent (detail::orphan_clock), on an injected clock.
#include <hanabi/session/supervisor.hpp>

#include <catch2/catch.hpp>

using namespace hanabi;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

TEST_CASE("orphan clock: a child that never reaches its parent leaves after the grace", "[sessions][manager]") {
  const auto t0 = clock_type::time_point{} + 1h;
  detail::orphan_clock c({.grace = 500ms}, t0);
  REQUIRE(c.deadline());
  CHECK(*c.deadline() == t0 + 500ms);
  CHECK_FALSE(c.must_leave(t0 + 499ms));
  CHECK(c.must_leave(t0 + 500ms));
}

TEST_CASE("orphan clock: the grace counts from the first drop and a return cancels it", "[sessions][manager]") {
  const auto t0 = clock_type::time_point{} + 1h;
  detail::orphan_clock c({.grace = 500ms}, t0);
  c.parent_up();
  CHECK_FALSE(c.deadline());
  CHECK_FALSE(c.must_leave(t0 + 10h));

  c.parent_down(t0 + 1s);
  c.parent_down(t0 + 2s);  // a reconnect attempt failing again keeps the first drop time
  CHECK(*c.deadline() == t0 + 1500ms);

  c.parent_up();
  CHECK_FALSE(c.must_leave(t0 + 3s));
  c.parent_down(t0 + 4s);
  CHECK(*c.deadline() == t0 + 4500ms);
}

TEST_CASE("orphan clock: keep_playing never leaves", "[sessions][manager]") {
  const auto t0 = clock_type::time_point{} + 1h;
  detail::orphan_clock c({.grace = 1ms, .keep_playing = true}, t0);
  c.parent_down(t0);
  CHECK_FALSE(c.deadline());
  CHECK_FALSE(c.must_leave(t0 + 24h));
}
