// The commands of the `hanabi` CLI. Each runs on its own io_context in the calling
// thread, through hanabi::node (and the REST client for --session lookups).
#include "cli.hpp"

#include <hanabi/detail/url.hpp>
#include <hanabi/node/node.hpp>
#include <hanabi/protocol/decoder.hpp>
#include <hanabi/protocol/encode.hpp>
#include <hanabi/protocol/track_codec.hpp>
#include <hanabi/transport/cancel_after.hpp>
#include <hanabi/transport/rest_client.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <optional>
#include <ostream>
#include <sstream>

namespace hanabi::cli {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

struct options {
  std::string node_url;
  std::string password;
  bool json = false;
  std::chrono::milliseconds timeout{10000};
  std::size_t count = 0;  // events: stop after this many messages (0: never)
  std::string session;    // players: another session's id
  std::vector<std::string> positional;
};

std::string usage_message() {
  return R"(usage: hanabi [options] <command> [arguments]

commands:
  node info | node stats | node version   what the node is and how loaded it is
  load <identifier>                       resolve a URL, id or search ("ytsearch:...")
  decode <base64>...                      decode encoded tracks
  players                                 players of this client's session (or --session)
  events                                  follow the WebSocket and print every message
  selftest                                run every command against an in-process fake node

options:
  --node URL          node URL, e.g. http://127.0.0.1:2333 (env HANABI_NODE)
  --password P        node password (env HANABI_PASSWORD)
  --json              JSON output instead of tables
  --timeout MS        deadline of each call (default 10000)
  --count N           events: stop after N messages
  --session ID        players: list the players of this Lavalink session

exit codes: 0 ok, 1 other failure, 2 usage, 3 bad URL, 4 node unreachable,
            5 missing or wrong password, 6 bad identifier, 7 not a Lavalink node
)";
}

/// A failed call, with what to tell the user.
struct cli_error {
  int code;
  std::string message;
};

int exit_code_for(const error_code& ec) {
  if (ec == error::invalid_url) return bad_url;
  if (ec == error::missing_password || ec == error::wrong_password) return auth;
  if (ec == error::not_lavalink) return not_lavalink;
  if (ec == error::timeout || ec == error::connection_closed || ec == error::node_not_ready ||
      ec == asio::error::connection_refused || ec == asio::error::host_not_found ||
      ec == asio::error::host_not_found_try_again || ec == asio::error::network_unreachable ||
      ec == asio::error::host_unreachable || ec == asio::error::connection_reset || ec == asio::error::timed_out ||
      ec == asio::error::operation_aborted)
    return unreachable;
  return failure;
}

cli_error describe(const error_code& ec, const diagnostics& diag, const std::string& url) {
  int code = exit_code_for(ec);
  std::string what;
  switch (code) {
    case bad_url: what = fmt::format("invalid node URL: {}", diag.best_message()); break;
    case unreachable: what = fmt::format("cannot reach the node at {}: {}", url, ec.message()); break;
    case auth: what = ec == error::missing_password ? "the node wants a password (use --password)"
                                                     : "the node refused the password";
      break;
    case not_lavalink: what = fmt::format("{} is not a Lavalink v4 node", url); break;
    default: what = ec.message(); break;
  }
  if (code != bad_url && code != auth && !diag.best_message().empty() && code != unreachable)
    what += fmt::format(" ({})", diag.best_message());
  return {code, what};
}

std::string duration_text(std::int64_t ms) {
  if (ms == protocol::unknown_length) return "live";
  auto s = ms / 1000;
  return s >= 3600 ? fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60) : fmt::format("{}:{:02}", s / 60, s % 60);
}

void print_tracks(std::ostream& out, const std::vector<protocol::track>& tracks) {
  fmt::print(out, "{:>4}  {:<40}  {:<24}  {:>8}  {}\n", "#", "title", "author", "length", "identifier");
  std::size_t i = 0;
  for (auto& t : tracks)
    fmt::print(out, "{:>4}  {:<40.40}  {:<24.24}  {:>8}  {}\n", ++i, t.info.title, t.info.author,
               duration_text(t.info.length), t.info.identifier);
}

