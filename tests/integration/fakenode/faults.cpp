// Fault injection: dropped and closed sockets, failing and slow REST, bad frames, a delayed
// ready, a killed node, a playerUpdate flood, and the graceful shutdown.
#include "fixture.hpp"

#include <future>
#include <set>

using namespace fakenode_test;
using hanabi::testing::fake_node;
using hanabi::testing::fake_node_options;
using nlohmann::json;

TEST_CASE("drop_websocket closes the TCP connection without a close frame, now or later") {
  connected_node n;
  n.node.drop_websocket(n.sid);
  while (n.ws.next()) {
  }
  CHECK(n.ws.close_code() == 0);

  connected_node later;
  later.node.drop_websocket({}, std::chrono::milliseconds(20));
  while (later.ws.next()) {
  }
  CHECK(later.ws.close_code() == 0);
}

TEST_CASE("drop_after drops every WebSocket after its ready") {
  fake_node_options o;
  o.faults.drop_after = std::chrono::milliseconds(10);
  connected_node n{o};
  while (n.ws.next()) {
  }
  CHECK(n.ws.close_code() == 0);
}

TEST_CASE("close_websocket sends a close frame with the given code") {
  connected_node n;
  n.node.close_websocket(n.sid, 4000, "test close");
  while (n.ws.next()) {
  }
  CHECK(n.ws.close_code() == 4000);
}

TEST_CASE("stop() closes every WebSocket with 1001, like a Lavalink shutdown") {
  connected_node n;
  auto stopping = std::async(std::launch::async, [&] { n.node.stop(); });
  while (n.ws.next()) {
  }
  stopping.get();
  CHECK(n.ws.close_code() == 1001);
}

TEST_CASE("fail_every_nth_rest fails every Nth call with a Spring error body") {
  fake_node node;
  auto port = node.start();
  node.fail_every_nth_rest(3, 503);
  std::vector<unsigned> statuses;
  for (int i = 0; i < 6; ++i) statuses.push_back(rest(port, "GET", "/v4/info").status);
  CHECK(statuses == std::vector<unsigned>{200, 200, 503, 200, 200, 503});
  node.fail_every_nth_rest(1);
  auto failed = rest(port, "GET", "/v4/stats");
  CHECK(failed.status == 500);
  CHECK(failed.json()["status"] == 500);
  CHECK(failed.json()["path"] == "/v4/stats");
  CHECK(node.counters().injected_rest_failures == 3);
}

TEST_CASE("set_rest_delay holds REST responses back while the WebSocket goes on") {
  connected_node n;
  n.node.set_rest_delay(std::chrono::milliseconds(3000));
  auto blob = [&] {
    n.node.set_rest_delay(std::chrono::milliseconds(0));
    auto b = encoded_of(n.port, "fake:track:a");
    n.node.set_rest_delay(std::chrono::milliseconds(3000));
    return b;
  }();
  auto reply = std::async(std::launch::async, [&] { return patch_player(n.port, n.sid, 1, {{"track", {{"encoded", blob}}}}); });
  CHECK(n.event("TrackStartEvent")["guildId"] == "1");
  // The event came through while the response is still held back.
  CHECK(reply.wait_for(std::chrono::seconds(0)) == std::future_status::timeout);
  CHECK(reply.get().status == 200);
}

TEST_CASE("a delayed ready still comes first") {
  fake_node_options o;
  o.faults.ready_delay = std::chrono::milliseconds(50);
  fake_node node{o};
  auto port = node.start();
  ws_client ws(port);
  REQUIRE(ws.handshake_status() == 101);
  CHECK(ws.next_json()["op"] == "ready");
  CHECK(ws.next_json()["op"] == "stats");
}

TEST_CASE("malformed, oversized and unknown-op frames are sent as asked") {
  connected_node n;
  n.node.send_malformed_frame(n.sid);
  n.node.send_oversized_frame(n.sid, 2 * 1024 * 1024);
  n.node.send_unknown_op(n.sid);
  n.node.send_raw(n.sid, R"({"op":"custom"})");
  std::vector<std::string> frames;
  while (frames.size() < 4) {
    auto m = n.ws.next();
    REQUIRE(m);
    if (m->find("\"op\":\"stats\",\"players\"") != std::string::npos) continue;  // the regular stats
    frames.push_back(*m);
  }
  CHECK(json::parse(frames[0], nullptr, false).is_discarded());
  CHECK(frames[1].size() >= 2 * 1024 * 1024 - 64);
  CHECK(json::parse(frames[1])["op"] == "stats");
  CHECK(json::parse(frames[2])["op"] == "fakeUnknownOp");
  CHECK(frames[3] == R"({"op":"custom"})");
}

TEST_CASE("kill() drops every socket and forgets every session, and the node comes back") {
  connected_node n;
  patch_player(n.port, n.sid, 1, json::object());
  n.node.kill();
  while (n.ws.next()) {
  }
  CHECK(n.ws.close_code() == 0);
  CHECK(n.node.sessions().empty());
  CHECK(n.node.websocket_count() == 0);
  CHECK(rest(n.port, "GET", "/v4/sessions/" + n.sid + "/players").status == 404);
  ws_client::options o;
  o.session_id = n.sid;
  ws_client again(n.port, o);
  CHECK(again.handshake_header("Session-Resumed") == "false");
  CHECK(again.next_of("ready")["sessionId"] != n.sid);
}

TEST_CASE("flood queues 50,000 playerUpdates over 1,000 guilds") {
  connected_node n;
  n.node.flood(n.sid, {.players = 1000, .messages = 50'000, .rate = 0});
  std::set<std::string> guilds;
  std::size_t updates = 0;
  while (updates < 50'000) {
    auto m = n.ws.next_json();
    if (m["op"] != "playerUpdate") continue;
    ++updates;
    guilds.insert(m["guildId"].get<std::string>());
  }
  CHECK(guilds.size() == 1000);
  CHECK(guilds.count("1") == 1);
  CHECK(guilds.count("1000") == 1);
  CHECK(n.node.counters().frames_sent >= 50'000);
}

TEST_CASE("a paced flood sends every message") {
  connected_node n;
  n.node.flood(n.sid, {.players = 10, .messages = 300, .rate = 20'000});
  std::size_t updates = 0;
  while (updates < 300)
    if (n.ws.next_json()["op"] == "playerUpdate") ++updates;
  CHECK(updates == 300);
}
