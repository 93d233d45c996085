// The parent's end of the control protocol: a WebSocket server that children
// dial into. Each accepted connection becomes its own link (own strand, own
// core, own timers); a child is registered under its hello name once its
// token is accepted, and unregistered when its link goes down.
//
//     remote::server srv(ioc.get_executor(), {.token = secret{"..."}}, handlers);
//     auto ep = srv.listen().value();           // 127.0.0.1:<ephemeral>
//     srv.find("child-1").async_request("play", args, 2s, asio::use_awaitable);
//
// Threading: listen() must not run concurrently with stop(); every other
// member is thread-safe. The registry's mutex only guards the map, never a
// network call, so a hung child never delays requests to another child.
#pragma once

#include <hanabi/detail/config.hpp>
#include <hanabi/diagnostics.hpp>
#include <hanabi/remote/link.hpp>
#include <hanabi/secret.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace hanabi::detail {
class remote_server_state;
}

namespace hanabi::remote {

/// How the parent listens and what it demands of children.
struct server_config {
  /// Address to bind; 127.0.0.1 unless children run on other hosts.
  std::string address = "127.0.0.1";
  /// Port to bind; 0 picks an ephemeral port (listen() returns it).
  unsigned short port = 0;
  /// The token every child must present. An empty token rejects every child.
  secret token;
  /// Identifies this parent run in ready; empty generates a random one.
  std::string parent_id;
  /// How often both sides send heartbeats (announced to each child in ready).
  std::chrono::milliseconds heartbeat_interval{5000};
  /// Limits and timeouts of every link.
  link_config link;
  /// When set, the server speaks TLS: every child must complete a TLS handshake against this
  /// context (which holds the certificate chain and private key, e.g. ssl::context::tls_server)
  /// before the WebSocket handshake. A failed TLS handshake closes the connection at once.
  std::shared_ptr<boost::asio::ssl::context> tls;
};

class server {
 public:
  /// `handlers` serve the children's requests and see their events and comings and goings.
  HANABI_DECL server(boost::asio::any_io_executor ex, server_config config, link_handlers handlers);
  /// Stops the server (see stop()).
  HANABI_DECL ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Binds, listens and starts accepting; returns the bound endpoint. May be retried after a failure.
  HANABI_DECL result<boost::asio::ip::tcp::endpoint> listen();

  /// Stops accepting and closes every link with a goodbye. Idempotent. Asynchronous:
  /// the port is released shortly after, on the executor.
  HANABI_DECL void stop();

  /// The registered child with this name; an empty link when there is none.
  HANABI_DECL link find(std::string_view name) const;

  /// Every registered child.
  HANABI_DECL std::vector<link> children() const;

  /// Connections refused for a bad token since the server started.
  HANABI_DECL std::uint64_t rejected_tokens() const noexcept;

  /// The parent id sent in ready.
  HANABI_DECL const std::string& parent_id() const noexcept;

 private:
  std::shared_ptr<hanabi::detail::remote_server_state> state_;
};

}  // namespace hanabi::remote

#ifdef HANABI_HEADER_ONLY
#  include <hanabi/impl/remote_server.ipp>
#endif
