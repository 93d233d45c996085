// The values the store contract's cases build their data from (users, playlists, sessions,
// journal events, a compaction fold), for the contract and the tests of one store.
#pragma once

#include "../unit/storage/queue_replay.hpp"

#include <hanabi/storage/playlist.hpp>
#include <hanabi/storage/records.hpp>
#include <hanabi/storage/store.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

namespace hanabi::test::contract {

using hanabi::test::queue_entry;
using hanabi::test::replayed;

inline const user_id alice{1001};
inline const user_id bob{1002};

inline storage::playlist_entry entry(std::string title, std::string source = {}) {
  if (source.empty()) source = "https://example.com/" + title;
  return storage::playlist_entry{std::move(source), std::move(title), std::nullopt, std::nullopt, std::nullopt};
}

inline storage::playlist_draft draft(std::string name, std::vector<storage::playlist_entry> entries = {},
                                     storage::visibility v = storage::visibility::private_) {
  return storage::playlist_draft{std::move(name), "desc", v, std::move(entries)};
}

inline std::vector<std::string> titles(const storage::playlist& p) {
  std::vector<std::string> t;
  for (const auto& e : p.entries) t.push_back(e.title);
  return t;
}

inline storage::session_key session(std::uint64_t guild, std::uint64_t channel, std::string bot = "alpha") {
  return storage::session_key{std::move(bot), guild_id{guild}, channel_id{channel}};
}

inline std::vector<storage::journal_event> events(std::uint64_t first, std::uint64_t last) {
  std::vector<storage::journal_event> e;
  for (auto v = first; v <= last; ++v) e.push_back({v, {{"type", "inserted"}, {"item", v}}});
  return e;
}

// A fold for tests: the snapshot is the array of every inserted item.
inline storage::compaction_config fold_items(std::size_t max_tail) {
  return {max_tail, [](const nlohmann::json& snapshot, const std::vector<storage::journal_event>& tail) {
            nlohmann::json items = snapshot.is_null() ? nlohmann::json::array() : snapshot;
            for (const auto& e : tail) items.push_back(e.body.at("item"));
            return result<nlohmann::json>(boost::system::in_place_value, std::move(items));
          }};
}

inline nlohmann::json player_state(std::int64_t position_ms, bool paused) {
  return {{"player", {{"encoded", "QAAAtrack"}, {"position_ms", position_ms}, {"position_at", 1'700'000'000'000},
                      {"paused", paused}, {"volume", 80}, {"filters", {{"timescale", {{"speed", 1.25}}}}},
                      {"node", "main"}}},
          {"settings", {{"repeat", "all"}, {"autoplay", true}}}};
}

}  // namespace hanabi::test::contract
