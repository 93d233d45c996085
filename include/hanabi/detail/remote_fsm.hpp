// The sans-I/O core of one control link (either end): handshake, request
// correlation with deadlines, heartbeats and eviction, and the handling of
// bad input. It owns no socket and reads no clock: the owner feeds it frames,
// the current time and its own commands, then drains the actions it produced
// (frames to send, a close, completions of its requests, incoming requests and
// events) and calls on_tick() again at next_wakeup().
//
// Not thread-safe: the owner serialises every call (the link runs it on its strand).
#pragma once

#include <hanabi/detail/config.hpp>
#include <hanabi/diagnostics.hpp>
#include <hanabi/remote/messages.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <variant>
#include <vector>

namespace hanabi::detail {

using remote_clock = std::chrono::steady_clock;

/// Which end of the link this core drives.
enum class remote_role { parent, child };

/// Where the link is in its life.
enum class remote_state { idle, awaiting_hello, awaiting_ready, established, closed };

/// Settings of one link core. The parent fills token, heartbeat_interval and
/// parent_id; the child fills hello (its token travels in hello.token).
struct remote_fsm_config {
  remote_role role = remote_role::child;
  /// Frames larger than this are answered with error::message_too_large and dropped.
  std::size_t max_message_size = 1024 * 1024;
  /// A peer silent for this many heartbeat intervals is evicted.
  unsigned max_missed_heartbeats = 3;
  /// How long the handshake (hello, then ready) may take.
  std::chrono::milliseconds handshake_timeout{5000};
  /// Used by send_request() when the caller gives no timeout.
  std::chrono::milliseconds default_request_timeout{5000};
  /// Parent: the token every child must present. Empty rejects every child.
  secret token;
  /// Parent: the heartbeat interval announced in ready (both sides use it).
  std::chrono::milliseconds heartbeat_interval{5000};
  /// Parent: identifies this parent run (sent in ready).
  std::string parent_id;
  /// Child: the hello sent when the link starts.
  remote::hello hello;
};

/// Counts of things worth a metric. Never reset by the core.
struct remote_counters {
  std::uint64_t bad_tokens = 0;          ///< hellos rejected for their token
  std::uint64_t version_mismatches = 0;  ///< hellos or readies with an unsupported version
  std::uint64_t malformed_frames = 0;    ///< frames that did not decode
  std::uint64_t oversized_frames = 0;    ///< frames over max_message_size
  std::uint64_t unknown_ops = 0;         ///< requests for an op this side does not serve
  std::uint64_t timeouts = 0;            ///< own requests that passed their deadline
  std::uint64_t late_replies = 0;        ///< responses to requests that had already timed out
  std::uint64_t unmatched_replies = 0;   ///< responses to ids never sent (or long forgotten)
  std::uint64_t heartbeats_sent = 0;
  std::uint64_t heartbeats_acked = 0;
  std::uint64_t peer_errors = 0;         ///< error notices received from the peer
};

/// Send this frame (in order).
struct remote_send {
  std::string frame;
};
/// Close the transport after the frames queued so far. `reason` says why
/// (from this side's goodbye, or from the peer's); `graceful` is false when
/// the peer is unresponsive and the socket should just be torn down.
struct remote_close {
  error_code reason;
  std::string message;
  bool graceful = true;
};
/// One of the owner's requests finished: a result, or an error (timeout, the
/// peer's typed error, the link lost).
struct remote_completion {
  std::uint64_t id = 0;
  error_code ec;
  std::string message;  ///< The peer's or the core's sentence when ec is set.
  nlohmann::json result;
};
/// The peer asks this side to run a served op; answer with respond()/respond_error().
struct remote_incoming_request {
  remote::request req;
};
/// The peer sent an event.
struct remote_incoming_event {
  remote::event ev;
};
/// The handshake completed. The parent learns the child's hello (token blanked);
/// the child learns the parent's ready.
struct remote_established {
  remote::hello peer;
  remote::ready ready;
};
/// The peer reported a frame of ours it could not handle (for the log).
struct remote_peer_error {
  remote::remote_error error;
};

using remote_action = std::variant<remote_send, remote_close, remote_completion, remote_incoming_request,
                                   remote_incoming_event, remote_established, remote_peer_error>;

/// True when both strings are equal, in time that depends only on their lengths.
HANABI_DECL bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

class remote_fsm {
 public:
  using time_point = remote_clock::time_point;

  explicit remote_fsm(remote_fsm_config config);

