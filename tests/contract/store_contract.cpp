// The store contract's cases (see store_contract.hpp): each runs once per store the executable
// lists in stores_under_test(), in a section named after the store.

#include "store_contract.hpp"
#include "store_values.hpp"

#include "../unit/storage/queue_replay.hpp"
#include "../unit/storage/sync_store.hpp"

#include <hanabi/storage/playlist.hpp>
#include <hanabi/storage/queue_journal.hpp>
#include <hanabi/storage/records.hpp>
#include <hanabi/storage/store.hpp>

#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <map>
#include <string>

using namespace hanabi;
using namespace hanabi::test::contract;
using hanabi::storage::visibility;

// A contract case: a TEST_CASE that runs `body` (the block after the macro, a function of
// `under_test`) for each store, one section (so one fresh run of the case) per store.
#define HANABI_STORE_CASE(title) HANABI_STORE_CASE_NAMED(title, HANABI_STORE_CASE_FUNCTION(__LINE__))
#define HANABI_STORE_CASE_FUNCTION(line) HANABI_STORE_CASE_JOIN(store_case_, line)
#define HANABI_STORE_CASE_JOIN(a, b) a##b
#define HANABI_STORE_CASE_NAMED(title, function)                               \
  static void function(const hanabi::test::store_under_test& under_test);      \
  TEST_CASE(title, "[store]") {                                                \
    for (const auto& under_test : hanabi::test::stores_under_test())           \
      DYNAMIC_SECTION(under_test.name) { function(under_test); }               \
  }                                                                            \
  static void function(const hanabi::test::store_under_test& under_test)
// A fresh store for this case, opened with `compaction`, as `f` (a hanabi::test::store_fixture&).
#define HANABI_OPEN_STORE(f, compaction)  \
  const auto f##_owned = under_test.open(compaction); \
  auto& f = *f##_owned
#define HANABI_SYNC_STORE(f) hanabi::test::sync_store s(f.ctx, f.store())

HANABI_STORE_CASE("a created playlist reads back with its entries, in order, and survives a reopen") {
  HANABI_OPEN_STORE(f, {});
  HANABI_SYNC_STORE(f);
  auto p = s.create(alice, draft("Road trip", {entry("b"), entry("a")}, visibility::public_));
  REQUIRE(p);
  CHECK(p->owner == alice);
  CHECK(p->name == "Road trip");
  f.reopen();
  s.rebind(f.store());
  auto got = s.get(alice, p->id);
  REQUIRE(got);
  CHECK(*got == *p);
  CHECK(titles(*got) == std::vector<std::string>{"b", "a"});
}

HANABI_STORE_CASE("playlist names are unique per owner, not across owners") {
  HANABI_OPEN_STORE(f, {});
  HANABI_SYNC_STORE(f);
  REQUIRE(s.create(alice, draft("Mix")));
  auto again = s.create(alice, draft("Mix", {entry("x")}));
  REQUIRE(again.has_error());
  CHECK(again.error().code == error::duplicate_name);
  CHECK_THAT(again.error().diag.client_message(), Catch::Contains("Mix"));
  CHECK(s.create(bob, draft("Mix")));
  auto mine = s.list(alice);
  REQUIRE(mine);
  REQUIRE(mine->size() == 1);
  CHECK(mine->front().entry_count == 0);  // the rejected create wrote no entry
}

HANABI_STORE_CASE("empty and too-long names are rejected with the limit in the message") {
  HANABI_OPEN_STORE(f, {});
  HANABI_SYNC_STORE(f);
  auto empty = s.create(alice, draft(""));
  REQUIRE(empty.has_error());
  CHECK(empty.error().code == error::invalid_name);
  std::string longest;
  for (int i = 0; i < 256; ++i) longest += "\xC3\xA9";  // 256 characters, 512 bytes
  CHECK(s.create(alice, draft(longest)));
  auto too_long = s.create(alice, draft(longest + "e"));
  REQUIRE(too_long.has_error());
  CHECK(too_long.error().code == error::invalid_name);
  CHECK_THAT(too_long.error().diag.client_message(), Catch::Contains("257") && Catch::Contains("256"));
  auto p = s.find(alice, alice, longest);
  REQUIRE(p);
  auto bad_rename = s.rename(alice, p->id, "");
  REQUIRE(bad_rename.has_error());
  CHECK(bad_rename.error().code == error::invalid_name);
  auto long_title = s.add(alice, p->id, entry(std::string(257, 't')));
  REQUIRE(long_title.has_error());
  CHECK(long_title.error().code == error::invalid_name);
  CHECK_THAT(long_title.error().diag.client_message(), Catch::Contains("256"));
}

