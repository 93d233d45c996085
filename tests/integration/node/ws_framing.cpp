// transport::ws_client's own frame reading against a scripted WebSocket server over loopback: the
// server accepts the upgrade with Beast, then writes hand-made frames under the WebSocket layer and
// reads what the client sends back (pongs, close replies) with Beast's reader.
#include "io_thread.hpp"

#include <hanabi/detail/url.hpp>
#include <hanabi/transport/detail/ws_frame_parser.hpp>
#include <hanabi/transport/ws_client.hpp>

#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <functional>
#include <future>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace websocket = boost::beast::websocket;
using tcp = asio::ip::tcp;
using hanabi::detail::ws_opcode;
using namespace std::chrono_literals;

std::string framing_raw_frame(ws_opcode op, std::string_view payload, bool fin = true) {
  std::string out;
  out += static_cast<char>((fin ? 0x80 : 0) | static_cast<unsigned>(op));
  if (payload.size() < 126) {
    out += static_cast<char>(payload.size());
  } else if (payload.size() <= 0xffff) {
    out += static_cast<char>(126);
    out += static_cast<char>(payload.size() >> 8);
    out += static_cast<char>(payload.size() & 0xff);
  } else {
    out += static_cast<char>(127);
    for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>((std::uint64_t{payload.size()} >> shift) & 0xff);
  }
  return out += payload;
}

using framing_script = std::function<void(websocket::stream<tcp::socket>&)>;

