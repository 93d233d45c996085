// A gateway that simulates Discord for one bot, with no network: what a real
// gateway sends to Discord is printed as readable text, and what Discord would
// send (commands, button presses, voice updates) is fed in by a script or the
// console (see script.hpp and script_runner.hpp).
//
// Op 4 is answered the way Discord answers it: a VOICE_STATE_UPDATE for the bot
// and, when it joins a channel, a VOICE_SERVER_UPDATE whose endpoint is a
// made-up host. The fake Lavalink node accepts any endpoint, so a hanabi player
// paired this way plays for real on it.
//
// Threading: like every gateway, used from one executor; its events and
// completions are posted there, never run inside the call that caused them.
#pragma once

#include "../core/errors.hpp"
#include "../core/gateway.hpp"

#include <hanabi/diagnostics.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bot::offline {

/// Who is in which voice channel: the state Discord's cache would hold. One per process, shared by
/// its offline gateways (so a bot joining shows up in members_in for the others). Not thread-safe.
class voice_world {
 public:
  std::optional<hanabi::channel_id> channel_of(hanabi::guild_id guild, hanabi::user_id user) const;
  std::vector<hanabi::user_id> members_in(hanabi::guild_id guild, hanabi::channel_id channel) const;
  /// `user` is now in `channel` (none = in no channel of `guild`).
  void set(hanabi::guild_id guild, hanabi::user_id user, std::optional<hanabi::channel_id> channel);

  struct presence {
    hanabi::guild_id guild;
    hanabi::user_id user;
    hanabi::channel_id channel;
  };
  /// Everyone in a voice channel, bots included (what a bot learns when it connects).
  std::vector<presence> everyone() const;

 private:
  std::map<std::pair<hanabi::guild_id, hanabi::user_id>, hanabi::channel_id> where_;
};

struct offline_options {
  std::string name;     ///< The bot's name, printed before everything it "sends".
  hanabi::user_id self;  ///< The bot's user id.
  /// Receives each printed block (no trailing newline). Default: standard output.
  std::function<void(std::string_view)> print;
  /// The VOICE_SERVER_UPDATE endpoint.
  std::string voice_endpoint = "offline.discord.media:443";
};

class offline_gateway final : public gateway {
 public:
  offline_gateway(executor_type executor, std::shared_ptr<voice_world> world, offline_options options);

  executor_type get_executor() const override { return executor_; }
  hanabi::user_id self() const override { return options_.self; }
  const std::string& name() const override { return options_.name; }
  void set_events(gateway_events events) override { events_ = std::move(events); }
  void send_voice_update(const hanabi::gateway_voice_update& update) override;
  std::optional<hanabi::channel_id> voice_channel_of(hanabi::guild_id guild, hanabi::user_id user) const override;
  std::vector<hanabi::user_id> members_in(hanabi::guild_id guild, hanabi::channel_id channel) const override;

  // --- Feeding it what Discord would send ---------------------------------------------------

  /// A user runs a slash command; it reaches on_command with a fresh interaction.
  void deliver_command(invoker from, std::string name, std::string subcommand,
                       std::map<std::string, std::string> options);
  /// A user presses `custom_id` (or picks `values` in that menu) on the newest message of this
  /// bot that has it, else on the newest interaction reply that has it. `custom_id` may name a
  /// component's kind only: `search` picks in the newest "search:N" menu. Errors: script_no_target.
  hanabi::result<void> deliver_component(invoker from, std::string_view custom_id, std::vector<std::string> values);
  /// A user (not a bot) joins, moves or leaves; the world changes and on_member_voice runs.
  void deliver_member_voice(hanabi::guild_id guild, hanabi::user_id user, std::optional<hanabi::channel_id> channel);

  // --- What it "sent" -----------------------------------------------------------------------

  /// A message the bot posted and has not deleted, or null.
  const message* find_message(hanabi::message_id id) const;
  /// The last answer to each interaction (reply or edit), by interaction id.
  const std::map<std::uint64_t, message>& replies() const noexcept { return replies_; }
  /// The interactions that were deferred before their answer.
  const std::set<std::uint64_t>& deferred() const noexcept { return deferred_; }
  /// The id of the newest interaction delivered (a command or a component); 0 before any. The
  /// id keys replies(), so a caller can wait for the answer to the interaction it caused.
  std::uint64_t newest_interaction() const noexcept { return next_interaction_ - 1; }
  /// The commands registered, last registration wins.
  const std::vector<command_spec>& registered_commands() const noexcept { return commands_; }

 protected:
  void reply_impl(interaction_ref i, message m, done_handler h) override;
  void defer_impl(interaction_ref i, bool ephemeral, done_handler h) override;
  void edit_reply_impl(interaction_ref i, message m, done_handler h) override;
  void post_impl(hanabi::channel_id channel, message m, posted_handler h) override;
  void edit_impl(hanabi::channel_id channel, hanabi::message_id id, message m, done_handler h) override;
  void delete_impl(hanabi::channel_id channel, hanabi::message_id id, done_handler h) override;
  void register_commands_impl(std::vector<command_spec> commands, done_handler h) override;

 private:
  struct posted {
    hanabi::channel_id channel;
    message content;
  };

  interaction_ref open_interaction(std::string label);
  /// Replies to (or, with how = " (edited)", edits the reply to) an open interaction.
  void answer(const interaction_ref& i, message m, done_handler h, std::string_view how);
  /// The label of an open interaction ("/play by <@11>"), or null when it is unknown.
  const std::string* interaction_label(const interaction_ref& i) const;
  void print(const std::string& text) const;
  template <class Handler, class... Args>
  void complete(Handler h, Args... args);

  executor_type executor_;
  std::shared_ptr<voice_world> world_;
  offline_options options_;
  gateway_events events_;
  std::uint64_t next_interaction_ = 1;
  std::uint64_t next_message_ = 1;
  std::uint64_t voice_sessions_ = 0;
  std::map<std::uint64_t, std::string> interactions_;  // open interactions: id -> label
  std::map<std::uint64_t, message> replies_;
  std::set<std::uint64_t> deferred_;
  std::map<hanabi::message_id, posted> messages_;
  std::vector<command_spec> commands_;
};

}  // namespace bot::offline
