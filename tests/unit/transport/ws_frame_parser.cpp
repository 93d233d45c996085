// The sans-I/O WebSocket frame parser and the client frame encoder (RFC 6455), step by step.
#include <hanabi/transport/detail/ws_frame_parser.hpp>

#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

using namespace hanabi;
using hanabi::detail::ws_event;
using hanabi::detail::ws_frame_parser;
using hanabi::detail::ws_opcode;

namespace {

// An unmasked server frame.
std::string server_frame(ws_opcode op, std::string_view payload, bool fin = true, unsigned char extra_bits = 0) {
  std::string out;
  out += static_cast<char>((fin ? 0x80 : 0) | extra_bits | static_cast<unsigned>(op));
  const std::size_t n = payload.size();
  if (n < 126) {
    out += static_cast<char>(n);
  } else if (n <= 0xffff) {
    out += static_cast<char>(126);
    out += static_cast<char>(n >> 8);
    out += static_cast<char>(n & 0xff);
  } else {
    out += static_cast<char>(127);
    for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>((std::uint64_t{n} >> shift) & 0xff);
  }
  return out += payload;
}

struct seen {
  ws_opcode kind;
  std::string payload;
  std::size_t size;
  bool oversized;
  std::uint16_t code;
};

// Feeds `wire` to the parser `chunk` bytes at a time, as a reader with a growing buffer would.
struct feeder {
  ws_frame_parser parser;
  std::string buffer;
  std::vector<seen> events;
  std::size_t max_wanted = 0;

  explicit feeder(std::size_t max_message = 1 << 20) : parser(max_message) {}

  result<void> feed(std::string_view wire, std::size_t chunk) {
    for (std::size_t at = 0; at < wire.size(); at += chunk) {
      buffer.append(wire.substr(at, chunk));
      auto r = parser.parse(buffer, [&](const ws_event& e) {
        events.push_back({e.kind, std::string(e.payload), e.size, e.oversized, e.close_code});
        return true;
      });
      if (!r) return r.error();
      REQUIRE(r->consumed <= buffer.size());
      max_wanted = std::max(max_wanted, r->wanted);
      buffer.erase(0, r->consumed);
    }
    return {};
  }
};

std::uint16_t protocol_error_code(std::string_view wire) {
  feeder f;
  auto r = f.feed(wire, wire.size());
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == error::websocket_protocol_error);
  return f.parser.failure_close_code();
}

}  // namespace

TEST_CASE("every frame in one buffer is delivered in order, in one parse call") {
  std::string wire = server_frame(ws_opcode::text, R"({"op":"ready"})") + server_frame(ws_opcode::text, "{}") +
                     server_frame(ws_opcode::binary, std::string("\x00\xff", 2));
  ws_frame_parser parser(1024);
  std::vector<std::string> got;
  auto r = parser.parse(wire, [&](const ws_event& e) {
    got.emplace_back(e.payload);
    return true;
  });
  REQUIRE(r.has_value());
  CHECK(r->consumed == wire.size());
  CHECK_FALSE(r->stopped);
  CHECK(got == std::vector<std::string>{R"({"op":"ready"})", "{}", std::string("\x00\xff", 2)});
}

TEST_CASE("an unfragmented message is a view into the input, not a copy") {
  const std::string wire = server_frame(ws_opcode::text, "hello");
  ws_frame_parser parser(1024);
  const char* at = nullptr;
  REQUIRE(parser
              .parse(wire,
                     [&](const ws_event& e) {
                       at = e.payload.data();
                       return true;
                     })
              .has_value());
  CHECK(at == wire.data() + 2);
}

