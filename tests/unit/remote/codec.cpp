#include <hanabi/remote/codec.hpp>

#include <catch2/catch.hpp>

using namespace hanabi;
using namespace hanabi::remote;
using namespace std::chrono_literals;

namespace {

message round_trip(const message& m) {
  auto back = decode(encode(m));
  REQUIRE(back.has_value());
  return *back;
}

std::string why(std::string_view frame) {
  auto r = decode(frame);
  REQUIRE(r.has_error());
  CHECK(r.error().code == error::malformed_message);
  return r.error().diag.client_message();
}

}  // namespace

TEST_CASE("every message type survives encode then decode") {
  hello h{1, user_id{123456789012345678ULL}, "child-1", "hanabi/0.1.0", {"session", "queue"}, secret{"s3cr3t"}};
  CHECK(round_trip(h) == message{h});
  ready r{1, 2500ms, "parent-run-7"};
  CHECK(round_trip(r) == message{r});
  request q{17, "volume", 1500ms, {{"guild", "1"}, {"level", 80}}};
  CHECK(round_trip(q) == message{q});
  response ok{17, std::nullopt, {{"volume", 80}}};
  CHECK(round_trip(ok) == message{ok});
  response bad{18, make_remote_error(error::bot_busy), nullptr};
  CHECK(round_trip(bad) == message{bad});
  event e{"track_start", {{"guild", "1"}}};
  CHECK(round_trip(e) == message{e});
  CHECK(round_trip(heartbeat{9}) == message{heartbeat{9}});
  CHECK(round_trip(heartbeat_ack{9}) == message{heartbeat_ack{9}});
  goodbye g{make_remote_error(error::authentication_failed, "the token is wrong")};
  CHECK(round_trip(g) == message{g});
  error_notice n{make_remote_error(error::message_too_large)};
  CHECK(round_trip(n) == message{n});
}

TEST_CASE("the wire form uses the documented field names") {
  auto j = nlohmann::json::parse(encode(request{5, "skip", 2000ms, {{"by", 1}}}));
  CHECK(j == nlohmann::json{{"type", "request"}, {"id", 5}, {"op", "skip"}, {"timeout_ms", 2000}, {"args", {{"by", 1}}}});
  auto e = nlohmann::json::parse(encode(response{5, make_remote_error(error::unknown_op, "x"), nullptr}));
  CHECK(e == nlohmann::json{{"type", "response"}, {"id", 5}, {"error", {{"code", 805}, {"message", "x"}}}});
  auto h = nlohmann::json::parse(encode(hello{1, user_id{42}, "c", "hanabi/0.1.0", {}, secret{"t"}}));
  CHECK(h["bot_id"] == "42");
  CHECK(h["token"] == "t");
}

TEST_CASE("a response's error code maps back onto hanabi::error") {
  auto m = round_trip(response{3, make_remote_error(error::no_session, "gone"), nullptr});
  auto& r = std::get<response>(m);
  REQUIRE(r.error);
  CHECK(r.error->to_error_code() == error::no_session);
  CHECK(r.error->message == "gone");
}

TEST_CASE("optional request and event fields take their defaults") {
  auto q = decode(R"({"type":"request","id":1,"op":"now_playing"})");
  REQUIRE(q.has_value());
  CHECK(std::get<request>(*q).args == nlohmann::json::object());
  CHECK(std::get<request>(*q).timeout == 0ms);
  auto e = decode(R"({"type":"event","op":"moved"})");
  REQUIRE(e.has_value());
  CHECK(std::get<event>(*e).payload == nlohmann::json::object());
}

TEST_CASE("malformed frames give malformed_message with the reason") {
  CHECK(why("") == "the frame is not well-formed JSON");
  CHECK(why("{\"type\":") == "the frame is not well-formed JSON");
  CHECK(why("[1,2]") == "the frame is not a JSON object");
  CHECK(why("{}") == "field 'type' is missing");
  CHECK(why(R"({"type":7})") == "field 'type' must be a string");
  CHECK(why(R"({"type":"teleport"})") == "unknown message type 'teleport'");
  CHECK(why(R"({"type":"request","id":0,"op":"x"})") == "field 'id' must not be 0");
  CHECK(why(R"({"type":"request","id":-3,"op":"x"})") == "field 'id' must be a non-negative integer");
  CHECK(why(R"({"type":"request","id":"7","op":"x"})") == "field 'id' must be a non-negative integer");
  CHECK(why(R"({"type":"request","id":7,"op":""})") == "field 'op' must not be empty");
  CHECK(why(R"({"type":"request","id":7})") == "field 'op' is missing");
  CHECK(why(R"({"type":"response","id":7})") == "a response needs 'result' or 'error'");
  CHECK(why(R"({"type":"response","id":7,"result":1,"error":{"code":1,"message":""}})") ==
        "a response has either 'result' or 'error', not both");
  CHECK(why(R"({"type":"response","id":7,"error":{"code":"x","message":""}})") == "field 'code' must be an integer");
  CHECK(why(R"({"type":"response","id":7,"error":{"code":99999999999,"message":""}})") == "field 'code' is out of range");
  CHECK(why(R"({"type":"hello","version":1,"bot_id":"x1","name":"c","library":"","token":""})") ==
        "field 'bot_id' is not a decimal snowflake");
  CHECK(why(R"({"type":"hello","version":1,"bot_id":"1","name":"","library":"","token":""})") ==
        "field 'name' must not be empty");
  CHECK(why(R"({"type":"hello","version":1,"bot_id":"1","name":"c","library":"","token":"","capabilities":[1]})") ==
        "field 'capabilities' must be an array of strings");
  CHECK(why(R"({"type":"ready","version":1,"heartbeat_ms":0,"parent_id":"p"})") ==
        "field 'heartbeat_ms' must be between 1 and 3600000");
  CHECK(why(R"({"type":"heartbeat"})") == "field 'seq' is missing");
}

TEST_CASE("peek_request_id finds the id of a broken request, and only of a request") {
  CHECK(peek_request_id(R"({"type":"request","id":41,"op":17})") == std::optional<std::uint64_t>{41});
  CHECK_FALSE(peek_request_id(R"({"type":"request","id":0})"));
  CHECK_FALSE(peek_request_id(R"({"type":"event","id":41})"));
  CHECK_FALSE(peek_request_id(R"({"type":"request","id":"41"})"));
  CHECK_FALSE(peek_request_id("not json"));
}

TEST_CASE("encoding never throws on invalid UTF-8 in strings") {
  std::string bad = "caf\xC3";
  std::string text;
  CHECK_NOTHROW(text = encode(event{"e", {{"title", bad}}}));
  CHECK(decode(text).has_value());
}

TEST_CASE("type_name gives the wire type of every message") {
  CHECK(std::string(type_name(hello{})) == "hello");
  CHECK(std::string(type_name(error_notice{})) == "error");
  CHECK(std::string(type_name(heartbeat_ack{})) == "heartbeat_ack");
}
