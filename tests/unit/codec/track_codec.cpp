#include <hanabi/protocol/track_codec.hpp>

#include <hanabi/detail/base64.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <test_data.hpp>

using namespace hanabi;
using protocol::decode_track;
using protocol::decoded_track;
using protocol::encode_track;
using protocol::track_info;

namespace {

std::string to_hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

std::string base64_bytes(std::string_view text) {
  std::string bytes;
  REQUIRE(detail::base64_decode(text, bytes));
  return bytes;
}

std::optional<std::string> nullable(const nlohmann::json& j) {
  if (j.is_null()) return std::nullopt;
  return j.get<std::string>();
}

track_info info_from_json(const nlohmann::json& j) {
  track_info info;
  info.identifier = j.at("identifier");
  info.is_seekable = j.at("isSeekable");
  info.author = j.at("author");
  info.length = j.at("length");
  info.is_stream = j.at("isStream");
  info.position = j.at("position");
  info.title = j.at("title");
  info.uri = nullable(j.at("uri"));
  info.source_name = j.at("sourceName");
  info.artwork_url = nullable(j.at("artworkUrl"));
  info.isrc = nullable(j.at("isrc"));
  return info;
}

nlohmann::json encoded_tracks() { return nlohmann::json::parse(test::fixture("encoded-tracks.json")); }

/// Builds a binary track message field by field, to reach the corners the fixtures do not.
struct message_builder {
  std::string body;
  message_builder& u8(unsigned v) {
    body += static_cast<char>(v);
    return *this;
  }
  message_builder& i64(std::uint64_t v) {
    for (int s = 56; s >= 0; s -= 8) u8(v >> s & 0xFF);
    return *this;
  }
  message_builder& utf_raw(std::string_view raw) {
    u8(raw.size() >> 8).u8(raw.size() & 0xFF);
    body += raw;
    return *this;
  }
  /// The base64 blob: header (flags, size of body), then body, then `trailing` extra bytes.
  std::string blob(unsigned flags, std::string_view trailing = {}) const {
    const std::uint32_t header = flags << 30 | static_cast<std::uint32_t>(body.size());
    std::string bytes;
    for (int s = 24; s >= 0; s -= 8) bytes += static_cast<char>(header >> s & 0xFF);
    return detail::base64_encode(bytes + body + std::string(trailing));
  }
};

/// A version-3 message whose title is given as raw modified UTF-8 bytes.
std::string blob_with_raw_title(std::string_view raw_title) {
  return message_builder{}
      .u8(3)
      .utf_raw(raw_title)
      .utf_raw("author")
      .i64(1000)
      .utf_raw("id")
      .u8(0)
      .u8(0)
      .u8(0)
      .u8(0)
      .utf_raw("youtube")
      .i64(0)
      .blob(1);
}

}  // namespace

TEST_CASE("every fixture blob decodes to its info, field by field, and to its binary record") {
  const auto pairs = encoded_tracks();
  REQUIRE(pairs.size() == 12);
  for (const auto& pair : pairs) {
    const std::string encoded = pair.at("encoded");
    INFO(encoded);
    const auto decoded = decode_track(encoded);
    REQUIRE(decoded.has_value());
    const track_info expected = info_from_json(pair.at("info"));
    CHECK(decoded->info.identifier == expected.identifier);
    CHECK(decoded->info.is_seekable == expected.is_seekable);
    CHECK(decoded->info.author == expected.author);
    CHECK(decoded->info.length == expected.length);
    CHECK(decoded->info.is_stream == expected.is_stream);
    CHECK(decoded->info.position == expected.position);
    CHECK(decoded->info.title == expected.title);
    CHECK(decoded->info.uri == expected.uri);
    CHECK(decoded->info.source_name == expected.source_name);
    CHECK(decoded->info.artwork_url == expected.artwork_url);
    CHECK(decoded->info.isrc == expected.isrc);
    CHECK(decoded->info == expected);

    const auto& binary = pair.at("binary");
    CHECK(decoded->flags == binary.at("flags").get<int>());
    CHECK(decoded->version == binary.at("version").get<int>());
    CHECK(to_hex(decoded->source_data) == binary.at("sourceSpecificHex").get<std::string>());
    CHECK(decoded->info.position == binary.at("position").get<std::int64_t>());
    CHECK(base64_bytes(encoded).size() == binary.at("totalBytes").get<std::size_t>());

    const auto info_only = protocol::decode_track_info(encoded);
    REQUIRE(info_only.has_value());
    CHECK(*info_only == expected);
  }
}

