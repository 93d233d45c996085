// The on-demand decoders of every Lavalink v4 message (PROTOCOL.md §4–§8, §10.1).
//
// Each struct decoder walks the object's fields once, in whatever order they
// come, dispatching on the key and skipping keys it does not know. Required
// fields are tracked in a bitmask and checked after the walk.
#pragma once

#include <hanabi/protocol/decoder.hpp>
#include <hanabi/detail/json_decode.hpp>

#include <cstring>

namespace hanabi::detail {

struct json_decoder_state {
  simdjson::ondemand::parser parser;
  std::unique_ptr<char[]> buffer;  // the padded copy for string_view inputs
  std::size_t capacity = 0;
};

}  // namespace hanabi::detail

namespace hanabi::detail {

namespace p = hanabi::protocol;

static_assert(p::json_padding == simdjson::SIMDJSON_PADDING, "json_padding must match simdjson's");

// --- tracks and load results ------------------------------------------------------------------

inline bool read(od::value& v, p::track_info& out, json_decode_context& ctx) {
  static constexpr std::string_view names[] = {"identifier", "isSeekable", "author", "length",
                                               "isStream",   "position",   "title",  "sourceName"};
  required_fields req(names);
  return for_each_field(v, ctx, [&](std::string_view key, od::value& f) {
           if (equals(key, "identifier")) return req.seen(0), read(f, out.identifier, ctx);
           if (equals(key, "isSeekable")) return req.seen(1), read(f, out.is_seekable, ctx);
           if (equals(key, "author")) return req.seen(2), read(f, out.author, ctx);
           if (equals(key, "length")) return req.seen(3), read(f, out.length, ctx);
           if (equals(key, "isStream")) return req.seen(4), read(f, out.is_stream, ctx);
           if (equals(key, "position")) return req.seen(5), read(f, out.position, ctx);
           if (equals(key, "title")) return req.seen(6), read(f, out.title, ctx);
           if (equals(key, "uri")) return read(f, out.uri, ctx);
           if (equals(key, "sourceName")) return req.seen(7), read(f, out.source_name, ctx);
           if (equals(key, "artworkUrl")) return read(f, out.artwork_url, ctx);
           if (equals(key, "isrc")) return read(f, out.isrc, ctx);
           return true;
         }) &&
         req.check(ctx);
}

inline bool read(od::value& v, p::track& out, json_decode_context& ctx) {
  static constexpr std::string_view names[] = {"encoded", "info"};
  required_fields req(names);
  return for_each_field(v, ctx, [&](std::string_view key, od::value& f) {
           if (equals(key, "encoded")) return req.seen(0), read(f, out.encoded, ctx);
           if (equals(key, "info")) return req.seen(1), read(f, out.info, ctx);
           if (equals(key, "pluginInfo")) return read_model_object(f, out.plugin_info, ctx);
           if (equals(key, "userData")) return read_model_object(f, out.user_data, ctx);
           return true;
         }) &&
         req.check(ctx);
}

inline bool read(od::value& v, std::vector<p::track>& out, json_decode_context& ctx) {
  return read_counted(v, out, ctx, [&](od::value& e, p::track& element) { return read(e, element, ctx); });
}

inline bool read(od::value& v, p::playlist_info& out, json_decode_context& ctx) {
  static constexpr std::string_view names[] = {"name", "selectedTrack"};
  required_fields req(names);
  return for_each_field(v, ctx, [&](std::string_view key, od::value& f) {
           if (equals(key, "name")) return req.seen(0), read(f, out.name, ctx);
           if (equals(key, "selectedTrack")) return req.seen(1), read(f, out.selected_track, ctx);
           return true;
         }) &&
         req.check(ctx);
}

inline bool read(od::value& v, p::severity& out, json_decode_context& ctx) {
  std::string_view s;
  if (!read_view(v, s, ctx)) return false;
  if (equals(s, "common")) out = p::severity::common;
  else if (equals(s, "suspicious")) out = p::severity::suspicious;
  else if (equals(s, "fault")) out = p::severity::fault;
  else return ctx.fail(error::invalid_value, fmt::format("unknown severity \"{}\"", s));
  return true;
}

inline bool read(od::value& v, p::exception& out, json_decode_context& ctx) {
  static constexpr std::string_view names[] = {"severity", "cause"};
  required_fields req(names);
  return for_each_field(v, ctx, [&](std::string_view key, od::value& f) {
           if (equals(key, "message")) return read(f, out.message, ctx);
           if (equals(key, "severity")) return req.seen(0), read(f, out.severity, ctx);
           if (equals(key, "cause")) return req.seen(1), read(f, out.cause, ctx);
           if (equals(key, "causeStackTrace")) return read(f, out.cause_stack_trace, ctx);
           return true;
         }) &&
         req.check(ctx);
}

inline bool read(od::value& v, p::playlist_loaded& out, json_decode_context& ctx) {
  static constexpr std::string_view names[] = {"info", "tracks"};
  required_fields req(names);
  return for_each_field(v, ctx, [&](std::string_view key, od::value& f) {
           if (equals(key, "info")) return req.seen(0), read(f, out.info, ctx);
           if (equals(key, "pluginInfo")) return read_model_object(f, out.plugin_info, ctx);
           if (equals(key, "tracks")) return req.seen(1), read(f, out.tracks, ctx);
           return true;
         }) &&
         req.check(ctx);
}

// `data` of loadType "empty": null on the real server, {} in older docs.
inline bool read_empty_data(od::value& v, json_decode_context& ctx) {
  bool is_null = false;
  if (!take_null(v, is_null, ctx)) return false;
  if (is_null) return true;
  return for_each_field(v, ctx, [](std::string_view, od::value&) { return true; });
}

inline bool read_load_data(od::value& data, std::string_view load_type, p::load_result& out,
                           json_decode_context& ctx) {
  if (equals(load_type, "track")) return read(data, out.emplace<p::track_loaded>().track, ctx);
  if (equals(load_type, "playlist")) return read(data, out.emplace<p::playlist_loaded>(), ctx);
  if (equals(load_type, "search")) return read(data, out.emplace<p::search_loaded>().tracks, ctx);
  if (equals(load_type, "error")) return read(data, out.emplace<p::load_failed>().exception, ctx);
  out.emplace<p::nothing_loaded>();
  return read_empty_data(data, ctx);
}

// Reads a string discriminator (op, type, loadType) wherever it sits in the object.
inline bool find_tag(od::object& obj, std::string_view key, std::string_view& tag, json_decode_context& ctx) {
  od::value v;
  auto e = obj.find_field_unordered(key).get(v);
  if (e == simdjson::NO_SUCH_FIELD) {
    ctx.fail(error::missing_field, "missing required field");
    return ctx.in(key);
  }
  if (e) return ctx.fail(error::malformed_json, simdjson::error_message(e));
  return read_view(v, tag, ctx) || ctx.in(key);
}

inline bool as_object(od::value& v, od::object& obj, json_decode_context& ctx) {
  if (auto e = v.get_object().get(obj)) return fail_read(ctx, e, v, expect_object);
  return true;
}

inline bool rewind(od::object& obj, json_decode_context& ctx) {
  bool empty = false;
  if (auto e = obj.reset().get(empty)) return ctx.fail(error::malformed_json, simdjson::error_message(e));
  return true;
}

inline bool read(od::value& v, p::load_result& out, json_decode_context& ctx) {
  od::object obj;
  std::string_view load_type;
  if (!as_object(v, obj, ctx) || !find_tag(obj, "loadType", load_type, ctx)) return false;
  if (!equals(load_type, "track") && !equals(load_type, "playlist") && !equals(load_type, "search") && !equals(load_type, "empty") &&
      !equals(load_type, "error")) {
    ctx.fail(error::invalid_value, fmt::format("unknown loadType \"{}\"", load_type));
    return ctx.in("loadType");
  }
  // The tag lives in the parser's string buffer, which the field walk reuses: keep a copy.
  const std::string type(load_type);
  bool has_data = false;
  if (!rewind(obj, ctx)) return false;
  if (!for_each_field(obj, ctx, [&](std::string_view key, od::value& f) {
        if (!equals(key, "data")) return true;
        has_data = true;
        return read_load_data(f, type, out, ctx);
      }))
    return false;
  if (has_data) return true;
  if (equals(type, "empty")) return out.emplace<p::nothing_loaded>(), true;
  ctx.fail(error::missing_field, "missing required field");
  return ctx.in("data");
}

// --- players and requests ------------------------------------------------------------------------

inline bool read(od::value& v, p::player_state& out, json_decode_context& ctx) {
  static constexpr std::string_view names[] = {"time", "position", "connected", "ping"};
  required_fields req(names);
  return for_each_field(v, ctx, [&](std::string_view key, od::value& f) {
           if (equals(key, "time")) return req.seen(0), read(f, out.time, ctx);
           if (equals(key, "position")) return req.seen(1), read(f, out.position, ctx);
           if (equals(key, "connected")) return req.seen(2), read(f, out.connected, ctx);
           if (equals(key, "ping")) return req.seen(3), read(f, out.ping, ctx);
           return true;
         }) &&
         req.check(ctx);
}

inline bool read(od::value& v, p::voice_state& out, json_decode_context& ctx) {
  static constexpr std::string_view names[] = {"token", "endpoint", "sessionId"};
  required_fields req(names);
  return for_each_field(v, ctx, [&](std::string_view key, od::value& f) {
           if (equals(key, "token")) return req.seen(0), read(f, out.token, ctx);
           if (equals(key, "endpoint")) return req.seen(1), read(f, out.endpoint, ctx);
           if (equals(key, "sessionId")) return req.seen(2), read(f, out.session_id, ctx);
           if (equals(key, "channelId")) {
             bool is_null = false;
             if (!take_null(f, is_null, ctx)) return false;
             if (is_null) return out.channel_id.reset(), true;
             return read(f, out.channel_id.emplace(), ctx);
           }
           return true;
         }) &&
         req.check(ctx);
}

// An object filter: null turns it off; sub-fields left out keep their defaults.
template <class T, class F>
bool read_object_filter(od::value& v, p::nullable<T>& out, json_decode_context& ctx, F&& on_field) {
  bool is_null = false;
  if (!take_null(v, is_null, ctx)) return false;
  if (is_null) return out = nullptr, true;
  out = T{};
  return for_each_field(v, ctx, [&](std::string_view key, od::value& f) { return on_field(key, f, *out); });
}

inline bool read(od::value& v, p::equalizer_band& out, json_decode_context& ctx) {
  static constexpr std::string_view names[] = {"band"};
  required_fields req(names);
  out.gain = 1.0;  // what the server assumes when gain is left out
  return for_each_field(v, ctx, [&](std::string_view key, od::value& f) {
           if (equals(key, "band")) return req.seen(0), read(f, out.band, ctx);
           if (equals(key, "gain")) return read(f, out.gain, ctx);
           return true;
         }) &&
         req.check(ctx);
}

inline bool read(od::value& v, p::filters& out, json_decode_context& ctx) {
  return for_each_field(v, ctx, [&](std::string_view key, od::value& f) {
    if (equals(key, "volume")) return read(f, out.volume.emplace(), ctx);
    if (equals(key, "equalizer")) {
      auto& bands = out.equalizer.emplace();
      return for_each_element(f, ctx, [&](std::size_t, od::value& e) { return read(e, bands.emplace_back(), ctx); });
    }
    if (equals(key, "karaoke"))
      return read_object_filter(f, out.karaoke, ctx, [&](std::string_view k, od::value& x, p::karaoke& o) {
        if (equals(k, "level")) return read(x, o.level, ctx);
        if (equals(k, "monoLevel")) return read(x, o.mono_level, ctx);
        if (equals(k, "filterBand")) return read(x, o.filter_band, ctx);
        if (equals(k, "filterWidth")) return read(x, o.filter_width, ctx);
        return true;
      });
    if (equals(key, "timescale"))
      return read_object_filter(f, out.timescale, ctx, [&](std::string_view k, od::value& x, p::timescale& o) {
        if (equals(k, "speed")) return read(x, o.speed, ctx);
        if (equals(k, "pitch")) return read(x, o.pitch, ctx);
        if (equals(k, "rate")) return read(x, o.rate, ctx);
        return true;
      });
    if (equals(key, "tremolo"))
      return read_object_filter(f, out.tremolo, ctx, [&](std::string_view k, od::value& x, p::tremolo& o) {
        if (equals(k, "frequency")) return read(x, o.frequency, ctx);
        if (equals(k, "depth")) return read(x, o.depth, ctx);
        return true;
      });
    if (equals(key, "vibrato"))
      return read_object_filter(f, out.vibrato, ctx, [&](std::string_view k, od::value& x, p::vibrato& o) {
        if (equals(k, "frequency")) return read(x, o.frequency, ctx);
        if (equals(k, "depth")) return read(x, o.depth, ctx);
        return true;
      });
    if (equals(key, "rotation"))
      return read_object_filter(f, out.rotation, ctx, [&](std::string_view k, od::value& x, p::rotation& o) {
        if (equals(k, "rotationHz")) return read(x, o.rotation_hz, ctx);
        return true;
      });
    if (equals(key, "distortion"))
      return read_object_filter(f, out.distortion, ctx, [&](std::string_view k, od::value& x, p::distortion& o) {
        if (equals(k, "sinOffset")) return read(x, o.sin_offset, ctx);
        if (equals(k, "sinScale")) return read(x, o.sin_scale, ctx);
        if (equals(k, "cosOffset")) return read(x, o.cos_offset, ctx);
        if (equals(k, "cosScale")) return read(x, o.cos_scale, ctx);
        if (equals(k, "tanOffset")) return read(x, o.tan_offset, ctx);
        if (equals(k, "tanScale")) return read(x, o.tan_scale, ctx);
        if (equals(k, "offset")) return read(x, o.offset, ctx);
        if (equals(k, "scale")) return read(x, o.scale, ctx);
        return true;
      });
    if (equals(key, "channelMix"))
      return read_object_filter(f, out.channel_mix, ctx, [&](std::string_view k, od::value& x, p::channel_mix& o) {
        if (equals(k, "leftToLeft")) return read(x, o.left_to_left, ctx);
        if (equals(k, "leftToRight")) return read(x, o.left_to_right, ctx);
        if (equals(k, "rightToLeft")) return read(x, o.right_to_left, ctx);
        if (equals(k, "rightToRight")) return read(x, o.right_to_right, ctx);
        return true;
      });
    if (equals(key, "lowPass"))
      return read_object_filter(f, out.low_pass, ctx, [&](std::string_view k, od::value& x, p::low_pass& o) {
        if (equals(k, "smoothing")) return read(x, o.smoothing, ctx);
        return true;
      });
    if (equals(key, "pluginFilters")) return read_opaque_object(f, out.plugin_filters.emplace(), ctx);
    return true;
  });
}

inline bool read(od::value& v, p::player& out, json_decode_context& ctx) {
  static constexpr std::string_view names[] = {"guildId", "track", "volume", "paused", "state", "voice"};
  required_fields req(names);
  return for_each_field(v, ctx, [&](std::string_view key, od::value& f) {
           if (equals(key, "guildId")) return req.seen(0), read(f, out.guild_id, ctx);
           if (equals(key, "track")) {
             req.seen(1);
             bool is_null = false;
             if (!take_null(f, is_null, ctx)) return false;
             if (is_null) return out.track.reset(), true;
             return read(f, out.track.emplace(), ctx);
           }
           if (equals(key, "volume")) return req.seen(2), read(f, out.volume, ctx);
           if (equals(key, "paused")) return req.seen(3), read(f, out.paused, ctx);
           if (equals(key, "state")) return req.seen(4), read(f, out.state, ctx);
           if (equals(key, "voice")) return req.seen(5), read(f, out.voice, ctx);
           if (equals(key, "filters")) return read(f, out.filters, ctx);
           return true;
         }) &&
         req.check(ctx);
}

inline bool read(od::value& v, std::vector<p::player>& out, json_decode_context& ctx) {
  return read_counted(v, out, ctx, [&](od::value& e, p::player& element) { return read(e, element, ctx); });
}

// A nullable request field: null is kept as an explicit null.
template <class T>
bool read(od::value& v, p::nullable<T>& out, json_decode_context& ctx) {
  bool is_null = false;
  if (!take_null(v, is_null, ctx)) return false;
  if (is_null) return out = nullptr, true;
  out = T{};
  return read(v, *out, ctx);
}

inline bool read(od::value& v, p::update_player_track& out, json_decode_context& ctx) {
  return for_each_field(v, ctx, [&](std::string_view key, od::value& f) {
    if (equals(key, "encoded")) return read(f, out.encoded, ctx);
    if (equals(key, "identifier")) return read(f, out.identifier.emplace(), ctx);
    if (equals(key, "userData")) return read_opaque_object(f, out.user_data.emplace(), ctx);
    return true;
  });
}

inline bool read(od::value& v, p::update_player& out, json_decode_context& ctx) {
  return for_each_field(v, ctx, [&](std::string_view key, od::value& f) {
    if (equals(key, "track")) return read(f, out.track.emplace(), ctx);
    if (equals(key, "encodedTrack")) return read(f, out.encoded_track, ctx);
    if (equals(key, "identifier")) return read(f, out.identifier.emplace(), ctx);
    if (equals(key, "position")) return read(f, out.position.emplace(), ctx);
    if (equals(key, "endTime")) return read(f, out.end_time, ctx);
    if (equals(key, "volume")) return read(f, out.volume.emplace(), ctx);
    if (equals(key, "paused")) return read(f, out.paused.emplace(), ctx);
    if (equals(key, "filters")) return read(f, out.filters.emplace(), ctx);
    if (equals(key, "voice")) return read(f, out.voice.emplace(), ctx);
    return true;
  });
}

inline bool read(od::value& v, p::update_session& out, json_decode_context& ctx) {
  return for_each_field(v, ctx, [&](std::string_view key, od::value& f) {
    if (equals(key, "resuming")) return read(f, out.resuming.emplace(), ctx);
    if (equals(key, "timeout")) return read(f, out.timeout.emplace(), ctx);
    return true;
  });
}

inline bool read(od::value& v, p::session& out, json_decode_context& ctx) {
  static constexpr std::string_view names[] = {"resuming", "timeout"};
  required_fields req(names);
  return for_each_field(v, ctx, [&](std::string_view key, od::value& f) {
           if (equals(key, "resuming")) return req.seen(0), read(f, out.resuming, ctx);
           if (equals(key, "timeout")) return req.seen(1), read(f, out.timeout, ctx);
           return true;
         }) &&
         req.check(ctx);
}

// --- WebSocket messages ----------------------------------------------------------------------

inline bool read(od::value& v, p::memory_stats& out, json_decode_context& ctx) {
  static constexpr std::string_view names[] = {"free", "used", "allocated", "reservable"};
  required_fields req(names);
  return for_each_field(v, ctx, [&](std::string_view key, od::value& f) {
           if (equals(key, "free")) return req.seen(0), read(f, out.free, ctx);
           if (equals(key, "used")) return req.seen(1), read(f, out.used, ctx);
           if (equals(key, "allocated")) return req.seen(2), read(f, out.allocated, ctx);
           if (equals(key, "reservable")) return req.seen(3), read(f, out.reservable, ctx);
           return true;
         }) &&
         req.check(ctx);
}

inline bool read(od::value& v, p::cpu_stats& out, json_decode_context& ctx) {
  static constexpr std::string_view names[] = {"cores", "systemLoad", "lavalinkLoad"};
  required_fields req(names);
  return for_each_field(v, ctx, [&](std::string_view key, od::value& f) {
           if (equals(key, "cores")) return req.seen(0), read(f, out.cores, ctx);
           if (equals(key, "systemLoad")) return req.seen(1), read(f, out.system_load, ctx);
           if (equals(key, "lavalinkLoad")) return req.seen(2), read(f, out.lavalink_load, ctx);
           return true;
         }) &&
         req.check(ctx);
}

inline bool read(od::value& v, p::frame_stats& out, json_decode_context& ctx) {
  static constexpr std::string_view names[] = {"sent", "nulled", "deficit"};
  required_fields req(names);
  return for_each_field(v, ctx, [&](std::string_view key, od::value& f) {
           if (equals(key, "sent")) return req.seen(0), read(f, out.sent, ctx);
           if (equals(key, "nulled")) return req.seen(1), read(f, out.nulled, ctx);
           if (equals(key, "deficit")) return req.seen(2), read(f, out.deficit, ctx);
           return true;
         }) &&
         req.check(ctx);
}

template <class Source>
bool read(Source& v, p::stats& out, json_decode_context& ctx) {
  static constexpr std::string_view names[] = {"players", "playingPlayers", "uptime", "memory", "cpu"};
  required_fields req(names);
  return for_each_field(v, ctx, [&](std::string_view key, od::value& f) {
           if (equals(key, "players")) return req.seen(0), read(f, out.players, ctx);
           if (equals(key, "playingPlayers")) return req.seen(1), read(f, out.playing_players, ctx);
           if (equals(key, "uptime")) return req.seen(2), read(f, out.uptime, ctx);
           if (equals(key, "memory")) return req.seen(3), read(f, out.memory, ctx);
           if (equals(key, "cpu")) return req.seen(4), read(f, out.cpu, ctx);
           if (equals(key, "frameStats")) {
             bool is_null = false;
             if (!take_null(f, is_null, ctx)) return false;
             if (is_null) return out.frame_stats.reset(), true;
             return read(f, out.frame_stats.emplace(), ctx);
           }
           return true;
         }) &&
         req.check(ctx);
}

template <class Source>
bool read(Source& v, p::ready& out, json_decode_context& ctx) {
  static constexpr std::string_view names[] = {"resumed", "sessionId"};
  required_fields req(names);
  return for_each_field(v, ctx, [&](std::string_view key, od::value& f) {
           if (equals(key, "resumed")) return req.seen(0), read(f, out.resumed, ctx);
           if (equals(key, "sessionId")) return req.seen(1), read(f, out.session_id, ctx);
           return true;
         }) &&
         req.check(ctx);
}

template <class Source>
bool read(Source& v, p::player_update& out, json_decode_context& ctx) {
  static constexpr std::string_view names[] = {"guildId", "state"};
  required_fields req(names);
  return for_each_field(v, ctx, [&](std::string_view key, od::value& f) {
           if (equals(key, "guildId")) return req.seen(0), read(f, out.guild_id, ctx);
           if (equals(key, "state")) return req.seen(1), read(f, out.state, ctx);
           return true;
         }) &&
         req.check(ctx);
}

inline bool read(od::value& v, p::track_end_reason& out, json_decode_context& ctx) {
  std::string_view s;
  if (!read_view(v, s, ctx)) return false;
  if (equals(s, "finished")) out = p::track_end_reason::finished;
  else if (equals(s, "loadFailed")) out = p::track_end_reason::load_failed;
  else if (equals(s, "stopped")) out = p::track_end_reason::stopped;
  else if (equals(s, "replaced")) out = p::track_end_reason::replaced;
  else if (equals(s, "cleanup")) out = p::track_end_reason::cleanup;
  else return ctx.fail(error::invalid_value, fmt::format("unknown track end reason \"{}\"", s));
  return true;
}

// The fields every event type has: guildId, and for track events the track.
template <class Source, class Event, class F>
bool read_event(Source& v, Event& out, std::span<const std::string_view> names, json_decode_context& ctx,
                F&& on_field) {
  required_fields req(names);
  return for_each_field(v, ctx, [&](std::string_view key, od::value& f) {
           if (equals(key, "guildId")) return req.seen(0), read(f, out.guild_id, ctx);
           return on_field(key, f, req);
         }) &&
         req.check(ctx);
}

inline bool read_event_of_type(od::object& v, std::string_view type, p::ws_message& out, json_decode_context& ctx) {
  if (equals(type, "TrackStartEvent")) {
    static constexpr std::string_view names[] = {"guildId", "track"};
    auto& e = out.emplace<p::track_start_event>();
    return read_event(v, e, names, ctx, [&](std::string_view key, od::value& f, required_fields& req) {
      if (equals(key, "track")) return req.seen(1), read(f, e.track, ctx);
      return true;
    });
  }
  if (equals(type, "TrackEndEvent")) {
    static constexpr std::string_view names[] = {"guildId", "track", "reason"};
    auto& e = out.emplace<p::track_end_event>();
    return read_event(v, e, names, ctx, [&](std::string_view key, od::value& f, required_fields& req) {
      if (equals(key, "track")) return req.seen(1), read(f, e.track, ctx);
      if (equals(key, "reason")) return req.seen(2), read(f, e.reason, ctx);
      return true;
    });
  }
  if (equals(type, "TrackExceptionEvent")) {
    static constexpr std::string_view names[] = {"guildId", "track", "exception"};
    auto& e = out.emplace<p::track_exception_event>();
    return read_event(v, e, names, ctx, [&](std::string_view key, od::value& f, required_fields& req) {
      if (equals(key, "track")) return req.seen(1), read(f, e.track, ctx);
      if (equals(key, "exception")) return req.seen(2), read(f, e.exception, ctx);
      return true;
    });
  }
  if (equals(type, "TrackStuckEvent")) {
    static constexpr std::string_view names[] = {"guildId", "track", "thresholdMs"};
    auto& e = out.emplace<p::track_stuck_event>();
    return read_event(v, e, names, ctx, [&](std::string_view key, od::value& f, required_fields& req) {
      if (equals(key, "track")) return req.seen(1), read(f, e.track, ctx);
      if (equals(key, "thresholdMs")) return req.seen(2), read(f, e.threshold_ms, ctx);
      return true;
    });
  }
  if (equals(type, "WebSocketClosedEvent")) {
    static constexpr std::string_view names[] = {"guildId", "code", "reason", "byRemote"};
    auto& e = out.emplace<p::websocket_closed_event>();
    return read_event(v, e, names, ctx, [&](std::string_view key, od::value& f, required_fields& req) {
      if (equals(key, "code")) return req.seen(1), read(f, e.code, ctx);
      if (equals(key, "reason")) return req.seen(2), read(f, e.reason, ctx);
      if (equals(key, "byRemote")) return req.seen(3), read(f, e.by_remote, ctx);
      return true;
    });
  }
  static constexpr std::string_view names[] = {"guildId"};
  auto& e = out.emplace<p::unknown_event>();
  e.type = std::string(type);
  return read_event(v, e, names, ctx, [](std::string_view, od::value&, required_fields&) { return true; });
}

inline bool read(od::value& v, p::ws_message& out, json_decode_context& ctx) {
  od::object obj;
  std::string_view tag;
  if (!as_object(v, obj, ctx) || !find_tag(obj, "op", tag, ctx)) return false;
  // Copy: the tag lives in the parser's string buffer, which the field walk below reuses.
  const std::string op(tag);
  if (equals(op, "event")) {
    if (!find_tag(obj, "type", tag, ctx)) return false;
    const std::string type(tag);
    return rewind(obj, ctx) && read_event_of_type(obj, type, out, ctx);
  }
  if (!rewind(obj, ctx)) return false;
  if (equals(op, "playerUpdate")) return read(obj, out.emplace<p::player_update>(), ctx);
  if (equals(op, "stats")) return read(obj, out.emplace<p::stats>(), ctx);
  if (equals(op, "ready")) return read(obj, out.emplace<p::ready>(), ctx);
  out.emplace<p::unknown_op>().op = op;
  return for_each_field(obj, ctx, [](std::string_view, od::value&) { return true; });
}

// --- node information ------------------------------------------------------------------------

inline bool read(od::value& v, std::vector<std::string>& out, json_decode_context& ctx) {
  out.clear();
  return for_each_element(v, ctx, [&](std::size_t, od::value& e) { return read(e, out.emplace_back(), ctx); });
}

inline bool read(od::value& v, p::version& out, json_decode_context& ctx) {
  static constexpr std::string_view names[] = {"semver", "major", "minor", "patch"};
  required_fields req(names);
  return for_each_field(v, ctx, [&](std::string_view key, od::value& f) {
           if (equals(key, "semver")) return req.seen(0), read(f, out.semver, ctx);
           if (equals(key, "major")) return req.seen(1), read(f, out.major, ctx);
           if (equals(key, "minor")) return req.seen(2), read(f, out.minor, ctx);
           if (equals(key, "patch")) return req.seen(3), read(f, out.patch, ctx);
           if (equals(key, "preRelease")) return read(f, out.pre_release, ctx);
           return true;  // `build` (docs only) and anything newer
         }) &&
         req.check(ctx);
}

inline bool read(od::value& v, p::git_info& out, json_decode_context& ctx) {
  static constexpr std::string_view names[] = {"branch", "commit", "commitTime"};
  required_fields req(names);
  return for_each_field(v, ctx, [&](std::string_view key, od::value& f) {
           if (equals(key, "branch")) return req.seen(0), read(f, out.branch, ctx);
           if (equals(key, "commit")) return req.seen(1), read(f, out.commit, ctx);
           if (equals(key, "commitTime")) return req.seen(2), read(f, out.commit_time, ctx);
           return true;
         }) &&
         req.check(ctx);
}

inline bool read(od::value& v, p::plugin& out, json_decode_context& ctx) {
  static constexpr std::string_view names[] = {"name", "version"};
  required_fields req(names);
  return for_each_field(v, ctx, [&](std::string_view key, od::value& f) {
           if (equals(key, "name")) return req.seen(0), read(f, out.name, ctx);
           if (equals(key, "version")) return req.seen(1), read(f, out.version, ctx);
           return true;
         }) &&
         req.check(ctx);
}

inline bool read(od::value& v, p::info& out, json_decode_context& ctx) {
  static constexpr std::string_view names[] = {"version", "buildTime",      "git",     "jvm",
                                               "lavaplayer", "sourceManagers", "filters", "plugins"};
  required_fields req(names);
  return for_each_field(v, ctx, [&](std::string_view key, od::value& f) {
           if (equals(key, "version")) return req.seen(0), read(f, out.version, ctx);
           if (equals(key, "buildTime")) return req.seen(1), read(f, out.build_time, ctx);
           if (equals(key, "git")) return req.seen(2), read(f, out.git, ctx);
           if (equals(key, "jvm")) return req.seen(3), read(f, out.jvm, ctx);
           if (equals(key, "lavaplayer")) return req.seen(4), read(f, out.lavaplayer, ctx);
           if (equals(key, "sourceManagers")) return req.seen(5), read(f, out.source_managers, ctx);
           if (equals(key, "filters")) return req.seen(6), read(f, out.filters, ctx);
           if (equals(key, "plugins")) {
             req.seen(7);
             out.plugins.clear();
             return for_each_element(f, ctx, [&](std::size_t, od::value& e) { return read(e, out.plugins.emplace_back(), ctx); });
           }
           return true;
         }) &&
         req.check(ctx);
}

inline bool read(od::value& v, p::ip_block& out, json_decode_context& ctx) {
  static constexpr std::string_view names[] = {"type", "size"};
  required_fields req(names);
  return for_each_field(v, ctx, [&](std::string_view key, od::value& f) {
           if (equals(key, "type")) return req.seen(0), read(f, out.type, ctx);
           if (equals(key, "size")) return req.seen(1), read(f, out.size, ctx);
           return true;
         }) &&
         req.check(ctx);
}

inline bool read(od::value& v, p::failing_address& out, json_decode_context& ctx) {
  static constexpr std::string_view names[] = {"failingAddress", "failingTimestamp", "failingTime"};
  required_fields req(names);
  return for_each_field(v, ctx, [&](std::string_view key, od::value& f) {
           if (equals(key, "failingAddress")) return req.seen(0), read(f, out.address, ctx);
           if (equals(key, "failingTimestamp")) return req.seen(1), read(f, out.timestamp, ctx);
           if (equals(key, "failingTime")) return req.seen(2), read(f, out.time, ctx);
           return true;
         }) &&
         req.check(ctx);
}

// `details` of one planner class: the shared block and failing addresses, plus on_field's extras.
template <class Details, class F>
bool read_planner_details(od::value& v, Details& out, std::span<const std::string_view> names,
                          json_decode_context& ctx, F&& on_field) {
  required_fields req(names);
  return for_each_field(v, ctx, [&](std::string_view key, od::value& f) {
           if (equals(key, "ipBlock")) return req.seen(0), read(f, out.ip_block, ctx);
           if (equals(key, "failingAddresses")) {
             req.seen(1);
             out.failing_addresses.clear();
             return for_each_element(f, ctx, [&](std::size_t, od::value& e) {
               return read(e, out.failing_addresses.emplace_back(), ctx);
             });
           }
           return on_field(key, f, req);
         }) &&
         req.check(ctx);
}

inline bool read_planner(od::value& v, std::string_view cls, p::route_planner_status& out, json_decode_context& ctx) {
  if (equals(cls, "RotatingIpRoutePlanner")) {
    static constexpr std::string_view names[] = {"ipBlock", "failingAddresses", "rotateIndex", "ipIndex",
                                                 "currentAddress"};
    auto& d = out.emplace<p::rotating_ip_route_planner>();
    return read_planner_details(v, d, names, ctx, [&](std::string_view key, od::value& f, required_fields& req) {
      if (equals(key, "rotateIndex")) return req.seen(2), read(f, d.rotate_index, ctx);
      if (equals(key, "ipIndex")) return req.seen(3), read(f, d.ip_index, ctx);
      if (equals(key, "currentAddress")) return req.seen(4), read(f, d.current_address, ctx);
      return true;
    });
  }
  if (equals(cls, "NanoIpRoutePlanner")) {
    static constexpr std::string_view names[] = {"ipBlock", "failingAddresses", "currentAddressIndex"};
    auto& d = out.emplace<p::nano_ip_route_planner>();
    return read_planner_details(v, d, names, ctx, [&](std::string_view key, od::value& f, required_fields& req) {
      if (equals(key, "currentAddressIndex")) return req.seen(2), read(f, d.current_address_index, ctx);
      return true;
    });
  }
  if (equals(cls, "RotatingNanoIpRoutePlanner")) {
    static constexpr std::string_view names[] = {"ipBlock", "failingAddresses", "blockIndex", "currentAddressIndex"};
    auto& d = out.emplace<p::rotating_nano_ip_route_planner>();
    return read_planner_details(v, d, names, ctx, [&](std::string_view key, od::value& f, required_fields& req) {
      if (equals(key, "blockIndex")) return req.seen(2), read(f, d.block_index, ctx);
      if (equals(key, "currentAddressIndex")) return req.seen(3), read(f, d.current_address_index, ctx);
      return true;
    });
  }
  static constexpr std::string_view names[] = {"ipBlock", "failingAddresses"};
  auto& d = out.emplace<p::balancing_ip_route_planner>();
  return read_planner_details(v, d, names, ctx, [](std::string_view, od::value&, required_fields&) { return true; });
}

inline bool read(od::value& v, p::route_planner_status& out, json_decode_context& ctx) {
  od::object obj;
  if (!as_object(v, obj, ctx)) return false;
  od::value cls_value;
  auto e = obj.find_field_unordered("class").get(cls_value);
  if (e == simdjson::NO_SUCH_FIELD) {
    ctx.fail(error::missing_field, "missing required field");
    return ctx.in("class");
  }
  if (e) return ctx.fail(error::malformed_json, simdjson::error_message(e));
  std::optional<std::string> cls;
  if (!read(cls_value, cls, ctx)) return ctx.in("class");
  if (cls && !equals(*cls, "RotatingIpRoutePlanner") && !equals(*cls, "NanoIpRoutePlanner") &&
      !equals(*cls, "RotatingNanoIpRoutePlanner") && !equals(*cls, "BalancingIpRoutePlanner")) {
    ctx.fail(error::invalid_value, fmt::format("unknown route planner class \"{}\"", *cls));
    return ctx.in("class");
  }
  if (!cls) out.emplace<p::no_route_planner>();
  bool has_details = false;
  if (!rewind(obj, ctx)) return false;
  if (!for_each_field(obj, ctx, [&](std::string_view key, od::value& f) {
        if (!equals(key, "details") || !cls) return true;
        has_details = true;
        return read_planner(f, *cls, out, ctx);
      }))
    return false;
  if (has_details || !cls) return true;
  ctx.fail(error::missing_field, "missing required field");
  return ctx.in("details");
}

inline bool read(od::value& v, p::free_address_request& out, json_decode_context& ctx) {
  static constexpr std::string_view names[] = {"address"};
  required_fields req(names);
  return for_each_field(v, ctx, [&](std::string_view key, od::value& f) {
           if (equals(key, "address")) return req.seen(0), read(f, out.address, ctx);
           return true;
         }) &&
         req.check(ctx);
}

// Spring's error body. Only timestamp and status are required: a client should surface
// whatever else came, even from a server configured to hide the message.
inline bool read(od::value& v, lavalink_error& out, json_decode_context& ctx) {
  static constexpr std::string_view names[] = {"timestamp", "status"};
  required_fields req(names);
  return for_each_field(v, ctx, [&](std::string_view key, od::value& f) {
           if (equals(key, "timestamp")) return req.seen(0), read(f, out.timestamp, ctx);
           if (equals(key, "status")) return req.seen(1), read(f, out.status, ctx);
           if (equals(key, "error")) return read(f, out.error, ctx);
           if (equals(key, "trace")) return read(f, out.trace, ctx);
           if (equals(key, "message")) return read(f, out.message, ctx);
           if (equals(key, "path")) return read(f, out.path, ctx);
           return true;
         }) &&
         req.check(ctx);
}

// Parses one document whose root must be an object or an array, and rejects trailing content.
template <class T>
result<void> decode_document(od::parser& parser, protocol::padded_view json, T& out) {
  json_decode_context ctx;
  od::document doc;
  auto e = parser.iterate(simdjson::padded_string_view(json.data(), json.size(), json.size() + protocol::json_padding))
               .get(doc);
  od::value root;
  if (!e) e = doc.get_value().get(root);
  if (e == simdjson::SCALAR_DOCUMENT_AS_VALUE) return failure{error::unexpected_type, "expected an object or an array"};
  if (e) return failure{error::malformed_json, simdjson::error_message(e)};
  if (!read(root, out, ctx)) return ctx.to_failure();
  const char* rest = nullptr;
  if (!doc.current_location().get(rest)) return failure{error::malformed_json, "unexpected content after the JSON value"};
  return {};
}

}  // namespace hanabi::detail

