// The fake node's catalogue: identifier grammar -> load results (see catalogue.hpp).
#pragma once

#include <hanabi/protocol/track_codec.hpp>
#include <hanabi/testing/catalogue.hpp>

#include <fmt/format.h>

#include <charconv>
#include <optional>
#include <utility>

namespace hanabi::testing::detail {

inline std::optional<std::int64_t> parse_count(std::string_view s) noexcept {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}

/// "<name>[:<length_ms>]" -> name and length; the length is the part after the last colon
/// when it is a number.
inline std::pair<std::string_view, std::int64_t> split_name_length(std::string_view rest, std::int64_t fallback) {
  auto colon = rest.rfind(':');
  if (colon == std::string_view::npos) return {rest, fallback};
  auto length = parse_count(rest.substr(colon + 1));
  if (!length || *length == 0) return {rest, fallback};
  return {rest.substr(0, colon), *length};
}

inline bool starts_with(std::string_view s, std::string_view prefix) noexcept {
  return s.substr(0, prefix.size()) == prefix;
}

/// A catalogue track: encoded with the real codec, so it decodes back to the same info.
inline protocol::track make_track(protocol::track_info info, std::string_view source_data = {}) {
  protocol::track t;
  auto encoded = protocol::encode_track(info, source_data);
  // Catalogue strings are short ASCII/UTF-8 taken from a URL-decoded identifier; an identifier
  // the codec refuses (invalid UTF-8, > 65535 bytes) gets an empty blob, which decodes to an error.
  if (encoded) t.encoded = std::move(*encoded);
  t.info = std::move(info);
  return t;
}

inline protocol::track fake_track(std::string identifier, std::string title, std::int64_t length, bool stream = false) {
  protocol::track_info info;
  info.identifier = std::move(identifier);
  info.is_seekable = !stream;
  info.author = "hanabi fake node";
  info.length = stream ? protocol::unknown_length : length;
  info.is_stream = stream;
  info.title = std::move(title);
  info.source_name = "fake";
  return make_track(std::move(info));
}

inline protocol::track http_track(std::string_view url, std::int64_t length) {
  protocol::track_info info;
  info.identifier = std::string(url);
  info.is_seekable = true;
  info.author = "Unknown artist";
  info.length = length;
  auto slash = url.rfind('/');
  auto title = slash == std::string_view::npos ? url : url.substr(slash + 1);
  info.title = title.empty() ? "Unknown title" : std::string(title);
  info.uri = std::string(url);
  info.source_name = "http";
  // lavaplayer's http source stores the container probe name after sourceName.
  std::string probe;
  probe.push_back('\0');
  probe.push_back('\3');
  probe += "mp3";
  return make_track(std::move(info), probe);
}

inline protocol::load_result search_result(std::string_view query, std::size_t count, std::int64_t length) {
  protocol::search_loaded result;
  result.tracks.reserve(count);
  for (std::size_t i = 1; i <= count; ++i)
    result.tracks.push_back(fake_track(fmt::format("fake:track:{} #{}", query, i), fmt::format("{} #{}", query, i), length));
  return result;
}

inline protocol::load_result load_error(protocol::severity severity) {
  protocol::load_failed failed;
  failed.exception.message = "Something went wrong while looking up the track.";
  failed.exception.severity = severity;
  failed.exception.cause =
      "com.sedmelluq.discord.lavaplayer.tools.FriendlyException: Something went wrong while looking up the track.";
  failed.exception.cause_stack_trace = failed.exception.cause + "\n\tat hanabi.fake.Catalogue.load(fake)\n";
  return failed;
}

inline std::optional<protocol::severity> parse_severity(std::string_view s) noexcept {
  if (s.empty() || s == "fault") return protocol::severity::fault;
  if (s == "common") return protocol::severity::common;
  if (s == "suspicious") return protocol::severity::suspicious;
  return std::nullopt;
}

/// `fakesearch:q`, `fakesearch<n>:q` and the Lavalink search prefixes; nullopt if not a search.
inline std::optional<std::pair<std::string_view, std::optional<std::size_t>>> parse_search(std::string_view id) {
  for (std::string_view alias : {"ytsearch:", "ytmsearch:", "scsearch:"})
    if (starts_with(id, alias)) return std::pair{id.substr(alias.size()), std::optional<std::size_t>{}};
  if (!starts_with(id, "fakesearch")) return std::nullopt;
  auto colon = id.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  auto digits = id.substr(10, colon - 10);
  if (digits.empty()) return std::pair{id.substr(colon + 1), std::optional<std::size_t>{}};
  auto n = parse_count(digits);
  if (!n || *n > 100'000) return std::nullopt;
  return std::pair{id.substr(colon + 1), std::optional<std::size_t>{static_cast<std::size_t>(*n)}};
}

}  // namespace hanabi::testing::detail

namespace hanabi::testing {

HANABI_DECL protocol::load_result catalogue::load(std::string_view id) const {
  using namespace detail;
  const auto length = options_.default_length_ms;
  if (auto search = parse_search(id))
    return search_result(search->first, search->second.value_or(options_.search_results), length);
  if (starts_with(id, "http://") || starts_with(id, "https://")) return protocol::track_loaded{http_track(id, length)};
  if (id == "fake:empty") return protocol::nothing_loaded{};
  if (starts_with(id, "fake:error")) {
    auto rest = id.substr(10);
    if (rest.empty() || rest.front() == ':') {
      if (auto sev = parse_severity(rest.empty() ? rest : rest.substr(1))) return load_error(*sev);
    }
    return protocol::nothing_loaded{};
  }
  if (starts_with(id, "fake:playlist:")) {
    auto rest = id.substr(14);
    auto colon = rest.find(':');
    auto n = parse_count(rest.substr(0, colon));
    std::int64_t selected = -1;
    if (colon != std::string_view::npos) {
      auto sel = parse_count(rest.substr(colon + 1));
      if (!sel) return protocol::nothing_loaded{};
      selected = *sel;
    }
    if (!n) return protocol::nothing_loaded{};
    if (static_cast<std::size_t>(*n) > options_.max_playlist_size) return load_error(protocol::severity::common);
    protocol::playlist_loaded playlist;
    playlist.info.name = fmt::format("Fake playlist of {}", *n);
    playlist.info.selected_track = selected < *n ? static_cast<std::int32_t>(selected) : -1;
    playlist.tracks.reserve(static_cast<std::size_t>(*n));
    for (std::int64_t i = 1; i <= *n; ++i)
      playlist.tracks.push_back(fake_track(fmt::format("fake:track:playlist-{}-{}", *n, i), fmt::format("Track {} of {}", i, *n), length));
    return playlist;
  }
  for (std::string_view kind : {"fake:track:", "fake:fail:", "fake:exception:", "fake:stuck:"}) {
    if (!starts_with(id, kind)) continue;
    auto [name, len] = split_name_length(id.substr(kind.size()), length);
    if (name.empty()) return protocol::nothing_loaded{};
    return protocol::track_loaded{fake_track(std::string(id), std::string(name), len)};
  }
  if (starts_with(id, "fake:stream:") && id.size() > 12)
    return protocol::track_loaded{fake_track(std::string(id), std::string(id.substr(12)), 0, true)};
  return protocol::nothing_loaded{};
}

HANABI_DECL result<protocol::track> catalogue::resolve_one(std::string_view identifier) const {
  auto loaded = load(identifier);
  if (auto* one = std::get_if<protocol::track_loaded>(&loaded)) return std::move(one->track);
  if (std::holds_alternative<protocol::nothing_loaded>(loaded))
    return failure{error::invalid_argument, "No matches found for identifier"};
  if (auto* failed = std::get_if<protocol::load_failed>(&loaded))
    return failure{error::invalid_argument, failed->exception.message.value_or("Failed to load track")};
  return failure{error::invalid_argument, "Cannot play a playlist or search result"};
}

HANABI_DECL track_behaviour catalogue::behaviour_of(const protocol::track_info& info) noexcept {
  using detail::starts_with;
  std::string_view id = info.identifier;
  if (info.source_name != "fake") return track_behaviour::plays;
  if (info.is_stream || starts_with(id, "fake:stream:")) return track_behaviour::stream;
  if (starts_with(id, "fake:fail:")) return track_behaviour::fails_to_load;
  if (starts_with(id, "fake:exception:")) return track_behaviour::throws_midway;
  if (starts_with(id, "fake:stuck:")) return track_behaviour::gets_stuck;
  return track_behaviour::plays;
}

HANABI_DECL bool catalogue::knows_source(std::string_view source_name) noexcept {
  return source_name == "fake" || source_name == "http";
}

}  // namespace hanabi::testing
