// nlohmann/json encoders of the model (PROTOCOL.md §2 for the null conventions).
#pragma once

#include <hanabi/protocol/encode.hpp>

namespace hanabi::detail {

template <class T>
void put_optional(nlohmann::json& j, const char* key, const std::optional<T>& v) {
  if (v) j[key] = *v;
}

template <class T>
void put_nullable(nlohmann::json& j, const char* key, const protocol::nullable<T>& v) {
  if (v.is_null()) j[key] = nullptr;
  else if (v.has_value()) j[key] = *v;
}

template <class T>
nlohmann::json or_null(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

inline nlohmann::json planner_details(const protocol::ip_block& block,
                                      const std::vector<protocol::failing_address>& failing) {
  return {{"ipBlock", block}, {"failingAddresses", failing}};
}

inline void put_event_header(nlohmann::json& j, const char* type, guild_id guild) {
  j = {{"op", "event"}, {"type", type}, {"guildId", guild.str()}};
}

}  // namespace hanabi::detail

namespace hanabi::protocol {

HANABI_DECL std::string_view to_string(severity s) noexcept {
  switch (s) {
    case severity::common: return "common";
    case severity::suspicious: return "suspicious";
    case severity::fault: return "fault";
  }
  return "fault";
}

HANABI_DECL std::string_view to_string(track_end_reason r) noexcept {
  switch (r) {
    case track_end_reason::finished: return "finished";
    case track_end_reason::load_failed: return "loadFailed";
    case track_end_reason::stopped: return "stopped";
    case track_end_reason::replaced: return "replaced";
    case track_end_reason::cleanup: return "cleanup";
  }
  return "finished";
}

HANABI_DECL void to_json(nlohmann::json& j, severity s) { j = to_string(s); }
HANABI_DECL void to_json(nlohmann::json& j, track_end_reason r) { j = to_string(r); }

HANABI_DECL void to_json(nlohmann::json& j, const track_info& t) {
  j = {{"identifier", t.identifier}, {"isSeekable", t.is_seekable},          {"author", t.author},
       {"length", t.length},         {"isStream", t.is_stream},              {"position", t.position},
       {"title", t.title},           {"uri", hanabi::detail::or_null(t.uri)},         {"sourceName", t.source_name},
       {"artworkUrl", hanabi::detail::or_null(t.artwork_url)}, {"isrc", hanabi::detail::or_null(t.isrc)}};
}

HANABI_DECL void to_json(nlohmann::json& j, const track& t) {
  j = {{"encoded", t.encoded},
       {"info", t.info},
       {"pluginInfo", object_or_empty(t.plugin_info)},
       {"userData", object_or_empty(t.user_data)}};
}

HANABI_DECL void to_json(nlohmann::json& j, const playlist_info& p) {
  j = {{"name", p.name}, {"selectedTrack", p.selected_track}};
}

HANABI_DECL void to_json(nlohmann::json& j, const exception& e) {
  j = {{"message", hanabi::detail::or_null(e.message)}, {"severity", e.severity}, {"cause", e.cause}};
  hanabi::detail::put_optional(j, "causeStackTrace", e.cause_stack_trace);
}

HANABI_DECL void to_json(nlohmann::json& j, const load_result& r) {
  struct visitor {
    nlohmann::json& j;
    void operator()(const track_loaded& l) const { j = {{"loadType", "track"}, {"data", l.track}}; }
    void operator()(const playlist_loaded& l) const {
      j = {{"loadType", "playlist"},
           {"data", {{"info", l.info}, {"pluginInfo", object_or_empty(l.plugin_info)}, {"tracks", l.tracks}}}};
    }
    void operator()(const search_loaded& l) const { j = {{"loadType", "search"}, {"data", l.tracks}}; }
    void operator()(const nothing_loaded&) const { j = {{"loadType", "empty"}, {"data", nullptr}}; }
    void operator()(const load_failed& l) const { j = {{"loadType", "error"}, {"data", l.exception}}; }
  };
  std::visit(visitor{j}, r);
}

HANABI_DECL void to_json(nlohmann::json& j, const player_state& s) {
  j = {{"time", s.time}, {"position", s.position}, {"connected", s.connected}, {"ping", s.ping}};
}

HANABI_DECL void to_json(nlohmann::json& j, const voice_state& v) {
  j = {{"token", v.token}, {"endpoint", v.endpoint}, {"sessionId", v.session_id}};
  j["channelId"] = v.channel_id ? nlohmann::json(v.channel_id->str()) : nlohmann::json(nullptr);
}

HANABI_DECL void to_json(nlohmann::json& j, const equalizer_band& b) { j = {{"band", b.band}, {"gain", b.gain}}; }

HANABI_DECL void to_json(nlohmann::json& j, const filters& f) {
  j = nlohmann::json::object();
  hanabi::detail::put_optional(j, "volume", f.volume);
  hanabi::detail::put_optional(j, "equalizer", f.equalizer);
  if (f.karaoke.is_null()) j["karaoke"] = nullptr;
  else if (f.karaoke.has_value())
    j["karaoke"] = {{"level", f.karaoke->level}, {"monoLevel", f.karaoke->mono_level},
                    {"filterBand", f.karaoke->filter_band}, {"filterWidth", f.karaoke->filter_width}};
  if (f.timescale.is_null()) j["timescale"] = nullptr;
  else if (f.timescale.has_value())
    j["timescale"] = {{"speed", f.timescale->speed}, {"pitch", f.timescale->pitch}, {"rate", f.timescale->rate}};
  if (f.tremolo.is_null()) j["tremolo"] = nullptr;
  else if (f.tremolo.has_value()) j["tremolo"] = {{"frequency", f.tremolo->frequency}, {"depth", f.tremolo->depth}};
  if (f.vibrato.is_null()) j["vibrato"] = nullptr;
  else if (f.vibrato.has_value()) j["vibrato"] = {{"frequency", f.vibrato->frequency}, {"depth", f.vibrato->depth}};
  if (f.rotation.is_null()) j["rotation"] = nullptr;
  else if (f.rotation.has_value()) j["rotation"] = {{"rotationHz", f.rotation->rotation_hz}};
  if (f.distortion.is_null()) j["distortion"] = nullptr;
  else if (f.distortion.has_value()) {
    const auto& d = *f.distortion;
    j["distortion"] = {{"sinOffset", d.sin_offset}, {"sinScale", d.sin_scale}, {"cosOffset", d.cos_offset},
                       {"cosScale", d.cos_scale},   {"tanOffset", d.tan_offset}, {"tanScale", d.tan_scale},
                       {"offset", d.offset},        {"scale", d.scale}};
  }
  if (f.channel_mix.is_null()) j["channelMix"] = nullptr;
  else if (f.channel_mix.has_value()) {
    const auto& c = *f.channel_mix;
    j["channelMix"] = {{"leftToLeft", c.left_to_left}, {"leftToRight", c.left_to_right},
                       {"rightToLeft", c.right_to_left}, {"rightToRight", c.right_to_right}};
  }
  if (f.low_pass.is_null()) j["lowPass"] = nullptr;
  else if (f.low_pass.has_value()) j["lowPass"] = {{"smoothing", f.low_pass->smoothing}};
  hanabi::detail::put_optional(j, "pluginFilters", f.plugin_filters);
}

HANABI_DECL void to_json(nlohmann::json& j, const player& p) {
  j = {{"guildId", p.guild_id.str()}, {"track", hanabi::detail::or_null(p.track)}, {"volume", p.volume},
       {"paused", p.paused},          {"state", p.state},                   {"voice", p.voice},
       {"filters", p.filters}};
}

HANABI_DECL void to_json(nlohmann::json& j, const update_player_track& t) {
  j = nlohmann::json::object();
  hanabi::detail::put_nullable(j, "encoded", t.encoded);
  hanabi::detail::put_optional(j, "identifier", t.identifier);
  hanabi::detail::put_optional(j, "userData", t.user_data);
}

HANABI_DECL void to_json(nlohmann::json& j, const update_player& u) {
  j = nlohmann::json::object();
  hanabi::detail::put_optional(j, "track", u.track);
  hanabi::detail::put_nullable(j, "encodedTrack", u.encoded_track);
  hanabi::detail::put_optional(j, "identifier", u.identifier);
  hanabi::detail::put_optional(j, "position", u.position);
  hanabi::detail::put_nullable(j, "endTime", u.end_time);
  hanabi::detail::put_optional(j, "volume", u.volume);
  hanabi::detail::put_optional(j, "paused", u.paused);
  hanabi::detail::put_optional(j, "filters", u.filters);
  if (u.voice) {
    // A request writes channelId only when set, so an invalid request round-trips unchanged.
    auto& v = j["voice"] = {{"token", u.voice->token}, {"endpoint", u.voice->endpoint},
                            {"sessionId", u.voice->session_id}};
    if (u.voice->channel_id) v["channelId"] = u.voice->channel_id->str();
  }
}

HANABI_DECL void to_json(nlohmann::json& j, const update_session& u) {
  j = nlohmann::json::object();
  hanabi::detail::put_optional(j, "resuming", u.resuming);
  hanabi::detail::put_optional(j, "timeout", u.timeout);
}

HANABI_DECL void to_json(nlohmann::json& j, const session& s) {
  j = {{"resuming", s.resuming}, {"timeout", s.timeout}};
}

HANABI_DECL void to_json(nlohmann::json& j, const ready& r) {
  j = {{"op", "ready"}, {"resumed", r.resumed}, {"sessionId", r.session_id}};
}

HANABI_DECL void to_json(nlohmann::json& j, const player_update& p) {
  j = {{"op", "playerUpdate"}, {"guildId", p.guild_id.str()}, {"state", p.state}};
}

HANABI_DECL void to_json(nlohmann::json& j, const memory_stats& m) {
  j = {{"free", m.free}, {"used", m.used}, {"allocated", m.allocated}, {"reservable", m.reservable}};
}

HANABI_DECL void to_json(nlohmann::json& j, const cpu_stats& c) {
  j = {{"cores", c.cores}, {"systemLoad", c.system_load}, {"lavalinkLoad", c.lavalink_load}};
}

HANABI_DECL void to_json(nlohmann::json& j, const frame_stats& f) {
  j = {{"sent", f.sent}, {"nulled", f.nulled}, {"deficit", f.deficit}};
}

HANABI_DECL void to_json(nlohmann::json& j, const stats& s) {
  j = {{"players", s.players}, {"playingPlayers", s.playing_players}, {"uptime", s.uptime},
       {"memory", s.memory},   {"cpu", s.cpu}};
  hanabi::detail::put_optional(j, "frameStats", s.frame_stats);
}

HANABI_DECL void to_json(nlohmann::json& j, const ws_message& m) {
  struct visitor {
    nlohmann::json& j;
    void operator()(const ready& r) const { to_json(j, r); }
    void operator()(const player_update& p) const { to_json(j, p); }
    void operator()(const stats& s) const {
      to_json(j, s);
      j["op"] = "stats";
      j["frameStats"] = hanabi::detail::or_null(s.frame_stats);
    }
    void operator()(const track_start_event& e) const {
      hanabi::detail::put_event_header(j, "TrackStartEvent", e.guild_id);
      j["track"] = e.track;
    }
    void operator()(const track_end_event& e) const {
      hanabi::detail::put_event_header(j, "TrackEndEvent", e.guild_id);
      j["track"] = e.track;
      j["reason"] = e.reason;
    }
    void operator()(const track_exception_event& e) const {
      hanabi::detail::put_event_header(j, "TrackExceptionEvent", e.guild_id);
      j["track"] = e.track;
      j["exception"] = e.exception;
    }
    void operator()(const track_stuck_event& e) const {
      hanabi::detail::put_event_header(j, "TrackStuckEvent", e.guild_id);
      j["track"] = e.track;
      j["thresholdMs"] = e.threshold_ms;
    }
    void operator()(const websocket_closed_event& e) const {
      hanabi::detail::put_event_header(j, "WebSocketClosedEvent", e.guild_id);
      j["code"] = e.code;
      j["reason"] = e.reason;
      j["byRemote"] = e.by_remote;
    }
    void operator()(const unknown_event& e) const { hanabi::detail::put_event_header(j, e.type.c_str(), e.guild_id); }
    void operator()(const unknown_op& o) const { j = {{"op", o.op}}; }
  };
  std::visit(visitor{j}, m);
}

HANABI_DECL void to_json(nlohmann::json& j, const version& v) {
  j = {{"semver", v.semver}, {"major", v.major}, {"minor", v.minor}, {"patch", v.patch},
       {"preRelease", hanabi::detail::or_null(v.pre_release)}};
}

HANABI_DECL void to_json(nlohmann::json& j, const git_info& g) {
  j = {{"branch", g.branch}, {"commit", g.commit}, {"commitTime", g.commit_time}};
}

HANABI_DECL void to_json(nlohmann::json& j, const plugin& p) { j = {{"name", p.name}, {"version", p.version}}; }

HANABI_DECL void to_json(nlohmann::json& j, const info& i) {
  j = {{"version", i.version},       {"buildTime", i.build_time},          {"git", i.git},
       {"jvm", i.jvm},               {"lavaplayer", i.lavaplayer},         {"sourceManagers", i.source_managers},
       {"filters", i.filters},       {"plugins", i.plugins}};
}

HANABI_DECL void to_json(nlohmann::json& j, const ip_block& b) { j = {{"type", b.type}, {"size", b.size}}; }

HANABI_DECL void to_json(nlohmann::json& j, const failing_address& a) {
  j = {{"failingAddress", a.address}, {"failingTimestamp", a.timestamp}, {"failingTime", a.time}};
}

HANABI_DECL void to_json(nlohmann::json& j, const route_planner_status& s) {
  struct visitor {
    nlohmann::json& j;
    void operator()(const rotating_ip_route_planner& d) const {
      auto details = hanabi::detail::planner_details(d.ip_block, d.failing_addresses);
      details["rotateIndex"] = d.rotate_index;
      details["ipIndex"] = d.ip_index;
      details["currentAddress"] = d.current_address;
      j = {{"class", "RotatingIpRoutePlanner"}, {"details", details}};
    }
    void operator()(const nano_ip_route_planner& d) const {
      auto details = hanabi::detail::planner_details(d.ip_block, d.failing_addresses);
      details["currentAddressIndex"] = d.current_address_index;
      j = {{"class", "NanoIpRoutePlanner"}, {"details", details}};
    }
    void operator()(const rotating_nano_ip_route_planner& d) const {
      auto details = hanabi::detail::planner_details(d.ip_block, d.failing_addresses);
      details["blockIndex"] = d.block_index;
      details["currentAddressIndex"] = d.current_address_index;
      j = {{"class", "RotatingNanoIpRoutePlanner"}, {"details", details}};
    }
    void operator()(const balancing_ip_route_planner& d) const {
      j = {{"class", "BalancingIpRoutePlanner"}, {"details", hanabi::detail::planner_details(d.ip_block, d.failing_addresses)}};
    }
    void operator()(const no_route_planner&) const { j = {{"class", nullptr}, {"details", nullptr}}; }
  };
  std::visit(visitor{j}, s);
}

HANABI_DECL void to_json(nlohmann::json& j, const free_address_request& r) { j = {{"address", r.address}}; }

}  // namespace hanabi::protocol

namespace hanabi {

HANABI_DECL void to_json(nlohmann::json& j, const lavalink_error& e) {
  j = {{"timestamp", e.timestamp}, {"status", e.status}, {"error", e.error}, {"message", e.message},
       {"path", e.path}};
  if (e.trace) j["trace"] = *e.trace;
}

}  // namespace hanabi
