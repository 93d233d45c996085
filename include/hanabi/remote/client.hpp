// The child's end of the control protocol: dials the parent, says hello,
// keeps the link alive, and reconnects with backoff whenever it drops,
// saying hello again so a restarted parent sees the child re-register.
//
//     remote::client c(ioc.get_executor(), cfg, handlers);
//     c.async_run(asio::detached);      // until c.stop() or a refused token
//     c.send_event("session_destroyed", {{"voice", "123"}});
//
// Threading: the client and its current link share one strand; every member
// is thread-safe, and handlers run on that strand.
#pragma once

#include <hanabi/detail/config.hpp>
#include <hanabi/ids.hpp>
#include <hanabi/remote/link.hpp>
#include <hanabi/secret.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace hanabi::detail {
class remote_client_state;
}

namespace hanabi::remote {

/// Where the parent is and who this child is.
struct client_config {
  std::string host = "127.0.0.1";
  unsigned short port = 0;
  /// The WebSocket request target.
  std::string target = "/";
  /// This child's unique name; the parent registers it under this name.
  std::string name;
  /// This child's Discord bot user id.
  user_id bot_id;
  /// Ops or features this child serves (informational, sent in hello).
  std::vector<std::string> capabilities;
  /// The token the parent expects.
  secret token;
  /// First wait before reconnecting; doubles on each failure up to reconnect_max,
  /// and starts again from here after a link that came up.
  std::chrono::milliseconds reconnect_initial{100};
  std::chrono::milliseconds reconnect_max{5000};
  /// Limits and timeouts of the link.
  link_config link;
  /// When set, the client dials with TLS using this context (e.g. ssl::context::tls_client with
  /// the parent's CA added). The parent's certificate is verified against the context's trust
  /// store and must name `tls_host` (an IP address or DNS name; empty = `host`). A parent whose
  /// certificate does not verify is treated like any other failed dial: retried with backoff.
  std::shared_ptr<boost::asio::ssl::context> tls;
  std::string tls_host;
  /// Verify the parent's certificate (the default). Off accepts any certificate: the link is
  /// encrypted but the parent is not authenticated (the token still authenticates the child).
  bool tls_verify = true;
};

class client {
 public:
  /// `handlers` serve the parent's requests and see its events and the link's ups and downs.
  HANABI_DECL client(boost::asio::any_io_executor ex, client_config config, link_handlers handlers);
  /// Stops the client (see stop()).
  HANABI_DECL ~client();
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  /**
   * Connects and stays connected until stop(). Handler: `void(error_code)`:
   * asio::error::operation_aborted after stop(), or error::authentication_failed /
   * error::protocol_version_mismatch when the parent refused this child (retrying
   * cannot help). Every other failure is retried with backoff. Call once.
   */
  template <class CompletionToken>
  auto async_run(CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(error_code)>(
        [state = state_](auto handler) { start_run(state, run_handler(std::move(handler))); }, token);
  }

  /// Says goodbye to the parent and ends async_run. Idempotent.
  HANABI_DECL void stop();

  /// The link to the parent while it is up; an empty link otherwise (requests on
  /// it fail with error::connection_closed).
  HANABI_DECL link current() const;

  /// Same as current().async_request(...).
  template <class CompletionToken>
  auto async_request(std::string op, nlohmann::json args, std::chrono::milliseconds timeout, CompletionToken&& token) {
    return current().async_request(std::move(op), std::move(args), timeout, std::forward<CompletionToken>(token));
  }

  /// Same as current().send_event(...): dropped while the link is down.
  void send_event(std::string op, nlohmann::json payload) const { current().send_event(std::move(op), std::move(payload)); }

  /// How many times the handshake with the parent has completed.
  HANABI_DECL std::uint64_t registrations() const noexcept;

 private:
  using run_handler = boost::asio::any_completion_handler<void(error_code)>;
  HANABI_DECL static void start_run(const std::shared_ptr<hanabi::detail::remote_client_state>& state, run_handler h);

  std::shared_ptr<hanabi::detail::remote_client_state> state_;
};

}  // namespace hanabi::remote

#ifdef HANABI_HEADER_ONLY
#  include <hanabi/impl/remote_client.ipp>
#endif
