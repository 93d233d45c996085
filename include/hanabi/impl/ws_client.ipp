#pragma once

#include <hanabi/transport/ws_client.hpp>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <variant>

namespace hanabi::transport {

namespace websocket = boost::beast::websocket;

struct ws_client::impl {
  std::variant<std::monostate, websocket::stream<detail::tcp_stream>, websocket::stream<detail::tls_stream>> ws;
  boost::beast::flat_buffer buffer;

  /// f(ws) on the open stream; only called while open (std::get throws otherwise).
  template <class F>
  decltype(auto) visit(F&& f) {
    if (auto* plain = std::get_if<1>(&ws)) return f(*plain);
    return f(std::get<2>(ws));
  }

  // Plain functions returning awaitables, so the visiting lambdas never live in a coroutine frame.
  asio::awaitable<void> handshake(const ws_options& options, std::string_view session,
                                  websocket::response_type& response, error_code& ec);
  asio::awaitable<std::size_t> write(std::string_view text, error_code& ec) {
    return visit([&](auto& s) {
      s.text(true);
      return s.async_write(asio::buffer(text.data(), text.size()), asio::redirect_error(asio::use_awaitable, ec));
    });
  }
  asio::awaitable<void> close(websocket::close_code code, error_code& ec) {
    return visit([&](auto& s) { return s.async_close(code, asio::redirect_error(asio::use_awaitable, ec)); });
  }
};

namespace ws_impl {

inline failure handshake_failure(unsigned status, bool lavalink, bool sent_password) {
  if (status == 401) return failure{sent_password ? error::wrong_password : error::missing_password};
  if (status == 403) return failure{error::wrong_password};
  if (!lavalink) return failure{error::not_lavalink, fmt::format("the upgrade got HTTP {} without Lavalink-Api-Version: 4", status)};
  if (status == 400) return failure{error::bad_request, "the node rejected the WebSocket headers (is User-Id set?)"};
  return failure{error::unexpected_status, fmt::format("the upgrade got HTTP {}", status)};
}

template <class Stream>
asio::awaitable<std::pair<std::size_t, bool>> read_some(Stream& ws, boost::beast::flat_buffer& buffer,
                                                        error_code& ec) {
  auto got = co_await ws.async_read_some(buffer, 64 * 1024, asio::redirect_error(asio::use_awaitable, ec));
  co_return std::pair{got, ws.is_message_done()};
}

template <class Stream>
void configure(Stream& ws, const ws_options& options, std::string session) {
  boost::beast::get_lowest_layer(ws).expires_never();
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = options.handshake_timeout;
  timeouts.idle_timeout = options.idle_timeout.count() > 0
                              ? std::chrono::steady_clock::duration(options.idle_timeout)
                              : websocket::stream_base::none();
  timeouts.keep_alive_pings = options.idle_timeout.count() > 0;
  ws.set_option(timeouts);
  // Beast's own cap is a backstop far above ours: read() enforces max_frame_size
  // itself so that an oversized frame is skipped instead of failing the socket.
  ws.read_message_max(std::max<std::uint64_t>(std::uint64_t{options.max_frame_size} * 16, 64u << 20));
  ws.auto_fragment(false);
  ws.set_option(websocket::stream_base::decorator(
      [password = std::string(options.password.reveal()), user = options.user.str(),
       client = options.client_name, session = std::move(session)](websocket::request_type& req) {
        if (!password.empty()) req.set(boost::beast::http::field::authorization, password);
        req.set("User-Id", user);
        req.set("Client-Name", client);
        if (!session.empty()) req.set("Session-Id", session);
      }));
}

}  // namespace ws_impl

inline asio::awaitable<void> ws_client::impl::handshake(const ws_options& options, std::string_view session,
                                                        websocket::response_type& response, error_code& ec) {
  return visit([&](auto& s) {
    ws_impl::configure(s, options, std::string(session));
    return s.async_handshake(response, fmt::format("{}:{}", options.url.host, options.url.port),
                             options.url.base_path + "/v4/websocket", asio::redirect_error(asio::use_awaitable, ec));
  });
}

HANABI_DECL ws_client::ws_client(asio::any_io_executor ex) : executor_(std::move(ex)), impl_(std::make_unique<impl>()) {}
HANABI_DECL ws_client::~ws_client() = default;

HANABI_DECL asio::awaitable<result<ws_handshake>> ws_client::connect(const ws_options& options,
                                                                     std::string_view resume_session) {
  open_ = false;
  impl_->ws.emplace<std::monostate>();
  impl_->buffer.clear();
  max_frame_size_ = options.max_frame_size;
  std::shared_ptr<asio::ssl::context> tls = options.tls_context;
  if (options.url.tls && !tls) tls = detail::make_default_tls_context();
  auto stream = co_await detail::async_connect_stream(options.url, tls.get(), options.connect_timeout);
  if (!stream) co_return stream.error();

  if (stream->is_tls())
    impl_->ws.emplace<websocket::stream<detail::tls_stream>>(std::move(std::get<1>(stream->variant())));
  else
    impl_->ws.emplace<websocket::stream<detail::tcp_stream>>(std::move(std::get<0>(stream->variant())));

  websocket::response_type response;
  error_code ec;
  co_await impl_->handshake(options, resume_session, response, ec);
  const bool lavalink = response["Lavalink-Api-Version"] == "4";
  if (ec == websocket::error::upgrade_declined || (ec && response.result_int() != 0 && response.result_int() != 101))
    co_return ws_impl::handshake_failure(response.result_int(), lavalink, !options.password.empty());
  if (ec) co_return detail::transport_failure(ec, "WebSocket handshake");
  if (!lavalink) {
    abort();
    co_return failure{error::not_lavalink, "the WebSocket upgrade lacks Lavalink-Api-Version: 4"};
  }
  open_ = true;
  co_return ws_handshake{response["Session-Resumed"] == "true"};
}

HANABI_DECL asio::awaitable<result<ws_frame>> ws_client::read() {
  if (!open_) co_return failure{error::connection_closed, "the WebSocket is not open"};
  auto& buffer = impl_->buffer;
  buffer.clear();
  error_code ec;
  std::size_t total = 0;
  bool oversized = false;
  bool done = false;
  while (!done) {
    auto [n, finished] = co_await read_step(ec);
    if (ec) {
      open_ = false;
      co_return detail::transport_failure(ec, "WebSocket read");
    }
    total += n;
    done = finished;
    if (total > max_frame_size_) {
      oversized = true;
      buffer.clear();
    }
  }
  if (oversized) co_return ws_frame{{}, true, total};
  buffer.prepare(ws_frame::padding);  // may move the bytes: view them afterwards
  auto data = buffer.cdata();
  co_return ws_frame{std::string_view(static_cast<const char*>(data.data()), data.size()), false, total};
}

HANABI_DECL asio::awaitable<std::pair<std::size_t, bool>> ws_client::read_step(error_code& ec) {
  return impl_->visit([&](auto& ws) { return ws_impl::read_some(ws, impl_->buffer, ec); });
}

HANABI_DECL asio::awaitable<result<bool>> ws_client::write(std::string_view text) {
  if (!open_) co_return failure{error::connection_closed, "the WebSocket is not open"};
  error_code ec;
  co_await impl_->write(text, ec);
  if (ec) co_return detail::transport_failure(ec, "WebSocket write");
  co_return true;
}

HANABI_DECL asio::awaitable<void> ws_client::close(websocket::close_code code) {
  if (!open_) co_return;
  open_ = false;
  error_code ec;
  co_await impl_->close(code, ec);
}

HANABI_DECL void ws_client::abort() noexcept {
  open_ = false;
  std::visit(
      [](auto& s) {
        if constexpr (!std::is_same_v<std::decay_t<decltype(s)>, std::monostate>) {
          error_code ignored;
          boost::beast::get_lowest_layer(s).socket().close(ignored);
        }
      },
      impl_->ws);
}

HANABI_DECL websocket::close_reason ws_client::close_reason() const {
  return std::visit(
      [](auto& s) -> websocket::close_reason {
        if constexpr (std::is_same_v<std::decay_t<decltype(s)>, std::monostate>)
          return {};
        else
          return s.reason();
      },
      impl_->ws);
}

}  // namespace hanabi::transport