/// Accepts one WebSocket client on 127.0.0.1 (port 0) and runs `script` on it in its own thread.
class framing_server {
 public:
  explicit framing_server(framing_script script) {
    acceptor_.open(tcp::v4());
    acceptor_.bind({asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    thread_ = std::thread([this, script = std::move(script)] {
      try {
        websocket::stream<tcp::socket> ws(acceptor_.accept());
        ws.set_option(websocket::stream_base::decorator(
            [](websocket::response_type& res) { res.set("Lavalink-Api-Version", "4"); }));
        ws.accept();
        script(ws);
      } catch (const std::exception& e) {
        failure_ = e.what();
      }
    });
  }
  ~framing_server() { thread_.join(); }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  /// Waits for the script to end; returns what it threw, if anything.
  std::string finish() {
    thread_.join();
    thread_ = std::thread([] {});
    return failure_;
  }

 private:
  asio::io_context ioc_;
  tcp::acceptor acceptor_{ioc_};
  std::thread thread_;
  std::string failure_;
};

/// A ws_client on its own io thread; every call runs there, as its threading contract asks.
class framing_client {
  template <class F>
  auto on_io(F f) -> decltype(f()) {
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto done = task.get_future();
    asio::post(io_.ioc, [&] { task(); });
    return done.get();
  }

 public:
  ~framing_client() { on_io([&] { ws_.reset(); }); }

  hanabi::result<hanabi::transport::ws_handshake> connect(std::uint16_t port, std::chrono::milliseconds idle = 0ms) {
    hanabi::transport::ws_options o;
    o.url = *hanabi::detail::parse_endpoint_url("ws://127.0.0.1:" + std::to_string(port));
    o.password = hanabi::secret{"pw"};
    o.user = hanabi::user_id{1};
    o.idle_timeout = idle;
    return asio::co_spawn(io_.ioc, ws_->connect(o, ""), asio::use_future).get();
  }
  /// read_each until `stop_after` messages arrived (0: never stop) or the connection ends.
  hanabi::result<void> read(std::vector<std::string>& got, std::size_t stop_after) {
    handler_ = [&got, stop_after](const hanabi::transport::ws_frame& f) {
      got.emplace_back(f.oversized ? "<oversized>" : std::string(f.text));
      return stop_after == 0 || got.size() < stop_after;
    };
    return asio::co_spawn(io_.ioc, ws_->read_each(handler_), asio::use_future).get();
  }
  /// read_each until the connection fails; returns the failure.
  hanabi::failure read_until_failure(std::vector<std::string>& got) {
    auto r = read(got, 0);
    REQUIRE_FALSE(r.has_value());
    return r.error();
  }
  void write(std::string text) {
    auto written = asio::co_spawn(io_.ioc, [this, text = std::move(text)]() { return ws_->write(text); },
                                  asio::use_future).get();
    REQUIRE(written.has_value());
  }
  websocket::close_reason close_reason() {
    return on_io([&] { return ws_->close_reason(); });
  }

 private:
  hanabi::test::io_thread io_;
  std::optional<hanabi::transport::ws_client> ws_{std::in_place, io_.ioc.get_executor()};
  hanabi::transport::ws_client::frame_handler handler_;
};

}  // namespace

TEST_CASE("ws_client reassembles fragmented messages, answers pings in between, and reads messages larger than its buffer") {
  const std::string large(300'000, 'L');
  std::vector<std::string> pongs;
  framing_server server([&](websocket::stream<tcp::socket>& ws) {
    std::string burst = framing_raw_frame(ws_opcode::text, R"({"op":"ready"})");
    burst += framing_raw_frame(ws_opcode::text, "frag", false);
    burst += framing_raw_frame(ws_opcode::ping, "hb-1");
    burst += framing_raw_frame(ws_opcode::continuation, "ment", false);
    burst += framing_raw_frame(ws_opcode::ping, "hb-2");
    burst += framing_raw_frame(ws_opcode::continuation, "ed", true);
    for (int i = 0; i < 200; ++i) burst += framing_raw_frame(ws_opcode::text, "m" + std::to_string(i));
    burst += framing_raw_frame(ws_opcode::text, large);
    asio::write(ws.next_layer(), asio::buffer(burst));
    ws.control_callback([&](websocket::frame_type kind, boost::beast::string_view payload) {
      if (kind == websocket::frame_type::pong) pongs.emplace_back(payload);
    });
    boost::beast::flat_buffer in;
    ws.read(in);  // "done", after the pongs
  });
  framing_client client;
  REQUIRE(client.connect(server.port()).has_value());
  std::vector<std::string> got;
  REQUIRE(client.read(got, 1).has_value());  // stops after ready: the rest stays buffered
  REQUIRE(client.read(got, 203).has_value());
  REQUIRE(got.size() == 203);
  CHECK(got[0] == R"({"op":"ready"})");
  CHECK(got[1] == "fragmented");
  CHECK(got[2] == "m0");
  CHECK(got[201] == "m199");
  CHECK(got[202] == large);
  client.write("done");
  CHECK(server.finish().empty());
  CHECK(pongs == std::vector<std::string>{"hb-1", "hb-2"});
}

TEST_CASE("a close frame from the node ends read_each with its code and reason, and is answered") {
  std::optional<std::uint16_t> answered;
  framing_server server([&](websocket::stream<tcp::socket>& ws) {
    ws.close(websocket::close_reason(static_cast<websocket::close_code>(4000), "bye"));  // waits for the answer
    answered = static_cast<std::uint16_t>(ws.reason().code);
  });
  framing_client client;
  REQUIRE(client.connect(server.port()).has_value());
  std::vector<std::string> got;
  const auto why = client.read_until_failure(got);
  CHECK(why.code == hanabi::error::connection_closed);
  CHECK(why.what().find("4000: bye") != std::string::npos);
  CHECK(client.close_reason().code == 4000);
  CHECK(client.close_reason().reason == "bye");
  CHECK(server.finish().empty());
  CHECK(answered == 4000);
}

TEST_CASE("a masked frame from the server fails the read with a protocol error and close 1002") {
  std::optional<std::uint16_t> close_code;
  framing_server server([&](websocket::stream<tcp::socket>& ws) {
    asio::write(ws.next_layer(), asio::buffer(std::string("\x81\x81\x01\x02\x03\x04x", 7)));
    boost::beast::flat_buffer in;
    boost::system::error_code ec;
    ws.read(in, ec);  // fails: closed, or reset when the client's socket is already gone
    close_code = static_cast<std::uint16_t>(ws.reason().code);  // set when the close frame was read
  });
  framing_client client;
  REQUIRE(client.connect(server.port()).has_value());
  std::vector<std::string> got;
  CHECK(client.read_until_failure(got).code == hanabi::error::websocket_protocol_error);
  CHECK(got.empty());
  CHECK(server.finish().empty());
  CHECK(close_code == 1002);
}

TEST_CASE("a silent peer gets a keep-alive ping, then the read fails with error::timeout") {
  std::string received;
  framing_server server([&](websocket::stream<tcp::socket>& ws) {
    char chunk[256];
    boost::system::error_code ec;
    for (;;) {  // raw: Beast would answer the ping, and this peer must stay silent
      const std::size_t n = ws.next_layer().read_some(asio::buffer(chunk), ec);
      if (ec) break;
      received.append(chunk, n);
    }
  });
  framing_client client;
  REQUIRE(client.connect(server.port(), 150ms).has_value());
  std::vector<std::string> got;
  CHECK(client.read_until_failure(got).code == hanabi::error::timeout);
  CHECK(server.finish().empty());
  REQUIRE(received.size() >= 6);
  CHECK(static_cast<unsigned char>(received[0]) == 0x89);  // FIN + ping
  CHECK(static_cast<unsigned char>(received[1]) == 0x80);  // masked, empty
}
