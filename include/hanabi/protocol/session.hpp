// Session resuming configuration: PATCH /v4/sessions/{sessionId} (PROTOCOL.md §5, §7.9).
#pragma once

#include <cstdint>
#include <optional>

namespace hanabi::protocol {

/// Request body; the server leaves fields that are not set unchanged.
struct update_session {
  std::optional<bool> resuming;
  std::optional<std::int64_t> timeout;  ///< Seconds (not ms) a paused session waits for a resume.

  friend bool operator==(const update_session&, const update_session&) = default;
};

/// Response body: both current values.
struct session {
  bool resuming = false;
  std::int64_t timeout = 60;  ///< Seconds.

  friend bool operator==(const session&, const session&) = default;
};

}  // namespace hanabi::protocol
