// A plain TCP or a TLS byte stream, chosen at run time by the node URL's scheme,
// and the connect step shared by the REST and WebSocket transports.
#pragma once

#include <hanabi/detail/config.hpp>
#include <hanabi/detail/url.hpp>
#include <hanabi/diagnostics.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <chrono>
#include <memory>
#include <variant>

namespace hanabi::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;

using tcp_stream = beast::tcp_stream;
using tls_stream = beast::ssl_stream<beast::tcp_stream>;

/// A connected stream: either plain TCP or TLS over TCP.
class any_stream {
 public:
  explicit any_stream(tcp_stream s) : v_(std::move(s)) {}
  explicit any_stream(tls_stream s) : v_(std::move(s)) {}

  bool is_tls() const noexcept { return v_.index() == 1; }
  /// The TCP layer, for timeouts and closing.
  tcp_stream& tcp() noexcept { return std::visit([](auto& s) -> tcp_stream& { return beast::get_lowest_layer(s); }, v_); }
  /// Calls f(tcp_stream&) or f(tls_stream&); both branches must return the same type.
  template <class F>
  decltype(auto) visit(F&& f) { return std::visit(std::forward<F>(f), v_); }
  /// Moves the stream out, e.g. into a websocket::stream.
  std::variant<tcp_stream, tls_stream>& variant() noexcept { return v_; }

 private:
  std::variant<tcp_stream, tls_stream> v_;
};

/// A TLS client context that verifies peers against the system trust store.
HANABI_DECL std::shared_ptr<asio::ssl::context> make_default_tls_context();

/// Maps transport-level failures (Beast timeouts, size limits, closed sockets) onto hanabi errors.
HANABI_DECL failure transport_failure(error_code ec, std::string_view during);

/// Resolves `url.host`, connects within `timeout`, and with TLS runs the handshake with SNI and
/// host-name verification against `tls` (must not be null when url.tls is set).
HANABI_DECL asio::awaitable<result<any_stream>> async_connect_stream(const endpoint_url& url,
                                                                      asio::ssl::context* tls,
                                                                      std::chrono::milliseconds timeout);

}  // namespace hanabi::detail

#ifdef HANABI_HEADER_ONLY
#  include <hanabi/impl/any_stream.ipp>
#endif
