// The voice pairing state machine (see detail/voice_fsm.hpp).
#pragma once

#include <hanabi/detail/voice_fsm.hpp>

namespace hanabi::detail {

HANABI_DECL gateway_voice_update voice_fsm::op4(std::optional<channel_id> channel) const {
  return gateway_voice_update{guild_, channel, cfg_.self_mute, cfg_.self_deaf};
}

HANABI_DECL void voice_fsm::forget_discord_state() {
  target_.reset();
  channel_.reset();
  paired_channel_.reset();
  session_id_.clear();
  token_.clear();
  endpoint_.reset();
  sent_.reset();
  force_send_ = false;
  rejoins_ = 0;
  deadline_.reset();
}

HANABI_DECL void voice_fsm::start_join(channel_id target, clock::time_point now, voice_actions& out) {
  target_ = target;
  phase_ = phase::joining;
  deadline_ = now + cfg_.join_timeout;
  force_send_ = true;  // a join always ends with credentials sent, even identical ones
  out.emplace_back(op4(target));
}

HANABI_DECL voice_actions voice_fsm::join(channel_id channel, clock::time_point now) {
  if (phase_ == phase::connected && channel_ == channel) return {voice_joined{channel}};
  if (phase_ == phase::joining && target_ == channel) return {};
  voice_actions out;
  if (phase_ == phase::joining) out.emplace_back(voice_join_failed{error::voice_superseded});
  start_join(channel, now, out);
  return out;
}

HANABI_DECL voice_actions voice_fsm::leave() {
  voice_actions out;
  if (phase_ == phase::joining) out.emplace_back(voice_join_failed{error::voice_superseded});
  out.emplace_back(op4(std::nullopt));
  if (phase_ != phase::idle) {
    phase_ = phase::leaving;
    target_.reset();
    deadline_.reset();
  }
  return out;
}

// Sends the credentials once all four values are known and one of them changed,
// then moves the phase on.
HANABI_DECL void voice_fsm::pair(voice_actions& out) {
  if (session_id_.empty() || !channel_ || token_.empty() || !endpoint_) return;
  if (phase_ == phase::joining && channel_ != target_) return;  // a late state from before the join
  voice_credentials creds{token_, *endpoint_, session_id_, *channel_};
  if (force_send_ || sent_ != creds) {
    out.emplace_back(creds);
    sent_ = std::move(creds);
    force_send_ = false;
  }
  switch (phase_) {
    case phase::idle:     // joined by someone else's op 4: follow it
    case phase::joining:
      out.emplace_back(voice_joined{*channel_});
      break;
    case phase::connected:
    case phase::suspended:
      if (paired_channel_ && paired_channel_ != channel_) out.emplace_back(voice_moved{*paired_channel_, *channel_});
      break;
    case phase::leaving: return;
  }
  phase_ = phase::connected;
  paired_channel_ = channel_;
  target_.reset();
  deadline_.reset();
}

HANABI_DECL voice_actions voice_fsm::on_voice_state(const voice_state_update& u, clock::time_point) {
  if (u.guild != guild_ || u.user != bot_) return {};
  voice_actions out;
  if (!u.channel) {
    switch (phase_) {
      case phase::idle: break;
      case phase::leaving: out.emplace_back(voice_left{true, {}}); break;
      case phase::joining: out.emplace_back(voice_join_failed{error::voice_disconnected}); break;
      case phase::connected:
      case phase::suspended: out.emplace_back(voice_left{false, error::voice_disconnected}); break;
    }
    forget_discord_state();
    phase_ = phase::idle;
    return out;
  }
  if (phase_ == phase::leaving) return out;  // a late update from before the leave
  session_id_ = u.session_id;
  channel_ = u.channel;
  pair(out);
  return out;
}

HANABI_DECL voice_actions voice_fsm::on_voice_server(const voice_server_update& u, clock::time_point) {
  if (u.guild != guild_ || phase_ == phase::leaving) return {};
  voice_actions out;
  token_ = u.token;
  if (!u.endpoint) {
    // Discord's voice server went away: Lavalink's connection to it is dead, so the
    // next endpoint must go out even if it is the same string.
    endpoint_.reset();
    force_send_ = true;
    return out;
  }
  endpoint_ = *u.endpoint;
  pair(out);
  return out;
}

HANABI_DECL void voice_fsm::rejoin(clock::time_point now, voice_actions& out) {
  auto channel = channel_ ? channel_ : paired_channel_;
  if (!channel) channel = target_;
  ++rejoins_;
  if (!channel || rejoins_ > cfg_.max_rejoins) {
    if (phase_ == phase::joining) out.emplace_back(voice_join_failed{error::voice_rejoin_limit});
    out.emplace_back(op4(std::nullopt));
    out.emplace_back(voice_destroy{error::voice_rejoin_limit, 0});
    forget_discord_state();
    phase_ = phase::idle;
    return;
  }
  // Wait for fresh credentials: Discord answers the op 4 with a new server update.
  token_.clear();
  endpoint_.reset();
  start_join(*channel, now, out);
}

HANABI_DECL voice_actions voice_fsm::on_closed(int code, clock::time_point now) {
  if (phase_ == phase::idle || phase_ == phase::leaving) return {};  // expected after a leave
  voice_actions out;
  switch (voice_close_policy(code)) {
    case close_action::reconnect:
      if (sent_ && rejoins_ < cfg_.max_rejoins) {
        ++rejoins_;
        out.emplace_back(*sent_);  // Lavalink reopens a closed connection on the same state
      } else {
        rejoin(now, out);
      }
      break;
    case close_action::rejoin: rejoin(now, out); break;
    case close_action::await_voice_state:
      force_send_ = true;
      if (phase_ != phase::joining) {
        phase_ = phase::suspended;
        deadline_ = now + cfg_.join_timeout;
      }
      break;
    case close_action::destroy:
      if (phase_ == phase::joining) out.emplace_back(voice_join_failed{error::voice_closed_permanently});
      out.emplace_back(op4(std::nullopt));
      out.emplace_back(voice_destroy{error::voice_closed_permanently, code});
      forget_discord_state();
      phase_ = phase::idle;
      break;
  }
  if (!out.empty()) {
    if (auto* d = std::get_if<voice_destroy>(&out.back()); d && d->close_code == 0) d->close_code = code;
  }
  return out;
}

HANABI_DECL voice_actions voice_fsm::on_tick(clock::time_point now) {
  if (!deadline_ || now < *deadline_) return {};
  voice_actions out;
  if (phase_ == phase::suspended) {
    rejoin(now, out);  // Discord said nothing after the 4014: try once more within the budget
    return out;
  }
  out.emplace_back(voice_join_failed{error::voice_timeout});
  out.emplace_back(op4(std::nullopt));  // do not leave the bot sitting in a channel without audio
  forget_discord_state();
  phase_ = phase::idle;
  return out;
}

}  // namespace hanabi::detail
