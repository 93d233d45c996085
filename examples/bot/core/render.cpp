#include "render.hpp"

#include "args.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace bot {
namespace {

std::string mention(hanabi::user_id u) { return u ? fmt::format("<@{}>", u.value()) : std::string("nobody"); }

// "Title — Author (3:07)" or "(live)" for a stream.
std::string track_summary(const hanabi::item_view& item) {
  return fmt::format("{} — {} ({})", item.title, item.author, item.is_stream ? std::string("live") : format_time(item.length));
}

// One numbered line per item; the current one is marked ▶ and bold.
std::string queue_lines(const hanabi::queue_view& page) {
  std::string out;
  for (const auto& item : page.items) {
    auto line = fmt::format("{}. {} · {}", item.position, track_summary(item), mention(item.requester));
    out += item.position == page.current_position ? fmt::format("▶ **{}**\n", line) : fmt::format("{}\n", line);
  }
  if (!out.empty()) out.pop_back();
  return out;
}

button make_button(std::string_view id, std::string_view emoji, bool disabled = false,
                   button_style style = button_style::secondary) {
  return button{std::string(id), std::string(emoji), "", style, disabled};
}

std::vector<action_row> player_buttons(const hanabi::now_playing& np, const hanabi::queue_view& w) {
  const bool at_start = w.current_position <= 1;
  const bool at_end = w.current_position >= w.total && np.repeat == hanabi::repeat_mode::off;
  action_row transport{{make_button(button_ids::back, "⏮", at_start),
                        make_button(button_ids::pause, "⏯", false, button_style::primary),
                        make_button(button_ids::skip, "⏭", at_end),
                        make_button(button_ids::stop, "⏹", false, button_style::danger),
                        make_button(button_ids::repeat, "🔁")}};
  action_row volume{{make_button(button_ids::volume_down, "🔉", np.volume <= 0),
                     make_button(button_ids::volume_up, "🔊", np.volume >= max_volume)}};
  return {std::move(transport), std::move(volume)};
}

std::string position_line(const hanabi::now_playing& np) {
  if (np.item.is_stream) return "🔴 live";
  return fmt::format("`{}` {} `{}`", format_time(np.position), progress_bar(np.position, np.item.length, 20),
                     format_time(np.item.length));
}

std::string component_text(const component& c) {
  if (const auto* b = std::get_if<button>(&c)) {
    auto label = b->label.empty() ? b->emoji : b->emoji.empty() ? b->label : b->emoji + " " + b->label;
    return fmt::format("[{} {}{}]", label, b->custom_id, b->disabled ? " (disabled)" : "");
  }
  const auto& menu = std::get<select_menu>(c);
  std::string options;
  for (const auto& o : menu.options) options += fmt::format("{}{}) {}", options.empty() ? "" : " | ", o.value, o.label);
  return fmt::format("<{} {}: {}{}>", menu.custom_id, menu.placeholder, options, menu.disabled ? " (disabled)" : "");
}

}  // namespace

message render_error(const hanabi::failure& f) {
  auto sentence = f.diag.best_message();
  return render_error(sentence.empty() ? f.code.message() : sentence);
}

message render_error(std::string_view sentence) {
  message m;
  m.content = fmt::format("⚠️ {}", sentence);
  m.ephemeral = true;
  return m;
}

message render_notice(std::string_view sentence) {
  message m;
  m.content = std::string(sentence);
  m.ephemeral = true;
  return m;
}

message render_queue_page(const hanabi::queue_view& page) {
  embed e;
  e.color = colors::info;
  e.title = fmt::format("Queue — page {}/{}", std::max<std::size_t>(page.page, 1), std::max<std::size_t>(page.pages, 1));
  e.description = page.items.empty() ? "The queue is empty." : queue_lines(page);
  e.footer = fmt::format("{} track{} · {} left", page.total, page.total == 1 ? "" : "s",
                         format_time(page.durations.remaining_ms));
  if (page.durations.remaining_streams > 0) e.footer += fmt::format(" + {} live", page.durations.remaining_streams);
  return message{"", {std::move(e)}, {}, false, {}};
}

std::string progress_bar(std::int64_t filled, std::int64_t total, std::size_t width) {
  if (width == 0) return {};
  const auto cells = static_cast<std::int64_t>(width);
  // In floating point: a position and a length near the int64 limit must not overflow.
  const auto ratio = total <= 0 ? 0.0 : static_cast<double>(filled) / static_cast<double>(total);
  const auto knob = std::clamp<std::int64_t>(static_cast<std::int64_t>(std::clamp(ratio, 0.0, 1.0) * static_cast<double>(cells)), 0, cells - 1);
  std::string out;
  for (std::int64_t i = 0; i < cells; ++i) out += i == knob ? "🔘" : "▬";
  return out;
}

