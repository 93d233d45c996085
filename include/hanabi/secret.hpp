// A password or token that never prints. Formatting it, streaming it or
// logging it shows "<redacted>"; only reveal() gives the value, so every place
// that sends a secret on the wire is easy to find.
#pragma once

#include <fmt/format.h>

#include <ostream>
#include <string>
#include <string_view>
#include <utility>

namespace hanabi {

class secret {
 public:
  secret() = default;
  explicit secret(std::string value) : value_(std::move(value)) {}

  /// The value itself. Call only where it goes on the wire or is compared.
  std::string_view reveal() const noexcept { return value_; }
  bool empty() const noexcept { return value_.empty(); }

  friend bool operator==(const secret&, const secret&) = default;
  friend std::ostream& operator<<(std::ostream& os, const secret&) { return os << "<redacted>"; }

 private:
  std::string value_;
};

}  // namespace hanabi

template <>
struct fmt::formatter<hanabi::secret> : fmt::formatter<std::string_view> {
  auto format(const hanabi::secret&, fmt::format_context& ctx) const {
    return fmt::formatter<std::string_view>::format("<redacted>", ctx);
  }
};
