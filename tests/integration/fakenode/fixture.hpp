// A started fake node with one connected WebSocket that has read its `ready`.
#pragma once

#include "raw_client.hpp"

#include <hanabi/testing/fake_node.hpp>

#include <catch2/catch.hpp>

namespace fakenode_test {

struct connected_node {
  explicit connected_node(hanabi::testing::fake_node_options o = {})
      : node(std::move(o)), port(node.start()), ws(port) {
    REQUIRE(ws.handshake_status() == 101);
    auto ready = ws.next_json();
    REQUIRE(ready["op"] == "ready");
    sid = ready["sessionId"].get<std::string>();
  }

  /// The next `event` message of this type, skipping playerUpdate and stats.
  nlohmann::json event(const std::string& type = {}) { return ws.next_of("event", type); }
  /// The next event, whatever its type (the order test needs to see each one).
  nlohmann::json any_event() { return ws.next_of("event"); }
  http_result play(std::int64_t guild, const std::string& identifier, nlohmann::json extra = nlohmann::json::object()) {
    extra["track"]["encoded"] = encoded_of(port, identifier);
    return patch_player(port, sid, guild, extra);
  }

  hanabi::testing::fake_node node;
  std::uint16_t port;
  ws_client ws;
  std::string sid;
};

}  // namespace fakenode_test
