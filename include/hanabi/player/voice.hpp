// Voice for one guild, Discord-library agnostic: the bot feeds in its gateway's
// voice dispatches, hanabi hands back op 4 payloads to send on the gateway and
// credentials to send to Lavalink, and reports joins, moves and leaves.
//
//     hanabi::voice_link voice{strand, guild, bot_user, {}, {
//         .send_gateway = [&](const hanabi::gateway_voice_update& op) { shard.send(op.to_json()); },
//         .send_voice = [&](const hanabi::voice_credentials& c) { player.update_voice(c); },
//         .on_event = [&](const hanabi::voice_event& e) { ... },
//     }};
//     co_await voice.async_join(channel, asio::use_awaitable);   // error::voice_timeout after 10 s
//
// The pairing logic is detail::voice_fsm (sans-I/O); this class only adds the
// clock, the deadline timer and the completion of the join.
#pragma once

#include <hanabi/detail/voice_fsm.hpp>
#include <hanabi/player/voice_types.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/steady_timer.hpp>

#include <functional>
#include <memory>
#include <optional>

namespace hanabi {

namespace asio = boost::asio;

/// Where a voice_link's outputs go. Every callback is invoked on the link's executor,
/// from inside the call that caused it; none may be empty.
struct voice_callbacks {
  /// Send this op 4 on the gateway shard of the guild.
  std::function<void(const gateway_voice_update&)> send_gateway;
  /// Send these credentials to Lavalink (update-player PATCH with `voice`).
  std::function<void(const voice_credentials&)> send_voice;
  /// Joins, moves, leaves, failures and "destroy the player" verdicts.
  std::function<void(const voice_event&)> on_event;
};

/// The voice connection state of one guild, driven by the bot's gateway events.
///
/// Threading: not thread-safe. Every member, including the destructor, must be called
/// on `executor` (a strand, or a single-threaded io_context). Nothing blocks: the join
/// deadline is a timer on that executor.
class voice_link {
 public:
  using executor_type = asio::any_io_executor;

  HANABI_DECL voice_link(executor_type executor, guild_id guild, user_id bot, voice_config cfg,
                         voice_callbacks callbacks);
  HANABI_DECL ~voice_link();
  voice_link(const voice_link&) = delete;
  voice_link& operator=(const voice_link&) = delete;

  /// Joins (or moves to) `channel`: sends op 4 and completes once both Discord updates
  /// are paired and the credentials were handed to send_voice.
  ///
  /// Handler: `void(error_code)`. Errors: voice_timeout (past voice_config::join_timeout),
  /// voice_disconnected, voice_closed_permanently, voice_superseded (another join or a
  /// leave came first). Completes through the handler's associated executor, never from
  /// inside this call. No per-operation cancellation; leave() ends a pending join.
  template <class CompletionToken>
  auto async_join(channel_id channel, CompletionToken&& token) {
    return asio::async_initiate<CompletionToken, void(error_code)>(
        [this](auto handler, channel_id ch) { start_join(ch, std::move(handler)); }, token, channel);
  }

  /// Leaves voice (op 4 with no channel). A pending join completes with voice_superseded.
  HANABI_DECL void leave();

  /// The bot's gateway dispatches; anything about other users or guilds is ignored.
  HANABI_DECL void on_voice_state_update(const voice_state_update& u);
  HANABI_DECL void on_voice_server_update(const voice_server_update& u);
  /// Lavalink's WebSocketClosedEvent for this guild (see voice_close_policy).
  HANABI_DECL void on_websocket_closed(int code);
  /// Lavalink reports the voice connection up: the rejoin budget starts again.
  HANABI_DECL void on_connected();

  /// The pairing state, for inspection.
  const detail::voice_fsm& state() const noexcept { return fsm_; }
  executor_type get_executor() const noexcept { return executor_; }

 private:
  using join_handler = asio::any_completion_handler<void(error_code)>;
  HANABI_DECL void start_join(channel_id channel, join_handler handler);
  HANABI_DECL void perform(detail::voice_actions actions);
  HANABI_DECL void complete_join(error_code ec);
  HANABI_DECL void arm_timer();

  executor_type executor_;
  detail::voice_fsm fsm_;
  voice_callbacks callbacks_;
  asio::steady_timer timer_;
  std::optional<join_handler> pending_join_;
  std::shared_ptr<voice_link*> alive_;  // lets a queued timer completion see that we are gone
};

}  // namespace hanabi

#ifdef HANABI_HEADER_ONLY
#  include <hanabi/impl/voice.ipp>
#endif
