#pragma once

#include <hanabi/storage/playlist.hpp>
#include <hanabi/storage/time.hpp>

#include <fmt/format.h>

#include <set>
#include <utility>

namespace hanabi::detail {

inline std::size_t code_points(std::string_view s) noexcept {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// The longest prefix of `s` with at most `limit` code points.
inline std::string_view first_code_points(std::string_view s, std::size_t limit) noexcept {
  std::size_t seen = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80 && seen++ == limit) return s.substr(0, i);
  }
  return s;
}

// Reads an optional field of type T; absent and null give std::nullopt.
template <class T>
result<std::optional<T>> playlist_optional_field(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::optional<T>{};
  if constexpr (std::is_same_v<T, std::string>) {
    if (!it->is_string()) return failure{error::unexpected_type, fmt::format("'{}' must be a string", key)};
    return std::optional<T>{it->template get<std::string>()};
  } else {
    if (!it->is_number_integer()) return failure{error::unexpected_type, fmt::format("'{}' must be an integer", key)};
    return std::optional<T>{it->template get<T>()};
  }
}

inline result<std::string> playlist_required_string(const nlohmann::json& object, const char* key) {
  auto value = playlist_optional_field<std::string>(object, key);
  if (!value) return value.error();
  if (!*value) return failure{error::missing_field, fmt::format("'{}' is required", key)};
  return std::move(**value);
}

inline result<storage::playlist_entry> entry_from_json(const nlohmann::json& j) {
  if (!j.is_object()) return failure{error::unexpected_type, "a playlist entry must be an object"};
  storage::playlist_entry e;
  auto source = playlist_required_string(j, "source");
  if (!source) return source.error();
  auto title = playlist_required_string(j, "title");
  if (!title) return title.error();
  auto start = playlist_optional_field<std::int64_t>(j, "start_ms");
  if (!start) return start.error();
  auto end = playlist_optional_field<std::int64_t>(j, "end_ms");
  if (!end) return end.error();
  auto encoded = playlist_optional_field<std::string>(j, "encoded");
  if (!encoded) return encoded.error();
  return storage::playlist_entry{std::move(*source), std::move(*title), *start, *end, std::move(*encoded)};
}

}  // namespace hanabi::detail

