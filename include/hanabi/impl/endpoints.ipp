#pragma once

#include <hanabi/detail/url.hpp>
#include <hanabi/transport/endpoints.hpp>

#include <nlohmann/json.hpp>

namespace hanabi::transport {

namespace endpoints {

HANABI_DECL std::string load_tracks(std::string_view base, std::string_view identifier) {
  return fmt::format("{}/v4/loadtracks?identifier={}", base, detail::url_encode(identifier));
}
HANABI_DECL std::string decode_track(std::string_view base, std::string_view encoded) {
  return fmt::format("{}/v4/decodetrack?encodedTrack={}", base, detail::url_encode(encoded));
}
HANABI_DECL std::string decode_tracks(std::string_view base) { return fmt::format("{}/v4/decodetracks", base); }
HANABI_DECL std::string players(std::string_view base, std::string_view session) {
  return fmt::format("{}/v4/sessions/{}/players", base, detail::url_encode(session));
}
HANABI_DECL std::string player(std::string_view base, std::string_view session, guild_id guild) {
  return fmt::format("{}/v4/sessions/{}/players/{}", base, detail::url_encode(session), guild.value());
}
HANABI_DECL std::string update_player(std::string_view base, std::string_view session, guild_id guild,
                                      bool no_replace) {
  return fmt::format("{}/v4/sessions/{}/players/{}?noReplace={}", base, detail::url_encode(session), guild.value(),
                     no_replace);
}
HANABI_DECL std::string session(std::string_view base, std::string_view session) {
  return fmt::format("{}/v4/sessions/{}", base, detail::url_encode(session));
}
HANABI_DECL std::string info(std::string_view base) { return fmt::format("{}/v4/info", base); }
HANABI_DECL std::string stats(std::string_view base) { return fmt::format("{}/v4/stats", base); }
HANABI_DECL std::string version(std::string_view base) { return fmt::format("{}/version", base); }
HANABI_DECL std::string routeplanner_status(std::string_view base) {
  return fmt::format("{}/v4/routeplanner/status", base);
}
HANABI_DECL std::string routeplanner_free_address(std::string_view base) {
  return fmt::format("{}/v4/routeplanner/free/address", base);
}
HANABI_DECL std::string routeplanner_free_all(std::string_view base) {
  return fmt::format("{}/v4/routeplanner/free/all", base);
}

}  // namespace endpoints

HANABI_DECL std::optional<lavalink_error> parse_error_body(std::string_view body) {
  auto json = nlohmann::json::parse(body, nullptr, false);
  if (!json.is_object() || !json.contains("status")) return std::nullopt;
  lavalink_error e;
  auto text = [&](const char* key) -> std::string {
    auto it = json.find(key);
    return it != json.end() && it->is_string() ? it->get<std::string>() : std::string{};
  };
  if (auto it = json.find("timestamp"); it != json.end() && it->is_number_integer()) e.timestamp = it->get<std::int64_t>();
  if (auto it = json.find("status"); it != json.end() && it->is_number_integer()) e.status = it->get<int>();
  e.error = text("error");
  e.message = text("message");
  e.path = text("path");
  if (auto it = json.find("trace"); it != json.end() && it->is_string()) e.trace = it->get<std::string>();
  return e;
}

namespace endpoints_impl {
inline error status_error(unsigned status) noexcept {
  switch (status) {
    case 400: return error::bad_request;
    case 401: return error::missing_password;
    case 403: return error::wrong_password;
    case 404: return error::not_found;
    default: return status >= 500 && status < 600 ? error::server_error : error::unexpected_status;
  }
}
}  // namespace endpoints_impl

HANABI_DECL failure classify(const rest_response& response) {
  const unsigned s = response.status;
  // Lavalink's auth filter answers before anything else; check it first so a wrong
  // password is reported as such even by a proxy that strips headers.
  if (s == 401 || s == 403) return failure{endpoints_impl::status_error(s)};
  if (!response.lavalink_v4)
    return failure{error::not_lavalink,
                   fmt::format("HTTP {} without the Lavalink-Api-Version: 4 header", s)};
  if (s >= 200 && s < 300) return failure{};
  failure f{endpoints_impl::status_error(s), fmt::format("HTTP {}", s)};
  if (auto body = parse_error_body(response.body)) f.diag.set_server_error(std::move(*body));
  return f;
}

}  // namespace hanabi::transport