TEST_CASE("re-encoding a decoded fixture blob gives the same string byte for byte") {
  for (const auto& pair : encoded_tracks()) {
    const std::string encoded = pair.at("encoded");
    INFO(encoded);
    const auto decoded = decode_track(encoded);
    REQUIRE(decoded.has_value());
    const auto again = encode_track(*decoded);
    REQUIRE(again.has_value());
    CHECK(*again == encoded);
  }
}

TEST_CASE("a new blob from info and source bytes is what lavaplayer writes (version 3)") {
  int checked = 0;
  for (const auto& pair : encoded_tracks()) {
    if (pair.at("binary").at("version") != 3) continue;
    const std::string encoded = pair.at("encoded");
    INFO(encoded);
    const auto decoded = decode_track(encoded);
    REQUIRE(decoded.has_value());
    const auto written = encode_track(info_from_json(pair.at("info")), decoded->source_data);
    REQUIRE(written.has_value());
    CHECK(*written == encoded);
    const std::string bytes = base64_bytes(*written);
    CHECK(bytes[0] == '\x40');  // flags 1, size < 16 MiB
    CHECK(bytes[4] == '\x03');  // version byte
    ++checked;
  }
  CHECK(checked == 8);
}

TEST_CASE("the emoji fixture holds a CESU surrogate pair, and the plain UTF-8 form is rejected") {
  const auto pairs = encoded_tracks();
  const std::string herb_utf8 = "\xF0\x9F\x8C\xBF";  // U+1F33F
  const auto& emoji = pairs.at(5);
  REQUIRE(emoji.at("info").at("title").get<std::string>().find(herb_utf8) != std::string::npos);
  CHECK(to_hex(base64_bytes(emoji.at("encoded").get<std::string>())).find("eda0bcedbcbf") != std::string::npos);

  const auto invalid = nlohmann::json::parse(test::fixture("encoded-tracks-invalid.json"));
  REQUIRE(invalid.size() == 1);
  const auto r = decode_track(invalid.at(0).at("encoded").get<std::string>());
  REQUIRE(r.has_error());
  CHECK(r.error().code == error::invalid_modified_utf8);
  CHECK(r.error().code == condition::decode_failure);
  CHECK(r.error().what().find("title") != std::string::npos);
}

TEST_CASE("an info with an emoji round-trips through a new blob") {
  track_info info;
  info.title = "Cozy \xF0\x9F\x8C\xBF and \xF0\x9F\x98\x80 with a NUL \0 inside";
  info.title += std::string("\0!", 2);
  info.author = "\xE3\x81\x8A\xE3\x81\xA4 \xC3\xA9";  // 3-byte and 2-byte characters
  info.identifier = "abc";
  info.length = 213000;
  info.is_seekable = true;
  info.uri = "https://example.com/\xF0\x9F\x8E\xB5";
  info.artwork_url = std::nullopt;
  info.isrc = "USUM71703861";
  info.source_name = "http";
  info.position = 42;
  const auto blob = encode_track(info, std::string("\x00\x03mp3", 5));
  REQUIRE(blob.has_value());
  const std::string hex = to_hex(base64_bytes(*blob));
  CHECK(hex.find("eda0bcedbcbf") != std::string::npos);      // U+1F33F as a surrogate pair
  CHECK(hex.find("f09f") == std::string::npos);              // never a 4-byte sequence
  CHECK(hex.find("c080") != std::string::npos);              // NUL as C0 80
  const auto back = decode_track(*blob);
  REQUIRE(back.has_value());
  CHECK(back->info == info);
  CHECK(back->source_data == std::string("\x00\x03mp3", 5));
  CHECK(back->version == 3);
  CHECK(back->flags == 1);
}

