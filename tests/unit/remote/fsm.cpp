// Step-by-step tests of the control link's sans-I/O core: two cores wired
// back to back by moving frames by hand, with time as a plain input.
#include <hanabi/detail/remote_fsm.hpp>
#include <hanabi/remote/codec.hpp>

#include <catch2/catch.hpp>

using namespace hanabi;
using namespace hanabi::detail;
using namespace hanabi::remote;
using namespace std::chrono_literals;

namespace {

using time_point = remote_clock::time_point;
const time_point t0{};

remote_fsm_config parent_config() {
  remote_fsm_config c;
  c.role = remote_role::parent;
  c.token = secret{"correct horse"};
  c.heartbeat_interval = 1000ms;
  c.parent_id = "parent-1";
  c.max_message_size = 4096;
  return c;
}

remote_fsm_config child_config(std::string token = "correct horse") {
  remote_fsm_config c;
  c.role = remote_role::child;
  c.hello = hello{protocol_version, user_id{42}, "child-1", "hanabi/0.1.0", {"echo"}, secret{std::move(token)}};
  c.max_message_size = 4096;
  return c;
}

template <class T>
std::vector<T> only(const std::vector<remote_action>& actions) {
  std::vector<T> out;
  for (auto& a : actions)
    if (auto* p = std::get_if<T>(&a)) out.push_back(*p);
  return out;
}

std::vector<message> sent(const std::vector<remote_action>& actions) {
  std::vector<message> out;
  for (auto& s : only<remote_send>(actions)) {
    auto m = decode(s.frame);
    REQUIRE(m.has_value());
    out.push_back(*m);
  }
  return out;
}

// Delivers every frame `from` produced to `to`; returns from's other actions.
std::vector<remote_action> deliver(remote_fsm& from, remote_fsm& to, time_point now) {
  std::vector<remote_action> rest;
  for (auto& a : from.take_actions()) {
    if (auto* s = std::get_if<remote_send>(&a))
      to.on_frame(s->frame, now);
    else
      rest.push_back(std::move(a));
  }
  return rest;
}

// A parent and a child through the handshake, their queues drained.
struct linked_pair {
  remote_fsm parent{parent_config()};
  remote_fsm child{child_config()};
  linked_pair() {
    parent.start(t0);
    child.start(t0);
    deliver(child, parent, t0);
    deliver(parent, child, t0);
    child.take_actions();
    REQUIRE(parent.state() == remote_state::established);
    REQUIRE(child.state() == remote_state::established);
  }
};

}  // namespace

TEST_CASE("handshake: hello with the right token gets ready, both sides learn about each other") {
  remote_fsm parent(parent_config());
  remote_fsm child(child_config());
  parent.start(t0);
  CHECK(parent.state() == remote_state::awaiting_hello);
  CHECK(parent.take_actions().empty());

  child.start(t0);
  CHECK(child.state() == remote_state::awaiting_ready);
  auto child_out = child.take_actions();
  auto hellos = sent(child_out);
  REQUIRE(hellos.size() == 1);
  CHECK(std::get<hello>(hellos[0]).name == "child-1");

  parent.on_frame(only<remote_send>(child_out)[0].frame, t0 + 10ms);
  auto parent_out = parent.take_actions();
  auto readies = sent(parent_out);
  REQUIRE(readies.size() == 1);
  CHECK(std::get<ready>(readies[0]) == ready{protocol_version, 1000ms, "parent-1"});
  auto up = only<remote_established>(parent_out);
  REQUIRE(up.size() == 1);
  CHECK(up[0].peer.name == "child-1");
  CHECK(up[0].peer.bot_id == user_id{42});
  CHECK(up[0].peer.token.empty());  // the owner never sees the secret
  CHECK(parent.state() == remote_state::established);

  child.on_frame(only<remote_send>(parent_out)[0].frame, t0 + 20ms);
  auto child_up = only<remote_established>(child.take_actions());
  REQUIRE(child_up.size() == 1);
  CHECK(child_up[0].ready.parent_id == "parent-1");
  CHECK(child.state() == remote_state::established);
  CHECK(child.heartbeat_interval() == 1000ms);  // adopted from ready
}

