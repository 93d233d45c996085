// Messages as data. The bot never builds a Discord library's message type: it
// renders plain structs (embeds, fields, buttons, select menus) that a gateway
// turns into whatever its library sends, and that tests compare directly.
//
// The renderers take the plain views a hanabi::session answers (queue_view,
// now_playing) or rows of a table, never a live session, so the same output
// comes from a local session and from one held by a child process.
#pragma once

#include <hanabi/diagnostics.hpp>
#include <hanabi/ids.hpp>
#include <hanabi/node/node_pool.hpp>
#include <hanabi/node/selection.hpp>
#include <hanabi/protocol/events.hpp>
#include <hanabi/session/session_types.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace bot {

struct embed_field {
  std::string name;
  std::string value;
  bool is_inline = false;
  friend bool operator==(const embed_field&, const embed_field&) = default;
};

struct embed {
  std::string title;
  std::string url;          ///< The title links here; empty = no link.
  std::string description;
  std::string thumbnail;    ///< Image URL; empty = none.
  std::string footer;
  std::uint32_t color = 0;  ///< 0xRRGGBB; 0 = the client's default.
  std::vector<embed_field> fields;
  friend bool operator==(const embed&, const embed&) = default;
};

enum class button_style { primary, secondary, success, danger };

struct button {
  std::string custom_id;  ///< Stable: a press comes back with it (see button_ids).
  std::string emoji;
  std::string label;
  button_style style = button_style::secondary;
  bool disabled = false;
  friend bool operator==(const button&, const button&) = default;
};

struct select_option {
  std::string value;
  std::string label;
  std::string description;
  friend bool operator==(const select_option&, const select_option&) = default;
};

/// A menu to pick one option from. Its custom_id is "kind:detail" (e.g. "search:3"): the kind says
/// which feature answers a choice, the detail which instance.
struct select_menu {
  std::string custom_id;
  std::string placeholder;
  std::vector<select_option> options;
  bool disabled = false;  ///< Shown but not usable (an expired or answered search).
  friend bool operator==(const select_menu&, const select_menu&) = default;
};

using component = std::variant<button, select_menu>;

/// A row of components (Discord: at most 5 buttons, or one select menu).
struct action_row {
  std::vector<component> components;
  friend bool operator==(const action_row&, const action_row&) = default;
};

/// A file sent with a message (an exported playlist): Discord caps message text at 2,000
/// characters, a file is not capped that low.
struct attachment {
  std::string filename;
  std::string content;
  friend bool operator==(const attachment&, const attachment&) = default;
};

struct message {
  std::string content;
  std::vector<embed> embeds;
  std::vector<action_row> rows;
  /// Only the user who ran the command sees it (interaction replies only).
  bool ephemeral = false;
  std::vector<attachment> files;
  friend bool operator==(const message&, const message&) = default;
};

/// The custom ids of the now-playing buttons. They are part of the bot's interface: a press on a
/// message posted before a restart still comes back with these ids.
namespace button_ids {
inline constexpr std::string_view back = "np_back";
inline constexpr std::string_view pause = "np_pause";
inline constexpr std::string_view skip = "np_skip";
inline constexpr std::string_view stop = "np_stop";
inline constexpr std::string_view repeat = "np_repeat";
inline constexpr std::string_view volume_down = "np_voldown";
inline constexpr std::string_view volume_up = "np_volup";
}  // namespace button_ids

/// Colours of the embeds.
namespace colors {
inline constexpr std::uint32_t error = 0xd9534f;
inline constexpr std::uint32_t playing = 0x5865f2;
inline constexpr std::uint32_t info = 0x4f9d69;
}  // namespace colors

// --- Renderers ---------------------------------------------------------------------------------

/// A short, specific, ephemeral reply for an error the user caused: the failure's own sentence
/// (diagnostics) when it has one, else its code's message.
message render_error(const hanabi::failure& f);
/// The same for a plain sentence ("You are not in a voice channel.").
message render_error(std::string_view sentence);

/// A short ephemeral confirmation ("Volume set to 80%.").
message render_notice(std::string_view sentence);

/// A page of the queue: items numbered by position, the current one marked, and the count and
/// time left in the footer.
message render_queue_page(const hanabi::queue_view& page);

/// What the now-playing message shows.
struct now_playing_view {
  std::optional<hanabi::now_playing> current;  ///< Track, position, volume, pause, repeat; none = idle.
  hanabi::queue_view window;                   ///< A window of the queue around the current item.
  std::string bot_name;                        ///< The bot holding the session (the footer).
};

/// Title (linked) and artwork, a progress bar with times, the volume, the repeat mode, the
/// requester, a window of the queue, and the buttons ⏮ ⏯ ⏭ ⏹ 🔁 🔉 🔊. With no track, a
/// "Nothing is playing" embed without buttons.
message render_now_playing(const now_playing_view& view);

/// A bar of `width` cells, `filled` of `total` (clamped): "▬▬▬▬🔘▬▬▬▬▬".
std::string progress_bar(std::int64_t filled, std::int64_t total, std::size_t width);

/// One row of /bots: a bot, its sessions and its health.
struct bot_row {
  std::string name;
  bool parent = false;
  bool online = false;  ///< The parent itself, or a child whose control link is up.
  std::size_t sessions = 0;
  /// A child's control link: the round trip of its latest heartbeat. None for the parent, an
  /// offline child, or before the first heartbeat was answered.
  std::optional<std::chrono::microseconds> latency;
  /// How long the bot has been up: the parent's process, a child's current link.
  std::optional<std::chrono::seconds> uptime;
  /// How many times the parent's supervisor restarted the child; none when it does not run it.
  std::optional<std::uint64_t> restarts;
  /// The parent's nodes: how many accept players, of how many. None for a child.
  std::optional<std::pair<std::size_t, std::size_t>> nodes_up;
};
/// "🟢 up · 1 session · link 0.42 ms · up 5m 12s · restarts 0" per bot; "🔴 down" for a child
/// whose link is down; the parent's row says how many of its nodes are up.
message render_bots(const std::vector<bot_row>& bots);
/// "42s", "5m 12s", "3h 7m", "2d 4h": a duration in its two largest units.
std::string uptime_text(std::chrono::seconds s);

/// One row of /nodes.
struct node_row {
  hanabi::node_load load;  ///< Name, availability, playing players, CPU, frames.
  int players = 0;         ///< Players on the node (all sessions).
  double penalty = 0;      ///< As selection computes it.
};
/// A row from the pool's view of a node (availability, its players in this pool, the penalty) and
/// the node's latest stats (players of every client, playing players, CPU, frames), when it has
/// sent some: without stats the row counts this pool's players only.
node_row make_node_row(const hanabi::pool_stats::node_entry& pooled, const std::optional<hanabi::protocol::stats>& stats);
message render_nodes(const std::vector<node_row>& nodes);

/// The message as readable text, for a console (the offline gateway) and for logs.
std::string to_text(const message& m);

}  // namespace bot
