// A deliberately small HTTP and WebSocket client for testing the fake node byte by byte,
// written directly on Beast so that these tests do not depend on hanabi's own transport.
// Heavy headers stay in raw_client.cpp; test files only see this interface.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>

namespace fakenode_test {

inline const std::string password = "youshallnotpass";

struct http_result {
  unsigned status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  ///< Lower-case names.
  nlohmann::json json() const { return nlohmann::json::parse(body); }
};

/// One request on a fresh connection. `auth` nullopt sends no Authorization header.
http_result rest(std::uint16_t port, const std::string& method, const std::string& target,
                 const std::optional<std::string>& auth = password, const std::string& body = {});

/// GET over TLS, trusting `ca_pem` (nothing trusted when empty). nullopt if the TLS handshake failed.
std::optional<unsigned> tls_get(std::uint16_t port, const std::string& target, const std::string& ca_pem);

/// A WebSocket client. Every wait has a generous deadline so that a broken server fails the
/// test instead of hanging it; the deadline is not what the tests assert.
class ws_client {
 public:
  struct options {
    std::optional<std::string> auth = password;
    std::optional<std::string> user_id = "170939974227541168";
    std::optional<std::string> session_id;
    std::string client_name = "hanabi-tests/1.0";
  };
  ws_client(std::uint16_t port, options o);
  ws_client(std::uint16_t port) : ws_client(port, options{}) {}
  ~ws_client();
  ws_client(ws_client&&) noexcept;

  /// 101 on success; otherwise the refusal's HTTP status.
  unsigned handshake_status() const;
  /// A header of the handshake response (lower-case name); empty if missing.
  std::string handshake_header(const std::string& name) const;

  /// The next text message; nullopt if the socket closed (or nothing came within 10 s).
  std::optional<std::string> next(std::chrono::milliseconds deadline = std::chrono::seconds(10));
  /// The next message as JSON; fails the test if there is none.
  nlohmann::json next_json();
  /// The next message whose op (and event type, if given) matches, skipping others (stats...).
  nlohmann::json next_of(const std::string& op, const std::string& type = {});
  /// How the socket ended after next() returned nullopt: the close code, or 0 without a close frame.
  int close_code() const;
  void close();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// PATCH /v4/sessions/{sid}/players/{guild} with `body`; `query` e.g. "?noReplace=true".
inline http_result patch_player(std::uint16_t port, const std::string& sid, std::int64_t guild, const nlohmann::json& body,
                                const std::string& query = {}) {
  return rest(port, "PATCH", "/v4/sessions/" + sid + "/players/" + std::to_string(guild) + query, password, body.dump());
}

/// The `encoded` blob of a catalogue identifier, through GET /v4/loadtracks.
std::string encoded_of(std::uint16_t port, const std::string& identifier);

/// Percent-encodes a query value.
std::string url_encode(const std::string& s);

}  // namespace fakenode_test

namespace fakenode_test {

/// Polls `condition` until it holds, for at most 10 s; returns its last value. The deadline only
/// keeps a broken server from hanging the test.
template <class F>
bool eventually(F condition) {
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!condition()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

}  // namespace fakenode_test