TEST_CASE("handshake: a bad token is closed with a reason and counted") {
  remote_fsm parent(parent_config());
  remote_fsm child(child_config("wrong horse"));
  parent.start(t0);
  child.start(t0);
  deliver(child, parent, t0);
  auto parent_out = parent.take_actions();
  auto msgs = sent(parent_out);
  REQUIRE(msgs.size() == 1);
  CHECK(std::get<goodbye>(msgs[0]).reason.code == static_cast<int>(error::authentication_failed));
  auto closes = only<remote_close>(parent_out);
  REQUIRE(closes.size() == 1);
  CHECK(closes[0].reason == error::authentication_failed);
  CHECK(only<remote_established>(parent_out).empty());
  CHECK(parent.counters().bad_tokens == 1);
  CHECK(parent.state() == remote_state::closed);

  // The child learns why.
  child.on_frame(only<remote_send>(parent_out)[0].frame, t0);
  auto child_closes = only<remote_close>(child.take_actions());
  REQUIRE(child_closes.size() == 1);
  CHECK(child_closes[0].reason == error::authentication_failed);
  CHECK(child.state() == remote_state::closed);
}

TEST_CASE("handshake: a parent without a configured token rejects every child") {
  auto cfg = parent_config();
  cfg.token = secret{};
  remote_fsm parent(cfg);
  remote_fsm child(child_config(""));
  parent.start(t0);
  child.start(t0);
  deliver(child, parent, t0);
  CHECK(only<remote_close>(parent.take_actions()).at(0).reason == error::authentication_failed);
  CHECK(parent.counters().bad_tokens == 1);
}

TEST_CASE("handshake: an unsupported version is refused with protocol_version_mismatch") {
  remote_fsm parent(parent_config());
  parent.start(t0);
  auto h = child_config().hello;
  h.version = protocol_version + 1;
  parent.on_frame(encode(h), t0);
  auto out = parent.take_actions();
  CHECK(std::get<goodbye>(sent(out).at(0)).reason.code == static_cast<int>(error::protocol_version_mismatch));
  CHECK(only<remote_close>(out).at(0).reason == error::protocol_version_mismatch);
  CHECK(parent.counters().version_mismatches == 1);

  remote_fsm child(child_config());
  child.start(t0);
  child.take_actions();
  child.on_frame(encode(ready{99, 1000ms, "p"}), t0);
  CHECK(only<remote_close>(child.take_actions()).at(0).reason == error::protocol_version_mismatch);
}

TEST_CASE("handshake: anything but hello first closes the connection") {
  SECTION("another message") {
    remote_fsm parent(parent_config());
    parent.start(t0);
    parent.on_frame(encode(request{1, "play", 0ms, {}}), t0);
    auto out = parent.take_actions();
    CHECK(only<remote_close>(out).at(0).reason == error::malformed_message);
    CHECK(std::get<goodbye>(sent(out).at(0)).reason.message == "expected hello, got request");
  }
  SECTION("garbage") {
    remote_fsm parent(parent_config());
    parent.start(t0);
    parent.on_frame("\x01\x02 not json", t0);
    CHECK(only<remote_close>(parent.take_actions()).at(0).reason == error::malformed_message);
    CHECK(parent.counters().malformed_frames == 1);
  }
  SECTION("an oversized hello") {
    remote_fsm parent(parent_config());
    parent.start(t0);
    parent.on_frame(std::string(5000, ' '), t0);
    CHECK(only<remote_close>(parent.take_actions()).at(0).reason == error::message_too_large);
    CHECK(parent.counters().oversized_frames == 1);
  }
  SECTION("the child gets something other than ready") {
    remote_fsm child(child_config());
    child.start(t0);
    child.take_actions();
    child.on_frame(encode(heartbeat{1}), t0);
    CHECK(only<remote_close>(child.take_actions()).at(0).reason == error::malformed_message);
  }
}

