#include "discord_sim.hpp"

#include "sim_wire.hpp"

#include <boost/asio/post.hpp>

#include <fmt/format.h>

#include <utility>

namespace bot::offline {

namespace {

// A gateway call's completion as the answer of the request that made it.
auto answer_with(hanabi::remote::responder reply) {
  return [reply](hanabi::error_code ec) { reply.ok(wire::answer(ec)); };
}

}  // namespace

discord_sim::discord_sim(asio::any_io_executor ex, std::shared_ptr<voice_world> world, discord_sim_options options)
    : executor_(std::move(ex)), world_(std::move(world)), options_(std::move(options)) {}

discord_sim::~discord_sim() { stop(); }

offline_gateway& discord_sim::add_bot(const std::string& name, hanabi::user_id self) {
  auto gw = std::make_unique<offline_gateway>(executor_, world_, offline_options{.name = name, .self = self, .print = options_.print});
  auto& ref = *gw;
  bots_[name] = std::move(gw);
  forward_events(name, ref);
  return ref;
}

offline_gateway* discord_sim::find(std::string_view name) {
  auto it = bots_.find(name);
  return it == bots_.end() ? nullptr : it->second.get();
}

void discord_sim::send(const std::string& name, std::string op, nlohmann::json payload) const {
  if (server_)
    if (auto l = server_->find(name)) l.send_event(std::move(op), std::move(payload));
}

// What Discord delivers to a bot's gateway goes to the bot's process.
void discord_sim::forward_events(const std::string& name, offline_gateway& gw) {
  gw.set_events({
      .on_command = [this, name](command_invocation c) { send(name, "command", wire::encode(c)); },
      .on_component = [this, name](component_invocation c) { send(name, "component", wire::encode(c)); },
      .on_voice_state = [this, name](const hanabi::voice_state_update& u) { send(name, "voice_state", wire::encode(u)); },
      .on_voice_server = [this, name](const hanabi::voice_server_update& u) { send(name, "voice_server", wire::encode(u)); },
      .on_member_voice =
          [this, name](hanabi::guild_id g, hanabi::user_id u, std::optional<hanabi::channel_id> c) {
            send(name, "member_voice", {{"guild", g.str()}, {"user", u.str()}, {"channel", wire::id_or_null(c)}});
          },
  });
}

hanabi::remote::request_handler discord_sim::on_bot(
    std::function<void(offline_gateway&, const nlohmann::json&, hanabi::remote::responder)> f) {
  return [this, f = std::move(f)](const nlohmann::json& args, hanabi::remote::responder reply) {
    asio::post(executor_, [this, f, args, reply] {
      auto* gw = args.is_object() && args.contains("bot") && args["bot"].is_string()
                     ? find(args["bot"].get<std::string>())
                     : nullptr;
      if (!gw) return reply.fail(hanabi::error::invalid_argument, "no such bot runs in this simulation");
      f(*gw, args, reply);
    });
  };
}

void discord_sim::serve(hanabi::remote::link_handlers& h) {
  auto fail = [](hanabi::remote::responder reply, const hanabi::failure& f) {
    reply.fail(hanabi::error::malformed_message, f.diag.best_message());
  };
  h.requests["voice"] = on_bot([fail](offline_gateway& gw, const nlohmann::json& a, hanabi::remote::responder reply) {
    auto guild = wire::snowflake(a, "guild");
    auto channel = wire::optional_snowflake(a, "channel");
    if (!guild) return fail(reply, guild.error());
    if (!channel) return fail(reply, channel.error());
    hanabi::gateway_voice_update op{hanabi::guild_id{*guild}, {}};
    if (*channel) op.channel = hanabi::channel_id{**channel};
    gw.send_voice_update(op);
    reply.ok();
  });
  // An answer to an interaction: a reply, or the edit of one.
  using answer_call = void (*)(offline_gateway&, interaction_ref, message, hanabi::remote::responder);
  auto answering = [this, fail](answer_call call) {
    return on_bot([fail, call](offline_gateway& gw, const nlohmann::json& a, hanabi::remote::responder reply) {
      auto i = wire::decode_interaction(a.value("interaction", nlohmann::json{}));
      auto m = wire::decode_message(a.value("message", nlohmann::json{}));
      if (!i) return fail(reply, i.error());
      if (!m) return fail(reply, m.error());
      call(gw, *i, std::move(*m), reply);
    });
  };
  h.requests["reply"] = answering([](offline_gateway& gw, interaction_ref i, message m, hanabi::remote::responder reply) {
    gw.async_reply(std::move(i), std::move(m), answer_with(reply));
  });
  h.requests["edit_reply"] = answering([](offline_gateway& gw, interaction_ref i, message m, hanabi::remote::responder reply) {
    gw.async_edit_reply(std::move(i), std::move(m), answer_with(reply));
  });
  h.requests["defer"] = on_bot([fail](offline_gateway& gw, const nlohmann::json& a, hanabi::remote::responder reply) {
    auto i = wire::decode_interaction(a.value("interaction", nlohmann::json{}));
    if (!i) return fail(reply, i.error());
    gw.async_defer(*i, a.value("ephemeral", false), answer_with(reply));
  });
  h.requests["post"] = on_bot([fail](offline_gateway& gw, const nlohmann::json& a, hanabi::remote::responder reply) {
    auto channel = wire::snowflake(a, "channel");
    auto m = wire::decode_message(a.value("message", nlohmann::json{}));
    if (!channel) return fail(reply, channel.error());
    if (!m) return fail(reply, m.error());
    gw.async_post(hanabi::channel_id{*channel}, std::move(*m), [reply](hanabi::error_code ec, hanabi::message_id id) {
      reply.ok(wire::answer(ec, {{"id", id.str()}}));
    });
  });
  h.requests["edit"] = on_bot([fail](offline_gateway& gw, const nlohmann::json& a, hanabi::remote::responder reply) {
    auto channel = wire::snowflake(a, "channel");
    auto id = wire::snowflake(a, "id");
    auto m = wire::decode_message(a.value("message", nlohmann::json{}));
    if (!channel) return fail(reply, channel.error());
    if (!id) return fail(reply, id.error());
    if (!m) return fail(reply, m.error());
    gw.async_edit(hanabi::channel_id{*channel}, hanabi::message_id{*id}, std::move(*m), answer_with(reply));
  });
  h.requests["delete"] = on_bot([fail](offline_gateway& gw, const nlohmann::json& a, hanabi::remote::responder reply) {
    auto channel = wire::snowflake(a, "channel");
    auto id = wire::snowflake(a, "id");
    if (!channel) return fail(reply, channel.error());
    if (!id) return fail(reply, id.error());
    gw.async_delete(hanabi::channel_id{*channel}, hanabi::message_id{*id}, answer_with(reply));
  });
  h.requests["register"] = on_bot([](offline_gateway& gw, const nlohmann::json& a, hanabi::remote::responder reply) {
    std::vector<command_spec> commands;
    for (const auto& name : a.value("commands", nlohmann::json::array()))
      if (name.is_string()) commands.push_back({.name = name.get<std::string>(), .description = {}, .options = {}, .subcommands = {}});
    gw.async_register_commands(std::move(commands), answer_with(reply));
  });
  // A bot that (re)connects learns where everyone is, as Discord's GUILD_CREATE tells a bot.
  h.on_up = [this](hanabi::remote::link l) {
    asio::post(executor_, [this, l] {
      for (const auto& [guild, user, channel] : world_->everyone())
        l.send_event("member_voice", {{"guild", guild.str()}, {"user", user.str()}, {"channel", channel.str()}});
    });
  };
}

hanabi::result<boost::asio::ip::tcp::endpoint> discord_sim::listen() {
  hanabi::remote::link_handlers handlers;
  serve(handlers);
  hanabi::remote::server_config config;
  config.token = options_.token;
  config.link.log = hanabi::logger::none();
  server_ = std::make_unique<hanabi::remote::server>(executor_, std::move(config), std::move(handlers));
  return server_->listen();
}

void discord_sim::stop() {
  if (server_) server_->stop();
}

std::vector<std::string> discord_sim::connected() const {
  std::vector<std::string> names;
  if (server_)
    for (const auto& l : server_->children()) names.push_back(l.peer().name);
  return names;
}

}  // namespace bot::offline
