// Details that travel next to an error_code: the message Lavalink put in its
// REST error body, or a sentence hanabi wrote about the specific failure
// ("position 9 is out of range: the queue has positions 1 to 7").
#pragma once

#include <hanabi/error.hpp>

#include <boost/system/result.hpp>
#include <boost/system/system_error.hpp>
#include <boost/assert/source_location.hpp>

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <utility>

namespace hanabi {

/// Lavalink's REST error body (PROTOCOL.md §7.1). 401/403 come without one.
struct lavalink_error {
  std::int64_t timestamp = 0;          ///< Epoch ms.
  int status = 0;                      ///< HTTP status code.
  std::string error;                   ///< Reason phrase, e.g. "Not Found".
  std::optional<std::string> trace;    ///< Only when the request had ?trace=true.
  std::string message;                 ///< e.g. "Session not found".
  std::string path;                    ///< Request path, without the query.
  friend bool operator==(const lavalink_error&, const lavalink_error&) = default;
};

/// What went wrong, beyond the error_code.
class diagnostics {
 public:
  diagnostics() = default;
  explicit diagnostics(std::string client_message) : client_message_(std::move(client_message)) {}
  explicit diagnostics(lavalink_error server) : server_(std::move(server)) {}

  /// A sentence written by hanabi about this failure; empty when there is nothing to add.
  const std::string& client_message() const noexcept { return client_message_; }
  /// Lavalink's error body, when the failure came from a REST response that had one.
  const std::optional<lavalink_error>& server_error() const noexcept { return server_; }

  void set_client_message(std::string m) { client_message_ = std::move(m); }
  void set_server_error(lavalink_error e) { server_ = std::move(e); }
  void clear() noexcept { client_message_.clear(); server_.reset(); }

  /// The most specific human-readable text available: Lavalink's message, else hanabi's.
  std::string best_message() const {
    if (server_ && !server_->message.empty()) return server_->message;
    return client_message_;
  }

  friend bool operator==(const diagnostics&, const diagnostics&) = default;

 private:
  std::string client_message_;
  std::optional<lavalink_error> server_;
};

/// An error_code with its diagnostics: the error type of hanabi's synchronous results.
struct failure {
  error_code code;
  diagnostics diag;

  failure() = default;
  failure(error_code c, diagnostics d = {}) : code(c), diag(std::move(d)) {}  // NOLINT: implicit by design
  failure(error e, std::string message = {}) : code(e), diag(std::move(message)) {}  // NOLINT

  /// "<code message>: <diagnostics>" when there are diagnostics, else the code's message.
  std::string what() const {
    auto m = diag.best_message();
    return m.empty() ? code.message() : code.message() + " " + m;
  }
  friend bool operator==(const failure&, const failure&) = default;
  friend std::ostream& operator<<(std::ostream& os, const failure& f) { return os << f.what(); }
};

/// Thrown by the throwing overloads and by result<T>::value().
class error_with_diagnostics : public boost::system::system_error {
 public:
  error_with_diagnostics(const failure& f)
      : system_error(f.code, f.diag.best_message()), diag_(f.diag) {}
  const diagnostics& get_diagnostics() const noexcept { return diag_; }

 private:
  diagnostics diag_;
};

/// Called by boost::system::result<T, failure>::value() on error.
[[noreturn]] inline void throw_exception_from_error(const failure& f, const boost::source_location&) {
  throw error_with_diagnostics(f);
}

/// The result of a synchronous hanabi operation: a T, or a failure with its details.
template <class T>
using result = boost::system::result<T, failure>;

}  // namespace hanabi
