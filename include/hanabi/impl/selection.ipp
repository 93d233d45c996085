// Node selection: penalties, region affinity, reservations and the guild cache.
#pragma once

#include <hanabi/node/selection.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>

namespace hanabi {

HANABI_DECL double classic_penalty(const node_load& node, int extra_players) noexcept {
  // Lavalink-Client's formula; frame counts are per-player averages over a minute (3000 = full).
  double players = static_cast<double>(std::max(0, node.playing_players) + std::max(0, extra_players));
  double cpu = std::pow(1.05, 100.0 * node.system_load) * 10.0 - 10.0;
  double deficit = 0.0;
  double nulled = 0.0;
  if (node.frames) {
    const double d = static_cast<double>(std::max<std::int64_t>(0, node.frames->deficit));
    const double n = static_cast<double>(std::max<std::int64_t>(0, node.frames->nulled));
    deficit = std::pow(1.03, 500.0 * d / 3000.0) * 600.0 - 600.0;
    nulled = (std::pow(1.03, 500.0 * n / 3000.0) * 300.0 - 300.0) * 2.0;
  }
  return players + cpu + deficit + nulled;
}

HANABI_DECL double failure_penalty(const node_load& node) noexcept {
  if (node.loads_attempted_per_minute > 0 && node.loads_failed_per_minute >= node.loads_attempted_per_minute)
    return unusable_penalty;
  const double failed_share =
      node.loads_attempted_per_minute > 0 ? node.loads_failed_per_minute / node.loads_attempted_per_minute : 0.0;
  return node.stuck_per_minute * 100.0 + node.exceptions_per_minute * 10.0 + failed_share * 100.0;
}

HANABI_DECL std::string voice_region(std::string_view endpoint) {
  auto host = endpoint.substr(0, endpoint.find(':'));
  auto label = host.substr(0, host.find('.'));
  if (label.starts_with("c-")) {  // newer style: c-<region><n>-<hash>
    label.remove_prefix(2);
    label = label.substr(0, label.find('-'));
  }
  while (!label.empty() && std::isdigit(static_cast<unsigned char>(label.back()))) label.remove_suffix(1);
  std::string out;
  for (char c : label) {
    if (!std::isalpha(static_cast<unsigned char>(c)) && c != '-') return {};
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

HANABI_DECL std::vector<std::size_t> node_selector::eligible(std::span<const node_load> nodes,
                                                 const placement_request& req) const {
  std::vector<std::size_t> all;
  for (std::size_t i = 0; i < nodes.size(); ++i)
    if (nodes[i].available && nodes[i].accepts_new_players) all.push_back(i);
  if (!cfg_.region_affinity || req.voice_endpoint.empty()) return all;
  const auto region = voice_region(req.voice_endpoint);
  if (region.empty()) return all;
  std::vector<std::size_t> local;
  for (auto i : all) {
    const auto& r = nodes[i].regions;
    if (std::find(r.begin(), r.end(), region) != r.end()) local.push_back(i);
  }
  return local.empty() ? all : local;
}

HANABI_DECL double node_selector::penalty(const node_load& node) const {
  switch (cfg_.strategy) {
    case selection_strategy::penalty: return classic_penalty(node, reserved(node.name));
    case selection_strategy::penalty_and_failures:
      return classic_penalty(node, reserved(node.name)) + failure_penalty(node);
    case selection_strategy::round_robin:
    case selection_strategy::custom: return 0.0;
  }
  return 0.0;
}

HANABI_DECL std::optional<std::size_t> node_selector::choose(std::span<const node_load> nodes,
                                                 const std::vector<std::size_t>& candidates,
                                                 const placement_request& req) {
  if (candidates.empty()) return std::nullopt;
  switch (cfg_.strategy) {
    case selection_strategy::round_robin: return candidates[next_round_robin_++ % candidates.size()];
    case selection_strategy::custom: {
      if (!cfg_.custom) return std::nullopt;
      std::vector<node_load> offered;
      offered.reserve(candidates.size());
      for (auto i : candidates) offered.push_back(nodes[i]);
      auto pick = cfg_.custom(offered, req);
      if (!pick || *pick >= candidates.size()) return std::nullopt;
      return candidates[*pick];
    }
    case selection_strategy::penalty:
    case selection_strategy::penalty_and_failures: break;
  }
  std::size_t best = candidates.front();
  double best_penalty = penalty(nodes[best]);
  for (auto i : candidates) {
    double p = penalty(nodes[i]);
    if (p < best_penalty) {
      best = i;
      best_penalty = p;
    }
  }
  return best;
}

HANABI_DECL std::optional<std::size_t> node_selector::select(std::span<const node_load> nodes,
                                                             const placement_request& req) {
  auto candidates = eligible(nodes, req);
  if (auto it = cache_.find(req.guild); it != cache_.end()) {
    for (auto i : candidates)
      if (nodes[i].name == it->second) return i;
    cache_.erase(it);
  }
  auto pick = choose(nodes, candidates, req);
  if (!pick) return pick;
  const auto& name = nodes[*pick].name;
  cache_[req.guild] = name;
  auto r = reservations_.find(name);
  if (r == reservations_.end()) r = reservations_.emplace(name, reservation{}).first;
  ++r->second.in_flight;
  return pick;
}

HANABI_DECL void node_selector::confirm(std::string_view node) {
  auto r = reservations_.find(node);
  if (r == reservations_.end() || r->second.in_flight == 0) return;
  --r->second.in_flight;
  ++r->second.confirmed;
}

HANABI_DECL void node_selector::cancel(std::string_view node) {
  auto r = reservations_.find(node);
  if (r != reservations_.end() && r->second.in_flight > 0) --r->second.in_flight;
}

HANABI_DECL void node_selector::on_stats(std::string_view node) {
  auto r = reservations_.find(node);
  if (r != reservations_.end()) r->second.confirmed = 0;
}

HANABI_DECL void node_selector::forget_node(std::string_view node) {
  if (auto r = reservations_.find(node); r != reservations_.end()) reservations_.erase(r);
  std::erase_if(cache_, [&](const auto& entry) { return entry.second == node; });
}

HANABI_DECL std::optional<std::string> node_selector::cached(guild_id guild) const {
  auto it = cache_.find(guild);
  if (it == cache_.end()) return std::nullopt;
  return it->second;
}

HANABI_DECL int node_selector::reserved(std::string_view node) const {
  auto r = reservations_.find(node);
  return r == reservations_.end() ? 0 : r->second.in_flight + r->second.confirmed;
}

}  // namespace hanabi