HANABI_STORE_CASE("rename checks the owner, the name and duplicates") {
  HANABI_OPEN_STORE(f, {});
  HANABI_SYNC_STORE(f);
  auto a = s.create(alice, draft("A"));
  auto b = s.create(alice, draft("B", {}, visibility::public_));
  REQUIRE(a);
  REQUIRE(b);
  CHECK(s.rename(alice, a->id, "A2"));
  CHECK(s.get(alice, a->id)->name == "A2");
  CHECK(s.rename(alice, a->id, "A2"));  // renaming to its own name is fine
  CHECK(s.rename(alice, a->id, "B").error().code == error::duplicate_name);
  CHECK(s.rename(bob, a->id, "Mine").error().code == error::access_denied);
  CHECK(s.rename(bob, b->id, "Mine").error().code == error::access_denied);  // public, still not bob's
  CHECK(s.rename(alice, 999999, "X").error().code == error::record_not_found);
  CHECK(s.get(alice, a->id)->name == "A2");
}

HANABI_STORE_CASE("describe sets the description and the visibility") {
  HANABI_OPEN_STORE(f, {});
  HANABI_SYNC_STORE(f);
  auto p = s.create(alice, draft("P"));
  REQUIRE(p);
  CHECK(s.get(bob, p->id).error().code == error::access_denied);
  REQUIRE(s.describe(alice, p->id, "now shared", visibility::public_));
  auto seen = s.get(bob, p->id);
  REQUIRE(seen);
  CHECK(seen->description == "now shared");
  CHECK(s.describe(alice, p->id, std::string(2001, 'd'), visibility::global).error().code == error::invalid_name);
  CHECK(s.get(alice, p->id)->visibility == visibility::public_);
}

HANABI_STORE_CASE("delete removes the playlist and its entries") {
  HANABI_OPEN_STORE(f, {});
  HANABI_SYNC_STORE(f);
  auto p = s.create(alice, draft("Gone", {entry("one"), entry("two")}));
  REQUIRE(p);
  CHECK(s.erase(bob, p->id).error().code == error::access_denied);
  REQUIRE(s.erase(alice, p->id));
  CHECK(s.get(alice, p->id).error().code == error::record_not_found);
  CHECK(s.erase(alice, p->id).error().code == error::record_not_found);
  CHECK(s.add(alice, p->id, entry("three")).error().code == error::record_not_found);
  auto again = s.create(alice, draft("Gone"));
  REQUIRE(again);
  CHECK(s.get(alice, again->id)->entries.empty());
  CHECK(s.list(alice)->size() == 1);
}

HANABI_STORE_CASE("entries are added, inserted, moved and removed in order") {
  HANABI_OPEN_STORE(f, {});
  HANABI_SYNC_STORE(f);
  auto p = s.create(alice, draft("Order"));
  REQUIRE(p);
  const auto id = p->id;
  REQUIRE(s.add(alice, id, entry("a")));
  REQUIRE(s.add(alice, id, entry("c")));
  REQUIRE(s.insert(alice, id, 1, entry("b")));
  REQUIRE(s.insert(alice, id, 0, entry("start")));
  REQUIRE(s.insert(alice, id, 4, entry("end")));  // index == size appends
  CHECK(titles(*s.get(alice, id)) == std::vector<std::string>{"start", "a", "b", "c", "end"});
  REQUIRE(s.move(alice, id, 0, 4));
  CHECK(titles(*s.get(alice, id)) == std::vector<std::string>{"a", "b", "c", "end", "start"});
  REQUIRE(s.move(alice, id, 3, 1));
  CHECK(titles(*s.get(alice, id)) == std::vector<std::string>{"a", "end", "b", "c", "start"});
  REQUIRE(s.move(alice, id, 2, 2));
  REQUIRE(s.remove(alice, id, 1));
  CHECK(titles(*s.get(alice, id)) == std::vector<std::string>{"a", "b", "c", "start"});
  REQUIRE(s.remove(alice, id, 3));
  REQUIRE(s.remove(alice, id, 0));
  f.reopen();
  s.rebind(f.store());
  CHECK(titles(*s.get(alice, id)) == std::vector<std::string>{"b", "c"});
  CHECK(s.list(alice)->front().entry_count == 2);
}