namespace hanabi::storage {

HANABI_DECL std::string_view to_string(visibility v) noexcept {
  switch (v) {
    case visibility::private_: return "private";
    case visibility::public_: return "public";
    case visibility::global: return "global";
  }
  return "private";
}

HANABI_DECL result<visibility> visibility_from_string(std::string_view s) {
  for (auto v : {visibility::private_, visibility::public_, visibility::global})
    if (to_string(v) == s) return v;
  return failure{error::invalid_value, fmt::format("'{}' is not a visibility (private, public or global)", s)};
}

HANABI_DECL result<playlist_entry> playlist_entry::from_text(std::string source, std::string title,
                                                              std::string_view start, std::string_view end) {
  playlist_entry e{std::move(source), std::move(title), std::nullopt, std::nullopt, std::nullopt};
  if (!start.empty()) {
    auto ms = parse_time(start);
    if (!ms) return ms.error();
    e.start_ms = *ms;
  }
  if (!end.empty()) {
    auto ms = parse_time(end);
    if (!ms) return ms.error();
    e.end_ms = *ms;
  }
  return e;
}

HANABI_DECL result<void> check_name(std::string_view what, std::string_view name, std::size_t limit) {
  if (name.empty()) return failure{error::invalid_name, fmt::format("the {} is empty", what)};
  const std::size_t length = detail::code_points(name);
  if (length > limit)
    return failure{error::invalid_name,
                   fmt::format("the {} is {} characters long; the limit is {}", what, length, limit)};
  return {};
}

HANABI_DECL result<void> check_description(std::string_view description) {
  if (detail::code_points(description) > playlist_limits::max_description)
    return failure{error::invalid_name,
                   fmt::format("the description is longer than {} characters", playlist_limits::max_description)};
  return {};
}

HANABI_DECL result<void> check_entry(const playlist_entry& entry) {
  if (auto r = check_name("entry title", entry.title, playlist_limits::max_title); !r) return r;
  if (auto r = check_name("entry source", entry.source, playlist_limits::max_source); !r) return r;
  if ((entry.start_ms && *entry.start_ms < 0) || (entry.end_ms && *entry.end_ms < 0))
    return failure{error::invalid_time, fmt::format("entry '{}' has a negative time", entry.title)};
  if (entry.start_ms && entry.end_ms && *entry.start_ms >= *entry.end_ms)
    return failure{error::invalid_time, fmt::format("entry '{}' starts at {}, not before its end at {}", entry.title,
                                                    format_time(*entry.start_ms), format_time(*entry.end_ms))};
  return {};
}

HANABI_DECL result<void> check_entries(const std::vector<playlist_entry>& entries) {
  if (entries.size() > playlist_limits::max_entries)
    return failure{error::out_of_range, fmt::format("a playlist holds at most {} entries", playlist_limits::max_entries)};
  std::set<std::string_view> titles;
  for (const auto& e : entries) {
    if (auto r = check_entry(e); !r) return r;
    if (!titles.insert(e.title).second)
      return failure{error::duplicate_name, fmt::format("the playlist already has an entry titled '{}'", e.title)};
  }
  return {};
}

HANABI_DECL result<void> check_draft(const playlist_draft& draft) {
  if (auto r = check_name("playlist name", draft.name, playlist_limits::max_name); !r) return r;
  if (auto r = check_description(draft.description); !r) return r;
  return check_entries(draft.entries);
}

HANABI_DECL nlohmann::json export_playlist(const playlist& p) {
  nlohmann::json entries = nlohmann::json::array();
  for (const auto& e : p.entries) {
    nlohmann::json j{{"source", e.source}, {"title", e.title}};
    if (e.start_ms) j["start_ms"] = *e.start_ms;
    if (e.end_ms) j["end_ms"] = *e.end_ms;
    if (e.encoded) j["encoded"] = *e.encoded;
    entries.push_back(std::move(j));
  }
  return {{"format", "hanabi.playlist"}, {"version", 1},          {"name", p.name},
          {"description", p.description},  {"visibility", to_string(p.visibility)}, {"entries", std::move(entries)}};
}

HANABI_DECL result<playlist_draft> import_playlist(const nlohmann::json& j) {
  if (!j.is_object()) return failure{error::unexpected_type, "an exported playlist is a JSON object"};
  auto format = detail::playlist_required_string(j, "format");
  if (!format) return format.error();
  if (*format != "hanabi.playlist") return failure{error::invalid_value, "'format' must be \"hanabi.playlist\""};
  auto version = detail::playlist_optional_field<std::int64_t>(j, "version");
  if (!version) return version.error();
  if (*version != 1) return failure{error::invalid_value, "only version 1 of the playlist format is known"};
  playlist_draft d;
  auto name = detail::playlist_required_string(j, "name");
  if (!name) return name.error();
  d.name = std::move(*name);
  auto description = detail::playlist_optional_field<std::string>(j, "description");
  if (!description) return description.error();
  d.description = description->value_or("");
  auto vis = detail::playlist_optional_field<std::string>(j, "visibility");
  if (!vis) return vis.error();
  if (*vis) {
    auto v = visibility_from_string(**vis);
    if (!v) return v.error();
    d.visibility = *v;
  }
  auto entries = j.find("entries");
  if (entries == j.end()) return failure{error::missing_field, "'entries' is required"};
  if (!entries->is_array()) return failure{error::unexpected_type, "'entries' must be an array"};
  for (const auto& item : *entries) {
    auto e = detail::entry_from_json(item);
    if (!e) return e.error();
    d.entries.push_back(std::move(*e));
  }
  if (auto r = check_draft(d); !r) return r.error();
  return d;
}

HANABI_DECL playlist_draft draft_from_tracks(std::string name, const std::vector<protocol::track>& tracks) {
  playlist_draft d{std::move(name), {}, visibility::private_, {}};
  std::set<std::string> titles;
  for (const auto& t : tracks) {
    std::string base = t.info.title.empty() ? t.info.identifier : t.info.title;
    if (base.empty()) base = "Untitled";
    // Leave room for a " (NNNNN)" suffix so the deduplicated title still fits the limit.
    base = std::string(detail::first_code_points(base, playlist_limits::max_title - 8));
    std::string title = base;
    for (int n = 2; !titles.insert(title).second; ++n) title = fmt::format("{} ({})", base, n);
    std::string source = t.info.uri.value_or(t.info.identifier);
    if (source.empty()) source = t.info.identifier.empty() ? title : t.info.identifier;
    std::optional<std::string> encoded;
    if (!t.encoded.empty()) encoded = t.encoded;
    d.entries.push_back(playlist_entry{std::move(source), std::move(title), std::nullopt, std::nullopt,
                                       std::move(encoded)});
  }
  return d;
}

}  // namespace hanabi::storage
