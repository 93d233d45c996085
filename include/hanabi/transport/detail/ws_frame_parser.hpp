// RFC 6455 framing for the client side of a WebSocket, without I/O: the parser turns the bytes a
// server sent into messages and control frames, and the encoder makes the client's (masked) frames.
//
// Why our own: reading through Beast's websocket::stream costs one read operation per message; the
// node's event stream is many small messages, so the framing cost was the floor of its ingest. This
// parser takes whatever one large read brought (many frames) and hands every complete message over
// in one pass, as a view into the caller's buffer.
//
// Threading: a parser is a plain value; use it from one thread at a time.
#pragma once

#include <hanabi/detail/config.hpp>
#include <hanabi/diagnostics.hpp>
#include <hanabi/error.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace hanabi::detail {

/// The frame opcodes of RFC 6455 §5.2.
enum class ws_opcode : std::uint8_t { continuation = 0, text = 1, binary = 2, close = 8, ping = 9, pong = 10 };

/// One complete message (text or binary) or control frame (close, ping, pong).
struct ws_event {
  ws_opcode kind = ws_opcode::text;
  /// The message, the ping/pong payload, or the close reason. Valid until the next parse() call or,
  /// for an unfragmented message, as long as the input it points into; followed by at least
  /// ws_frame_parser::padding readable bytes when the input was (fragmented ones always are).
  std::string_view payload;
  std::size_t size = 0;         ///< The message's payload size, also when it was skipped as oversized.
  bool oversized = false;       ///< Past the maximum message size: skipped, `payload` is empty.
  std::uint16_t close_code = 0; ///< close: the peer's code, 1005 when it sent none.
};

/// How far parse() got.
struct ws_parse_progress {
  std::size_t consumed = 0;  ///< Bytes of the input that are done with; the rest starts a frame.
  /// When nonzero: the bytes, from `consumed` on, that the next frame needs before it can be parsed
  /// (so the caller can make room for it).
  std::size_t wanted = 0;
  bool stopped = false;      ///< The event callback returned false.
};

/// Parses the frames a server sends (unmasked, RFC 6455 §5.1).
class ws_frame_parser {
 public:
  /// Bytes that must stay readable after a message for simdjson (SIMDJSON_PADDING).
  static constexpr std::size_t padding = 64;
  /// The largest frame header: 2 bytes, then 8 of extended length (a server sends no mask).
  static constexpr std::size_t max_header_size = 10;

  /// Messages larger than `max_message_size` are skipped and reported as oversized, not kept.
  HANABI_DECL explicit ws_frame_parser(std::size_t max_message_size) noexcept;

  /// Parses every complete frame at the start of `input` and calls `on_event(const ws_event&)` for
  /// each complete message (reassembled when fragmented) and each control frame, in order, until the
  /// input ends with an incomplete frame or on_event returns false. A protocol violation (reserved
  /// bits, an unknown opcode, a masked frame, a bad length, a bad close frame, invalid UTF-8 in a text
  /// message, a misplaced continuation) gives error::websocket_protocol_error; the parser is then
  /// unusable until reset(), and failure_close_code() says how to close (1002, or 1007 for UTF-8).
  template <class OnEvent>
  result<ws_parse_progress> parse(std::string_view input, OnEvent&& on_event);

  /// The close code that answers the last protocol error.
  std::uint16_t failure_close_code() const noexcept { return failure_close_code_; }
  /// Forgets any message in progress (for a new connection).
  HANABI_DECL void reset() noexcept;

 private:
  struct header {
    std::size_t size = 0;  // bytes of the header itself
    std::uint64_t payload = 0;
    bool fin = false;
    ws_opcode op = ws_opcode::continuation;
  };
  enum class header_status { complete, incomplete, invalid };

  HANABI_DECL header_status read_header(const unsigned char* p, std::size_t available, header& h);
  HANABI_DECL failure fail(std::uint16_t close_code, std::string message);
  HANABI_DECL result<void> check_data_frame(const header& h);
  HANABI_DECL result<ws_event> control_event(const header& h, std::string_view payload);
  /// Appends one fragment; returns true when the message is complete (then `message()` holds it).
  HANABI_DECL bool append_fragment(const header& h, std::string_view payload);
  HANABI_DECL result<ws_event> completed_message(std::string_view payload);
  HANABI_DECL ws_event skipped_message();

  std::size_t max_message_size_;
  bool in_message_ = false;         // a fragmented message has started and not ended
  bool message_oversized_ = false;  // the message in progress is being skipped
  ws_opcode message_kind_ = ws_opcode::text;
  std::size_t message_size_ = 0;
  std::string assembly_;            // the fragments so far, then padding
  bool skipping_ = false;           // inside the payload of a frame of an oversized message
  bool skip_ends_message_ = false;  // that frame has FIN
  std::uint64_t skip_remaining_ = 0;
  std::uint16_t failure_close_code_ = 1002;
  std::string failure_message_;
};

/// Appends one client frame (FIN set, masked with `mask`) to `out` (RFC 6455 §5.3).
HANABI_DECL void append_client_frame(std::string& out, ws_opcode op, std::string_view payload,
                                     std::array<unsigned char, 4> mask);
/// A fresh masking key from OpenSSL's generator (the RFC asks for an unpredictable one).
HANABI_DECL std::array<unsigned char, 4> random_mask();
/// The payload of a close frame: the code, big-endian, then the reason cut to fit 125 bytes.
HANABI_DECL std::string close_payload(std::uint16_t code, std::string_view reason);
/// True when `code` may appear in a close frame on the wire (RFC 6455 §7.4).
HANABI_DECL bool valid_close_code(std::uint16_t code) noexcept;
/// True when `text` is valid UTF-8 (simdjson's validator).
HANABI_DECL bool valid_utf8(std::string_view text) noexcept;

}  // namespace hanabi::detail

#include <hanabi/transport/detail/impl/ws_frame_parser.hpp>

#ifdef HANABI_HEADER_ONLY
#  include <hanabi/impl/ws_frame_parser.ipp>
#endif