TEST_CASE("handshake: a silent peer is dropped at the handshake deadline") {
  remote_fsm parent(parent_config());
  parent.start(t0);
  CHECK(parent.next_wakeup() == t0 + 5000ms);
  parent.on_tick(t0 + 4999ms);
  CHECK(parent.take_actions().empty());
  parent.on_tick(t0 + 5000ms);
  auto closes = only<remote_close>(parent.take_actions());
  REQUIRE(closes.size() == 1);
  CHECK(closes[0].reason == error::timeout);
  CHECK_FALSE(closes[0].graceful);
  CHECK(parent.next_wakeup() == time_point::max());
}

TEST_CASE("requests before the handshake fail with connection_closed") {
  remote_fsm child(child_config());
  child.start(t0);
  auto r = child.send_request("echo", {}, 100ms, t0);
  REQUIRE(r.has_error());
  CHECK(r.error().code == error::connection_closed);
  CHECK(child.send_event("e", {}).error().code == error::connection_closed);
}

TEST_CASE("correlation: several requests in flight, answered out of order") {
  linked_pair p;
  p.parent.serve("echo");
  std::vector<std::uint64_t> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(p.child.send_request("echo", {{"n", i}}, 1000ms, t0).value());
  CHECK(ids == std::vector<std::uint64_t>{1, 2, 3});
  CHECK(p.child.pending_requests() == 3);
  deliver(p.child, p.parent, t0);
  auto incoming = only<remote_incoming_request>(p.parent.take_actions());
  REQUIRE(incoming.size() == 3);

  CHECK(p.parent.respond(incoming[2].req.id, incoming[2].req.args));
  CHECK(p.parent.respond(incoming[0].req.id, incoming[0].req.args));
  CHECK(p.parent.respond_error(incoming[1].req.id, make_remote_error(error::bot_busy, "busy in that guild")));
  deliver(p.parent, p.child, t0 + 1ms);
  auto done = only<remote_completion>(p.child.take_actions());
  REQUIRE(done.size() == 3);
  CHECK(done[0].id == 3);
  CHECK(done[0].result == nlohmann::json{{"n", 2}});
  CHECK(!done[0].ec);
  CHECK(done[1].id == 1);
  CHECK(done[1].result == nlohmann::json{{"n", 0}});
  CHECK(done[2].id == 2);
  CHECK(done[2].ec == error::bot_busy);
  CHECK(done[2].message == "busy in that guild");
  CHECK(p.child.pending_requests() == 0);
}

TEST_CASE("correlation: an answer is sent once, unknown ids are not answered") {
  linked_pair p;
  p.parent.serve("echo");
  p.child.send_request("echo", {}, 1000ms, t0).value();
  deliver(p.child, p.parent, t0);
  auto id = only<remote_incoming_request>(p.parent.take_actions()).at(0).req.id;
  CHECK(p.parent.respond(id, 1));
  CHECK_FALSE(p.parent.respond(id, 2));
  CHECK_FALSE(p.parent.respond_error(77, make_remote_error(error::no_session)));
  CHECK(sent(p.parent.take_actions()).size() == 1);
}

TEST_CASE("correlation: a request id reused while in service is refused") {
  linked_pair p;
  p.parent.serve("echo");
  p.parent.on_frame(encode(request{5, "echo", 0ms, {}}), t0);
  p.parent.on_frame(encode(request{5, "echo", 0ms, {}}), t0);
  auto out = p.parent.take_actions();
  CHECK(only<remote_incoming_request>(out).size() == 1);
  auto replies = sent(out);
  REQUIRE(replies.size() == 1);
  CHECK(std::get<response>(replies[0]).error->code == static_cast<int>(error::malformed_message));
}

