// not_lavalink_server and closed_port.
#pragma once

#include <hanabi/testing/not_lavalink_server.hpp>

#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <boost/system/error_code.hpp>

#include <string_view>

namespace hanabi::testing {

HANABI_DECL not_lavalink_server::not_lavalink_server()
    : acceptor_(ioc_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
  thread_ = std::thread([this] { serve(); });
}

HANABI_DECL not_lavalink_server::~not_lavalink_server() {
  // A blocking accept() is not woken by closing the acceptor from another thread: flag the
  // stop, then knock once.
  stopping_ = true;
  boost::system::error_code ignored;
  boost::asio::io_context knock;
  boost::asio::ip::tcp::socket s(knock);
  s.connect({boost::asio::ip::make_address("127.0.0.1"), port()}, ignored);
  thread_.join();
}

HANABI_DECL void not_lavalink_server::serve() {
  static constexpr std::string_view reply =
      "HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: 9\r\nConnection: close\r\n\r\nNot here.";
  for (;;) {
    boost::system::error_code ec;
    boost::asio::ip::tcp::socket s(ioc_);
    acceptor_.accept(s, ec);
    if (ec || stopping_) return;
    boost::asio::streambuf request;
    boost::asio::read_until(s, request, "\r\n\r\n", ec);
    boost::asio::write(s, boost::asio::buffer(reply), ec);
  }
}

HANABI_DECL std::uint16_t closed_port() {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor a(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

}  // namespace hanabi::testing
