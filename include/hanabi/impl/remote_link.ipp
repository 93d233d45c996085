// The control link: the handle, the responder, and the I/O driver of the core.
#pragma once

#include <hanabi/detail/remote_fsm_driver.hpp>
#include <hanabi/remote/link.hpp>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/system_executor.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/beast/websocket/ssl.hpp>

namespace hanabi::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;

HANABI_DECL remote_link::remote_link(remote_ws ws, remote_fsm_config fsm_config, remote::link_config config,
                                     std::shared_ptr<const remote::link_handlers> handlers, finished_fn on_finished)
    : ws_(std::move(ws)),
      timer_(ws_.get_executor()),
      fsm_(std::move(fsm_config)),
      config_(std::move(config)),
      handlers_(std::move(handlers)),
      on_finished_(std::move(on_finished)) {
  for (auto& [op, handler] : handlers_->requests) fsm_.serve(op);
  // The core's heartbeats replace WebSocket pings and idle timeouts; Beast only
  // bounds the handshakes and the closing handshake.
  websocket::stream_base::timeout t;
  t.handshake_timeout = config_.handshake_timeout;
  t.idle_timeout = websocket::stream_base::none();
  t.keep_alive_pings = false;
  ws_.set_option(t);
  // Frames up to 4x the message limit are read and answered with message_too_large;
  // beyond that the socket is dropped rather than buffering unbounded input.
  ws_.read_message_max(config_.max_message_size * 4 + 4096);
  ws_.text(true);
}

HANABI_DECL void remote_link::run_accept() {
  on_strand([this] {
    auto& transport = ws_.next_layer();
    if (!transport.is_tls()) return accept_websocket();
    transport.tcp_layer().expires_after(config_.handshake_timeout);
    transport.tls_stream().async_handshake(asio::ssl::stream_base::server, [self = shared_from_this()](error_code ec) {
      if (ec) {
        self->config_.log.info("TLS handshake with a child failed: {}", ec.message());
        return self->finish(ec);
      }
      self->accept_websocket();
    });
  });
}

HANABI_DECL void remote_link::accept_websocket() {
  ws_.next_layer().tcp_layer().expires_never();
  ws_.async_accept([self = shared_from_this()](error_code ec) {
    if (ec) {
      self->config_.log.debug("websocket handshake failed: {}", ec.message());
      return self->finish(ec);
    }
    self->start_core();
  });
}

HANABI_DECL void remote_link::run_connected() {
  on_strand([this] { start_core(); });
}

void remote_link::start_core() {
  fsm_.start(remote_clock::now());
  read();
  flush();
}

void remote_link::read() {
  ws_.async_read(buffer_, [self = shared_from_this()](error_code ec, std::size_t) { self->on_read(ec); });
}

void remote_link::on_read(error_code ec) {
  if (ec) {
    fsm_.on_transport_closed();
    flush();
    return finish(ec);
  }
  // A flat buffer holds the frame in one piece: the core reads it in place.
  auto data = buffer_.data();
  fsm_.on_frame(std::string_view(static_cast<const char*>(data.data()), data.size()), remote_clock::now());
  buffer_.consume(buffer_.size());
  // The frame's completions and answers first: re-arming the read tries the socket once more.
  flush();
  if (fsm_.state() != remote_state::closed && !finished_) read();
}

HANABI_DECL void remote_link::request(std::string op, nlohmann::json args, std::chrono::milliseconds timeout,
                                      completion h) {
  on_strand([this, op = std::move(op), args = std::move(args), timeout, h = std::move(h)]() mutable {
    auto id = fsm_.send_request(std::move(op), std::move(args), timeout, remote_clock::now());
    if (!id) return deliver(std::move(h), id.error().code, id.error().diag.client_message());
    waiting_.emplace(*id, std::move(h));
    flush();
  });
}

HANABI_DECL void remote_link::event(std::string op, nlohmann::json payload) {
  on_strand_now([this, op = std::move(op), payload = std::move(payload)]() mutable {
    auto sent = fsm_.send_event(op, std::move(payload));
    if (!sent) config_.log.debug("event '{}' dropped: {}", op, sent.error().what());
    flush();
  });
}