TEST_CASE("deadline: an unanswered request times out, its late reply is dropped and counted") {
  linked_pair p;
  p.parent.serve("slow");
  auto id = p.child.send_request("slow", {}, 100ms, t0).value();
  deliver(p.child, p.parent, t0);
  auto req = only<remote_incoming_request>(p.parent.take_actions()).at(0).req;
  CHECK(req.timeout == 100ms);  // the server can see how long the caller waits
  CHECK(p.child.next_wakeup() == t0 + 100ms);

  p.child.on_tick(t0 + 99ms);
  CHECK(only<remote_completion>(p.child.take_actions()).empty());
  p.child.on_tick(t0 + 100ms);
  auto done = only<remote_completion>(p.child.take_actions());
  REQUIRE(done.size() == 1);
  CHECK(done[0].id == id);
  CHECK(done[0].ec == error::timeout);
  CHECK(p.child.counters().timeouts == 1);

  p.parent.respond(req.id, "too late");
  deliver(p.parent, p.child, t0 + 150ms);
  CHECK(only<remote_completion>(p.child.take_actions()).empty());
  CHECK(p.child.counters().late_replies == 1);

  p.child.on_frame(encode(response{999, std::nullopt, 1}), t0 + 151ms);
  CHECK(p.child.counters().unmatched_replies == 1);
  CHECK(p.child.state() == remote_state::established);
}

TEST_CASE("deadline: the default timeout applies when none is given") {
  auto cfg = child_config();
  cfg.default_request_timeout = 250ms;
  remote_fsm child(cfg);
  remote_fsm parent(parent_config());
  parent.start(t0);
  child.start(t0);
  deliver(child, parent, t0);
  deliver(parent, child, t0);
  child.take_actions();
  child.send_request("x", {}, 0ms, t0).value();
  CHECK(child.next_wakeup() == t0 + 250ms);
}

TEST_CASE("an unknown op gets an unknown_op error reply and the link stays up") {
  linked_pair p;
  auto id = p.child.send_request("teleport", {}, 1000ms, t0).value();
  deliver(p.child, p.parent, t0);
  auto rest = deliver(p.parent, p.child, t0);
  CHECK(only<remote_incoming_request>(rest).empty());
  CHECK(p.parent.counters().unknown_ops == 1);
  auto done = only<remote_completion>(p.child.take_actions());
  REQUIRE(done.size() == 1);
  CHECK(done[0].id == id);
  CHECK(done[0].ec == error::unknown_op);
  CHECK(p.parent.state() == remote_state::established);
}

TEST_CASE("malformed input gets an error reply and is never fatal") {
  linked_pair p;
  SECTION("not JSON: an error notice") {
    p.parent.on_frame("{{{{", t0);
    auto m = sent(p.parent.take_actions());
    REQUIRE(m.size() == 1);
    CHECK(std::get<error_notice>(m[0]).error.code == static_cast<int>(error::malformed_message));
  }
  SECTION("a broken request with a readable id: a response naming it") {
    p.parent.on_frame(R"({"type":"request","id":12,"op":[]})", t0);
    auto m = sent(p.parent.take_actions());
    REQUIRE(m.size() == 1);
    CHECK(std::get<response>(m[0]).id == 12);
    CHECK(std::get<response>(m[0]).error->message == "field 'op' must be a string");
  }
  SECTION("a second hello") {
    p.parent.on_frame(encode(child_config().hello), t0);
    auto m = sent(p.parent.take_actions());
    CHECK(std::get<error_notice>(m.at(0)).error.message == "unexpected hello after the handshake");
  }
  CHECK(p.parent.state() == remote_state::established);
  CHECK(p.parent.counters().malformed_frames == 1);
}

TEST_CASE("oversized input gets message_too_large and the link survives") {
  linked_pair p;
  p.parent.on_frame(std::string(4097, 'x'), t0);
  auto m = sent(p.parent.take_actions());
  REQUIRE(m.size() == 1);
  CHECK(std::get<error_notice>(m[0]).error.code == static_cast<int>(error::message_too_large));
  CHECK(p.parent.counters().oversized_frames == 1);
  CHECK(p.parent.state() == remote_state::established);

  // The receiving side learns of it as a peer error.
  p.child.on_frame(encode(m[0]), t0);
  CHECK(only<remote_peer_error>(p.child.take_actions()).at(0).error.code == static_cast<int>(error::message_too_large));
  CHECK(p.child.counters().peer_errors == 1);
}

