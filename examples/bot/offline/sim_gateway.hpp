// The gateway of a bot process whose Discord is simulated in another process (discord_sim.hpp):
// a child in `hanabi-bot --offline`, or, in the tests, the parent too. Every call a gateway makes
// to Discord (op 4, interaction answers, messages, the slash commands) is a request over a link to
// it, and what Discord sends (commands, button presses on this bot's messages, its voice updates,
// users moving) arrives as events. The voice channels of users are mirrored here from those events,
// so voice_channel_of and members_in answer at once, as from a real gateway's cache.
//
// Threading: like every gateway, used from one executor; events and completions are posted
// there, never run inside the call that caused them.
#pragma once

#include "offline_gateway.hpp"

#include <hanabi/logger.hpp>
#include <hanabi/remote/client.hpp>
#include <hanabi/secret.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace bot::offline {

struct sim_gateway_options {
  std::string name;      ///< The bot's configured name (the simulation knows it by this name).
  hanabi::user_id self;  ///< The bot's user id.
  std::string host = "127.0.0.1";
  unsigned short port = 0;
  hanabi::secret token;  ///< The simulation's secret.
  /// Deadline of each call to the simulated Discord.
  std::chrono::milliseconds request_timeout{std::chrono::seconds{10}};
  hanabi::logger log = hanabi::logger::none();
};

class sim_gateway final : public gateway {
 public:
  sim_gateway(executor_type executor, sim_gateway_options options);
  ~sim_gateway() override;
  sim_gateway(const sim_gateway&) = delete;
  sim_gateway& operator=(const sim_gateway&) = delete;

  /// Dials the simulated Discord (and redials after a drop); `ready` runs once, on the executor,
  /// when the link first comes up (Discord's READY). `refused` runs if the simulation refuses
  /// this bot's secret.
  void start(std::function<void()> ready, std::function<void(hanabi::error_code)> refused);
  /// Closes the link. Idempotent.
  void stop();

  executor_type get_executor() const override { return executor_; }
  hanabi::user_id self() const override { return options_.self; }
  const std::string& name() const override { return options_.name; }
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
  /// Sends `op` (with this bot's name) to the simulation; `done(error, answer)` runs on the
  /// executor with the link's error or the one Discord would give.
  template <class F>
  void call(std::string op, nlohmann::json args, F done);
  void call_done(std::string op, nlohmann::json args, done_handler h);
  void on_event(const hanabi::remote::event& e);

  executor_type executor_;
  sim_gateway_options options_;
  gateway_events events_;
  voice_world mirror_;  // on the executor
  std::unique_ptr<hanabi::remote::client> client_;
};

}  // namespace bot::offline
