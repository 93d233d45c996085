#pragma once

#include <hanabi/transport/ws_client.hpp>

#include <boost/asio/associated_allocator.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <exception>
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
  asio::awaitable<error_code> read_each(const ws_client::frame_handler& on_frame, std::size_t max_frame_size);
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

// The loop of read_each(): Beast read_some calls assembling one message at a time in `buffer`, and
// on_frame called with each. A completion handler rather than a coroutine, so that a message costs
// no coroutine frame and no resumption; it carries the awaiting coroutine's executor, cancellation
// slot and allocator, so Beast completes every step on the node's strand.
template <class Stream, class Handler>
class read_each_op {
 public:
  read_each_op(Stream& ws, boost::beast::flat_buffer& buffer, const ws_client::frame_handler& on_frame,
               std::size_t max_frame_size, Handler handler)
      : ws_(&ws), buffer_(&buffer), on_frame_(&on_frame), max_frame_size_(max_frame_size),
        handler_(std::move(handler)) {}

  using executor_type = asio::associated_executor_t<Handler, typename Stream::executor_type>;
  executor_type get_executor() const noexcept { return asio::get_associated_executor(handler_, ws_->get_executor()); }
  using cancellation_slot_type = asio::associated_cancellation_slot_t<Handler>;
  cancellation_slot_type get_cancellation_slot() const noexcept {
    return asio::get_associated_cancellation_slot(handler_);
  }
  using allocator_type = asio::associated_allocator_t<Handler>;
  allocator_type get_allocator() const noexcept { return asio::get_associated_allocator(handler_); }

  void next_message() {
    buffer_->clear();
    total_ = 0;
    oversized_ = false;
    read_some();
  }

  void operator()(error_code ec, std::size_t n) {
    if (ec) return std::move(handler_)(nullptr, ec);
    total_ += n;
    if (total_ > max_frame_size_) {
      oversized_ = true;  // keep reading it to its end, without keeping it
      buffer_->clear();
    }
    if (!ws_->is_message_done()) return read_some();
    bool more = false;
    try {
      more = (*on_frame_)(frame());
    } catch (...) {
      return std::move(handler_)(std::current_exception(), error_code{});
    }
    if (!more) return std::move(handler_)(nullptr, error_code{});
    next_message();
  }

 private:
  void read_some() { ws_->async_read_some(*buffer_, 64 * 1024, std::move(*this)); }

  ws_frame frame() {
    if (oversized_) return ws_frame{{}, true, total_};
    buffer_->prepare(ws_frame::padding);  // may move the bytes: view them afterwards
    auto data = buffer_->cdata();
    return ws_frame{std::string_view(static_cast<const char*>(data.data()), data.size()), false, total_};
  }

  Stream* ws_;
  boost::beast::flat_buffer* buffer_;
  const ws_client::frame_handler* on_frame_;
  std::size_t max_frame_size_;
  std::size_t total_ = 0;
  bool oversized_ = false;
  Handler handler_;
};

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

inline asio::awaitable<error_code> ws_client::impl::read_each(const ws_client::frame_handler& on_frame,
                                                             std::size_t max_frame_size) {
  return visit([&](auto& s) {
    using stream = std::decay_t<decltype(s)>;
    // The arguments, not captures: the awaitable keeps them until it is awaited.
    return asio::async_initiate<const asio::use_awaitable_t<>&, void(std::exception_ptr, error_code)>(
        [](auto handler, stream* ws, boost::beast::flat_buffer* buffer, const ws_client::frame_handler* f,
           std::size_t max) {
          ws_impl::read_each_op<stream, decltype(handler)>(*ws, *buffer, *f, max, std::move(handler)).next_message();
        },
        asio::use_awaitable, &s, &buffer, &on_frame, max_frame_size);
  });
}

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

HANABI_DECL asio::awaitable<result<void>> ws_client::read_each(const frame_handler& on_frame) {
  if (!open_) co_return failure{error::connection_closed, "the WebSocket is not open"};
  const error_code ec = co_await impl_->read_each(on_frame, max_frame_size_);
  if (!ec) co_return result<void>{};
  open_ = false;
  co_return detail::transport_failure(ec, "WebSocket read");
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
