// The pure decisions of a local session: reaping, query resolution, presets, volume arguments
// and the bounded action history. No sockets, no timers: times are passed in.
#include <hanabi/detail/session_logic.hpp>
#include <hanabi/player/filter_presets.hpp>

#include <catch2/catch.hpp>

using namespace hanabi;
using namespace hanabi::detail;
using namespace std::chrono_literals;

namespace {
const reap_policy transient{session_lifetime::transient, 300s, 1800s};
const reap_policy persistent{session_lifetime::persistent, 300s, 1800s};
const auto t0 = std::chrono::steady_clock::time_point{} + 1000h;
}  // namespace

TEST_CASE("reaping: a playing session is never reaped") {
  CHECK_FALSE(reap_deadline(transient, session_activity::playing, t0));
  CHECK_FALSE(reap_due(transient, session_activity::playing, t0, t0 + 100000h));
}

TEST_CASE("reaping: an idle session is reaped after the inactivity timeout, not before") {
  CHECK(reap_deadline(transient, session_activity::idle, t0) == t0 + 300s);
  CHECK_FALSE(reap_due(transient, session_activity::idle, t0, t0 + 299s));
  CHECK(reap_due(transient, session_activity::idle, t0, t0 + 300s));
}

TEST_CASE("reaping: a paused session has its own, separate timeout") {
  CHECK(reap_deadline(transient, session_activity::paused, t0) == t0 + 1800s);
  CHECK_FALSE(reap_due(transient, session_activity::paused, t0, t0 + 300s));
  CHECK(reap_due(transient, session_activity::paused, t0, t0 + 1800s));
}

TEST_CASE("reaping: a persistent session is never reaped for inactivity") {
  for (auto a : {session_activity::playing, session_activity::paused, session_activity::idle}) {
    CHECK_FALSE(reap_deadline(persistent, a, t0));
    CHECK_FALSE(reap_due(persistent, a, t0, t0 + 100000h));
  }
}

TEST_CASE("play queries: URLs, search prefixes and passthrough prefixes go to Lavalink unchanged") {
  const std::vector<std::string> pass{"fake:", "spotify:"};
  CHECK(load_identifier("https://example.com/a.mp3", "ytsearch:", pass) == "https://example.com/a.mp3");
  CHECK(load_identifier("http://example.com/a", "ytsearch:", pass) == "http://example.com/a");
  CHECK(load_identifier("scsearch:lofi", "ytsearch:", pass) == "scsearch:lofi");
  CHECK(load_identifier("fakesearch5:lofi", "ytsearch:", pass) == "fakesearch5:lofi");
  CHECK(load_identifier("fake:track:a", "ytsearch:", pass) == "fake:track:a");
  CHECK(load_identifier("spotify:track:1", "ytsearch:", pass) == "spotify:track:1");
}

TEST_CASE("play queries: anything else is searched with the configured prefix") {
  CHECK(load_identifier("never gonna give you up", "ytsearch:", {}) == "ytsearch:never gonna give you up");
  // Not a search prefix: upper case, a space, or no "search" before the colon.
  CHECK(load_identifier("Artist: Song", "ytsearch:", {}) == "ytsearch:Artist: Song");
  CHECK(load_identifier("my search: x", "ytsearch:", {}) == "ytsearch:my search: x");
  CHECK(load_identifier("search: x", "scsearch:", {}) == "scsearch:search: x");
  CHECK(load_identifier("fake:track:a", "ytsearch:", {}) == "ytsearch:fake:track:a");
  CHECK(load_identifier("httpx://a", "ytsearch:", {""}) == "ytsearch:httpx://a");
}

TEST_CASE("filter presets: every documented name, and a typed error naming them otherwise") {
  CHECK((filter_preset("nightcore").value() == presets::nightcore()));
  CHECK((filter_preset("vaporwave").value() == presets::vaporwave()));
  CHECK((filter_preset("karaoke").value() == presets::karaoke()));
  CHECK((filter_preset("bassboost").value() == presets::bass_boost(0.5).value()));
  CHECK((filter_preset("flat").value() == presets::flat_equalizer()));
  CHECK((filter_preset("clear").value() == protocol::filters{}));
  auto bad = filter_preset("loud");
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().code == error::invalid_argument);
  CHECK(bad.error().diag.client_message().find("nightcore") != std::string::npos);
}

TEST_CASE("volume arguments: absolute and relative within 0..1000, with the arithmetic on error") {
  CHECK(volume_target(100, 50, false).value() == 50);
  CHECK(volume_target(100, 0, false).value() == 0);
  CHECK(volume_target(100, 1000, false).value() == 1000);
  CHECK(volume_target(80, 20, true).value() == 100);
  CHECK(volume_target(80, -80, true).value() == 0);
  auto over = volume_target(80, 1000, true);
  REQUIRE_FALSE(over.has_value());
  CHECK(over.error().code == error::out_of_range);
  CHECK(over.error().diag.client_message().find("80 +1000 = 1080") != std::string::npos);
  CHECK(volume_target(80, -81, true).error().code == error::out_of_range);
  CHECK(volume_target(80, 1001, false).error().code == error::out_of_range);
  CHECK(volume_target(80, -1, false).error().code == error::out_of_range);
  // No overflow at the ends of int.
  CHECK(volume_target(1000, std::numeric_limits<int>::max(), true).error().code == error::out_of_range);
}

TEST_CASE("action history: bounded, oldest dropped, newest n oldest first") {
  action_history h(3);
  for (int i = 1; i <= 5; ++i) h.push({i, user_id{1}, "skip", std::to_string(i)});
  CHECK(h.size() == 3);
  auto all = h.newest(10);
  REQUIRE(all.size() == 3);
  CHECK(all[0].detail == "3");
  CHECK(all[2].detail == "5");
  auto two = h.newest(2);
  REQUIRE(two.size() == 2);
  CHECK(two[0].detail == "4");
  CHECK(two[1].detail == "5");
  CHECK(h.newest(0).empty());
  action_history none(0);
  none.push({1, user_id{1}, "play", {}});
  CHECK(none.size() == 0);
}

TEST_CASE("segments: start and end times are checked before anything is loaded") {
  CHECK(check_segment(0, 0).has_value());
  CHECK(check_segment(30'000, 0).has_value());
  CHECK(check_segment(30'000, 90'000).has_value());
  CHECK(check_segment(-1, 0).error().code == error::invalid_argument);
  CHECK(check_segment(0, -5).error().code == error::invalid_argument);
  auto backwards = check_segment(90'000, 30'000);
  REQUIRE_FALSE(backwards.has_value());
  CHECK(backwards.error().code == error::invalid_argument);
  CHECK(backwards.error().diag.client_message().find("30000 ms") != std::string::npos);
  CHECK(check_segment(5'000, 5'000).error().code == error::invalid_argument);
}
