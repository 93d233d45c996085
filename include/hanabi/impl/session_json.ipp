// Definitions of session/json.hpp.
#pragma once

#include <hanabi/protocol/decoder.hpp>
#include <hanabi/protocol/encode.hpp>
#include <hanabi/session/json.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>

namespace hanabi::detail::session_json {

using json = nlohmann::json;

// --- Enum names. Each table is indexed by the enum's value.

template <class E, std::size_t N>
struct enum_names {
  std::array<std::string_view, N> names;
  std::string_view list;  // For the error message.
};

inline constexpr enum_names<session_lifetime, 2> lifetime_names{{"transient", "persistent"}, "transient, persistent"};
inline constexpr enum_names<repeat_mode, 3> repeat_names{{"off", "one", "all"}, "off, one, all"};
inline constexpr enum_names<enqueue_mode, 4> mode_names{{"fifo", "next", "random", "interlace"},
                                                        "fifo, next, random, interlace"};
inline constexpr enum_names<dequeue_scope, 2> scope_names{{"upcoming", "upcoming_and_history"},
                                                          "upcoming, upcoming_and_history"};
inline constexpr enum_names<skip_args::kind, 3> skip_names{{"by", "to", "back"}, "by, to, back"};
inline constexpr enum_names<close_reason, 6> close_names{
    {"requested", "inactivity", "kicked", "voice_lost", "child_lost", "shutdown"},
    "requested, inactivity, kicked, voice_lost, child_lost, shutdown"};
inline constexpr enum_names<protocol::track_end_reason, 5> end_names{
    {"finished", "loadFailed", "stopped", "replaced", "cleanup"}, "finished, loadFailed, stopped, replaced, cleanup"};

template <class E, std::size_t N>
std::string_view name_of(const enum_names<E, N>& t, E e) noexcept {
  auto i = static_cast<std::size_t>(e);
  return i < N ? t.names[i] : std::string_view("unknown");
}

// --- Errors that name the field.

inline failure bad(error e, const std::string& path, std::string_view what) {
  return failure{e, path + " " + std::string(what)};
}

// --- Readers of one JSON value into one C++ value. Every overload is declared before any
// --- template uses it (they live in hanabi::detail, out of reach of ADL for hanabi types).

inline result<void> read(const json& v, const std::string& path, bool& out);
inline result<void> read(const json& v, const std::string& path, int& out);
inline result<void> read(const json& v, const std::string& path, std::int64_t& out);
inline result<void> read(const json& v, const std::string& path, std::uint64_t& out);
inline result<void> read(const json& v, const std::string& path, std::string& out);
template <class Tag>
result<void> read(const json& v, const std::string& path, snowflake<Tag>& out);
template <class E>
  requires std::is_enum_v<E>
result<void> read(const json& v, const std::string& path, E& out);
template <class T>
result<void> read(const json& v, const std::string& path, std::optional<T>& out);
template <class T>
result<void> read(const json& v, const std::string& path, std::vector<T>& out);
inline result<void> read(const json& v, const std::string& path, std::unordered_set<user_id>& out);
inline result<void> read(const json& v, const std::string& path, protocol::track& out);
inline result<void> read(const json& v, const std::string& path, protocol::filters& out);
inline result<void> read(const json& v, const std::string& path, session_address& out);
inline result<void> read(const json& v, const std::string& path, enqueue_entry& out);
inline result<void> read(const json& v, const std::string& path, enqueue_options& out);
inline result<void> read(const json& v, const std::string& path, item_view& out);
inline result<void> read(const json& v, const std::string& path, now_playing& out);
inline result<void> read(const json& v, const std::string& path, queue_durations& out);
inline result<void> read(const json& v, const std::string& path, session_state& out);
inline result<void> read(const json& v, const std::string& path, action_record& out);

/// The fields of one JSON object, read one by one with the object's path as prefix.
class object_reader {
 public:
  object_reader(const json& j, std::string path) : j_(j), path_(std::move(path)) {}