  /// Starts the handshake: the child sends hello, the parent waits for one.
  HANABI_DECL void start(time_point now);

  /// A frame arrived from the peer.
  HANABI_DECL void on_frame(std::string_view frame, time_point now);

  /// Time passed: heartbeats, deadlines, eviction. Call at next_wakeup() (earlier is harmless).
  HANABI_DECL void on_tick(time_point now);

  /// The transport is gone (read error, EOF). Pending requests complete with the link-lost error.
  HANABI_DECL void on_transport_closed();

  /// Declares an op this side answers; requests for any other op get error::unknown_op.
  void serve(std::string op) { served_ops_.insert(std::move(op)); }

  /// Sends a request; returns its id. Fails with error::connection_closed before the
  /// handshake or after a close, and with error::message_too_large when it would not fit.
  HANABI_DECL result<std::uint64_t> send_request(std::string op, nlohmann::json args,
                                                 std::chrono::milliseconds timeout, time_point now);

  /// Sends an event. Same failures as send_request().
  HANABI_DECL result<void> send_event(std::string op, nlohmann::json payload);

  /// Answers an incoming request. False (nothing sent) when the id is not awaiting an answer.
  HANABI_DECL bool respond(std::uint64_t id, nlohmann::json result);
  HANABI_DECL bool respond_error(std::uint64_t id, remote::remote_error err);

  /// Ends the link: goodbye with this reason, then close. Pending requests complete with `why`.
  HANABI_DECL void close(error why, std::string message = {});

  /// When on_tick() must be called next; time_point::max() when nothing is due.
  HANABI_DECL time_point next_wakeup() const;

  /// The actions produced since the last call, in order.
  std::vector<remote_action> take_actions() { return std::exchange(actions_, {}); }

  remote_state state() const noexcept { return state_; }
  const remote_counters& counters() const noexcept { return counters_; }
  std::size_t pending_requests() const noexcept { return pending_.size(); }
  std::chrono::milliseconds heartbeat_interval() const noexcept { return heartbeat_interval_; }
  const remote_fsm_config& config() const noexcept { return config_; }
  /// When the handshake completed (the epoch before).
  time_point established_at() const noexcept { return established_at_; }
  /// From sending the newest heartbeat to its ack (the peer's handling included); none before
  /// the first ack. An ack of an older heartbeat (overtaken by a newer one) changes nothing.
  std::optional<remote_clock::duration> heartbeat_round_trip() const noexcept { return heartbeat_round_trip_; }

 private:
  void on_handshake_frame(std::string_view frame, time_point now);
  void on_established_frame(std::string_view frame, time_point now);
  void on_hello(const remote::hello& h, time_point now);
  void on_ready(const remote::ready& r, time_point now);
  void on_response(remote::response&& r);
  void on_request(remote::request&& r);
  void on_malformed(std::string_view frame, const failure& why);
  void establish(time_point now);
  void reject(error why, std::string message);
  void finish(error_code reason, std::string message, bool graceful, error_code pending_error);
  void fail_all_pending(error_code ec, const std::string& message);
  void expire_requests(time_point now);
  void remember_expired(std::uint64_t id);
  bool send(const remote::message& m);
  error_code link_lost_error() const noexcept;

  remote_fsm_config config_;
  remote_state state_ = remote_state::idle;
  remote_counters counters_;
  std::vector<remote_action> actions_;
  std::set<std::string, std::less<>> served_ops_;

  time_point handshake_deadline_{};
  std::chrono::milliseconds heartbeat_interval_;
  time_point next_heartbeat_{};
  time_point last_heard_{};
  std::uint64_t heartbeat_seq_ = 0;
  time_point established_at_{};
  time_point heartbeat_sent_at_{};  // of heartbeat heartbeat_seq_
  std::optional<remote_clock::duration> heartbeat_round_trip_;

  std::uint64_t next_request_id_ = 1;
  std::unordered_map<std::uint64_t, time_point> pending_;  // id -> deadline
  std::set<std::pair<time_point, std::uint64_t>> deadlines_;
  std::deque<std::uint64_t> recently_expired_;            // bounded, to tell late replies from strays
  std::unordered_set<std::uint64_t> in_service_;          // incoming request ids awaiting our answer
};

inline remote_fsm::remote_fsm(remote_fsm_config config)
    : config_(std::move(config)), heartbeat_interval_(config_.heartbeat_interval) {}

}  // namespace hanabi::detail

#ifdef HANABI_HEADER_ONLY
#  include <hanabi/impl/remote_fsm.ipp>
#endif