TEST_CASE("every truncation of a blob is rejected with a typed error") {
  for (const auto& pair : encoded_tracks()) {
    const std::string encoded = pair.at("encoded");
    const std::string bytes = base64_bytes(encoded);
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      INFO("byte prefix " << n << " of " << encoded);
      const auto r = decode_track(detail::base64_encode(bytes.substr(0, n)));
      REQUIRE(r.has_error());
      CHECK(r.error().code == error::truncated_track);
    }
    // Dropping only the '=' padding leaves a valid blob (Java accepts that too), so stop before it.
    const std::size_t unpadded = encoded.find_last_not_of('=') + 1;
    for (std::size_t n = 0; n < unpadded; ++n) {
      INFO("text prefix " << n << " of " << encoded);
      const auto r = decode_track(std::string_view(encoded).substr(0, n));
      REQUIRE(r.has_error());
      const bool typed = r.error().code == error::truncated_track || r.error().code == error::invalid_base64;
      CHECK(typed);
    }
  }
}

TEST_CASE("a message size that cuts a field short is a truncated track") {
  // The declared size is what bounds the fields, not the bytes that happen to follow.
  const std::string bytes = base64_bytes(encoded_tracks().at(0).at("encoded").get<std::string>());
  std::string shrunk = bytes;
  shrunk[3] = static_cast<char>(static_cast<unsigned char>(shrunk[3]) - 20);  // 20 bytes fewer declared
  const auto r = decode_track(detail::base64_encode(shrunk));
  REQUIRE(r.has_error());
  CHECK(r.error().code == error::truncated_track);
}

TEST_CASE("strings longer than 65535 encoded bytes are refused, counted in modified UTF-8") {
  track_info info;
  info.source_name = "youtube";
  info.title = std::string(65535, 'a');
  CHECK(encode_track(info));
  info.title = std::string(65536, 'a');
  auto r = encode_track(info);
  REQUIRE(r.has_error());
  CHECK(r.error().code == error::string_too_long);
  CHECK(r.error().what().find("title") != std::string::npos);

  info.title.clear();
  for (int i = 0; i < 32767; ++i) info.title += "\xC3\xA9";  // 65534 bytes
  info.title += '\0';                                          // + C0 80 = 65536
  r = encode_track(info);
  REQUIRE(r.has_error());
  CHECK(r.error().code == error::string_too_long);

  info.title = "t";
  info.isrc = std::string(70000, 'x');
  r = encode_track(info);
  REQUIRE(r.has_error());
  CHECK(r.error().code == error::string_too_long);
  CHECK(r.error().what().find("isrc") != std::string::npos);
}

TEST_CASE("a stream's 2^63-1 length is stored as Long.MAX_VALUE and read back") {
  track_info info;
  info.title = "Lofi radio";
  info.author = "Lofi Girl";
  info.identifier = "jfKfPfyJRdk";
  info.length = protocol::unknown_length;
  info.is_stream = true;
  info.uri = "https://www.youtube.com/watch?v=jfKfPfyJRdk";
  info.source_name = "youtube";
  const auto blob = encode_track(info);
  REQUIRE(blob.has_value());
  CHECK(to_hex(base64_bytes(*blob)).find("7fffffffffffffff") != std::string::npos);
  const auto back = decode_track(*blob);
  REQUIRE(back.has_value());
  CHECK(back->info.length == protocol::unknown_length);
  CHECK(back->info.is_stream);
  CHECK_FALSE(back->info.is_seekable);
  CHECK(back->info == info);
}

