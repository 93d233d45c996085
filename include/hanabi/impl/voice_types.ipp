// Parsing of Discord's voice dispatches and the close-code policy.
#pragma once

#include <hanabi/player/voice_types.hpp>

namespace hanabi {
namespace detail {

// The `d` object of a dispatch, or the object itself when it is already a bare `d`.
inline result<const nlohmann::json*> dispatch_payload(const nlohmann::json& doc) {
  if (!doc.is_object()) return failure{error::unexpected_type, "a voice update must be a JSON object"};
  auto d = doc.find("d");
  if (d == doc.end()) return &doc;
  if (!d->is_object()) return failure{error::unexpected_type, "\"d\" must be an object"};
  return &*d;
}

inline result<std::string> required_string(const nlohmann::json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end()) return failure{error::missing_field, std::string("missing \"") + key + "\""};
  if (!it->is_string()) return failure{error::unexpected_type, std::string("\"") + key + "\" must be a string"};
  return it->get<std::string>();
}

// A string or null; a missing key counts as null.
inline result<std::optional<std::string>> nullable_string(const nlohmann::json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::optional<std::string>{};
  if (!it->is_string()) return failure{error::unexpected_type, std::string("\"") + key + "\" must be a string or null"};
  return std::optional<std::string>{it->get<std::string>()};
}

template <class Id>
result<Id> required_id(const nlohmann::json& obj, const char* key) {
  auto s = required_string(obj, key);
  if (!s) return s.error();
  return Id::parse(*s);
}

inline result<nlohmann::json> parse_json(std::string_view text) {
  auto doc = nlohmann::json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return failure{error::malformed_json};
  return result<nlohmann::json>(boost::system::in_place_value, std::move(doc));
}

}  // namespace detail

HANABI_DECL result<voice_state_update> parse_voice_state_update(std::string_view json) {
  auto doc = detail::parse_json(json);
  if (!doc) return doc.error();
  auto d = detail::dispatch_payload(*doc);
  if (!d) return d.error();
  const auto& obj = **d;
  voice_state_update out;
  auto guild = detail::required_id<guild_id>(obj, "guild_id");
  if (!guild) return guild.error();
  auto user = detail::required_id<user_id>(obj, "user_id");
  if (!user) return user.error();
  auto session = detail::required_string(obj, "session_id");
  if (!session) return session.error();
  auto channel = detail::nullable_string(obj, "channel_id");
  if (!channel) return channel.error();
  out.guild = *guild;
  out.user = *user;
  out.session_id = std::move(*session);
  if (*channel) {
    auto id = channel_id::parse(**channel);
    if (!id) return id.error();
    out.channel = *id;
  }
  return out;
}

HANABI_DECL result<voice_server_update> parse_voice_server_update(std::string_view json) {
  auto doc = detail::parse_json(json);
  if (!doc) return doc.error();
  auto d = detail::dispatch_payload(*doc);
  if (!d) return d.error();
  const auto& obj = **d;
  auto guild = detail::required_id<guild_id>(obj, "guild_id");
  if (!guild) return guild.error();
  auto token = detail::required_string(obj, "token");
  if (!token) return token.error();
  auto endpoint = detail::nullable_string(obj, "endpoint");
  if (!endpoint) return endpoint.error();
  return voice_server_update{*guild, std::move(*token), std::move(*endpoint)};
}

HANABI_DECL close_action voice_close_policy(int code) noexcept {
  switch (code) {
    case 4015: return close_action::reconnect;
    case 4014:
    case 4022: return close_action::await_voice_state;
    case 4012:
    case 4016:
    case 4017:
    case 4020:
    case 4021: return close_action::destroy;
    default: return close_action::rejoin;  // 4006, 4009, 4011, 4001-4005, < 4000, unknown
  }
}

}  // namespace hanabi
