#include "playlists.hpp"

#include "args.hpp"

#include <hanabi/error.hpp>
#include <hanabi/protocol/track_codec.hpp>
#include <hanabi/storage/time.hpp>

#include <fmt/format.h>

#include <cctype>

namespace bot {
namespace {

// How many entries /playlist show lists, within Discord's 4,096 characters of an embed's description
// (counted in bytes here, which are never fewer; room is left for the "… and N more" line).
constexpr std::size_t shown_entries = 25;
constexpr std::size_t description_budget = 4000;

const std::string* option(const command_options& o, const std::string& key) {
  auto it = o.find(key);
  return it == o.end() || it->second.empty() ? nullptr : &it->second;
}

hanabi::result<std::string> required_name(const command_options& o, const std::string& key) {
  if (auto v = option(o, key)) return *v;
  return fail(errc::missing_option, fmt::format("`{}` is required.", key));
}

std::string whose(const playlist_ref& ref, hanabi::user_id actor) {
  return ref.owner == actor ? "You have" : fmt::format("<@{}> has", ref.owner.value());
}

// The store's sentence ("the playlist name is empty") as a reply: capitalized, with a period.
std::string as_sentence(const hanabi::failure& f) {
  auto text = f.diag.best_message();
  if (text.empty()) text = f.code.message();
  if (text.empty()) return "Something went wrong with the playlist.";
  text[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(text[0])));
  if (text.back() != '.') text += '.';
  return text;
}

std::string segment_text(const hanabi::storage::playlist_entry& e) {
  if (!e.start_ms && !e.end_ms) return {};
  return fmt::format(" [{}–{}]", hanabi::storage::format_time(e.start_ms.value_or(0)),
                     e.end_ms ? hanabi::storage::format_time(*e.end_ms) : std::string("end"));
}

}  // namespace

hanabi::result<playlist_ref> playlist_request(const command_options& o, hanabi::user_id by, const std::string& name_key) {
  auto name = required_name(o, name_key);
  if (!name) return name.error();
  playlist_ref ref{std::move(*name), by};
  if (auto owner = option(o, "owner")) {
    auto u = parse_user(*owner);
    if (!u) return u.error();
    ref.owner = *u;
  }
  return ref;
}

hanabi::result<enqueue_plan> enqueue_request(const command_options& o, hanabi::user_id by) {
  auto ref = playlist_request(o, by, "playlist");
  if (!ref) return ref.error();
  enqueue_plan plan{std::move(*ref), {}};
  plan.options.caller = by;
  if (auto mode = option(o, "mode")) {
    auto m = parse_enqueue_mode(*mode);
    if (!m) return m.error();
    plan.options.mode = *m;
  }
  if (auto shuffle = option(o, "shuffle")) {
    auto s = parse_flag(*shuffle);
    if (!s) return s.error();
    plan.options.shuffle = *s;
  }
  return plan;
}

hanabi::result<hanabi::storage::playlist_draft> create_request(const command_options& o) {
  auto it = o.find("name");
  if (it == o.end()) return fail(errc::missing_option, "`name` is required.");
  hanabi::storage::playlist_draft draft;
  draft.name = it->second;  // an empty name reaches the store, which names the rule
  if (auto d = option(o, "description")) draft.description = *d;
  if (auto pub = option(o, "public")) {
    auto flag = parse_flag(*pub);
    if (!flag) return flag.error();
    if (*flag) draft.visibility = hanabi::storage::visibility::public_;
  }
  return draft;
}

hanabi::result<hanabi::storage::playlist_entry> segment_request(const command_options& o) {
  const auto* start = option(o, "start");
  const auto* end = option(o, "end");
  auto entry = hanabi::storage::playlist_entry::from_text("-", "-", start ? *start : "", end ? *end : "");
  if (!entry) return entry.error();
  if (entry->start_ms && entry->end_ms && *entry->start_ms >= *entry->end_ms)
    return hanabi::failure{hanabi::error::invalid_time,
                           hanabi::diagnostics{fmt::format("the start ({}) must come before the end ({})", *start, *end)}};
  return entry;
}

