#include "requests.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <utility>

namespace bot {

namespace {

constexpr std::array<std::string_view, 15> dj_commands = {
    "disconnect", "skip", "back", "seek", "stop", "move", "remove", "clear", "dequeue", "shuffle", "unshuffle",
    "filter", "np_back", "np_skip", "np_stop"};

const std::string* find_option(const command_options& o, const std::string& name) {
  auto it = o.find(name);
  return it == o.end() ? nullptr : &it->second;
}

hanabi::result<std::string> required(const command_options& o, const std::string& name) {
  if (auto v = find_option(o, name); v && !v->empty()) return *v;
  return fail(errc::missing_option, fmt::format("`{}` is required.", name));
}

// A whole number, as Discord's integer options send it.
hanabi::result<std::int64_t> integer(std::string_view text, std::string_view name) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty())
    return fail(errc::malformed_position, fmt::format("`{}` must be a whole number, not `{}`.", name, text));
  return v;
}

// A 1-based position with no upper bound known here (the session checks it against the queue
// and names the valid range).
hanabi::result<std::size_t> position(std::string_view text, std::string_view name) {
  auto v = integer(text, name);
  if (!v) return v.error();
  if (*v < 1) return fail(errc::position_out_of_range, fmt::format("`{}` must be 1 or more (positions start at 1).", name));
  return static_cast<std::size_t>(*v);
}

hanabi::result<double> decimal(std::string_view text, std::string_view name) {
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty())
    return fail(errc::malformed_position, fmt::format("`{}` must be a number, not `{}`.", name, text));
  return v;
}

hanabi::result<hanabi::filter_args> equalizer_request(const command_options& o, hanabi::user_id by) {
  auto band_text = required(o, "band");
  if (!band_text) return band_text.error();
  auto gain_text = required(o, "gain");
  if (!gain_text) return gain_text.error();
  auto band = integer(*band_text, "band");
  if (!band) return band.error();
  auto gain = decimal(*gain_text, "gain");
  if (!gain) return gain.error();
  if (*band < 0 || *band >= hanabi::protocol::equalizer_band_count)
    return fail(errc::position_out_of_range, fmt::format("band {} does not exist: bands are 0 to 14.", *band));
  if (*gain < -0.25 || *gain > 1.0)
    return fail(errc::position_out_of_range, fmt::format("gain {} is outside -0.25 to 1.0.", *gain));
  hanabi::protocol::filters f;
  f.equalizer = std::vector<hanabi::protocol::equalizer_band>{{static_cast<int>(*band), *gain}};
  return hanabi::filter_args{.set = std::move(f), .by = by};
}

}  // namespace

bool needs_dj(std::string_view command) {
  return std::find(dj_commands.begin(), dj_commands.end(), command) != dj_commands.end();
}

hanabi::result<void> check_allowed(std::string_view command, const invoker& who, const permissions& rules) {
  if (!rules.dj_role || !needs_dj(command)) return {};
  if (std::find(who.roles.begin(), who.roles.end(), *rules.dj_role) != who.roles.end()) return {};
  return fail(errc::not_allowed, fmt::format("`{}` needs the DJ role.", command));
}

hanabi::result<std::string> connect_choice(const command_options& o, const invoker& who, const permissions& rules) {
  auto bot = find_option(o, "bot");
  if (!bot || bot->empty()) return std::string{};
  if (rules.owner != who.user) return fail(errc::not_allowed, "Only the owner may choose the bot.");
  return *bot;
}

hanabi::result<hanabi::play_args> play_request(const command_options& o, hanabi::user_id by) {
  auto query = required(o, "query");
  if (!query) return query.error();
  hanabi::play_args a{.query = std::move(*query), .by = by};
  if (auto p = find_option(o, "position")) {
    auto pos = position(*p, "position");
    if (!pos) return pos.error();
    a.position = *pos;
  }
  if (auto n = find_option(o, "next")) {
    auto flag = parse_flag(*n);
    if (!flag) return flag.error();
    a.next = *flag;
  }
  return a;
}

hanabi::result<hanabi::skip_args> skip_request(const command_options& o, hanabi::user_id by) {
  auto by_text = find_option(o, "by");
  auto to_text = find_option(o, "to");
  if (by_text && to_text) return fail(errc::conflicting_options, "Give `by` or `to`, not both.");
  if (to_text) {
    auto to = position(*to_text, "to");
    if (!to) return to.error();
    return hanabi::skip_args{.how = hanabi::skip_args::kind::to, .value = static_cast<std::int64_t>(*to), .by = by};
  }
  std::int64_t step = 1;
  if (by_text) {
    auto v = integer(*by_text, "by");
    if (!v) return v.error();
    if (*v == 0) return fail(errc::conflicting_options, "Skipping by 0 would do nothing.");
    step = *v;
  }
  return hanabi::skip_args{.how = hanabi::skip_args::kind::by, .value = step, .by = by};
}

