// The catalogue grammar (catalogue.hpp), checked without a server.
#include <hanabi/protocol/track_codec.hpp>
#include <hanabi/testing/catalogue.hpp>

#include <catch2/catch.hpp>

using hanabi::testing::catalogue;
using hanabi::testing::track_behaviour;
namespace protocol = hanabi::protocol;

namespace {

protocol::track one(const catalogue& c, const std::string& id) {
  auto r = c.load(id);
  REQUIRE(std::holds_alternative<protocol::track_loaded>(r));
  return std::get<protocol::track_loaded>(r).track;
}

}  // namespace

TEST_CASE("fake:track gives one track whose blob decodes to its info") {
  catalogue c;
  auto t = one(c, "fake:track:Never Gonna:212000");
  CHECK(t.info.identifier == "fake:track:Never Gonna:212000");
  CHECK(t.info.title == "Never Gonna");
  CHECK(t.info.length == 212000);
  CHECK(t.info.source_name == "fake");
  CHECK(t.info.is_seekable);
  CHECK_FALSE(t.info.is_stream);
  CHECK(t.encoded.rfind("QAAA", 0) == 0);  // flags 1, version 3, under 64 KiB
  auto decoded = protocol::decode_track(t.encoded);
  REQUIRE(decoded.has_value());
  CHECK(decoded->info == t.info);
  CHECK(decoded->version == 3);
  CHECK(one(c, "fake:track:x").info.length == 180'000);
  CHECK(one(c, "fake:track:with:colons").info.title == "with:colons");
  CHECK(c.load("fake:track:") == protocol::load_result{protocol::nothing_loaded{}});
}

TEST_CASE("the same identifier always gives the same bytes") {
  catalogue a, b;
  CHECK(a.load("fake:playlist:20:3") == b.load("fake:playlist:20:3"));
  CHECK(a.load("fakesearch:q") == a.load("fakesearch:q"));
}

TEST_CASE("streams, failing, throwing and stuck tracks carry their behaviour through the blob") {
  catalogue c;
  auto stream = one(c, "fake:stream:radio");
  CHECK(stream.info.is_stream);
  CHECK_FALSE(stream.info.is_seekable);
  CHECK(stream.info.length == protocol::unknown_length);
  const std::pair<const char*, track_behaviour> kinds[] = {
      {"fake:track:a", track_behaviour::plays},          {"fake:stream:a", track_behaviour::stream},
      {"fake:fail:a", track_behaviour::fails_to_load},   {"fake:exception:a", track_behaviour::throws_midway},
      {"fake:stuck:a", track_behaviour::gets_stuck},     {"https://example.com/a.mp3", track_behaviour::plays}};
  for (auto [id, behaviour] : kinds) {
    INFO(id);
    auto t = one(c, id);
    auto decoded = protocol::decode_track(t.encoded);
    REQUIRE(decoded.has_value());
    CHECK(catalogue::behaviour_of(decoded->info) == behaviour);
  }
}

TEST_CASE("searches: fakesearch, fakesearch<n> and the Lavalink prefixes") {
  catalogue c;
  auto tracks = [&](const std::string& id) {
    auto r = c.load(id);
    REQUIRE(std::holds_alternative<protocol::search_loaded>(r));
    return std::get<protocol::search_loaded>(r).tracks;
  };
  auto five = tracks("fakesearch:lofi");
  REQUIRE(five.size() == 5);
  CHECK(five[0].info.title == "lofi #1");
  CHECK(five[4].info.identifier == "fake:track:lofi #5");
  CHECK(tracks("fakesearch3:lofi").size() == 3);
  CHECK(tracks("fakesearch0:lofi").empty());
  CHECK(tracks("ytsearch:x").size() == 5);
  CHECK(tracks("ytmsearch:x").size() == 5);
  CHECK(tracks("scsearch:x").size() == 5);
  catalogue more{{.search_results = 12}};
  CHECK(std::get<protocol::search_loaded>(more.load("fakesearch:x")).tracks.size() == 12);
}

TEST_CASE("playlists of any size up to the limit, with selectedTrack") {
  catalogue c;
  auto p = std::get<protocol::playlist_loaded>(c.load("fake:playlist:4:2"));
  CHECK(p.info.selected_track == 2);
  REQUIRE(p.tracks.size() == 4);
  CHECK(p.tracks[3].info.title == "Track 4 of 4");
  CHECK(std::get<protocol::playlist_loaded>(c.load("fake:playlist:3")).info.selected_track == -1);
  CHECK(std::get<protocol::playlist_loaded>(c.load("fake:playlist:3:9")).info.selected_track == -1);
  CHECK(std::get<protocol::playlist_loaded>(c.load("fake:playlist:0")).tracks.empty());
  auto big = std::get<protocol::playlist_loaded>(c.load("fake:playlist:100000"));
  CHECK(big.tracks.size() == 100'000);
  CHECK(protocol::decode_track(big.tracks.back().encoded).has_value());
  CHECK(std::holds_alternative<protocol::load_failed>(c.load("fake:playlist:100001")));
}

TEST_CASE("empty, error and URL loads") {
  catalogue c;
  CHECK(std::holds_alternative<protocol::nothing_loaded>(c.load("fake:empty")));
  CHECK(std::holds_alternative<protocol::nothing_loaded>(c.load("something else")));
  auto fault = std::get<protocol::load_failed>(c.load("fake:error")).exception;
  CHECK(fault.severity == protocol::severity::fault);
  CHECK(fault.message == "Something went wrong while looking up the track.");
  CHECK(std::get<protocol::load_failed>(c.load("fake:error:common")).exception.severity == protocol::severity::common);
  CHECK(std::get<protocol::load_failed>(c.load("fake:error:suspicious")).exception.severity ==
        protocol::severity::suspicious);
  auto url = one(c, "https://cdn.example.com/audio/song.mp3");
  CHECK(url.info.source_name == "http");
  CHECK(url.info.uri == "https://cdn.example.com/audio/song.mp3");
  CHECK(url.info.title == "song.mp3");
  auto decoded = protocol::decode_track(url.encoded);
  REQUIRE(decoded.has_value());
  CHECK(decoded->source_data == std::string("\0\3mp3", 5));
  CHECK(catalogue::knows_source("http"));
  CHECK_FALSE(catalogue::knows_source("youtube"));
}

TEST_CASE("resolve_one gives Lavalink's messages for everything but a single track") {
  catalogue c;
  CHECK(c.resolve_one("fake:track:a").has_value());
  CHECK(c.resolve_one("fake:playlist:2").error().diag.best_message() == "Cannot play a playlist or search result");
  CHECK(c.resolve_one("fakesearch:a").error().diag.best_message() == "Cannot play a playlist or search result");
  CHECK(c.resolve_one("nope").error().diag.best_message() == "No matches found for identifier");
}
