// The `hanabi` command-line client, as a function so `hanabi selftest` (and tests)
// can run its commands in-process and check what they print and return.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace hanabi::cli {

/// Exit codes: distinct per failure a user can act on.
enum exit_code : int {
  ok = 0,
  failure = 1,          ///< Anything else (server error, decode failure...).
  usage = 2,            ///< Unknown command or option, missing argument.
  bad_url = 3,          ///< The node URL does not parse.
  unreachable = 4,      ///< Connection refused, DNS failure, timeout, connection dropped.
  auth = 5,             ///< Missing (401) or wrong (403) password.
  bad_identifier = 6,   ///< The identifier does not load, or the base64 does not decode.
  not_lavalink = 7,     ///< The server does not speak Lavalink v4.
};

/// Runs one command line (args without the program name). Output goes to `out`,
/// one-line errors ("hanabi: ...") to `err`. Reads HANABI_NODE / HANABI_PASSWORD
/// when --node / --password are absent.
int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

/// The usage text.
std::string usage_text();

/// Starts an in-process fake node and checks every command path against it.
/// Prints one line per check; returns ok only if all passed.
int selftest(std::ostream& out, std::ostream& err);

}  // namespace hanabi::cli
