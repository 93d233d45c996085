#pragma once

#include <hanabi/transport/detail/ws_frame_parser.hpp>

#include <fmt/format.h>
#include <openssl/rand.h>
#include <simdjson.h>

#include <limits>

namespace hanabi::detail {

HANABI_DECL ws_frame_parser::ws_frame_parser(std::size_t max_message_size) noexcept
    : max_message_size_(max_message_size) {}

HANABI_DECL void ws_frame_parser::reset() noexcept {
  in_message_ = false;
  message_oversized_ = false;
  message_size_ = 0;
  assembly_.clear();
  skipping_ = false;
  skip_remaining_ = 0;
  failure_close_code_ = 1002;
}

HANABI_DECL failure ws_frame_parser::fail(std::uint16_t close_code, std::string message) {
  failure_close_code_ = close_code;
  return failure{error::websocket_protocol_error, std::move(message)};
}

HANABI_DECL ws_frame_parser::header_status ws_frame_parser::read_header(const unsigned char* p, std::size_t available,
                                                                     header& h) {
  const auto invalid = [&](std::uint16_t code, std::string message) {
    failure_close_code_ = code;
    failure_message_ = std::move(message);
    return header_status::invalid;
  };
  h.size = 2;
  if (available < 2) return header_status::incomplete;
  if (p[0] & 0x70) return invalid(1002, "a frame with reserved bits set (no extension was negotiated)");
  if (p[1] & 0x80) return invalid(1002, "a masked frame from the server");
  const unsigned op = p[0] & 0x0f;
  if (op > 2 && op != 8 && op != 9 && op != 10) return invalid(1002, fmt::format("unknown opcode {}", op));
  h.fin = (p[0] & 0x80) != 0;
  h.op = static_cast<ws_opcode>(op);
  h.payload = p[1] & 0x7f;
  if (h.payload == 126) {
    h.size = 4;
    if (available < h.size) return header_status::incomplete;
    h.payload = (std::uint64_t{p[2]} << 8) | p[3];
    if (h.payload < 126) return invalid(1002, "a 16-bit length that fits in 7 bits");
  } else if (h.payload == 127) {
    h.size = 10;
    if (available < h.size) return header_status::incomplete;
    h.payload = 0;
    for (int i = 2; i < 10; ++i) h.payload = (h.payload << 8) | p[i];
    if (h.payload >> 63) return invalid(1002, "a 64-bit length with its most significant bit set");
    if (h.payload <= 0xffff) return invalid(1002, "a 64-bit length that fits in 16 bits");
  }
  if (op >= 8 && !h.fin) return invalid(1002, "a fragmented control frame");
  if (op >= 8 && h.payload > 125) return invalid(1002, "a control frame longer than 125 bytes");
  return header_status::complete;
}

HANABI_DECL result<void> ws_frame_parser::check_data_frame(const header& h) {
  if (h.op == ws_opcode::continuation) {
    if (!in_message_) return fail(1002, "a continuation frame outside a fragmented message");
  } else {
    if (in_message_) return fail(1002, "a new message before the fragmented one ended");
    message_kind_ = h.op;
    message_size_ = 0;
    message_oversized_ = false;
    assembly_.clear();
  }
  const std::uint64_t total = message_size_ + h.payload;  // both below 2^63: no overflow
  if (!message_oversized_ && total <= max_message_size_) return {};
  message_oversized_ = true;
  message_size_ = static_cast<std::size_t>(std::min<std::uint64_t>(total, std::numeric_limits<std::size_t>::max()));
  assembly_ = std::string{};  // give its memory back: the message is not kept
  skipping_ = true;
  skip_remaining_ = h.payload;
  skip_ends_message_ = h.fin;
  in_message_ = !h.fin;
  return {};
}

HANABI_DECL result<ws_event> ws_frame_parser::control_event(const header& h, std::string_view payload) {
  ws_event ev{h.op, payload, payload.size(), false, 0};
  if (h.op != ws_opcode::close) return ev;
  if (payload.empty()) {
    ev.close_code = 1005;  // "no status received"
    return ev;
  }
  if (payload.size() == 1) return fail(1002, "a close frame with a one-byte payload");
  const auto* p = reinterpret_cast<const unsigned char*>(payload.data());
  ev.close_code = static_cast<std::uint16_t>((p[0] << 8) | p[1]);
  if (!valid_close_code(ev.close_code)) return fail(1002, fmt::format("a close frame with code {}", ev.close_code));
  ev.payload = payload.substr(2);
  if (!valid_utf8(ev.payload)) return fail(1007, "a close reason that is not UTF-8");
  return ev;
}

HANABI_DECL bool ws_frame_parser::append_fragment(const header& h, std::string_view payload) {
  assembly_.append(payload);
  message_size_ += payload.size();
  in_message_ = !h.fin;
  if (!h.fin) return false;
  assembly_.append(padding, '\0');
  return true;
}

HANABI_DECL result<ws_event> ws_frame_parser::completed_message(std::string_view payload) {
  if (message_kind_ == ws_opcode::text && !valid_utf8(payload))
    return fail(1007, "a text message that is not valid UTF-8");
  return ws_event{message_kind_, payload, payload.size(), false, 0};
}

HANABI_DECL ws_event ws_frame_parser::skipped_message() {
  in_message_ = false;
  message_oversized_ = false;
  return ws_event{message_kind_, {}, message_size_, true, 0};
}

HANABI_DECL void append_client_frame(std::string& out, ws_opcode op, std::string_view payload,
                                     std::array<unsigned char, 4> mask) {
  out += static_cast<char>(0x80 | static_cast<unsigned>(op));
  const std::size_t n = payload.size();
  if (n < 126) {
    out += static_cast<char>(0x80 | n);
  } else if (n <= 0xffff) {
    out += static_cast<char>(0x80 | 126);
    out += static_cast<char>(n >> 8);
    out += static_cast<char>(n & 0xff);
  } else {
    out += static_cast<char>(0x80 | 127);
    for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>((std::uint64_t{n} >> shift) & 0xff);
  }
  out.append(reinterpret_cast<const char*>(mask.data()), mask.size());
  for (std::size_t i = 0; i < n; ++i) out += static_cast<char>(payload[i] ^ static_cast<char>(mask[i % 4]));
}

HANABI_DECL std::array<unsigned char, 4> random_mask() {
  std::array<unsigned char, 4> mask{};
  if (RAND_bytes(mask.data(), static_cast<int>(mask.size())) != 1) mask = {0x5a, 0x3c, 0xa5, 0xc3};
  return mask;
}

HANABI_DECL std::string close_payload(std::uint16_t code, std::string_view reason) {
  std::string out;
  out += static_cast<char>(code >> 8);
  out += static_cast<char>(code & 0xff);
  std::size_t cut = std::min<std::size_t>(reason.size(), 123);  // a control frame holds 125 bytes
  while (cut < reason.size() && cut > 0 && (static_cast<unsigned char>(reason[cut]) & 0xc0) == 0x80) --cut;
  out.append(reason.substr(0, cut));
  return out;
}

HANABI_DECL bool valid_close_code(std::uint16_t code) noexcept {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

HANABI_DECL bool valid_utf8(std::string_view text) noexcept { return simdjson::validate_utf8(text.data(), text.size()); }

}  // namespace hanabi::detail
