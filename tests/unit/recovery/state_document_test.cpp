// The pure halves of persistence and recovery: the state document and its reading (position
// extrapolated only while playing), bad documents as typed errors, the queue a record replays to,
// and the stored node session a node is configured to resume.
#include <hanabi/session/recovery.hpp>

#include <catch2/catch.hpp>

using namespace hanabi;

namespace {

session_state playing_state() {
  session_state s;
  s.active = true;
  s.volume = 80;
  s.filters.volume = 0.5;
  s.lifetime = session_lifetime::persistent;
  s.current = now_playing{};
  s.current->position = 30'000;
  return s;
}

queue_item entry(int n) {
  protocol::track t;
  t.encoded = "QAAA" + std::to_string(n);
  t.info.identifier = "id" + std::to_string(n);
  t.info.title = "Song " + std::to_string(n);
  t.info.length = 180'000;
  return make_queue_item(t, user_id{42}, 1'700'000'000'000 + n);
}

}  // namespace

TEST_CASE("state document: a playing session's position is extrapolated to now", "[recovery]") {
  auto doc = state_document(playing_state(), 1'000'000);
  auto p = playback_from_document(doc, 1'004'500);
  REQUIRE((p).has_value());
  REQUIRE(p->has_value());
  CHECK((*p)->position == 34'500);
  CHECK_FALSE((*p)->paused);
  CHECK((*p)->volume == 80);
  CHECK((*p)->filters == playing_state().filters);
  CHECK(lifetime_from_document(doc) == session_lifetime::persistent);
}

TEST_CASE("state document: a paused session stays where it was", "[recovery]") {
  auto s = playing_state();
  s.paused = true;
  auto p = playback_from_document(state_document(s, 1'000'000), 9'000'000);
  REQUIRE((p).has_value());
  REQUIRE(p->has_value());
  CHECK((*p)->position == 30'000);
  CHECK((*p)->paused);
}

TEST_CASE("state document: an idle session has no playback, a clock gone backwards no negative time", "[recovery]") {
  session_state idle;
  auto none = playback_from_document(state_document(idle, 5), 10);
  REQUIRE((none).has_value());
  CHECK_FALSE(none->has_value());
  auto back = playback_from_document(state_document(playing_state(), 1'000'000), 0);
  REQUIRE((back).has_value());
  CHECK((*back)->position == 30'000);
  CHECK(lifetime_from_document(state_document(idle, 5)) == session_lifetime::transient);
}

TEST_CASE("state document: bad documents are typed errors", "[recovery]") {
  auto good = state_document(playing_state(), 1);
  auto expect_invalid = [](const nlohmann::json& doc) {
    auto p = playback_from_document(doc, 2);
    REQUIRE_FALSE((p).has_value());
    CHECK(p.error().code == error::invalid_argument);
  };
  expect_invalid(nullptr);
  expect_invalid(nlohmann::json::array());
  auto v = good;
  v["version"] = 99;
  expect_invalid(v);
  auto missing = good;
  missing.erase("position");
  expect_invalid(missing);
  auto wrong = good;
  wrong["paused"] = "yes";
  expect_invalid(wrong);
  auto loud = good;
  loud["volume"] = 5000;
  expect_invalid(loud);
  auto filters = good;
  filters["filters"] = {{"timescale", {{"speed", "fast"}}}};
  auto p = playback_from_document(filters, 2);
  CHECK_FALSE((p).has_value());
}

TEST_CASE("replayed_queue: the snapshot with the tail replayed, at the record's version", "[recovery]") {
  std::vector<queue_event> events;
  queue_config qc;
  qc.on_change = [&](const queue_event& e) { events.push_back(e); };  // kept beyond the call: copied
  track_queue live(qc);
  REQUIRE((live.enqueue({entry(1), entry(2)})).has_value());
  const auto snapshot = live.snapshot();
  const auto snapshot_version = live.version();
  REQUIRE((live.enqueue({entry(3)})).has_value());
  REQUIRE((live.skip_to(2)).has_value());
  REQUIRE((live.set_repeat(repeat_mode::one)).has_value());

  storage::session_record record;
  record.snapshot = snapshot;
  record.snapshot_version = snapshot_version;
  for (const auto& e : events)
    if (e.version > snapshot_version) record.tail.push_back({e.version, to_json_value(e)});
  auto back = replayed_queue(record);
  REQUIRE((back).has_value());
  CHECK(*back == live);
  CHECK(back->version() == record.version());

  record.tail.front().body = {{"nonsense", true}};
  CHECK_FALSE(replayed_queue(record).has_value());
}

TEST_CASE("resume_stored_session: a node resumes the session stored under its name", "[recovery]") {
  std::vector<storage::node_session> stored{{"other", "aaaa", true, std::chrono::seconds(60)},
                                            {"main", "bbbb", true, std::chrono::seconds(60)}};
  node_config mine;
  mine.name = "main";
  resume_stored_session(mine, stored);
  CHECK(mine.session_id == "bbbb");
  node_config fresh;
  fresh.name = "new";
  resume_stored_session(fresh, stored);
  CHECK(fresh.session_id.empty());
}
