// bot::gateway over D++ (DPP): one dpp::cluster per bot process.
//
// Deliberately thin: it translates between DPP's types and the bot's plain ones
// and moves every call onto the bot's executor. All bot logic lives in core/,
// which CI builds and tests without DPP.
//
// Two rules this adapter exists to keep:
//  - op 4 goes out raw through the guild's shard (`discord_client::queue_message`).
//    It never calls DPP's own voice connect, which would open a second voice
//    session next to Lavalink's (Discord then closes one with 4006).
//  - DPP calls back on its own threads; every callback is posted onto the bot's
//    executor before it touches anything, and completions run on the handler's
//    associated executor.
//
// Threading: construct, start() and stop() from any one thread; every other member
// follows bot::gateway's contract (called on get_executor()).
#pragma once

#include "core/gateway.hpp"

#include <dpp/dpp.h>

#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

namespace bot::dpp_adapter {

struct dpp_gateway_config {
  std::string name;   ///< The bot's configured name (parent or child).
  std::string token;  ///< Its Discord token (from the environment, never from the TOML).
  /// Only the parent receives slash commands; children register none.
  bool parent = false;
};

class dpp_gateway final : public gateway {
 public:
  dpp_gateway(executor_type executor, dpp_gateway_config config);
  ~dpp_gateway() override;

  /// Connects to Discord and returns; events start arriving on the executor. `ready` runs on the
  /// executor once, at the first READY, when self() knows the bot's own user.
  void start(std::function<void()> ready);
  /// Disconnects every shard.
  void stop();

  executor_type get_executor() const override { return executor_; }
  hanabi::user_id self() const override { return self_; }
  const std::string& name() const override { return config_.name; }
  void set_events(gateway_events events) override { events_ = std::move(events); }
  void send_voice_update(const hanabi::gateway_voice_update& update) override;
  std::optional<hanabi::channel_id> voice_channel_of(hanabi::guild_id guild, hanabi::user_id user) const override;
  std::vector<hanabi::user_id> members_in(hanabi::guild_id guild, hanabi::channel_id channel) const override;

 protected:
  void reply_impl(interaction_ref i, message m, done_handler h) override;
  void defer_impl(interaction_ref i, bool ephemeral, done_handler h) override;
  void edit_reply_impl(interaction_ref i, message m, done_handler h) override;
  void post_impl(hanabi::channel_id channel, message m, posted_handler h) override;
  void edit_impl(hanabi::channel_id channel, hanabi::message_id id, message m, done_handler h) override;
  void delete_impl(hanabi::channel_id channel, hanabi::message_id id, done_handler h) override;
  void register_commands_impl(std::vector<command_spec> commands, done_handler h) override;

 private:
  void install_listeners();
  void track_voice(const dpp::voicestate& state);
  /// A DPP REST callback that completes `h` on its associated executor.
  dpp::command_completion_event_t completion(done_handler h) const;

  executor_type executor_;
  dpp_gateway_config config_;
  dpp::cluster cluster_;
  gateway_events events_;
  std::function<void()> ready_;  // called once, then emptied (READY repeats on reconnects)
  hanabi::user_id self_;
  // Who is in which voice channel, per guild, from DPP's voice dispatches. Touched only on
  // executor_, so no lock: DPP's own cache is written by its threads.
  std::unordered_map<hanabi::guild_id, std::unordered_map<hanabi::user_id, hanabi::channel_id>> voice_;
};

}  // namespace bot::dpp_adapter