template <class T>
void print_json(std::ostream& out, const T& value) {
  out << nlohmann::json(value).dump(2) << '\n';
}

/// Runs `body` (a coroutine returning the exit code) on a fresh io_context.
int run_io(const std::function<asio::awaitable<int>(asio::io_context&)>& body, std::ostream& err) {
  asio::io_context ioc;
  int rc = failure;
  asio::co_spawn(ioc, body(ioc), [&](std::exception_ptr e, int r) {
    if (!e) {
      rc = r;
      return;
    }
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      fmt::print(err, "hanabi: {}\n", ex.what());
    }
  });
  ioc.run();
  return rc;
}

node_config make_config(const options& o) {
  node_config cfg;
  cfg.name = "cli";
  cfg.url = o.node_url;
  cfg.password = secret{o.password};
  cfg.user = user_id{1};
  cfg.resuming.enabled = false;
  cfg.reconnect.initial_delay = 0ms;  // a CLI call fails fast instead of retrying
  cfg.connect_timeout = o.timeout;
  cfg.handshake_timeout = o.timeout;
  cfg.request_timeout = o.timeout;
  cfg.get_retries = 0;
  cfg.log = logger::none();
  return cfg;
}

/// Calls `start(node, diag, token)` with a deadline; returns the value or reports the failure.
/// `start` is a named lambda taken by reference: GCC 12 destroys a temporary closure bound
/// in a co_await expression twice (GCC PR 100611).
template <class T, class Start>
asio::awaitable<std::optional<T>> call(node& n, const options& o, std::ostream& err, int& rc, const Start& start) {
  diagnostics diag;
  try {
    co_return co_await start(n, diag, cancel_after(o.timeout, asio::use_awaitable));
  } catch (const boost::system::system_error& e) {
    auto d = describe(e.code(), diag, o.node_url);
    fmt::print(err, "hanabi: {}\n", d.message);
    rc = d.code;
  }
  co_return std::nullopt;
}

asio::awaitable<int> node_command(asio::io_context& ioc, const options& o, std::ostream& out, std::ostream& err) {
  if (o.positional.size() != 2) {
    fmt::print(err, "hanabi: usage: hanabi node info|stats|version\n");
    co_return usage;
  }
  node n(ioc.get_executor(), make_config(o));
  int rc = ok;
  const auto& what = o.positional[1];
  if (what == "version") {
    const auto start = [](node& n, diagnostics& d, auto tok) { return n.async_version(d, tok); };
    auto v = co_await call<std::string>(n, o, err, rc, start);
    if (!v) co_return rc;
    if (o.json) print_json(out, nlohmann::json{{"version", *v}});
    else fmt::print(out, "{}\n", *v);
  } else if (what == "info") {
    const auto start = [](node& n, diagnostics& d, auto tok) { return n.async_info(d, tok); };
    auto i = co_await call<protocol::info>(n, o, err, rc, start);
    if (!i) co_return rc;
    if (o.json) {
      print_json(out, *i);
    } else {
      fmt::print(out, "version      {}\nlavaplayer   {}\njvm          {}\nsources      {}\nfilters      {}\n",
                 i->version.semver, i->lavaplayer, i->jvm, fmt::join(i->source_managers, ", "),
                 fmt::join(i->filters, ", "));
      for (auto& p : i->plugins) fmt::print(out, "plugin       {} {}\n", p.name, p.version);
    }
  } else if (what == "stats") {
    const auto start = [](node& n, diagnostics& d, auto tok) { return n.async_stats(d, tok); };
    auto s = co_await call<protocol::stats>(n, o, err, rc, start);
    if (!s) co_return rc;
    if (o.json) {
      print_json(out, *s);
    } else {
      fmt::print(out, "players      {} ({} playing)\nuptime       {}\nmemory       {} MiB used of {} MiB\ncpu          {} cores, system {:.0f}%, lavalink {:.0f}%\n",
                 s->players, s->playing_players, duration_text(s->uptime), s->memory.used >> 20,
                 s->memory.allocated >> 20, s->cpu.cores, s->cpu.system_load * 100, s->cpu.lavalink_load * 100);
    }
  } else {
    fmt::print(err, "hanabi: unknown node command '{}' (info, stats or version)\n", what);
    co_return usage;
  }
  co_return rc;
}

