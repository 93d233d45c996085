// The child's control client: connect, hello, run the link, reconnect with backoff.
#pragma once

#include <hanabi/detail/remote_fsm_driver.hpp>
#include <hanabi/remote/client.hpp>
#include <hanabi/version.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <atomic>
#include <mutex>

namespace hanabi::detail {

class remote_client_state : public std::enable_shared_from_this<remote_client_state> {
 public:
  remote_client_state(boost::asio::any_io_executor ex, remote::client_config config)
      : strand_(boost::asio::make_strand(ex)), config_(std::move(config)), retry_timer_(strand_), done_timer_(strand_) {}

  // Wraps the owner's handlers so current() follows the link's life.
  void install(remote::link_handlers user) {
    auto handlers = std::make_shared<remote::link_handlers>(user);
    std::weak_ptr<remote_client_state> weak = weak_from_this();
    handlers->on_up = [weak, user_up = user.on_up](remote::link l) {
      if (auto self = weak.lock()) self->set_current(l);
      if (user_up) user_up(l);
    };
    handlers->on_down = [weak, user_down = user.on_down](remote::link l, error_code why, const std::string& msg) {
      if (auto self = weak.lock()) self->set_current({});
      if (user_down) user_down(l, why, msg);
    };
    handlers_ = std::move(handlers);
  }

  void run(boost::asio::any_completion_handler<void(error_code)> h) {
    boost::asio::co_spawn(strand_, run_loop(), [this, self = shared_from_this(), h = std::move(h)](
                                                   std::exception_ptr e, error_code ec) mutable {
      if (e) ec = boost::asio::error::fault;  // never let an exception escape into the caller's loop
      auto ex = boost::asio::get_associated_executor(h, strand_);
      boost::asio::dispatch(ex, [h = std::move(h), ec]() mutable { std::move(h)(ec); });
    });
  }

  void stop() {
    boost::asio::post(strand_, [self = shared_from_this()] {
      self->stopped_ = true;
      self->retry_timer_.cancel();
      if (self->link_) self->link_->close(error::connection_closed, "the child is shutting down");
    });
  }

  remote::link current() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return current_;
  }

  std::uint64_t registrations() const noexcept { return registrations_.load(); }

 private:
  using tcp = boost::asio::ip::tcp;
  static constexpr auto nothrow = boost::asio::as_tuple(boost::asio::use_awaitable);

  void set_current(remote::link l) {
    if (l) ++registrations_;
    std::lock_guard<std::mutex> lock(mutex_);
    current_ = std::move(l);
  }

  boost::asio::awaitable<error_code> run_loop() {
    auto backoff = config_.reconnect_initial;
    while (!stopped_) {
      auto before = registrations_.load();
      error_code why = co_await connect_and_serve();
      if (stopped_) break;
      if (why == error::authentication_failed || why == error::protocol_version_mismatch) {
        config_.link.log.error("the parent refused this child: {}", why.message());
        co_return why;
      }
      if (registrations_.load() != before) backoff = config_.reconnect_initial;
      config_.link.log.info("link to the parent lost ({}); reconnecting in {} ms", why.message(), backoff.count());
      retry_timer_.expires_after(backoff);
      co_await retry_timer_.async_wait(nothrow);
      backoff = std::min(backoff * 2, config_.reconnect_max);
    }
    co_return boost::asio::error::operation_aborted;
  }

