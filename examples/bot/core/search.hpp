// /search: a query's first results offered as a select menu, one of which the user picks within a
// time limit (30 s by default) and which then plays as /play would play it. The pure half lives
// here (what to load, which results to offer, the menu, reading a pick); the router holds the
// open searches and their timers.
//
// The menu's custom_id is "search:N", N the search's number in this bot process, so that a pick
// on an old menu can never choose from a newer search's results.
#pragma once

#include "render.hpp"

#include <hanabi/diagnostics.hpp>
#include <hanabi/protocol/track.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bot {

/// How many results a search offers.
inline constexpr std::size_t search_choices = 5;

/// What to ask Lavalink for `query`: a query with a source prefix (`ytsearch:`, `scsearch5:`...) or
/// a URL as given, anything else searched with `prefix`.
std::string search_identifier(std::string_view query, std::string_view prefix);

/// The first `search_choices` tracks of a load: the results of a search, the tracks of a playlist,
/// or the one track. Empty for no match and for a failed load.
std::vector<hanabi::protocol::track> search_results(const hanabi::protocol::load_result& loaded);

/// A time limit as users read it: "30 s", or "500 ms" below a whole second.
std::string limit_text(std::chrono::milliseconds limit);

/// The custom_id of search number `id`'s menu.
std::string search_menu_id(std::uint64_t id);
/// The search a menu's custom_id names; none when it is not a search menu.
std::optional<std::uint64_t> search_of(std::string_view custom_id);

/// The reply to /search: the results numbered 1..n in an embed, and the menu to pick from with
/// `limit` to do it.
message render_search(std::uint64_t id, const std::vector<hanabi::protocol::track>& results,
                      std::chrono::milliseconds limit);
/// The same reply once the search is over (expired or answered): the menu stays, disabled, under
/// `outcome` ("Picked ...", "This search expired...").
message render_search_closed(std::uint64_t id, const std::vector<hanabi::protocol::track>& results,
                             std::string_view outcome);

/// The 0-based index a menu choice names among `count` results. Errors: missing_option (nothing
/// chosen), position_out_of_range (not one of 1..count).
hanabi::result<std::size_t> search_pick(const std::vector<std::string>& values, std::size_t count);

}  // namespace bot
