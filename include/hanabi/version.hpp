// hanabi's version, also sent to Lavalink as `Client-Name: hanabi/<version>`.
#pragma once

#include <string_view>

#define HANABI_VERSION_MAJOR 0
#define HANABI_VERSION_MINOR 1
#define HANABI_VERSION_PATCH 0
#define HANABI_VERSION_STRING "0.1.0"

namespace hanabi {

/// The library version, e.g. "0.1.0". Kept equal to CMake's project(VERSION) by a test.
inline constexpr std::string_view version = HANABI_VERSION_STRING;

/// The value of the `Client-Name` header hanabi sends to Lavalink.
inline constexpr std::string_view client_name = "hanabi/" HANABI_VERSION_STRING;

}  // namespace hanabi
