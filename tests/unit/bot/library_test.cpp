// The pure half of /search, /enqueue and /playlist: what their options parse to, what a stored
// playlist enqueues, the sentences of the store's errors, and what they render.
#include "core/playlists.hpp"
#include "core/search.hpp"

#include <hanabi/error.hpp>
#include <hanabi/protocol/track_codec.hpp>

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

using namespace bot;
using namespace std::chrono_literals;

namespace {

const hanabi::user_id library_user{11};

hanabi::protocol::track track_named(const std::string& title) {
  hanabi::protocol::track t;
  t.info.identifier = "fake:track:" + title;
  t.info.title = title;
  t.info.author = "someone";
  t.info.length = 83'000;
  t.info.source_name = "fake";
  t.encoded = hanabi::protocol::encode_track(t.info).value();
  return t;
}

}  // namespace

TEST_CASE("search_identifier keeps URLs and source prefixes, searches anything else") {
  CHECK(search_identifier("lofi beats", "ytsearch:") == "ytsearch:lofi beats");
  CHECK(search_identifier("scsearch:lofi", "ytsearch:") == "scsearch:lofi");
  CHECK(search_identifier("fakesearch0:x", "ytsearch:") == "fakesearch0:x");
  CHECK(search_identifier("https://example.com/a.mp3", "ytsearch:") == "https://example.com/a.mp3");
  // Not a source prefix: a colon alone, upper case, or no "search" before it.
  CHECK(search_identifier("note: lofi", "ytsearch:") == "ytsearch:note: lofi");
  CHECK(search_identifier("YTSEARCH:x", "ytsearch:") == "ytsearch:YTSEARCH:x");
}

TEST_CASE("search_results offers at most 5 tracks of a search, a playlist or one track") {
  hanabi::protocol::search_loaded many;
  for (int i = 1; i <= 7; ++i) many.tracks.push_back(track_named("t" + std::to_string(i)));
  auto five = search_results(many);
  REQUIRE(five.size() == 5);
  CHECK(five[4].info.title == "t5");
  CHECK(search_results(hanabi::protocol::track_loaded{track_named("one")}).size() == 1);
  CHECK(search_results(hanabi::protocol::nothing_loaded{}).empty());
  CHECK(search_results(hanabi::protocol::load_failed{}).empty());
}

TEST_CASE("search menus: their custom ids, the pick, and the closed form") {
  CHECK(limit_text(30s) == "30 s");
  CHECK(limit_text(1500ms) == "1500 ms");
  CHECK(search_menu_id(12) == "search:12");
  CHECK(search_of("search:12") == 12u);
  CHECK_FALSE(search_of("search:"));
  CHECK_FALSE(search_of("search:1x"));
  CHECK_FALSE(search_of("np_skip"));

  CHECK(search_pick({"3"}, 5).value() == 2u);
  CHECK(search_pick({"6"}, 5).error().code == errc::position_out_of_range);
  CHECK(search_pick({"x"}, 5).error().diag.best_message() == "`x` is not one of the results: pick 1 to 5.");
  CHECK(search_pick({}, 5).error().code == errc::missing_option);

  const std::vector results{track_named("a"), track_named("b")};
  auto open = render_search(4, results, 30s);
  CHECK(open.ephemeral);
  CHECK(open.content == "Pick one within 30 s:");
  CHECK(open.embeds.at(0).description == "1. a — someone (1:23)\n2. b — someone (1:23)");
  const auto& menu = std::get<select_menu>(open.rows.at(0).components.at(0));
  CHECK(menu.custom_id == "search:4");
  CHECK(menu.options == std::vector<select_option>{{"1", "a", "someone"}, {"2", "b", "someone"}});
  CHECK_FALSE(menu.disabled);
  CHECK(render_search(4, results, 500ms).content == "Pick one within 500 ms:");
  // Labels are cut to Discord's 100 characters, never inside a UTF-8 sequence.
  std::string long_title;
  for (int i = 0; i < 60; ++i) long_title += "花火";  // 120 characters of 3 bytes
  auto long_one = track_named("x");
  long_one.info.title = long_title;
  const auto clipped_message = render_search(5, {long_one}, 30s);  // named: a reference into a temporary dangles
  const auto& clipped = std::get<select_menu>(clipped_message.rows.at(0).components.at(0));
  CHECK(clipped.options.at(0).label == long_title.substr(0, 300));

  auto closed = render_search_closed(4, results, "Picked **b**.");
  CHECK(closed.content == "Picked **b**.");
  CHECK(std::get<select_menu>(closed.rows.at(0).components.at(0)).disabled);
  CHECK(to_text(closed).find("(disabled)") != std::string::npos);
}

