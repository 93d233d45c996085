// Node information: GET /v4/info (PROTOCOL.md §7.10) and the route planner (§7.13).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace hanabi::protocol {

/// The server's version. v4 servers send no `build` field; a decoder ignores one if present.
struct version {
  std::string semver;  ///< e.g. "4.2.2", or "<commit>-SNAPSHOT" with major/minor/patch 0.
  int major = 0;
  int minor = 0;
  int patch = 0;
  std::optional<std::string> pre_release;  ///< Nullable, e.g. "rc.1".

  friend bool operator==(const version&, const version&) = default;
};

/// The git commit the server was built from.
struct git_info {
  std::string branch;
  std::string commit;            ///< Abbreviated hash.
  std::int64_t commit_time = 0;  ///< Epoch ms.

  friend bool operator==(const git_info&, const git_info&) = default;
};

/// A plugin loaded by the server.
struct plugin {
  std::string name;
  std::string version;

  friend bool operator==(const plugin&, const plugin&) = default;
};

/// Body of GET /v4/info.
struct info {
  protocol::version version;
  std::int64_t build_time = -1;  ///< Epoch ms; -1 if unknown.
  git_info git;
  std::string jvm;
  std::string lavaplayer;
  std::vector<std::string> source_managers;  ///< The same names as track_info::source_name.
  std::vector<std::string> filters;          ///< Enabled filter names, plugin filters included.
  std::vector<plugin> plugins;

  friend bool operator==(const info&, const info&) = default;
};

/// The route planner's IP block.
struct ip_block {
  std::string type;  ///< "Inet4Address" or "Inet6Address".
  std::string size;  ///< A big integer, as a string.

  friend bool operator==(const ip_block&, const ip_block&) = default;
};

/// An address the route planner marked as failing.
struct failing_address {
  std::string address;     ///< `failingAddress`, e.g. "/1.0.0.0".
  std::int64_t timestamp = 0;  ///< `failingTimestamp`, epoch ms.
  std::string time;        ///< `failingTime`, human-readable.

  friend bool operator==(const failing_address&, const failing_address&) = default;
};

/// `details` of class RotatingIpRoutePlanner.
struct rotating_ip_route_planner {
  protocol::ip_block ip_block;
  std::vector<failing_address> failing_addresses;
  std::string rotate_index;
  std::string ip_index;
  std::string current_address;

  friend bool operator==(const rotating_ip_route_planner&, const rotating_ip_route_planner&) = default;
};

/// `details` of class NanoIpRoutePlanner.
struct nano_ip_route_planner {
  protocol::ip_block ip_block;
  std::vector<failing_address> failing_addresses;
  std::string current_address_index;

  friend bool operator==(const nano_ip_route_planner&, const nano_ip_route_planner&) = default;
};

/// `details` of class RotatingNanoIpRoutePlanner.
struct rotating_nano_ip_route_planner {
  protocol::ip_block ip_block;
  std::vector<failing_address> failing_addresses;
  std::string block_index;
  std::string current_address_index;

  friend bool operator==(const rotating_nano_ip_route_planner&, const rotating_nano_ip_route_planner&) = default;
};

/// `details` of class BalancingIpRoutePlanner.
struct balancing_ip_route_planner {
  protocol::ip_block ip_block;
  std::vector<failing_address> failing_addresses;

  friend bool operator==(const balancing_ip_route_planner&, const balancing_ip_route_planner&) = default;
};

/// `class` and `details` null: no route planner (the server normally answers 204 instead).
struct no_route_planner {
  friend bool operator==(const no_route_planner&, const no_route_planner&) = default;
};

/// Body of GET /v4/routeplanner/status, one alternative per `class`.
using route_planner_status = std::variant<rotating_ip_route_planner, nano_ip_route_planner,
                                          rotating_nano_ip_route_planner, balancing_ip_route_planner,
                                          no_route_planner>;

/// Body of POST /v4/routeplanner/free/address.
struct free_address_request {
  std::string address;  ///< e.g. "1.0.0.1"; must be in the planner's block.

  friend bool operator==(const free_address_request&, const free_address_request&) = default;
};

}  // namespace hanabi::protocol
