// TLS to a fake node with a self-signed certificate made at test time.
#include "node_fixture.hpp"

#include <hanabi/testing/self_signed.hpp>

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>

using namespace hanabi;
using namespace hanabi::test;
using hanabi::cancel_after;
using boost::asio::use_future;

TEST_CASE("TLS: a self-signed node is rejected without trust and accepted with its CA") {
  testing::fake_node_options fo;
  fo.tls = testing::make_self_signed();
  testing::fake_node fake(fo);
  fake.start();
  REQUIRE(fake.base_url().rfind("https://", 0) == 0);

  auto untrusting = client_config(fake);
  untrusting.tls_context = std::make_shared<boost::asio::ssl::context>(boost::asio::ssl::context::tls_client);
  untrusting.tls_context->set_verify_mode(boost::asio::ssl::verify_peer);
  untrusting.reconnect.initial_delay = 0ms;
  {
    client c(untrusting);
    auto ec = failure_of(c.node().async_version(cancel_after(5s, use_future)));
    CHECK(ec.category() == boost::asio::error::get_ssl_category());
    c.run();  // the WebSocket is refused the same way
    REQUIRE(c.run_future().wait_for(10s) == std::future_status::ready);
    CHECK(failure_of(c.run_future()).category() == boost::asio::error::get_ssl_category());
    CHECK(fake.counters().websocket_handshakes == 0);
  }

  auto trusting = client_config(fake);
  trusting.tls_context = std::make_shared<boost::asio::ssl::context>(boost::asio::ssl::context::tls_client);
  trusting.tls_context->set_verify_mode(boost::asio::ssl::verify_peer);
  trusting.tls_context->add_certificate_authority(boost::asio::buffer(fo.tls->certificate_pem));
  client c(trusting);
  CHECK(c.node().async_version(cancel_after(5s, use_future)).get() == fo.version);
  c.run();
  auto session = c.wait_ready();
  CHECK(fake.session(session).has_value());
  CHECK(c.node().async_get_players(cancel_after(5s, use_future)).get().empty());
}