  /// Fails unless the value is an object.
  result<void> check() const {
    if (!j_.is_object()) return bad(error::unexpected_type, path_, "must be a JSON object");
    return {};
  }
  /// Reads `key` into `out` when present; an absent key keeps out's default.
  template <class T>
  result<void> opt(const char* key, T& out) const {
    auto it = j_.find(key);
    if (it == j_.end()) return {};
    return read(*it, field(key), out);
  }
  /// Reads `key` into `out`; an absent key is error::missing_field.
  template <class T>
  result<void> req(const char* key, T& out) const {
    auto it = j_.find(key);
    if (it == j_.end()) return bad(error::missing_field, field(key), "is missing");
    return read(*it, field(key), out);
  }
  std::string field(const char* key) const { return path_ + "." + key; }
  const std::string& path() const noexcept { return path_; }

 private:
  const json& j_;
  std::string path_;
};

/// Runs each step in turn and stops at the first failure.
template <class... Steps>
result<void> all(Steps&&... steps) {
  result<void> r;
  ((r = steps()) && ...);
  return r;
}

inline result<void> read(const json& v, const std::string& path, bool& out) {
  if (!v.is_boolean()) return bad(error::unexpected_type, path, "must be a boolean");
  out = v.get<bool>();
  return {};
}

inline result<void> read(const json& v, const std::string& path, std::int64_t& out) {
  if (!v.is_number_integer()) return bad(error::unexpected_type, path, "must be an integer");
  if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX))
    return bad(error::number_out_of_range, path, "does not fit a signed 64-bit integer");
  out = v.get<std::int64_t>();
  return {};
}

inline result<void> read(const json& v, const std::string& path, int& out) {
  std::int64_t wide = 0;
  if (auto r = read(v, path, wide); !r) return r;
  if (wide < std::numeric_limits<int>::min() || wide > std::numeric_limits<int>::max())
    return bad(error::number_out_of_range, path, "does not fit a 32-bit integer");
  out = static_cast<int>(wide);
  return {};
}

inline result<void> read(const json& v, const std::string& path, std::uint64_t& out) {
  if (!v.is_number_integer()) return bad(error::unexpected_type, path, "must be an unsigned integer");
  // JSON built in code holds small numbers as signed integers; parsed JSON holds them as unsigned.
  if (!v.is_number_unsigned() && v.get<std::int64_t>() < 0)
    return bad(error::number_out_of_range, path, "must not be negative");
  out = v.get<std::uint64_t>();
  return {};
}

inline result<void> read(const json& v, const std::string& path, std::string& out) {
  if (!v.is_string()) return bad(error::unexpected_type, path, "must be a string");
  out = v.get<std::string>();
  return {};
}

template <class Tag>
result<void> read(const json& v, const std::string& path, snowflake<Tag>& out) {
  if (!v.is_string()) return bad(error::unexpected_type, path, "must be a snowflake string");
  auto id = snowflake<Tag>::parse(v.get_ref<const std::string&>());
  if (!id) return bad(error::invalid_snowflake, path, "is not a decimal 64-bit id");
  out = *id;
  return {};
}

template <class E, std::size_t N>
result<void> read_enum(const json& v, const std::string& path, const enum_names<E, N>& t, E& out) {
  if (!v.is_string()) return bad(error::unexpected_type, path, "must be a string");
  const auto& s = v.get_ref<const std::string&>();
  for (std::size_t i = 0; i < N; ++i) {
    if (t.names[i] == s) {
      out = static_cast<E>(i);
      return {};
    }
  }
  return bad(error::invalid_value, path, fmt::format("'{}' is not one of {}", s, t.list));
}

template <class E>
constexpr const auto& names_for() {
  if constexpr (std::is_same_v<E, session_lifetime>) return lifetime_names;
  else if constexpr (std::is_same_v<E, repeat_mode>) return repeat_names;
  else if constexpr (std::is_same_v<E, enqueue_mode>) return mode_names;
  else if constexpr (std::is_same_v<E, dequeue_scope>) return scope_names;
  else if constexpr (std::is_same_v<E, skip_args::kind>) return skip_names;
  else if constexpr (std::is_same_v<E, close_reason>) return close_names;
  else return end_names;
}

template <class E>
  requires std::is_enum_v<E>
result<void> read(const json& v, const std::string& path, E& out) {
  return read_enum(v, path, names_for<E>(), out);
}

template <class E>
  requires std::is_enum_v<E>
json write(E e) {
  return name_of(names_for<E>(), e);
}