struct load_printer {
  std::ostream& out;
  int operator()(const protocol::track_loaded& t) const {
    fmt::print(out, "track\n");
    print_tracks(out, {t.track});
    return ok;
  }
  int operator()(const protocol::playlist_loaded& p) const {
    fmt::print(out, "playlist '{}' ({} tracks, selected {})\n", p.info.name, p.tracks.size(), p.info.selected_track);
    print_tracks(out, p.tracks);
    return ok;
  }
  int operator()(const protocol::search_loaded& s) const {
    fmt::print(out, "search ({} results)\n", s.tracks.size());
    print_tracks(out, s.tracks);
    return ok;
  }
  int operator()(const protocol::nothing_loaded&) const {
    fmt::print(out, "no matches\n");
    return ok;
  }
  int operator()(const protocol::load_failed&) const { return bad_identifier; }
};

asio::awaitable<int> load_command(asio::io_context& ioc, const options& o, std::ostream& out, std::ostream& err) {
  if (o.positional.size() != 2 || o.positional[1].empty()) {
    fmt::print(err, "hanabi: usage: hanabi load <identifier>\n");
    co_return usage;
  }
  node n(ioc.get_executor(), make_config(o));
  int rc = ok;
  const auto start = [&id = o.positional[1]](node& n, diagnostics& d, auto tok) { return n.async_load_tracks(id, d, tok); };
  auto r = co_await call<protocol::load_result>(n, o, err, rc, start);
  if (!r) co_return rc;
  if (auto* failed = std::get_if<protocol::load_failed>(&*r)) {
    fmt::print(err, "hanabi: cannot load '{}': {} ({})\n", o.positional[1],
               failed->exception.message.value_or("no message"), protocol::to_string(failed->exception.severity));
    if (o.json) print_json(out, *r);
    co_return bad_identifier;
  }
  if (o.json) {
    print_json(out, *r);
    co_return ok;
  }
  co_return std::visit(load_printer{out}, *r);
}

asio::awaitable<int> decode_command(asio::io_context& ioc, const options& o, std::ostream& out, std::ostream& err) {
  if (o.positional.size() < 2) {
    fmt::print(err, "hanabi: usage: hanabi decode <base64>...\n");
    co_return usage;
  }
  std::vector<std::string> blobs(o.positional.begin() + 1, o.positional.end());
  // Checked locally first: a blob that is not a track never needs the node.
  for (auto& b : blobs)
    if (auto local = protocol::decode_track(b); !local) {
      fmt::print(err, "hanabi: '{:.24}' is not an encoded track: {}\n", b, local.error().what());
      co_return bad_identifier;
    }
  node n(ioc.get_executor(), make_config(o));
  int rc = ok;
  const auto start = [&blobs](node& n, diagnostics& d, auto tok) { return n.async_decode_tracks(blobs, d, tok); };
  auto r = co_await call<std::vector<protocol::track>>(n, o, err, rc, start);
  if (!r) co_return rc == failure ? bad_identifier : rc;  // the node could not decode them
  if (o.json) print_json(out, *r);
  else print_tracks(out, *r);
  co_return ok;
}