TEST_CASE("an outgoing request over the size limit fails locally") {
  linked_pair p;
  auto r = p.child.send_request("echo", {{"blob", std::string(5000, 'a')}}, 100ms, t0);
  REQUIRE(r.has_error());
  CHECK(r.error().code == error::message_too_large);
  CHECK(p.child.take_actions().empty());
  CHECK(p.child.pending_requests() == 0);
}

TEST_CASE("a result over the size limit is replaced by a message_too_large error") {
  linked_pair p;
  p.parent.serve("big");
  p.child.send_request("big", {}, 100ms, t0).value();
  deliver(p.child, p.parent, t0);
  auto id = only<remote_incoming_request>(p.parent.take_actions()).at(0).req.id;
  CHECK(p.parent.respond(id, std::string(5000, 'a')));
  deliver(p.parent, p.child, t0);
  CHECK(only<remote_completion>(p.child.take_actions()).at(0).ec == error::message_too_large);
}

TEST_CASE("events flow to the owner unanswered") {
  linked_pair p;
  REQUIRE(p.child.send_event("session_destroyed", {{"voice", "9"}}));
  deliver(p.child, p.parent, t0);
  auto out = p.parent.take_actions();
  auto events = only<remote_incoming_event>(out);
  REQUIRE(events.size() == 1);
  CHECK(events[0].ev.op == "session_destroyed");
  CHECK(events[0].ev.payload["voice"] == "9");
  CHECK(only<remote_send>(out).empty());
}

TEST_CASE("heartbeats: sent each interval, acked by the peer, separate from requests") {
  linked_pair p;
  p.parent.serve("echo");
  CHECK(p.parent.next_wakeup() == t0 + 1000ms);
  p.child.send_request("echo", {}, 5000ms, t0).value();
  deliver(p.child, p.parent, t0);
  p.parent.take_actions();  // the request stays unanswered

  p.parent.on_tick(t0 + 1000ms);
  p.child.on_tick(t0 + 1000ms);
  auto beats = sent(p.parent.take_actions());
  REQUIRE(beats.size() == 1);
  CHECK(std::get<heartbeat>(beats[0]).seq == 1);
  p.child.on_frame(encode(beats[0]), t0 + 1001ms);
  auto child_out = p.child.take_actions();
  // The child sends its own heartbeat and acks the parent's; the request is still pending.
  auto child_msgs = sent(child_out);
  REQUIRE(child_msgs.size() == 2);
  CHECK(std::get<heartbeat>(child_msgs[0]).seq == 1);
  CHECK(std::get<heartbeat_ack>(child_msgs[1]).seq == 1);
  CHECK(only<remote_completion>(child_out).empty());
  CHECK(p.child.pending_requests() == 1);
  for (auto& m : child_msgs) p.parent.on_frame(encode(m), t0 + 1002ms);
  CHECK(p.parent.counters().heartbeats_acked == 1);
  CHECK(p.parent.counters().heartbeats_sent == 1);
}

TEST_CASE("heartbeats: the round trip of the newest one is measured, an ack of an older one changes nothing") {
  linked_pair p;
  CHECK(p.parent.established_at() == t0);
  CHECK_FALSE(p.parent.heartbeat_round_trip());  // none answered yet

  p.parent.on_tick(t0 + 1000ms);
  auto first = sent(p.parent.take_actions());
  REQUIRE(first.size() == 1);
  p.parent.on_frame(encode(heartbeat_ack{std::get<heartbeat>(first[0]).seq}), t0 + 1007ms);
  REQUIRE(p.parent.heartbeat_round_trip());
  CHECK(*p.parent.heartbeat_round_trip() == 7ms);

  // The second heartbeat goes out before the late ack of the first arrives: only its own ack counts.
  p.parent.on_tick(t0 + 2007ms);
  auto second = sent(p.parent.take_actions());
  REQUIRE(second.size() == 1);
  CHECK(std::get<heartbeat>(second[0]).seq == 2);
  p.parent.on_frame(encode(heartbeat_ack{1}), t0 + 2010ms);
  CHECK(*p.parent.heartbeat_round_trip() == 7ms);
  p.parent.on_frame(encode(heartbeat_ack{2}), t0 + 2030ms);
  CHECK(*p.parent.heartbeat_round_trip() == 23ms);
  CHECK(p.parent.counters().heartbeats_acked == 3);
}