template <class T>
result<void> read(const json& v, const std::string& path, std::optional<T>& out) {
  if (v.is_null()) {
    out.reset();
    return {};
  }
  T value{};
  if (auto r = read(v, path, value); !r) return r;
  out = std::move(value);
  return {};
}

template <class T>
result<void> read(const json& v, const std::string& path, std::vector<T>& out) {
  if (!v.is_array()) return bad(error::unexpected_type, path, "must be an array");
  out.clear();
  out.reserve(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    T value{};
    if (auto r = read(v[i], path + "[" + std::to_string(i) + "]", value); !r) return r;
    out.push_back(std::move(value));
  }
  return {};
}

inline result<void> read(const json& v, const std::string& path, std::unordered_set<user_id>& out) {
  std::vector<user_id> list;
  if (auto r = read(v, path, list); !r) return r;
  out = {list.begin(), list.end()};
  return {};
}

/// Tracks and filters have Lavalink's JSON form, whose decoder (simdjson) reads text.
template <class T>
result<void> read_lavalink(const json& v, const std::string& path, T& out) {
  if (!v.is_object()) return bad(error::unexpected_type, path, "must be a JSON object");
  auto decoded = protocol::decode<T>(v.dump(-1, ' ', false, json::error_handler_t::replace));
  if (!decoded) return failure{decoded.error().code, diagnostics(path + ": " + decoded.error().diag.client_message())};
  out = std::move(*decoded);
  return {};
}

inline result<void> read(const json& v, const std::string& path, protocol::track& out) {
  return read_lavalink(v, path, out);
}

inline result<void> read(const json& v, const std::string& path, protocol::filters& out) {
  return read_lavalink(v, path, out);
}

inline result<void> read(const json& v, const std::string& path, session_address& out) {
  object_reader o(v, path);
  return all([&] { return o.check(); }, [&] { return o.req("guild", out.guild); },
             [&] { return o.req("voice", out.voice); });
}

inline result<void> read(const json& v, const std::string& path, enqueue_entry& out) {
  object_reader o(v, path);
  return all([&] { return o.check(); }, [&] { return o.opt("track", out.track); },
             [&] { return o.opt("source", out.source); }, [&] { return o.opt("start_time", out.start_time); },
             [&] { return o.opt("end_time", out.end_time); });
}

inline result<void> read(const json& v, const std::string& path, enqueue_options& out) {
  object_reader o(v, path);
  return all([&] { return o.check(); }, [&] { return o.opt("mode", out.mode); },
             [&] { return o.opt("shuffle", out.shuffle); }, [&] { return o.opt("reverse", out.reverse); },
             [&] { return o.opt("caller", out.caller); });
}

inline result<void> read(const json& v, const std::string& path, item_view& out) {
  object_reader o(v, path);
  return all([&] { return o.check(); }, [&] { return o.opt("position", out.position); },
             [&] { return o.opt("id", out.id); }, [&] { return o.opt("title", out.title); },
             [&] { return o.opt("author", out.author); }, [&] { return o.opt("uri", out.uri); },
             [&] { return o.opt("artwork_url", out.artwork_url); },
             [&] { return o.opt("identifier", out.identifier); },
             [&] { return o.opt("source_name", out.source_name); }, [&] { return o.opt("encoded", out.encoded); },
             [&] { return o.opt("length", out.length); }, [&] { return o.opt("is_stream", out.is_stream); },
             [&] { return o.opt("requester", out.requester); },
             [&] { return o.opt("start_time", out.start_time); }, [&] { return o.opt("end_time", out.end_time); },
             [&] { return o.opt("added_at", out.added_at); });
}

inline result<void> read(const json& v, const std::string& path, now_playing& out) {
  object_reader o(v, path);
  return all([&] { return o.check(); }, [&] { return o.opt("item", out.item); },
             [&] { return o.opt("position", out.position); }, [&] { return o.opt("paused", out.paused); },
             [&] { return o.opt("volume", out.volume); }, [&] { return o.opt("repeat", out.repeat); });
}

inline result<void> read(const json& v, const std::string& path, queue_durations& out) {
  object_reader o(v, path);
  return all([&] { return o.check(); }, [&] { return o.opt("total_ms", out.total_ms); },
             [&] { return o.opt("remaining_ms", out.remaining_ms); }, [&] { return o.opt("streams", out.streams); },
             [&] { return o.opt("remaining_streams", out.remaining_streams); });
}