std::vector<hanabi::enqueue_entry> enqueue_entries(const hanabi::storage::playlist& p) {
  std::vector<hanabi::enqueue_entry> out;
  out.reserve(p.entries.size());
  for (const auto& e : p.entries) {
    hanabi::enqueue_entry entry{{}, e.source, e.start_ms.value_or(0), e.end_ms.value_or(0)};
    if (e.encoded) {
      // A blob that no longer decodes is loaded again from its source.
      if (auto info = hanabi::protocol::decode_track_info(*e.encoded))
        entry.track = hanabi::protocol::track{*e.encoded, std::move(*info), {}, {}};
    }
    out.push_back(std::move(entry));
  }
  return out;
}

std::string playlist_failure(const hanabi::failure& f, const playlist_ref& ref, hanabi::user_id actor) {
  if (f.code == hanabi::error::record_not_found) return fmt::format("{} no playlist named **{}**.", whose(ref, actor), ref.name);
  if (f.code == hanabi::error::access_denied) {
    if (ref.owner == actor) return fmt::format("Only you may change **{}**.", ref.name);
    return fmt::format("**{}** belongs to <@{}>: only they may change it, and only if it is public may you use it.",
                       ref.name, ref.owner.value());
  }
  return as_sentence(f);
}

message render_playlist(const hanabi::storage::playlist& p) {
  embed e;
  e.color = colors::info;
  e.title = p.name;
  e.footer = fmt::format("{} · {} track{} · by <@{}>", hanabi::storage::to_string(p.visibility), p.entries.size(),
                         p.entries.size() == 1 ? "" : "s", p.owner.value());
  if (!p.description.empty()) e.description = p.description + "\n";
  std::size_t shown = 0;
  for (; shown < p.entries.size() && shown < shown_entries; ++shown) {
    auto line = fmt::format("{}. {}{}\n", shown + 1, p.entries[shown].title, segment_text(p.entries[shown]));
    if (e.description.size() + line.size() > description_budget) break;
    e.description += line;
  }
  if (shown < p.entries.size()) e.description += fmt::format("… and {} more\n", p.entries.size() - shown);
  if (p.entries.empty()) e.description += "No tracks yet: add one with /playlist add.\n";
  e.description.pop_back();
  return message{"", {std::move(e)}, {}, true, {}};
}

message render_playlist_list(const std::vector<hanabi::storage::playlist_summary>& list, hanabi::user_id owner,
                             bool own) {
  embed e;
  e.color = colors::info;
  e.title = own ? "Your playlists" : fmt::format("Public playlists of <@{}>", owner.value());
  std::size_t shown = 0;
  for (; shown < list.size(); ++shown) {
    const auto& p = list[shown];
    auto line = fmt::format("**{}** · {} track{} · {}{}\n", p.name, p.entry_count, p.entry_count == 1 ? "" : "s",
                            hanabi::storage::to_string(p.visibility),
                            p.description.empty() ? "" : fmt::format(" — {}", p.description));
    if (e.description.size() + line.size() > description_budget) break;
    e.description += line;
  }
  if (shown < list.size()) e.description += fmt::format("… and {} more\n", list.size() - shown);
  if (list.empty()) e.description = own ? "You have no playlists: create one with /playlist create." : "None.\n";
  if (e.description.back() == '\n') e.description.pop_back();
  return message{"", {std::move(e)}, {}, true, {}};
}

message render_playlist_export(const hanabi::storage::playlist& p) {
  message m;
  m.content = fmt::format("**{}** in hanabi's playlist format ({} track{}):", p.name, p.entries.size(),
                          p.entries.size() == 1 ? "" : "s");
  m.files.push_back({fmt::format("{}.json", p.name), hanabi::storage::export_playlist(p).dump(2, ' ', false, nlohmann::json::error_handler_t::replace)});
  m.ephemeral = true;
  return m;
}

}  // namespace bot
