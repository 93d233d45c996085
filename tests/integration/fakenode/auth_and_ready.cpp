// Authentication (PROTOCOL.md §3), the WebSocket handshake (§4.1) and `ready` (§6.1).
#include "fixture.hpp"

#include <regex>

using namespace fakenode_test;
using hanabi::testing::fake_node;

TEST_CASE("REST refuses a missing password with 401 and a wrong one with 403, both without a body") {
  fake_node node;
  auto port = node.start();
  for (std::string target : {"/version", "/v4/info", "/v4/stats", "/v4/loadtracks?identifier=fake:empty",
                             "/v4/sessions/abc/players", "/v4/nothing-here"}) {
    INFO(target);
    auto missing = rest(port, "GET", target, std::nullopt);
    CHECK(missing.status == 401);
    CHECK(missing.body.empty());
    CHECK(missing.headers["lavalink-api-version"] == "4");
    auto wrong = rest(port, "GET", target, "not the password");
    CHECK(wrong.status == 403);
    CHECK(wrong.body.empty());
    CHECK(wrong.headers["lavalink-api-version"] == "4");
  }
  auto ok = rest(port, "GET", "/version");
  CHECK(ok.status == 200);
  CHECK(ok.body == "4.2.2");
  CHECK(ok.headers["content-type"].rfind("text/plain", 0) == 0);
  CHECK(ok.headers["lavalink-api-version"] == "4");
}

TEST_CASE("the WebSocket handshake refuses a bad password with 401 and a bad User-Id with 400") {
  fake_node node;
  auto port = node.start();
  auto refused = [&](ws_client::options o) { return ws_client(port, std::move(o)).handshake_status(); };
  ws_client::options no_auth;
  no_auth.auth.reset();
  CHECK(refused(no_auth) == 401);
  ws_client::options wrong;
  wrong.auth = "wrong";
  CHECK(refused(wrong) == 401);
  for (std::optional<std::string> user : {std::optional<std::string>{}, std::optional<std::string>{""},
                                          std::optional<std::string>{"0"}, std::optional<std::string>{"abc"}}) {
    ws_client::options o;
    o.user_id = user;
    CHECK(refused(o) == 400);
  }
  CHECK(node.counters().websocket_rejections == 6);
  CHECK(node.sessions().empty());
}

TEST_CASE("a good handshake answers 101 with Session-Resumed false, then ready, then stats") {
  fake_node node;
  auto port = node.start();
  ws_client ws(port);
  REQUIRE(ws.handshake_status() == 101);
  CHECK(ws.handshake_header("Session-Resumed") == "false");
  CHECK(ws.handshake_header("Lavalink-Api-Version") == "4");
  auto ready = ws.next_json();
  CHECK(ready["op"] == "ready");
  CHECK(ready["resumed"] == false);
  auto sid = ready["sessionId"].get<std::string>();
  CHECK(std::regex_match(sid, std::regex("[a-z0-9]{16}")));
  auto stats = ws.next_json();
  CHECK(stats["op"] == "stats");
  CHECK(stats["players"] == 0);
  CHECK(stats["playingPlayers"] == 0);
  CHECK(stats.contains("frameStats"));
  CHECK(stats["frameStats"].is_null());
  CHECK(stats["memory"].contains("reservable"));
  CHECK(stats["cpu"]["cores"].is_number_integer());

  auto sessions = node.sessions();
  REQUIRE(sessions.size() == 1);
  CHECK(sessions[0].id == sid);
  CHECK(sessions[0].connected);
  CHECK(sessions[0].user_id == 170939974227541168ull);
  CHECK(sessions[0].client_name == "hanabi-tests/1.0");
  CHECK(node.websocket_count() == 1);
  CHECK(node.counters().websocket_handshakes == 1);
}

TEST_CASE("each connection gets its own session, client frames are ignored") {
  fake_node node;
  auto port = node.start();
  ws_client a(port), b(port);
  auto sa = a.next_of("ready")["sessionId"], sb = b.next_of("ready")["sessionId"];
  CHECK(sa != sb);
  CHECK(node.sessions().size() == 2);
  CHECK(node.websocket_count() == 2);
}
