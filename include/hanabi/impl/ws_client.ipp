#pragma once

#include <hanabi/detail/base64.hpp>
#include <hanabi/transport/detail/ws_frame_parser.hpp>
#include <hanabi/transport/ws_client.hpp>

#include <boost/asio/append.hpp>
#include <boost/asio/associated_allocator.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl.hpp>

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstring>
#include <exception>

namespace hanabi::transport {

namespace websocket = boost::beast::websocket;
namespace http = boost::beast::http;
using detail::ws_event;
using detail::ws_opcode;
using detail::ws_frame_parser;

namespace ws_impl {

inline failure handshake_failure(unsigned status, bool lavalink, bool sent_password) {
  if (status == 401) return failure{sent_password ? error::wrong_password : error::missing_password};
  if (status == 403) return failure{error::wrong_password};
  if (!lavalink) return failure{error::not_lavalink, fmt::format("the upgrade got HTTP {} without Lavalink-Api-Version: 4", status)};
  if (status == 400) return failure{error::bad_request, "the node rejected the WebSocket headers (is User-Id set?)"};
  return failure{error::unexpected_status, fmt::format("the upgrade got HTTP {}", status)};
}

/// Sec-WebSocket-Key: 16 random bytes, base64 (RFC 6455 §4.1).
inline std::string make_key() {
  char raw[16]{};
  RAND_bytes(reinterpret_cast<unsigned char*>(raw), sizeof raw);
  return detail::base64_encode(std::string_view(raw, sizeof raw));
}

/// The Sec-WebSocket-Accept a server must answer to `key`: base64(SHA-1(key + the RFC's GUID)).
inline std::string expected_accept(std::string_view key) {
  std::string input(key);
  input += "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  unsigned char digest[EVP_MAX_MD_SIZE]{};
  unsigned int size = 0;
  EVP_Digest(input.data(), input.size(), digest, &size, EVP_sha1(), nullptr);
  return detail::base64_encode(std::string_view(reinterpret_cast<const char*>(digest), size));
}

/// The bytes read off the socket and not yet parsed, in one block followed by the parser's padding.
class read_buffer {
 public:
  static constexpr std::size_t initial_capacity = 64 * 1024;

  std::string_view unparsed() const noexcept { return {data_.get() + begin_, end_ - begin_}; }
  void consume(std::size_t n) noexcept {
    begin_ += n;
    if (begin_ == end_) begin_ = end_ = 0;
  }
  void append(std::string_view bytes) {
    std::memcpy(prepare(end_ - begin_ + bytes.size()).data(), bytes.data(), bytes.size());
    end_ += bytes.size();
  }
  /// Room for the next read, such that `wanted` unparsed bytes (a frame's size) can be held.
  asio::mutable_buffer prepare(std::size_t wanted) {
    const std::size_t kept = end_ - begin_;
    if (begin_ > 0) {  // the tail of a frame moves to the front: usually a few bytes
      std::memmove(data_.get(), data_.get() + begin_, kept);
      begin_ = 0;
      end_ = kept;
    }
    const std::size_t needed = std::max({wanted, kept + 1, initial_capacity});
    if (needed > capacity_) grow(std::max(needed, capacity_ * 2));
    return asio::buffer(data_.get() + end_, capacity_ - end_);
  }
  void commit(std::size_t n) noexcept { end_ += n; }

 private:
  void grow(std::size_t capacity) {
    auto bigger = std::make_unique_for_overwrite<char[]>(capacity + detail::ws_frame_parser::padding);
    if (data_) std::memcpy(bigger.get(), data_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
    data_ = std::move(bigger);
    capacity_ = capacity;
  }

  std::unique_ptr<char[]> data_;
  std::size_t capacity_ = 0;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
};

}  // namespace ws_impl

}  // namespace hanabi::transport

namespace hanabi::detail {

/// One open WebSocket: the stream, the parser and its buffer, the outgoing frames and the idle timer.
struct ws_connection : std::enable_shared_from_this<ws_connection> {
  ws_connection(any_stream s, const asio::any_io_executor& ex, const transport::ws_options& options)
      : stream(std::move(s)), parser(options.max_frame_size), idle_timer(ex), flushed(ex),
        idle(options.idle_timeout) {}

