#include <hanabi/storage/time.hpp>
#include <hanabi/storage/playlist.hpp>

#include "result_printer.hpp"

#include <catch2/catch.hpp>

using namespace hanabi;
using namespace hanabi::storage;

TEST_CASE("parse_time reads M:SS and H:MM:SS into milliseconds") {
  CHECK(*parse_time("0:00") == 0);
  CHECK(*parse_time("1:23") == 83'000);
  CHECK(*parse_time("12:05") == 725'000);
  CHECK(*parse_time("1:02:03") == 3'723'000);
  CHECK(*parse_time("100:00:00") == 360'000'000);
  CHECK(*parse_time("75:00") == 4'500'000);  // minutes may exceed 59 when they lead
}

TEST_CASE("parse_time rejects anything else with invalid_time and a reason") {
  for (const char* bad : {"", "5", ":30", "1:5", "1:60", "1:2:3", "1:60:00", "-1:00", "1:00 ", " 1:00", "1:00:00:00",
                          "a:bc", "1234567:00", "1::00", "1:00:", "１:00"}) {
    auto r = parse_time(bad);
    INFO(bad);
    REQUIRE(r.has_error());
    CHECK(r.error().code == error::invalid_time);
    CHECK_THAT(r.error().diag.client_message(), Catch::Contains("expected M:SS or H:MM:SS"));
  }
}

TEST_CASE("format_time writes what parse_time reads") {
  CHECK(format_time(0) == "0:00");
  CHECK(format_time(83'999) == "1:23");
  CHECK(format_time(3'723'000) == "1:02:03");
  CHECK(format_time(-5) == "0:00");
  for (const char* t : {"0:07", "59:59", "1:00:00", "10:09:08"}) CHECK(format_time(*parse_time(t)) == t);
}

TEST_CASE("playlist_entry::from_text parses optional times") {
  auto e = playlist_entry::from_text("url", "title", "", "2:00");
  REQUIRE(e);
  CHECK_FALSE(e->start_ms);
  CHECK(e->end_ms == 120'000);
  CHECK(playlist_entry::from_text("url", "title", "soon", "").error().code == error::invalid_time);
  CHECK(playlist_entry::from_text("url", "title", "", "1:5").error().code == error::invalid_time);
}

TEST_CASE("check_entry and check_draft enforce names, times and unique titles") {
  playlist_entry ok{"src", "t", 0, 1000, std::nullopt};
  CHECK(check_entry(ok));
  auto same = ok;
  same.end_ms = 0;
  CHECK(check_entry(same).error().code == error::invalid_time);  // an empty segment
  auto negative = ok;
  negative.start_ms = -1;
  CHECK(check_entry(negative).error().code == error::invalid_time);
  auto long_source = ok;
  long_source.source = std::string(2049, 's');
  CHECK(check_entry(long_source).error().code == error::invalid_name);
  CHECK(check_draft({"n", std::string(2001, 'd'), visibility::private_, {}}).error().code == error::invalid_name);
  CHECK(check_draft({"n", "", visibility::private_, {ok, ok}}).error().code == error::duplicate_name);
  std::vector<playlist_entry> many;
  for (std::size_t i = 0; i <= playlist_limits::max_entries; ++i) many.push_back({"s", std::to_string(i), {}, {}, {}});
  CHECK(check_entries(many).error().code == error::out_of_range);
}

TEST_CASE("visibility strings round-trip and unknown ones are invalid_value") {
  for (auto v : {visibility::private_, visibility::public_, visibility::global})
    CHECK(*visibility_from_string(to_string(v)) == v);
  CHECK(visibility_from_string("friends").error().code == error::invalid_value);
}

TEST_CASE("export_playlist writes the documented format and import_playlist reads it back") {
  playlist p{7, user_id{1}, "Name", "Text", visibility::global,
             {{"https://a", "A", 1000, std::nullopt, "QAAA"}, {"ytsearch:b", "B", std::nullopt, std::nullopt, std::nullopt}}};
  auto j = export_playlist(p);
  CHECK(j.at("format") == "hanabi.playlist");
  CHECK(j.at("version") == 1);
  CHECK(j.at("visibility") == "global");
  CHECK(j.at("entries").at(0) == nlohmann::json{{"source", "https://a"}, {"title", "A"}, {"start_ms", 1000}, {"encoded", "QAAA"}});
  CHECK_FALSE(j.at("entries").at(1).contains("start_ms"));
  auto back = import_playlist(j);
  REQUIRE(back);
  CHECK(*back == playlist_draft{"Name", "Text", visibility::global, p.entries});
  // What a hand-edited file may get wrong, each a typed error:
  auto with = [&](auto edit) { auto c = j; edit(c); return import_playlist(c); };
  CHECK(with([](auto& c) { c["format"] = "other"; }).error().code == error::invalid_value);
  CHECK(with([](auto& c) { c["version"] = 2; }).error().code == error::invalid_value);
  CHECK(with([](auto& c) { c.erase("name"); }).error().code == error::missing_field);
  CHECK(with([](auto& c) { c["name"] = 5; }).error().code == error::unexpected_type);
  CHECK(with([](auto& c) { c["visibility"] = "friends"; }).error().code == error::invalid_value);
  CHECK(with([](auto& c) { c["entries"] = "none"; }).error().code == error::unexpected_type);
  CHECK(with([](auto& c) { c["entries"][0] = 3; }).error().code == error::unexpected_type);
  CHECK(with([](auto& c) { c["entries"][0].erase("title"); }).error().code == error::missing_field);
  CHECK(with([](auto& c) { c["entries"][0]["end_ms"] = 10; }).error().code == error::invalid_time);
  CHECK(with([](auto& c) { c["entries"][1]["title"] = "A"; }).error().code == error::duplicate_name);
  CHECK(with([](auto& c) { c["name"] = ""; }).error().code == error::invalid_name);
}

TEST_CASE("draft_from_tracks keeps titles unique and within the limit") {
  std::vector<protocol::track> tracks(3);
  for (auto& t : tracks) {
    t.info.title = std::string(300, 'x');
    t.info.identifier = "id";
  }
  auto d = draft_from_tracks("Long", tracks);
  REQUIRE(d.entries.size() == 3);
  CHECK(check_draft(d));
  CHECK(d.entries[0].title.size() == playlist_limits::max_title - 8);
  CHECK(d.entries[1].title == d.entries[0].title + " (2)");
  CHECK(d.entries[2].title == d.entries[0].title + " (3)");
  CHECK(d.entries[0].source == "id");
  CHECK_FALSE(d.entries[0].encoded);
}
