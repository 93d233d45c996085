// Lavalink's REST API over Beast HTTP/1.1, plain or TLS.
//
// Connection reuse: a small pool per node. A request takes an idle keep-alive
// connection, or opens a new one while fewer than `max_connections` are open,
// or waits for one to come back. A pool rather than one queued connection,
// because the voice PATCH blocks on the server until Discord's voice connection
// is up (PROTOCOL.md §13.22): one slow call must not stall every other call.
//
// Retries: only GETs (idempotent) are retried, with backoff, after a transport
// failure or a 502/503/504. Any request that fails on a *reused* connection
// before a single response byte arrived is replayed once on a fresh connection,
// since the server closed that idle connection without reading the request.
//
// Threading: a rest_client is not thread-safe. Construct it on a strand (or a
// single-threaded io_context) and start every request from that executor; the
// client must outlive its pending requests.
#pragma once

#include <hanabi/detail/backoff.hpp>
#include <hanabi/detail/any_stream.hpp>
#include <hanabi/detail/config.hpp>
#include <hanabi/detail/spawn.hpp>
#include <hanabi/logger.hpp>
#include <hanabi/secret.hpp>
#include <hanabi/transport/endpoints.hpp>

#include <boost/asio/async_result.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http/verb.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace hanabi::transport {

namespace asio = boost::asio;
namespace http = boost::beast::http;

/// How the REST client reaches and talks to one node.
struct rest_options {
  detail::endpoint_url url;          ///< From detail::parse_endpoint_url().
  secret password;                   ///< Sent as the raw `Authorization` header.
  std::size_t max_connections = 4;   ///< Upper bound of open connections.
  bool keep_alive = true;            ///< false: a new connection per request.
  std::chrono::milliseconds connect_timeout{10000};
  /// Deadline of one attempt (write + read). Bound a whole call with hanabi::cancel_after.
  std::chrono::milliseconds request_timeout{10000};
  /// Largest response body accepted; past it the call fails with error::message_too_large.
  /// A 100,000-track playlist is around 60 MB.
  std::size_t max_body_size = 128u << 20;
  int get_retries = 2;               ///< Extra attempts for a GET after a transient failure.
  backoff_policy get_retry_backoff{std::chrono::milliseconds{100}, std::chrono::milliseconds{2000}, 2.0, 0.2};
  /// TLS trust and settings; null means the system trust store with verification on.
  std::shared_ptr<asio::ssl::context> tls_context;
  logger log;
};

/// REST requests to one Lavalink node.
class rest_client {
 public:
  /// `ex` should be a strand: every request runs on it.
  HANABI_DECL rest_client(asio::any_io_executor ex, rest_options options);
  HANABI_DECL ~rest_client();
  rest_client(const rest_client&) = delete;
  rest_client& operator=(const rest_client&) = delete;

  asio::any_io_executor get_executor() const noexcept { return executor_; }
  const rest_options& options() const noexcept { return options_; }

  /// Sends one request (retrying as described above) and returns the response or a
  /// transport failure. A non-2xx status is *not* a failure here; see classify().
  HANABI_DECL asio::awaitable<result<rest_response>> request(http::verb method, std::string target,
                                                             std::string body = {});

  /// request() plus classify(): a 2xx response, or the failure its status stands for.
  HANABI_DECL asio::awaitable<result<rest_response>> call(http::verb method, std::string target,
                                                          std::string body = {});

  /// Completion-token form of call(). Handler: void(error_code, rest_response).
  /// `diag`, if given, receives the failure's details and must outlive the operation.
  template <class Token>
  auto async_call(http::verb method, std::string target, std::string body, diagnostics* diag, Token&& token) {
    return detail::async_spawn<rest_response>(
        executor_, diag,
        [this, method, t = std::move(target), b = std::move(body)]() mutable {
          return call(method, std::move(t), std::move(b));
        },
        std::forward<Token>(token));
  }

  /// Connections currently open (idle or busy).
  std::size_t open_connections() const noexcept { return open_; }
  /// Closes the idle connections.
  HANABI_DECL void close_idle();

 private:
  struct connection;
  asio::awaitable<result<std::unique_ptr<connection>>> acquire();
  void release(std::unique_ptr<connection> c, bool reusable);
  asio::awaitable<result<rest_response>> attempt(http::verb method, const std::string& target,
                                                 const std::string& body);

  asio::any_io_executor executor_;
  rest_options options_;
  std::vector<std::unique_ptr<connection>> idle_;
  std::size_t open_ = 0;
  asio::steady_timer connection_freed_;  // waiters for a free slot; cancel_one() wakes one
};

}  // namespace hanabi::transport

#ifdef HANABI_HEADER_ONLY
#  include <hanabi/impl/rest_client.ipp>
#endif
