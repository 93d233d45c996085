// Sessions and resuming (PROTOCOL.md §5).
#include "fixture.hpp"

#include <set>

using namespace fakenode_test;
using hanabi::testing::fake_node_options;
using nlohmann::json;

namespace {

void enable_resuming(connected_node& n, int timeout) {
  auto r = rest(n.port, "PATCH", "/v4/sessions/" + n.sid, password, json({{"resuming", true}, {"timeout", timeout}}).dump());
  REQUIRE(r.json() == json({{"resuming", true}, {"timeout", timeout}}));
}

/// Closes the client side and waits until the node has noticed.
void disconnect(connected_node& n) {
  n.ws.close();
  REQUIRE(eventually([&] {
    auto s = n.node.session(n.sid);
    return !s || !s->connected;
  }));
}

ws_client resume(connected_node& n, const std::string& sid) {
  ws_client::options o;
  o.session_id = sid;
  return ws_client(n.port, o);
}

}  // namespace

TEST_CASE("without resuming, closing the WebSocket destroys the session and its players") {
  connected_node n;
  n.play(1, "fake:track:a");
  disconnect(n);
  CHECK_FALSE(n.node.session(n.sid).has_value());
  CHECK(rest(n.port, "GET", "/v4/sessions/" + n.sid + "/players").status == 404);
  auto again = resume(n, n.sid);
  CHECK(again.handshake_header("Session-Resumed") == "false");
  auto ready = again.next_of("ready");
  CHECK(ready["resumed"] == false);
  CHECK(ready["sessionId"] != n.sid);
}

TEST_CASE("resume inside the timeout: same session, queued events replayed in order, then one playerUpdate per player") {
  connected_node n;
  enable_resuming(n, 60);
  n.play(1, "fake:track:a");
  patch_player(n.port, n.sid, 2, json::object());
  disconnect(n);
  auto paused = n.node.session(n.sid);
  REQUIRE(paused);
  CHECK(paused->players.size() == 2);
  // Lavalink keeps working while nobody listens: these are queued.
  n.node.close_voice(n.sid, 1, 4014, "Disconnected.", true);
  n.node.cleanup_track(n.sid, 1);
  CHECK(n.node.session(n.sid)->queued_messages == 3);  // the event, its playerUpdate, the end

  auto ws = resume(n, n.sid);
  REQUIRE(ws.handshake_status() == 101);
  CHECK(ws.handshake_header("Session-Resumed") == "true");
  auto ready = ws.next_json();
  CHECK(ready == json({{"op", "ready"}, {"resumed", true}, {"sessionId", n.sid}}));
  auto closed = ws.next_json();
  CHECK(closed["type"] == "WebSocketClosedEvent");
  CHECK(closed["code"] == 4014);
  CHECK(ws.next_json()["op"] == "playerUpdate");
  auto end = ws.next_json();
  CHECK(end["type"] == "TrackEndEvent");
  CHECK(end["reason"] == "cleanup");
  std::set<std::string> fresh;
  for (int i = 0; i < 2; ++i) {
    auto u = ws.next_json();
    CHECK(u["op"] == "playerUpdate");
    fresh.insert(u["guildId"].get<std::string>());
  }
  CHECK(fresh == std::set<std::string>{"1", "2"});
  CHECK(rest(n.port, "GET", "/v4/sessions/" + n.sid + "/players").json().size() == 2);
  CHECK(n.node.session(n.sid)->connected);
}

TEST_CASE("a paused session queues stats but skips periodic playerUpdates") {
  fake_node_options o;
  o.stats_interval = std::chrono::milliseconds(2);
  o.player_update_interval = std::chrono::milliseconds(1);
  connected_node n{o};
  enable_resuming(n, 60);
  n.play(1, "fake:track:a:600000");
  disconnect(n);
  REQUIRE(eventually([&] { return n.node.session(n.sid)->queued_messages >= 5; }));
  auto ws = resume(n, n.sid);
  CHECK(ws.next_json()["op"] == "ready");
  // Everything replayed is stats: the periodic updates of the paused time were dropped.
  int stats = 0;
  for (;;) {
    auto m = ws.next_json();
    if (m["op"] != "stats") {
      CHECK(m["op"] == "playerUpdate");  // the one fresh playerUpdate after the replay
      break;
    }
    ++stats;
  }
  CHECK(stats >= 5);
}

TEST_CASE("resume after the timeout: a new session, and the old players are gone") {
  fake_node_options o;
  o.time_scale = 1000;  // the 1 s timeout passes in 1 ms
  connected_node n{o};
  enable_resuming(n, 1);
  patch_player(n.port, n.sid, 1, json::object());
  disconnect(n);
  REQUIRE(eventually([&] { return !n.node.session(n.sid).has_value(); }));
  auto ws = resume(n, n.sid);
  CHECK(ws.handshake_header("Session-Resumed") == "false");
  auto ready = ws.next_json();
  CHECK(ready["resumed"] == false);
  CHECK(ready["sessionId"] != n.sid);
  CHECK(rest(n.port, "GET", "/v4/sessions/" + n.sid + "/players").status == 404);
  CHECK(rest(n.port, "GET", "/v4/sessions/" + ready["sessionId"].get<std::string>() + "/players").json() == json::array());
}

TEST_CASE("a Session-Id of a connected session is not resumed") {
  connected_node n;
  enable_resuming(n, 60);
  auto second = resume(n, n.sid);
  CHECK(second.handshake_header("Session-Resumed") == "false");
  CHECK(second.next_of("ready")["sessionId"] != n.sid);
}