  any_stream stream;
  ws_frame_parser parser;
  transport::ws_impl::read_buffer buffer;
  asio::steady_timer idle_timer;
  asio::steady_timer flushed;  // cancelled when the outgoing frames are all written
  std::chrono::steady_clock::duration idle;
  std::chrono::steady_clock::time_point last_received = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point ping_time;
  bool ping_sent = false;
  bool timed_out = false;
  bool reading = false;  // a read_each() is running
  std::string outbox;   // frames queued while a write is in flight
  std::string writing;  // the frames of the write in flight
  bool write_in_flight = false;
  bool close_when_written = false;
  failure ended;        // why the last read_each() stopped with an error
  boost::beast::websocket::close_reason peer_close;

  /// f(socket or TLS stream): reads and writes skip the tcp_stream's timer machinery when plain.
  template <class F>
  decltype(auto) visit_io(F&& f) {
    if (stream.is_tls()) return f(std::get<1>(stream.variant()));
    return f(stream.tcp().socket());
  }

  void send(ws_opcode op, std::string_view payload) {
    append_client_frame(outbox, op, payload, random_mask());
    if (!write_in_flight) write_outbox();
  }

  /// Sends a close frame, and closes the socket once it is written: after a close, the peer waits
  /// for the TCP connection to end (RFC 6455 §7.1.1).
  void send_close(std::uint16_t code) {
    send(ws_opcode::close, code == 1005 ? std::string{} : close_payload(code, {}));
    close_when_written = true;
  }

  void write_outbox() {
    writing.clear();
    std::swap(writing, outbox);
    write_in_flight = true;
    visit_io([&](auto& io) {
      asio::async_write(io, asio::buffer(writing), [self = shared_from_this()](error_code ec, std::size_t) {
        self->write_in_flight = false;
        if (!ec && !self->outbox.empty()) return self->write_outbox();
        if (self->close_when_written) self->drop();
        self->flushed.cancel();
      });
    });
  }

  void note_received() noexcept {
    last_received = std::chrono::steady_clock::now();
    ping_sent = false;
  }

  // Silence for `idle`: a ping; silence for another `idle`: the socket is dropped and the read fails.
  void watch_idle() {
    if (idle.count() <= 0) return;
    idle_timer.expires_at((ping_sent ? ping_time : last_received) + idle);
    idle_timer.async_wait([weak = weak_from_this()](error_code ec) {
      if (auto self = weak.lock(); self && !ec) self->on_idle();
    });
  }

  void on_idle() {
    const auto now = std::chrono::steady_clock::now();
    if (!reading) last_received = now;  // between reads (a REST call of the node's), silence is ours
    if (now - last_received >= idle) {
      if (ping_sent) {
        timed_out = true;
        return drop();
      }
      ping_sent = true;
      ping_time = now;
      send(ws_opcode::ping, {});
    }
    watch_idle();
  }

  void drop() noexcept {
    error_code ignored;
    stream.tcp().socket().close(ignored);
    idle_timer.cancel();
  }

  /// Answers a close frame, and records it as the end of reading.
  void closed_by_peer(const ws_event& ev) {
    peer_close = boost::beast::websocket::close_reason(static_cast<boost::beast::websocket::close_code>(ev.close_code), ev.payload);
    send_close(ev.close_code);
    ended = failure{error::connection_closed,
                    fmt::format("the node closed the WebSocket with code {}{}{}", ev.close_code,
                                ev.payload.empty() ? "" : ": ", ev.payload)};
  }

  failure read_failure(error_code ec) const {
    if (timed_out) return failure{error::timeout, "the node sent nothing for twice idle_timeout, despite a ping"};
    return transport_failure(ec, "WebSocket read");
  }
};

}  // namespace hanabi::detail

namespace hanabi::transport {

namespace ws_impl {

// The loop of read_each(): large reads into the connection's buffer, and every complete message in it
// handed to on_frame in the same wake. A completion handler rather than a coroutine, so that a wake
// costs no coroutine frame and no resumption; it carries the awaiting coroutine's executor,
// cancellation slot and allocator, so every read completes on the node's strand.
template <class Io, class Handler>
class read_each_op {
 public:
  read_each_op(std::shared_ptr<detail::ws_connection> c, Io& io, const ws_client::frame_handler& on_frame,
               Handler handler)
      : c_(std::move(c)), io_(&io), on_frame_(&on_frame), handler_(std::move(handler)) {}