TEST_CASE("versions 1 and 2 have fewer fields, and other versions are refused") {
  // Version 1 without a version byte (flags 0): title, author, length, identifier, isStream, source.
  message_builder v1;
  v1.utf_raw("Title").utf_raw("Author").i64(5000).utf_raw("id1").u8(1).utf_raw("twitch").i64(7);
  for (unsigned flags : {0u, 2u}) {
    const auto r = decode_track(v1.blob(flags));
    REQUIRE(r.has_value());
    CHECK(r->version == 1);
    CHECK(r->flags == flags);
    CHECK(r->info.title == "Title");
    CHECK(r->info.author == "Author");
    CHECK(r->info.length == 5000);
    CHECK(r->info.identifier == "id1");
    CHECK(r->info.is_stream);
    CHECK_FALSE(r->info.uri);
    CHECK(r->info.source_name == "twitch");
    CHECK(r->info.position == 7);
    CHECK(encode_track(*r).value() == v1.blob(flags));
  }

  // The same fields behind an explicit version byte 1.
  message_builder v1_versioned;
  v1_versioned.u8(1).body += v1.body;
  const auto explicit_v1 = decode_track(v1_versioned.blob(1));
  REQUIRE(explicit_v1.has_value());
  CHECK(explicit_v1->version == 1);
  CHECK(explicit_v1->info.source_name == "twitch");
  CHECK(encode_track(*explicit_v1).value() == v1_versioned.blob(1));

  for (unsigned version : {0u, 4u, 255u}) {
    message_builder bad;
    bad.u8(version).body += v1.body;
    const auto r = decode_track(bad.blob(1));
    REQUIRE(r.has_error());
    CHECK(r.error().code == error::unsupported_track_version);
  }
}

TEST_CASE("encoding refuses fields the version cannot hold and impossible framing") {
  decoded_track t;
  t.info.title = "x";
  t.info.source_name = "youtube";
  t.version = 2;
  t.info.artwork_url = "https://example.com/a.jpg";
  CHECK(encode_track(t).error().code == error::invalid_argument);
  t.info.artwork_url.reset();
  CHECK(encode_track(t));
  t.version = 1;
  t.info.uri = "https://example.com";
  CHECK(encode_track(t).error().code == error::invalid_argument);
  t.info.uri.reset();
  CHECK(encode_track(t));
  t.flags = 0;
  t.version = 3;
  CHECK(encode_track(t).error().code == error::invalid_argument);
  t.flags = 4;
  CHECK(encode_track(t).error().code == error::invalid_argument);
  t.flags = 1;
  t.version = 4;
  CHECK(encode_track(t).error().code == error::invalid_argument);
}

TEST_CASE("strings must be exactly what Java's writeUTF produces") {
  CHECK(decode_track(blob_with_raw_title("plain")).value().info.title == "plain");
  CHECK(decode_track(blob_with_raw_title("a\xC0\x80z")).value().info.title == std::string("a\0z", 3));
  CHECK(decode_track(blob_with_raw_title("\xC3\xA9\xE3\x81\x8A")).value().info.title == "\xC3\xA9\xE3\x81\x8A");
  CHECK(decode_track(blob_with_raw_title("\xED\xA0\xBC\xED\xBC\xBF")).value().info.title == "\xF0\x9F\x8C\xBF");

  const char* rejected[] = {
      "\xF0\x9F\x8C\xBF",          // 4-byte UTF-8
      "\xED\xA0\xBC",              // high surrogate alone
      ("\xED\xA0\xBC" "ab"),       // high surrogate followed by ASCII
      "\xED\xA0\xBC\xED\xA0\xBC",  // two high surrogates
      "\xED\xBC\xBF",              // low surrogate alone
      "\xC1\x81",                  // overlong 'A'
      "\xE0\x80\x80",              // overlong NUL
      "\x80",                      // stray continuation
      "\xC3",                      // cut 2-byte sequence
      "\xE3\x81",                  // cut 3-byte sequence
      "\xFF",
  };
  for (const char* raw : rejected) {
    INFO(to_hex(raw));
    const auto r = decode_track(blob_with_raw_title(raw));
    REQUIRE(r.has_error());
    CHECK(r.error().code == error::invalid_modified_utf8);
  }
  const auto raw_nul = decode_track(blob_with_raw_title(std::string_view("a\0b", 3)));
  REQUIRE(raw_nul.has_error());
  CHECK(raw_nul.error().code == error::invalid_modified_utf8);
}

