#include "search.hpp"

#include "args.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace bot {
namespace {

constexpr std::string_view menu_kind = "search:";

// `ytsearch:`, `scsearch5:`, `fakesearch:`: letters, "search", optional digits, a colon.
bool has_search_prefix(std::string_view query) {
  const auto colon = query.find(':');
  if (colon == std::string_view::npos) return false;
  auto head = query.substr(0, colon);
  while (!head.empty() && std::isdigit(static_cast<unsigned char>(head.back()))) head.remove_suffix(1);
  return head.ends_with("search") &&
         std::all_of(head.begin(), head.end(), [](unsigned char c) { return std::islower(c) != 0; });
}

std::string result_line(std::size_t number, const hanabi::protocol::track& t) {
  const auto length = t.info.is_stream ? std::string("live") : format_time(t.info.length);
  return fmt::format("{}. {} — {} ({})", number, t.info.title, t.info.author, length);
}

embed results_embed(const std::vector<hanabi::protocol::track>& results) {
  embed e;
  e.color = colors::info;
  e.title = "Search results";
  for (std::size_t i = 0; i < results.size(); ++i) e.description += result_line(i + 1, results[i]) + "\n";
  if (!e.description.empty()) e.description.pop_back();
  return e;
}

// At most `limit` characters, cut between two UTF-8 sequences (a cut inside one would make the
// whole message invalid JSON for Discord).
std::string clip(std::string_view text, std::size_t limit) {
  std::size_t characters = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool starts_character = (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80;
    if (starts_character && characters++ == limit) return std::string(text.substr(0, i));
  }
  return std::string(text);
}

select_menu results_menu(std::uint64_t id, const std::vector<hanabi::protocol::track>& results) {
  select_menu menu{search_menu_id(id), "Pick a track", {}, false};
  for (std::size_t i = 0; i < results.size(); ++i) {
    const auto& info = results[i].info;
    // Discord caps option labels and descriptions at 100 characters.
    menu.options.push_back({std::to_string(i + 1), clip(info.title, 100), clip(info.author, 100)});
  }
  return menu;
}

}  // namespace

std::string search_identifier(std::string_view query, std::string_view prefix) {
  if (query.find("://") != std::string_view::npos || has_search_prefix(query)) return std::string(query);
  return fmt::format("{}{}", prefix, query);
}

std::vector<hanabi::protocol::track> search_results(const hanabi::protocol::load_result& loaded) {
  std::vector<hanabi::protocol::track> tracks;
  if (const auto* s = std::get_if<hanabi::protocol::search_loaded>(&loaded)) tracks = s->tracks;
  if (const auto* p = std::get_if<hanabi::protocol::playlist_loaded>(&loaded)) tracks = p->tracks;
  if (const auto* t = std::get_if<hanabi::protocol::track_loaded>(&loaded)) tracks.push_back(t->track);
  if (tracks.size() > search_choices) tracks.resize(search_choices);
  return tracks;
}

std::string limit_text(std::chrono::milliseconds limit) {
  const auto ms = limit.count();
  return ms % 1000 == 0 ? fmt::format("{} s", ms / 1000) : fmt::format("{} ms", ms);
}

std::string search_menu_id(std::uint64_t id) { return fmt::format("{}{}", menu_kind, id); }

std::optional<std::uint64_t> search_of(std::string_view custom_id) {
  if (!custom_id.starts_with(menu_kind)) return std::nullopt;
  const auto digits = custom_id.substr(menu_kind.size());
  std::uint64_t id = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
  if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size()) return std::nullopt;
  return id;
}

message render_search(std::uint64_t id, const std::vector<hanabi::protocol::track>& results,
                      std::chrono::milliseconds limit) {
  message m;
  m.content = fmt::format("Pick one within {}:", limit_text(limit));
  m.embeds.push_back(results_embed(results));
  m.rows.push_back({{results_menu(id, results)}});
  m.ephemeral = true;
  return m;
}

message render_search_closed(std::uint64_t id, const std::vector<hanabi::protocol::track>& results,
                             std::string_view outcome) {
  message m;
  m.content = std::string(outcome);
  m.embeds.push_back(results_embed(results));
  auto menu = results_menu(id, results);
  menu.disabled = true;
  m.rows.push_back({{std::move(menu)}});
  m.ephemeral = true;
  return m;
}

hanabi::result<std::size_t> search_pick(const std::vector<std::string>& values, std::size_t count) {
  if (values.empty()) return fail(errc::missing_option, "Pick one of the results.");
  auto picked = parse_position(values.front(), count);
  if (!picked)
    return fail(errc::position_out_of_range,
                fmt::format("`{}` is not one of the results: pick 1 to {}.", values.front(), count));
  return *picked - 1;
}

}  // namespace bot