message render_now_playing(const now_playing_view& v) {
  embed e;
  e.color = colors::playing;
  e.footer = v.bot_name;
  if (!v.current) {
    e.title = "Nothing is playing";
    return message{"", {std::move(e)}, {}, false, {}};
  }
  const auto& np = *v.current;
  e.title = np.paused ? fmt::format("⏸ {}", np.item.title) : np.item.title;
  e.url = np.item.uri;
  e.thumbnail = np.item.artwork_url;
  e.description = fmt::format("{}\n{}", np.item.author, position_line(np));
  e.fields.push_back({"Volume", fmt::format("{}%", np.volume), true});
  e.fields.push_back({"Repeat", hanabi::to_string(np.repeat), true});
  e.fields.push_back({"Requested by", mention(np.item.requester), true});
  if (!v.window.items.empty()) e.fields.push_back({"Queue", queue_lines(v.window), false});
  return message{"", {std::move(e)}, player_buttons(np, v.window), false, {}};
}

std::string uptime_text(std::chrono::seconds s) {
  const auto total = std::max<std::int64_t>(s.count(), 0);
  const std::int64_t d = total / 86'400, h = total / 3'600 % 24, m = total / 60 % 60, sec = total % 60;
  if (d > 0) return fmt::format("{}d {}h", d, h);
  if (h > 0) return fmt::format("{}h {}m", h, m);
  if (m > 0) return fmt::format("{}m {}s", m, sec);
  return fmt::format("{}s", sec);
}

namespace {

std::string bot_health(const bot_row& b) {
  std::string value = b.online ? "🟢 up" : "🔴 down";
  value += fmt::format(" · {} session{}", b.sessions, b.sessions == 1 ? "" : "s");
  if (b.latency) value += fmt::format(" · link {:.2f} ms", static_cast<double>(b.latency->count()) / 1000.0);
  if (b.uptime) value += fmt::format(" · up {}", uptime_text(*b.uptime));
  if (b.restarts) value += fmt::format(" · restarts {}", *b.restarts);
  if (b.nodes_up) value += fmt::format(" · nodes {}/{} up", b.nodes_up->first, b.nodes_up->second);
  return value;
}

}  // namespace

message render_bots(const std::vector<bot_row>& bots) {
  embed e;
  e.color = colors::info;
  e.title = "Bots";
  for (const auto& b : bots)
    e.fields.push_back({fmt::format("{} ({})", b.name, b.parent ? "parent" : "child"), bot_health(b), false});
  if (bots.empty()) e.description = "No bots are configured.";
  return message{"", {std::move(e)}, {}, false, {}};
}

node_row make_node_row(const hanabi::pool_stats::node_entry& pooled, const std::optional<hanabi::protocol::stats>& stats) {
  node_row r;
  r.load.name = pooled.name;
  r.load.available = pooled.available;
  r.load.accepts_new_players = pooled.accepting;
  r.players = static_cast<int>(pooled.players);
  r.penalty = pooled.penalty;
  if (stats) {
    // Stats arrive once a minute from Lavalink; the pool's own players are on the node already,
    // so a stale count never shows fewer than those.
    r.players = std::max(stats->players, r.players);
    r.load.playing_players = stats->playing_players;
    r.load.system_load = stats->cpu.system_load;
    r.load.frames = stats->frame_stats;
  }
  return r;
}

message render_nodes(const std::vector<node_row>& nodes) {
  embed e;
  e.color = colors::info;
  e.title = "Nodes";
  for (const auto& n : nodes) {
    std::string value = n.load.available ? (n.load.accepts_new_players ? "🟢 up" : "🟡 draining") : "🔴 down";
    value += fmt::format(" · {} player{} ({} playing) · CPU {:.0f}% · penalty {:.0f}", n.players,
                         n.players == 1 ? "" : "s", n.load.playing_players, n.load.system_load * 100, n.penalty);
    if (n.load.frames) value += fmt::format(" · frame deficit {}/min", n.load.frames->deficit);
    e.fields.push_back({n.load.name, value, false});
  }
  if (nodes.empty()) e.description = "No nodes are configured.";
  return message{"", {std::move(e)}, {}, false, {}};
}

std::string to_text(const message& m) {
  std::string out;
  auto line = [&](std::string_view prefix, std::string_view text) {
    if (!text.empty()) out += fmt::format("{}{}\n", prefix, text);
  };
  line(m.ephemeral ? "(only you) " : "", m.content);
  for (const auto& e : m.embeds) {
    line("┃ ", e.url.empty() ? e.title : fmt::format("{} <{}>", e.title, e.url));
    if (!e.thumbnail.empty()) line("┃ artwork: ", e.thumbnail);
    for (std::string_view rest = e.description; !rest.empty();) {
      auto eol = rest.find('\n');
      line("┃ ", rest.substr(0, eol));
      rest = eol == std::string_view::npos ? std::string_view{} : rest.substr(eol + 1);
    }
    for (const auto& f : e.fields) line("┃ ", fmt::format("{}: {}", f.name, f.value));
    line("┃ — ", e.footer);
  }
  for (const auto& row : m.rows) {
    std::string text;
    for (const auto& c : row.components) text += component_text(c) + " ";
    if (!text.empty()) text.pop_back();
    line("", text);
  }
  for (const auto& f : m.files) line("", fmt::format("📎 {} ({} bytes)\n{}", f.filename, f.content.size(), f.content));
  if (!out.empty()) out.pop_back();
  return out;
}

}  // namespace bot
