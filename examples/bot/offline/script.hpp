// The language of offline scripts and of the offline console: one line per
// user action, as close as possible to what a user types in Discord.
//
//     # a comment
//     /play query:"emusearch:lofi" user:11 voice:101     a slash command (to the parent)
//     /playlist create name:chill user:11                a command with a subcommand
//     @child-1 button:np_skip user:11                    a press on child-1's latest message with that button
//     @parent select:search value:2 user:11              a choice in a select menu
//     join user:12 voice:101                             someone joins a voice channel...
//     leave user:12                                      ...or leaves it
//     wait 2s                                            let time pass (also 500ms)
//
// Context keys, understood on every action line and never passed on as command
// options: `user` (who acts), `voice` (the voice channel that user is in from now
// on), `guild` and `channel` (the text channel). Values are bare words or
// "double-quoted" with \" and \\ escapes. A bad line is a typed error that names
// its column; it never throws.
#pragma once

#include "../core/errors.hpp"

#include <hanabi/diagnostics.hpp>
#include <hanabi/ids.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace bot::offline {

/// One word of a line: `key:value`, or a bare `value`.
struct script_token {
  std::string key;  ///< Empty for a bare word.
  std::string value;
  std::size_t column = 0;  ///< 1-based, where the token starts.
  friend bool operator==(const script_token&, const script_token&) = default;
};

/// Splits a line into tokens (a `#` outside quotes starts a comment). Errors: script_syntax.
hanabi::result<std::vector<script_token>> tokenize(std::string_view line);

/// Who acts, and where, on an action line; what is not given keeps the script's current value.
struct script_context {
  std::optional<hanabi::user_id> user;
  /// Given with `voice:`: the user is in that channel from now on (`voice:none` = in none).
  std::optional<std::optional<hanabi::channel_id>> voice;
  std::optional<hanabi::guild_id> guild;
  std::optional<hanabi::channel_id> channel;
  friend bool operator==(const script_context&, const script_context&) = default;
};

struct command_line {
  std::string name;        ///< Without the slash.
  std::string subcommand;  ///< The bare word after the name, if any.
  std::map<std::string, std::string> options;
  script_context context;
  friend bool operator==(const command_line&, const command_line&) = default;
};

struct component_line {
  std::string bot;        ///< Without the @.
  std::string custom_id;  ///< From `button:ID` or `select:ID`.
  std::vector<std::string> values;  ///< `value:a,b` of a select; empty for a button.
  script_context context;
  friend bool operator==(const component_line&, const component_line&) = default;
};

/// `join user:U voice:C` (channel set) or `leave user:U` (no channel).
struct voice_line {
  script_context context;
  friend bool operator==(const voice_line&, const voice_line&) = default;
};

struct wait_line {
  std::chrono::milliseconds duration{0};
  friend bool operator==(const wait_line&, const wait_line&) = default;
};

/// A blank or comment-only line.
struct empty_line {
  friend bool operator==(const empty_line&, const empty_line&) = default;
};

using script_line = std::variant<empty_line, command_line, component_line, voice_line, wait_line>;

/// Parses one line. Errors: script_syntax (tokens, a component without button: or select:, a
/// duration), script_unknown_directive, script_bad_context (a user or channel that is not an id).
hanabi::result<script_line> parse_line(std::string_view line);

}  // namespace bot::offline
