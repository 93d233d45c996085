#include "raw_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>

#include <catch2/catch.hpp>

#include <cctype>

namespace fakenode_test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

std::string url_encode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

http_result rest(std::uint16_t port, const std::string& method, const std::string& target,
                 const std::optional<std::string>& auth, const std::string& body) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, "127.0.0.1");
  if (auth) req.set(http::field::authorization, *auth);
  if (!body.empty()) {
    req.set(http::field::content_type, "application/json");
    req.body() = body;
  }
  req.keep_alive(false);
  req.prepare_payload();
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  http_result r;
  r.status = res.result_int();
  r.body = res.body();
  for (const auto& f : res) {
    std::string name(f.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.headers[name] = std::string(f.value());
  }
  return r;
}

std::optional<unsigned> tls_get(std::uint16_t port, const std::string& target, const std::string& ca_pem) {
  asio::io_context io;
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.set_verify_mode(asio::ssl::verify_peer);
  if (!ca_pem.empty()) ctx.add_certificate_authority(asio::buffer(ca_pem));
  beast::ssl_stream<beast::tcp_stream> stream(io, ctx);
  stream.set_verify_callback(asio::ssl::host_name_verification("localhost"));
  SSL_set_tlsext_host_name(stream.native_handle(), "localhost");
  beast::get_lowest_layer(stream).connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  beast::error_code ec;
  stream.handshake(asio::ssl::stream_base::client, ec);
  if (ec) return std::nullopt;
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, "localhost");
  req.set(http::field::authorization, password);
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  return res.result_int();
}

std::string encoded_of(std::uint16_t port, const std::string& identifier) {
  auto r = rest(port, "GET", "/v4/loadtracks?identifier=" + url_encode(identifier));
  REQUIRE(r.status == 200);
  auto j = r.json();
  REQUIRE(j["loadType"] == "track");
  return j["data"]["encoded"].get<std::string>();
}

struct ws_client::impl {
  asio::io_context io;
  websocket::stream<beast::tcp_stream> ws{io};
  websocket::response_type response;
  beast::flat_buffer buffer;
  unsigned status = 0;
  int close = -1;
  bool open = false;
};

ws_client::ws_client(std::uint16_t port, options o) : impl_(std::make_unique<impl>()) {
  auto& s = *impl_;
  beast::get_lowest_layer(s.ws).connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  s.ws.set_option(websocket::stream_base::decorator([o](websocket::request_type& req) {
    if (o.auth) req.set(http::field::authorization, *o.auth);
    if (o.user_id) req.set("User-Id", *o.user_id);
    if (o.session_id) req.set("Session-Id", *o.session_id);
    req.set("Client-Name", o.client_name);
  }));
  s.ws.read_message_max(64 * 1024 * 1024);
  beast::error_code ec;
  s.ws.handshake(s.response, "127.0.0.1", "/v4/websocket", ec);
  s.status = s.response.result_int();
  s.open = !ec;
}

ws_client::~ws_client() = default;
ws_client::ws_client(ws_client&&) noexcept = default;

unsigned ws_client::handshake_status() const { return impl_->status; }

std::string ws_client::handshake_header(const std::string& name) const {
  auto it = impl_->response.find(name);
  return it == impl_->response.end() ? std::string{} : std::string(it->value());
}

std::optional<std::string> ws_client::next(std::chrono::milliseconds deadline) {
  auto& s = *impl_;
  if (!s.open) return std::nullopt;
  bool done = false;
  beast::error_code result;
  s.buffer.clear();
  s.ws.async_read(s.buffer, [&](beast::error_code ec, std::size_t) {
    done = true;
    result = ec;
  });
  s.io.restart();
  s.io.run_for(deadline);
  if (!done) {
    beast::get_lowest_layer(s.ws).socket().close();
    s.io.restart();
    s.io.run();
    s.open = false;
    s.close = -2;
    return std::nullopt;
  }
  if (result) {
    s.open = false;
    // A close frame may have come before the teardown failed (a peer that cut the socket).
    s.close = s.ws.reason().code;
    return std::nullopt;
  }
  return beast::buffers_to_string(s.buffer.data());
}

nlohmann::json ws_client::next_json() {
  auto m = next();
  REQUIRE(m.has_value());
  return nlohmann::json::parse(*m);
}

nlohmann::json ws_client::next_of(const std::string& op, const std::string& type) {
  for (;;) {
    auto j = next_json();
    if (j.value("op", "") == op && (type.empty() || j.value("type", "") == type)) return j;
  }
}

int ws_client::close_code() const { return impl_->close; }

void ws_client::close() {
  if (!impl_->open) return;
  beast::error_code ec;
  impl_->ws.close(websocket::close_code::normal, ec);
  impl_->open = false;
}

}  // namespace fakenode_test