HANABI_DECL void remote_link::answer(std::uint64_t id, nlohmann::json result) {
  on_strand_now([this, id, result = std::move(result)]() mutable {
    fsm_.respond(id, std::move(result));
    flush();
  });
}

HANABI_DECL void remote_link::answer_error(std::uint64_t id, remote::remote_error err) {
  on_strand_now([this, id, err = std::move(err)]() mutable {
    fsm_.respond_error(id, std::move(err));
    flush();
  });
}

HANABI_DECL void remote_link::close(error reason, std::string message) {
  on_strand([this, reason, message = std::move(message)]() mutable {
    if (fsm_.state() == remote_state::idle) return finish(reason);  // never started: nothing to say goodbye on
    fsm_.close(reason, std::move(message));
    flush();
  });
}

HANABI_DECL remote_counters remote_link::counters() const {
  std::lock_guard<std::mutex> lock(counters_mutex_);
  return counters_;
}

HANABI_DECL remote::link_health remote_link::health() const {
  std::lock_guard<std::mutex> lock(counters_mutex_);
  return health_;
}

void remote_link::flush() {
  for (auto& action : fsm_.take_actions()) apply(action);
  {
    std::lock_guard<std::mutex> lock(counters_mutex_);
    counters_ = fsm_.counters();
    health_.up_since = fsm_.established_at();
    if (auto rtt = fsm_.heartbeat_round_trip())
      health_.round_trip = std::chrono::duration_cast<std::chrono::microseconds>(*rtt);
  }
  arm_timer();
}

void remote_link::apply(remote_action& action) {
  if (auto* s = std::get_if<remote_send>(&action)) {
    outbox_.push_back(std::move(s->frame));
    if (!writing_) write_next();
  } else if (auto* c = std::get_if<remote_completion>(&action)) {
    complete(c->id, c->ec, c->ec ? nlohmann::json(c->message) : std::move(c->result));
  } else if (auto* r = std::get_if<remote_incoming_request>(&action)) {
    auto it = handlers_->requests.find(r->req.op);
    if (it != handlers_->requests.end()) it->second(r->req.args, remote::responder(weak_from_this(), r->req.id));
  } else if (auto* e = std::get_if<remote_incoming_event>(&action)) {
    if (handlers_->on_event) handlers_->on_event(remote::link(shared_from_this()), e->ev);
  } else if (auto* up = std::get_if<remote_established>(&action)) {
    peer_ = std::move(up->peer);
    ready_ = std::move(up->ready);
    was_up_ = true;
    up_.store(true, std::memory_order_release);
    config_.log.info("link up: child '{}' ({}), parent '{}'", peer_.name, peer_.bot_id, ready_.parent_id);
    if (handlers_->on_up) handlers_->on_up(remote::link(shared_from_this()));
  } else if (auto* down = std::get_if<remote_close>(&action)) {
    config_.log.info("closing link: {} ({})", down->reason.message(), down->message);
    closing_ = std::move(*down);
    up_.store(false, std::memory_order_release);
    if (!writing_ || !closing_->graceful) close_transport();
  } else if (auto* pe = std::get_if<remote_peer_error>(&action)) {
    config_.log.warn("the peer reported an error: {} ({})", pe->error.message, pe->error.code);
  }
}

void remote_link::write_next() {
  writing_ = true;
  ws_.async_write(asio::buffer(outbox_.front()), [self = shared_from_this()](error_code ec, std::size_t) {
    self->writing_ = false;
    self->outbox_.pop_front();
    if (ec) {
      self->fsm_.on_transport_closed();
      self->flush();
      return self->finish(ec);
    }
    if (!self->outbox_.empty() && !self->finished_)
      self->write_next();
    else if (self->closing_)
      self->close_transport();
  });
}

// A graceful close sends the WebSocket close frame (bounded by the handshake
// timeout); an unresponsive peer just has its socket torn down.
void remote_link::close_transport() {
  if (finished_) return;
  if (!closing_->graceful) return finish({});
  websocket::close_reason why(websocket::close_code::normal, closing_->message.substr(0, 120));
  ws_.async_close(why, [self = shared_from_this()](error_code ec) { self->finish(ec); });
}

