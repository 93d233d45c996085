#include "commands.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>

namespace bot {
namespace {

using kind = command_option_spec::kind;

command_option_spec required_arg(std::string name, std::string description, kind type = kind::string) {
  return {std::move(name), std::move(description), type, true, {}};
}
command_option_spec optional_arg(std::string name, std::string description, kind type = kind::string,
                             std::vector<std::string> choices = {}) {
  return {std::move(name), std::move(description), type, false, std::move(choices)};
}
command_spec command(std::string name, std::string description, std::vector<command_option_spec> options = {}) {
  return {std::move(name), std::move(description), std::move(options), {}};
}

command_spec playlist_command() {
  auto c = command("playlist", "Your saved playlists");
  c.subcommands = {
      command("create", "Create a playlist", {required_arg("name", "Its name"), optional_arg("description", "What it is"),
                                              optional_arg("public", "Others may enqueue it", kind::boolean)}),
      command("add", "Add a track (a URL or a search) to a playlist",
              {required_arg("name", "The playlist"), required_arg("query", "A URL or a search"),
               optional_arg("start", "Start at, e.g. 0:30"), optional_arg("end", "Stop at, e.g. 2:45")}),
      command("show", "Show a playlist's tracks", {required_arg("name", "The playlist"), optional_arg("owner", "Whose", kind::user)}),
      command("list", "List the playlists of a user", {optional_arg("owner", "Whose (default: yours)", kind::user)}),
      command("delete", "Delete one of your playlists", {required_arg("name", "The playlist")}),
      command("rename", "Rename one of your playlists", {required_arg("name", "The playlist"), required_arg("new_name", "Its new name")}),
      command("import", "Save a Lavalink playlist (a URL) as a playlist",
              {required_arg("url", "The playlist URL"), required_arg("name", "The name to save it under")}),
      command("export", "Get a playlist as a JSON file (hanabi's playlist format)",
              {required_arg("name", "The playlist"), optional_arg("owner", "Whose (default: yours)", kind::user)}),
  };
  return c;
}

command_spec filter_command() {
  auto c = command("filter", "Audio filters");
  c.subcommands = {
      command("preset", "Apply a preset",
              {{"name", "The preset", kind::string, true, {"nightcore", "vaporwave", "karaoke", "bassboost", "flat"}}}),
      command("equalizer", "Set one equalizer band",
              {required_arg("band", "Band 0 to 14", kind::integer), required_arg("gain", "Gain from -0.25 to 1.0")}),
      command("clear", "Remove every filter"),
  };
  return c;
}

bool valid_name(const std::string& n) {
  return !n.empty() && n.size() <= 32 && std::all_of(n.begin(), n.end(), [](unsigned char c) {
           return std::islower(c) || std::isdigit(c) || c == '-' || c == '_';
         });
}

// Counts characters, not bytes: Discord's limits are in characters.
std::size_t characters(const std::string& s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](unsigned char c) { return (c & 0xC0) != 0x80; }));
}

std::string check_named(const std::string& where, const std::string& name, const std::string& description) {
  if (!valid_name(name)) return fmt::format("{}: `{}` is not a valid name", where, name);
  if (description.empty() || characters(description) > 100) return fmt::format("{}: the description must have 1 to 100 characters", where);
  return {};
}

std::string check_options(const std::string& where, const std::vector<command_option_spec>& options) {
  if (options.size() > 25) return fmt::format("{}: more than 25 options", where);
  std::set<std::string> names;
  bool optional_seen = false;
  for (const auto& o : options) {
    const auto here = fmt::format("{} {}", where, o.name);
    if (auto v = check_named(here, o.name, o.description); !v.empty()) return v;
    if (!names.insert(o.name).second) return fmt::format("{}: the name is used twice", here);
    if (o.required && optional_seen) return fmt::format("{}: a required option follows an optional one", here);
    optional_seen = optional_seen || !o.required;
    if (o.choices.size() > 25) return fmt::format("{}: more than 25 choices", here);
  }
  return {};
}

