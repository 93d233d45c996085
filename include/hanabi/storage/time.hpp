// Playlist entries carry optional start and end offsets. Users type them as
// `M:SS` or `H:MM:SS` (the Azura seed's format); hanabi stores milliseconds.
//
//     auto start = hanabi::storage::parse_time("1:02:03");  // 3'723'000 ms
//     hanabi::storage::format_time(83'000);                 // "1:23"
#pragma once

#include <hanabi/detail/config.hpp>
#include <hanabi/diagnostics.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace hanabi::storage {

/// Parses `M:SS` or `H:MM:SS` into milliseconds. Leading hours or minutes take 1 to 6 digits; the
/// other fields take exactly 2 digits below 60. Anything else (empty, signs, spaces, `1:5`, `0:60`)
/// is error::invalid_time with the reason in the diagnostics.
HANABI_DECL result<std::int64_t> parse_time(std::string_view text);

/// The inverse of parse_time for whole seconds: `M:SS` below one hour, else `H:MM:SS`.
/// Milliseconds are truncated; negative values format as `0:00`.
HANABI_DECL std::string format_time(std::int64_t ms);

}  // namespace hanabi::storage

#ifdef HANABI_HEADER_ONLY
#  include <hanabi/impl/storage_time.ipp>
#endif