  using executor_type = asio::associated_executor_t<Handler, typename Io::executor_type>;
  executor_type get_executor() const noexcept { return asio::get_associated_executor(handler_, io_->get_executor()); }
  using cancellation_slot_type = asio::associated_cancellation_slot_t<Handler>;
  cancellation_slot_type get_cancellation_slot() const noexcept {
    return asio::get_associated_cancellation_slot(handler_);
  }
  using allocator_type = asio::associated_allocator_t<Handler>;
  allocator_type get_allocator() const noexcept { return asio::get_associated_allocator(handler_); }

  /// Hands over what an earlier call left in the buffer, then reads.
  void start() {
    c_->reading = true;
    deliver();
  }

  void operator()(error_code ec, std::size_t n) {
    if (ec) return fail(c_->read_failure(ec));
    c_->buffer.commit(n);
    c_->note_received();
    deliver();
  }

 private:
  void deliver() {
    bool stop = false;
    std::exception_ptr thrown;
    auto parsed = c_->parser.parse(c_->buffer.unparsed(), [&](const ws_event& ev) {
      switch (ev.kind) {
        case ws_opcode::ping: c_->send(ws_opcode::pong, ev.payload); return true;
        case ws_opcode::pong: return true;
        case ws_opcode::close:
          c_->closed_by_peer(ev);
          stop = true;
          return false;
        default: break;
      }
      try {
        return (*on_frame_)(ws_frame{ev.payload, ev.oversized, ev.size});
      } catch (...) {
        thrown = std::current_exception();
        return false;
      }
    });
    if (!parsed) {
      c_->send_close(c_->parser.failure_close_code());
      return fail(std::move(parsed.error()));
    }
    c_->buffer.consume(parsed->consumed);
    if (stop) return complete(nullptr, c_->ended.code);
    if (parsed->stopped) return complete(thrown, error_code{});
    read_started_ = true;
    io_->async_read_some(c_->buffer.prepare(parsed->wanted), std::move(*this));
  }

  void fail(failure why) {
    c_->ended = std::move(why);
    complete(nullptr, c_->ended.code);
  }

  // Before any read, start() runs inside the initiating function, where the handler must not be
  // called: it is posted instead.
  void complete(std::exception_ptr thrown, error_code ec) {
    c_->reading = false;
    if (read_started_) return std::move(handler_)(thrown, ec);
    auto ex = get_executor();
    asio::post(ex, asio::append(std::move(handler_), thrown, ec));
  }