void print_players(std::ostream& out, const std::vector<protocol::player>& players) {
  fmt::print(out, "{:<20}  {:<7}  {:>6}  {:>9}  {:<9}  {}\n", "guild", "state", "volume", "position", "voice", "track");
  for (auto& p : players)
    fmt::print(out, "{:<20}  {:<7}  {:>6}  {:>9}  {:<9}  {}\n", p.guild_id.value(),
               !p.track ? "idle" : p.paused ? "paused" : "playing", p.volume, duration_text(p.state.position),
               p.state.connected ? "connected" : "-", p.track ? p.track->info.title : "");
}

asio::awaitable<int> players_command(asio::io_context& ioc, const options& o, std::ostream& out, std::ostream& err) {
  std::vector<protocol::player> players;
  int rc = ok;
  if (!o.session.empty()) {
    // Another session's players: a plain REST call, no WebSocket of our own.
    auto url = detail::parse_endpoint_url(o.node_url);
    if (!url) {
      fmt::print(err, "hanabi: invalid node URL: {}\n", url.error().diag.best_message());
      co_return bad_url;
    }
    transport::rest_options ro;
    ro.url = *url;
    ro.password = secret{o.password};
    ro.request_timeout = o.timeout;
    ro.connect_timeout = o.timeout;
    transport::rest_client rest(ioc.get_executor(), ro);
    auto r = co_await rest.call(boost::beast::http::verb::get, transport::endpoints::players(url->base_path, o.session));
    if (!r) {
      auto d = describe(r.error().code, r.error().diag, o.node_url);
      fmt::print(err, "hanabi: {}\n", d.message);
      co_return d.code;
    }
    auto decoded = protocol::decode<std::vector<protocol::player>>(r->body);
    if (!decoded) {
      fmt::print(err, "hanabi: {}\n", decoded.error().what());
      co_return failure;
    }
    players = std::move(*decoded);
  } else {
    node n(ioc.get_executor(), make_config(o));
    // When the session cannot be opened, the run's failure is the one to report.
    auto run_diag = std::make_shared<diagnostics>();
    auto run_ec = std::make_shared<error_code>();
    n.async_run(*run_diag, [run_ec, run_diag](error_code ec) { *run_ec = ec; });
    std::ostringstream call_err;
    const auto start = [](node& n, diagnostics& d, auto tok) { return n.async_get_players(d, tok); };
    auto r = co_await call<std::vector<protocol::player>>(n, o, call_err, rc, start);
    n.cancel();
    if (!r) {
      if (*run_ec && *run_ec != asio::error::operation_aborted) {
        auto d = describe(*run_ec, *run_diag, o.node_url);
        fmt::print(err, "hanabi: {}\n", d.message);
        co_return d.code;
      }
      err << call_err.str();
      co_return rc;
    }
    players = std::move(*r);
  }
  if (o.json) print_json(out, players);
  else print_players(out, players);
  co_return ok;
}

std::string summary(const protocol::ws_message& m) {
  nlohmann::json j = m;
  std::string op = j.value("op", "?");
  if (op == "event") op = j.value("type", "event");
  if (auto* r = std::get_if<protocol::ready>(&m)) return fmt::format("ready      session={} resumed={}", r->session_id, r->resumed);
  if (auto* s = std::get_if<protocol::stats>(&m))
    return fmt::format("stats      players={} playing={} uptime={}", s->players, s->playing_players, duration_text(s->uptime));
  if (auto* u = std::get_if<protocol::player_update>(&m))
    return fmt::format("player     guild={} position={} connected={}", u->guild_id.value(), duration_text(u->state.position), u->state.connected);
  return fmt::format("{:<10} {}", op, j.dump());
}

