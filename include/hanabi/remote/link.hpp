// One live control link between a parent and a child, over a WebSocket.
//
// A `link` is a cheap, copyable handle. The parent gets one per registered
// child from remote::server; the child has one to its parent through
// remote::client. Through it either side sends requests (each with its own
// deadline), answers the peer's requests, and sends events.
//
// Threading: every link runs on its own strand. All its member functions are
// thread-safe (they post to that strand). Request handlers, event handlers
// and the up/down notifications run on the link's strand, so one hung peer
// or slow handler never delays another link: there is no lock and no queue
// shared between links. A handler must not block and must not throw.
#pragma once

#include <hanabi/detail/config.hpp>
#include <hanabi/detail/remote_fsm.hpp>
#include <hanabi/error.hpp>
#include <hanabi/logger.hpp>
#include <hanabi/remote/messages.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace hanabi::detail {
class remote_link;
}

namespace hanabi::remote {

/// Answers one request of the peer. Copyable and thread-safe; the first answer
/// counts and later ones are ignored, as are answers after the link went down.
class responder {
 public:
  responder(std::weak_ptr<hanabi::detail::remote_link> link, std::uint64_t id) : link_(std::move(link)), id_(id) {}

  /// Completes the peer's request with `result`.
  HANABI_DECL void ok(nlohmann::json result = nlohmann::json::object()) const;
  /// Completes the peer's request with a typed error.
  HANABI_DECL void fail(error code, std::string message = {}) const;

  /// The request id on the wire (for logs).
  std::uint64_t id() const noexcept { return id_; }

 private:
  std::weak_ptr<hanabi::detail::remote_link> link_;
  std::uint64_t id_;
};

/// How a link is doing, for a status display (a bot's /bots).
struct link_health {
  /// When the handshake completed; meaningful once the link was up.
  std::chrono::steady_clock::time_point up_since{};
  /// From sending the newest heartbeat to its acknowledgement, the peer's handling included
  /// (measured once per heartbeat interval); none before the first acknowledgement.
  std::optional<std::chrono::microseconds> round_trip;
};

class link;

/// Serves one op: gets the request's args and a responder to answer it now or later.
using request_handler = std::function<void(const nlohmann::json& args, responder reply)>;

/// What a side does with what its peers send. Shared by every link of a server.
struct link_handlers {
  /// One handler per op this side serves; any other op is answered with error::unknown_op.
  std::map<std::string, request_handler, std::less<>> requests;
  /// An event from the peer.
  std::function<void(link, const event&)> on_event;
  /// The handshake completed; the link is usable.
  std::function<void(link)> on_up;
  /// The link is gone (closed by either side, evicted, or the transport failed),
  /// with the reason: e.g. error::peer_unresponsive, error::authentication_failed,
  /// error::child_lost / error::connection_closed for a dropped socket.
  std::function<void(link, error_code, const std::string&)> on_down;
};

/// Settings shared by both ends of a link.
struct link_config {
  /// Largest frame handled as a message. A bigger frame gets error::message_too_large
  /// and is dropped; frames above 4 times this (plus 4 KiB) close the socket.
  std::size_t max_message_size = 1024 * 1024;
  /// A peer silent for this many heartbeat intervals is evicted.
  unsigned max_missed_heartbeats = 3;
  /// Time allowed for the WebSocket and hello/ready handshakes, and for a graceful close.
  std::chrono::milliseconds handshake_timeout{5000};
  /// Deadline of a request whose caller gave none.
  std::chrono::milliseconds default_request_timeout{5000};
  /// Where the link logs (handshakes, drops, bad input).
  logger log;
};

/// Handle to one control link. Default-constructed handles are empty.
class link {
 public:
  link() = default;
  explicit link(std::shared_ptr<hanabi::detail::remote_link> impl) : impl_(std::move(impl)) {}

  /**
   * Sends `op` with `args` and completes with the peer's result.
   *
   * Handler signature: `void(error_code, nlohmann::json)`. On success the json
   * is the peer's result. On failure the code is the peer's typed error (a
   * hanabi::error such as error::unknown_op or error::no_session),
   * error::timeout when `timeout` passed first (a late answer is dropped),
   * error::message_too_large, or the link-lost error; the json is then a string
   * with the message (possibly empty).
   *
   * `timeout` <= 0 uses link_config::default_request_timeout. The handler runs
   * on its associated executor (the link's strand by default), never inside
   * this call. Per-operation cancellation is not supported; use the timeout.
   */
  template <class CompletionToken>
  auto async_request(std::string op, nlohmann::json args, std::chrono::milliseconds timeout,
                     CompletionToken&& token);

  /// Sends an event to the peer; dropped (and logged) when the link is down.
  HANABI_DECL void send_event(std::string op, nlohmann::json payload) const;

  /// Says goodbye with `reason` and closes the link.
  HANABI_DECL void close(error reason, std::string message = {}) const;

  /// The child's hello (its token blanked). Valid once the link was up.
  HANABI_DECL const hello& peer() const;
  /// The ready the parent sent. Valid once the link was up.
  HANABI_DECL const ready& parent_ready() const;
  /// True while the handshake is complete and the link not yet closed.
  HANABI_DECL bool is_up() const noexcept;
  /// A snapshot of the link's counters (bad frames, timeouts, late replies...).
  HANABI_DECL hanabi::detail::remote_counters counters() const;
  /// A snapshot of when the link came up and its latest heartbeat round trip.
  HANABI_DECL link_health health() const;

  explicit operator bool() const noexcept { return impl_ != nullptr; }
  friend bool operator==(const link& a, const link& b) noexcept { return a.impl_ == b.impl_; }

 private:
  using request_handler_type = boost::asio::any_completion_handler<void(error_code, nlohmann::json)>;
  HANABI_DECL static void start_request(const std::shared_ptr<hanabi::detail::remote_link>& impl, std::string op,
                                        nlohmann::json args, std::chrono::milliseconds timeout,
                                        request_handler_type handler);

  std::shared_ptr<hanabi::detail::remote_link> impl_;
};

template <class CompletionToken>
auto link::async_request(std::string op, nlohmann::json args, std::chrono::milliseconds timeout,
                         CompletionToken&& token) {
  return boost::asio::async_initiate<CompletionToken, void(error_code, nlohmann::json)>(
      [impl = impl_](auto handler, std::string op, nlohmann::json args, std::chrono::milliseconds timeout) {
        start_request(impl, std::move(op), std::move(args), timeout, request_handler_type(std::move(handler)));
      },
      token, std::move(op), std::move(args), timeout);
}

}  // namespace hanabi::remote

#ifdef HANABI_HEADER_ONLY
#  include <hanabi/impl/remote_link.ipp>
#endif
