// The messages of the parent/child control protocol (docs/REMOTE_PROTOCOL.md).
//
// A parent bot (the one with slash commands) and its child bots talk over one
// WebSocket per child. The child dials in and says `hello`; the parent checks
// its token and answers `ready`. After that either side may send a `request`
// (answered by exactly one `response` carrying the same id), an `event`
// (never answered), and `heartbeat`s (answered by `heartbeat_ack`, which never
// share an id space or a reply slot with requests). `goodbye` ends the link
// with a reason; `error` reports a frame that could not be attributed to a
// request (undecodable or oversized).
//
// Ops and their arguments are plain JSON, so the session layer adds ops
// without touching the link. These structs are values; they do no I/O.
#pragma once

#include <hanabi/error.hpp>
#include <hanabi/ids.hpp>
#include <hanabi/secret.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace hanabi::remote {

/// The protocol version this library speaks. A parent accepts a child whose
/// `hello.version` lies in [min_supported_version, protocol_version].
inline constexpr int protocol_version = 1;
/// The oldest version this library still accepts from a peer.
inline constexpr int min_supported_version = 1;

/// Child -> parent, first message on every (re)connection.
struct hello {
  int version = protocol_version;
  user_id bot_id;                         ///< The child's Discord bot user id.
  std::string name;                       ///< Unique child name in the parent's configuration.
  std::string library_version;            ///< e.g. "hanabi/0.1.0"; informational.
  std::vector<std::string> capabilities;  ///< Ops or features the child serves; informational.
  secret token;                           ///< Shared secret; compared in constant time.
  friend bool operator==(const hello&, const hello&) = default;
};

/// Parent -> child: the hello was accepted.
struct ready {
  int version = protocol_version;  ///< The version both sides now speak.
  std::chrono::milliseconds heartbeat_interval{5000};
  std::string parent_id;  ///< Identifies the parent process run; changes when it restarts.
  friend bool operator==(const ready&, const ready&) = default;
};

/// Either direction: please run `op` with `args` within `timeout`.
/// The timeout is relative because the two processes do not share a clock.
struct request {
  std::uint64_t id = 0;  ///< Unique among the sender's requests on this link; never 0.
  std::string op;
  std::chrono::milliseconds timeout{0};  ///< How long the sender will wait; 0 = no hint.
  nlohmann::json args = nlohmann::json::object();
  friend bool operator==(const request&, const request&) = default;
};

/// A typed failure carried by a response or an error message.
struct remote_error {
  int code = 0;  ///< A hanabi::error value (never renumbered, so it is stable on the wire).
  std::string message;
  friend bool operator==(const remote_error&, const remote_error&) = default;

  /// The code as an error_code in the hanabi category.
  error_code to_error_code() const noexcept { return {code, error_category()}; }
};

/// The answer to the request with the same id: a result or a typed error.
struct response {
  std::uint64_t id = 0;
  std::optional<remote_error> error;  ///< Set on failure; `result` is then null.
  nlohmann::json result;
  friend bool operator==(const response&, const response&) = default;
};

/// Either direction, unanswered: something happened (session created, track start...).
struct event {
  std::string op;
  nlohmann::json payload = nlohmann::json::object();
  friend bool operator==(const event&, const event&) = default;
};

/// Either direction: are you there? Sequence numbers are per sender.
struct heartbeat {
  std::uint64_t seq = 0;
  friend bool operator==(const heartbeat&, const heartbeat&) = default;
};

/// The answer to the heartbeat with the same seq.
struct heartbeat_ack {
  std::uint64_t seq = 0;
  friend bool operator==(const heartbeat_ack&, const heartbeat_ack&) = default;
};

/// Either direction: the sender closes the link, and why.
struct goodbye {
  remote_error reason;
  friend bool operator==(const goodbye&, const goodbye&) = default;
};

/// A frame the receiver could not attribute to a request (it did not decode,
/// had no readable id, or was too large). The link stays up.
struct error_notice {
  remote_error error;
  friend bool operator==(const error_notice&, const error_notice&) = default;
};

/// Any message of the protocol.
using message = std::variant<hello, ready, request, response, event, heartbeat, heartbeat_ack, goodbye, error_notice>;

/// The wire name of a message's `type` field ("hello", "request"...).
inline const char* type_name(const message& m) noexcept {
  constexpr const char* names[] = {"hello", "ready", "request", "response", "event",
                                   "heartbeat", "heartbeat_ack", "goodbye", "error"};
  return names[m.index()];
}

/// A remote_error from a hanabi error and a sentence.
inline remote_error make_remote_error(error e, std::string message = {}) {
  return {static_cast<int>(e), message.empty() ? make_error_code(e).message() : std::move(message)};
}

}  // namespace hanabi::remote
