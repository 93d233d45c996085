// Fuzzes the track codec with base64 text, the form blobs arrive in.
//
// Property: decoding never crashes; when it succeeds, re-encoding succeeds and
// gives back the message the input holds. "The same" is exact up to what the
// decoder documents it ignores:
//   - bytes after the declared message size (lavaplayer skips them), and
//   - the base64 spelling (missing padding, leftover bits in the last group),
// so the re-encoded string must equal the canonical base64 of the input's
// first 4 + size bytes, and decoding it must give the same decoded_track.
// decode_track_info must agree with decode_track.
#include <hanabi/protocol/track_codec.hpp>

#include <hanabi/detail/base64.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

std::size_t message_end(std::string_view bytes) {
  const std::uint32_t header = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[0])) << 24 |
                               static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[1])) << 16 |
                               static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[2])) << 8 |
                               static_cast<unsigned char>(bytes[3]);
  return 4 + (header & 0x3FFF'FFFF);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto decoded = hanabi::protocol::decode_track(text);
  if (!decoded) {
    check(decoded.error().code.category() == hanabi::error_category());
    return 0;
  }
  std::string bytes;
  check(hanabi::detail::base64_decode(text, bytes));
  const std::string canonical = hanabi::detail::base64_encode(std::string_view(bytes).substr(0, message_end(bytes)));

  const auto encoded = hanabi::protocol::encode_track(*decoded);
  check(encoded.has_value());
  check(*encoded == canonical);
  const auto again = hanabi::protocol::decode_track(*encoded);
  check(again.has_value() && *again == *decoded);
  const auto info = hanabi::protocol::decode_track_info(text);
  check(info.has_value() && *info == decoded->info);
  return 0;
}
