// The control protocol's JSON codec. nlohmann is used rather than simdjson:
// control messages are small, and request args / results must end up as
// nlohmann::json values anyway (they are handed to the session layer as such),
// so a simdjson pass would only add a second tree and a copy.
#pragma once

#include <hanabi/remote/codec.hpp>

#include <fmt/format.h>

#include <iterator>
#include <limits>
#include <type_traits>

namespace hanabi::remote {
namespace detail {

using nlohmann::json;

// Reads fields of one JSON object without exceptions; the first problem is kept.
class field_reader {
 public:
  explicit field_reader(json& obj) : obj_(obj) {}

  bool ok() const noexcept { return problem_.empty(); }
  failure take_failure() { return failure{error::malformed_message, std::move(problem_)}; }

  const json* find(const char* key) const {
    auto it = obj_.find(key);
    return it == obj_.end() ? nullptr : &*it;
  }

  /// Moves the value of `key` out, or gives `absent` (args, result, payload: handed on whole, so not copied).
  json take(const char* key, json absent = nullptr) {
    auto it = obj_.find(key);
    return it == obj_.end() ? std::move(absent) : std::move(*it);
  }

  std::string string(const char* key) {
    const json* v = require(key);
    if (!v) return {};
    if (!v->is_string()) return fail_type(key, "a string"), std::string{};
    return v->get_ref<const std::string&>();
  }

  std::uint64_t unsigned_int(const char* key) {
    const json* v = require(key);
    if (!v) return 0;
    if (!v->is_number_unsigned()) return fail_type(key, "a non-negative integer"), 0;
    return v->get<std::uint64_t>();
  }

  int integer(const char* key) {
    const json* v = require(key);
    if (!v) return 0;
    if (!v->is_number_integer()) return fail_type(key, "an integer"), 0;
    auto n = v->get<std::int64_t>();
    if (n < std::numeric_limits<int>::min() || n > std::numeric_limits<int>::max())
      return fail(fmt::format("field '{}' is out of range", key)), 0;
    return static_cast<int>(n);
  }

  std::uint64_t positive_id(const char* key) {
    auto id = unsigned_int(key);
    if (ok() && id == 0) fail(fmt::format("field '{}' must not be 0", key));
    return id;
  }

  std::vector<std::string> string_list(const char* key) {
    std::vector<std::string> out;
    const json* v = find(key);
    if (!v) return out;  // optional: an empty list
    if (!v->is_array()) return fail_type(key, "an array of strings"), out;
    for (const auto& item : *v) {
      if (!item.is_string()) return fail_type(key, "an array of strings"), out;
      out.push_back(item.get<std::string>());
    }
    return out;
  }

  remote_error error_object(const char* code_key, const char* message_key) {
    remote_error e;
    e.code = integer(code_key);
    e.message = string(message_key);
    return e;
  }

  void fail(std::string problem) {
    if (problem_.empty()) problem_ = std::move(problem);
  }

 private:
  const json* require(const char* key) {
    const json* v = find(key);
    if (!v) fail(fmt::format("field '{}' is missing", key));
    return v;
  }
  void fail_type(const char* key, const char* expected) { fail(fmt::format("field '{}' must be {}", key, expected)); }

