#include "dpp/dpp_gateway.hpp"

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

#include <utility>
#include <variant>

namespace bot::dpp_adapter {
namespace {

template <class Tag>
dpp::snowflake to_dpp(hanabi::snowflake<Tag> id) {
  return dpp::snowflake(id.value());
}

dpp::component_style to_dpp(button_style s) {
  switch (s) {
    case button_style::primary: return dpp::cos_primary;
    case button_style::success: return dpp::cos_success;
    case button_style::danger: return dpp::cos_danger;
    case button_style::secondary: break;
  }
  return dpp::cos_secondary;
}

dpp::component to_dpp(const component& c) {
  dpp::component out;
  if (const auto* b = std::get_if<button>(&c)) {
    out.set_type(dpp::cot_button).set_id(b->custom_id).set_style(to_dpp(b->style)).set_disabled(b->disabled);
    if (!b->label.empty()) out.set_label(b->label);
    if (!b->emoji.empty()) out.set_emoji(b->emoji);
    return out;
  }
  const auto& menu = std::get<select_menu>(c);
  out.set_type(dpp::cot_selectmenu).set_id(menu.custom_id).set_placeholder(menu.placeholder).set_disabled(menu.disabled);
  for (const auto& o : menu.options) out.add_select_option(dpp::select_option(o.label, o.value, o.description));
  return out;
}

dpp::embed to_dpp(const embed& e) {
  dpp::embed out;
  out.set_title(e.title).set_description(e.description);
  if (!e.url.empty()) out.set_url(e.url);
  if (!e.thumbnail.empty()) out.set_thumbnail(e.thumbnail);
  if (!e.footer.empty()) out.set_footer(e.footer, "");
  if (e.color != 0) out.set_color(e.color);
  for (const auto& f : e.fields) out.add_field(f.name, f.value, f.is_inline);
  return out;
}

dpp::message to_dpp(const message& m, dpp::snowflake channel = {}) {
  dpp::message out(channel, m.content);
  for (const auto& e : m.embeds) out.add_embed(to_dpp(e));
  for (const auto& row : m.rows) {
    dpp::component r;
    r.set_type(dpp::cot_action_row);
    for (const auto& c : row.components) r.add_component(to_dpp(c));
    out.add_component(r);
  }
  for (const auto& f : m.files) out.add_file(f.filename, f.content);
  if (m.ephemeral) out.set_flags(dpp::m_ephemeral);
  return out;
}

dpp::command_option to_dpp(const command_option_spec& o) {
  static constexpr dpp::command_option_type types[] = {dpp::co_string, dpp::co_integer, dpp::co_boolean,
                                                       dpp::co_user};
  dpp::command_option out(types[static_cast<int>(o.type)], o.name, o.description, o.required);
  for (const auto& choice : o.choices) out.add_choice(dpp::command_option_choice(choice, choice));
  return out;
}

dpp::slashcommand to_dpp(const command_spec& c, dpp::snowflake application) {
  dpp::slashcommand out(c.name, c.description, application);
  for (const auto& o : c.options) out.add_option(to_dpp(o));
  for (const auto& sub : c.subcommands) {
    dpp::command_option s(dpp::co_sub_command, sub.name, sub.description);
    for (const auto& o : sub.options) s.add_option(to_dpp(o));
    out.add_option(s);
  }
  return out;
}

// Options arrive typed; the bot's parsers take them as typed text, like the offline gateway.
std::string as_text(const dpp::command_value& v) {
  return std::visit(
      [](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::monostate>) return {};
        else if constexpr (std::is_same_v<T, std::string>) return x;
        else if constexpr (std::is_same_v<T, bool>) return x ? "true" : "false";
        else if constexpr (std::is_same_v<T, dpp::snowflake>) return x.str();
        else return std::to_string(x);
      },
      v);
}

invoker invoker_of(const dpp::interaction& i) {
  invoker from{hanabi::guild_id{i.guild_id}, hanabi::channel_id{i.channel_id}, hanabi::user_id{i.usr.id}, {}};
  for (const auto& role : i.member.get_roles()) from.roles.push_back(role);
  return from;
}

command_invocation command_of(const dpp::slashcommand_t& e) {
  command_invocation c{{e.command.id, e.command.token}, invoker_of(e.command), e.command.get_command_name(), {}, {}};
  auto options = e.command.get_command_interaction().options;
  if (!options.empty() && options.front().type == dpp::co_sub_command) {
    c.subcommand = options.front().name;
    options = options.front().options;
  }
  for (const auto& o : options) c.options[o.name] = as_text(o.value);
  return c;
}

// Leaves DPP's thread for the bot's executor, then runs the handler through its own associated
// executor (the bot's strand unless the caller bound another).
template <class Handler, class... Args>
void resume(const asio::any_io_executor& ex, std::shared_ptr<Handler> h, Args... args) {
  asio::post(ex, [ex, h = std::move(h), args...]() mutable {
    auto target = asio::get_associated_executor(*h, ex);
    asio::dispatch(target, [h = std::move(h), args...]() mutable { std::move(*h)(args...); });
  });
}

}  // namespace