  // One connection: dial, WebSocket handshake, then run the link until it finishes.
  boost::asio::awaitable<error_code> connect_and_serve() {
    tcp::resolver resolver(strand_);
    auto [rec, endpoints] = co_await resolver.async_resolve(config_.host, std::to_string(config_.port), nothrow);
    if (rec) co_return rec;
    boost::beast::tcp_stream stream(strand_);
    stream.expires_after(config_.link.handshake_timeout);
    auto [cec, ep] = co_await stream.async_connect(endpoints, nothrow);
    if (cec) co_return cec;
    error_code ignored;
    stream.socket().set_option(tcp::no_delay(true), ignored);  // A command is one small frame: no Nagle delay.
    auto transport = co_await secure(std::move(stream));
    if (!transport) co_return transport.error().code;
    transport->tcp_layer().expires_never();
    remote_ws ws(std::move(*transport));
    boost::beast::websocket::stream_base::timeout t;
    t.handshake_timeout = config_.link.handshake_timeout;
    t.idle_timeout = boost::beast::websocket::stream_base::none();
    t.keep_alive_pings = false;
    ws.set_option(t);
    auto [hec] = co_await ws.async_handshake(config_.host, config_.target, nothrow);
    if (hec) co_return hec;
    if (stopped_) co_return boost::asio::error::operation_aborted;

    error_code finished_reason;
    bool finished = false;
    link_ = std::make_shared<remote_link>(std::move(ws), fsm_config(), config_.link, handlers_,
                                          [this, &finished, &finished_reason](error_code why, const std::string&) {
                                            finished = true;
                                            finished_reason = why;
                                            done_timer_.cancel();
                                          });
    link_->run_connected();
    // The link runs on this strand, so its finish callback cannot slip in between the check and the wait.
    while (!finished) {
      done_timer_.expires_at(remote_clock::time_point::max());
      co_await done_timer_.async_wait(nothrow);
    }
    link_.reset();
    co_return finished_reason;
  }

  // TLS when configured: verifies the parent's certificate against tls_host, with the handshake timeout.
  boost::asio::awaitable<result<remote_stream>> secure(boost::beast::tcp_stream stream) {
    if (!config_.tls) co_return remote_stream(std::move(stream));
    remote_stream::tls tls(std::move(stream), *config_.tls);
    const std::string& name = config_.tls_host.empty() ? config_.host : config_.tls_host;
    // SNI takes DNS names only; an IP address is matched against the certificate's IP SANs.
    error_code not_ip;
    boost::asio::ip::make_address(name, not_ip);
    if (not_ip) SSL_set_tlsext_host_name(tls.native_handle(), name.c_str());
    if (config_.tls_verify) {
      tls.set_verify_mode(boost::asio::ssl::verify_peer);
      tls.set_verify_callback(boost::asio::ssl::host_name_verification(name));
    } else {
      tls.set_verify_mode(boost::asio::ssl::verify_none);
    }
    boost::beast::get_lowest_layer(tls).expires_after(config_.link.handshake_timeout);
    auto [ec] = co_await tls.async_handshake(boost::asio::ssl::stream_base::client, nothrow);
    if (ec) {
      config_.link.log.warn("TLS handshake with the parent failed: {}", ec.message());
      co_return failure{ec};
    }
    co_return remote_stream(std::move(tls));
  }

  remote_fsm_config fsm_config() const {
    remote_fsm_config fsm;
    fsm.role = remote_role::child;
    fsm.max_message_size = config_.link.max_message_size;
    fsm.max_missed_heartbeats = config_.link.max_missed_heartbeats;
    fsm.handshake_timeout = config_.link.handshake_timeout;
    fsm.default_request_timeout = config_.link.default_request_timeout;
    fsm.hello = remote::hello{remote::protocol_version, config_.bot_id,      config_.name,
                              std::string(client_name), config_.capabilities, config_.token};
    return fsm;
  }

  boost::asio::strand<boost::asio::any_io_executor> strand_;
  remote::client_config config_;
  boost::asio::steady_timer retry_timer_;
  boost::asio::steady_timer done_timer_;
  std::shared_ptr<const remote::link_handlers> handlers_;
  std::shared_ptr<remote_link> link_;
  bool stopped_ = false;
  std::atomic<std::uint64_t> registrations_{0};
  mutable std::mutex mutex_;
  remote::link current_;
};

}  // namespace hanabi::detail

namespace hanabi::remote {

HANABI_DECL client::client(boost::asio::any_io_executor ex, client_config config, link_handlers handlers)
    : state_(std::make_shared<hanabi::detail::remote_client_state>(ex, std::move(config))) {
  state_->install(std::move(handlers));
}

HANABI_DECL client::~client() { stop(); }

HANABI_DECL void client::stop() { state_->stop(); }
HANABI_DECL link client::current() const { return state_->current(); }
HANABI_DECL std::uint64_t client::registrations() const noexcept { return state_->registrations(); }

HANABI_DECL void client::start_run(const std::shared_ptr<hanabi::detail::remote_client_state>& state, run_handler h) {
  state->run(std::move(h));
}

}  // namespace hanabi::remote
