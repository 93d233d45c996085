// The read loop's playerUpdate fast path (detail/player_update_scanner.hpp) against the on-demand
// decoder: whatever the scanner accepts, the decoder decodes to the same value; every deviation from
// the server's exact shape is left to the decoder (the scanner answers nullopt).
#include <hanabi/detail/player_update_scanner.hpp>
#include <hanabi/protocol/decoder.hpp>

#include "test_data.hpp"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <random>
#include <string>
#include <vector>

using namespace hanabi;
using hanabi::detail::scan_player_update;

namespace player_update_scanner_test {

// The benchmark's and the fake node's wire form: compact, in the server's key order.
const std::string server_shape =
    R"({"op":"playerUpdate","guildId":"817327181659111454","state":{"time":1500467109,"position":60000,"connected":true,"ping":50}})";

// When the scanner accepts `text`, the decoder must decode it to the same playerUpdate. Returns
// whether the scanner accepted it.
bool scanned_as_decoded(const std::string& text) {
  protocol::decoder dec;
  const auto scanned = scan_player_update(text);
  if (!scanned) return false;
  auto decoded = dec.decode<protocol::ws_message>(text);
  INFO(text);
  REQUIRE(decoded.has_value());
  REQUIRE(std::holds_alternative<protocol::player_update>(*decoded));
  CHECK(std::get<protocol::player_update>(*decoded) == *scanned);
  return true;
}

// `text` with `from` replaced by `to` (which must occur).
std::string with(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

std::string compact(const std::string& json) { return nlohmann::ordered_json::parse(json).dump(); }

}  // namespace player_update_scanner_test

using namespace player_update_scanner_test;

TEST_CASE("player_update scanner: the server's shape is read to the decoder's value") {
  const auto scanned = scan_player_update(server_shape);
  REQUIRE(scanned);
  CHECK(scanned->guild_id == guild_id{817327181659111454ULL});
  CHECK(scanned->state == protocol::player_state{1500467109, 60000, true, 50});
  CHECK(scanned_as_decoded(server_shape));
}

TEST_CASE("player_update scanner: both fixtures in compact form are scanned, pretty-printed they are left to the decoder") {
  for (const std::string name : {"playerUpdate.json", "playerUpdate-disconnected.json"}) {
    INFO(name);
    const std::string pretty = test::fixture(name);
    CHECK_FALSE(scan_player_update(pretty));
    CHECK(protocol::decode<protocol::ws_message>(pretty).has_value());
    CHECK(scanned_as_decoded(compact(pretty)));
  }
  const auto disconnected = scan_player_update(compact(test::fixture("playerUpdate-disconnected.json")));
  REQUIRE(disconnected);
  CHECK(disconnected->state.ping == -1);
  CHECK_FALSE(disconnected->state.connected);
}

TEST_CASE("player_update scanner: number edges are scanned exactly or left to the decoder") {
  // 18 digits always fit an int64: scanned, either sign.
  CHECK(scanned_as_decoded(with(server_shape, R"("time":1500467109)", R"("time":999999999999999999)")));
  CHECK(scanned_as_decoded(with(server_shape, R"("position":60000)", R"("position":-999999999999999999)")));
  CHECK(scanned_as_decoded(with(server_shape, R"("ping":50)", R"("ping":0)")));
  CHECK(scanned_as_decoded(with(server_shape, R"("ping":50)", R"("ping":-1)")));
  // 19 digits may or may not fit: the decoder decides (here: fits, and one past the maximum).
  const auto nineteen = with(server_shape, R"("time":1500467109)", R"("time":1000000000000000000)");
  CHECK_FALSE(scan_player_update(nineteen));
  CHECK(protocol::decode<protocol::ws_message>(nineteen).has_value());
  const auto past_max = with(server_shape, R"("time":1500467109)", R"("time":9223372036854775808)");
  CHECK_FALSE(scan_player_update(past_max));
  CHECK(protocol::decode<protocol::ws_message>(past_max).error().code == error::number_out_of_range);
  // Guild ids: 19 digits always fit 64 bits; 20 are the decoder's, in range or not.
  CHECK(scanned_as_decoded(with(server_shape, "817327181659111454", "9999999999999999999")));
  CHECK(scanned_as_decoded(with(server_shape, "817327181659111454", "0817327181659111454")));
  CHECK(scanned_as_decoded(with(server_shape, "817327181659111454", "0")));
  const auto max_guild = with(server_shape, "817327181659111454", "18446744073709551615");
  CHECK_FALSE(scan_player_update(max_guild));
  CHECK(protocol::decode<protocol::ws_message>(max_guild).has_value());
  const auto past_guild = with(server_shape, "817327181659111454", "18446744073709551616");
  CHECK_FALSE(scan_player_update(past_guild));
  CHECK(protocol::decode<protocol::ws_message>(past_guild).error().code == error::invalid_snowflake);
}

TEST_CASE("player_update scanner: numbers of every length are scanned exactly up to 18 digits, guild ids up to 19") {
  // Lengths cross the scanner's eight-byte steps at every offset; a digit string of each length in
  // each position (time, position, ping, guild id), with and without a sign where JSON allows one.
  for (std::size_t length = 1; length <= 20; ++length) {
    std::string number = "9";  // no leading zero, then every digit
    for (std::size_t i = 1; i < length; ++i) number += static_cast<char>('0' + i % 10);
    INFO("length " << length);
    for (const std::string sign : {"", "-"}) {
      for (const std::string field : {R"("time":1500467109)", R"("position":60000)", R"("ping":50)"}) {
        const std::string key = field.substr(0, field.find(':') + 1);
        const auto text = with(server_shape, field, key + sign + number);
        CHECK(scanned_as_decoded(text) == (length <= 18));
      }
    }
    const auto guild = with(server_shape, "817327181659111454", number);
    CHECK(scanned_as_decoded(guild) == (length <= 19));
  }
}

TEST_CASE("player_update scanner: every deviation from the server's shape is left to the decoder") {
  const std::vector<std::string> deviations = {
      // key order, extra and missing keys, duplicates
      R"({"guildId":"817327181659111454","op":"playerUpdate","state":{"time":1500467109,"position":60000,"connected":true,"ping":50}})",
      with(server_shape, R"("time":1500467109,"position":60000)", R"("position":60000,"time":1500467109)"),
      with(server_shape, R"(,"ping":50})", R"(,"ping":50,"extra":1})"),
      with(server_shape, R"("state")", R"("extra":null,"state")"),
      with(server_shape, R"(}})", R"(},"extra":{}})"),
      with(server_shape, R"(,"ping":50)", ""),
      with(server_shape, R"(,"ping":50})", R"(,"ping":50,"ping":51})"),
      // whitespace anywhere
      with(server_shape, R"("op":)", R"("op": )"),
      with(server_shape, R"({"op")", R"({ "op")"),
      with(server_shape, R"(50}})", R"(50} })"),
      " " + server_shape,
      server_shape + " ",
      server_shape + "\n",
      // escapes
      with(server_shape, "playerUpdate", R"(playerUpd\u0061te)"),
      with(server_shape, "817327181659111454", R"(81732718165911145\u0034)"),
      with(server_shape, R"("guildId")", R"("guild\u0049d")"),
      // types
      with(server_shape, R"("817327181659111454")", "817327181659111454"),
      with(server_shape, R"("817327181659111454")", R"("")"),
      with(server_shape, R"("817327181659111454")", R"("-817327181659111454")"),
      with(server_shape, R"("817327181659111454")", R"("+817327181659111454")"),
      with(server_shape, R"("817327181659111454")", "null"),
      with(server_shape, R"("time":1500467109)", R"("time":"1500467109")"),
      with(server_shape, R"("connected":true)", R"("connected":"true")"),
      with(server_shape, R"("connected":true)", R"("connected":1)"),
      with(server_shape, R"("connected":true)", R"("connected":null)"),
      with(server_shape, R"("connected":true)", R"("connected":True)"),
      with(server_shape, R"("connected":true)", R"("connected":tru)"),
      with(server_shape, R"("ping":50)", R"("ping":null)"),
      // numbers the scanner does not read exactly
      with(server_shape, R"("ping":50)", R"("ping":50.0)"),
      with(server_shape, R"("ping":50)", R"("ping":5e1)"),
      with(server_shape, R"("ping":50)", R"("ping":050)"),
      with(server_shape, R"("ping":50)", R"("ping":-0)"),
      with(server_shape, R"("ping":50)", R"("ping":+50)"),
      with(server_shape, R"("ping":50)", R"("ping":-)"),
      with(server_shape, R"("ping":50)", R"("ping":)"),
      // other ops and trailing content
      with(server_shape, "playerUpdate", "playerupdate"),
      with(server_shape, "playerUpdate", "stats"),
      server_shape + "}",
      server_shape + "x",
      server_shape + server_shape,
      std::string(server_shape).append(1, '\0'),
  };
  for (const auto& text : deviations) {
    INFO(text);
    CHECK_FALSE(scan_player_update(text));
  }
  // Every proper prefix (a truncated frame) too.
  for (std::size_t n = 0; n < server_shape.size(); ++n) {
    INFO(n);
    CHECK_FALSE(scan_player_update(std::string_view(server_shape).substr(0, n)));
  }
}

TEST_CASE("player_update scanner: random edits of the server's shape are scanned as the decoder decodes them, or left to it") {
  std::mt19937 rng(20261121);
  const std::string alphabet = R"(0123456789-+.eE"{}[],: \tnulltruefalse)";
  std::size_t scanned = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string text = server_shape;
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits; ++e) {
      const std::size_t at = rng() % (text.size() + 1);
      const char c = alphabet[rng() % alphabet.size()];
      switch (rng() % 3) {
        case 0: if (at < text.size()) text[at] = c; break;
        case 1: text.insert(at, 1, c); break;
        default: if (at < text.size()) text.erase(at, 1); break;
      }
    }
    if (scanned_as_decoded(text)) ++scanned;
  }
  // The edits that keep the shape (a digit changed inside a number) must be scanned, not all left over.
  CHECK(scanned > 100);
}