dpp_gateway::dpp_gateway(executor_type executor, dpp_gateway_config config)
    : executor_(std::move(executor)),
      config_(std::move(config)),
      cluster_(config_.token, dpp::i_default_intents) {
  install_listeners();
}

dpp_gateway::~dpp_gateway() { stop(); }

void dpp_gateway::start(std::function<void()> ready) {
  ready_ = std::move(ready);
  cluster_.start(dpp::st_return);
}
void dpp_gateway::stop() { cluster_.shutdown(); }

void dpp_gateway::install_listeners() {
  cluster_.on_ready([this](const dpp::ready_t&) {
    asio::post(executor_, [this, me = hanabi::user_id{cluster_.me.id}] {
      self_ = me;
      if (auto ready = std::exchange(ready_, nullptr)) ready();
    });
  });
  cluster_.on_guild_create([this](const dpp::guild_create_t& e) {
    std::vector<dpp::voicestate> states;
    for (const auto& [user, state] : e.created.voice_members) states.push_back(state);
    asio::post(executor_, [this, states = std::move(states)] {
      for (const auto& s : states) track_voice(s);
    });
  });
  cluster_.on_voice_state_update([this](const dpp::voice_state_update_t& e) {
    asio::post(executor_, [this, state = e.state] { track_voice(state); });
  });
  cluster_.on_voice_server_update([this](const dpp::voice_server_update_t& e) {
    hanabi::voice_server_update u{hanabi::guild_id{e.guild_id}, e.token, std::nullopt};
    if (!e.endpoint.empty()) u.endpoint = e.endpoint;
    asio::post(executor_, [this, u = std::move(u)] {
      if (events_.on_voice_server) events_.on_voice_server(u);
    });
  });
  cluster_.on_slashcommand([this](const dpp::slashcommand_t& e) {
    if (!config_.parent) return;  // children have no commands
    asio::post(executor_, [this, c = command_of(e)]() mutable {
      if (events_.on_command) events_.on_command(std::move(c));
    });
  });
  cluster_.on_button_click([this](const dpp::button_click_t& e) {
    component_invocation c{{e.command.id, e.command.token}, invoker_of(e.command),
                           hanabi::message_id{e.command.message_id}, e.custom_id, {}};
    asio::post(executor_, [this, c = std::move(c)]() mutable {
      if (events_.on_component) events_.on_component(std::move(c));
    });
  });
  cluster_.on_select_click([this](const dpp::select_click_t& e) {
    component_invocation c{{e.command.id, e.command.token}, invoker_of(e.command),
                           hanabi::message_id{e.command.message_id}, e.custom_id, e.values};
    asio::post(executor_, [this, c = std::move(c)]() mutable {
      if (events_.on_component) events_.on_component(std::move(c));
    });
  });
}

// Runs on executor_: updates the voice map, then tells the bot.
void dpp_gateway::track_voice(const dpp::voicestate& state) {
  const hanabi::guild_id guild{state.guild_id};
  const hanabi::user_id user{state.user_id};
  std::optional<hanabi::channel_id> channel;
  if (state.channel_id) channel = hanabi::channel_id{state.channel_id};
  auto& members = voice_[guild];
  if (channel) members[user] = *channel;
  else members.erase(user);
  if (user == self_) {
    if (events_.on_voice_state) events_.on_voice_state({guild, user, channel, state.session_id});
  } else if (events_.on_member_voice) {
    events_.on_member_voice(guild, user, channel);
  }
}