asio::awaitable<int> events_command(asio::io_context& ioc, const options& o, std::ostream& out, std::ostream& err) {
  auto cfg = make_config(o);
  cfg.reconnect = backoff_policy{};  // follow the node through drops, like a bot would
  cfg.resuming.enabled = true;
  node n(ioc.get_executor(), cfg);
  std::size_t seen = 0;
  n.subscribe({.message =
                   [&](const protocol::ws_message& m) {
                     if (o.json) out << nlohmann::json(m).dump() << '\n';
                     else out << summary(m) << '\n';
                     out.flush();
                     if (o.count && ++seen >= o.count) n.cancel();
                   },
               .state = {},
               .lost = {}});
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](error_code ec, int) {
    if (!ec) n.cancel();
  });
  diagnostics diag;
  error_code ec;
  try {
    co_await n.async_run(diag, asio::use_awaitable);
  } catch (const boost::system::system_error& e) {
    ec = e.code();
  }
  signals.cancel();
  if (ec && ec != asio::error::operation_aborted) {
    auto d = describe(ec, diag, o.node_url);
    fmt::print(err, "hanabi: {}\n", d.message);
    co_return d.code;
  }
  co_return ok;
}

std::optional<options> parse(const std::vector<std::string>& args, std::ostream& err) {
  options o;
  if (const char* env = std::getenv("HANABI_NODE")) o.node_url = env;
  if (const char* env = std::getenv("HANABI_PASSWORD")) o.password = env;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& a = args[i];
    auto value = [&]() -> std::optional<std::string> {
      if (i + 1 >= args.size()) {
        fmt::print(err, "hanabi: {} needs a value\n", a);
        return std::nullopt;
      }
      return args[++i];
    };
    auto number = [&](auto& out) {
      auto v = value();
      if (!v) return false;
      try {
        out = std::stoull(*v);
        return true;
      } catch (const std::exception&) {
        fmt::print(err, "hanabi: {} wants a number, not '{}'\n", a, *v);
        return false;
      }
    };
    if (a == "--node") {
      auto v = value();
      if (!v) return std::nullopt;
      o.node_url = *v;
    } else if (a == "--password") {
      auto v = value();
      if (!v) return std::nullopt;
      o.password = *v;
    } else if (a == "--session") {
      auto v = value();
      if (!v) return std::nullopt;
      o.session = *v;
    } else if (a == "--json") {
      o.json = true;
    } else if (a == "--timeout") {
      std::uint64_t ms = 0;
      if (!number(ms)) return std::nullopt;
      o.timeout = std::chrono::milliseconds(ms);
    } else if (a == "--count") {
      std::uint64_t n = 0;
      if (!number(n)) return std::nullopt;
      o.count = n;
    } else if (a.size() > 2 && a.rfind("--", 0) == 0) {
      fmt::print(err, "hanabi: unknown option {}\n", a);
      return std::nullopt;
    } else {
      o.positional.push_back(a);
    }
  }
  return o;
}

}  // namespace

std::string usage_text() { return usage_message(); }

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h" || args[0] == "help")) {
    out << usage_message();
    return ok;
  }
  auto parsed = parse(args, err);
  if (!parsed) return usage;
  auto& o = *parsed;
  if (o.positional.empty()) {
    err << usage_message();
    return usage;
  }
  const auto& command = o.positional[0];
  if (command == "selftest") return selftest(out, err);
  if (o.node_url.empty()) {
    fmt::print(err, "hanabi: no node given (--node URL or HANABI_NODE)\n");
    return usage;
  }
  if (auto url = detail::parse_endpoint_url(o.node_url); !url) {
    fmt::print(err, "hanabi: invalid node URL: {}\n", url.error().diag.best_message());
    return bad_url;
  }
  using handler = asio::awaitable<int> (*)(asio::io_context&, const options&, std::ostream&, std::ostream&);
  handler h = command == "node"      ? &node_command
              : command == "load"    ? &load_command
              : command == "decode"  ? &decode_command
              : command == "players" ? &players_command
              : command == "events"  ? &events_command
                                     : nullptr;
  if (!h) {
    fmt::print(err, "hanabi: unknown command '{}' (see hanabi --help)\n", command);
    return usage;
  }
  return run_io([&](asio::io_context& ioc) { return h(ioc, o, out, err); }, err);
}

}  // namespace hanabi::cli
