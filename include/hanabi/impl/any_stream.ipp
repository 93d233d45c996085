#pragma once

#include <hanabi/detail/any_stream.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/websocket/error.hpp>

#include <fmt/format.h>
#include <openssl/ssl.h>

namespace hanabi::detail {

HANABI_DECL std::shared_ptr<asio::ssl::context> make_default_tls_context() {
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  ctx->set_default_verify_paths();
  ctx->set_verify_mode(asio::ssl::verify_peer);
  return ctx;
}

HANABI_DECL failure transport_failure(error_code ec, std::string_view during) {
  std::string what = fmt::format("{} failed: {}", during, ec.message());
  if (ec == beast::error::timeout) return failure{error::timeout, std::move(what)};
  if (ec == beast::http::error::body_limit || ec == beast::http::error::header_limit ||
      ec == beast::websocket::error::message_too_big || ec == beast::http::error::buffer_overflow)
    return failure{error::message_too_large, std::move(what)};
  if (ec == beast::http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
      ec == beast::websocket::error::closed || ec == asio::ssl::error::stream_truncated)
    return failure{error::connection_closed, std::move(what)};
  if (ec.category() == asio::error::get_ssl_category() || ec.category() == asio::ssl::error::get_stream_category())
    return failure{ec, diagnostics{std::move(what)}};
  if (ec.category() == beast::http::make_error_code(beast::http::error::bad_version).category())
    return failure{error::not_lavalink, std::move(what) + " (the peer does not speak HTTP/1.1)"};
  return failure{ec, diagnostics{std::move(what)}};
}

HANABI_DECL asio::awaitable<result<any_stream>> async_connect_stream(const endpoint_url& url,
                                                                      asio::ssl::context* tls,
                                                                      std::chrono::milliseconds timeout) {
  auto ex = co_await asio::this_coro::executor;
  error_code ec;
  asio::ip::tcp::resolver resolver(ex);
  auto endpoints = co_await resolver.async_resolve(url.host, std::to_string(url.port),
                                                   asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return transport_failure(ec, fmt::format("resolving {}", url.host));

  tcp_stream tcp(ex);
  tcp.expires_after(timeout);
  co_await tcp.async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return transport_failure(ec, fmt::format("connecting to {}:{}", url.host, url.port));
  tcp.socket().set_option(asio::ip::tcp::no_delay(true), ec);
  if (!url.tls) {
    tcp.expires_never();
    co_return any_stream(std::move(tcp));
  }

  tls_stream stream(std::move(tcp), *tls);
  // SNI, then verification of the certificate against the host name we asked for.
  if (!SSL_set_tlsext_host_name(stream.native_handle(), url.host.c_str()))
    co_return failure{error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category()),
                      diagnostics{"setting the TLS server name failed"}};
  stream.set_verify_callback(asio::ssl::host_name_verification(url.host));
  beast::get_lowest_layer(stream).expires_after(timeout);
  co_await stream.async_handshake(asio::ssl::stream_base::client, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return transport_failure(ec, fmt::format("TLS handshake with {}", url.host));
  beast::get_lowest_layer(stream).expires_never();
  co_return any_stream(std::move(stream));
}

}  // namespace hanabi::detail
