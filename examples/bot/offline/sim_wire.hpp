// The wire of the simulated Discord (`hanabi-bot --offline`): the JSON that travels between a
// child's sim_gateway and the parent's discord_sim over their link. Messages, interactions and
// voice updates cross it; nothing here is part of hanabi's control protocol.
//
// The parent may run in a process of its own too (`hanabi-bot --config FILE --offline-discord`):
// then it is one more bot on this wire, and the only one that gets commands and registers them.
//
// Requests (bot -> simulated Discord), each answered with {} or {"id"} or, when Discord would
// refuse, {"error": bot::errc, "message"}:
//   voice      {guild, channel|null}                 op 4
//   reply      {interaction, message}                answer an interaction
//   defer      {interaction, ephemeral}
//   edit_reply {interaction, message}
//   post       {channel, message}      -> {id}
//   edit       {channel, id, message}
//   delete     {channel, id}
//   register   {commands: [name...]}                the parent's slash commands
// Events (simulated Discord -> bot):
//   command       {interaction, from, name, subcommand, options}   the parent only
//   component     {interaction, from, message, custom_id, values}
//   voice_state   {guild, user, channel|null, session_id}
//   voice_server  {guild, token, endpoint|null}
//   member_voice  {guild, user, channel|null}           someone joined, moved or left
//
// Decoding never throws: a malformed document is a typed error (hanabi::error::malformed_message).
#pragma once

#include "../core/gateway.hpp"

#include <hanabi/diagnostics.hpp>

#include <nlohmann/json.hpp>

namespace bot::offline::wire {

nlohmann::json encode(const message& m);
nlohmann::json encode(const interaction_ref& i);
nlohmann::json encode(const component_invocation& c);
nlohmann::json encode(const command_invocation& c);
nlohmann::json encode(const hanabi::voice_state_update& u);
nlohmann::json encode(const hanabi::voice_server_update& u);

hanabi::result<message> decode_message(const nlohmann::json& j);
hanabi::result<interaction_ref> decode_interaction(const nlohmann::json& j);
hanabi::result<component_invocation> decode_component(const nlohmann::json& j);
hanabi::result<command_invocation> decode_command(const nlohmann::json& j);
hanabi::result<hanabi::voice_state_update> decode_voice_state(const nlohmann::json& j);
hanabi::result<hanabi::voice_server_update> decode_voice_server(const nlohmann::json& j);

/// A snowflake field (a decimal string); `null` or absent gives an empty optional when `optional`.
hanabi::result<std::uint64_t> snowflake(const nlohmann::json& j, const char* key);
hanabi::result<std::optional<std::uint64_t>> optional_snowflake(const nlohmann::json& j, const char* key);

/// A snowflake id as the wire writes it, or null.
template <class Id>
nlohmann::json id_or_null(const std::optional<Id>& id) {
  return id ? nlohmann::json(id->str()) : nlohmann::json(nullptr);
}

/// The answer of a request: {} (with `extra` merged), or the gateway's own error.
nlohmann::json answer(hanabi::error_code ec, nlohmann::json extra = nlohmann::json::object());
/// The error an answer carries (success when it has none).
hanabi::error_code answer_error(const nlohmann::json& answer);

}  // namespace bot::offline::wire
