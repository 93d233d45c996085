// The parent's control server: accept loop and child registry.
#pragma once

#include <hanabi/detail/remote_fsm_driver.hpp>
#include <hanabi/remote/server.hpp>

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include <fmt/format.h>

#include <fcntl.h>

#include <map>
#include <mutex>
#include <random>

namespace hanabi::detail {

class remote_server_state : public std::enable_shared_from_this<remote_server_state> {
 public:
  remote_server_state(boost::asio::any_io_executor ex, remote::server_config config)
      : executor_(ex), acceptor_(boost::asio::make_strand(ex)), config_(std::move(config)) {
    if (config_.parent_id.empty()) config_.parent_id = random_id();
  }

  // Wraps the owner's handlers so the registry follows every link's life.
  void install(remote::link_handlers user) {
    auto handlers = std::make_shared<remote::link_handlers>(user);
    std::weak_ptr<remote_server_state> weak = weak_from_this();
    handlers->on_up = [weak, user_up = user.on_up](remote::link l) {
      if (auto self = weak.lock()) self->registered(l);
      if (user_up) user_up(l);
    };
    handlers->on_down = [weak, user_down = user.on_down](remote::link l, error_code why, const std::string& msg) {
      if (auto self = weak.lock()) self->unregistered(l);
      if (user_down) user_down(l, why, msg);
    };
    handlers_ = std::move(handlers);
  }

  result<boost::asio::ip::tcp::endpoint> listen() {
    namespace ip = boost::asio::ip;
    error_code ec;
    auto address = ip::make_address(config_.address, ec);
    if (ec) return failure{error::invalid_argument, fmt::format("'{}' is not an IP address", config_.address)};
    ip::tcp::endpoint ep(address, config_.port);
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.set_option(ip::tcp::acceptor::reuse_address(true), ec);
    if (!ec) keep_from_children(acceptor_.native_handle());
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(boost::asio::socket_base::max_listen_connections, ec);
    if (ec) {
      error_code ignored;
      acceptor_.close(ignored);  // so that listen() may be tried again
      return failure{ec, diagnostics{fmt::format("cannot listen on {}:{}", config_.address, config_.port)}};
    }
    auto bound = acceptor_.local_endpoint(ec);
    if (ec) return failure{ec};
    config_.link.log.info("control server listening on {}:{}", bound.address().to_string(), bound.port());
    accept();
    return bound;
  }

  void stop() {
    boost::asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
      error_code ignored;
      self->acceptor_.close(ignored);
      std::vector<std::shared_ptr<remote_link>> live;
      {
        std::lock_guard<std::mutex> lock(self->mutex_);
        for (auto& w : self->connections_)
          if (auto l = w.lock()) live.push_back(std::move(l));
        self->connections_.clear();
      }
      for (auto& l : live) l->close(error::connection_closed, "the parent is shutting down");
    });
  }

  remote::link find(std::string_view name) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = children_.find(name);
    return it == children_.end() ? remote::link{} : it->second;
  }

  std::vector<remote::link> children() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<remote::link> out;
    for (auto& [name, l] : children_) out.push_back(l);
    return out;
  }

  std::uint64_t rejected_tokens() const noexcept { return rejected_tokens_.load(); }
  const std::string& parent_id() const noexcept { return config_.parent_id; }

 private:
  // A parent spawns its children; without close-on-exec they would inherit the
  // listening socket (keeping the port bound after the parent dies) and every
  // link socket (so a dead sibling's connection would never read as closed).
  static void keep_from_children(int fd) {
    int flags = ::fcntl(fd, F_GETFD);
    if (flags >= 0) ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
  }

  static std::string random_id() {
    std::random_device rd;
    return fmt::format("{:08x}{:08x}", rd(), rd());
  }

  void accept() {
    acceptor_.async_accept(boost::asio::make_strand(executor_),
                           [self = shared_from_this()](error_code ec, boost::asio::ip::tcp::socket socket) {
                             if (!self->acceptor_.is_open()) return;
                             if (ec) {
                               self->config_.link.log.warn("accept failed: {}", ec.message());
                             } else {
                               keep_from_children(socket.native_handle());
                               self->adopt(std::move(socket));
                             }
                             self->accept();
                           });
  }

  void adopt(boost::asio::ip::tcp::socket socket) {
    remote_fsm_config fsm;
    fsm.role = remote_role::parent;
    fsm.max_message_size = config_.link.max_message_size;
    fsm.max_missed_heartbeats = config_.link.max_missed_heartbeats;
    fsm.handshake_timeout = config_.link.handshake_timeout;
    fsm.default_request_timeout = config_.link.default_request_timeout;
    fsm.token = config_.token;
    fsm.heartbeat_interval = config_.heartbeat_interval;
    fsm.parent_id = config_.parent_id;
    std::weak_ptr<remote_server_state> weak = weak_from_this();
    error_code ignored;
    socket.set_option(boost::asio::ip::tcp::no_delay(true), ignored);  // A command is one small frame: no Nagle delay.
    auto l = std::make_shared<remote_link>(transport(std::move(socket)), std::move(fsm), config_.link, handlers_,
                                           [weak](error_code why, const std::string&) {
                                             auto self = weak.lock();
                                             if (self && why == error::authentication_failed) ++self->rejected_tokens_;
                                           });
    {
      std::lock_guard<std::mutex> lock(mutex_);
      std::erase_if(connections_, [](auto& w) { return w.expired(); });
      connections_.push_back(l);
    }
    l->run_accept();
  }

  remote_ws transport(boost::asio::ip::tcp::socket socket) {
    boost::beast::tcp_stream tcp(std::move(socket));
    if (!config_.tls) return remote_ws(remote_stream(std::move(tcp)));
    return remote_ws(remote_stream(remote_stream::tls(std::move(tcp), *config_.tls)));
  }

  // A child that reconnects replaces its old link, which may not have noticed the drop yet.
  void registered(const remote::link& l) {
    remote::link old;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto& slot = children_[l.peer().name];
      if (slot && slot != l) old = slot;
      slot = l;
    }
    if (old) old.close(error::link_replaced, "a newer connection from this child took over");
  }

  void unregistered(const remote::link& l) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = children_.find(l.peer().name);
    if (it != children_.end() && it->second == l) children_.erase(it);
  }

  boost::asio::any_io_executor executor_;
  boost::asio::ip::tcp::acceptor acceptor_;
  remote::server_config config_;
  std::shared_ptr<const remote::link_handlers> handlers_;
  mutable std::mutex mutex_;
  std::map<std::string, remote::link, std::less<>> children_;
  std::vector<std::weak_ptr<remote_link>> connections_;
  std::atomic<std::uint64_t> rejected_tokens_{0};
};

}  // namespace hanabi::detail

namespace hanabi::remote {

HANABI_DECL server::server(boost::asio::any_io_executor ex, server_config config, link_handlers handlers)
    : state_(std::make_shared<hanabi::detail::remote_server_state>(ex, std::move(config))) {
  state_->install(std::move(handlers));
}

HANABI_DECL server::~server() { stop(); }

HANABI_DECL result<boost::asio::ip::tcp::endpoint> server::listen() { return state_->listen(); }
HANABI_DECL void server::stop() { state_->stop(); }
HANABI_DECL link server::find(std::string_view name) const { return state_->find(name); }
HANABI_DECL std::vector<link> server::children() const { return state_->children(); }
HANABI_DECL std::uint64_t server::rejected_tokens() const noexcept { return state_->rejected_tokens(); }
HANABI_DECL const std::string& server::parent_id() const noexcept { return state_->parent_id(); }

}  // namespace hanabi::remote
