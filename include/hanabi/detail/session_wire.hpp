// The session ops on the control link (docs/REMOTE_PROTOCOL.md, "Session ops"):
// their names, where the session address travels, and the JSON shape of each
// op's result. remote_session (the parent's end) and session_host (the
// child's end) both use these, so the two ends cannot disagree.
#pragma once

#include <hanabi/session/json.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace hanabi::detail::session_wire {

// Requests, parent -> child.
inline constexpr const char* op_connect = "connect";
inline constexpr const char* op_available = "available";
inline constexpr const char* op_disconnect = "disconnect";
inline constexpr const char* op_play = "play";
inline constexpr const char* op_enqueue = "enqueue";
inline constexpr const char* op_skip = "skip";
inline constexpr const char* op_seek = "seek";
inline constexpr const char* op_pause = "pause";
inline constexpr const char* op_volume = "volume";
inline constexpr const char* op_stop = "stop";
inline constexpr const char* op_filters = "filters";
inline constexpr const char* op_repeat = "repeat";
inline constexpr const char* op_shuffle = "shuffle";
inline constexpr const char* op_dequeue = "dequeue";
inline constexpr const char* op_move = "move";
inline constexpr const char* op_clear = "clear";
inline constexpr const char* op_now_playing = "now_playing";
inline constexpr const char* op_queue_page = "queue_page";
inline constexpr const char* op_state = "state";
inline constexpr const char* op_history = "history";
inline constexpr const char* op_sessions = "sessions";

// Events, child -> parent.
inline constexpr const char* ev_session_event = "session_event";
inline constexpr const char* ev_session_closed = "session_closed";

/// The op's args: the command's own fields plus "guild" and "voice".
inline nlohmann::json with_address(nlohmann::json args, const session_address& a) {
  if (!args.is_object()) args = nlohmann::json::object();
  args["guild"] = a.guild.str();
  args["voice"] = a.voice.str();
  return args;
}

/// The optional fields of `connect` that say how to make a new session.
inline void add_session_options(nlohmann::json& args, session_lifetime lifetime,
                                std::optional<std::chrono::milliseconds> inactivity,
                                std::optional<std::chrono::milliseconds> paused) {
  args["lifetime"] = lifetime == session_lifetime::persistent ? "persistent" : "transient";
  if (inactivity) args["inactivity_timeout_ms"] = inactivity->count();
  if (paused) args["paused_timeout_ms"] = paused->count();
}

/// The address every session op and event carries.
inline result<session_address> address_of(const nlohmann::json& j) { return decode_json<session_address>(j); }

/// Reads an unsigned or signed integer field of a result object.
template <class Int>
result<Int> read_int(const nlohmann::json& j, const char* key, std::string_view where = "result") {
  const std::string path = std::string(where) + "." + key;
  auto it = j.is_object() ? j.find(key) : j.end();
  if (!j.is_object() || it == j.end()) return failure{error::missing_field, path + " is missing"};
  if (!it->is_number_integer()) return failure{error::unexpected_type, path + " must be an integer"};
  if constexpr (std::is_unsigned_v<Int>) {
    if (!it->is_number_unsigned() && it->template get<std::int64_t>() < 0)
      return failure{error::number_out_of_range, path + " must not be negative"};
  }
  // Parsed JSON holds non-negative numbers as unsigned, built JSON as signed: check both.
  if (it->is_number_unsigned()) {
    if (it->template get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<Int>::max()))
      return failure{error::number_out_of_range, path + " is too large"};
  } else if constexpr (std::is_signed_v<Int>) {
    auto wide = it->template get<std::int64_t>();
    if (wide < std::numeric_limits<Int>::min() || wide > std::numeric_limits<Int>::max())
      return failure{error::number_out_of_range, path + " is out of range"};
  }
  return it->template get<Int>();
}

/// Decodes the field `key` of a result object with decode_json<T>.
template <class T>
result<T> read_field(const nlohmann::json& j, const char* key) {
  if (!j.is_object() || !j.contains(key))
    return failure{error::missing_field, std::string("result.") + key + " is missing"};
  return decode_json<T>(j.at(key));
}

// --- Each op's result, by the C++ type the session interface answers.
// ---   state/connect, play/enqueue, skip, queue_page: the value's own object;
// ---   seek {"position"}, volume {"volume"}, clear {"removed": n}, dequeue {"removed": [items]},
// ---   filters {"filters"}, now_playing {"now_playing": object|null}, history {"history": [...]},
// ---   and {} for the ops that answer nothing.

struct no_result {};

template <class R>
nlohmann::json encode_result(const R& r) {
  if constexpr (std::is_same_v<R, no_result>) return nlohmann::json::object();
  else if constexpr (std::is_same_v<R, std::int64_t>) return {{"position", r}};
  else if constexpr (std::is_same_v<R, int>) return {{"volume", r}};
  else if constexpr (std::is_same_v<R, std::size_t>) return {{"removed", r}};
  else if constexpr (std::is_same_v<R, std::vector<item_view>>) return {{"removed", to_json_value(r)}};
  else if constexpr (std::is_same_v<R, protocol::filters>) return {{"filters", nlohmann::json(r)}};
  else if constexpr (std::is_same_v<R, std::optional<now_playing>>) return {{"now_playing", to_json_value(r)}};
  else if constexpr (std::is_same_v<R, std::vector<action_record>>) return {{"history", to_json_value(r)}};
  else return to_json_value(r);
}

template <class R>
result<R> decode_result(const nlohmann::json& j) {
  if constexpr (std::is_same_v<R, no_result>) return R{};
  else if constexpr (std::is_same_v<R, std::int64_t>) return read_int<std::int64_t>(j, "position");
  else if constexpr (std::is_same_v<R, int>) return read_int<int>(j, "volume");
  else if constexpr (std::is_same_v<R, std::size_t>) return read_int<std::size_t>(j, "removed");
  else if constexpr (std::is_same_v<R, std::vector<item_view>>) return read_field<R>(j, "removed");
  else if constexpr (std::is_same_v<R, std::optional<now_playing>>) return read_field<R>(j, "now_playing");
  else if constexpr (std::is_same_v<R, std::vector<action_record>>) return read_field<R>(j, "history");
  else if constexpr (std::is_same_v<R, protocol::filters>) {
    // {"filters": {...}} is also the form of filter_args with a filter set.
    auto a = decode_json<filter_args>(j.is_object() ? nlohmann::json{{"filters", j.value("filters", nlohmann::json())}}
                                                    : nlohmann::json());
    if (!a) return a.error();
    return std::get<protocol::filters>(a->set);
  } else return decode_json<R>(j);
}

}  // namespace hanabi::detail::session_wire