  json& obj_;
  std::string problem_;
};

inline json to_json(const hello& m) {
  return {{"type", "hello"},        {"version", m.version},
          {"bot_id", m.bot_id.str()}, {"name", m.name},
          {"library", m.library_version}, {"capabilities", m.capabilities},
          {"token", std::string(m.token.reveal())}};
}
inline json to_json(const ready& m) {
  return {{"type", "ready"}, {"version", m.version}, {"heartbeat_ms", m.heartbeat_interval.count()},
          {"parent_id", m.parent_id}};
}
inline json to_json(const request& m) {
  return {{"type", "request"}, {"id", m.id}, {"op", m.op}, {"timeout_ms", m.timeout.count()}, {"args", m.args}};
}
inline json to_json(const response& m) {
  json j{{"type", "response"}, {"id", m.id}};
  if (m.error)
    j["error"] = {{"code", m.error->code}, {"message", m.error->message}};
  else
    j["result"] = m.result;
  return j;
}
inline json to_json(const event& m) { return {{"type", "event"}, {"op", m.op}, {"payload", m.payload}}; }
inline json to_json(const heartbeat& m) { return {{"type", "heartbeat"}, {"seq", m.seq}}; }
inline json to_json(const heartbeat_ack& m) { return {{"type", "heartbeat_ack"}, {"seq", m.seq}}; }
inline json to_json(const goodbye& m) {
  return {{"type", "goodbye"}, {"code", m.reason.code}, {"reason", m.reason.message}};
}
inline json to_json(const error_notice& m) {
  return {{"type", "error"}, {"code", m.error.code}, {"message", m.error.message}};
}

inline result<message> decode_hello(field_reader& r) {
  hello m;
  m.version = r.integer("version");
  auto id_text = r.string("bot_id");
  m.name = r.string("name");
  m.library_version = r.string("library");
  m.capabilities = r.string_list("capabilities");
  m.token = secret{r.string("token")};
  if (!r.ok()) return r.take_failure();
  auto id = user_id::parse(id_text);
  if (!id) return failure{error::malformed_message, "field 'bot_id' is not a decimal snowflake"};
  m.bot_id = *id;
  if (m.name.empty()) return failure{error::malformed_message, "field 'name' must not be empty"};
  return message{std::move(m)};
}

inline result<message> decode_ready(field_reader& r) {
  ready m;
  m.version = r.integer("version");
  auto interval = r.unsigned_int("heartbeat_ms");
  m.parent_id = r.string("parent_id");
  if (!r.ok()) return r.take_failure();
  if (interval == 0 || interval > 3'600'000u)
    return failure{error::malformed_message, "field 'heartbeat_ms' must be between 1 and 3600000"};
  m.heartbeat_interval = std::chrono::milliseconds(interval);
  return message{std::move(m)};
}

inline result<message> decode_request(field_reader& r) {
  request m;
  m.id = r.positive_id("id");
  m.op = r.string("op");
  if (r.find("timeout_ms")) m.timeout = std::chrono::milliseconds(r.unsigned_int("timeout_ms"));
  m.args = r.take("args", json::object());
  if (!r.ok()) return r.take_failure();
  if (m.op.empty()) return failure{error::malformed_message, "field 'op' must not be empty"};
  return message{std::move(m)};
}

inline result<message> decode_response(field_reader& r) {
  response m;
  m.id = r.positive_id("id");
  const json* err = r.find("error");
  const json* res = r.find("result");
  if (err && res) r.fail("a response has either 'result' or 'error', not both");
  if (!err && !res) r.fail("a response needs 'result' or 'error'");
  if (err) {
    if (!err->is_object()) {
      r.fail("field 'error' must be an object");
    } else {
      json error_object = r.take("error");
      field_reader er(error_object);
      m.error = er.error_object("code", "message");
      if (!er.ok()) r.fail(er.take_failure().diag.client_message());
    }
  }
  if (res) m.result = r.take("result");
  if (!r.ok()) return r.take_failure();
  return message{std::move(m)};
}

inline result<message> decode_event(field_reader& r) {
  event m;
  m.op = r.string("op");
  m.payload = r.take("payload", json::object());
  if (!r.ok()) return r.take_failure();
  if (m.op.empty()) return failure{error::malformed_message, "field 'op' must not be empty"};
  return message{std::move(m)};
}

template <class Beat>
result<message> decode_beat(field_reader& r) {
  Beat m;
  m.seq = r.unsigned_int("seq");
  if (!r.ok()) return r.take_failure();
  return message{m};
}

inline result<message> decode_goodbye(field_reader& r) {
  goodbye m;
  m.reason = r.error_object("code", "reason");
  if (!r.ok()) return r.take_failure();
  return message{std::move(m)};
}

inline result<message> decode_error_notice(field_reader& r) {
  error_notice m;
  m.error = r.error_object("code", "message");
  if (!r.ok()) return r.take_failure();
  return message{std::move(m)};
}

}  // namespace detail

namespace detail {

inline void append_json(std::string& out, const json& j) {
  out += j.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Request, response and event frames carry the command's data (args, result, payload). They are
// written around its dump, in the order nlohmann would write the whole object (keys sorted),
// rather than built as a tree first: building would deep-copy the data only to dump it.
inline std::string frame_text(const request& m) {
  std::string out = R"({"args":)";
  append_json(out, m.args);
  fmt::format_to(std::back_inserter(out), R"(,"id":{},"op":)", m.id);
  append_json(out, json(m.op));
  fmt::format_to(std::back_inserter(out), R"(,"timeout_ms":{},"type":"request"}})", m.timeout.count());
  return out;
}
inline std::string frame_text(const response& m) {
  if (m.error) return to_json(m).dump(-1, ' ', false, json::error_handler_t::replace);
  std::string out = fmt::format(R"({{"id":{},"result":)", m.id);
  append_json(out, m.result);
  out += R"(,"type":"response"})";
  return out;
}
inline std::string frame_text(const event& m) {
  std::string out = R"({"op":)";
  append_json(out, json(m.op));
  out += R"(,"payload":)";
  append_json(out, m.payload);
  out += R"(,"type":"event"})";
  return out;
}
template <class M>
std::string frame_text(const M& m) {
  return to_json(m).dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace detail

HANABI_DECL std::string encode(const message& m) {
  return std::visit([](const auto& v) { return detail::frame_text(v); }, m);
}

HANABI_DECL result<message> decode(std::string_view frame) {
  auto j = nlohmann::json::parse(frame.begin(), frame.end(), nullptr, false);
  if (j.is_discarded()) return failure{error::malformed_message, "the frame is not well-formed JSON"};
  if (!j.is_object()) return failure{error::malformed_message, "the frame is not a JSON object"};
  detail::field_reader r(j);
  auto type = r.string("type");
  if (!r.ok()) return r.take_failure();
  if (type == "hello") return detail::decode_hello(r);
  if (type == "ready") return detail::decode_ready(r);
  if (type == "request") return detail::decode_request(r);
  if (type == "response") return detail::decode_response(r);
  if (type == "event") return detail::decode_event(r);
  if (type == "heartbeat") return detail::decode_beat<heartbeat>(r);
  if (type == "heartbeat_ack") return detail::decode_beat<heartbeat_ack>(r);
  if (type == "goodbye") return detail::decode_goodbye(r);
  if (type == "error") return detail::decode_error_notice(r);
  return failure{error::malformed_message, fmt::format("unknown message type '{}'", type)};
}

HANABI_DECL std::optional<std::uint64_t> peek_request_id(std::string_view frame) {
  auto j = nlohmann::json::parse(frame.begin(), frame.end(), nullptr, false);
  if (!j.is_object()) return std::nullopt;
  auto type = j.find("type");
  auto id = j.find("id");
  if (type == j.end() || *type != "request" || id == j.end() || !id->is_number_unsigned()) return std::nullopt;
  auto value = id->get<std::uint64_t>();
  if (value == 0) return std::nullopt;
  return value;
}

}  // namespace hanabi::remote