// Re-arms only when the core needs to wake earlier than the armed time: a wait
// that fires early just ticks and re-arms, which is far cheaper than resetting
// the timer for every request's (later) deadline.
void remote_link::arm_timer() {
  if (finished_) return;
  auto due = fsm_.next_wakeup();
  if (due >= armed_for_) return;
  armed_for_ = due;
  timer_.expires_at(due);
  timer_.async_wait([self = shared_from_this()](error_code ec) {
    if (ec == asio::error::operation_aborted) return;
    self->armed_for_ = remote_clock::time_point::max();
    self->fsm_.on_tick(remote_clock::now());
    self->flush();
  });
}

void remote_link::finish(error_code transport_error) {
  if (finished_) return;
  finished_ = true;
  up_.store(false, std::memory_order_release);
  timer_.cancel();
  error_code ignored;
  ws_.next_layer().tcp_layer().socket().close(ignored);
  // Requests the core never saw (posted after the close) still get an answer.
  for (auto& [id, h] : waiting_) deliver(std::move(h), error::connection_closed, "the link is closed");
  waiting_.clear();
  error_code reason = closing_ ? closing_->reason : transport_error;
  std::string message = closing_ ? closing_->message : transport_error.message();
  if (!closing_ && was_up_)
    reason = fsm_.config().role == remote_role::parent ? error_code(error::child_lost) : error_code(error::connection_closed);
  config_.log.info("link finished: {} ({})", reason.message(), message);
  if (was_up_ && handlers_->on_down) handlers_->on_down(remote::link(shared_from_this()), reason, message);
  if (on_finished_) on_finished_(reason, message);
}

void remote_link::complete(std::uint64_t id, error_code ec, nlohmann::json result) {
  auto it = waiting_.find(id);
  if (it == waiting_.end()) return;
  auto h = std::move(it->second);
  waiting_.erase(it);
  deliver(std::move(h), ec, std::move(result));
}

// The caller's handler runs on its own executor (the strand when it has none).
void remote_link::deliver(completion h, error_code ec, nlohmann::json result) {
  // Dispatch, not post: an erased handler's executor cannot be required to be non-blocking,
  // and this never runs inside the initiating call (requests are posted to the strand first).
  auto ex = asio::get_associated_executor(h, ws_.get_executor());
  asio::dispatch(ex, [h = std::move(h), ec, result = std::move(result)]() mutable { std::move(h)(ec, std::move(result)); });
}

}  // namespace hanabi::detail

namespace hanabi::remote {

HANABI_DECL void responder::ok(nlohmann::json result) const {
  if (auto l = link_.lock()) l->answer(id_, std::move(result));
}

HANABI_DECL void responder::fail(error code, std::string message) const {
  if (auto l = link_.lock()) l->answer_error(id_, make_remote_error(code, std::move(message)));
}

HANABI_DECL void link::start_request(const std::shared_ptr<hanabi::detail::remote_link>& impl, std::string op,
                                     nlohmann::json args, std::chrono::milliseconds timeout,
                                     request_handler_type handler) {
  if (!impl) {
    // Hop through the system executor so the handler never runs inside this call.
    boost::asio::post(boost::asio::system_executor(), [h = std::move(handler)]() mutable {
      auto ex = boost::asio::get_associated_executor(h);
      boost::asio::dispatch(ex, [h = std::move(h)]() mutable {
        std::move(h)(make_error_code(error::connection_closed), nlohmann::json("the link is not up"));
      });
    });
    return;
  }
  impl->request(std::move(op), std::move(args), timeout, std::move(handler));
}

HANABI_DECL void link::send_event(std::string op, nlohmann::json payload) const {
  if (impl_) impl_->event(std::move(op), std::move(payload));
}

HANABI_DECL void link::close(error reason, std::string message) const {
  if (impl_) impl_->close(reason, std::move(message));
}

HANABI_DECL const hello& link::peer() const { return impl_->peer(); }
HANABI_DECL const ready& link::parent_ready() const { return impl_->ready_info(); }
HANABI_DECL bool link::is_up() const noexcept { return impl_ && impl_->is_up(); }
HANABI_DECL hanabi::detail::remote_counters link::counters() const {
  return impl_ ? impl_->counters() : hanabi::detail::remote_counters{};
}
HANABI_DECL link_health link::health() const { return impl_ ? impl_->health() : link_health{}; }

}  // namespace hanabi::remote