hanabi::result<hanabi::seek_args> seek_request(const command_options& o, hanabi::user_id by) {
  auto time = required(o, "time");
  if (!time) return time.error();
  auto target = parse_seek(*time);
  if (!target) return target.error();
  return hanabi::seek_args{.value = target->ms, .relative = target->relative, .by = by};
}

hanabi::result<hanabi::volume_args> volume_request(const command_options& o, hanabi::user_id by) {
  auto text = required(o, "setting");
  if (!text) return text.error();
  auto setting = parse_volume(*text);
  if (!setting) return setting.error();
  switch (setting->how) {
    case volume_setting::kind::set: return hanabi::volume_args{.value = setting->amount, .relative = false, .by = by};
    case volume_setting::kind::raise: return hanabi::volume_args{.value = setting->amount, .relative = true, .by = by};
    case volume_setting::kind::lower: break;
  }
  return hanabi::volume_args{.value = -setting->amount, .relative = true, .by = by};
}

hanabi::result<hanabi::repeat_args> repeat_request(const command_options& o, hanabi::user_id by) {
  auto text = required(o, "mode");
  if (!text) return text.error();
  auto mode = parse_repeat_mode(*text);
  if (!mode) return mode.error();
  return hanabi::repeat_args{.mode = *mode, .by = by};
}

hanabi::result<hanabi::move_args> move_request(const command_options& o, hanabi::user_id by) {
  auto from_text = required(o, "from");
  if (!from_text) return from_text.error();
  auto to_text = required(o, "to");
  if (!to_text) return to_text.error();
  auto from = position(*from_text, "from");
  if (!from) return from.error();
  auto to = position(*to_text, "to");
  if (!to) return to.error();
  return hanabi::move_args{.from = *from, .to = *to, .by = by};
}

hanabi::result<hanabi::dequeue_args> remove_request(const command_options& o, std::size_t size, hanabi::user_id by) {
  auto text = required(o, "positions");
  if (!text) return text.error();
  auto list = parse_positions(*text, size);
  if (!list) return list.error();
  return hanabi::dequeue_args{.rule = hanabi::dequeue_rule::positions{.list = std::move(*list)},
                              .scope = hanabi::dequeue_scope::upcoming, .by = by};
}

hanabi::result<hanabi::dequeue_args> dequeue_request(const command_options& o, std::vector<hanabi::user_id> present,
                                                     hanabi::user_id by) {
  auto rule = required(o, "rule");
  if (!rule) return rule.error();
  hanabi::dequeue_args a{.by = by};
  if (*rule == "requester") {
    hanabi::user_id whose = by;
    if (auto u = find_option(o, "requester")) {
      auto parsed = parse_user(*u);
      if (!parsed) return parsed.error();
      whose = *parsed;
    }
    a.rule = hanabi::dequeue_rule::requester{.user = whose};
  } else if (*rule == "absent") {
    a.rule = hanabi::dequeue_rule::absent{.present = {present.begin(), present.end()}};
  } else if (*rule == "duplicates") {
    a.rule = hanabi::dequeue_rule::duplicates{};
  } else {
    return fail(errc::unknown_choice, fmt::format("`{}` is not a rule: use requester, absent or duplicates.", *rule));
  }
  return a;
}

hanabi::result<hanabi::filter_args> filter_request(std::string_view subcommand, const command_options& o,
                                                   hanabi::user_id by) {
  if (subcommand == "clear") return hanabi::filter_args{.set = std::string("clear"), .by = by};
  if (subcommand == "equalizer") return equalizer_request(o, by);
  if (subcommand != "preset")
    return fail(errc::unknown_choice, "Use /filter preset, /filter equalizer or /filter clear.");
  auto name = required(o, "name");
  if (!name) return name.error();
  constexpr std::array<std::string_view, 5> presets = {"nightcore", "vaporwave", "karaoke", "bassboost", "flat"};
  if (std::find(presets.begin(), presets.end(), *name) == presets.end())
    return fail(errc::unknown_choice,
                fmt::format("`{}` is not a preset: use nightcore, vaporwave, karaoke, bassboost or flat.", *name));
  return hanabi::filter_args{.set = std::move(*name), .by = by};
}

hanabi::result<std::size_t> page_request(const command_options& o) {
  auto text = find_option(o, "page");
  if (!text) return std::size_t{0};
  auto v = integer(*text, "page");
  if (!v || *v < 1) return fail(errc::page_out_of_range, fmt::format("`{}` is not a page: pages start at 1.", *text));
  return static_cast<std::size_t>(*v);
}

}  // namespace bot
