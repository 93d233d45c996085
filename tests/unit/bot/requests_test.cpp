#include "core/requests.hpp"

#include <catch2/catch.hpp>

using namespace bot;

namespace {
template <class T>
errc request_code_of(const hanabi::result<T>& r) {
  REQUIRE_FALSE(r.has_value());
  REQUIRE(r.error().code.category() == bot_category());
  return static_cast<errc>(r.error().code.value());
}
constexpr hanabi::user_id alice{11};
const invoker member{hanabi::guild_id{1}, hanabi::channel_id{10}, alice, {}};
const invoker dj{hanabi::guild_id{1}, hanabi::channel_id{10}, alice, {77}};
}  // namespace

TEST_CASE("router permissions: destructive commands and buttons need the DJ role when one is configured") {
  const permissions rules{.dj_role = 77, .owner = {}};
  for (const char* name : {"skip", "back", "seek", "stop", "clear", "remove", "move", "dequeue", "shuffle",
                           "unshuffle", "filter", "disconnect", "np_skip", "np_back", "np_stop"}) {
    INFO(name);
    CHECK(request_code_of(check_allowed(name, member, rules)) == errc::not_allowed);
    CHECK(check_allowed(name, dj, rules).has_value());
  }
  for (const char* open : {"play", "pause", "resume", "volume", "queue", "nowplaying", "repeat", "np_pause", "np_volup"}) {
    INFO(open);
    CHECK(check_allowed(open, member, rules).has_value());
  }
  CHECK(check_allowed("skip", member, permissions{}).has_value());  // no DJ role: everyone may
  CHECK(check_allowed("skip", member, rules).error().diag.best_message() == "`skip` needs the DJ role.");
}

TEST_CASE("router permissions: only the owner chooses the bot of /connect") {
  const permissions rules{.dj_role = {}, .owner = hanabi::user_id{99}};
  CHECK(connect_choice({}, member, rules).value().empty());
  CHECK(request_code_of(connect_choice({{"bot", "child-1"}}, member, rules)) == errc::not_allowed);
  invoker owner = member;
  owner.user = hanabi::user_id{99};
  CHECK(connect_choice({{"bot", "child-1"}}, owner, rules).value() == "child-1");
  CHECK(request_code_of(connect_choice({{"bot", "child-1"}}, owner, permissions{})) == errc::not_allowed);
}

TEST_CASE("router arguments: /play query, position and next") {
  auto a = play_request({{"query", "emusearch:lofi"}, {"position", "2"}, {"next", "yes"}}, alice).value();
  CHECK(a.query == "emusearch:lofi");
  CHECK(a.position == std::size_t{2});
  CHECK(a.next);
  CHECK(a.by == alice);
  CHECK(request_code_of(play_request({}, alice)) == errc::missing_option);
  CHECK(request_code_of(play_request({{"query", "x"}, {"position", "0"}}, alice)) == errc::position_out_of_range);
  CHECK(request_code_of(play_request({{"query", "x"}, {"position", "two"}}, alice)) == errc::malformed_position);
  CHECK(request_code_of(play_request({{"query", "x"}, {"next", "maybe"}}, alice)) == errc::unknown_choice);
}

TEST_CASE("router arguments: /skip by or to, never both, never by 0") {
  auto plain = skip_request({}, alice).value();
  CHECK(plain.how == hanabi::skip_args::kind::by);
  CHECK(plain.value == 1);
  auto back = skip_request({{"by", "-2"}}, alice).value();
  CHECK(back.value == -2);
  auto to = skip_request({{"to", "5"}}, alice).value();
  CHECK(to.how == hanabi::skip_args::kind::to);
  CHECK(to.value == 5);
  CHECK(request_code_of(skip_request({{"by", "1"}, {"to", "2"}}, alice)) == errc::conflicting_options);
  CHECK(request_code_of(skip_request({{"by", "0"}}, alice)) == errc::conflicting_options);
  CHECK(request_code_of(skip_request({{"to", "0"}}, alice)) == errc::position_out_of_range);
  CHECK(request_code_of(skip_request({{"by", "1.5"}}, alice)) == errc::malformed_position);
}

