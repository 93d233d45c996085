#include "script_runner.hpp"

#include <fmt/format.h>

namespace bot::offline {

script_runner::script_runner(std::string parent, std::map<std::string, offline_gateway*> bots)
    : parent_(std::move(parent)), bots_(std::move(bots)) {}

offline_gateway* script_runner::find(std::string_view name) const {
  auto it = bots_.find(std::string(name));
  return it == bots_.end() ? nullptr : it->second;
}

hanabi::result<invoker> script_runner::apply(const script_context& ctx) {
  if (ctx.guild) current_.guild = *ctx.guild;
  if (ctx.channel) current_.text_channel = *ctx.channel;
  if (ctx.user) current_.user = *ctx.user;
  if (!current_.user) return fail(errc::script_bad_context, "say who acts: user:ID (it carries over to later lines)");
  if (ctx.voice)
    for (auto& [name, g] : bots_) g->deliver_member_voice(current_.guild, current_.user, *ctx.voice);
  return current_;
}

hanabi::result<std::chrono::milliseconds> script_runner::run(std::string_view text) {
  auto line = parse_line(text);
  if (!line) return line.error();
  if (const auto* w = std::get_if<wait_line>(&*line)) return w->duration;
  if (const auto* c = std::get_if<command_line>(&*line)) {
    offline_gateway* parent = find(parent_);
    if (!parent) return fail(errc::script_bad_context, fmt::format("the parent `{}` does not run here", parent_));
    auto from = apply(c->context);
    if (!from) return from.error();
    parent->deliver_command(*from, c->name, c->subcommand, c->options);
  } else if (const auto* b = std::get_if<component_line>(&*line)) {
    offline_gateway* target = find(b->bot);
    if (!target) return fail(errc::script_bad_context, fmt::format("no bot named `{}` runs here", b->bot));
    auto from = apply(b->context);
    if (!from) return from.error();
    if (auto r = target->deliver_component(*from, b->custom_id, b->values); !r) return r.error();
  } else if (const auto* v = std::get_if<voice_line>(&*line)) {
    if (auto from = apply(v->context); !from) return from.error();
  }
  return std::chrono::milliseconds{0};
}

}  // namespace bot::offline