inline result<void> read(const json& v, const std::string& path, session_state& out) {
  object_reader o(v, path);
  return all([&] { return o.check(); }, [&] { return o.req("address", out.address); },
             [&] { return o.opt("bot", out.bot); }, [&] { return o.opt("lifetime", out.lifetime); },
             [&] { return o.opt("connected", out.connected); }, [&] { return o.opt("active", out.active); },
             [&] { return o.opt("paused", out.paused); }, [&] { return o.opt("volume", out.volume); },
             [&] { return o.opt("repeat", out.repeat); }, [&] { return o.opt("filters", out.filters); },
             [&] { return o.opt("current_position", out.current_position); },
             [&] { return o.opt("queue_size", out.queue_size); }, [&] { return o.opt("current", out.current); },
             [&] { return o.opt("node", out.node); }, [&] { return o.opt("created_at", out.created_at); },
             [&] { return o.opt("last_active_at", out.last_active_at); });
}

inline result<void> read(const json& v, const std::string& path, action_record& out) {
  object_reader o(v, path);
  return all([&] { return o.check(); }, [&] { return o.opt("at", out.at); }, [&] { return o.opt("by", out.by); },
             [&] { return o.opt("action", out.action); }, [&] { return o.opt("detail", out.detail); });
}

// --- Writers of the nested values.

inline json write(const protocol::track& t) { return json(t); }
inline json write(const protocol::filters& f) { return json(f); }

template <class T>
json write_list(const std::vector<T>& list) {
  json a = json::array();
  for (const auto& x : list) a.push_back(to_json_value(x));
  return a;
}

// Sorted, so that one set always has one JSON form.
inline json write_ids(const std::unordered_set<user_id>& ids) {
  std::vector<user_id> sorted(ids.begin(), ids.end());
  std::sort(sorted.begin(), sorted.end());
  json a = json::array();
  for (auto id : sorted) a.push_back(id.str());
  return a;
}

inline json write_durations(const queue_durations& d) {
  return {{"total_ms", d.total_ms},
          {"remaining_ms", d.remaining_ms},
          {"streams", d.streams},
          {"remaining_streams", d.remaining_streams}};
}

// --- The dequeue rules: {"kind": <name>, ...fields}.

inline json write_rule(const dequeue_rule::positions& r) {
  return {{"kind", "positions"}, {"list", r.list}, {"allow_current", r.allow_current}};
}
inline json write_rule(const dequeue_rule::range& r) { return {{"kind", "range"}, {"first", r.first}, {"last", r.last}}; }
inline json write_rule(const dequeue_rule::requester& r) { return {{"kind", "requester"}, {"user", r.user.str()}}; }
inline json write_rule(const dequeue_rule::absent& r) { return {{"kind", "absent"}, {"present", write_ids(r.present)}}; }
inline json write_rule(const dequeue_rule::duplicates&) { return {{"kind", "duplicates"}}; }
inline json write_rule(const dequeue_rule::source& r) { return {{"kind", "source"}, {"name", r.name}}; }

inline result<void> read_rule(const json& v, const std::string& path, decltype(dequeue_args::rule)& out) {
  object_reader o(v, path);
  std::string kind;
  if (auto r = all([&] { return o.check(); }, [&] { return o.req("kind", kind); }); !r) return r;
  if (kind == "positions") {
    dequeue_rule::positions p;
    if (auto r = all([&] { return o.opt("list", p.list); }, [&] { return o.opt("allow_current", p.allow_current); }); !r)
      return r;
    out = std::move(p);
  } else if (kind == "range") {
    dequeue_rule::range p;
    if (auto r = all([&] { return o.opt("first", p.first); }, [&] { return o.opt("last", p.last); }); !r) return r;
    out = p;
  } else if (kind == "requester") {
    dequeue_rule::requester p;
    if (auto r = o.opt("user", p.user); !r) return r;
    out = p;
  } else if (kind == "absent") {
    dequeue_rule::absent p;
    if (auto r = o.opt("present", p.present); !r) return r;
    out = std::move(p);
  } else if (kind == "duplicates") {
    out = dequeue_rule::duplicates{};
  } else if (kind == "source") {
    dequeue_rule::source p;
    if (auto r = o.opt("name", p.name); !r) return r;
    out = std::move(p);
  } else {
    return bad(error::invalid_value, o.field("kind"),
               fmt::format("'{}' is not one of positions, range, requester, absent, duplicates, source", kind));
  }
  return {};
}

