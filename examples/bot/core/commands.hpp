// The slash commands the parent registers (children register none: they act on
// the parent's behalf). The table is data, so that every adapter registers the
// same commands and a test can check them against Discord's limits.
#pragma once

#include "gateway.hpp"

#include <string>
#include <vector>

namespace bot {

/// Every command of the bot. `bot_names` (the parent's and the children's) become the choices
/// of `/connect bot`.
std::vector<command_spec> slash_commands(const std::vector<std::string>& bot_names);

/// The first way `commands` breaks Discord's rules for application commands (names of 1 to 32
/// lowercase letters, digits, '-' or '_'; descriptions of 1 to 100 characters; at most 25 options
/// and 25 choices; required options before optional ones; unique names), or empty when none.
std::string discord_violation(const std::vector<command_spec>& commands);

}  // namespace bot
