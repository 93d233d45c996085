// The JSON form of the session values (session/json.hpp): every type survives a
// round trip, and malformed input gives a typed error naming the field.
#include <hanabi/protocol/decoder.hpp>
#include <hanabi/session/json.hpp>

#include "test_data.hpp"

#include <catch2/catch.hpp>

#include <fmt/format.h>

using namespace hanabi;
using nlohmann::json;

namespace {

const user_id alice{111};
const user_id bob{222};

protocol::track fixture_track() {
  auto t = protocol::decode<protocol::track>(test::fixture("decodetrack.json"));
  REQUIRE(t.has_value());
  return *t;
}

protocol::filters fixture_filters() {
  auto f = protocol::decode<protocol::filters>(test::fixture("filters.json"));
  REQUIRE(f.has_value());
  return *f;
}

/// Decodes what was encoded and checks that encoding the copy gives the same JSON: every
/// field written is read back (a field the decoder forgot would come back as its default).
template <class T>
T round_trip(const T& value) {
  json j = to_json_value(value);
  auto back = decode_json<T>(j);
  INFO(j.dump());
  if (!back) FAIL(back.error().what());
  CHECK(to_json_value(*back) == j);
  // And through text, as it crosses the link (parsed numbers are unsigned, built ones signed).
  auto reparsed = decode_json<T>(json::parse(j.dump()));
  REQUIRE(reparsed.has_value());
  CHECK(to_json_value(*reparsed) == j);
  return *back;
}

item_view sample_item(std::size_t position) {
  item_view i;
  i.position = position;
  i.id = 40 + position;
  i.title = fmt::format("Title {}", position);
  i.author = "Author";
  i.uri = fmt::format("https://example.org/{}", position);
  i.artwork_url = "https://example.org/art.jpg";
  i.identifier = fmt::format("id{}", position);
  i.source_name = "youtube";
  i.encoded = "QAAA";
  i.length = position == 3 ? protocol::unknown_length : 212000;
  i.is_stream = position == 3;
  i.requester = bob;
  i.start_time = 1000;
  i.end_time = 5000;
  i.added_at = 1700000000123;
  return i;
}

now_playing sample_now_playing() {
  return now_playing{sample_item(2), 31337, true, 80, repeat_mode::all};
}

session_state sample_state() {
  session_state s;
  s.address = {guild_id{81384788765712384}, channel_id{223456789012345678}};
  s.bot = "child-1";
  s.lifetime = session_lifetime::persistent;
  s.connected = true;
  s.active = true;
  s.paused = true;
  s.volume = 140;
  s.repeat = repeat_mode::one;
  s.filters = fixture_filters();
  s.current_position = 2;
  s.queue_size = 7;
  s.current = sample_now_playing();
  s.node = "node-a";
  s.created_at = 1700000000000;
  s.last_active_at = 1700000001000;
  return s;
}

/// The failure's code and the path its message names.
void check_failure(const result<void>& r, error e, const std::string& path) {
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == e);
  INFO(r.error().diag.client_message());
  CHECK(r.error().diag.client_message().find(path) != std::string::npos);
}

template <class T>
void check_bad(const json& j, error e, const std::string& path) {
  if constexpr (std::is_same_v<T, failure>) {
    failure out;
    check_failure(decode_json_into(j, out), e, path);
  } else {
    auto r = decode_json<T>(j);
    REQUIRE_FALSE(r.has_value());
    check_failure(result<void>(r.error()), e, path);
  }
}

}  // namespace

