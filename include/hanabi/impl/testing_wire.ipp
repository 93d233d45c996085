// The JSON the fake node writes: Lavalink's key order, explicit nulls for nullable fields,
// Spring error bodies, and the filter set as the server normalises it (PROTOCOL.md §2, §7, §12).
// Internal to the fake node; included by testing_fake_node.ipp only.
#pragma once

#include <hanabi/protocol/track.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hanabi::testing::detail {

using ojson = nlohmann::ordered_json;

inline std::int64_t epoch_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

template <class T>
ojson nullable_json(const std::optional<T>& v) {
  return v ? ojson(*v) : ojson(nullptr);
}

inline ojson track_info_json(const protocol::track_info& i) {
  return ojson{{"identifier", i.identifier}, {"isSeekable", i.is_seekable}, {"author", i.author},
               {"length", i.length},         {"isStream", i.is_stream},     {"position", i.position},
               {"title", i.title},           {"uri", nullable_json(i.uri)}, {"sourceName", i.source_name},
               {"artworkUrl", nullable_json(i.artwork_url)}, {"isrc", nullable_json(i.isrc)}};
}

inline ojson track_json(const protocol::track& t) {
  return ojson{{"encoded", t.encoded},
               {"info", track_info_json(t.info)},
               {"pluginInfo", ojson::parse(protocol::object_or_empty(t.plugin_info).dump())},
               {"userData", ojson::parse(protocol::object_or_empty(t.user_data).dump())}};
}

inline std::string_view severity_name(protocol::severity s) noexcept {
  switch (s) {
    case protocol::severity::common: return "common";
    case protocol::severity::suspicious: return "suspicious";
    case protocol::severity::fault: return "fault";
  }
  return "fault";
}

inline ojson exception_json(const protocol::exception& e) {
  ojson j{{"message", nullable_json(e.message)}, {"severity", severity_name(e.severity)}, {"cause", e.cause}};
  if (e.cause_stack_trace) j["causeStackTrace"] = *e.cause_stack_trace;
  return j;
}

inline ojson load_result_json(const protocol::load_result& r) {
  struct visitor {
    ojson operator()(const protocol::track_loaded& t) const { return {{"loadType", "track"}, {"data", track_json(t.track)}}; }
    ojson operator()(const protocol::playlist_loaded& p) const {
      ojson tracks = ojson::array();
      for (const auto& t : p.tracks) tracks.push_back(track_json(t));
      return {{"loadType", "playlist"},
              {"data", {{"info", {{"name", p.info.name}, {"selectedTrack", p.info.selected_track}}},
                        {"pluginInfo", ojson::parse(protocol::object_or_empty(p.plugin_info).dump())},
                        {"tracks", std::move(tracks)}}}};
    }
    ojson operator()(const protocol::search_loaded& s) const {
      ojson tracks = ojson::array();
      for (const auto& t : s.tracks) tracks.push_back(track_json(t));
      return {{"loadType", "search"}, {"data", std::move(tracks)}};
    }
    ojson operator()(const protocol::nothing_loaded&) const { return {{"loadType", "empty"}, {"data", nullptr}}; }
    ojson operator()(const protocol::load_failed& f) const {
      return {{"loadType", "error"}, {"data", exception_json(f.exception)}};
    }
  };
  return std::visit(visitor{}, r);
}

inline std::string_view reason_phrase(unsigned status) noexcept {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Payload Too Large";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return status >= 500 ? "Internal Server Error" : "Bad Request";
  }
}

/// Spring's error body (§7.1); `trace` only when the request asked for it with ?trace=true.
inline ojson error_body(unsigned status, std::string_view message, std::string_view path, bool with_trace) {
  ojson j{{"timestamp", epoch_ms(std::chrono::system_clock::now())}, {"status", status}, {"error", reason_phrase(status)}};
  if (with_trace)
    j["trace"] = "org.springframework.web.server.ResponseStatusException: " + std::string(message) +
                 "\n\tat hanabi.testing.FakeNode(fake_node)";
  j["message"] = message;
  j["path"] = path;
  return j;
}

/// A filter set as Lavalink stores and echoes it: only the active filters, every field of an
/// object filter written out with its default filled in (§12). nullopt: a value of the wrong
/// type (Spring's generic 400). `bad_band` receives an equalizer band outside 0..14 (a 500).
struct normalized_filters {
  ojson active = ojson::object();
  std::vector<std::string> named;  ///< Filters present and non-null in the request.
  std::optional<std::int64_t> bad_band;
  double rate = 1.0;               ///< timescale speed * rate: how fast the track advances.
};

