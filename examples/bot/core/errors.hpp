// The bot's own errors: what a user typed wrong, what is wrong in a config file,
// what a script line gets wrong. They live in their own "hanabi.bot" category
// (not in hanabi::error) because they belong to this program, not to the library.
// Every failure carries a sentence for the user in its diagnostics, e.g.
// "position 9 is out of range: the queue has positions 1 to 7".
#pragma once

#include <hanabi/diagnostics.hpp>

#include <boost/system/error_category.hpp>
#include <boost/system/error_code.hpp>

#include <string>
#include <type_traits>

namespace bot {

enum class errc : int {
  // --- User arguments (1xx) ---
  /// A time is not `1:23`, `1:02:03`, `83`, `+30` or `-10`.
  malformed_time = 100,
  /// A seek target lies past the end of the track, or the track cannot seek.
  time_out_of_range,
  /// A queue position or position list does not parse.
  malformed_position,
  /// A queue position is 0 or past the end; the message gives the valid range.
  position_out_of_range,
  /// A volume setting is not `N`, `+N` or `-N`.
  malformed_volume,
  /// A volume (given or resulting) is outside 0..1000.
  volume_out_of_range,
  /// A word is not one of the allowed choices (repeat mode, enqueue mode...).
  unknown_choice,
  /// A page number does not parse or is past the last page.
  page_out_of_range,
  /// A user, channel or role is not a snowflake or a mention of one.
  malformed_snowflake,
  /// The command needs the DJ role (or, for /connect bot, the owner).
  not_allowed,
  /// The user is in no voice channel of the guild.
  not_in_voice,
  /// Options that exclude each other, or a value that would do nothing (`/skip by:0`).
  conflicting_options,
  /// A required option is missing.
  missing_option,

  // --- Configuration (2xx) ---
  /// The config or .env file cannot be read.
  config_unreadable = 200,
  /// The TOML does not parse.
  config_syntax,
  /// A required key is missing.
  config_missing_key,
  /// A key has the wrong TOML type.
  config_wrong_type,
  /// A key has a value that is not allowed (range, duplicate name, bad env variable name...).
  config_invalid_value,
  /// A key the config does not know (a typo, or a setting in the wrong table).
  config_unknown_key,
  /// A token, password or secret is written in the TOML itself.
  secret_in_config,
  /// The environment variable that should hold a secret is unset or empty.
  secret_missing,
  /// A .env line is not KEY=VALUE.
  env_syntax,
  /// A setting this build cannot honour: `storage.kind = "redis"` in a hanabi-bot built without hiredis.
  config_unsupported,

  // --- Offline scripts (3xx) ---
  /// A script line does not tokenize (unterminated quote, option without a name...).
  script_syntax = 300,
  /// A script line starts with something that is not a command, a bot or a directive.
  script_unknown_directive,
  /// A script line names a context key (user, voice, guild, channel) with a bad value.
  script_bad_context,
  /// A script line presses a button or picks from a menu that no message of that bot has.
  script_no_target,

  // --- Gateway (4xx) ---
  /// The message does not exist (deleted, or not posted by this bot).
  unknown_message = 400,
  /// The interaction was already answered, or never received.
  unknown_interaction,
};

/// The "hanabi.bot" category.
const boost::system::error_category& bot_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), bot_category()}; }

/// A failure with `e` and the sentence `message`, for hanabi::result<T>.
inline hanabi::failure fail(errc e, std::string message) {
  return hanabi::failure{make_error_code(e), hanabi::diagnostics{std::move(message)}};
}

}  // namespace bot

template <> struct boost::system::is_error_code_enum<bot::errc> : std::true_type {};
