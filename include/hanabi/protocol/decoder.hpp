// Decoding Lavalink JSON into the model, with simdjson's on-demand API: no DOM,
// no exceptions, straight into the structs (PROTOCOL.md §4–§8).
//
//     hanabi::protocol::decoder dec;                      // one per connection, reused
//     auto msg = dec.decode<protocol::ws_message>(frame);  // result<ws_message>
//     if (!msg) log(msg.error().what());  // e.g. "... state.position: expected an integer, got a string"
//
// Every failure is a typed error of the decode group (malformed_json,
// unexpected_type, missing_field, invalid_value, number_out_of_range,
// invalid_snowflake) whose diagnostics' client_message names the JSON path.
// Unknown fields, unknown ops and unknown event types are tolerated.
#pragma once

#include <hanabi/detail/config.hpp>
#include <hanabi/diagnostics.hpp>
#include <hanabi/protocol/events.hpp>
#include <hanabi/protocol/info.hpp>
#include <hanabi/protocol/player.hpp>
#include <hanabi/protocol/session.hpp>
#include <hanabi/protocol/track.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace hanabi::detail {
struct json_decoder_state;
}  // namespace hanabi::detail

namespace hanabi::protocol {

/// Spare bytes simdjson may read past the end of the input (SIMDJSON_PADDING).
inline constexpr std::size_t json_padding = 64;

/// JSON bytes followed by at least `json_padding` more readable bytes (their content does not
/// matter). Lets a decoder read straight out of a network buffer without copying: e.g. call
/// `flat_buffer::prepare(json_padding)` after a read, then view the readable bytes.
class padded_view {
 public:
  /// Precondition: [data, data + size + json_padding) is readable memory.
  static constexpr padded_view assume_padded(const char* data, std::size_t size) noexcept {
    return padded_view{data, size};
  }
  constexpr const char* data() const noexcept { return data_; }
  constexpr std::size_t size() const noexcept { return size_; }

 private:
  constexpr padded_view(const char* d, std::size_t s) noexcept : data_(d), size_(s) {}
  const char* data_;
  std::size_t size_;
};

/// A reusable decoder: owns the simdjson parser and a padded copy buffer, so decoding the
/// next message allocates nothing once both have grown to the largest message seen.
///
/// Supported T: ws_message, load_result, track, std::vector<track>, player, std::vector<player>,
/// update_player, filters, update_session, session, info, stats, route_planner_status,
/// free_address_request, std::vector<std::string> (the POST /v4/decodetracks body) and
/// hanabi::lavalink_error (the REST error body).
///
/// Thread safety: distinct objects are independent; one object must not be used concurrently.
class decoder {
 public:
  HANABI_DECL decoder();
  HANABI_DECL ~decoder();
  HANABI_DECL decoder(decoder&&) noexcept;
  HANABI_DECL decoder& operator=(decoder&&) noexcept;

  /// Decodes `json`, copying it once into the decoder's padded buffer.
  template <class T>
  result<T> decode(std::string_view json) {
    return decode<T>(pad(json));
  }

  /// Decodes bytes that already carry simdjson's padding, without copying them.
  template <class T>
  result<T> decode(padded_view json) {
    T out{};
    if (auto r = decode_into(json, out); !r) return r.error();
    return out;
  }

 private:
  HANABI_DECL padded_view pad(std::string_view json);

  HANABI_DECL result<void> decode_into(padded_view, ws_message&);
  HANABI_DECL result<void> decode_into(padded_view, load_result&);
  HANABI_DECL result<void> decode_into(padded_view, track&);
  HANABI_DECL result<void> decode_into(padded_view, std::vector<track>&);
  HANABI_DECL result<void> decode_into(padded_view, player&);
  HANABI_DECL result<void> decode_into(padded_view, std::vector<player>&);
  HANABI_DECL result<void> decode_into(padded_view, update_player&);
  HANABI_DECL result<void> decode_into(padded_view, filters&);
  HANABI_DECL result<void> decode_into(padded_view, update_session&);
  HANABI_DECL result<void> decode_into(padded_view, session&);
  HANABI_DECL result<void> decode_into(padded_view, info&);
  HANABI_DECL result<void> decode_into(padded_view, stats&);
  HANABI_DECL result<void> decode_into(padded_view, route_planner_status&);
  HANABI_DECL result<void> decode_into(padded_view, free_address_request&);
  HANABI_DECL result<void> decode_into(padded_view, std::vector<std::string>&);
  HANABI_DECL result<void> decode_into(padded_view, lavalink_error&);

  std::unique_ptr<hanabi::detail::json_decoder_state> state_;
};

/// One-shot convenience: decodes with a temporary decoder. Prefer a long-lived decoder on hot paths.
template <class T>
result<T> decode(std::string_view json) {
  decoder d;
  return d.decode<T>(json);
}

}  // namespace hanabi::protocol

#ifdef HANABI_HEADER_ONLY
#  include <hanabi/impl/protocol_decoder.ipp>
#endif