TEST_CASE("session json: command arguments round trip") {
  CHECK(round_trip(connect_args{alice}).by == alice);
  CHECK(round_trip(disconnect_args{bob}).by == bob);
  CHECK(round_trip(stop_args{bob}).by == bob);

  auto play = round_trip(play_args{"lofi beats", alice, 3, true, 1500, 9000});
  CHECK(play.query == "lofi beats");
  CHECK(play.position == std::optional<std::size_t>(3));
  CHECK(play.next);
  CHECK(play.end_time == 9000);
  CHECK_FALSE(round_trip(play_args{"x", alice, std::nullopt}).position);

  auto skip = round_trip(skip_args{skip_args::kind::to, 5, alice});
  CHECK(skip.how == skip_args::kind::to);
  CHECK(skip.value == 5);
  CHECK(round_trip(skip_args{skip_args::kind::by, -2, alice}).value == -2);
  CHECK(round_trip(skip_args{skip_args::kind::back, 1, alice}).how == skip_args::kind::back);

  auto seek = round_trip(seek_args{-10000, true, bob});
  CHECK(seek.value == -10000);
  CHECK(seek.relative);
  CHECK_FALSE(round_trip(pause_args{false, bob}).paused);
  auto vol = round_trip(volume_args{-15, true, alice});
  CHECK(vol.value == -15);
  CHECK(vol.relative);
  CHECK(round_trip(repeat_args{repeat_mode::all, alice}).mode == repeat_mode::all);
  CHECK(round_trip(shuffle_args{true, alice}).undo);
  auto mv = round_trip(move_args{7, 2, alice});
  CHECK((mv.from == 7 && mv.to == 2));
  CHECK_FALSE(round_trip(clear_args{false, alice}).upcoming_only);
  auto page = round_trip(page_args{0, 25});
  CHECK((page.number == 0 && page.size == 25));
}

TEST_CASE("session json: enqueue with loaded tracks and sources") {
  enqueue_args a;
  a.entries.push_back({fixture_track(), "", 0, 0});
  a.entries.push_back({std::nullopt, "ytsearch:never gonna", 2000, 8000});
  a.by = alice;
  a.options = {enqueue_mode::interlace, true, true, bob};
  auto back = round_trip(a);
  REQUIRE(back.entries.size() == 2);
  CHECK(back.entries[0].track == fixture_track());
  CHECK_FALSE(back.entries[1].track);
  CHECK(back.entries[1].source == "ytsearch:never gonna");
  CHECK(back.entries[1].start_time == 2000);
  CHECK(back.options.mode == enqueue_mode::interlace);
  CHECK(back.options.shuffle);
  CHECK(back.options.reverse);
  CHECK(back.options.caller == bob);
}

TEST_CASE("session json: every dequeue rule round trips") {
  using namespace dequeue_rule;
  auto rule_of = [](dequeue_args a) { return round_trip(a).rule; };
  auto p = rule_of({positions{{3, 1, 3}, true}, dequeue_scope::upcoming_and_history, alice});
  REQUIRE(std::holds_alternative<positions>(p));
  CHECK(std::get<positions>(p).list == std::vector<std::size_t>{3, 1, 3});
  CHECK(std::get<positions>(p).allow_current);
  auto r = rule_of({range{2, 9}, dequeue_scope::upcoming, alice});
  REQUIRE(std::holds_alternative<range>(r));
  CHECK((std::get<range>(r).first == 2 && std::get<range>(r).last == 9));
  CHECK(std::get<requester>(rule_of({requester{bob}, {}, alice})).user == bob);
  CHECK(std::get<absent>(rule_of({absent{{alice, bob}}, {}, alice})).present ==
        std::unordered_set<user_id>{alice, bob});
  CHECK(std::holds_alternative<duplicates>(rule_of({duplicates{}, {}, alice})));
  CHECK(std::get<source>(rule_of({source{"soundcloud"}, {}, alice})).name == "soundcloud");
  CHECK(round_trip(dequeue_args{range{1, 1}, dequeue_scope::upcoming_and_history, alice}).scope ==
        dequeue_scope::upcoming_and_history);
}

TEST_CASE("session json: filters as a preset or as a set") {
  auto preset = round_trip(filter_args{std::string("nightcore"), alice});
  REQUIRE(std::holds_alternative<std::string>(preset.set));
  CHECK(std::get<std::string>(preset.set) == "nightcore");
  auto set = round_trip(filter_args{fixture_filters(), alice});
  REQUIRE(std::holds_alternative<protocol::filters>(set.set));
  CHECK(std::get<protocol::filters>(set.set) == fixture_filters());
}

