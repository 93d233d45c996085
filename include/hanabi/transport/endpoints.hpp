// The Lavalink v4 REST routes (PROTOCOL.md §7.2) as request targets, and the
// mapping of HTTP statuses and error bodies onto hanabi errors (§3, §7.1).
#pragma once

#include <hanabi/detail/config.hpp>
#include <hanabi/diagnostics.hpp>
#include <hanabi/ids.hpp>

#include <string>
#include <string_view>
#include <optional>

namespace hanabi::transport {

/// A response as read off the wire, before it is decoded into the model.
struct rest_response {
  unsigned status = 0;
  std::string body;
  std::string content_type;
  /// Whether the response carried `Lavalink-Api-Version: 4`, which every Lavalink response has.
  bool lavalink_v4 = false;
};

/// Request targets. `base` is the node URL's path prefix ("" normally).
namespace endpoints {
HANABI_DECL std::string load_tracks(std::string_view base, std::string_view identifier);
HANABI_DECL std::string decode_track(std::string_view base, std::string_view encoded);
HANABI_DECL std::string decode_tracks(std::string_view base);
HANABI_DECL std::string players(std::string_view base, std::string_view session);
HANABI_DECL std::string player(std::string_view base, std::string_view session, guild_id guild);
HANABI_DECL std::string update_player(std::string_view base, std::string_view session, guild_id guild,
                                      bool no_replace);
HANABI_DECL std::string session(std::string_view base, std::string_view session);
HANABI_DECL std::string info(std::string_view base);
HANABI_DECL std::string stats(std::string_view base);
HANABI_DECL std::string version(std::string_view base);
HANABI_DECL std::string routeplanner_status(std::string_view base);
HANABI_DECL std::string routeplanner_free_address(std::string_view base);
HANABI_DECL std::string routeplanner_free_all(std::string_view base);
}  // namespace endpoints

/// Parses Spring's error body; nullopt when the body is empty or not that object.
HANABI_DECL std::optional<lavalink_error> parse_error_body(std::string_view body);

/// The error a response stands for, or an empty failure for 2xx from a Lavalink v4 node:
/// 401 -> missing_password, 403 -> wrong_password, 400 -> bad_request, 404 -> not_found,
/// 5xx -> server_error, other -> unexpected_status; a response without
/// `Lavalink-Api-Version: 4` -> not_lavalink. The error body lands in the diagnostics.
HANABI_DECL failure classify(const rest_response& response);

}  // namespace hanabi::transport

#ifdef HANABI_HEADER_ONLY
#  include <hanabi/impl/endpoints.ipp>
#endif
