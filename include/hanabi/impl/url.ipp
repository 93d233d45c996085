#pragma once

#include <hanabi/detail/url.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace hanabi::detail {

namespace url_impl {

inline bool is_unreserved(unsigned char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

inline failure bad_url(std::string_view why, std::string_view url) {
  return failure{error::invalid_url, fmt::format("{}: '{}'", why, url)};
}

inline bool valid_host(std::string_view host) noexcept {
  return !host.empty() && std::all_of(host.begin(), host.end(), [](unsigned char c) {
    return is_unreserved(c) || c == ':' || c == '[' || c == ']';
  });
}

}  // namespace url_impl

HANABI_DECL result<endpoint_url> parse_endpoint_url(std::string_view url) {
  endpoint_url out;
  std::string_view rest = url;
  if (auto sep = rest.find("://"); sep != std::string_view::npos) {
    std::string_view scheme = rest.substr(0, sep);
    if (scheme == "https" || scheme == "wss") out.tls = true;
    else if (scheme != "http" && scheme != "ws") return url_impl::bad_url("unsupported scheme (use http, https, ws or wss)", url);
    rest.remove_prefix(sep + 3);
  }
  std::string_view authority = rest.substr(0, rest.find('/'));
  std::string_view path = rest.substr(authority.size());
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  out.base_path = std::string(path);

  std::string_view host = authority;
  std::string_view port;
  // An IPv6 literal keeps its colons inside brackets.
  auto colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']', colon) == std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (!url_impl::valid_host(host)) return url_impl::bad_url("missing or invalid host", url);
  out.host = std::string(host);

  if (port.empty()) {
    if (colon != std::string_view::npos && authority.find(']', colon) == std::string_view::npos)
      return url_impl::bad_url("empty port", url);
    out.port = out.tls ? 443 : 2333;
    return out;
  }
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535)
    return url_impl::bad_url("invalid port", url);
  out.port = static_cast<std::uint16_t>(value);
  return out;
}

HANABI_DECL std::string url_encode(std::string_view value) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(value.size() * 3);
  for (unsigned char c : value) {
    if (url_impl::is_unreserved(c)) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 0xF]);
    }
  }
  return out;
}

}  // namespace hanabi::detail
