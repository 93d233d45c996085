#include "offline_gateway.hpp"

#include <boost/asio/append.hpp>
#include <boost/asio/post.hpp>

#include <fmt/format.h>

#include <cstdio>

namespace bot::offline {

std::optional<hanabi::channel_id> voice_world::channel_of(hanabi::guild_id guild, hanabi::user_id user) const {
  auto it = where_.find({guild, user});
  return it == where_.end() ? std::nullopt : std::optional(it->second);
}

std::vector<hanabi::user_id> voice_world::members_in(hanabi::guild_id guild, hanabi::channel_id channel) const {
  std::vector<hanabi::user_id> out;
  for (const auto& [key, c] : where_)
    if (key.first == guild && c == channel) out.push_back(key.second);
  return out;
}

void voice_world::set(hanabi::guild_id guild, hanabi::user_id user, std::optional<hanabi::channel_id> channel) {
  if (channel)
    where_[{guild, user}] = *channel;
  else
    where_.erase({guild, user});
}

void voice_world::delete_channel(hanabi::guild_id guild, hanabi::channel_id channel) {
  std::erase_if(where_, [&](const auto& entry) { return entry.first.first == guild && entry.second == channel; });
  deleted_.insert({guild, channel});
}

bool voice_world::exists(hanabi::guild_id guild, hanabi::channel_id channel) const {
  return !deleted_.contains({guild, channel});
}

std::vector<voice_world::presence> voice_world::everyone() const {
  std::vector<presence> out;
  for (const auto& [key, c] : where_) out.push_back({key.first, key.second, c});
  return out;
}

offline_gateway::offline_gateway(executor_type executor, std::shared_ptr<voice_world> world, offline_options options)
    : executor_(std::move(executor)), world_(std::move(world)), options_(std::move(options)) {}

template <class Handler, class... Args>
void offline_gateway::complete(Handler h, Args... args) {
  asio::post(executor_, asio::append(std::move(h), std::move(args)...));
}

void offline_gateway::print(const std::string& text) const {
  if (options_.print) return options_.print(text);
  std::fputs((text + "\n").c_str(), stdout);
  std::fflush(stdout);
}

void offline_gateway::send_voice_update(const hanabi::gateway_voice_update& update) {
  // Discord does not answer a join of a channel that is gone: the voice layer's join times out.
  if (update.channel && !world_->exists(update.guild, *update.channel))
    return print(fmt::format("[{}] cannot join voice channel {}: it was deleted", options_.name, update.channel->value()));
  world_->set(update.guild, options_.self, update.channel);
  print(update.channel ? fmt::format("[{}] joins voice channel {}", options_.name, update.channel->value())
                       : fmt::format("[{}] leaves voice", options_.name));
  hanabi::voice_state_update state{update.guild, options_.self, update.channel,
                                   fmt::format("offline-{}-{}", options_.name, ++voice_sessions_)};
  asio::post(executor_, [this, state] {
    if (events_.on_voice_state) events_.on_voice_state(state);
  });
  if (!update.channel) return;
  hanabi::voice_server_update server{update.guild, fmt::format("offline-token-{}", voice_sessions_),
                                     options_.voice_endpoint};
  asio::post(executor_, [this, server] {
    if (events_.on_voice_server) events_.on_voice_server(server);
  });
}

std::optional<hanabi::channel_id> offline_gateway::voice_channel_of(hanabi::guild_id guild, hanabi::user_id user) const {
  return world_->channel_of(guild, user);
}

std::vector<hanabi::user_id> offline_gateway::members_in(hanabi::guild_id guild, hanabi::channel_id channel) const {
  return world_->members_in(guild, channel);
}

interaction_ref offline_gateway::open_interaction(std::string label) {
  const auto id = next_interaction_++;
  interactions_.emplace(id, std::move(label));
  return {id, fmt::format("offline-{}-{}", options_.name, id)};
}

const std::string* offline_gateway::interaction_label(const interaction_ref& i) const {
  auto it = interactions_.find(i.id);
  return it == interactions_.end() ? nullptr : &it->second;
}

void offline_gateway::deliver_command(invoker from, std::string name, std::string subcommand,
                                      std::map<std::string, std::string> options) {
  auto label = fmt::format("/{}{}{} by <@{}>", name, subcommand.empty() ? "" : " ", subcommand, from.user.value());
  std::string typed = label;
  for (const auto& [k, v] : options) typed += fmt::format(" {}:{}", k, v);
  print(fmt::format("[{}] received {}", options_.name, typed));
  command_invocation c{open_interaction(std::move(label)), std::move(from), std::move(name), std::move(subcommand),
                       std::move(options)};
  asio::post(executor_, [this, c = std::move(c)]() mutable {
    if (events_.on_command) events_.on_command(std::move(c));
  });
}

namespace {

// The custom_id of the component of `m` that `wanted` names: exactly, or by its kind (`search`
// names "search:3").
std::optional<std::string> matching_component(const message& m, std::string_view wanted) {
  for (const auto& row : m.rows)
    for (const auto& c : row.components) {
      const auto& id = std::visit([](const auto& x) -> const std::string& { return x.custom_id; }, c);
      if (id == wanted || (id.starts_with(wanted) && id.size() > wanted.size() && id[wanted.size()] == ':')) return id;
    }
  return std::nullopt;
}

}  // namespace

hanabi::result<void> offline_gateway::deliver_component(invoker from, std::string_view custom_id,
                                                        std::vector<std::string> values) {
  auto deliver = [&](hanabi::message_id on, std::string id, std::string where) {
    auto label = fmt::format("{} on {} by <@{}>", id, where, from.user.value());
    component_invocation ci{open_interaction(std::move(label)), std::move(from), on, std::move(id), std::move(values)};
    asio::post(executor_, [this, ci = std::move(ci)]() mutable {
      if (events_.on_component) events_.on_component(std::move(ci));
    });
  };
  for (auto it = messages_.rbegin(); it != messages_.rend(); ++it) {
    auto id = matching_component(it->second.content, custom_id);
    if (!id) continue;
    from.text_channel = it->second.channel;
    deliver(it->first, std::move(*id), fmt::format("message {}", it->first.value()));
    return {};
  }
  // Interaction replies (a /search menu) have no message id of their own here.
  for (auto it = replies_.rbegin(); it != replies_.rend(); ++it) {
    auto id = matching_component(it->second, custom_id);
    if (!id) continue;
    deliver(hanabi::message_id{}, std::move(*id), fmt::format("the reply to interaction {}", it->first));
    return {};
  }
  return fail(errc::script_no_target, fmt::format("no message of {} has a component `{}`", options_.name, custom_id));
}

void offline_gateway::deliver_member_voice(hanabi::guild_id guild, hanabi::user_id user,
                                           std::optional<hanabi::channel_id> channel) {
  world_->set(guild, user, channel);
  asio::post(executor_, [this, guild, user, channel] {
    if (events_.on_member_voice) events_.on_member_voice(guild, user, channel);
  });
}

const message* offline_gateway::find_message(hanabi::message_id id) const {
  auto it = messages_.find(id);
  return it == messages_.end() ? nullptr : &it->second.content;
}

void offline_gateway::answer(const interaction_ref& i, message m, done_handler h, std::string_view how) {
  const std::string* label = interaction_label(i);
  if (!label) return complete(std::move(h), make_error_code(errc::unknown_interaction));
  print(fmt::format("[{}] reply to {}{}:\n{}", options_.name, *label, how, to_text(m)));
  replies_[i.id] = std::move(m);
  complete(std::move(h), hanabi::error_code{});
}

void offline_gateway::reply_impl(interaction_ref i, message m, done_handler h) { answer(i, std::move(m), std::move(h), ""); }

void offline_gateway::edit_reply_impl(interaction_ref i, message m, done_handler h) {
  answer(i, std::move(m), std::move(h), " (edited)");
}

void offline_gateway::defer_impl(interaction_ref i, bool ephemeral, done_handler h) {
  const std::string* label = interaction_label(i);
  if (!label) return complete(std::move(h), make_error_code(errc::unknown_interaction));
  print(fmt::format("[{}] {} is thinking{}", options_.name, *label, ephemeral ? " (only you)" : ""));
  deferred_.insert(i.id);
  complete(std::move(h), hanabi::error_code{});
}

void offline_gateway::post_impl(hanabi::channel_id channel, message m, posted_handler h) {
  const hanabi::message_id id{next_message_++};
  print(fmt::format("[{}] message {} in #{}:\n{}", options_.name, id.value(), channel.value(), to_text(m)));
  messages_[id] = posted{channel, std::move(m)};
  complete(std::move(h), hanabi::error_code{}, id);
}

void offline_gateway::edit_impl(hanabi::channel_id channel, hanabi::message_id id, message m, done_handler h) {
  auto it = messages_.find(id);
  if (it == messages_.end() || it->second.channel != channel)
    return complete(std::move(h), make_error_code(errc::unknown_message));
  print(fmt::format("[{}] message {} in #{} (edited):\n{}", options_.name, id.value(), channel.value(), to_text(m)));
  it->second.content = std::move(m);
  complete(std::move(h), hanabi::error_code{});
}

void offline_gateway::delete_impl(hanabi::channel_id channel, hanabi::message_id id, done_handler h) {
  auto it = messages_.find(id);
  if (it == messages_.end() || it->second.channel != channel)
    return complete(std::move(h), make_error_code(errc::unknown_message));
  print(fmt::format("[{}] message {} in #{} deleted", options_.name, id.value(), channel.value()));
  messages_.erase(it);
  complete(std::move(h), hanabi::error_code{});
}

void offline_gateway::register_commands_impl(std::vector<command_spec> commands, done_handler h) {
  print(fmt::format("[{}] registers {} slash commands", options_.name, commands.size()));
  commands_ = std::move(commands);
  complete(std::move(h), hanabi::error_code{});
}

}  // namespace bot::offline