void dpp_gateway::send_voice_update(const hanabi::gateway_voice_update& update) {
  // The guild's shard, as Discord assigns it: (guild_id >> 22) % shard count.
  const auto shards = cluster_.numshards ? cluster_.numshards : 1;
  if (auto* shard = cluster_.get_shard(static_cast<std::uint32_t>((update.guild.value() >> 22) % shards)))
    shard->queue_message(update.to_json());
}

std::optional<hanabi::channel_id> dpp_gateway::voice_channel_of(hanabi::guild_id guild, hanabi::user_id user) const {
  auto g = voice_.find(guild);
  if (g == voice_.end()) return std::nullopt;
  auto u = g->second.find(user);
  if (u == g->second.end()) return std::nullopt;
  return u->second;
}

std::vector<hanabi::user_id> dpp_gateway::members_in(hanabi::guild_id guild, hanabi::channel_id channel) const {
  std::vector<hanabi::user_id> out;
  if (auto g = voice_.find(guild); g != voice_.end())
    for (const auto& [user, where] : g->second)
      if (where == channel) out.push_back(user);
  return out;
}

dpp::command_completion_event_t dpp_gateway::completion(done_handler h) const {
  // DPP wants a copyable std::function; the handler is move-only.
  auto shared = std::make_shared<done_handler>(std::move(h));
  return [shared, ex = executor_](const dpp::confirmation_callback_t& cc) {
    const hanabi::error_code ec = cc.is_error() ? hanabi::error_code(hanabi::error::unexpected_status) : hanabi::error_code{};
    resume(ex, shared, ec);
  };
}

void dpp_gateway::reply_impl(interaction_ref i, message m, done_handler h) {
  cluster_.interaction_response_create(
      i.id, i.token, dpp::interaction_response(dpp::ir_channel_message_with_source, to_dpp(m)), completion(std::move(h)));
}

void dpp_gateway::defer_impl(interaction_ref i, bool ephemeral, done_handler h) {
  dpp::message placeholder;
  if (ephemeral) placeholder.set_flags(dpp::m_ephemeral);
  cluster_.interaction_response_create(
      i.id, i.token, dpp::interaction_response(dpp::ir_deferred_channel_message_with_source, placeholder),
      completion(std::move(h)));
}

void dpp_gateway::edit_reply_impl(interaction_ref i, message m, done_handler h) {
  cluster_.interaction_response_edit(i.token, to_dpp(m), completion(std::move(h)));
}

void dpp_gateway::post_impl(hanabi::channel_id channel, message m, posted_handler h) {
  auto shared = std::make_shared<posted_handler>(std::move(h));
  cluster_.message_create(to_dpp(m, to_dpp(channel)), [shared, ex = executor_](const dpp::confirmation_callback_t& cc) {
    hanabi::error_code ec;
    hanabi::message_id id;
    if (cc.is_error()) ec = hanabi::error::unexpected_status;
    else id = hanabi::message_id{std::get<dpp::message>(cc.value).id};
    resume(ex, shared, ec, id);
  });
}

void dpp_gateway::edit_impl(hanabi::channel_id channel, hanabi::message_id id, message m, done_handler h) {
  auto edited = to_dpp(m, to_dpp(channel));
  edited.id = to_dpp(id);
  cluster_.message_edit(edited, completion(std::move(h)));
}

void dpp_gateway::delete_impl(hanabi::channel_id channel, hanabi::message_id id, done_handler h) {
  cluster_.message_delete(to_dpp(id), to_dpp(channel), completion(std::move(h)));
}

void dpp_gateway::register_commands_impl(std::vector<command_spec> commands, done_handler h) {
  std::vector<dpp::slashcommand> out;
  for (const auto& c : commands) out.push_back(to_dpp(c, cluster_.me.id));
  cluster_.global_bulk_command_create(out, completion(std::move(h)));
}

}  // namespace bot::dpp_adapter