TEST_CASE("session json: outcomes and views round trip") {
  auto out = round_trip(enqueue_outcome{{4, 5, 6}, {"https://nothing.example"}, "Mix", "First", true});
  CHECK(out.positions == std::vector<std::size_t>{4, 5, 6});
  CHECK(out.failed == std::vector<std::string>{"https://nothing.example"});
  CHECK(out.playlist_name == "Mix");
  CHECK(out.started);

  CHECK(round_trip(sample_item(3)) == sample_item(3));
  CHECK(round_trip(sample_now_playing()) == sample_now_playing());
  CHECK(round_trip(std::optional<now_playing>{}) == std::nullopt);
  CHECK(round_trip(std::optional<now_playing>{sample_now_playing()}) == sample_now_playing());
  std::vector<item_view> removed{sample_item(1), sample_item(3)};
  CHECK(round_trip(removed) == removed);

  queue_view q{{sample_item(1), sample_item(2)}, 1, 3, 2, 23, {500000, 250000, 1, 0}};
  auto qb = round_trip(q);
  CHECK(qb.items == q.items);
  CHECK((qb.page == 1 && qb.pages == 3 && qb.current_position == 2 && qb.total == 23));
  CHECK(qb.durations.remaining_ms == 250000);
  CHECK(qb.durations.streams == 1);

  std::vector<action_record> history{{1700000000000, alice, "skip", "to 5"}, {1700000000500, bob, "volume", "+10 -> 80"}};
  CHECK(round_trip(history) == history);
}

TEST_CASE("session json: the state snapshot round trips") {
  auto s = round_trip(sample_state());
  CHECK(s.address == sample_state().address);
  CHECK(s.bot == "child-1");
  CHECK(s.lifetime == session_lifetime::persistent);
  CHECK((s.connected && s.active && s.paused));
  CHECK(s.volume == 140);
  CHECK(s.repeat == repeat_mode::one);
  CHECK(s.filters == fixture_filters());
  CHECK(s.current == sample_now_playing());
  CHECK(s.node == "node-a");
  CHECK(s.last_active_at == 1700000001000);
}

TEST_CASE("session json: every event round trips") {
  using namespace session_events;
  auto ev = [](session_event e) { return round_trip(e); };
  CHECK(std::get<track_started>(ev(track_started{sample_item(1)})).item == sample_item(1));
  auto ended = std::get<track_ended>(ev(track_ended{sample_item(2), protocol::track_end_reason::load_failed}));
  CHECK(ended.reason == protocol::track_end_reason::load_failed);
  CHECK(to_json_value(session_event{ended})["reason"] == "loadFailed");
  CHECK(std::get<state_changed>(ev(state_changed{sample_state()})).state.volume == 140);
  auto moved = std::get<node_moved>(ev(node_moved{"a", "b"}));
  CHECK((moved.from == "a" && moved.to == "b"));
  auto ch = std::get<channel_moved>(ev(channel_moved{channel_id{5}, channel_id{6}}));
  CHECK((ch.from == channel_id{5} && ch.to == channel_id{6}));
  auto closed_ev = std::get<closed>(ev(closed{close_reason::inactivity, "idle for 5 min"}));
  CHECK(closed_ev.reason == close_reason::inactivity);
  CHECK(closed_ev.detail == "idle for 5 min");
  CHECK(to_string(close_reason::child_lost) == "child_lost");
}

TEST_CASE("session json: failures keep the code, the sentence and Lavalink's body") {
  failure f{error::position_out_of_range, "position 9 is out of range: the queue has positions 1 to 7"};
  failure back;
  REQUIRE(decode_json_into(to_json_value(f), back).has_value());
  CHECK(back.code == error::position_out_of_range);
  CHECK(back.diag.client_message() == f.diag.client_message());

  auto body = protocol::decode<lavalink_error>(test::fixture("error-404.json"));
  REQUIRE(body.has_value());
  failure with_body{make_error_code(error::not_found), diagnostics(*body)};
  failure back2;
  REQUIRE(decode_json_into(to_json_value(with_body), back2).has_value());
  CHECK(back2.diag.server_error() == *body);
  CHECK(back2.diag.best_message() == "Session not found");
}