// --- Events: {"type": <name>, ...fields}.

inline json write_event(const session_events::track_started& e) {
  return {{"type", "track_started"}, {"item", to_json_value(e.item)}};
}
inline json write_event(const session_events::track_ended& e) {
  return {{"type", "track_ended"}, {"item", to_json_value(e.item)}, {"reason", write(e.reason)}};
}
inline json write_event(const session_events::state_changed& e) {
  return {{"type", "state_changed"}, {"state", to_json_value(e.state)}};
}
inline json write_event(const session_events::node_moved& e) {
  return {{"type", "node_moved"}, {"from", e.from}, {"to", e.to}};
}
inline json write_event(const session_events::channel_moved& e) {
  return {{"type", "channel_moved"}, {"from", e.from.str()}, {"to", e.to.str()}};
}
inline json write_event(const session_events::closed& e) {
  return {{"type", "closed"}, {"reason", write(e.reason)}, {"detail", e.detail}};
}

template <class Event>
result<void> read_event_fields(const object_reader& o, Event& e) {
  using namespace session_events;
  if constexpr (std::is_same_v<Event, track_started>) return o.opt("item", e.item);
  else if constexpr (std::is_same_v<Event, track_ended>)
    return all([&] { return o.opt("item", e.item); }, [&] { return o.opt("reason", e.reason); });
  else if constexpr (std::is_same_v<Event, state_changed>) return o.req("state", e.state);
  else if constexpr (std::is_same_v<Event, closed>)
    return all([&] { return o.opt("reason", e.reason); }, [&] { return o.opt("detail", e.detail); });
  else return all([&] { return o.opt("from", e.from); }, [&] { return o.opt("to", e.to); });
}

inline constexpr std::array<std::string_view, std::variant_size_v<session_event>> event_names{
    "track_started", "track_ended", "state_changed", "node_moved", "channel_moved", "closed"};

template <std::size_t I = 0>
result<void> read_event_of_kind(const object_reader& o, std::string_view kind, session_event& out) {
  if constexpr (I == std::variant_size_v<session_event>) {
    return bad(error::invalid_value, o.field("type"),
               fmt::format("'{}' is not one of track_started, track_ended, state_changed, node_moved, "
                           "channel_moved, closed",
                           kind));
  } else {
    if (kind != event_names[I]) return read_event_of_kind<I + 1>(o, kind, out);
    std::variant_alternative_t<I, session_event> e{};
    if (auto r = read_event_fields(o, e); !r) return r;
    out = std::move(e);
    return {};
  }
}

}  // namespace hanabi::detail::session_json

