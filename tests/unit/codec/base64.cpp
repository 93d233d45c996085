#include <hanabi/detail/base64.hpp>

#include <catch2/catch.hpp>

#include <string>

using hanabi::detail::base64_decode;
using hanabi::detail::base64_encode;

namespace {
std::string decoded(std::string_view text) {
  std::string out = "garbage";
  REQUIRE(base64_decode(text, out));
  return out;
}
bool rejects(std::string_view text) {
  std::string out;
  return !base64_decode(text, out);
}
}  // namespace

TEST_CASE("base64 encodes the RFC 4648 test vectors") {
  CHECK(base64_encode("") == "");
  CHECK(base64_encode("f") == "Zg==");
  CHECK(base64_encode("fo") == "Zm8=");
  CHECK(base64_encode("foo") == "Zm9v");
  CHECK(base64_encode("foob") == "Zm9vYg==");
  CHECK(base64_encode("fooba") == "Zm9vYmE=");
  CHECK(base64_encode("foobar") == "Zm9vYmFy");
  CHECK(base64_encode(std::string("\xFB\xFF\xBF\x00", 4)) == "+/+/AA==");
}

TEST_CASE("base64 decodes the RFC 4648 test vectors, every byte value, and unpadded text") {
  CHECK(decoded("") == "");
  CHECK(decoded("Zg==") == "f");
  CHECK(decoded("Zm8=") == "fo");
  CHECK(decoded("Zm9v") == "foo");
  CHECK(decoded("Zm9vYmFy") == "foobar");
  CHECK(decoded("+/+/AA==") == std::string("\xFB\xFF\xBF\x00", 4));
  CHECK(decoded("Zg") == "f");
  CHECK(decoded("Zm9vYmE") == "fooba");
  CHECK(decoded("Zh==") == "f");  // leftover bits are ignored, as Java does

  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (std::size_t n = 0; n <= all.size(); ++n) {
    const std::string part = all.substr(all.size() - n);
    CHECK(decoded(base64_encode(part)) == part);
  }
}

TEST_CASE("base64 rejects what Java's basic decoder rejects") {
  CHECK(rejects("Z"));
  CHECK(rejects("Zm9vY"));
  CHECK(rejects("Zg="));
  CHECK(rejects("Zg=="
                "Zg=="));
  CHECK(rejects("Zm9v="));
  CHECK(rejects("Z==="));
  CHECK(rejects("===="));
  CHECK(rejects("Zm 9v"));
  CHECK(rejects("Zm9v\n"));
  CHECK(rejects("Zm-_"));
  CHECK(rejects(std::string_view("Zm\0v", 4)));
  CHECK(rejects("Zm9\xC3"));
}
