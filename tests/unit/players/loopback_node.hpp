// A hanabi::node running against a fake Lavalink node and added to a pool, as the pool's
// loopback tests (tests/integration/players) and benchmarks (bench/players) set them up.
#pragma once

#include <hanabi/node/node_pool.hpp>
#include <hanabi/testing/fake_node.hpp>

#include <boost/asio/io_context.hpp>

#include <fmt/format.h>

#include <chrono>
#include <memory>

namespace hanabi::test {

/// Starts "node-<index>" on `io` against `fake` (started) and adds it to `pool`. Reconnects
/// are quick (20 to 100 ms), so a dropped or killed node is retried at once; logs are off.
inline std::shared_ptr<node> start_pooled_node(asio::io_context& io, node_pool& pool, const testing::fake_node& fake,
                                               int index, user_id bot) {
  node_config c;
  c.name = fmt::format("node-{}", index);
  c.url = fake.base_url();
  c.password = secret{fake.options().password};
  c.user = bot;
  c.reconnect.initial_delay = std::chrono::milliseconds{20};
  c.reconnect.max_delay = std::chrono::milliseconds{100};
  c.log = logger::none();
  auto n = std::make_shared<node>(io.get_executor(), c);
  n->async_run([](error_code) {});
  pool.add_node(n);
  return n;
}

}  // namespace hanabi::test