TEST_CASE("enqueue_request: playlist, owner, mode and shuffle") {
  auto plain = enqueue_request({{"playlist", "chill"}}, library_user).value();
  CHECK(plain.playlist.name == "chill");
  CHECK(plain.playlist.owner == library_user);
  CHECK(plain.options.mode == hanabi::enqueue_mode::fifo);
  CHECK_FALSE(plain.options.shuffle);
  CHECK(plain.options.caller == library_user);

  auto full = enqueue_request({{"playlist", "mix"}, {"owner", "<@42>"}, {"mode", "Interlace"}, {"shuffle", "yes"}}, library_user).value();
  CHECK(full.playlist.owner == hanabi::user_id{42});
  CHECK(full.options.mode == hanabi::enqueue_mode::interlace);
  CHECK(full.options.shuffle);

  CHECK(enqueue_request({}, library_user).error().code == errc::missing_option);
  CHECK(enqueue_request({{"playlist", "x"}, {"mode", "lifo"}}, library_user).error().code == errc::unknown_choice);
  CHECK(enqueue_request({{"playlist", "x"}, {"shuffle", "maybe"}}, library_user).error().code == errc::unknown_choice);
  CHECK(enqueue_request({{"playlist", "x"}, {"owner", "bob"}}, library_user).error().code == errc::malformed_snowflake);
}

