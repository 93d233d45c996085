// The I/O half of a control link: runs one remote_fsm over a Beast WebSocket
// on the socket's strand. It reads frames into the core, writes the frames
// the core produces one at a time, keeps one timer armed at the core's next
// wakeup, and turns the core's other actions into handler calls.
//
// Everything runs on the strand the socket was created with; the public
// members post there, so they are safe from any thread.
#pragma once

#include <hanabi/detail/remote_fsm.hpp>
#include <hanabi/remote/link.hpp>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <hanabi/detail/remote_stream.hpp>

#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace hanabi::detail {

/// The link's WebSocket, over plain TCP or TLS (remote_stream).
using remote_ws = boost::beast::websocket::stream<remote_stream>;

class remote_link : public std::enable_shared_from_this<remote_link> {
 public:
  using completion = boost::asio::any_completion_handler<void(error_code, nlohmann::json)>;
  /// Called once when the link is finished, whether or not it ever came up (for its owner's bookkeeping).
  using finished_fn = std::function<void(error_code reason, const std::string& message)>;

  HANABI_DECL remote_link(remote_ws ws, remote_fsm_config fsm_config, remote::link_config config,
                          std::shared_ptr<const remote::link_handlers> handlers, finished_fn on_finished);

  /// Parent side: completes the WebSocket handshake, then waits for hello.
  HANABI_DECL void run_accept();
  /// Child side: the WebSocket handshake is done; sends hello.
  HANABI_DECL void run_connected();

  HANABI_DECL void request(std::string op, nlohmann::json args, std::chrono::milliseconds timeout, completion h);
  HANABI_DECL void event(std::string op, nlohmann::json payload);
  HANABI_DECL void answer(std::uint64_t id, nlohmann::json result);
  HANABI_DECL void answer_error(std::uint64_t id, remote::remote_error err);
  HANABI_DECL void close(error reason, std::string message);

  const remote::hello& peer() const noexcept { return peer_; }
  const remote::ready& ready_info() const noexcept { return ready_; }
  bool is_up() const noexcept { return up_.load(std::memory_order_acquire); }
  HANABI_DECL remote_counters counters() const;
  HANABI_DECL remote::link_health health() const;

 private:
  // Runs f on the strand later; for calls that may complete a caller's handler.
  template <class F>
  void on_strand(F&& f) {
    boost::asio::post(ws_.get_executor(), [self = shared_from_this(), f = std::forward<F>(f)]() mutable { f(); });
  }
  // Runs f on the strand, at once when already on it (a handler answering inline
  // saves a hop); only for calls that never complete a caller's handler.
  template <class F>
  void on_strand_now(F&& f) {
    boost::asio::dispatch(ws_.get_executor(), [self = shared_from_this(), f = std::forward<F>(f)]() mutable { f(); });
  }
  void accept_websocket();
  void start_core();
  void read();
  void on_read(error_code ec);
  void flush();
  void apply(remote_action& action);
  void write_next();
  void close_transport();
  void arm_timer();
  void finish(error_code transport_error);
  void complete(std::uint64_t id, error_code ec, nlohmann::json result);
  void deliver(completion h, error_code ec, nlohmann::json result);

  remote_ws ws_;
  boost::asio::steady_timer timer_;
  remote_fsm fsm_;
  remote::link_config config_;
  std::shared_ptr<const remote::link_handlers> handlers_;
  finished_fn on_finished_;
  boost::beast::flat_buffer buffer_;
  std::deque<std::string> outbox_;
  bool writing_ = false;
  std::unordered_map<std::uint64_t, completion> waiting_;
  std::optional<remote_close> closing_;
  bool finished_ = false;
  bool was_up_ = false;
  std::atomic<bool> up_{false};
  remote::hello peer_;
  remote::ready ready_;
  remote_clock::time_point armed_for_ = remote_clock::time_point::max();
  mutable std::mutex counters_mutex_;  // guards the snapshots below, read from any thread
  remote_counters counters_;
  remote::link_health health_;
};

}  // namespace hanabi::detail
