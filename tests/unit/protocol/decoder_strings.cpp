// Strings and keys are read in place when they carry no escape, and unescaped otherwise: both
// paths must give the same text, whatever whitespace surrounds the tokens.
#include <hanabi/protocol/decoder.hpp>

#include <catch2/catch.hpp>

#include <string>

using namespace hanabi;
using namespace hanabi::protocol;

namespace {

std::string track_json(const std::string& title_member, const std::string& author_member) {
  return R"({"encoded":"QAAA","info":{"identifier":"id","isSeekable":true,)" + author_member +
         R"(,"length":1,"isStream":false,"position":0,)" + title_member +
         R"(,"uri":null,"sourceName":"http","artworkUrl":null,"isrc":null}})";
}

track decode_track(const std::string& json) {
  decoder dec;
  auto r = dec.decode<track>(json);
  INFO(json);
  REQUIRE(r.has_value());
  return *r;
}

}  // namespace

TEST_CASE("escaped string values decode to their text", "[protocol][strings]") {
  const auto t = decode_track(track_json(R"("title":"say \"hi\" \\ caf\u00e9 \ud83c\udfb5")", R"("author":"a\/b")"));
  CHECK(t.info.title == "say \"hi\" \\ caf\xc3\xa9 \xf0\x9f\x8e\xb5");
  CHECK(t.info.author == "a/b");
}

TEST_CASE("a string ending in an escaped backslash is not cut short", "[protocol][strings]") {
  const auto t = decode_track(track_json(R"("title":"ends with \\")", R"("author":"\\")"));
  CHECK(t.info.title == "ends with \\");
  CHECK(t.info.author == "\\");
}

TEST_CASE("escaped keys match their unescaped names", "[protocol][strings]") {
  const auto t = decode_track(track_json(R"("ti\u0074le":"T")", R"("\u0061uthor":"A")"));
  CHECK(t.info.title == "T");
  CHECK(t.info.author == "A");
}

TEST_CASE("whitespace around keys, colons and values does not change the text", "[protocol][strings]") {
  const auto t = decode_track(track_json("\"title\" \t:\r\n \"spaced out\"  \n", "\n\"author\"\n:\n\"x y\"\n"));
  CHECK(t.info.title == "spaced out");
  CHECK(t.info.author == "x y");
  decoder dec;
  auto msg = dec.decode<ws_message>(std::string_view(
      "{ \"op\" : \"playerUpdate\" , \"guildId\" : \"42\" ,\n \"state\" : { \"time\" : 1 , \"position\" : 2 , "
      "\"connected\" : true , \"ping\" : 3 } }  "));
  REQUIRE(msg.has_value());
  CHECK(std::get<player_update>(*msg).guild_id == guild_id{42});
}

TEST_CASE("empty strings and strings of every length up to the scan width decode", "[protocol][strings]") {
  for (std::size_t n = 0; n <= 17; ++n) {
    const std::string text(n, 'x');
    const auto t = decode_track(track_json("\"title\":\"" + text + "\"", "\"author\":\"" + text + "\\\\\""));
    CHECK(t.info.title == text);
    CHECK(t.info.author == text + "\\");
  }
}

TEST_CASE("a snowflake or a tag that is not a string is still a type error", "[protocol][strings]") {
  decoder dec;
  auto r = dec.decode<ws_message>(std::string_view(R"({"op":"playerUpdate","guildId":42,"state":{}})"));
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == error::unexpected_type);
  CHECK(r.error().diag.client_message() == "guildId: expected a snowflake string, got a number");
  auto op = dec.decode<ws_message>(std::string_view(R"({"op":7})"));
  REQUIRE_FALSE(op.has_value());
  CHECK(op.error().diag.client_message() == "op: expected a string, got a number");
}
