// Fuzzes every entry point of the JSON model decoder with arbitrary bytes, through
// both the copying (string_view) and the zero-copy (padded buffer) paths, and the
// WebSocket frame parser those messages come through (no target of its own: the same
// fuzzing time covers both).
//
// Properties: decoding never crashes and never throws; both paths agree; what
// decodes can be encoded, and encoding is a fixed point after one round trip
// (decode(encode(x)) encodes to the same text; the first round may normalise,
// e.g. `data: {}` of an empty load result becomes `data: null`).
// The node's playerUpdate fast path (detail/player_update_scanner.hpp): whatever it accepts, the
// decoder decodes to the same playerUpdate.
// Frames: parsing never crashes; the bytes cut in two pieces (where the first byte
// says) give the same events, or the same error, as in one piece; no message over
// the maximum is delivered unless as oversized.
#include <hanabi/detail/player_update_scanner.hpp>
#include <hanabi/protocol/decoder.hpp>
#include <hanabi/protocol/encode.hpp>
#include <hanabi/transport/detail/ws_frame_parser.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace hanabi;
using namespace hanabi::protocol;

void check(bool ok) {
  if (!ok) std::abort();
}

std::string dump(const nlohmann::json& j) {
  // Strings come from simdjson, which validates UTF-8; `replace` only guards the property check itself.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

template <class T>
void exercise(decoder& dec, std::string_view input, const std::vector<char>& padded) {
  auto copied = dec.decode<T>(input);
  auto in_place = dec.decode<T>(padded_view::assume_padded(padded.data(), input.size()));
  check(copied.has_value() == in_place.has_value());
  if (!copied) {
    check(copied.error().code == condition::decode_failure);
    check(!copied.error().diag.client_message().empty());
    return;
  }
  check(*copied == *in_place);
  const std::string once = dump(nlohmann::json(*copied));
  auto again = dec.decode<T>(once);
  check(again.has_value());
  check(dump(nlohmann::json(*again)) == once);
}

}  // namespace

// The events the frame parser gives for `wire` fed in two pieces, cut at `cut`.
std::vector<std::string> frame_events(std::string_view wire, std::size_t cut) {
  constexpr std::size_t max_message = 256;
  hanabi::detail::ws_frame_parser parser(max_message);
  std::vector<std::string> events;
  std::string buffer;
  for (auto piece : {wire.substr(0, cut), wire.substr(cut)}) {
    buffer.append(piece);
    auto r = parser.parse(buffer, [&](const hanabi::detail::ws_event& e) {
      check(e.oversized || e.kind > hanabi::detail::ws_opcode::binary || e.payload.size() <= max_message);
      events.push_back(std::to_string(static_cast<int>(e.kind)) + (e.oversized ? "!" : ":") + std::string(e.payload) +
                       "/" + std::to_string(e.size) + "/" + std::to_string(e.close_code));
      return true;
    });
    if (!r) {
      events.push_back("error " + std::to_string(parser.failure_close_code()));
      return events;
    }
    check(r->consumed <= buffer.size());
    buffer.erase(0, r->consumed);
  }
  return events;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static decoder dec;  // reused across inputs, as a connection would
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<char> padded(size + json_padding, '\0');
  std::copy(input.begin(), input.end(), padded.begin());

  exercise<ws_message>(dec, input, padded);
  if (auto fast = hanabi::detail::scan_player_update(input)) {
    auto generic = dec.decode<ws_message>(input);
    check(generic && std::holds_alternative<player_update>(*generic) && std::get<player_update>(*generic) == *fast);
  }
  exercise<load_result>(dec, input, padded);
  exercise<track>(dec, input, padded);
  exercise<std::vector<track>>(dec, input, padded);
  exercise<player>(dec, input, padded);
  exercise<std::vector<player>>(dec, input, padded);
  exercise<update_player>(dec, input, padded);
  exercise<filters>(dec, input, padded);
  exercise<update_session>(dec, input, padded);
  exercise<session>(dec, input, padded);
  exercise<info>(dec, input, padded);
  exercise<stats>(dec, input, padded);
  exercise<route_planner_status>(dec, input, padded);
  exercise<free_address_request>(dec, input, padded);
  exercise<std::vector<std::string>>(dec, input, padded);
  exercise<lavalink_error>(dec, input, padded);

  if (auto u = dec.decode<update_player>(input)) (void)u->validate();
  if (auto f = dec.decode<filters>(input)) (void)f->validate();

  const std::size_t cut = size == 0 ? 0 : data[0] % (size + 1);
  check(frame_events(input, size) == frame_events(input, cut));
  return 0;
}
