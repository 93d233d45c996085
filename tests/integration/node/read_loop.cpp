// The node's read loop (transport::ws_client::read_each) when a subscriber misbehaves.
#include "node_fixture.hpp"

#include <stdexcept>

using namespace hanabi;
using namespace hanabi::test;

TEST_CASE("a subscriber that throws ends async_run with an error, the exception does not escape") {
  testing::fake_node fake;
  fake.start();
  auto cfg = client_config(fake);
  cfg.reconnect.initial_delay = 0ms;
  client c(cfg);
  std::atomic<int> updates{0};
  c.node().subscribe({[&](const protocol::ws_message& m) {
                        if (!std::holds_alternative<protocol::player_update>(m)) return;
                        ++updates;
                        throw std::runtime_error("subscriber bug");
                      },
                      {},
                      {}});
  c.run();
  auto session = c.wait_ready();
  fake.send_raw(session, R"({"op":"playerUpdate","guildId":"7","state":{"time":1,"position":2,"connected":true,"ping":3}})");
  REQUIRE(c.run_future().wait_for(10s) == std::future_status::ready);
  bool failed = false;
  try {
    c.run_future().get();
  } catch (const boost::system::system_error& e) {
    failed = true;
    CHECK(e.code() == boost::system::errc::state_not_recoverable);
  }
  CHECK(failed);
  CHECK(updates == 1);
  CHECK(c.on_strand([&] { return c.node().counters().frames; }) >= 2);  // the io thread still runs handlers
}
