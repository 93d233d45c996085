// The voice pairing state machine of one guild, without I/O (style.md §7).
//
// Inputs: join/leave requests, the bot's own VOICE_STATE_UPDATE and
// VOICE_SERVER_UPDATE, Lavalink's WebSocketClosedEvent code, "Lavalink says the
// voice connection is up", and the current time (ticks). Outputs: a list of
// actions, in the order they must be performed: op 4 payloads for the gateway,
// credentials to PATCH to Lavalink, and events for the layer above.
//
// Pairing rules (PROTOCOL.md §9.3):
//  - the two updates may come in either order and repeat; credentials are sent
//    once all four values are known and only when one of them changed;
//  - a null endpoint withholds credentials until the next endpoint, which is
//    then always sent (Lavalink's connection to the old server is gone);
//  - a change of channel while connected is reported as a move.
#pragma once

#include <hanabi/player/voice_types.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace hanabi::detail {

/// One thing the owner of a voice_fsm must do, in order.
using voice_action = std::variant<gateway_voice_update, voice_credentials, voice_joined, voice_moved, voice_left,
                                  voice_join_failed, voice_destroy>;
using voice_actions = std::vector<voice_action>;

class voice_fsm {
 public:
  using clock = std::chrono::steady_clock;

  enum class phase {
    idle,       ///< Not in voice, nothing requested.
    joining,    ///< op 4 sent (or a rejoin); waiting for both updates until the deadline.
    connected,  ///< Credentials paired and sent.
    suspended,  ///< After a 4014/4022: waiting for Discord's voice state until the deadline.
    leaving,    ///< op 4 leave sent; waiting for the null-channel voice state.
  };

  voice_fsm(guild_id guild, user_id bot, voice_config cfg) : guild_(guild), bot_(bot), cfg_(cfg) {}

  /// Join (or move to) `channel`. Completes at once if already connected there.
  HANABI_DECL voice_actions join(channel_id channel, clock::time_point now);
  /// Leave voice. A pending join fails with voice_superseded.
  HANABI_DECL voice_actions leave();
  /// A VOICE_STATE_UPDATE; updates of other users or guilds are ignored.
  HANABI_DECL voice_actions on_voice_state(const voice_state_update& u, clock::time_point now);
  /// A VOICE_SERVER_UPDATE; updates of other guilds are ignored.
  HANABI_DECL voice_actions on_voice_server(const voice_server_update& u, clock::time_point now);
  /// Lavalink's WebSocketClosedEvent with Discord's close code; see voice_close_policy.
  HANABI_DECL voice_actions on_closed(int code, clock::time_point now);
  /// Lavalink reports the voice connection up (playerUpdate connected): resets the rejoin budget.
  void on_connected() noexcept { rejoins_ = 0; }
  /// The clock moved; fails a join or ends a 4014 wait whose deadline has passed.
  HANABI_DECL voice_actions on_tick(clock::time_point now);

  phase current_phase() const noexcept { return phase_; }
  /// When on_tick must be called next, if anything is waiting.
  std::optional<clock::time_point> deadline() const noexcept { return deadline_; }
  /// The channel Discord last reported the bot in.
  std::optional<channel_id> channel() const noexcept { return channel_; }
  /// The credentials Lavalink was last sent.
  const std::optional<voice_credentials>& sent() const noexcept { return sent_; }
  guild_id guild() const noexcept { return guild_; }

 private:
  gateway_voice_update op4(std::optional<channel_id> channel) const;
  void pair(voice_actions& out);
  void start_join(channel_id target, clock::time_point now, voice_actions& out);
  void rejoin(clock::time_point now, voice_actions& out);
  void forget_discord_state();

  guild_id guild_;
  user_id bot_;
  voice_config cfg_;
  phase phase_ = phase::idle;
  std::optional<channel_id> target_;   // the channel a join asked for
  std::optional<channel_id> channel_;  // the channel Discord reported
  std::optional<channel_id> paired_channel_;  // the channel of the last completed pairing
  std::string session_id_;
  std::string token_;
  std::optional<std::string> endpoint_;
  std::optional<voice_credentials> sent_;
  bool force_send_ = false;  // the next complete credentials go out even if unchanged
  int rejoins_ = 0;
  std::optional<clock::time_point> deadline_;
};

}  // namespace hanabi::detail

#ifdef HANABI_HEADER_ONLY
#  include <hanabi/impl/voice_fsm.ipp>
#endif