TEST_CASE("create_request and segment_request") {
  auto draft = create_request({{"name", "chill"}, {"description", "evening"}, {"public", "true"}}).value();
  CHECK(draft.name == "chill");
  CHECK(draft.description == "evening");
  CHECK(draft.visibility == hanabi::storage::visibility::public_);
  CHECK(create_request({{"name", "x"}}).value().visibility == hanabi::storage::visibility::private_);
  CHECK(create_request({{"name", ""}}).value().name.empty());  // the store names the rule
  CHECK(create_request({}).error().code == errc::missing_option);
  CHECK(create_request({{"name", "x"}, {"public", "perhaps"}}).error().code == errc::unknown_choice);

  auto segment = segment_request({{"start", "0:30"}, {"end", "1:02:03"}}).value();
  CHECK(segment.start_ms == 30'000);
  CHECK(segment.end_ms == 3'723'000);
  auto open_ended = segment_request({}).value();
  CHECK_FALSE(open_ended.start_ms);
  CHECK_FALSE(open_ended.end_ms);
  CHECK(segment_request({{"start", "1:5"}}).error().code == hanabi::error::invalid_time);
  CHECK(segment_request({{"end", "-1:00"}}).error().code == hanabi::error::invalid_time);
  auto backwards = segment_request({{"start", "2:00"}, {"end", "1:00"}}).error();
  CHECK(backwards.code == hanabi::error::invalid_time);
  CHECK(backwards.diag.best_message() == "the start (2:00) must come before the end (1:00)");
  CHECK(segment_request({{"start", "1:00"}, {"end", "1:00"}}).error().code == hanabi::error::invalid_time);
}

TEST_CASE("enqueue_entries: cached tracks decoded, the others by source, segments kept") {
  const auto cached = track_named("cached");
  hanabi::storage::playlist p;
  p.entries = {{"fake:track:cached", "cached", 1'000, 2'000, cached.encoded},
               {"ytsearch:plain", "plain", std::nullopt, std::nullopt, std::nullopt},
               {"fake:track:broken", "broken", std::nullopt, 5'000, std::string("not a blob")}};
  auto entries = enqueue_entries(p);
  REQUIRE(entries.size() == 3);
  REQUIRE(entries[0].track);
  CHECK(entries[0].track->encoded == cached.encoded);
  CHECK(entries[0].track->info.title == "cached");
  CHECK(entries[0].start_time == 1'000);
  CHECK(entries[0].end_time == 2'000);
  CHECK_FALSE(entries[1].track);
  CHECK(entries[1].source == "ytsearch:plain");
  CHECK(entries[1].start_time == 0);
  CHECK_FALSE(entries[2].track);  // a blob that does not decode is loaded again from its source
  CHECK(entries[2].end_time == 5'000);
}

TEST_CASE("playlist_failure: each store error as a short sentence") {
  const playlist_ref mine{"chill", library_user};
  const playlist_ref theirs{"mix", hanabi::user_id{42}};
  auto f = [](hanabi::error e, std::string text) { return hanabi::failure{e, hanabi::diagnostics{std::move(text)}}; };
  CHECK(playlist_failure(f(hanabi::error::record_not_found, "x"), mine, library_user) == "You have no playlist named **chill**.");
  CHECK(playlist_failure(f(hanabi::error::record_not_found, "x"), theirs, library_user) == "<@42> has no playlist named **mix**.");
  CHECK(playlist_failure(f(hanabi::error::access_denied, "x"), theirs, library_user) ==
        "**mix** belongs to <@42>: only they may change it, and only if it is public may you use it.");
  CHECK(playlist_failure(f(hanabi::error::duplicate_name, "you already have a playlist named 'chill'"), mine, library_user) ==
        "You already have a playlist named 'chill'.");
  CHECK(playlist_failure(f(hanabi::error::invalid_name, "the playlist name is empty"), mine, library_user) ==
        "The playlist name is empty.");
}

TEST_CASE("playlists render: entries with segments, listings, and the export file") {
  hanabi::storage::playlist p;
  p.name = "chill";
  p.owner = library_user;
  p.entries = {{"s1", "first", 30'000, 165'000, std::nullopt}, {"s2", "second", std::nullopt, std::nullopt, std::nullopt}};
  auto shown = render_playlist(p);
  CHECK(shown.ephemeral);
  CHECK(shown.embeds.at(0).description == "1. first [0:30–2:45]\n2. second");
  CHECK(shown.embeds.at(0).footer == "private · 2 tracks · by <@11>");

  // Long titles: the listing stops within Discord's 4,096 characters and says how many are left.
  hanabi::storage::playlist big;
  big.name = "big";
  for (int i = 0; i < 30; ++i) big.entries.push_back({"s", std::to_string(i) + std::string(250, 'x'), std::nullopt, std::nullopt, std::nullopt});
  const auto listing = render_playlist(big).embeds.at(0).description;
  CHECK(listing.size() <= 4096);
  CHECK(listing.ends_with("… and 15 more"));

  std::vector<hanabi::storage::playlist_summary> list{{1, library_user, "chill", "", hanabi::storage::visibility::private_, 2},
                                                      {2, library_user, "pub", "for all", hanabi::storage::visibility::public_, 1}};
  CHECK(render_playlist_list(list, library_user, true).embeds.at(0).description ==
        "**chill** · 2 tracks · private\n**pub** · 1 track · public — for all");
  CHECK(render_playlist_list({}, library_user, true).embeds.at(0).description ==
        "You have no playlists: create one with /playlist create.");
  CHECK(render_playlist_list({}, library_user, false).embeds.at(0).title == "Public playlists of <@11>");

  auto exported = render_playlist_export(p);
  REQUIRE(exported.files.size() == 1);
  CHECK(exported.files[0].filename == "chill.json");
  auto json = nlohmann::json::parse(exported.files[0].content);
  CHECK(hanabi::storage::import_playlist(json).value().entries == p.entries);
  CHECK(to_text(exported).find("📎 chill.json") != std::string::npos);
}
