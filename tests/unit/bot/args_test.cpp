#include "core/args.hpp"

#include <catch2/catch.hpp>

using namespace bot;

namespace {
template <class T>
errc code_of(const hanabi::result<T>& r) {
  REQUIRE_FALSE(r.has_value());
  REQUIRE(r.error().code.category() == bot_category());
  return static_cast<errc>(r.error().code.value());
}
template <class T>
std::string message_of(const hanabi::result<T>& r) {
  REQUIRE_FALSE(r.has_value());
  return r.error().diag.best_message();
}
}  // namespace

TEST_CASE("seek times: absolute forms", "[bot][args]") {
  CHECK(parse_seek("83").value() == seek_target{false, 83'000});
  CHECK(parse_seek("1:23").value() == seek_target{false, 83'000});
  CHECK(parse_seek("1:02:03").value() == seek_target{false, 3'723'000});
  CHECK(parse_seek(" 0:05 ").value() == seek_target{false, 5'000});
  CHECK(parse_seek("120:00").value() == seek_target{false, 7'200'000});  // minutes may exceed 59 without hours
}

TEST_CASE("seek times: relative forms", "[bot][args]") {
  CHECK(parse_seek("+30").value() == seek_target{true, 30'000});
  CHECK(parse_seek("-10").value() == seek_target{true, -10'000});
  CHECK(parse_seek("+1:30").value() == seek_target{true, 90'000});
}

TEST_CASE("seek times: malformed input is a typed error with the accepted forms", "[bot][args]") {
  for (auto bad : {"", "abc", "1:75", "1:60:00", "1::2", ":30", "1:2:3:4", "+", "--5", "1.5", "99999999999", "1:-2"}) {
    INFO(bad);
    auto r = parse_seek(bad);
    CHECK(code_of(r) == errc::malformed_time);
    CHECK_THAT(message_of(r), Catch::Contains("1:23, 1:02:03, 83, +30 or -10"));
  }
}

TEST_CASE("resolve_seek clamps relative jumps and rejects absolute times past the end", "[bot][args]") {
  CHECK(resolve_seek({true, 30'000}, 10'000, 180'000).value() == 40'000);
  CHECK(resolve_seek({true, -30'000}, 10'000, 180'000).value() == 0);
  CHECK(resolve_seek({true, 300'000}, 10'000, 180'000).value() == 180'000);
  CHECK(resolve_seek({false, 180'000}, 0, 180'000).value() == 180'000);
  auto past = resolve_seek({false, 200'000}, 0, 180'000);
  CHECK(code_of(past) == errc::time_out_of_range);
  CHECK(message_of(past) == "3:20 is past the end of the track: seek between 0:00 and 3:00");
  CHECK(code_of(resolve_seek({false, 0}, 0, hanabi::protocol::unknown_length)) == errc::time_out_of_range);
}

TEST_CASE("format_time", "[bot][args]") {
  CHECK(format_time(0) == "0:00");
  CHECK(format_time(5'999) == "0:05");
  CHECK(format_time(187'000) == "3:07");
  CHECK(format_time(3'723'000) == "1:02:03");
  CHECK(format_time(-10'000) == "-0:10");
}

TEST_CASE("single positions name the valid range", "[bot][args]") {
  CHECK(parse_position("3", 7).value() == 3);
  CHECK(parse_position("7", 7).value() == 7);
  auto zero = parse_position("0", 7);
  CHECK(code_of(zero) == errc::position_out_of_range);
  CHECK(message_of(zero) == "position 0 is out of range: the queue has positions 1 to 7");
  CHECK(message_of(parse_position("9", 7)) == "position 9 is out of range: the queue has positions 1 to 7");
  CHECK(message_of(parse_position("1", 0)) == "position 1 is out of range: the queue is empty");
  CHECK(code_of(parse_position("x", 7)) == errc::malformed_position);
  CHECK(code_of(parse_position("-1", 7)) == errc::malformed_position);
}

TEST_CASE("position lists: single, list, range and mixed, sorted without repeats", "[bot][args]") {
  using v = std::vector<std::size_t>;
  CHECK(parse_positions("3", 10).value() == v{3});
  CHECK(parse_positions("1,4,7", 10).value() == v{1, 4, 7});
  CHECK(parse_positions("2-5", 10).value() == v{2, 3, 4, 5});
  CHECK(parse_positions("9, 2-3 5,3", 10).value() == v{2, 3, 5, 9});
  CHECK(parse_positions("7,5,3", 10).value() == v{3, 5, 7});
  CHECK(parse_positions("4-4", 10).value() == v{4});
}

TEST_CASE("position lists: errors", "[bot][args]") {
  CHECK(code_of(parse_positions("", 10)) == errc::malformed_position);
  CHECK(code_of(parse_positions(",", 10)) == errc::malformed_position);
  CHECK(code_of(parse_positions("5-2", 10)) == errc::malformed_position);
  CHECK(code_of(parse_positions("2 - 5", 10)) == errc::malformed_position);
  CHECK(code_of(parse_positions("2-", 10)) == errc::malformed_position);
  CHECK(code_of(parse_positions("a,b", 10)) == errc::malformed_position);
  auto r = parse_positions("1,12", 10);
  CHECK(code_of(r) == errc::position_out_of_range);
  CHECK(message_of(r) == "position 12 is out of range: the queue has positions 1 to 10");
  CHECK(message_of(parse_positions("8-15", 10)) == "position 15 is out of range: the queue has positions 1 to 10");
  CHECK(message_of(parse_positions("0-3", 10)) == "position 0 is out of range: the queue has positions 1 to 10");
  // A huge range is refused by the range check, never expanded.
  CHECK(code_of(parse_positions("1-999999999", 10)) == errc::position_out_of_range);
}

TEST_CASE("volume settings", "[bot][args]") {
  using k = volume_setting::kind;
  CHECK(parse_volume("80").value() == volume_setting{k::set, 80});
  CHECK(parse_volume("+10").value() == volume_setting{k::raise, 10});
  CHECK(parse_volume("-25").value() == volume_setting{k::lower, 25});
  CHECK(parse_volume("50%").value() == volume_setting{k::set, 50});
  CHECK(parse_volume("1000").value() == volume_setting{k::set, 1000});
  CHECK(code_of(parse_volume("1001")) == errc::volume_out_of_range);
  CHECK(message_of(parse_volume("1001")) == "1001 is too much: the volume goes from 0 to 1000");
  for (auto bad : {"", "loud", "+", "1e3", "--1", "5 0"}) {
    INFO(bad);
    CHECK(code_of(parse_volume(bad)) == errc::malformed_volume);
  }
}

TEST_CASE("volume settings applied to the current volume stay in 0..1000", "[bot][args]") {
  using k = volume_setting::kind;
  CHECK(apply_volume({k::set, 30}, 100).value() == 30);
  CHECK(apply_volume({k::raise, 10}, 100).value() == 110);
  CHECK(apply_volume({k::lower, 100}, 100).value() == 0);
  auto low = apply_volume({k::lower, 20}, 10);
  CHECK(code_of(low) == errc::volume_out_of_range);
  CHECK(message_of(low) == "the volume would be -10: it must stay between 0 and 1000");
  CHECK(code_of(apply_volume({k::raise, 1}, 1000)) == errc::volume_out_of_range);
}

TEST_CASE("repeat and enqueue modes, flags", "[bot][args]") {
  CHECK(parse_repeat_mode("off").value() == hanabi::repeat_mode::off);
  CHECK(parse_repeat_mode("NONE").value() == hanabi::repeat_mode::off);
  CHECK(parse_repeat_mode("One").value() == hanabi::repeat_mode::one);
  CHECK(parse_repeat_mode("all").value() == hanabi::repeat_mode::all);
  CHECK(message_of(parse_repeat_mode("twice")) == "`twice` is not a repeat mode: use off, one or all");
  CHECK(parse_enqueue_mode("fifo").value() == hanabi::enqueue_mode::fifo);
  CHECK(parse_enqueue_mode("NEXT").value() == hanabi::enqueue_mode::next);
  CHECK(parse_enqueue_mode("random").value() == hanabi::enqueue_mode::random);
  CHECK(parse_enqueue_mode("interlace").value() == hanabi::enqueue_mode::interlace);
  CHECK(code_of(parse_enqueue_mode("lifo")) == errc::unknown_choice);
  CHECK(parse_flag("yes").value());
  CHECK_FALSE(parse_flag("Off").value());
  CHECK(code_of(parse_flag("maybe")) == errc::unknown_choice);
}

TEST_CASE("pages", "[bot][args]") {
  CHECK(page_count(0, 10) == 1);
  CHECK(page_count(10, 10) == 1);
  CHECK(page_count(11, 10) == 2);
  CHECK(parse_page("2", 3).value() == 2);
  CHECK(message_of(parse_page("4", 3)) == "`4` is not a page: use 1 to 3");
  CHECK(message_of(parse_page("2", 1)) == "`2` is not a page: there is only page 1");
  CHECK(code_of(parse_page("0", 3)) == errc::page_out_of_range);
  CHECK(code_of(parse_page("x", 3)) == errc::page_out_of_range);
}

TEST_CASE("snowflakes and mentions", "[bot][args]") {
  CHECK(parse_snowflake("123456789012345678").value() == 123456789012345678u);
  CHECK(parse_user("<@11>").value() == hanabi::user_id{11});
  CHECK(parse_user("<@!11>").value() == hanabi::user_id{11});
  CHECK(parse_channel("<#101>").value() == hanabi::channel_id{101});
  CHECK(parse_snowflake("<@&7>").value() == 7u);
  for (auto bad : {"", "0", "-1", "<@>", "<@abc>", "12a", "99999999999999999999", "<11>"}) {
    INFO(bad);
    CHECK(code_of(parse_snowflake(bad)) == errc::malformed_snowflake);
  }
}