HANABI_STORE_CASE("bad entry operations are typed errors and change nothing") {
  HANABI_OPEN_STORE(f, {});
  HANABI_SYNC_STORE(f);
  auto p = s.create(alice, draft("Strict", {entry("a"), entry("b")}));
  REQUIRE(p);
  const auto id = p->id;
  const auto before = *s.get(alice, id);

  auto dup = s.add(alice, id, entry("a", "https://other"));
  CHECK(dup.error().code == error::duplicate_name);
  CHECK(s.insert(alice, id, 3, entry("z")).error().code == error::out_of_range);
  auto past = s.move(alice, id, 0, 2);
  CHECK(past.error().code == error::out_of_range);
  CHECK_THAT(past.error().diag.client_message(), Catch::Contains("0 to 1"));
  CHECK(s.move(alice, id, 5, 0).error().code == error::out_of_range);
  CHECK(s.remove(alice, id, 2).error().code == error::out_of_range);
  auto backwards = entry("late");
  backwards.start_ms = 90'000;
  backwards.end_ms = 30'000;
  auto bad_time = s.add(alice, id, backwards);
  CHECK(bad_time.error().code == error::invalid_time);
  CHECK_THAT(bad_time.error().diag.client_message(), Catch::Contains("1:30") && Catch::Contains("0:30"));
  CHECK(s.add(alice, id, entry("")).error().code == error::invalid_name);
  CHECK(s.add(alice, id, storage::playlist_entry{"", "no source", {}, {}, {}}).error().code == error::invalid_name);
  CHECK(s.add(bob, id, entry("intruder")).error().code == error::access_denied);
  CHECK(s.remove(bob, id, 0).error().code == error::access_denied);
  CHECK(s.move(bob, id, 0, 1).error().code == error::access_denied);
  CHECK(*s.get(alice, id) == before);
}

