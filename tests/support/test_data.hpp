// Access to the recorded Lavalink payloads in tests/data (copied from
// shared/lavalink-v4/fixtures, see tests/data/lavalink-v4/README.md).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace hanabi::test {

/// tests/data
std::filesystem::path data_dir();
/// The build tree's top directory (where the programs the tests start are built).
std::filesystem::path binary_dir();
/// The bytes of tests/data/lavalink-v4/<name>; fails the test if the file is missing.
std::string fixture(const std::string& name);
/// Every file name in tests/data/lavalink-v4 ending in .json, sorted.
std::vector<std::string> fixture_names();
/// The bytes of any file.
std::string read_file(const std::filesystem::path& p);

}  // namespace hanabi::test