inline bool is_number(const nlohmann::json& j) { return j.is_number(); }

/// Fills one object filter's fields from `in` over `defaults`; false if a field is not a number.
inline bool fill_object_filter(const nlohmann::json& in, std::initializer_list<std::pair<const char*, double>> defaults,
                               ojson& out) {
  if (!in.is_object()) return false;
  out = ojson::object();
  for (auto [key, value] : defaults) {
    auto it = in.find(key);
    if (it == in.end()) {
      out[key] = value;
    } else if (!it->is_number()) {
      return false;
    } else {
      out[key] = it->get<double>();
    }
  }
  return true;
}

inline std::optional<normalized_filters> normalize_filters(const nlohmann::json& in) {
  if (!in.is_object()) return std::nullopt;
  normalized_filters r;
  if (auto it = in.find("volume"); it != in.end()) {
    if (!it->is_number()) return std::nullopt;  // not nullable
    r.named.push_back("volume");
    if (it->get<double>() != 1.0) r.active["volume"] = it->get<double>();
  }
  if (auto it = in.find("equalizer"); it != in.end()) {
    if (!it->is_array()) return std::nullopt;  // not nullable
    r.named.push_back("equalizer");
    ojson bands = ojson::array();
    bool any = false;
    for (const auto& b : *it) {
      if (!b.is_object() || !b.contains("band") || !b["band"].is_number_integer()) return std::nullopt;
      auto band = b["band"].get<std::int64_t>();
      double gain = 1.0;  // lavalink's default for a missing gain (§12)
      if (b.contains("gain")) {
        if (!b["gain"].is_number()) return std::nullopt;
        gain = b["gain"].get<double>();
      }
      if (band < 0 || band > 14) r.bad_band = band;
      any = any || gain != 0.0;
      bands.push_back(ojson{{"band", band}, {"gain", gain}});
    }
    if (any) r.active["equalizer"] = std::move(bands);
  }
  struct object_filter {
    const char* name;
    std::initializer_list<std::pair<const char*, double>> defaults;
  };
  const object_filter objects[] = {
      {"karaoke", {{"level", 1.0}, {"monoLevel", 1.0}, {"filterBand", 220.0}, {"filterWidth", 100.0}}},
      {"timescale", {{"speed", 1.0}, {"pitch", 1.0}, {"rate", 1.0}}},
      {"tremolo", {{"frequency", 2.0}, {"depth", 0.5}}},
      {"vibrato", {{"frequency", 2.0}, {"depth", 0.5}}},
      {"rotation", {{"rotationHz", 0.0}}},
      {"distortion", {{"sinOffset", 0.0}, {"sinScale", 1.0}, {"cosOffset", 0.0}, {"cosScale", 1.0},
                      {"tanOffset", 0.0}, {"tanScale", 1.0}, {"offset", 0.0}, {"scale", 1.0}}},
      {"channelMix", {{"leftToLeft", 1.0}, {"leftToRight", 0.0}, {"rightToLeft", 0.0}, {"rightToRight", 1.0}}},
      {"lowPass", {{"smoothing", 20.0}}},
  };
  for (const auto& f : objects) {
    auto it = in.find(f.name);
    if (it == in.end() || it->is_null()) continue;  // null: the filter is off
    ojson filled;
    if (!fill_object_filter(*it, f.defaults, filled)) return std::nullopt;
    r.named.push_back(f.name);
    bool differs = false;
    for (auto [key, value] : f.defaults) differs = differs || filled[key].get<double>() != value;
    const std::string_view name = f.name;
    bool active = name == "karaoke" ? true
                  : name == "tremolo" || name == "vibrato" ? filled["depth"].get<double>() != 0.0
                  : name == "lowPass" ? filled["smoothing"].get<double>() > 1.0
                                      : differs;
    if (name == "timescale" && active) r.rate = filled["speed"].get<double>() * filled["rate"].get<double>();
    if (active) r.active[f.name] = std::move(filled);
  }
  if (auto it = in.find("pluginFilters"); it != in.end() && !it->is_null()) {
    if (!it->is_object()) return std::nullopt;
    for (auto p = it->begin(); p != it->end(); ++p) r.named.push_back(p.key());
    if (!it->empty()) r.active["pluginFilters"] = ojson::parse(it->dump());
  }
  return r;
}

}  // namespace hanabi::testing::detail