TEST_CASE("session json: malformed input names the field") {
  check_bad<skip_args>(json::array(), error::unexpected_type, "skip");
  check_bad<skip_args>({{"how", "sideways"}}, error::invalid_value, "skip.how");
  check_bad<skip_args>({{"value", "5"}}, error::unexpected_type, "skip.value");
  check_bad<volume_args>({{"value", 1LL << 40}}, error::number_out_of_range, "volume.value");
  check_bad<move_args>({{"from", -1}}, error::number_out_of_range, "move.from");
  check_bad<seek_args>({{"value", 18446744073709551615ULL}}, error::number_out_of_range, "seek.value");
  check_bad<pause_args>({{"paused", 1}}, error::unexpected_type, "pause.paused");
  check_bad<connect_args>({{"by", "12a"}}, error::invalid_snowflake, "connect.by");
  check_bad<connect_args>({{"by", 12}}, error::unexpected_type, "connect.by");
  check_bad<play_args>({{"position", "first"}}, error::unexpected_type, "play.position");
  check_bad<enqueue_args>(json::parse(R"({"entries": [{"track": {"encoded": 5}}]})"), error::unexpected_type,
                          "enqueue.entries[0].track");
  check_bad<enqueue_args>(json::parse(R"({"options": {"mode": "lifo"}})"), error::invalid_value, "enqueue.options.mode");
  check_bad<dequeue_args>(json::object(), error::missing_field, "dequeue.rule");
  check_bad<dequeue_args>(json::parse(R"({"rule": {"kind": "all"}})"), error::invalid_value, "dequeue.rule.kind");
  check_bad<dequeue_args>(json::parse(R"({"rule": {"list": [1]}})"), error::missing_field, "dequeue.rule.kind");
  check_bad<dequeue_args>(json::parse(R"({"rule": {"kind": "positions", "list": [1, "2"]}})"), error::unexpected_type,
                          "dequeue.rule.list[1]");
  check_bad<dequeue_args>(json::parse(R"({"rule": {"kind": "absent", "present": ["1", "x"]}})"), error::invalid_snowflake,
                          "dequeue.rule.present[1]");
  check_bad<filter_args>(json::object(), error::missing_field, "filters.filters");
  check_bad<filter_args>(json::parse(R"({"filters": {"volume": "loud"}})"), error::unexpected_type, "filters.filters");
  check_bad<filter_args>({{"preset", 3}}, error::unexpected_type, "filters.preset");
  check_bad<session_state>(json::object(), error::missing_field, "state.address");
  check_bad<session_state>(json::parse(R"({"address": {"guild": "1"}})"), error::missing_field, "state.address.voice");
  auto state = to_json_value(sample_state());
  state["current"]["item"]["length"] = 2.5;
  check_bad<session_state>(state, error::unexpected_type, "state.current.item.length");
  state = to_json_value(sample_state());
  state["lifetime"] = "forever";
  check_bad<session_state>(state, error::invalid_value, "state.lifetime");
  check_bad<session_event>(json::parse(R"({"item": {}})"), error::missing_field, "event.type");
  check_bad<session_event>({{"type", "exploded"}}, error::invalid_value, "event.type");
  check_bad<session_event>({{"type", "state_changed"}}, error::missing_field, "event.state");
  check_bad<session_event>({{"type", "closed"}, {"reason", "bored"}}, error::invalid_value, "event.reason");
  check_bad<failure>({{"message", "x"}}, error::missing_field, "error.code");
  check_bad<failure>(json::parse(R"({"code": 700, "lavalink": {"status": "404"}})"), error::unexpected_type, "error.lavalink");
  check_bad<std::vector<item_view>>(json::object(), error::unexpected_type, "items");
  check_bad<std::optional<now_playing>>(json(5), error::unexpected_type, "now_playing");
}

TEST_CASE("session json: absent fields keep their defaults") {
  auto v = decode_json<volume_args>(json::object());
  REQUIRE(v.has_value());
  CHECK(v->value == 100);
  CHECK_FALSE(v->relative);
  auto c = decode_json<clear_args>({{"by", "5"}, {"added_in_v2", true}});
  REQUIRE(c.has_value());
  CHECK(c->upcoming_only);
  CHECK(c->by == user_id{5});
}
