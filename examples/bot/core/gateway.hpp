// What the bot needs from Discord, independent of any Discord library. The DPP
// adapter implements it for real, the offline gateway simulates it; the bot's
// logic sees only this interface.
//
// Two directions:
//  * calls into Discord (op 4, interaction replies, messages, command
//    registration) are members of `gateway`; the asynchronous ones take any
//    completion token (callbacks, asio::use_awaitable, asio::use_future);
//  * what Discord sends (slash commands, button presses, the bot's own voice
//    updates) arrives through the `gateway_events` callbacks the bot installs.
//
// Threading: a gateway is used from one executor (the bot's strand), returned
// by get_executor(). Its callbacks are invoked on that executor, and its
// completion handlers run on their associated executor (that one by default),
// never inside the call that started the operation. An adapter whose library
// calls back on its own threads (DPP) posts onto the executor first.
#pragma once

#include "render.hpp"

#include <hanabi/error.hpp>
#include <hanabi/ids.hpp>
#include <hanabi/player/voice_types.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace bot {

namespace asio = boost::asio;

/// The handle of an interaction to answer: what Discord needs to route the reply.
struct interaction_ref {
  std::uint64_t id = 0;
  std::string token;
  friend bool operator==(const interaction_ref&, const interaction_ref&) = default;
};

/// Who did something, and where.
struct invoker {
  hanabi::guild_id guild;
  hanabi::channel_id text_channel;  ///< Where the command was typed or the message lives.
  hanabi::user_id user;
  std::vector<std::uint64_t> roles;  ///< The member's role ids (the DJ role check).
  friend bool operator==(const invoker&, const invoker&) = default;
};

/// A slash command: `/play query:lofi position:2` has name "play" and two options, as typed.
struct command_invocation {
  interaction_ref interaction;
  invoker from;
  std::string name;
  std::string subcommand;  ///< `/playlist create ...` has subcommand "create"; empty otherwise.
  std::map<std::string, std::string> options;
};

/// A button press or a select-menu choice on a message the bot posted.
struct component_invocation {
  interaction_ref interaction;
  invoker from;
  hanabi::message_id message;
  std::string custom_id;
  std::vector<std::string> values;  ///< The chosen options of a select menu; empty for a button.
};

/// A slash command the parent registers.
struct command_option_spec {
  std::string name;
  std::string description;
  enum class kind { string, integer, boolean, user } type = kind::string;
  bool required = false;
  std::vector<std::string> choices;  ///< Empty: free input.
};
struct command_spec {
  std::string name;
  std::string description;
  std::vector<command_option_spec> options;
  std::vector<command_spec> subcommands;
};

/// What Discord sends the bot. Every callback may be empty (the default: `{}` members let a bot
/// set only some with designated initializers).
struct gateway_events {
  std::function<void(command_invocation)> on_command{};
  std::function<void(component_invocation)> on_component{};
  /// VOICE_STATE_UPDATE of the bot itself (feed it to hanabi's voice layer).
  std::function<void(const hanabi::voice_state_update&)> on_voice_state{};
  /// VOICE_SERVER_UPDATE (feed it to hanabi's voice layer).
  std::function<void(const hanabi::voice_server_update&)> on_voice_server{};
  /// Someone (not the bot) joined, left or moved between voice channels.
  std::function<void(hanabi::guild_id, hanabi::user_id, std::optional<hanabi::channel_id>)> on_member_voice{};
};

class gateway {
 public:
  using executor_type = asio::any_io_executor;
  using done_handler = asio::any_completion_handler<void(hanabi::error_code)>;
  using posted_handler = asio::any_completion_handler<void(hanabi::error_code, hanabi::message_id)>;

  virtual ~gateway() = default;

  virtual executor_type get_executor() const = 0;
  /// The bot's own user id and name.
  virtual hanabi::user_id self() const = 0;
  virtual const std::string& name() const = 0;
  /// Installs the callbacks (before the gateway starts delivering).
  virtual void set_events(gateway_events events) = 0;

