// Client-side checks of the update-player request: what Lavalink answers with a 400 (§8).
#pragma once

#include <hanabi/protocol/player.hpp>
#include <hanabi/detail/json_reasons.hpp>

#include <algorithm>
#include <cctype>
#include <fmt/format.h>
#include <string_view>

namespace hanabi::detail {

// Kotlin's isBlank(): empty or whitespace only.
inline bool is_blank(std::string_view s) noexcept {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c) != 0; });
}

inline void check_voice(const protocol::voice_state& v, json_reasons& reasons) {
  if (is_blank(v.token)) reasons.add("voice.token must not be blank");
  if (is_blank(v.endpoint)) reasons.add("voice.endpoint must not be blank");
  if (is_blank(v.session_id)) reasons.add("voice.sessionId must not be blank");
  if (!v.channel_id || !*v.channel_id) reasons.add("voice.channelId must be provided (required since Lavalink 4.2.0)");
}

}  // namespace hanabi::detail

namespace hanabi::protocol {

HANABI_DECL result<void> update_player::validate() const {
  hanabi::detail::json_reasons reasons;
  if (track && (encoded_track.is_present() || identifier))
    reasons.add("track cannot be combined with the deprecated encodedTrack/identifier");
  if (track && track->encoded.is_present() && track->identifier)
    reasons.add("track.encoded and track.identifier cannot both be given");
  if (encoded_track.is_present() && identifier) reasons.add("encodedTrack and identifier cannot both be given");
  if (track && track->user_data && !track->user_data->is_object()) reasons.add("track.userData must be an object");
  if (end_time.has_value() && *end_time <= 0) reasons.add(fmt::format("endTime: {} must be greater than 0", *end_time));
  if (voice) hanabi::detail::check_voice(*voice, reasons);
  if (reasons.empty() && filters) return filters->validate();
  if (filters) {
    if (auto r = filters->validate(); !r) reasons.add(r.error().diag.client_message());
  }
  return reasons.to_result(error::invalid_argument);
}

}  // namespace hanabi::protocol
