// Lavalink's WebSocket (/v4/websocket), plain or TLS.
//
// The upgrade is an HTTP/1.1 exchange over Beast; it sends Authorization, User-Id,
// Client-Name and, when resuming, Session-Id (PROTOCOL.md §4.1). After it, the
// frames are read by hanabi's own RFC 6455 parser (transport/detail/ws_frame_parser.hpp):
// one large read of the socket brings many frames, and every complete message in it
// is handed over in the same wake, as a view into the read buffer. Pings are answered,
// a close frame is answered and ends the reading with the peer's code and reason.
// Keep-alive: after `idle_timeout` of silence a ping is sent, and after twice that
// the socket is dropped (error::timeout). Messages larger than `max_frame_size` are
// read to their end and dropped, reported as `oversized` rather than failing the
// connection, so one bad frame never costs the session.
//
// Threading: not thread-safe; use from one strand, the executor given to the
// constructor, on which every internal handler (reads, pong writes, the idle timer)
// also runs. One read at a time.
#pragma once

#include <hanabi/detail/any_stream.hpp>
#include <hanabi/detail/config.hpp>
#include <hanabi/ids.hpp>
#include <hanabi/secret.hpp>
#include <hanabi/version.hpp>

#include <boost/beast/websocket/rfc6455.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace hanabi::detail {
struct ws_connection;
}  // namespace hanabi::detail

namespace hanabi::transport {

namespace asio = boost::asio;

/// How to open the WebSocket of one node.
struct ws_options {
  detail::endpoint_url url;                          ///< From detail::parse_endpoint_url().
  secret password;                                   ///< `Authorization`.
  user_id user;                                      ///< `User-Id`: the bot's Discord user id.
  std::string client_name = std::string(hanabi::client_name);  ///< `Client-Name`.
  std::chrono::milliseconds connect_timeout{10000};  ///< TCP connect + TLS handshake.
  std::chrono::milliseconds handshake_timeout{10000};///< The HTTP upgrade.
  /// Silence after which a ping is sent, and twice which the socket is dropped. Zero: none.
  std::chrono::milliseconds idle_timeout{30000};
  /// Largest frame delivered; larger ones are skipped and reported as oversized.
  std::size_t max_frame_size = 1u << 20;
  /// TLS trust and settings; null means the system trust store with verification on.
  std::shared_ptr<asio::ssl::context> tls_context;
};

/// One message off the socket. `text` stays valid until the frame handler returns, and is
/// followed by at least `padding` readable bytes, so simdjson can parse it in place.
struct ws_frame {
  static constexpr std::size_t padding = 64;
  std::string_view text;
  bool oversized = false;  ///< Past max_frame_size: `text` is empty, the frame was skipped.
  std::size_t size = 0;    ///< The frame's size on the wire (also for oversized frames).
};

/// The outcome of the upgrade.
struct ws_handshake {
  bool session_resumed = false;  ///< `Session-Resumed: true` in the response.
};

/// A client WebSocket to one node.
class ws_client {
 public:
  HANABI_DECL explicit ws_client(asio::any_io_executor ex);
  HANABI_DECL ~ws_client();
  ws_client(const ws_client&) = delete;
  ws_client& operator=(const ws_client&) = delete;

  /// Connects and upgrades. `resume_session`, if not empty, goes out as Session-Id.
  /// 401 -> missing_password (no password sent) or wrong_password; 403 -> wrong_password;
  /// no `Lavalink-Api-Version: 4` -> not_lavalink.
  HANABI_DECL asio::awaitable<result<ws_handshake>> connect(const ws_options& options,
                                                            std::string_view resume_session);
  /// Called with each message read_each() completes; returns false to stop reading.
  using frame_handler = std::function<bool(const ws_frame&)>;

  /// Reads messages one after another and calls `on_frame` with each, until the connection fails
  /// or on_frame returns false. The loop runs in completion handlers on the client's executor, not
  /// as a coroutine: one wake parses every complete frame the read brought and calls on_frame for
  /// each message, with no coroutine resumption. Messages already read but not yet handed over when
  /// on_frame stopped the loop are handed over first by the next call. Completes with nothing when
  /// on_frame stopped it; with the failure when the connection failed, a close frame arrived
  /// (error::connection_closed, the code and reason in close_reason()) or the peer broke the
  /// protocol (error::websocket_protocol_error, answered with close 1002 or 1007). An exception
  /// thrown by on_frame ends the loop and is rethrown to the awaiting coroutine. `on_frame` must
  /// outlive the call.
  HANABI_DECL asio::awaitable<result<void>> read_each(const frame_handler& on_frame);
  /// Queues a text frame (Lavalink ignores client frames; used by tests and tools). Completes once
  /// it is queued; a failed write ends the connection, which read_each() reports.
  HANABI_DECL asio::awaitable<result<bool>> write(std::string_view text);
  /// Sends a close frame with `code`, waits (briefly) for it to leave, then drops the connection;
  /// ignores errors.
  HANABI_DECL asio::awaitable<void> close(boost::beast::websocket::close_code code);
  /// Drops the TCP connection at once; a pending read_each() completes with an error.
  HANABI_DECL void abort() noexcept;
  /// The close code and reason the peer sent, after read_each() failed with a close.
  HANABI_DECL boost::beast::websocket::close_reason close_reason() const;
  bool is_open() const noexcept { return open_; }

 private:
  asio::any_io_executor executor_;
  /// Shared with the handlers of the connection's reads, writes and timer, so that it outlives them.
  std::shared_ptr<detail::ws_connection> connection_;
  bool open_ = false;
};

}  // namespace hanabi::transport

#ifdef HANABI_HEADER_ONLY
#  include <hanabi/impl/ws_client.ipp>
#endif