  /// Sends op 4 on the shard of `update.guild`. Fire and forget: the answer comes as voice updates.
  virtual void send_voice_update(const hanabi::gateway_voice_update& update) = 0;

  /// The voice channel `user` is in, in `guild`, as the gateway's cache knows it.
  virtual std::optional<hanabi::channel_id> voice_channel_of(hanabi::guild_id guild, hanabi::user_id user) const = 0;
  /// Everyone in a voice channel (bots included).
  virtual std::vector<hanabi::user_id> members_in(hanabi::guild_id guild, hanabi::channel_id channel) const = 0;

  /// Answers an interaction (within Discord's 3 s). Handler: void(error_code).
  template <class Token>
  auto async_reply(interaction_ref i, message m, Token&& token) {
    return asio::async_initiate<Token, void(hanabi::error_code)>(
        [this](auto h, interaction_ref i, message m) { reply_impl(std::move(i), std::move(m), std::move(h)); },
        token, std::move(i), std::move(m));
  }
  /// Acknowledges an interaction now and answers later with async_edit_reply.
  template <class Token>
  auto async_defer(interaction_ref i, bool ephemeral, Token&& token) {
    return asio::async_initiate<Token, void(hanabi::error_code)>(
        [this](auto h, interaction_ref i, bool e) { defer_impl(std::move(i), e, std::move(h)); }, token,
        std::move(i), ephemeral);
  }
  /// Replaces the answer of an interaction (after a reply or a defer).
  template <class Token>
  auto async_edit_reply(interaction_ref i, message m, Token&& token) {
    return asio::async_initiate<Token, void(hanabi::error_code)>(
        [this](auto h, interaction_ref i, message m) { edit_reply_impl(std::move(i), std::move(m), std::move(h)); },
        token, std::move(i), std::move(m));
  }
  /// Posts a message in a text channel. Handler: void(error_code, message_id).
  template <class Token>
  auto async_post(hanabi::channel_id channel, message m, Token&& token) {
    return asio::async_initiate<Token, void(hanabi::error_code, hanabi::message_id)>(
        [this](auto h, hanabi::channel_id c, message m) { post_impl(c, std::move(m), std::move(h)); }, token,
        channel, std::move(m));
  }
  /// Replaces a message the bot posted.
  template <class Token>
  auto async_edit(hanabi::channel_id channel, hanabi::message_id id, message m, Token&& token) {
    return asio::async_initiate<Token, void(hanabi::error_code)>(
        [this](auto h, hanabi::channel_id c, hanabi::message_id id, message m) {
          edit_impl(c, id, std::move(m), std::move(h));
        },
        token, channel, id, std::move(m));
  }
  /// Deletes a message the bot posted.
  template <class Token>
  auto async_delete(hanabi::channel_id channel, hanabi::message_id id, Token&& token) {
    return asio::async_initiate<Token, void(hanabi::error_code)>(
        [this](auto h, hanabi::channel_id c, hanabi::message_id id) { delete_impl(c, id, std::move(h)); }, token,
        channel, id);
  }
  /// Registers the slash commands (the parent only: children have none).
  template <class Token>
  auto async_register_commands(std::vector<command_spec> commands, Token&& token) {
    return asio::async_initiate<Token, void(hanabi::error_code)>(
        [this](auto h, std::vector<command_spec> c) { register_commands_impl(std::move(c), std::move(h)); }, token,
        std::move(commands));
  }

 protected:
  virtual void reply_impl(interaction_ref i, message m, done_handler h) = 0;
  virtual void defer_impl(interaction_ref i, bool ephemeral, done_handler h) = 0;
  virtual void edit_reply_impl(interaction_ref i, message m, done_handler h) = 0;
  virtual void post_impl(hanabi::channel_id channel, message m, posted_handler h) = 0;
  virtual void edit_impl(hanabi::channel_id channel, hanabi::message_id id, message m, done_handler h) = 0;
  virtual void delete_impl(hanabi::channel_id channel, hanabi::message_id id, done_handler h) = 0;
  virtual void register_commands_impl(std::vector<command_spec> commands, done_handler h) = 0;
};

}  // namespace bot
