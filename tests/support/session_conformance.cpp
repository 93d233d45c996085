// The cases of the session conformance suite (see session_conformance.hpp). Each one opens a
// session in a fresh environment, drives it through the public interface only, and asserts
// on the answers, the events and the fake node's player.
#include "session_conformance.hpp"

#include <algorithm>

namespace hanabi::test {

event_log::event_log(session& s)
    : subscription_(s.subscribe([shared = shared_](const session_event& e) {
        std::lock_guard lock(shared->mutex);
        shared->events.push_back(e);
      })) {}

std::vector<session_event> event_log::events() const {
  std::lock_guard lock(shared_->mutex);
  return shared_->events;
}

std::string node_identifier(session_env& env, guild_id guild) {
  auto p = env.node_player(guild);
  return p && p->track ? p->track->info.identifier : std::string{};
}

namespace conformance {
namespace {

using namespace session_events;

const session_address here{conformance_guild, conformance_channel};

answer<enqueue_outcome> play(session_env& env, session& s, play_args a) {
  return call<enqueue_outcome>(env, [&](diagnostics& d, auto h) { s.async_play(std::move(a), d, std::move(h)); });
}

answer<enqueue_outcome> play(session_env& env, session& s, const std::string& query, user_id by = alice) {
  return play(env, s, play_args{.query = query, .by = by});
}

/// Plays each query in turn and requires every one to succeed.
void play_all(session_env& env, session& s, std::initializer_list<const char*> queries, user_id by = alice) {
  for (const char* q : queries) {
    auto a = play(env, s, q, by);
    INFO("play " << q << ": " << a.ec.message() << " " << a.diag.best_message());
    REQUIRE_FALSE(a.ec);
  }
}

answer<now_playing> skip(session_env& env, session& s, skip_args::kind how, std::int64_t value) {
  return call<now_playing>(env, [&](diagnostics& d, auto h) {
    s.async_skip(skip_args{.how = how, .value = value, .by = alice}, d, std::move(h));
  });
}

answer<queue_view> page(session_env& env, session& s, std::size_t number = 1, std::size_t size = 50) {
  return call<queue_view>(env, [&](diagnostics& d, auto h) {
    s.async_queue_page(page_args{.number = number, .size = size}, d, std::move(h));
  });
}

/// The identifiers of the whole queue, in order.
std::vector<std::string> identifiers(session_env& env, session& s) {
  auto p = page(env, s);
  REQUIRE_FALSE(p.ec);
  std::vector<std::string> r;
  for (auto& i : p.value.items) r.push_back(i.identifier);
  return r;
}

answer<session_state> state(session_env& env, session& s) {
  return call<session_state>(env, [&](diagnostics& d, auto h) { s.async_state(d, std::move(h)); });
}

answer<void> pause(session_env& env, session& s, bool paused) {
  return call<void>(env, [&](diagnostics& d, auto h) {
    s.async_pause(pause_args{.paused = paused, .by = alice}, d, std::move(h));
  });
}

answer<int> volume(session_env& env, session& s, int value, bool relative, user_id by = alice) {
  return call<int>(env, [&](diagnostics& d, auto h) {
    s.async_volume(volume_args{.value = value, .relative = relative, .by = by}, d, std::move(h));
  });
}

answer<enqueue_outcome> enqueue(session_env& env, session& s, std::vector<std::string> sources,
                                enqueue_options options = {}, user_id by = alice) {
  enqueue_args a{.by = by, .options = options};
  for (auto& src : sources) a.entries.push_back(enqueue_entry{.source = src});
  return call<enqueue_outcome>(env, [&](diagnostics& d, auto h) { s.async_enqueue(std::move(a), d, std::move(h)); });
}

answer<std::int64_t> seek(session_env& env, session& s, std::int64_t value, bool relative) {
  return call<std::int64_t>(env, [&](diagnostics& d, auto h) {
    s.async_seek(seek_args{.value = value, .relative = relative, .by = alice}, d, std::move(h));
  });
}

answer<void> repeat(session_env& env, session& s, repeat_mode mode) {
  return call<void>(env, [&](diagnostics& d, auto h) {
    s.async_repeat(repeat_args{.mode = mode, .by = alice}, d, std::move(h));
  });
}

answer<void> shuffle(session_env& env, session& s, bool undo) {
  return call<void>(env, [&](diagnostics& d, auto h) {
    s.async_shuffle(shuffle_args{.undo = undo, .by = alice}, d, std::move(h));
  });
}

answer<std::vector<item_view>> dequeue(session_env& env, session& s, dequeue_args a) {
  return call<std::vector<item_view>>(env, [&](diagnostics& d, auto h) { s.async_dequeue(std::move(a), d, std::move(h)); });
}

answer<protocol::filters> set_filters(session_env& env, session& s, std::variant<protocol::filters, std::string> f) {
  return call<protocol::filters>(env, [&](diagnostics& d, auto h) {
    s.async_filters(filter_args{.set = std::move(f), .by = alice}, d, std::move(h));
  });
}

answer<void> stop(session_env& env, session& s) {
  return call<void>(env, [&](diagnostics& d, auto h) { s.async_stop(stop_args{.by = alice}, d, std::move(h)); });
}

answer<std::optional<now_playing>> current(session_env& env, session& s) {
  return call<std::optional<now_playing>>(env, [&](diagnostics& d, auto h) { s.async_now_playing(d, std::move(h)); });
}

/// Waits until the fake node plays `identifier` for the case's guild.
void wait_for_node_track(session_env& env, const std::string& identifier) {
  INFO("waiting for the node to play " << identifier << " (it plays '"
                                       << node_identifier(env, conformance_guild) << "')");
  REQUIRE(env.run_until([&] { return node_identifier(env, conformance_guild) == identifier; }));
}

using strings = std::vector<std::string>;

}  // namespace

void play_starts_an_idle_session(session_env& env) {
  auto s = env.open(here, alice);
  event_log log(*s);
  auto a = play(env, *s, "fake:track:one");
  REQUIRE_FALSE(a.ec);
  CHECK(a.value.started);
  CHECK(a.value.positions == std::vector<std::size_t>{1});
  CHECK_FALSE(a.value.first_title.empty());
  CHECK(a.value.failed.empty());
  // The answer comes once Lavalink has the track.
  CHECK(node_identifier(env, conformance_guild) == "fake:track:one");
  REQUIRE(env.run_until([&] { return log.count<track_started>() == 1; }));
  auto started = log.of<track_started>().front();
  CHECK(started.item.identifier == "fake:track:one");
  CHECK(started.item.position == 1);
  CHECK(started.item.requester == alice);

  auto st = state(env, *s);
  REQUIRE_FALSE(st.ec);
  CHECK(st.value.connected);
  CHECK(st.value.active);
  CHECK(st.value.queue_size == 1);
  CHECK(st.value.current_position == 1);
  CHECK(st.value.address == here);
  REQUIRE(st.value.current);
  CHECK(st.value.current->item.identifier == "fake:track:one");
}

void play_appends_without_restarting(session_env& env) {
  auto s = env.open(here, alice);
  play_all(env, *s, {"fake:track:one"});
  auto b = play(env, *s, "fake:track:two", bob);
  REQUIRE_FALSE(b.ec);
  CHECK_FALSE(b.value.started);
  CHECK(b.value.positions == std::vector<std::size_t>{2});
  CHECK(node_identifier(env, conformance_guild) == "fake:track:one");
  CHECK(identifiers(env, *s) == strings{"fake:track:one", "fake:track:two"});
  auto p = page(env, *s);
  CHECK(p.value.current_position == 1);
  CHECK(p.value.total == 2);
  CHECK(p.value.items.at(1).requester == bob);
}

void play_honours_position_and_next(session_env& env) {
  auto s = env.open(here, alice);
  play_all(env, *s, {"fake:track:a", "fake:track:b"});
  auto c = play(env, *s, play_args{.query = "fake:track:c", .by = alice, .position = 2});
  REQUIRE_FALSE(c.ec);
  CHECK(c.value.positions == std::vector<std::size_t>{2});
  CHECK(identifiers(env, *s) == strings{"fake:track:a", "fake:track:c", "fake:track:b"});
  auto d = play(env, *s, play_args{.query = "fake:track:d", .by = alice, .next = true});
  REQUIRE_FALSE(d.ec);
  CHECK(d.value.positions == std::vector<std::size_t>{2});
  CHECK(identifiers(env, *s) == strings{"fake:track:a", "fake:track:d", "fake:track:c", "fake:track:b"});
  // The end of the queue (size + 1) is a valid position.
  auto e = play(env, *s, play_args{.query = "fake:track:e", .by = alice, .position = 5});
  REQUIRE_FALSE(e.ec);
  CHECK(e.value.positions == std::vector<std::size_t>{5});
  CHECK(node_identifier(env, conformance_guild) == "fake:track:a");
}

void play_reports_no_matches_and_bad_position(session_env& env) {
  auto s = env.open(here, alice);
  auto none = play(env, *s, "fake:empty");
  CHECK(none.ec == error::no_matches);
  CHECK_FALSE(none.diag.client_message().empty());
  auto failed = play(env, *s, "fake:error");
  CHECK(failed.ec == error::load_failed);
  CHECK_FALSE(failed.diag.best_message().empty());
  play_all(env, *s, {"fake:track:a"});
  for (std::size_t bad : {std::size_t{0}, std::size_t{3}}) {
    auto out = play(env, *s, play_args{.query = "fake:track:b", .by = alice, .position = bad});
    INFO("position " << bad);
    CHECK(out.ec == error::position_out_of_range);
    CHECK_FALSE(out.diag.client_message().empty());
  }
  auto backwards = play(env, *s, play_args{.query = "fake:track:b", .by = alice, .start_time = 9000, .end_time = 3000});
  CHECK(backwards.ec == error::invalid_argument);
  CHECK_FALSE(backwards.diag.client_message().empty());
  CHECK(identifiers(env, *s) == strings{"fake:track:a"});
}

void play_search_and_playlist(session_env& env) {
  auto s = env.open(here, alice);
  auto searched = play(env, *s, "never gonna");
  REQUIRE_FALSE(searched.ec);
  CHECK(searched.value.positions == std::vector<std::size_t>{1});
  CHECK(searched.value.started);
  auto first = identifiers(env, *s);
  REQUIRE(first.size() == 1);
  CHECK(first.front() == "fake:track:never gonna #1");

  auto list = play(env, *s, "fake:playlist:3");
  REQUIRE_FALSE(list.ec);
  CHECK(list.value.positions == std::vector<std::size_t>{2, 3, 4});
  CHECK_FALSE(list.value.playlist_name.empty());
  CHECK_FALSE(list.value.started);
  CHECK(identifiers(env, *s).size() == 4);
}

void skip_by_to_and_back(session_env& env) {
  auto s = env.open(here, alice);
  event_log log(*s);
  play_all(env, *s, {"fake:track:a", "fake:track:b", "fake:track:c", "fake:track:d"});

  auto by = skip(env, *s, skip_args::kind::by, 1);
  REQUIRE_FALSE(by.ec);
  CHECK(by.value.item.identifier == "fake:track:b");
  CHECK(by.value.item.position == 2);
  CHECK(node_identifier(env, conformance_guild) == "fake:track:b");

  auto to = skip(env, *s, skip_args::kind::to, 4);
  REQUIRE_FALSE(to.ec);
  CHECK(to.value.item.identifier == "fake:track:d");
  CHECK(node_identifier(env, conformance_guild) == "fake:track:d");

  auto back = skip(env, *s, skip_args::kind::back, 0);
  REQUIRE_FALSE(back.ec);
  CHECK(back.value.item.identifier == "fake:track:c");
  CHECK(node_identifier(env, conformance_guild) == "fake:track:c");

  auto too_far = skip(env, *s, skip_args::kind::by, -5);
  CHECK(too_far.ec == error::position_out_of_range);
  CHECK_FALSE(too_far.diag.client_message().empty());
  CHECK(skip(env, *s, skip_args::kind::to, 0).ec == error::position_out_of_range);
  CHECK(skip(env, *s, skip_args::kind::to, 5).ec == error::position_out_of_range);
  CHECK(skip(env, *s, skip_args::kind::to, 3).ec == error::no_effect);
  CHECK(node_identifier(env, conformance_guild) == "fake:track:c");

  // a, then b, d and c started; each replacement ended the previous track as `replaced`.
  REQUIRE(env.run_until([&] { return log.count<track_started>() == 4 && log.count<track_ended>() == 3; }));
  for (auto& ended : log.of<track_ended>()) CHECK(ended.reason == protocol::track_end_reason::replaced);
  strings started;
  for (auto& e : log.of<track_started>()) started.push_back(e.item.identifier);
  CHECK(started == strings{"fake:track:a", "fake:track:b", "fake:track:d", "fake:track:c"});
}

void pause_and_resume(session_env& env) {
  auto s = env.open(here, alice);
  CHECK(pause(env, *s, true).ec == error::nothing_playing);
  play_all(env, *s, {"fake:track:a"});
  REQUIRE_FALSE(pause(env, *s, true).ec);
  CHECK(env.node_player(conformance_guild)->paused);
  CHECK(state(env, *s).value.paused);
  auto again = pause(env, *s, true);
  CHECK(again.ec == error::no_effect);
  CHECK_FALSE(again.diag.client_message().empty());
  REQUIRE_FALSE(pause(env, *s, false).ec);
  CHECK_FALSE(env.node_player(conformance_guild)->paused);
  CHECK(pause(env, *s, false).ec == error::no_effect);
  CHECK_FALSE(state(env, *s).value.paused);
}

void volume_absolute_relative_and_remembered(session_env& env) {
  auto s = env.open(here, alice);
  play_all(env, *s, {"fake:track:a"});
  auto set = volume(env, *s, 50, false);
  REQUIRE_FALSE(set.ec);
  CHECK(set.value == 50);
  CHECK(env.node_player(conformance_guild)->volume == 50);
  auto up = volume(env, *s, 25, true);
  REQUIRE_FALSE(up.ec);
  CHECK(up.value == 75);
  CHECK(env.node_player(conformance_guild)->volume == 75);
  auto over = volume(env, *s, 1000, true);
  CHECK(over.ec == error::out_of_range);
  CHECK_FALSE(over.diag.client_message().empty());
  CHECK(volume(env, *s, -1, false).ec == error::out_of_range);
  CHECK(env.node_player(conformance_guild)->volume == 75);
  CHECK(state(env, *s).value.volume == 75);

  // Bob's volume follows his items; Alice's (75) comes back with hers.
  play_all(env, *s, {"fake:track:b"}, bob);
  REQUIRE_FALSE(volume(env, *s, 30, false, bob).ec);
  play_all(env, *s, {"fake:track:c"}, alice);
  REQUIRE_FALSE(skip(env, *s, skip_args::kind::to, 2).ec);
  CHECK(env.node_player(conformance_guild)->volume == 30);
  REQUIRE_FALSE(skip(env, *s, skip_args::kind::to, 3).ec);
  CHECK(env.node_player(conformance_guild)->volume == 75);
}

void enqueue_modes_and_failures(session_env& env) {
  auto s = env.open(here, alice);
  auto first = enqueue(env, *s, {"fake:track:e1", "fake:empty", "fake:track:e2"});
  REQUIRE_FALSE(first.ec);
  CHECK(first.value.started);
  CHECK(first.value.positions == std::vector<std::size_t>{1, 2});
  CHECK(first.value.failed == strings{"fake:empty"});
  CHECK(node_identifier(env, conformance_guild) == "fake:track:e1");

  auto next = enqueue(env, *s, {"fake:track:n1", "fake:track:n2"}, {.mode = enqueue_mode::next}, bob);
  REQUIRE_FALSE(next.ec);
  CHECK_FALSE(next.value.started);
  CHECK(next.value.positions == std::vector<std::size_t>{2, 3});
  CHECK(identifiers(env, *s) == strings{"fake:track:e1", "fake:track:n1", "fake:track:n2", "fake:track:e2"});
  CHECK(page(env, *s).value.items.at(1).requester == bob);

  // next + reverse: a stack, the last given plays first.
  auto stack = enqueue(env, *s, {"fake:track:r1", "fake:track:r2"}, {.mode = enqueue_mode::next, .reverse = true});
  REQUIRE_FALSE(stack.ec);
  CHECK(identifiers(env, *s) == strings{"fake:track:e1", "fake:track:r2", "fake:track:r1", "fake:track:n1",
                                        "fake:track:n2", "fake:track:e2"});

  auto nothing = enqueue(env, *s, {"fake:empty", "fake:error"});
  CHECK(nothing.ec == error::no_matches);
  CHECK_FALSE(nothing.diag.client_message().empty());
  CHECK(identifiers(env, *s).size() == 6);
  auto empty = call<enqueue_outcome>(env, [&](diagnostics& d, auto h) { s->async_enqueue({.by = alice}, d, std::move(h)); });
  CHECK(empty.ec == error::invalid_argument);
}

void advance_on_finish_and_restart_after_end(session_env& env) {
  auto s = env.open(here, alice);
  event_log log(*s);
  play_all(env, *s, {"fake:track:a", "fake:track:b"});
  env.finish_track(conformance_guild);
  wait_for_node_track(env, "fake:track:b");
  REQUIRE(env.run_until([&] { return log.count<track_started>() == 2; }));
  auto ended = log.of<track_ended>();
  REQUIRE_FALSE(ended.empty());
  CHECK(ended.front().item.identifier == "fake:track:a");
  CHECK(ended.front().reason == protocol::track_end_reason::finished);

  // The last item ends: the queue ends, nothing plays, the session is idle.
  env.finish_track(conformance_guild);
  REQUIRE(env.run_until([&] { return log.count<track_ended>() == 2; }));
  REQUIRE(env.run_until([&] { return !state(env, *s).value.active; }));
  CHECK(node_identifier(env, conformance_guild).empty());
  CHECK_FALSE(current(env, *s).value);
  CHECK(state(env, *s).value.queue_size == 2);

  // Playing after the end starts the new item, never the old last one (a seed bug).
  auto c = play(env, *s, "fake:track:c");
  REQUIRE_FALSE(c.ec);
  CHECK(c.value.started);
  CHECK(c.value.positions == std::vector<std::size_t>{3});
  CHECK(node_identifier(env, conformance_guild) == "fake:track:c");
}

void repeat_one_and_all(session_env& env) {
  auto s = env.open(here, alice);
  event_log log(*s);
  play_all(env, *s, {"fake:track:a", "fake:track:b"});
  REQUIRE_FALSE(repeat(env, *s, repeat_mode::one).ec);
  CHECK(state(env, *s).value.repeat == repeat_mode::one);
  env.finish_track(conformance_guild);
  REQUIRE(env.run_until([&] { return log.count<track_started>() == 2; }));
  CHECK(node_identifier(env, conformance_guild) == "fake:track:a");
  CHECK(state(env, *s).value.current_position == 1);

  REQUIRE_FALSE(repeat(env, *s, repeat_mode::all).ec);
  REQUIRE_FALSE(skip(env, *s, skip_args::kind::to, 2).ec);
  env.finish_track(conformance_guild);
  wait_for_node_track(env, "fake:track:a");
  CHECK(state(env, *s).value.current_position == 1);

  // Repeat all with a single item replays it (the seed raised).
  auto removed = dequeue(env, *s, {.rule = dequeue_rule::positions{{2}}, .by = alice});
  REQUIRE_FALSE(removed.ec);
  const auto starts = log.count<track_started>();
  env.finish_track(conformance_guild);
  REQUIRE(env.run_until([&] { return log.count<track_started>() == starts + 1; }));
  CHECK(node_identifier(env, conformance_guild) == "fake:track:a");
  CHECK(state(env, *s).value.active);
}

void item_start_and_end_times(session_env& env) {
  auto s = env.open(here, alice);
  auto a = play(env, *s, play_args{.query = "fake:track:cut", .by = alice, .start_time = 30'000, .end_time = 90'000});
  REQUIRE_FALSE(a.ec);
  auto p = env.node_player(conformance_guild);
  REQUIRE(p);
  REQUIRE(p->track);
  CHECK(p->position >= 30'000);
  REQUIRE(p->end_time);
  CHECK(*p->end_time == 90'000);
  auto np = current(env, *s).value;
  REQUIRE(np);
  CHECK(np->item.start_time == 30'000);
  CHECK(np->item.end_time == 90'000);
}

void seek_absolute_relative_and_errors(session_env& env) {
  auto s = env.open(here, alice);
  CHECK(seek(env, *s, 1000, false).ec == error::nothing_playing);
  play_all(env, *s, {"fake:track:a"});
  // Paused, so that positions do not move between the calls and the assertions.
  REQUIRE_FALSE(pause(env, *s, true).ec);
  auto to = seek(env, *s, 60'000, false);
  REQUIRE_FALSE(to.ec);
  CHECK(to.value == 60'000);
  CHECK(env.node_player(conformance_guild)->position == 60'000);
  auto back = seek(env, *s, -10'000, true);
  REQUIRE_FALSE(back.ec);
  CHECK(back.value == 50'000);
  CHECK(env.node_player(conformance_guild)->position == 50'000);
  // Clamped to the track.
  auto before_start = seek(env, *s, -1'000'000, true);
  REQUIRE_FALSE(before_start.ec);
  CHECK(before_start.value == 0);
  CHECK(env.node_player(conformance_guild)->position == 0);

  play_all(env, *s, {"fake:stream:radio"});
  REQUIRE_FALSE(skip(env, *s, skip_args::kind::to, 2).ec);
  auto stream = seek(env, *s, 1000, false);
  CHECK(stream.ec == error::out_of_range);
  CHECK_FALSE(stream.diag.client_message().empty());
}

void stop_keeps_queue_and_voice(session_env& env) {
  auto s = env.open(here, alice);
  CHECK(stop(env, *s).ec == error::nothing_playing);
  play_all(env, *s, {"fake:track:a", "fake:track:b"});
  REQUIRE_FALSE(stop(env, *s).ec);
  REQUIRE(env.run_until([&] { return node_identifier(env, conformance_guild).empty(); }));
  auto st = state(env, *s).value;
  CHECK(st.connected);
  CHECK_FALSE(st.active);
  CHECK(st.queue_size == 2);
  CHECK(env.node_player(conformance_guild)->connected);
  CHECK(stop(env, *s).ec == error::nothing_playing);
  CHECK(pause(env, *s, true).ec == error::nothing_playing);
  // A stopped session is idle: the next play starts its item.
  auto c = play(env, *s, "fake:track:c");
  REQUIRE_FALSE(c.ec);
  CHECK(c.value.started);
  CHECK(node_identifier(env, conformance_guild) == "fake:track:c");
}

void filters_and_presets(session_env& env) {
  auto s = env.open(here, alice);
  play_all(env, *s, {"fake:track:a"});
  auto nightcore = set_filters(env, *s, std::string("nightcore"));
  REQUIRE_FALSE(nightcore.ec);
  REQUIRE(nightcore.value.timescale.has_value());
  CHECK(env.node_player(conformance_guild)->filters.contains("timescale"));
  CHECK((state(env, *s).value.filters == nightcore.value));

  protocol::filters custom;
  custom.volume = 0.5;
  auto mine = set_filters(env, *s, custom);
  REQUIRE_FALSE(mine.ec);
  CHECK(mine.value.volume == 0.5);
  CHECK_FALSE(env.node_player(conformance_guild)->filters.contains("timescale"));

  auto unknown = set_filters(env, *s, std::string("louder"));
  CHECK(unknown.ec == error::invalid_argument);
  CHECK_FALSE(unknown.diag.client_message().empty());

  auto cleared = set_filters(env, *s, std::string("clear"));
  REQUIRE_FALSE(cleared.ec);
  CHECK((cleared.value == protocol::filters{}));
  CHECK(env.node_player(conformance_guild)->filters.empty());
}

void shuffle_unshuffle_move_and_clear(session_env& env) {
  auto s = env.open(here, alice);
  play_all(env, *s, {"fake:track:1", "fake:track:2", "fake:track:3", "fake:track:4", "fake:track:5", "fake:track:6",
                     "fake:track:7", "fake:track:8"});
  const auto before = identifiers(env, *s);
  CHECK(shuffle(env, *s, true).ec == error::nothing_to_unshuffle);
  REQUIRE_FALSE(shuffle(env, *s, false).ec);
  auto shuffled = identifiers(env, *s);
  CHECK(shuffled.front() == "fake:track:1");
  CHECK(std::is_permutation(shuffled.begin(), shuffled.end(), before.begin()));
  REQUIRE_FALSE(shuffle(env, *s, true).ec);
  CHECK(identifiers(env, *s) == before);
  CHECK(node_identifier(env, conformance_guild) == "fake:track:1");

  auto moved = call<void>(env, [&](diagnostics& d, auto h) { s->async_move({.from = 8, .to = 2, .by = alice}, d, std::move(h)); });
  REQUIRE_FALSE(moved.ec);
  CHECK(identifiers(env, *s).at(1) == "fake:track:8");
  auto bad = call<void>(env, [&](diagnostics& d, auto h) { s->async_move({.from = 9, .to = 2, .by = alice}, d, std::move(h)); });
  CHECK(bad.ec == error::position_out_of_range);
  CHECK_FALSE(bad.diag.client_message().empty());

  auto upcoming = call<std::size_t>(env, [&](diagnostics& d, auto h) { s->async_clear({.upcoming_only = true, .by = alice}, d, std::move(h)); });
  REQUIRE_FALSE(upcoming.ec);
  CHECK(upcoming.value == 7);
  CHECK(identifiers(env, *s) == strings{"fake:track:1"});
  CHECK(node_identifier(env, conformance_guild) == "fake:track:1");

  auto all = call<std::size_t>(env, [&](diagnostics& d, auto h) { s->async_clear({.upcoming_only = false, .by = alice}, d, std::move(h)); });
  REQUIRE_FALSE(all.ec);
  CHECK(all.value == 1);
  CHECK(state(env, *s).value.queue_size == 0);
  REQUIRE(env.run_until([&] { return node_identifier(env, conformance_guild).empty(); }));
  CHECK_FALSE(state(env, *s).value.active);
}

void dequeue_by_every_rule(session_env& env) {
  auto s = env.open(here, alice);
  play_all(env, *s, {"fake:track:a", "fake:track:b", "fake:track:c"});
  play_all(env, *s, {"fake:track:d", "fake:track:b"}, bob);
  play_all(env, *s, {"fake:track:e"});
  // a b c d(bob) b(bob) e; a plays.

  // Positions in any order; the answer names where the items were.
  auto pos = dequeue(env, *s, {.rule = dequeue_rule::positions{{3, 2}}, .by = alice});
  REQUIRE_FALSE(pos.ec);
  REQUIRE(pos.value.size() == 2);
  CHECK(pos.value[0].identifier == "fake:track:b");
  CHECK(pos.value[0].position == 2);
  CHECK(pos.value[1].identifier == "fake:track:c");
  CHECK(pos.value[1].position == 3);
  CHECK(identifiers(env, *s) == strings{"fake:track:a", "fake:track:d", "fake:track:b", "fake:track:e"});

  auto current = dequeue(env, *s, {.rule = dequeue_rule::positions{{1}}, .by = alice});
  CHECK(current.ec == error::current_item_protected);
  auto zero = dequeue(env, *s, {.rule = dequeue_rule::positions{{0}}, .by = alice});
  CHECK(zero.ec == error::position_out_of_range);
  CHECK_FALSE(zero.diag.client_message().empty());
  CHECK(identifiers(env, *s).size() == 4);

  auto by_bob = dequeue(env, *s, {.rule = dequeue_rule::requester{bob}, .by = alice});
  REQUIRE_FALSE(by_bob.ec);
  CHECK(by_bob.value.size() == 2);
  CHECK(identifiers(env, *s) == strings{"fake:track:a", "fake:track:e"});
  CHECK(dequeue(env, *s, {.rule = dequeue_rule::requester{bob}, .by = alice}).ec == error::no_effect);

  play_all(env, *s, {"fake:track:e", "fake:track:f"});
  auto dups = dequeue(env, *s, {.rule = dequeue_rule::duplicates{}, .by = alice});
  REQUIRE_FALSE(dups.ec);
  REQUIRE(dups.value.size() == 1);
  CHECK(dups.value[0].position == 3);
  CHECK(identifiers(env, *s) == strings{"fake:track:a", "fake:track:e", "fake:track:f"});

  play_all(env, *s, {"fake:track:g"}, bob);
  auto absent = dequeue(env, *s, {.rule = dequeue_rule::absent{{alice}}, .by = alice});
  REQUIRE_FALSE(absent.ec);
  REQUIRE(absent.value.size() == 1);
  CHECK(absent.value[0].identifier == "fake:track:g");

  auto range = dequeue(env, *s, {.rule = dequeue_rule::range{2, 3}, .by = alice});
  REQUIRE_FALSE(range.ec);
  CHECK(range.value.size() == 2);
  CHECK(identifiers(env, *s) == strings{"fake:track:a"});
  play_all(env, *s, {"fake:track:h"});
  auto source = dequeue(env, *s, {.rule = dequeue_rule::source{"fake"}, .by = alice});
  REQUIRE_FALSE(source.ec);
  CHECK(source.value.size() == 1);

  // Removing the current item on purpose stops it.
  auto cur = dequeue(env, *s, {.rule = dequeue_rule::positions{{1}, true}, .by = alice});
  REQUIRE_FALSE(cur.ec);
  REQUIRE(env.run_until([&] { return node_identifier(env, conformance_guild).empty(); }));
  CHECK_FALSE(state(env, *s).value.active);
}

void views_and_history(session_env& env) {
  auto s = env.open(here, alice);
  auto nothing = current(env, *s);
  REQUIRE_FALSE(nothing.ec);
  CHECK_FALSE(nothing.value);
  auto empty = page(env, *s);
  REQUIRE_FALSE(empty.ec);
  CHECK(empty.value.items.empty());
  CHECK(empty.value.pages == 0);

  for (int i = 1; i <= 12; ++i) play_all(env, *s, {("fake:track:" + std::to_string(i)).c_str()});
  REQUIRE_FALSE(skip(env, *s, skip_args::kind::to, 7).ec);
  auto np = current(env, *s).value;
  REQUIRE(np);
  CHECK(np->item.identifier == "fake:track:7");
  CHECK(np->item.position == 7);
  CHECK(np->item.length == 180'000);
  CHECK(np->volume == 100);
  CHECK_FALSE(np->paused);

  auto second = page(env, *s, 2, 5).value;
  CHECK(second.page == 2);
  CHECK(second.pages == 3);
  CHECK(second.total == 12);
  CHECK(second.current_position == 7);
  REQUIRE(second.items.size() == 5);
  CHECK(second.items.front().position == 6);
  CHECK(second.durations.total_ms == 12 * 180'000);
  CHECK(page(env, *s, 4, 5).ec == error::position_out_of_range);
  auto around = page(env, *s, 0, 5).value;
  REQUIRE(around.items.size() == 5);
  CHECK(std::any_of(around.items.begin(), around.items.end(), [](auto& i) { return i.position == 7; }));

  REQUIRE_FALSE(volume(env, *s, 40, false, bob).ec);
  auto h = call<std::vector<action_record>>(env, [&](diagnostics& d, auto hh) { s->async_history(3, d, std::move(hh)); });
  REQUIRE_FALSE(h.ec);
  REQUIRE(h.value.size() == 3);
  CHECK(h.value[1].action == "skip");
  CHECK(h.value[2].action == "volume");
  CHECK(h.value[2].by == bob);
  CHECK(h.value[2].at >= h.value[1].at);
  auto all = call<std::vector<action_record>>(env, [&](diagnostics& d, auto hh) { s->async_history(100, d, std::move(hh)); });
  REQUIRE(all.value.size() == 15);  // connect, 12 plays, skip, volume
  CHECK(all.value.front().action == "connect");
  CHECK(all.value.front().by == alice);
}

void state_changes_are_published(session_env& env) {
  auto s = env.open(here, alice);
  event_log log(*s);
  play_all(env, *s, {"fake:track:a", "fake:track:b"});
  auto published = [&](const std::function<bool(const session_state&)>& match) {
    return env.run_until([&] {
      auto all = log.of<state_changed>();
      return std::any_of(all.begin(), all.end(), [&](auto& e) { return match(e.state); });
    });
  };
  CHECK(published([](auto& st) { return st.queue_size == 2 && st.active; }));
  REQUIRE_FALSE(volume(env, *s, 55, false).ec);
  CHECK(published([](auto& st) { return st.volume == 55; }));
  REQUIRE_FALSE(pause(env, *s, true).ec);
  CHECK(published([](auto& st) { return st.paused; }));
  REQUIRE_FALSE(repeat(env, *s, repeat_mode::all).ec);
  CHECK(published([](auto& st) { return st.repeat == repeat_mode::all; }));
  REQUIRE_FALSE(set_filters(env, *s, std::string("karaoke")).ec);
  CHECK(published([](auto& st) { return st.filters.karaoke.has_value(); }));
  // Every state event names this session.
  for (auto& e : log.of<state_changed>()) CHECK(e.state.address == here);
}

void channel_move_follows_the_bot(session_env& env) {
  auto s = env.open(here, alice);
  event_log log(*s);
  play_all(env, *s, {"fake:track:a"});
  const channel_id elsewhere{7008};
  env.drag_bot(conformance_guild, elsewhere);
  REQUIRE(env.run_until([&] { return log.count<channel_moved>() == 1; }));
  CHECK(log.of<channel_moved>().front().from == conformance_channel);
  CHECK(log.of<channel_moved>().front().to == elsewhere);
  REQUIRE(env.run_until([&] { return s->address().voice == elsewhere; }));
  CHECK(state(env, *s).value.address.voice == elsewhere);
  CHECK(node_identifier(env, conformance_guild) == "fake:track:a");
  REQUIRE(env.run_until([&] {
    auto p = env.node_player(conformance_guild);
    return p && p->voice_channel_id == elsewhere.str();
  }));
}

void kick_closes_the_session(session_env& env) {
  auto s = env.open(here, alice);
  event_log log(*s);
  play_all(env, *s, {"fake:track:a"});
  env.kick_bot(conformance_guild);
  REQUIRE(env.run_until([&] { return log.count<closed>() == 1; }));
  CHECK(log.of<closed>().front().reason == close_reason::kicked);
  REQUIRE(env.run_until([&] { return !env.node_player(conformance_guild); }));
  CHECK(skip(env, *s, skip_args::kind::by, 1).ec == error::no_session);
}

void idle_sessions_are_reaped_unless_persistent(session_env& env) {
  using namespace std::chrono_literals;
  // The persistent one is opened first: when the transient one is reaped, the persistent one has
  // been idle at least as long.
  const session_address other{guild_id{conformance_guild.value() + 1}, channel_id{7100}};
  auto kept = env.open(other, alice, {.lifetime = session_lifetime::persistent, .inactivity_timeout = 50ms});
  event_log kept_log(*kept);
  auto s = env.open(here, alice, {.inactivity_timeout = 50ms});
  event_log log(*s);
  REQUIRE(env.run_until([&] { return log.count<closed>() == 1; }));
  CHECK(log.of<closed>().front().reason == close_reason::inactivity);
  CHECK(state(env, *s).ec == error::no_session);
  auto st = state(env, *kept);
  REQUIRE_FALSE(st.ec);
  CHECK(st.value.lifetime == session_lifetime::persistent);
  CHECK(kept_log.count<closed>() == 0);
}

void paused_sessions_have_their_own_timeout(session_env& env) {
  using namespace std::chrono_literals;
  // The paused timeout starts when playback is paused; the inactivity timeout is far away.
  auto s = env.open(here, alice, {.inactivity_timeout = std::chrono::minutes{10}, .paused_timeout = 50ms});
  event_log log(*s);
  play_all(env, *s, {"fake:track:a"});
  REQUIRE_FALSE(pause(env, *s, true).ec);
  REQUIRE(env.run_until([&] { return log.count<closed>() == 1; }));
  CHECK(log.of<closed>().front().reason == close_reason::inactivity);
  REQUIRE(env.run_until([&] { return !env.node_player(conformance_guild); }));
}

void disconnect_closes_the_session(session_env& env) {
  auto s = env.open(here, alice);
  event_log log(*s);
  play_all(env, *s, {"fake:track:a"});
  auto out = call<void>(env, [&](diagnostics& d, auto h) { s->async_disconnect({.by = alice}, d, std::move(h)); });
  REQUIRE_FALSE(out.ec);
  REQUIRE(env.run_until([&] { return log.count<closed>() == 1; }));
  CHECK(log.of<closed>().front().reason == close_reason::requested);
  CHECK(std::holds_alternative<closed>(log.events().back()));
  REQUIRE(env.run_until([&] { return !env.node_player(conformance_guild); }));
  CHECK(play(env, *s, "fake:track:b").ec == error::no_session);
  CHECK(state(env, *s).ec == error::no_session);
  CHECK(pause(env, *s, true).ec == error::no_session);
}

}  // namespace conformance
}  // namespace hanabi::test