namespace hanabi::protocol {

HANABI_DECL decoder::decoder() : state_(std::make_unique<hanabi::detail::json_decoder_state>()) {}
HANABI_DECL decoder::~decoder() = default;
HANABI_DECL decoder::decoder(decoder&&) noexcept = default;
HANABI_DECL decoder& decoder::operator=(decoder&&) noexcept = default;

HANABI_DECL padded_view decoder::pad(std::string_view json) {
  const std::size_t needed = json.size() + json_padding;
  if (needed > state_->capacity) {
    const std::size_t grown = std::max(needed, state_->capacity * 2);
    state_->buffer = std::make_unique_for_overwrite<char[]>(grown);
    state_->capacity = grown;
  }
  if (!json.empty()) std::memcpy(state_->buffer.get(), json.data(), json.size());
  std::memset(state_->buffer.get() + json.size(), 0, json_padding);
  return padded_view::assume_padded(state_->buffer.get(), json.size());
}

#define HANABI_PROTOCOL_DECODE_INTO(T)                                          \
  HANABI_DECL result<void> decoder::decode_into(padded_view json, T& out) {    \
    return hanabi::detail::decode_document(state_->parser, json, out);         \
  }

HANABI_PROTOCOL_DECODE_INTO(ws_message)
HANABI_PROTOCOL_DECODE_INTO(load_result)
HANABI_PROTOCOL_DECODE_INTO(track)
HANABI_PROTOCOL_DECODE_INTO(std::vector<track>)
HANABI_PROTOCOL_DECODE_INTO(player)
HANABI_PROTOCOL_DECODE_INTO(std::vector<player>)
HANABI_PROTOCOL_DECODE_INTO(update_player)
HANABI_PROTOCOL_DECODE_INTO(filters)
HANABI_PROTOCOL_DECODE_INTO(update_session)
HANABI_PROTOCOL_DECODE_INTO(session)
HANABI_PROTOCOL_DECODE_INTO(info)
HANABI_PROTOCOL_DECODE_INTO(stats)
HANABI_PROTOCOL_DECODE_INTO(route_planner_status)
HANABI_PROTOCOL_DECODE_INTO(free_address_request)
HANABI_PROTOCOL_DECODE_INTO(std::vector<std::string>)
HANABI_PROTOCOL_DECODE_INTO(lavalink_error)

#undef HANABI_PROTOCOL_DECODE_INTO

}  // namespace hanabi::protocol