TEST_CASE("eviction: a peer silent for N intervals is dropped and its requests fail") {
  linked_pair p;
  auto id = p.parent.send_request("play", {}, 60s, t0).value();
  p.parent.take_actions();
  for (int beat = 1; beat <= 2; ++beat) {
    p.parent.on_tick(t0 + beat * 1000ms);
    auto out = p.parent.take_actions();
    CHECK(only<remote_close>(out).empty());
    CHECK(sent(out).size() == 1);  // a heartbeat, unanswered
  }
  CHECK(p.parent.next_wakeup() == t0 + 3000ms);
  p.parent.on_tick(t0 + 3000ms);
  auto out = p.parent.take_actions();
  auto closes = only<remote_close>(out);
  REQUIRE(closes.size() == 1);
  CHECK(closes[0].reason == error::peer_unresponsive);
  CHECK_FALSE(closes[0].graceful);
  auto done = only<remote_completion>(out);
  REQUIRE(done.size() == 1);
  CHECK(done[0].id == id);
  CHECK(done[0].ec == error::child_lost);
  CHECK(p.parent.state() == remote_state::closed);
}

TEST_CASE("eviction: any frame from the peer counts as a sign of life") {
  linked_pair p;
  p.parent.on_tick(t0 + 2500ms);
  p.parent.on_frame(encode(event{"still_here", {}}), t0 + 2500ms);
  p.parent.on_tick(t0 + 3000ms);
  CHECK(only<remote_close>(p.parent.take_actions()).empty());
  CHECK(p.parent.next_wakeup() <= t0 + 5500ms);
  p.parent.on_tick(t0 + 5500ms);
  CHECK(only<remote_close>(p.parent.take_actions()).at(0).reason == error::peer_unresponsive);
}

TEST_CASE("a lost transport fails pending requests with the role's link-lost error") {
  linked_pair p;
  p.child.send_request("a", {}, 1000ms, t0).value();
  p.child.send_request("b", {}, 1000ms, t0).value();
  p.parent.send_request("c", {}, 1000ms, t0).value();
  p.child.take_actions();
  p.parent.take_actions();
  p.child.on_transport_closed();
  p.parent.on_transport_closed();
  auto child_done = only<remote_completion>(p.child.take_actions());
  REQUIRE(child_done.size() == 2);
  CHECK(child_done[0].id == 1);
  CHECK(child_done[1].ec == error::connection_closed);
  CHECK(only<remote_completion>(p.parent.take_actions()).at(0).ec == error::child_lost);
  CHECK(p.child.send_request("d", {}, 1000ms, t0).error().code == error::connection_closed);
}

TEST_CASE("goodbye: a local close says why, the peer closes with that reason") {
  linked_pair p;
  p.child.send_request("a", {}, 1000ms, t0).value();
  p.child.take_actions();
  p.parent.close(error::link_replaced, "a newer connection took over");
  auto out = p.parent.take_actions();
  CHECK(only<remote_close>(out).at(0).reason == error::link_replaced);
  p.child.on_frame(only<remote_send>(out).at(0).frame, t0);
  auto child_out = p.child.take_actions();
  auto closes = only<remote_close>(child_out);
  REQUIRE(closes.size() == 1);
  CHECK(closes[0].reason == error::link_replaced);
  CHECK(closes[0].message == "a newer connection took over");
  CHECK(only<remote_completion>(child_out).at(0).ec == error::connection_closed);
}

TEST_CASE("constant_time_equal compares whole strings") {
  CHECK(constant_time_equal("abc", "abc"));
  CHECK_FALSE(constant_time_equal("abc", "abd"));
  CHECK_FALSE(constant_time_equal("abc", "abcd"));
  CHECK_FALSE(constant_time_equal("", "a"));
  CHECK(constant_time_equal("", ""));
}
