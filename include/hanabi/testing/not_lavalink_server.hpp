// Servers that are not a Lavalink node, for testing how a client fails against them: a plain
// web server that answers every request with `404 Not Found` (text/html), and a port with
// nothing listening. A client must report "not Lavalink" and "unreachable" for these, not hang
// or misread them.
//
// Threading: not_lavalink_server serves on its own thread, one connection at a time, from
// construction to destruction.
#pragma once

#include <hanabi/detail/config.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <cstdint>
#include <thread>

namespace hanabi::testing {

/// A web server on 127.0.0.1 (an ephemeral port) that is not Lavalink.
class not_lavalink_server {
 public:
  HANABI_DECL not_lavalink_server();
  /// Stops serving and joins the thread.
  HANABI_DECL ~not_lavalink_server();
  not_lavalink_server(const not_lavalink_server&) = delete;
  not_lavalink_server& operator=(const not_lavalink_server&) = delete;

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

 private:
  HANABI_DECL void serve();

  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

/// A port on 127.0.0.1 that nothing listens on (it was bound, then released). Another program
/// could take it in between; tests on one machine accept that tiny window.
HANABI_DECL std::uint16_t closed_port();

}  // namespace hanabi::testing

#ifdef HANABI_HEADER_ONLY
#  include <hanabi/impl/testing_not_lavalink_server.ipp>
#endif
