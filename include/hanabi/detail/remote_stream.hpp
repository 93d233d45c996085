// The byte stream under a control link's WebSocket: plain TCP, or TLS over TCP
// when the server or client config carries an ssl context. One stream type for
// both keeps remote_link a single, non-template class.
#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/teardown.hpp>

#include <utility>
#include <variant>

namespace hanabi::detail {

class remote_stream {
 public:
  using tcp = boost::beast::tcp_stream;
  using tls = boost::beast::ssl_stream<boost::beast::tcp_stream>;
  using executor_type = tcp::executor_type;

  explicit remote_stream(tcp s) : v_(std::move(s)) {}
  explicit remote_stream(tls s) : v_(std::move(s)) {}

  bool is_tls() const noexcept { return v_.index() == 1; }
  tls& tls_stream() { return std::get<tls>(v_); }

  /// The TCP layer: timeouts, options and closing.
  tcp& tcp_layer() noexcept {
    return std::visit([](auto& s) -> tcp& { return boost::beast::get_lowest_layer(s); }, v_);
  }

  executor_type get_executor() noexcept {
    return std::visit([](auto& s) { return s.get_executor(); }, v_);
  }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, const MutableBuffers& b) {
          std::visit([&](auto& s) { s.async_read_some(b, std::move(handler)); }, v_);
        },
        token, buffers);
  }

  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, const ConstBuffers& b) {
          std::visit([&](auto& s) { s.async_write_some(b, std::move(handler)); }, v_);
        },
        token, buffers);
  }

  // Beast closes the socket when a WebSocket operation times out or fails.
  friend void beast_close_socket(remote_stream& s) { boost::beast::close_socket(s.tcp_layer()); }

  // The WebSocket's closing handshake ends with the transport's own teardown (a TLS
  // close_notify, then the TCP shutdown).
  friend void teardown(boost::beast::role_type role, remote_stream& s, boost::system::error_code& ec) {
    std::visit(
        [&](auto& x) {
          using boost::beast::websocket::teardown;
          teardown(role, x, ec);
        },
        s.v_);
  }

  template <class Handler>
  friend void async_teardown(boost::beast::role_type role, remote_stream& s, Handler&& handler) {
    std::visit(
        [&](auto& x) {
          using boost::beast::websocket::async_teardown;
          async_teardown(role, x, std::forward<Handler>(handler));
        },
        s.v_);
  }

 private:
  std::variant<tcp, tls> v_;
};

}  // namespace hanabi::detail
