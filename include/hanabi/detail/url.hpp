// Parsing the node URL the user configures ("http://127.0.0.1:2333",
// "wss://lava.example.com", "localhost:2333") and percent-encoding query values.
#pragma once

#include <hanabi/detail/config.hpp>
#include <hanabi/diagnostics.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace hanabi::detail {

/// Where a node lives. The scheme picks TLS (https/wss) or plain (http/ws); the
/// WebSocket and REST parts of a node always share host, port and TLS.
struct endpoint_url {
  bool tls = false;
  std::string host;
  std::uint16_t port = 0;
  std::string base_path;  ///< A reverse-proxy prefix without trailing '/', usually empty.

  friend bool operator==(const endpoint_url&, const endpoint_url&) = default;
};

/// Parses "scheme://host[:port][/prefix]" or "host:port". Schemes: http, https, ws, wss.
/// The port defaults to 443 with TLS and 2333 (Lavalink's default) without.
HANABI_DECL result<endpoint_url> parse_endpoint_url(std::string_view url);

/// Percent-encodes everything except RFC 3986 unreserved characters, so base64's
/// '+', '/' and '=' and search queries survive as query values (PROTOCOL.md §13.16).
HANABI_DECL std::string url_encode(std::string_view value);

}  // namespace hanabi::detail

#ifdef HANABI_HEADER_ONLY
#  include <hanabi/impl/url.ipp>
#endif