  std::shared_ptr<detail::ws_connection> c_;
  Io* io_;
  const ws_client::frame_handler* on_frame_;
  Handler handler_;
  bool read_started_ = false;
};

inline asio::awaitable<error_code> read_each(std::shared_ptr<detail::ws_connection> c,
                                             const ws_client::frame_handler& on_frame) {
  return c->visit_io([&](auto& io) {
    using io_type = std::decay_t<decltype(io)>;
    // The arguments, not captures: the awaitable keeps them until it is awaited.
    return asio::async_initiate<const asio::use_awaitable_t<>&, void(std::exception_ptr, error_code)>(
        [](auto handler, std::shared_ptr<detail::ws_connection> conn, io_type* s, const ws_client::frame_handler* f) {
          read_each_op<io_type, decltype(handler)>(std::move(conn), *s, *f, std::move(handler)).start();
        },
        asio::use_awaitable, c, &io, &on_frame);
  });
}

struct upgrade_answer {
  http::response<http::string_body> response;
  boost::beast::flat_buffer buffer;  // bytes after the response: the first frames
  error_code ec;
};

// The HTTP/1.1 upgrade of RFC 6455 §4.1 on the connected stream, within the handshake timeout.
inline asio::awaitable<void> upgrade(detail::any_stream& stream, const ws_options& options,
                                     std::string_view session, std::string_view key, upgrade_answer& answer) {
  http::request<http::empty_body> req{http::verb::get, options.url.base_path + "/v4/websocket", 11};
  req.set(http::field::host, fmt::format("{}:{}", options.url.host, options.url.port));
  req.set(http::field::upgrade, "websocket");
  req.set(http::field::connection, "Upgrade");
  req.set(http::field::sec_websocket_key, key);
  req.set(http::field::sec_websocket_version, "13");
  if (!options.password.empty()) req.set(http::field::authorization, options.password.reveal());
  req.set("User-Id", options.user.str());
  req.set("Client-Name", options.client_name);
  if (!session.empty()) req.set("Session-Id", session);
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024);  // an error page at most
  stream.tcp().expires_after(options.handshake_timeout);
  auto token = asio::redirect_error(asio::use_awaitable, answer.ec);
  co_await stream.visit([&](auto& s) { return http::async_write(s, req, token); });
  if (!answer.ec) co_await stream.visit([&](auto& s) { return http::async_read(s, answer.buffer, parser, token); });
  stream.tcp().expires_never();
  answer.response = parser.release();
}

}  // namespace ws_impl

HANABI_DECL ws_client::ws_client(asio::any_io_executor ex) : executor_(std::move(ex)) {}
HANABI_DECL ws_client::~ws_client() { abort(); }

HANABI_DECL asio::awaitable<result<ws_handshake>> ws_client::connect(const ws_options& options,
                                                                     std::string_view resume_session) {
  // A connection that already ended is let go, not dropped: the answer to a close may still be on
  // its way out, and the connection closes its socket once that write is done.
  if (open_) abort();
  connection_.reset();
  std::shared_ptr<asio::ssl::context> tls = options.tls_context;
  if (options.url.tls && !tls) tls = detail::make_default_tls_context();
  auto stream = co_await detail::async_connect_stream(options.url, tls.get(), options.connect_timeout);
  if (!stream) co_return stream.error();

  const std::string key = ws_impl::make_key();
  ws_impl::upgrade_answer answer;
  co_await ws_impl::upgrade(*stream, options, resume_session, key, answer);
  if (answer.ec) co_return detail::transport_failure(answer.ec, "WebSocket handshake");
  const auto& res = answer.response;
  const bool lavalink = res["Lavalink-Api-Version"] == "4";
  if (res.result_int() != 101) co_return ws_impl::handshake_failure(res.result_int(), lavalink, !options.password.empty());
  if (!boost::beast::iequals(res[http::field::upgrade], "websocket") ||
      res[http::field::sec_websocket_accept] != ws_impl::expected_accept(key))
    co_return failure{error::websocket_protocol_error, "the upgrade answer lacks a valid Sec-WebSocket-Accept"};
  if (!lavalink) co_return failure{error::not_lavalink, "the WebSocket upgrade lacks Lavalink-Api-Version: 4"};

  error_code ignored;
  stream->tcp().socket().set_option(asio::ip::tcp::no_delay(true), ignored);
  connection_ = std::make_shared<detail::ws_connection>(std::move(*stream), executor_, options);
  const auto leftover = answer.buffer.cdata();
  connection_->buffer.append({static_cast<const char*>(leftover.data()), leftover.size()});
  connection_->watch_idle();
  open_ = true;
  co_return ws_handshake{res["Session-Resumed"] == "true"};
}

HANABI_DECL asio::awaitable<result<void>> ws_client::read_each(const frame_handler& on_frame) {
  if (!open_) co_return failure{error::connection_closed, "the WebSocket is not open"};
  auto c = connection_;
  const error_code ec = co_await ws_impl::read_each(c, on_frame);
  if (!ec) co_return result<void>{};
  open_ = false;
  c->idle_timer.cancel();
  co_return c->ended;
}

HANABI_DECL asio::awaitable<result<bool>> ws_client::write(std::string_view text) {
  if (!open_) co_return failure{error::connection_closed, "the WebSocket is not open"};
  connection_->send(ws_opcode::text, text);
  co_return true;
}

HANABI_DECL asio::awaitable<void> ws_client::close(websocket::close_code code) {
  if (!open_) co_return;
  open_ = false;
  auto c = connection_;
  c->send_close(static_cast<std::uint16_t>(code));
  if (c->write_in_flight) {
    c->flushed.expires_after(std::chrono::seconds(2));  // a peer that reads nothing does not hold us
    error_code ignored;
    co_await c->flushed.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
  c->drop();
}

HANABI_DECL void ws_client::abort() noexcept {
  open_ = false;
  if (connection_) connection_->drop();
}

HANABI_DECL websocket::close_reason ws_client::close_reason() const {
  return connection_ ? connection_->peer_close : websocket::close_reason{};
}

}  // namespace hanabi::transport
