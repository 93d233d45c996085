// Encoding the model as Lavalink JSON with nlohmann/json: requests a client sends,
// and everything a server emits (hanabi's fake node uses the same functions).
//
// Responses are written the way Lavalink writes them (PROTOCOL.md §2): nullable
// fields always present, `null` included. Requests are written exactly as set:
// a field left absent is not written, a `nullable` set to null is written as null.
//
//     std::string body = hanabi::protocol::encode(update);   // PATCH body
//     nlohmann::json j = player;                            // via to_json (ADL)
#pragma once

#include <hanabi/detail/config.hpp>
#include <hanabi/diagnostics.hpp>
#include <hanabi/protocol/events.hpp>
#include <hanabi/protocol/info.hpp>
#include <hanabi/protocol/player.hpp>
#include <hanabi/protocol/session.hpp>
#include <hanabi/protocol/track.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace hanabi::protocol {

/// The wire names of the enums.
HANABI_DECL std::string_view to_string(severity s) noexcept;
HANABI_DECL std::string_view to_string(track_end_reason r) noexcept;

HANABI_DECL void to_json(nlohmann::json& j, severity s);
HANABI_DECL void to_json(nlohmann::json& j, track_end_reason r);
HANABI_DECL void to_json(nlohmann::json& j, const track_info& t);
HANABI_DECL void to_json(nlohmann::json& j, const track& t);
HANABI_DECL void to_json(nlohmann::json& j, const playlist_info& p);
HANABI_DECL void to_json(nlohmann::json& j, const exception& e);
/// {"loadType": ..., "data": ...}; loadType "empty" is written with `data: null`, as the server does.
HANABI_DECL void to_json(nlohmann::json& j, const load_result& r);
HANABI_DECL void to_json(nlohmann::json& j, const player_state& s);
/// Response form: channelId is written, null when unset. (update_player omits an unset channelId.)
HANABI_DECL void to_json(nlohmann::json& j, const voice_state& v);
HANABI_DECL void to_json(nlohmann::json& j, const equalizer_band& b);
/// Only the filters that are present; an object filter set to null is written as null.
HANABI_DECL void to_json(nlohmann::json& j, const filters& f);
HANABI_DECL void to_json(nlohmann::json& j, const player& p);
/// Exactly the fields that are set.
HANABI_DECL void to_json(nlohmann::json& j, const update_player_track& t);
/// Exactly the fields that are set.
HANABI_DECL void to_json(nlohmann::json& j, const update_player& u);
HANABI_DECL void to_json(nlohmann::json& j, const update_session& u);
HANABI_DECL void to_json(nlohmann::json& j, const session& s);
HANABI_DECL void to_json(nlohmann::json& j, const ready& r);
HANABI_DECL void to_json(nlohmann::json& j, const player_update& p);
HANABI_DECL void to_json(nlohmann::json& j, const memory_stats& m);
HANABI_DECL void to_json(nlohmann::json& j, const cpu_stats& c);
HANABI_DECL void to_json(nlohmann::json& j, const frame_stats& f);
/// REST form (GET /v4/stats): frameStats only when present. The WS form is ws_message's.
HANABI_DECL void to_json(nlohmann::json& j, const stats& s);
/// The WebSocket frame, with `op` (and `type` for events). The stats op always carries
/// frameStats, null when there is no data.
HANABI_DECL void to_json(nlohmann::json& j, const ws_message& m);
HANABI_DECL void to_json(nlohmann::json& j, const version& v);
HANABI_DECL void to_json(nlohmann::json& j, const git_info& g);
HANABI_DECL void to_json(nlohmann::json& j, const plugin& p);
HANABI_DECL void to_json(nlohmann::json& j, const info& i);
HANABI_DECL void to_json(nlohmann::json& j, const ip_block& b);
HANABI_DECL void to_json(nlohmann::json& j, const failing_address& a);
HANABI_DECL void to_json(nlohmann::json& j, const route_planner_status& s);
HANABI_DECL void to_json(nlohmann::json& j, const free_address_request& r);

/// Serialises any model value (or a vector of them) to compact JSON text.
template <class T>
std::string encode(const T& value) {
  return nlohmann::json(value).dump();
}

}  // namespace hanabi::protocol

namespace hanabi {
/// Spring's error body, as Lavalink writes it; `trace` only when set.
HANABI_DECL void to_json(nlohmann::json& j, const lavalink_error& e);
}  // namespace hanabi

#ifdef HANABI_HEADER_ONLY
#  include <hanabi/impl/protocol_encode.ipp>
#endif