TEST_CASE("encoding refuses a string that is not UTF-8") {
  for (const char* bad : {"\xC3", "\xC0\x80", "\xED\xA0\xBC", "\xF4\x90\x80\x80", "\x80", "\xE0\x80\x80"}) {
    INFO(to_hex(bad));
    track_info info;
    info.source_name = "youtube";
    info.author = bad;
    const auto r = encode_track(info);
    REQUIRE(r.has_error());
    CHECK(r.error().code == error::invalid_argument);
    CHECK(r.error().what().find("author") != std::string::npos);
  }
}

TEST_CASE("boolean bytes other than 0 or 1 are refused") {
  message_builder m;
  m.u8(2).utf_raw("t").utf_raw("a").i64(1).utf_raw("i").u8(2).u8(0).utf_raw("youtube").i64(0);
  const auto r = decode_track(m.blob(1));
  REQUIRE(r.has_error());
  CHECK(r.error().code == error::invalid_track_field);
  CHECK(r.error().code == condition::decode_failure);
}

TEST_CASE("bytes past the declared message size are ignored, as lavaplayer does") {
  const std::string encoded = encoded_tracks().at(7).at("encoded");  // spotify, opaque plugin bytes
  const std::string bytes = base64_bytes(encoded);
  const auto r = decode_track(detail::base64_encode(bytes + "trailing junk"));
  REQUIRE(r.has_value());
  CHECK(*r == decode_track(encoded).value());
  CHECK(encode_track(*r).value() == encoded);  // re-encoding writes the message alone
}

TEST_CASE("blobs with bad base64 are refused with invalid_base64") {
  const std::string encoded = encoded_tracks().at(0).at("encoded");
  for (std::string bad : {encoded + "=", encoded.substr(0, encoded.size() - 1) + "!", " " + encoded,
                          encoded + "\n", encoded.substr(0, 8) + "-_" + encoded.substr(10)}) {
    INFO(bad);
    const auto r = decode_track(bad);
    REQUIRE(r.has_error());
    CHECK(r.error().code == error::invalid_base64);
  }
  // Java's decoder also takes the blob without its padding.
  const auto unpadded = decode_track(encoded.substr(0, encoded.size() - 2));
  REQUIRE(unpadded.has_value());
  CHECK(*unpadded == decode_track(encoded).value());
}

TEST_CASE("a special byte is found at every position of a long string") {
  // Plain ASCII is checked 8 bytes at a time; a NUL or non-ASCII byte must be seen in any lane.
  const std::string ascii(21, 'x');
  for (std::size_t at = 0; at <= ascii.size(); ++at) {
    INFO("at " << at);
    const std::string before = ascii.substr(0, at), after = ascii.substr(at);
    const auto raw_nul = decode_track(blob_with_raw_title(before + std::string(1, '\0') + after));
    REQUIRE(raw_nul.has_error());
    CHECK(raw_nul.error().code == error::invalid_modified_utf8);
    CHECK(decode_track(blob_with_raw_title(before + "\xC0\x80" + after)).value().info.title ==
          before + std::string(1, '\0') + after);
    CHECK(decode_track(blob_with_raw_title(before + "\xC3\xA9" + after)).value().info.title ==
          before + "\xC3\xA9" + after);

    track_info info;
    info.source_name = "youtube";
    info.title = before + std::string(1, '\0') + after;
    const auto blob = encode_track(info);
    REQUIRE(blob.has_value());
    CHECK(to_hex(base64_bytes(*blob)).find("c080") != std::string::npos);
    CHECK(decode_track(*blob).value().info.title == info.title);
  }
}