HANABI_STORE_CASE("replace swaps every entry at once, or none on bad input") {
  HANABI_OPEN_STORE(f, {});
  HANABI_SYNC_STORE(f);
  auto p = s.create(alice, draft("Editor", {entry("old1"), entry("old2")}));
  REQUIRE(p);
  auto segment = storage::playlist_entry::from_text("ytsearch:song", "seg", "0:30", "1:02:03");
  REQUIRE(segment);
  REQUIRE(s.replace(alice, p->id, {entry("new1"), *segment, entry("new3")}));
  auto got = s.get(alice, p->id);
  CHECK(titles(*got) == std::vector<std::string>{"new1", "seg", "new3"});
  CHECK(got->entries[1].start_ms == 30'000);
  CHECK(got->entries[1].end_ms == 3'723'000);
  const auto before = *got;
  CHECK(s.replace(alice, p->id, {entry("x"), entry("y"), entry("x")}).error().code == error::duplicate_name);
  CHECK(s.replace(alice, p->id, {entry("x"), entry("")}).error().code == error::invalid_name);
  CHECK(s.replace(bob, p->id, {}).error().code == error::access_denied);
  CHECK(*s.get(alice, p->id) == before);
  REQUIRE(s.replace(alice, p->id, {}));
  CHECK(s.get(alice, p->id)->entries.empty());
}

HANABI_STORE_CASE("others see public and global playlists, never private ones") {
  HANABI_OPEN_STORE(f, {});
  HANABI_SYNC_STORE(f);
  auto priv = s.create(alice, draft("secret", {entry("s")}));
  auto pub = s.create(alice, draft("open", {entry("o")}, visibility::public_));
  auto glob = s.create(bob, draft("featured", {}, visibility::global));
  REQUIRE((priv && pub && glob));
  auto denied = s.get(bob, priv->id);
  CHECK(denied.error().code == error::access_denied);
  CHECK_THAT(denied.error().diag.client_message(), Catch::Contains("private"));
  CHECK(s.find(bob, alice, "secret").error().code == error::access_denied);
  CHECK(s.find(bob, alice, "nothing").error().code == error::record_not_found);
  CHECK(s.get(bob, pub->id)->entries.size() == 1);
  CHECK(s.find(bob, alice, "open")->id == pub->id);
  auto shared = s.shared(std::nullopt);
  REQUIRE(shared);
  REQUIRE(shared->size() == 2);
  CHECK((*shared)[0].name == "open");
  CHECK((*shared)[0].entry_count == 1);
  CHECK((*shared)[1].name == "featured");
  auto alices = s.shared(alice);
  REQUIRE(alices->size() == 1);
  CHECK(alices->front().id == pub->id);
  auto own = s.list(alice);
  REQUIRE(own->size() == 2);
  CHECK(own->at(0).name == "open");
  CHECK(own->at(1).name == "secret");
}

HANABI_STORE_CASE("loaded tracks import as a playlist with their encoded tracks cached") {
  HANABI_OPEN_STORE(f, {});
  HANABI_SYNC_STORE(f);
  std::vector<protocol::track> tracks(3);
  tracks[0].encoded = "QAAAjQIAJVJpY2sgQXN0bGV5";
  tracks[0].info.title = "Never Gonna Give You Up";
  tracks[0].info.uri = "https://www.youtube.com/watch?v=dQw4w9WgXcQ";
  tracks[1].encoded = "QAAAjQIAJVJpY2sgQXN0bGV6";
  tracks[1].info.title = "Never Gonna Give You Up";
  tracks[1].info.identifier = "abc";
  tracks[2].encoded = "";
  tracks[2].info.title = "";
  tracks[2].info.identifier = "ident";
  auto p = s.create(alice, storage::draft_from_tracks("Imported", tracks));
  REQUIRE(p);
  auto got = s.get(alice, p->id);
  REQUIRE(got->entries.size() == 3);
  CHECK(got->entries[0].title == "Never Gonna Give You Up");
  CHECK(got->entries[0].source == "https://www.youtube.com/watch?v=dQw4w9WgXcQ");
  CHECK(got->entries[0].encoded == tracks[0].encoded);
  CHECK(got->entries[1].title == "Never Gonna Give You Up (2)");
  CHECK(got->entries[1].source == "abc");
  CHECK(got->entries[2].title == "ident");
  CHECK_FALSE(got->entries[2].encoded);
}

HANABI_STORE_CASE("an exported playlist imports as an equal playlist, bad JSON is a typed error") {
  HANABI_OPEN_STORE(f, {});
  HANABI_SYNC_STORE(f);
  auto seg = entry("seg");
  seg.start_ms = 1000;
  seg.encoded = "QAAA";
  auto p = s.create(alice, draft("Share me", {entry("one"), seg}, visibility::public_));
  REQUIRE(p);
  const auto exported = storage::export_playlist(*s.get(alice, p->id));
  auto copy = s.import(bob, exported);
  REQUIRE(copy);
  CHECK(copy->owner == bob);
  CHECK(copy->name == p->name);
  CHECK(copy->visibility == visibility::public_);
  CHECK(s.get(bob, copy->id)->entries == p->entries);
  CHECK(s.import(bob, exported).error().code == error::duplicate_name);
  auto missing = exported;
  missing.erase("entries");
  CHECK(s.import(bob, missing).error().code == error::missing_field);
  auto wrong = exported;
  wrong["entries"][0]["start_ms"] = "soon";
  CHECK(s.import(bob, wrong).error().code == error::unexpected_type);
  CHECK(s.import(bob, nlohmann::json::array()).error().code == error::unexpected_type);
  CHECK(s.list(bob)->size() == 1);
}

HANABI_STORE_CASE("user settings default, save and validate") {
  HANABI_OPEN_STORE(f, {});
  HANABI_SYNC_STORE(f);
  auto fresh = s.load_user(alice);
  REQUIRE(fresh);
  CHECK(*fresh == storage::user_settings{alice});
  storage::user_settings mine{alice, 35, 10, {{"timezone", "Europe/Paris"}}};
  REQUIRE(s.save_user(mine));
  mine.volume = 40;
  REQUIRE(s.save_user(mine));
  f.reopen();
  s.rebind(f.store());
  CHECK(*s.load_user(alice) == mine);
  CHECK(s.save_user({bob, 1001, 5, nlohmann::json::object()}).error().code == error::out_of_range);
  CHECK(s.save_user({bob, 100, 0, nlohmann::json::object()}).error().code == error::out_of_range);
  CHECK(s.save_user({bob, 100, 5, nlohmann::json::array()}).error().code == error::invalid_argument);
  CHECK(*s.load_user(bob) == storage::user_settings{bob});
}

HANABI_STORE_CASE("history reads back newest first, filtered and limited") {
  HANABI_OPEN_STORE(f, {});
  HANABI_SYNC_STORE(f);
  const auto t0 = std::chrono::system_clock::time_point{std::chrono::milliseconds{1'700'000'000'123}};
  const guild_id g1{1}, g2{2};
  REQUIRE(s.add_history({alice, "alpha", g1, "first", "u1", "QAAA", t0}));
  REQUIRE(s.add_history({bob, "alpha", g1, "second", "u2", std::nullopt, t0 + std::chrono::seconds(1)}));
  REQUIRE(s.add_history({alice, "beta", g2, "third", "u3", std::nullopt, t0 + std::chrono::seconds(2)}));
  auto all = s.history({});
  REQUIRE(all->size() == 3);
  CHECK(all->at(0).title == "third");
  CHECK(all->at(2) == storage::history_entry{alice, "alpha", g1, "first", "u1", "QAAA", t0});
  auto by_alice = s.history({alice, std::nullopt, 50});
  REQUIRE(by_alice->size() == 2);
  CHECK(by_alice->at(0).title == "third");
  auto in_g1 = s.history({std::nullopt, g1, 1});
  REQUIRE(in_g1->size() == 1);
  CHECK(in_g1->at(0).title == "second");
  CHECK(s.history({bob, g2, 10})->empty());
}

HANABI_STORE_CASE("remembered volumes keep the other settings, survive a reopen and are checked") {
  HANABI_OPEN_STORE(f, {});
  HANABI_SYNC_STORE(f);
  CHECK(s.volumes()->empty());
  storage::user_settings mine{alice, 35, 10, {{"timezone", "Europe/Paris"}}};
  REQUIRE(s.save_user(mine));
  REQUIRE(s.save_volume(alice, 70));
  REQUIRE(s.save_volume(bob, 0));
  CHECK(s.save_volume(bob, 1001).error().code == error::out_of_range);
  CHECK(s.save_volume(user_id{1003}, -1).error().code == error::out_of_range);
  f.reopen();
  s.rebind(f.store());
  CHECK(*s.volumes() == std::map<user_id, int>{{alice, 70}, {bob, 0}});
  mine.volume = 70;
  CHECK(*s.load_user(alice) == mine);  // the step and the preferences stay
  CHECK(*s.load_user(bob) == storage::user_settings{bob, 0});
}

HANABI_STORE_CASE("the playback history keeps the newest plays of each guild") {
  HANABI_OPEN_STORE(f, {});
  HANABI_SYNC_STORE(f);
  const auto t0 = std::chrono::system_clock::time_point{std::chrono::milliseconds{1'700'000'000'000}};
  const guild_id busy{1}, quiet{2};
  REQUIRE(s.add_history({bob, "alpha", quiet, "quiet one", "u", std::nullopt, t0}));
  constexpr std::size_t limit = storage::history_limits::plays_per_guild;
  for (std::size_t i = 0; i < limit + 5; ++i)
    REQUIRE(s.add_history({alice, "alpha", busy, fmt::format("play {}", i), "u", std::nullopt,
                           t0 + std::chrono::seconds(static_cast<long>(i))}));
  f.reopen();
  s.rebind(f.store());
  auto kept = s.history({std::nullopt, busy, limit * 2});
  REQUIRE(kept->size() == limit);
  CHECK(kept->front().title == fmt::format("play {}", limit + 4));
  CHECK(kept->back().title == "play 5");
  CHECK(s.history({std::nullopt, quiet, 10})->size() == 1);  // another guild's plays are not dropped
}

HANABI_STORE_CASE("a session's action history is bounded, loaded with it, and deleted with it") {
  HANABI_OPEN_STORE(f, {});
  HANABI_SYNC_STORE(f);
  const auto k = session(30, 40), other = session(31, 41);
  CHECK(s.add_action(k, {1, alice, "", "no name"}).error().code == error::invalid_argument);
  REQUIRE(s.add_action(other, {1, bob, "play", "elsewhere"}));
  REQUIRE(s.load_sessions("alpha")->empty());  // actions alone make no session
  REQUIRE(s.save_state(k, {{"active", false}}));
  constexpr std::size_t limit = storage::history_limits::actions_per_session;
  for (std::size_t i = 0; i < limit + 3; ++i)
    REQUIRE(s.add_action(k, {static_cast<std::int64_t>(1000 + i), i % 2 ? alice : bob, "skip", fmt::format("to {}", i)}));
  f.reopen();
  s.rebind(f.store());
  auto record = s.load_session(k);
  REQUIRE(*record);
  const auto& actions = (*record)->actions;
  REQUIRE(actions.size() == limit);
  CHECK(actions.front() == storage::session_action{1003, alice, "skip", "to 3"});
  CHECK(actions.back() == storage::session_action{static_cast<std::int64_t>(1000 + limit + 2), bob, "skip",
                                                  fmt::format("to {}", limit + 2)});
  auto all = s.load_sessions("alpha");
  REQUIRE(all->size() == 1);
  CHECK(all->front().actions == actions);
  REQUIRE(s.delete_session(k));
  REQUIRE(s.save_state(k, {{"active", false}}));  // the same channel again: a new session, no history
  CHECK((*s.load_session(k))->actions.empty());
}

HANABI_STORE_CASE("the journal accepts only the next versions and replays after a snapshot") {
  HANABI_OPEN_STORE(f, {});
  HANABI_SYNC_STORE(f);
  const auto k = session(10, 20);
  CHECK(*s.load_session(k) == std::nullopt);
  auto first = s.append(k, events(1, 5));
  REQUIRE(first);
  CHECK(*first == storage::journal_status{5, 5});
  auto gap = s.append(k, events(7, 7));
  CHECK(gap.error().code == error::version_conflict);
  CHECK_THAT(gap.error().diag.client_message(), Catch::Contains("expects version 6"));
  CHECK(s.append(k, events(5, 6)).error().code == error::version_conflict);  // partly old: nothing is written
  CHECK(s.load_session(k)->value().version() == 5);
  CHECK(s.append(session(1, 1), events(2, 3)).error().code == error::version_conflict);  // new sessions start at 1
  REQUIRE(s.append(k, events(6, 7)));
  REQUIRE(s.snapshot(k, 5, {{"items", {1, 2, 3, 4, 5}}}));
  CHECK(s.snapshot(k, 4, {{"items", 1}}).error().code == error::version_conflict);
  CHECK(s.snapshot(k, 5, nullptr).error().code == error::invalid_argument);
  f.reopen();
  s.rebind(f.store());
  auto record = s.load_session(k);
  REQUIRE(record);
  REQUIRE(record->has_value());
  const auto& r = **record;
  CHECK(r.snapshot_version == 5);
  CHECK(r.snapshot == nlohmann::json{{"items", {1, 2, 3, 4, 5}}});
  CHECK(r.tail == events(6, 7));
  CHECK(r.version() == 7);
  auto next = s.append(k, events(8, 8));
  REQUIRE(next);
  CHECK(*next == storage::journal_status{8, 3});
  CHECK(s.append(k, {})->version == 8);
}

HANABI_STORE_CASE("sessions load per bot in key order and can be forgotten") {
  HANABI_OPEN_STORE(f, {});
  HANABI_SYNC_STORE(f);
  REQUIRE(s.append(session(2, 5), events(1, 1)));
  REQUIRE(s.append(session(1, 9), events(1, 2)));
  REQUIRE(s.append(session(1, 3, "beta"), events(1, 1)));
  REQUIRE(s.snapshot(session(3, 3), 4, {{"items", nlohmann::json::array()}}));
  auto alpha = s.load_sessions("alpha");
  REQUIRE(alpha);
  REQUIRE(alpha->size() == 3);
  CHECK(alpha->at(0).key == session(1, 9));
  CHECK(alpha->at(0).tail == events(1, 2));
  CHECK(alpha->at(1).key == session(2, 5));
  CHECK(alpha->at(2).version() == 4);
  REQUIRE(s.delete_session(session(1, 9)));
  REQUIRE(s.delete_session(session(7, 7)));  // unknown: not an error
  CHECK(s.load_sessions("alpha")->size() == 2);
  CHECK(s.load_sessions("beta")->size() == 1);
  REQUIRE(s.append(session(1, 9), events(1, 1)));  // a forgotten session starts again at 1
}

HANABI_STORE_CASE("session state: the last save wins, loads with the session, survives a reopen, goes with it") {
  HANABI_OPEN_STORE(f, {});
  HANABI_SYNC_STORE(f);
  const auto k = session(4, 40);
  REQUIRE(s.save_state(k, player_state(1000, false)));  // a state alone creates the session
  auto alone = s.load_session(k);
  REQUIRE(alone);
  REQUIRE(alone->has_value());
  CHECK((*alone)->state == player_state(1000, false));
  CHECK((*alone)->version() == 0);
  REQUIRE(s.append(k, events(1, 3)));  // the journal starts at 1 next to a state
  // Saves issued back to back (nothing awaited in between): the last one wins.
  diagnostics d1, d2, d3;
  int acked = 0;
  auto count = [&](error_code ec) { CHECK_FALSE(ec); ++acked; };
  f.store().async_save_session_state(k, player_state(2000, false), d1, count);
  f.store().async_save_session_state(k, player_state(3000, true), d2, count);
  f.store().async_save_session_state(session(5, 50), player_state(7, false), d3, count);
  f.ctx.restart();
  f.ctx.run();
  CHECK(acked == 3);
  auto bad = s.save_state(k, nlohmann::json::array({1, 2}));
  REQUIRE(bad.has_error());
  CHECK(bad.error().code == error::invalid_argument);
  CHECK_THAT(bad.error().diag.client_message(), Catch::Contains("object"));
  f.reopen();
  s.rebind(f.store());
  auto all = s.load_sessions("alpha");
  REQUIRE(all);
  REQUIRE(all->size() == 2);
  CHECK(all->at(0).key == k);
  CHECK(all->at(0).state == player_state(3000, true));
  CHECK(all->at(0).tail == events(1, 3));
  CHECK(all->at(1).state == player_state(7, false));
  REQUIRE(s.delete_session(k));
  auto gone = s.load_session(k);
  REQUIRE(gone);
  CHECK(*gone == std::nullopt);
  REQUIRE(s.append(k, events(1, 1)));
  CHECK(s.load_session(k)->value().state.is_null());  // the state went with the session
}

HANABI_STORE_CASE("queue_journal: a real queue's mutations become durable in batches and replay to the same queue") {
  HANABI_OPEN_STORE(f, {});
  HANABI_SYNC_STORE(f);
  const auto k = session(6, 60);
  storage::queue_journal journal(f.store(), k, 0);
  bool idle_flushed = false;  // nothing recorded: completes with the base version, posted, never inline
  journal.async_flush([&](error_code ec, std::uint64_t v) {
    CHECK_FALSE(ec);
    CHECK(v == 0);
    idle_flushed = true;
  });
  CHECK_FALSE(idle_flushed);
  f.ctx.restart();
  f.ctx.run();
  CHECK(idle_flushed);
  queue_config config;
  config.on_change = journal.listener();
  track_queue q(config);
  for (int i = 0; i < 300; ++i) {
    REQUIRE(q.enqueue({queue_entry(i)}));
    if (i % 3 == 1) REQUIRE(q.move(1, q.size()));
    if (i % 3 == 2) REQUIRE(q.skip_to(static_cast<std::size_t>(i % static_cast<int>(q.size())) + 1));
  }
  // Nothing ran on the io_context yet: no completion, so nothing is claimed durable.
  CHECK(journal.recorded_version() == q.version());
  CHECK(journal.durable_version() == 0);
  auto flushed = s.call<std::uint64_t>([&](auto h) { journal.async_flush(std::move(h)); });
  REQUIRE(flushed);
  CHECK(*flushed == q.version());
  CHECK(journal.durable_version() == q.version());
  CHECK_FALSE(journal.failed());
  REQUIRE(q.set_repeat(repeat_mode::all));  // one more, then flush again with nothing else pending
  CHECK(*s.call<std::uint64_t>([&](auto h) { journal.async_flush(std::move(h)); }) == q.version());
  CHECK(*s.call<std::uint64_t>([&](auto h) { journal.async_flush(std::move(h)); }) == q.version());
  f.reopen();
  s.rebind(f.store());
  auto record = s.load_session(k);
  REQUIRE(record);
  REQUIRE(record->has_value());
  CHECK((*record)->version() == q.version());
  CHECK(replayed(**record) == q);
}

HANABI_STORE_CASE("queue_journal: a rejected append stops the journal and fails its flushes, nothing is claimed") {
  HANABI_OPEN_STORE(f, {});
  HANABI_SYNC_STORE(f);
  const auto k = session(8, 80);
  REQUIRE(s.append(k, events(1, 2)));
  storage::queue_journal journal(f.store(), k, 0);  // wrong: the store holds version 2
  queue_config config;
  config.on_change = journal.listener();
  track_queue q(config);
  REQUIRE(q.enqueue({queue_entry(1)}));
  REQUIRE(q.enqueue({queue_entry(2)}));
  auto flushed = s.call<std::uint64_t>([&](auto h) { journal.async_flush(std::move(h)); });
  REQUIRE(flushed.has_error());
  CHECK(flushed.error().code == error::version_conflict);
  REQUIRE(journal.failed());
  CHECK(journal.failed()->code == error::version_conflict);
  CHECK(journal.durable_version() == 0);
  REQUIRE(q.enqueue({queue_entry(3)}));  // dropped: the journal stopped
  CHECK(s.call<std::uint64_t>([&](auto h) { journal.async_flush(std::move(h)); }).error().code ==
        error::version_conflict);
  CHECK(s.load_session(k)->value().tail == events(1, 2));
}

HANABI_STORE_CASE("compaction folds the tail into the snapshot and keeps it bounded") {
  HANABI_OPEN_STORE(f, fold_items(8));
  HANABI_SYNC_STORE(f);
  const auto k = session(1, 2);
  std::size_t longest_tail = 0;
  for (std::uint64_t v = 1; v <= 100; v += 3) {
    auto status = s.append(k, events(v, v + 2));
    REQUIRE(status);
    longest_tail = std::max(longest_tail, status->tail_length);
  }
  CHECK(longest_tail <= 8);
  auto record = s.load_session(k)->value();
  CHECK(record.version() == 102);
  CHECK(record.tail.size() <= 8);
  nlohmann::json replayed = record.snapshot;
  for (const auto& e : record.tail) replayed.push_back(e.body.at("item"));
  nlohmann::json expected = nlohmann::json::array();
  for (int i = 1; i <= 102; ++i) expected.push_back(i);
  CHECK(replayed == expected);
}

HANABI_STORE_CASE("a failing fold keeps every acknowledged event") {
  storage::compaction_config failing{2, [](const nlohmann::json&, const std::vector<storage::journal_event>&) {
                                       return result<nlohmann::json>(failure{error::invalid_argument, "cannot fold"});
                                     }};
  HANABI_OPEN_STORE(f, failing);
  HANABI_SYNC_STORE(f);
  REQUIRE(s.append(session(1, 1), events(1, 5)));
  auto record = s.load_session(session(1, 1))->value();
  CHECK(record.snapshot.is_null());
  CHECK(record.tail == events(1, 5));
}

HANABI_STORE_CASE("node sessions are saved, replaced, listed and deleted") {
  HANABI_OPEN_STORE(f, {});
  HANABI_SYNC_STORE(f);
  REQUIRE(s.save_node({"main", "abc", true, std::chrono::seconds(60)}));
  REQUIRE(s.save_node({"backup", "xyz", false, std::chrono::seconds(0)}));
  REQUIRE(s.save_node({"main", "def", true, std::chrono::seconds(120)}));
  f.reopen();
  s.rebind(f.store());
  auto all = s.nodes();
  REQUIRE(all);
  REQUIRE(all->size() == 2);
  CHECK(all->at(0) == storage::node_session{"backup", "xyz", false, std::chrono::seconds(0)});
  CHECK(all->at(1) == storage::node_session{"main", "def", true, std::chrono::seconds(120)});
  CHECK(s.save_node({"", "abc", true, std::chrono::seconds(1)}).error().code == error::invalid_name);
  CHECK(s.save_node({"n", "", true, std::chrono::seconds(1)}).error().code == error::invalid_name);
  CHECK(s.save_node({"n", "a", true, std::chrono::seconds(-1)}).error().code == error::out_of_range);
  REQUIRE(s.delete_node("backup"));
  CHECK(s.nodes()->size() == 1);
}