std::string check_command(const std::string& where, const command_spec& c) {
  if (auto v = check_named(where, c.name, c.description); !v.empty()) return v;
  if (!c.subcommands.empty() && !c.options.empty())
    return fmt::format("{}: a command has either options or subcommands", where);
  if (c.subcommands.size() > 25) return fmt::format("{}: more than 25 subcommands", where);
  std::set<std::string> names;
  for (const auto& s : c.subcommands) {
    const auto here = fmt::format("{} {}", where, s.name);
    if (!names.insert(s.name).second) return fmt::format("{}: the name is used twice", here);
    if (!s.subcommands.empty()) return fmt::format("{}: subcommands nest only one level here", here);
    if (auto v = check_command(here, s); !v.empty()) return v;
  }
  return check_options(where, c.options);
}

}  // namespace

std::vector<command_spec> slash_commands(const std::vector<std::string>& bot_names) {
  return {
      command("connect", "Bring a bot into your voice channel", {optional_arg("bot", "Which bot (owner only)", kind::string, bot_names)}),
      command("disconnect", "Make the bot in your voice channel leave"),
      command("play", "Play a URL or a search",
              {required_arg("query", "A URL or a search"), optional_arg("position", "Queue position for it", kind::integer),
               optional_arg("next", "Play it right after the current track", kind::boolean)}),
      command("search", "Search and pick one of 5 results", {required_arg("query", "What to search for")}),
      command("skip", "Skip forward or back, or to a position",
              {optional_arg("by", "How many tracks (negative goes back)", kind::integer),
               optional_arg("to", "The position to skip to", kind::integer)}),
      command("back", "Play the previous track"),
      command("seek", "Jump in the track", {required_arg("time", "1:23, 1:02:03, 83, +30 or -10")}),
      command("pause", "Pause playback"),
      command("resume", "Resume playback"),
      command("stop", "Stop the current track (the queue stays)"),
      command("volume", "Set the volume (remembered for your tracks)", {required_arg("setting", "N, +N or -N (0 to 1000)")}),
      command("repeat", "Set the repeat mode", {{"mode", "What repeats", kind::string, true, {"off", "one", "all"}}}),
      command("shuffle", "Shuffle the upcoming tracks"),
      command("unshuffle", "Undo the last shuffle"),
      command("queue", "Show the queue", {optional_arg("page", "Page number", kind::integer)}),
      command("nowplaying", "Show what is playing"),
      command("history", "Show what was done in this session"),
      command("move", "Move a track", {required_arg("from", "Its position", kind::integer), required_arg("to", "Its new position", kind::integer)}),
      command("remove", "Remove tracks", {required_arg("positions", "3, 1,4,7 or 2-5")}),
      command("clear", "Remove every upcoming track"),
      command("dequeue", "Remove upcoming tracks by a rule",
              {{"rule", "Which tracks", kind::string, true, {"requester", "absent", "duplicates"}},
               optional_arg("requester", "Whose tracks (rule: requester; default: yours)", kind::user)}),
      command("enqueue", "Enqueue a saved playlist",
              {required_arg("playlist", "Its name"), optional_arg("owner", "Whose (default: yours)", kind::user),
               optional_arg("mode", "Where the tracks go", kind::string, {"fifo", "next", "random", "interlace"}),
               optional_arg("shuffle", "Shuffle them first", kind::boolean)}),
      playlist_command(),
      filter_command(),
      command("bots", "Show the bots, their sessions and health"),
      command("nodes", "Show the Lavalink nodes, their load and players"),
  };
}

std::string discord_violation(const std::vector<command_spec>& commands) {
  if (commands.size() > 100) return "more than 100 commands";
  std::set<std::string> names;
  for (const auto& c : commands) {
    const auto here = fmt::format("/{}", c.name);
    if (!names.insert(c.name).second) return fmt::format("{}: the name is used twice", here);
    if (auto v = check_command(here, c); !v.empty()) return v;
  }
  return {};
}

}  // namespace bot
