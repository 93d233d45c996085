// Runs script lines (script.hpp) against the offline gateways of this process:
// a /command goes to the parent's gateway, `@bot button:ID` to that bot's,
// join/leave change who is in which voice channel for every bot, and `voice:`
// on an action line first moves its user there. The context (user, guild,
// text channel) carries over from one line to the next, as if the same person
// kept typing.
//
// Threading: call run() on the gateways' executor.
#pragma once

#include "offline_gateway.hpp"
#include "script.hpp"

#include <chrono>
#include <map>
#include <string>
#include <string_view>

namespace bot::offline {

class script_runner {
 public:
  /// `bots` by name; `parent` names the one that receives slash commands. The gateways must
  /// outlive the runner.
  script_runner(std::string parent, std::map<std::string, offline_gateway*> bots);

  /// Runs one line and returns how long to wait before the next one (zero except for `wait`).
  /// Errors: those of parse_line, script_bad_context (no user yet, unknown bot),
  /// script_no_target.
  hanabi::result<std::chrono::milliseconds> run(std::string_view line);

  /// The context the next line starts from.
  const invoker& context() const noexcept { return current_; }

 private:
  hanabi::result<invoker> apply(const script_context& ctx);
  offline_gateway* find(std::string_view name) const;

  std::string parent_;
  std::map<std::string, offline_gateway*> bots_;
  invoker current_{hanabi::guild_id{1}, hanabi::channel_id{10}, {}, {}};
};

}  // namespace bot::offline