namespace hanabi {

namespace sj = detail::session_json;

nlohmann::json to_json_value(const session_address& a) { return {{"guild", a.guild.str()}, {"voice", a.voice.str()}}; }
nlohmann::json to_json_value(const connect_args& a) { return {{"by", a.by.str()}}; }
nlohmann::json to_json_value(const disconnect_args& a) { return {{"by", a.by.str()}}; }
nlohmann::json to_json_value(const stop_args& a) { return {{"by", a.by.str()}}; }

nlohmann::json to_json_value(const play_args& a) {
  return {{"query", a.query},
          {"by", a.by.str()},
          {"position", a.position ? nlohmann::json(*a.position) : nlohmann::json(nullptr)},
          {"next", a.next},
          {"start_time", a.start_time},
          {"end_time", a.end_time}};
}

nlohmann::json to_json_value(const enqueue_entry& e) {
  return {{"track", e.track ? sj::write(*e.track) : nlohmann::json(nullptr)},
          {"source", e.source},
          {"start_time", e.start_time},
          {"end_time", e.end_time}};
}

nlohmann::json to_json_value(const enqueue_args& a) {
  return {{"entries", sj::write_list(a.entries)},
          {"by", a.by.str()},
          {"options",
           {{"mode", sj::write(a.options.mode)},
            {"shuffle", a.options.shuffle},
            {"reverse", a.options.reverse},
            {"caller", a.options.caller.str()}}}};
}

nlohmann::json to_json_value(const enqueue_outcome& o) {
  return {{"positions", o.positions},
          {"failed", o.failed},
          {"playlist_name", o.playlist_name},
          {"first_title", o.first_title},
          {"started", o.started}};
}

nlohmann::json to_json_value(const skip_args& a) {
  return {{"how", sj::write(a.how)}, {"value", a.value}, {"by", a.by.str()}};
}
nlohmann::json to_json_value(const seek_args& a) {
  return {{"value", a.value}, {"relative", a.relative}, {"by", a.by.str()}};
}
nlohmann::json to_json_value(const pause_args& a) { return {{"paused", a.paused}, {"by", a.by.str()}}; }
nlohmann::json to_json_value(const volume_args& a) {
  return {{"value", a.value}, {"relative", a.relative}, {"by", a.by.str()}};
}
nlohmann::json to_json_value(const repeat_args& a) { return {{"mode", sj::write(a.mode)}, {"by", a.by.str()}}; }
nlohmann::json to_json_value(const shuffle_args& a) { return {{"undo", a.undo}, {"by", a.by.str()}}; }

nlohmann::json to_json_value(const dequeue_args& a) {
  return {{"rule", std::visit([](const auto& r) { return sj::write_rule(r); }, a.rule)},
          {"scope", sj::write(a.scope)},
          {"by", a.by.str()}};
}

nlohmann::json to_json_value(const move_args& a) { return {{"from", a.from}, {"to", a.to}, {"by", a.by.str()}}; }
nlohmann::json to_json_value(const clear_args& a) { return {{"upcoming_only", a.upcoming_only}, {"by", a.by.str()}}; }

nlohmann::json to_json_value(const filter_args& a) {
  nlohmann::json j{{"by", a.by.str()}};
  if (const auto* preset = std::get_if<std::string>(&a.set)) j["preset"] = *preset;
  else j["filters"] = sj::write(std::get<protocol::filters>(a.set));
  return j;
}

nlohmann::json to_json_value(const page_args& a) { return {{"number", a.number}, {"size", a.size}}; }

nlohmann::json to_json_value(const item_view& i) {
  return {{"position", i.position},       {"id", i.id},
          {"title", i.title},             {"author", i.author},
          {"uri", i.uri},                 {"artwork_url", i.artwork_url},
          {"identifier", i.identifier},   {"source_name", i.source_name},
          {"encoded", i.encoded},         {"length", i.length},
          {"is_stream", i.is_stream},     {"requester", i.requester.str()},
          {"start_time", i.start_time},   {"end_time", i.end_time},
          {"added_at", i.added_at}};
}

nlohmann::json to_json_value(const now_playing& n) {
  return {{"item", to_json_value(n.item)},
          {"position", n.position},
          {"paused", n.paused},
          {"volume", n.volume},
          {"repeat", sj::write(n.repeat)}};
}

nlohmann::json to_json_value(const queue_view& q) {
  return {{"items", sj::write_list(q.items)},
          {"page", q.page},
          {"pages", q.pages},
          {"current_position", q.current_position},
          {"total", q.total},
          {"durations", sj::write_durations(q.durations)}};
}

nlohmann::json to_json_value(const session_state& s) {
  return {{"address", to_json_value(s.address)},
          {"bot", s.bot},
          {"lifetime", sj::write(s.lifetime)},
          {"connected", s.connected},
          {"active", s.active},
          {"paused", s.paused},
          {"volume", s.volume},
          {"repeat", sj::write(s.repeat)},
          {"filters", sj::write(s.filters)},
          {"current_position", s.current_position},
          {"queue_size", s.queue_size},
          {"current", to_json_value(s.current)},
          {"node", s.node},
          {"created_at", s.created_at},
          {"last_active_at", s.last_active_at}};
}

nlohmann::json to_json_value(const action_record& a) {
  return {{"at", a.at}, {"by", a.by.str()}, {"action", a.action}, {"detail", a.detail}};
}

nlohmann::json to_json_value(const session_event& e) {
  return std::visit([](const auto& ev) { return sj::write_event(ev); }, e);
}

nlohmann::json to_json_value(const failure& f) {
  nlohmann::json j{{"code", f.code.value()}, {"message", f.diag.client_message()}};
  if (f.diag.server_error()) j["lavalink"] = *f.diag.server_error();
  return j;
}

nlohmann::json to_json_value(const std::vector<item_view>& items) { return sj::write_list(items); }
nlohmann::json to_json_value(const std::vector<action_record>& records) { return sj::write_list(records); }
nlohmann::json to_json_value(const std::optional<now_playing>& n) {
  return n ? to_json_value(*n) : nlohmann::json(nullptr);
}

std::string_view to_string(close_reason r) noexcept { return sj::name_of(sj::close_names, r); }

}  // namespace hanabi

