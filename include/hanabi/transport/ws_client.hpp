// Lavalink's WebSocket (/v4/websocket) over Beast, plain or TLS.
//
// The handshake sends Authorization, User-Id, Client-Name and, when resuming,
// Session-Id (PROTOCOL.md §4.1). Keep-alive pings and an idle timeout are on
// (Beast's websocket timeout option): a peer silent for `idle_timeout` despite a
// ping is treated as gone. Frames larger than `max_frame_size` are read to their
// end and dropped, reported as `oversized` rather than failing the connection,
// so one bad frame never costs the session.
//
// Threading: not thread-safe; use from one strand. One read at a time.
#pragma once

#include <hanabi/detail/any_stream.hpp>
#include <hanabi/detail/config.hpp>
#include <hanabi/ids.hpp>
#include <hanabi/secret.hpp>
#include <hanabi/version.hpp>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

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

/// One message off the socket. `text` stays valid until the next read, and is followed
/// by at least `padding` readable bytes, so simdjson can parse it in place.
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
  /// or on_frame returns false. The loop runs in completion handlers on the stream's executor, not
  /// as a coroutine: a message costs Beast's read and the call, and no coroutine resumption. A
  /// frame's text is valid until the next read starts. Completes with nothing when on_frame stopped
  /// it, with the transport failure when the connection failed; an exception thrown by on_frame
  /// ends the loop and is rethrown to the awaiting coroutine. `on_frame` must outlive the call.
  HANABI_DECL asio::awaitable<result<void>> read_each(const frame_handler& on_frame);
  /// Sends a text frame (Lavalink ignores client frames; used by tests and tools).
  HANABI_DECL asio::awaitable<result<bool>> write(std::string_view text);
  /// Closes gracefully with `code`; ignores errors.
  HANABI_DECL asio::awaitable<void> close(boost::beast::websocket::close_code code);
  /// Drops the TCP connection at once; a pending read() completes with an error.
  HANABI_DECL void abort() noexcept;
  /// The close code and reason the peer sent, after read() failed with a close.
  HANABI_DECL boost::beast::websocket::close_reason close_reason() const;
  bool is_open() const noexcept { return open_; }

 private:
  struct impl;
  asio::any_io_executor executor_;
  std::unique_ptr<impl> impl_;
  std::size_t max_frame_size_ = 0;
  bool open_ = false;
};

}  // namespace hanabi::transport

#ifdef HANABI_HEADER_ONLY
#  include <hanabi/impl/ws_client.ipp>
#endif