TEST_CASE("router arguments: /seek, /volume, /repeat, /move") {
  auto rewind = seek_request({{"time", "-10"}}, alice).value();
  CHECK(rewind.relative);
  CHECK(rewind.value == -10'000);
  auto at = seek_request({{"time", "1:23"}}, alice).value();
  CHECK_FALSE(at.relative);
  CHECK(at.value == 83'000);
  CHECK(request_code_of(seek_request({{"time", "soon"}}, alice)) == errc::malformed_time);

  auto set = volume_request({{"setting", "80"}}, alice).value();
  CHECK((set.value == 80 && !set.relative));
  auto lower = volume_request({{"setting", "-15"}}, alice).value();
  CHECK((lower.value == -15 && lower.relative));
  auto raise = volume_request({{"setting", "+5"}}, alice).value();
  CHECK((raise.value == 5 && raise.relative));
  CHECK(request_code_of(volume_request({{"setting", "loud"}}, alice)) == errc::malformed_volume);
  CHECK(request_code_of(volume_request({{"setting", "1001"}}, alice)) == errc::volume_out_of_range);

  CHECK(repeat_request({{"mode", "ALL"}}, alice).value().mode == hanabi::repeat_mode::all);
  CHECK(request_code_of(repeat_request({{"mode", "twice"}}, alice)) == errc::unknown_choice);

  auto m = move_request({{"from", "3"}, {"to", "1"}}, alice).value();
  CHECK((m.from == 3 && m.to == 1));
  CHECK(request_code_of(move_request({{"from", "3"}}, alice)) == errc::missing_option);
}

TEST_CASE("router arguments: /remove and /dequeue rules") {
  auto r = remove_request({{"positions", "4, 2-3"}}, 5, alice).value();
  auto& list = std::get<hanabi::dequeue_rule::positions>(r.rule).list;
  CHECK(list == std::vector<std::size_t>{2, 3, 4});
  CHECK(request_code_of(remove_request({{"positions", "9"}}, 5, alice)) == errc::position_out_of_range);

  auto mine = dequeue_request({{"rule", "requester"}}, {}, alice).value();
  CHECK(std::get<hanabi::dequeue_rule::requester>(mine.rule).user == alice);
  auto theirs = dequeue_request({{"rule", "requester"}, {"requester", "<@42>"}}, {}, alice).value();
  CHECK(std::get<hanabi::dequeue_rule::requester>(theirs.rule).user == hanabi::user_id{42});
  auto absent = dequeue_request({{"rule", "absent"}}, {alice, hanabi::user_id{12}}, alice).value();
  CHECK(std::get<hanabi::dequeue_rule::absent>(absent.rule).present.count(hanabi::user_id{12}) == 1);
  CHECK(std::holds_alternative<hanabi::dequeue_rule::duplicates>(
      dequeue_request({{"rule", "duplicates"}}, {}, alice).value().rule));
  CHECK(request_code_of(dequeue_request({{"rule", "everything"}}, {}, alice)) == errc::unknown_choice);
}

TEST_CASE("router arguments: /filter and /queue page") {
  CHECK(std::get<std::string>(filter_request("preset", {{"name", "nightcore"}}, alice).value().set) == "nightcore");
  CHECK(std::get<std::string>(filter_request("clear", {}, alice).value().set) == "clear");
  auto eq = filter_request("equalizer", {{"band", "3"}, {"gain", "0.25"}}, alice).value();
  auto& bands = *std::get<hanabi::protocol::filters>(eq.set).equalizer;
  REQUIRE(bands.size() == 1);
  CHECK((bands[0].band == 3 && bands[0].gain == 0.25));
  CHECK(request_code_of(filter_request("equalizer", {{"band", "15"}, {"gain", "0"}}, alice)) == errc::position_out_of_range);
  CHECK(request_code_of(filter_request("preset", {{"name", "loud"}}, alice)) == errc::unknown_choice);

  CHECK(page_request({}).value() == 0);
  CHECK(page_request({{"page", "3"}}).value() == 3);
  CHECK(request_code_of(page_request({{"page", "0"}})) == errc::page_out_of_range);
}
