// From a slash command's options to the arguments of a hanabi::session call, and who may run
// what. Pure functions: no session, no gateway, no I/O, so that every rule users meet (which
// options go together, which need the DJ role) is unit-tested on its own.
//
// Permissions (the DJ role of the config, `dj_role`): the commands that change what everyone
// hears or drop other people's tracks need it when a DJ role is configured:
//   /disconnect /skip /back /seek /stop /move /remove /clear /dequeue /shuffle /unshuffle /filter
// and the ⏮ ⏭ ⏹ buttons. Everything else (adding tracks, pause/resume, volume, repeat, the views)
// is open to everyone in the voice channel. Without a DJ role every command is open. Choosing the
// bot in `/connect bot:` is for the owner only.
#pragma once

#include "args.hpp"
#include "config.hpp"
#include "gateway.hpp"

#include <hanabi/diagnostics.hpp>
#include <hanabi/session/session_types.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace bot {

using command_options = std::map<std::string, std::string>;

/// Who may do what: the DJ role and the owner from the config.
struct permissions {
  std::optional<std::uint64_t> dj_role;  ///< None: everyone may run every command.
  std::optional<hanabi::user_id> owner;  ///< May choose the bot in /connect.
};

/// Whether `command` (a slash command name or a now-playing button id) needs the DJ role.
bool needs_dj(std::string_view command);

/// Errors: not_allowed ("/skip needs the DJ role"), when `who` lacks the DJ role a command needs.
hanabi::result<void> check_allowed(std::string_view command, const invoker& who, const permissions& rules);

/// /connect [bot]: the bot chosen (empty: let the manager choose). Errors: not_allowed when
/// someone other than the owner names a bot.
hanabi::result<std::string> connect_choice(const command_options& o, const invoker& who, const permissions& rules);

/// /play query [position] [next]. Errors: missing_option, malformed_position, position_out_of_range (0).
hanabi::result<hanabi::play_args> play_request(const command_options& o, hanabi::user_id by);
/// /skip [by] [to] (by 1 when neither), /back. Errors: conflicting_options (both, or by:0),
/// malformed_position, position_out_of_range (to:0).
hanabi::result<hanabi::skip_args> skip_request(const command_options& o, hanabi::user_id by);
/// /seek time. Errors: missing_option, malformed_time.
hanabi::result<hanabi::seek_args> seek_request(const command_options& o, hanabi::user_id by);
/// /volume setting. Errors: missing_option, malformed_volume, volume_out_of_range.
hanabi::result<hanabi::volume_args> volume_request(const command_options& o, hanabi::user_id by);
/// /repeat mode. Errors: missing_option, unknown_choice.
hanabi::result<hanabi::repeat_args> repeat_request(const command_options& o, hanabi::user_id by);
/// /move from to. Errors: missing_option, malformed_position, position_out_of_range (0).
hanabi::result<hanabi::move_args> move_request(const command_options& o, hanabi::user_id by);
/// /remove positions, against a queue of `size` items. Errors: those of parse_positions.
hanabi::result<hanabi::dequeue_args> remove_request(const command_options& o, std::size_t size, hanabi::user_id by);
/// /dequeue rule [requester] (`requester`, not `user`: offline scripts keep `user:` for who acts): `present` is who is in the voice channel (the `absent` rule).
/// Errors: missing_option, unknown_choice, malformed_snowflake.
hanabi::result<hanabi::dequeue_args> dequeue_request(const command_options& o, std::vector<hanabi::user_id> present,
                                                     hanabi::user_id by);
/// /filter preset name | equalizer band gain | clear. Errors: missing_option, unknown_choice,
/// position_out_of_range (a band outside 0..14 or a gain outside -0.25..1.0).
hanabi::result<hanabi::filter_args> filter_request(std::string_view subcommand, const command_options& o,
                                                   hanabi::user_id by);
/// /queue [page]: the page asked for (0 = the page around the current item). Errors: page_out_of_range.
hanabi::result<std::size_t> page_request(const command_options& o);

}  // namespace bot
