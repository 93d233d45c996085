#include "sim_wire.hpp"

#include "../core/errors.hpp"

#include <hanabi/error.hpp>

#include <fmt/format.h>

#include <map>
#include <string>
#include <utility>

// The message structs as JSON, for this file only (the gateway interface stays free of JSON).
namespace bot {

NLOHMANN_JSON_SERIALIZE_ENUM(button_style, {{button_style::primary, "primary"},
                                            {button_style::secondary, "secondary"},
                                            {button_style::success, "success"},
                                            {button_style::danger, "danger"}})
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(embed_field, name, value, is_inline)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(embed, title, url, description, thumbnail, footer, color, fields)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(button, custom_id, emoji, label, style, disabled)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(select_option, value, label, description)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(select_menu, custom_id, placeholder, options)

void to_json(nlohmann::json& j, const component& c) {
  std::visit([&](const auto& x) { j = {{std::is_same_v<std::decay_t<decltype(x)>, button> ? "button" : "select", x}}; },
             c);
}
void from_json(const nlohmann::json& j, component& c) {
  if (j.contains("button"))
    c = j.at("button").get<button>();
  else
    c = j.at("select").get<select_menu>();
}

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(action_row, components)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(message, content, embeds, rows, ephemeral)

}  // namespace bot

namespace bot::offline::wire {

namespace {

hanabi::failure malformed(std::string what) {
  return hanabi::failure{hanabi::error::malformed_message, hanabi::diagnostics{std::move(what)}};
}

// Runs a decoder that may throw nlohmann's exceptions, as a typed result.
template <class F>
auto guarded(const char* what, F f) -> decltype(f()) {
  try {
    return f();
  } catch (const nlohmann::json::exception& e) {
    return malformed(fmt::format("{}: {}", what, e.what()));
  }
}

}  // namespace

hanabi::result<std::uint64_t> snowflake(const nlohmann::json& j, const char* key) {
  auto it = j.is_object() ? j.find(key) : j.end();
  if (it == j.end() || !it->is_string()) return malformed(fmt::format("{} is not a snowflake string", key));
  auto id = hanabi::guild_id::parse(it->get<std::string>());
  if (!id) return malformed(fmt::format("{} is not a snowflake", key));
  return id->value();
}

hanabi::result<std::optional<std::uint64_t>> optional_snowflake(const nlohmann::json& j, const char* key) {
  auto it = j.is_object() ? j.find(key) : j.end();
  if (it == j.end() || it->is_null()) return std::optional<std::uint64_t>{};
  auto id = snowflake(j, key);
  if (!id) return id.error();
  return std::optional<std::uint64_t>(*id);
}

nlohmann::json encode(const message& m) { return m; }

nlohmann::json encode(const interaction_ref& i) { return {{"id", std::to_string(i.id)}, {"token", i.token}}; }

namespace {

nlohmann::json encode(const invoker& from) {
  nlohmann::json roles = nlohmann::json::array();
  for (auto r : from.roles) roles.push_back(std::to_string(r));
  return {{"guild", from.guild.str()}, {"text", from.text_channel.str()}, {"user", from.user.str()}, {"roles", std::move(roles)}};
}

hanabi::result<invoker> decode_invoker(const nlohmann::json& from) {
  auto guild = snowflake(from, "guild");
  auto text = snowflake(from, "text");
  auto user = snowflake(from, "user");
  for (auto* r : {&guild, &text, &user})
    if (!*r) return r->error();
  return guarded("invoker", [&]() -> hanabi::result<invoker> {
    invoker i{hanabi::guild_id{*guild}, hanabi::channel_id{*text}, hanabi::user_id{*user}, {}};
    for (const auto& r : from.value("roles", nlohmann::json::array())) {
      auto role = hanabi::guild_id::parse(r.get<std::string>());
      if (!role) return malformed("a role is not a snowflake");
      i.roles.push_back(role->value());
    }
    return i;
  });
}

}  // namespace

nlohmann::json encode(const component_invocation& c) {
  return {{"interaction", encode(c.interaction)},
          {"from", encode(c.from)},
          {"message", c.message.str()},
          {"custom_id", c.custom_id},
          {"values", c.values}};
}

nlohmann::json encode(const command_invocation& c) {
  return {{"interaction", encode(c.interaction)},
          {"from", encode(c.from)},
          {"name", c.name},
          {"subcommand", c.subcommand},
          {"options", c.options}};
}

nlohmann::json encode(const hanabi::voice_state_update& u) {
  return {{"guild", u.guild.str()}, {"user", u.user.str()}, {"channel", id_or_null(u.channel)}, {"session_id", u.session_id}};
}

nlohmann::json encode(const hanabi::voice_server_update& u) {
  return {{"guild", u.guild.str()},
          {"token", u.token},
          {"endpoint", u.endpoint ? nlohmann::json(*u.endpoint) : nlohmann::json(nullptr)}};
}

hanabi::result<message> decode_message(const nlohmann::json& j) {
  return guarded("message", [&]() -> hanabi::result<message> { return j.get<message>(); });
}

hanabi::result<interaction_ref> decode_interaction(const nlohmann::json& j) {
  auto id = snowflake(j, "id");
  if (!id) return id.error();
  return guarded("interaction", [&]() -> hanabi::result<interaction_ref> {
    return interaction_ref{*id, j.at("token").get<std::string>()};
  });
}

namespace {

// What every invocation carries: the interaction to answer and who invoked it.
hanabi::result<std::pair<interaction_ref, invoker>> decode_origin(const nlohmann::json& j, const char* what) {
  if (!j.is_object() || !j.contains("from") || !j.contains("interaction")) return malformed(fmt::format("{}: missing fields", what));
  auto interaction = decode_interaction(j["interaction"]);
  if (!interaction) return interaction.error();
  auto from = decode_invoker(j["from"]);
  if (!from) return from.error();
  return std::pair{*interaction, std::move(*from)};
}

}  // namespace

hanabi::result<component_invocation> decode_component(const nlohmann::json& j) {
  auto origin = decode_origin(j, "component");
  if (!origin) return origin.error();
  auto msg = snowflake(j, "message");
  if (!msg) return msg.error();
  return guarded("component", [&]() -> hanabi::result<component_invocation> {
    return component_invocation{origin->first, std::move(origin->second), hanabi::message_id{*msg},
                                j.at("custom_id").get<std::string>(), j.value("values", std::vector<std::string>{})};
  });
}

hanabi::result<command_invocation> decode_command(const nlohmann::json& j) {
  auto origin = decode_origin(j, "command");
  if (!origin) return origin.error();
  return guarded("command", [&]() -> hanabi::result<command_invocation> {
    return command_invocation{origin->first, std::move(origin->second), j.at("name").get<std::string>(),
                              j.value("subcommand", std::string{}),
                              j.value("options", std::map<std::string, std::string>{})};
  });
}

hanabi::result<hanabi::voice_state_update> decode_voice_state(const nlohmann::json& j) {
  auto guild = snowflake(j, "guild");
  auto user = snowflake(j, "user");
  auto channel = optional_snowflake(j, "channel");
  if (!guild) return guild.error();
  if (!user) return user.error();
  if (!channel) return channel.error();
  return guarded("voice_state", [&]() -> hanabi::result<hanabi::voice_state_update> {
    hanabi::voice_state_update u{hanabi::guild_id{*guild}, hanabi::user_id{*user}, {}, j.at("session_id").get<std::string>()};
    if (*channel) u.channel = hanabi::channel_id{**channel};
    return u;
  });
}

hanabi::result<hanabi::voice_server_update> decode_voice_server(const nlohmann::json& j) {
  auto guild = snowflake(j, "guild");
  if (!guild) return guild.error();
  return guarded("voice_server", [&]() -> hanabi::result<hanabi::voice_server_update> {
    hanabi::voice_server_update u{hanabi::guild_id{*guild}, j.at("token").get<std::string>(), {}};
    if (auto e = j.find("endpoint"); e != j.end() && e->is_string()) u.endpoint = e->get<std::string>();
    return u;
  });
}

nlohmann::json answer(hanabi::error_code ec, nlohmann::json extra) {
  if (!ec) return extra;
  return {{"error", ec.value()}, {"category", ec.category().name()}, {"message", ec.message()}};
}

hanabi::error_code answer_error(const nlohmann::json& a) {
  if (!a.is_object() || !a.contains("error")) return {};
  const auto* value = a["error"].get_ptr<const nlohmann::json::number_integer_t*>();
  const auto* unsigned_value = a["error"].get_ptr<const nlohmann::json::number_unsigned_t*>();
  const bool ours = a.value("category", std::string{}) == bot_category().name();
  const int code = value ? static_cast<int>(*value) : unsigned_value ? static_cast<int>(*unsigned_value) : 0;
  if (ours && code != 0) return {code, bot_category()};
  return hanabi::error::malformed_message;
}

}  // namespace bot::offline::wire