TEST_CASE("frames split at every byte boundary give the same messages") {
  const std::string big(70'000, 'b');  // a 64-bit length
  const std::string mid(300, 'm');     // a 16-bit length
  const std::string wire = server_frame(ws_opcode::text, "short") + server_frame(ws_opcode::text, mid) +
                           server_frame(ws_opcode::text, big) + server_frame(ws_opcode::ping, "p");
  for (std::size_t chunk : {1u, 2u, 3u, 7u, 64u, 4096u}) {
    feeder f;
    REQUIRE(f.feed(wire, chunk).has_value());
    REQUIRE(f.events.size() == 4);
    CHECK(f.events[0].payload == "short");
    CHECK(f.events[1].payload == mid);
    CHECK(f.events[2].payload == big);
    CHECK(f.events[2].size == big.size());
    CHECK(f.events[3].kind == ws_opcode::ping);
    CHECK(f.buffer.empty());
    CHECK(f.max_wanted == big.size() + 10);  // it asked for room for the whole 64-bit frame
  }
}

TEST_CASE("a fragmented message is reassembled with padding, around a ping and a pong") {
  const std::string wire = server_frame(ws_opcode::text, "{\"op\":", false) + server_frame(ws_opcode::ping, "are you there") +
                           server_frame(ws_opcode::continuation, "\"stats\"", false) + server_frame(ws_opcode::pong, "") +
                           server_frame(ws_opcode::continuation, "}", true) + server_frame(ws_opcode::text, "next");
  for (std::size_t chunk : {1u, 5u, 1000u}) {
    feeder f;
    REQUIRE(f.feed(wire, chunk).has_value());
    REQUIRE(f.events.size() == 4);
    CHECK(f.events[0].kind == ws_opcode::ping);
    CHECK(f.events[0].payload == "are you there");
    CHECK(f.events[1].kind == ws_opcode::pong);
    CHECK(f.events[2].kind == ws_opcode::text);
    CHECK(f.events[2].payload == R"({"op":"stats"})");
    CHECK(f.events[3].payload == "next");
  }
  ws_frame_parser parser(1024);
  const std::string two = server_frame(ws_opcode::text, "ab", false) + server_frame(ws_opcode::continuation, "cd");
  std::string whole;
  std::string after;
  REQUIRE(parser
              .parse(two,
                     [&](const ws_event& e) {
                       whole = e.payload;
                       after.assign(e.payload.data() + e.payload.size(), ws_frame_parser::padding);
                       return true;
                     })
              .has_value());
  CHECK(whole == "abcd");
  CHECK(after == std::string(ws_frame_parser::padding, '\0'));  // simdjson may read this far
}

TEST_CASE("a message over the maximum size is skipped, reported with its size, and the next one arrives") {
  const std::string big(5000, 'x');
  const std::string wire = server_frame(ws_opcode::text, big) + server_frame(ws_opcode::text, "after") +
                           server_frame(ws_opcode::text, std::string(600, 'y'), false) + server_frame(ws_opcode::ping, "") +
                           server_frame(ws_opcode::continuation, std::string(600, 'z')) + server_frame(ws_opcode::text, "last");
  for (std::size_t chunk : {1u, 100u, 20000u}) {
    feeder f(1000);
    REQUIRE(f.feed(wire, chunk).has_value());
    REQUIRE(f.events.size() == 5);
    CHECK(f.events[0].oversized);
    CHECK(f.events[0].payload.empty());
    CHECK(f.events[0].size == 5000);
    CHECK(f.events[1].payload == "after");
    CHECK(f.events[2].kind == ws_opcode::ping);
    CHECK(f.events[3].oversized);  // fragmented: 600 fit, 1200 do not
    CHECK(f.events[3].size == 1200);
    CHECK(f.events[4].payload == "last");
    CHECK(f.max_wanted <= 1000 + 10);  // never asked to hold the oversized frame
  }
}

TEST_CASE("the callback returning false stops right after its frame") {
  const std::string first = server_frame(ws_opcode::text, "ready");
  const std::string wire = first + server_frame(ws_opcode::text, "update");
  ws_frame_parser parser(1024);
  int calls = 0;
  auto r = parser.parse(wire, [&](const ws_event&) { return ++calls > 1; });
  REQUIRE(r.has_value());
  CHECK(r->stopped);
  CHECK(r->consumed == first.size());
  CHECK(calls == 1);
}

TEST_CASE("close frames carry their code and reason") {
  feeder f;
  REQUIRE(f.feed(server_frame(ws_opcode::close, hanabi::detail::close_payload(4000, "bye")) +
                     server_frame(ws_opcode::close, ""),
                 64)
              .has_value());
  REQUIRE(f.events.size() == 2);
  CHECK(f.events[0].kind == ws_opcode::close);
  CHECK(f.events[0].code == 4000);
  CHECK(f.events[0].payload == "bye");
  CHECK(f.events[1].code == 1005);  // none sent
}

TEST_CASE("protocol violations are typed errors with the close code that answers them") {
  CHECK(protocol_error_code(server_frame(ws_opcode::text, "x", true, 0x40)) == 1002);  // RSV1
  CHECK(protocol_error_code(std::string("\x83\x00", 2)) == 1002);                    // opcode 3
  CHECK(protocol_error_code(std::string("\x81\x81mask", 6) + "x") == 1002);          // masked
  CHECK(protocol_error_code(server_frame(ws_opcode::continuation, "x")) == 1002);    // nothing to continue
  CHECK(protocol_error_code(server_frame(ws_opcode::text, "a", false) + server_frame(ws_opcode::text, "b")) == 1002);
  CHECK(protocol_error_code(server_frame(ws_opcode::ping, "x", false)) == 1002);     // fragmented control
  CHECK(protocol_error_code(server_frame(ws_opcode::ping, std::string(126, 'p'))) == 1002);
  CHECK(protocol_error_code(std::string("\x81\x7e\x00\x05hello", 9)) == 1002);       // non-minimal 16-bit
  CHECK(protocol_error_code(std::string("\x81\x7f\x80\x00\x00\x00\x00\x00\x00\x00", 10)) == 1002);  // MSB set
  CHECK(protocol_error_code(std::string("\x81\x7f\x00\x00\x00\x00\x00\x00\x01\x00", 10)) == 1002);  // non-minimal
  CHECK(protocol_error_code(server_frame(ws_opcode::close, "x")) == 1002);            // one-byte close payload
  CHECK(protocol_error_code(server_frame(ws_opcode::close, hanabi::detail::close_payload(1005, ""))) == 1002);
  CHECK(protocol_error_code(server_frame(ws_opcode::text, "caf\xc3")) == 1007);       // truncated UTF-8
  CHECK(protocol_error_code(server_frame(ws_opcode::text, "a\xff", false) + server_frame(ws_opcode::continuation, "b")) ==
        1007);
}

TEST_CASE("binary messages are not checked as UTF-8 and reset() forgets a message in progress") {
  feeder f;
  REQUIRE(f.feed(server_frame(ws_opcode::binary, "\xff\xfe") + server_frame(ws_opcode::text, "half", false), 100)
              .has_value());
  REQUIRE(f.events.size() == 1);
  f.parser.reset();
  f.buffer.clear();
  CHECK_FALSE(f.feed(server_frame(ws_opcode::continuation, "rest"), 100).has_value());  // nothing in progress any more
}

TEST_CASE("client frames are masked and unmask to the payload, with every length form") {
  const std::array<unsigned char, 4> mask{0x12, 0x34, 0x56, 0x78};
  for (std::size_t n : {0u, 125u, 126u, 65535u, 65536u}) {
    const std::string payload(n, 'q');
    std::string out;
    hanabi::detail::append_client_frame(out, ws_opcode::pong, payload, mask);
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(out[i]); };
    CHECK(byte(0) == 0x8a);       // FIN + pong
    CHECK((byte(1) & 0x80) != 0);  // masked
    const std::size_t header = n < 126 ? 2 : n <= 0xffff ? 4 : 10;
    REQUIRE(out.size() == header + 4 + n);
    for (std::size_t i = 0; i < 4; ++i) CHECK(byte(header + i) == mask[i]);
    std::string unmasked;
    for (std::size_t i = 0; i < n; ++i) unmasked += static_cast<char>(out[header + 4 + i] ^ static_cast<char>(mask[i % 4]));
    CHECK(unmasked == payload);
  }
}

