// Reading a bot's answer to one script line, for the e2e environments (parent_env, children_env).
//
// The answer is looked up by the id of the interaction the line opened, never as "the newest
// reply": a deferred command of an earlier line may be edited in later, and the replies are keyed
// by interaction id, so the newest entry need not be this line's.
#pragma once

#include "offline/offline_gateway.hpp"
#include "offline/script_runner.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>

namespace bot_test {

/// Runs script line `line` and waits, through `run_until` (a hang guard), for the final answer
/// of `gw` to the interaction the line opened: its reply, or the edit of its deferral (a
/// "thinking…" deferral alone is no answer). Returns that interaction's id.
template <class RunUntil>
std::uint64_t answered_interaction(bot::offline::script_runner& runner, bot::offline::offline_gateway& gw,
                                   const std::string& line, RunUntil&& run_until) {
  const auto before = gw.newest_interaction();
  auto ran = runner.run(line);
  INFO(line << ": " << (ran ? "" : ran.error().diag.best_message()));
  REQUIRE(ran);
  const auto id = gw.newest_interaction();
  REQUIRE(id > before);  // the line reached this bot as a command or a component
  REQUIRE(run_until([&] { return gw.replies().contains(id); }));
  return id;
}

}  // namespace bot_test
