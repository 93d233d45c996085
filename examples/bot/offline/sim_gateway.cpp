#include "sim_gateway.hpp"

#include "sim_wire.hpp"

#include <boost/asio/append.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>

#include <utility>

namespace bot::offline {

sim_gateway::sim_gateway(executor_type executor, sim_gateway_options options)
    : executor_(std::move(executor)), options_(std::move(options)) {}

sim_gateway::~sim_gateway() { stop(); }

void sim_gateway::start(std::function<void()> ready, std::function<void(hanabi::error_code)> refused) {
  hanabi::remote::link_handlers handlers;
  handlers.on_event = [this](hanabi::remote::link, const hanabi::remote::event& e) {
    asio::post(executor_, [this, e] { on_event(e); });
  };
  auto once = std::make_shared<std::function<void()>>(std::move(ready));
  handlers.on_up = [this, once](hanabi::remote::link) {
    asio::post(executor_, [once] {
      if (*once) std::exchange(*once, {})();
    });
  };
  hanabi::remote::client_config cc;
  cc.host = options_.host;
  cc.port = options_.port;
  cc.name = options_.name;
  cc.bot_id = options_.self;
  cc.token = options_.token;
  cc.link.log = options_.log;
  client_ = std::make_unique<hanabi::remote::client>(executor_, std::move(cc), std::move(handlers));
  client_->async_run(asio::bind_executor(executor_, [refused = std::move(refused)](hanabi::error_code ec) {
    if (ec == hanabi::error::authentication_failed || ec == hanabi::error::protocol_version_mismatch) refused(ec);
  }));
}

void sim_gateway::stop() {
  if (client_) client_->stop();
}

void sim_gateway::on_event(const hanabi::remote::event& e) {
  auto warn = [&](const hanabi::failure& f) { options_.log.warn("simulated Discord sent a bad {}: {}", e.op, f.diag.best_message()); };
  if (e.op == "command") {
    auto c = wire::decode_command(e.payload);
    if (!c) return warn(c.error());
    if (events_.on_command) events_.on_command(std::move(*c));
  } else if (e.op == "component") {
    auto c = wire::decode_component(e.payload);
    if (!c) return warn(c.error());
    if (events_.on_component) events_.on_component(std::move(*c));
  } else if (e.op == "voice_state") {
    auto u = wire::decode_voice_state(e.payload);
    if (!u) return warn(u.error());
    mirror_.set(u->guild, u->user, u->channel);
    if (events_.on_voice_state) events_.on_voice_state(*u);
  } else if (e.op == "voice_server") {
    auto u = wire::decode_voice_server(e.payload);
    if (!u) return warn(u.error());
    if (events_.on_voice_server) events_.on_voice_server(*u);
  } else if (e.op == "member_voice") {
    auto guild = wire::snowflake(e.payload, "guild");
    auto user = wire::snowflake(e.payload, "user");
    auto channel = wire::optional_snowflake(e.payload, "channel");
    if (!guild) return warn(guild.error());
    if (!user) return warn(user.error());
    if (!channel) return warn(channel.error());
    const hanabi::guild_id g{*guild};
    const hanabi::user_id u{*user};
    std::optional<hanabi::channel_id> c;
    if (*channel) c = hanabi::channel_id{**channel};
    mirror_.set(g, u, c);
    if (events_.on_member_voice) events_.on_member_voice(g, u, c);
  }
}

template <class F>
void sim_gateway::call(std::string op, nlohmann::json args, F done) {
  args["bot"] = options_.name;
  if (!client_) return asio::post(executor_, [done = std::move(done)]() mutable {
    done(hanabi::error::connection_closed, nlohmann::json{});
  });
  client_->async_request(std::move(op), std::move(args), options_.request_timeout,
                         asio::bind_executor(executor_, [done = std::move(done)](hanabi::error_code ec, nlohmann::json a) mutable {
                           done(ec ? ec : wire::answer_error(a), a);
                         }));
}

void sim_gateway::call_done(std::string op, nlohmann::json args, done_handler h) {
  call(std::move(op), std::move(args),
       [h = std::move(h)](hanabi::error_code ec, const nlohmann::json&) mutable { std::move(h)(ec); });
}

void sim_gateway::send_voice_update(const hanabi::gateway_voice_update& update) {
  call("voice", {{"guild", update.guild.str()}, {"channel", wire::id_or_null(update.channel)}},
       [log = options_.log](hanabi::error_code ec, const nlohmann::json&) {
         if (ec) log.warn("op 4 did not reach the simulated Discord: {}", ec.message());
       });
}

std::optional<hanabi::channel_id> sim_gateway::voice_channel_of(hanabi::guild_id guild, hanabi::user_id user) const {
  return mirror_.channel_of(guild, user);
}

std::vector<hanabi::user_id> sim_gateway::members_in(hanabi::guild_id guild, hanabi::channel_id channel) const {
  return mirror_.members_in(guild, channel);
}

void sim_gateway::reply_impl(interaction_ref i, message m, done_handler h) {
  call_done("reply", {{"interaction", wire::encode(i)}, {"message", wire::encode(m)}}, std::move(h));
}

void sim_gateway::defer_impl(interaction_ref i, bool ephemeral, done_handler h) {
  call_done("defer", {{"interaction", wire::encode(i)}, {"ephemeral", ephemeral}}, std::move(h));
}

void sim_gateway::edit_reply_impl(interaction_ref i, message m, done_handler h) {
  call_done("edit_reply", {{"interaction", wire::encode(i)}, {"message", wire::encode(m)}}, std::move(h));
}

void sim_gateway::post_impl(hanabi::channel_id channel, message m, posted_handler h) {
  call("post", {{"channel", channel.str()}, {"message", wire::encode(m)}},
       [h = std::move(h)](hanabi::error_code ec, const nlohmann::json& a) mutable {
         auto id = ec ? hanabi::result<std::uint64_t>(0) : wire::snowflake(a, "id");
         if (!ec && !id) ec = hanabi::error::malformed_message;
         std::move(h)(ec, hanabi::message_id{ec ? 0 : *id});
       });
}

void sim_gateway::edit_impl(hanabi::channel_id channel, hanabi::message_id id, message m, done_handler h) {
  call_done("edit", {{"channel", channel.str()}, {"id", id.str()}, {"message", wire::encode(m)}}, std::move(h));
}

void sim_gateway::delete_impl(hanabi::channel_id channel, hanabi::message_id id, done_handler h) {
  call_done("delete", {{"channel", channel.str()}, {"id", id.str()}}, std::move(h));
}

// The simulation lists the commands by name: what a script can type.
void sim_gateway::register_commands_impl(std::vector<command_spec> commands, done_handler h) {
  nlohmann::json names = nlohmann::json::array();
  for (const auto& c : commands) names.push_back(c.name);
  call_done("register", {{"commands", std::move(names)}}, std::move(h));
}

}  // namespace bot::offline