namespace hanabi::detail {

using session_json::all;
using session_json::object_reader;

result<void> session_json_into(const nlohmann::json& j, session_address& out) {
  return session_json::read(j, "address", out);
}

result<void> session_json_into(const nlohmann::json& j, connect_args& out) {
  object_reader o(j, "connect");
  return all([&] { return o.check(); }, [&] { return o.opt("by", out.by); });
}

result<void> session_json_into(const nlohmann::json& j, disconnect_args& out) {
  object_reader o(j, "disconnect");
  return all([&] { return o.check(); }, [&] { return o.opt("by", out.by); });
}

result<void> session_json_into(const nlohmann::json& j, stop_args& out) {
  object_reader o(j, "stop");
  return all([&] { return o.check(); }, [&] { return o.opt("by", out.by); });
}

result<void> session_json_into(const nlohmann::json& j, play_args& out) {
  object_reader o(j, "play");
  return all([&] { return o.check(); }, [&] { return o.opt("query", out.query); },
             [&] { return o.opt("by", out.by); }, [&] { return o.opt("position", out.position); },
             [&] { return o.opt("next", out.next); }, [&] { return o.opt("start_time", out.start_time); },
             [&] { return o.opt("end_time", out.end_time); });
}

result<void> session_json_into(const nlohmann::json& j, enqueue_entry& out) {
  return session_json::read(j, "entry", out);
}

result<void> session_json_into(const nlohmann::json& j, enqueue_args& out) {
  object_reader o(j, "enqueue");
  return all([&] { return o.check(); }, [&] { return o.opt("entries", out.entries); },
             [&] { return o.opt("by", out.by); }, [&] { return o.opt("options", out.options); });
}

result<void> session_json_into(const nlohmann::json& j, enqueue_outcome& out) {
  object_reader o(j, "outcome");
  return all([&] { return o.check(); }, [&] { return o.opt("positions", out.positions); },
             [&] { return o.opt("failed", out.failed); }, [&] { return o.opt("playlist_name", out.playlist_name); },
             [&] { return o.opt("first_title", out.first_title); }, [&] { return o.opt("started", out.started); });
}

result<void> session_json_into(const nlohmann::json& j, skip_args& out) {
  object_reader o(j, "skip");
  return all([&] { return o.check(); }, [&] { return o.opt("how", out.how); },
             [&] { return o.opt("value", out.value); }, [&] { return o.opt("by", out.by); });
}

result<void> session_json_into(const nlohmann::json& j, seek_args& out) {
  object_reader o(j, "seek");
  return all([&] { return o.check(); }, [&] { return o.opt("value", out.value); },
             [&] { return o.opt("relative", out.relative); }, [&] { return o.opt("by", out.by); });
}

result<void> session_json_into(const nlohmann::json& j, pause_args& out) {
  object_reader o(j, "pause");
  return all([&] { return o.check(); }, [&] { return o.opt("paused", out.paused); },
             [&] { return o.opt("by", out.by); });
}

result<void> session_json_into(const nlohmann::json& j, volume_args& out) {
  object_reader o(j, "volume");
  return all([&] { return o.check(); }, [&] { return o.opt("value", out.value); },
             [&] { return o.opt("relative", out.relative); }, [&] { return o.opt("by", out.by); });
}

result<void> session_json_into(const nlohmann::json& j, repeat_args& out) {
  object_reader o(j, "repeat");
  return all([&] { return o.check(); }, [&] { return o.opt("mode", out.mode); },
             [&] { return o.opt("by", out.by); });
}

result<void> session_json_into(const nlohmann::json& j, shuffle_args& out) {
  object_reader o(j, "shuffle");
  return all([&] { return o.check(); }, [&] { return o.opt("undo", out.undo); },
             [&] { return o.opt("by", out.by); });
}

result<void> session_json_into(const nlohmann::json& j, dequeue_args& out) {
  object_reader o(j, "dequeue");
  if (auto r = o.check(); !r) return r;
  auto rule = j.find("rule");
  if (rule == j.end()) return session_json::bad(error::missing_field, o.field("rule"), "is missing");
  return all([&] { return session_json::read_rule(*rule, o.field("rule"), out.rule); },
             [&] { return o.opt("scope", out.scope); }, [&] { return o.opt("by", out.by); });
}

result<void> session_json_into(const nlohmann::json& j, move_args& out) {
  object_reader o(j, "move");
  return all([&] { return o.check(); }, [&] { return o.opt("from", out.from); }, [&] { return o.opt("to", out.to); },
             [&] { return o.opt("by", out.by); });
}

result<void> session_json_into(const nlohmann::json& j, clear_args& out) {
  object_reader o(j, "clear");
  return all([&] { return o.check(); }, [&] { return o.opt("upcoming_only", out.upcoming_only); },
             [&] { return o.opt("by", out.by); });
}

result<void> session_json_into(const nlohmann::json& j, filter_args& out) {
  object_reader o(j, "filters");
  if (auto r = all([&] { return o.check(); }, [&] { return o.opt("by", out.by); }); !r) return r;
  if (j.contains("preset")) {
    std::string preset;
    if (auto r = o.req("preset", preset); !r) return r;
    out.set = std::move(preset);
    return {};
  }
  protocol::filters f;
  if (auto r = o.req("filters", f); !r) return r;
  out.set = std::move(f);
  return {};
}

result<void> session_json_into(const nlohmann::json& j, page_args& out) {
  object_reader o(j, "page");
  return all([&] { return o.check(); }, [&] { return o.opt("number", out.number); },
             [&] { return o.opt("size", out.size); });
}

result<void> session_json_into(const nlohmann::json& j, item_view& out) { return session_json::read(j, "item", out); }

result<void> session_json_into(const nlohmann::json& j, now_playing& out) {
  return session_json::read(j, "now_playing", out);
}

result<void> session_json_into(const nlohmann::json& j, queue_view& out) {
  object_reader o(j, "queue");
  return all([&] { return o.check(); }, [&] { return o.opt("items", out.items); },
             [&] { return o.opt("page", out.page); }, [&] { return o.opt("pages", out.pages); },
             [&] { return o.opt("current_position", out.current_position); },
             [&] { return o.opt("total", out.total); }, [&] { return o.opt("durations", out.durations); });
}

result<void> session_json_into(const nlohmann::json& j, session_state& out) {
  return session_json::read(j, "state", out);
}

result<void> session_json_into(const nlohmann::json& j, action_record& out) {
  return session_json::read(j, "action", out);
}

result<void> session_json_into(const nlohmann::json& j, session_event& out) {
  object_reader o(j, "event");
  std::string kind;
  if (auto r = all([&] { return o.check(); }, [&] { return o.req("type", kind); }); !r) return r;
  return session_json::read_event_of_kind(o, kind, out);
}

HANABI_DECL result<void> failure_json_into(const nlohmann::json& j, failure& out) {
  object_reader o(j, "error");
  int code = 0;
  std::string message;
  if (auto r = all([&] { return o.check(); }, [&] { return o.req("code", code); },
                   [&] { return o.opt("message", message); });
      !r)
    return r;
  out = failure{error_code(code, error_category()), diagnostics(std::move(message))};
  if (auto lavalink = j.find("lavalink"); lavalink != j.end() && !lavalink->is_null()) {
    auto body = protocol::decode<lavalink_error>(lavalink->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    if (!body)
      return failure{body.error().code, diagnostics(o.field("lavalink") + ": " + body.error().diag.client_message())};
    out.diag.set_server_error(std::move(*body));
  }
  return {};
}

result<void> session_json_into(const nlohmann::json& j, std::vector<item_view>& out) {
  return session_json::read(j, "items", out);
}

result<void> session_json_into(const nlohmann::json& j, std::vector<action_record>& out) {
  return session_json::read(j, "history", out);
}

result<void> session_json_into(const nlohmann::json& j, std::optional<now_playing>& out) {
  return session_json::read(j, "now_playing", out);
}

}  // namespace hanabi::detail

namespace hanabi {

result<void> decode_json_into(const nlohmann::json& j, failure& out) { return detail::failure_json_into(j, out); }

}  // namespace hanabi
