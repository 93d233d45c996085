// The pure decisions of a local_session (detail/session_logic.hpp).
#pragma once

#include <hanabi/detail/session_logic.hpp>
#include <hanabi/player/filter_presets.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace hanabi::detail {

HANABI_DECL std::optional<std::chrono::steady_clock::time_point> reap_deadline(
    const reap_policy& policy, session_activity activity, std::chrono::steady_clock::time_point since) {
  if (policy.lifetime == session_lifetime::persistent) return std::nullopt;
  switch (activity) {
    case session_activity::playing: return std::nullopt;
    case session_activity::paused: return since + policy.paused_timeout;
    case session_activity::idle: return since + policy.inactivity_timeout;
  }
  return std::nullopt;
}

HANABI_DECL bool reap_due(const reap_policy& policy, session_activity activity,
                          std::chrono::steady_clock::time_point since, std::chrono::steady_clock::time_point now) {
  auto deadline = reap_deadline(policy, activity, since);
  return deadline && now >= *deadline;
}

// "ytsearch:", "ytmsearch:", "fakesearch5:": lower-case letters ending in "search", optional digits.
inline bool has_search_prefix(std::string_view q) {
  auto colon = q.find(':');
  if (colon == std::string_view::npos) return false;
  auto head = q.substr(0, colon);
  while (!head.empty() && std::isdigit(static_cast<unsigned char>(head.back()))) head.remove_suffix(1);
  if (head.size() <= 6 || !head.ends_with("search")) return false;
  return std::all_of(head.begin(), head.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}

HANABI_DECL std::string load_identifier(std::string_view query, std::string_view search_prefix,
                                        const std::vector<std::string>& passthrough_prefixes) {
  const bool direct = query.starts_with("http://") || query.starts_with("https://") || has_search_prefix(query) ||
                      std::any_of(passthrough_prefixes.begin(), passthrough_prefixes.end(),
                                  [&](const std::string& p) { return !p.empty() && query.starts_with(p); });
  return direct ? std::string(query) : fmt::format("{}{}", search_prefix, query);
}

HANABI_DECL result<protocol::filters> filter_preset(std::string_view name) {
  if (name == "nightcore") return presets::nightcore();
  if (name == "vaporwave") return presets::vaporwave();
  if (name == "karaoke") return presets::karaoke();
  if (name == "bassboost") return presets::bass_boost(0.5);
  if (name == "flat") return presets::flat_equalizer();
  if (name == "clear") return protocol::filters{};
  return failure{error::invalid_argument,
                 fmt::format("unknown preset \"{}\": the presets are nightcore, vaporwave, karaoke, bassboost, flat "
                             "and clear",
                             name)};
}

HANABI_DECL result<int> volume_target(int current, int value, bool relative) {
  const long long target = relative ? static_cast<long long>(current) + value : value;
  if (target >= 0 && target <= 1000) return static_cast<int>(target);
  if (relative)
    return failure{error::out_of_range,
                   fmt::format("the volume must stay between 0 and 1000 ({} {:+} = {})", current, value, target)};
  return failure{error::out_of_range, fmt::format("the volume must be between 0 and 1000, not {}", target)};
}

HANABI_DECL result<void> check_segment(std::int64_t start_time, std::int64_t end_time) {
  if (start_time < 0 || end_time < 0)
    return failure{error::invalid_argument, "start and end times cannot be negative"};
  if (end_time != 0 && end_time <= start_time)
    return failure{error::invalid_argument,
                   fmt::format("the end ({} ms) must come after the start ({} ms)", end_time, start_time)};
  return {};
}

HANABI_DECL void action_history::push(action_record r) {
  if (limit_ == 0) return;
  records_.push_back(std::move(r));
  while (records_.size() > limit_) records_.pop_front();
}

HANABI_DECL std::vector<action_record> action_history::newest(std::size_t n) const {
  n = std::min(n, records_.size());
  return {records_.end() - static_cast<std::ptrdiff_t>(n), records_.end()};
}

}  // namespace hanabi::detail