TEST_CASE("close payloads fit a control frame and only valid codes are accepted") {
  const auto payload = hanabi::detail::close_payload(1000, std::string(200, 'r'));
  CHECK(payload.size() == 125);
  CHECK(static_cast<unsigned char>(payload[0]) == 0x03);
  CHECK(static_cast<unsigned char>(payload[1]) == 0xe8);
  const auto cut = hanabi::detail::close_payload(1000, std::string(122, 'r') + "\xc3\xa9");  // é across the cut
  CHECK(cut.size() == 124);
  CHECK(hanabi::detail::valid_close_code(1000));
  CHECK(hanabi::detail::valid_close_code(4999));
  CHECK_FALSE(hanabi::detail::valid_close_code(1005));
  CHECK_FALSE(hanabi::detail::valid_close_code(1006));
  CHECK_FALSE(hanabi::detail::valid_close_code(999));
  CHECK_FALSE(hanabi::detail::valid_close_code(5000));
}

TEST_CASE("random bytes never crash the parser: each input ends in an error or in progress") {
  std::mt19937 rng(20261121);
  std::size_t errors = 0;
  for (int round = 0; round < 2000; ++round) {
    std::string bytes(rng() % 64, '\0');
    for (auto& b : bytes) b = static_cast<char>(rng());
    if (round % 2 == 0 && !bytes.empty()) bytes[0] = static_cast<char>(0x81);  // often a plausible start
    feeder f(32);
    auto r = f.feed(bytes, 1 + rng() % 8);
    if (!r) ++errors;
    for (const auto& e : f.events)
      if (e.kind == ws_opcode::text || e.kind == ws_opcode::binary) CHECK((e.oversized || e.payload.size() <= 32));
  }
  CHECK(errors > 0);
}
