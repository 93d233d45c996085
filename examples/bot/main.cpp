// hanabi-bot: the reference music bot (see the README's "The reference bot" and bot.example.toml).
//
//   hanabi-bot --config bot.toml                 the parent bot: it spawns and supervises the
//                                                children listed in the config
//   hanabi-bot --child NAME --config bot.toml    one child bot (the parent runs these)
//   hanabi-bot --config bot.toml --check [--child NAME]
//                                                validate the config and its secrets, then exit
//   hanabi-bot --offline [--script FILE]         the parent and two child processes against the
//                                                bundled fake Lavalink node, Discord simulated,
//                                                no tokens; commands come from FILE or stdin
//
// All bot logic is in core/ (parent_bot, child_bot) and offline/; this file only picks the
// gateway and runs the io_context. Talking to Discord goes through one function,
// discord_gateway() below: the seam where the DPP adapter plugs in.
//
// Exit codes: 0 success, 1 runtime failure, 2 bad config (or a missing secret), 3 bad command
// line (or a child refused by its parent), 4 an offline script had lines that did not run.
#include "core/child_bot.hpp"
#include "core/instance_claim.hpp"
#include "core/config.hpp"
#include "core/parent_bot.hpp"
#include "offline/offline_bots.hpp"
#include "offline/script_runner.hpp"
#include "offline/sim_gateway.hpp"
#ifdef HANABI_BOT_WITH_DPP
#  include "dpp/dpp_gateway.hpp"
#endif

#include <hanabi/testing/fake_node.hpp>
#include <hanabi/version.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_future.hpp>

#include <fmt/format.h>

#include <unistd.h>

#include <charconv>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;

enum exit_code : int { ok = 0, runtime_failure = 1, bad_config = 2, bad_usage = 3, bad_script = 4 };

constexpr const char* usage = R"(usage:
  hanabi-bot --config FILE [--offline-discord HOST:PORT]
      Run the parent bot; it spawns and supervises the children of FILE, recovering the
      sessions it had when it stopped or died. With --offline-discord, Discord is a simulation
      at HOST:PORT (the tests' own), for the parent and its children alike.
  hanabi-bot --child NAME --config FILE [--offline-discord HOST:PORT]
      Run child NAME of FILE (the parent does this). With --offline-discord, Discord is the
      simulation of a `hanabi-bot --offline` parent at HOST:PORT.
  hanabi-bot --config FILE --check [--child NAME]
      Validate FILE and the secrets the parent (or child NAME) needs, then exit.
  hanabi-bot --offline [--script FILE]
      Run the parent and two child processes against a bundled fake Lavalink node, with
      Discord simulated and no tokens. Commands are read from FILE, or from standard input,
      one per line:
        /play query:"emusearch:lofi" user:11 voice:101
        @child-1 button:np_skip user:11
        wait 2s
  hanabi-bot --help | --version

The store ([storage] of FILE) is a SQLite file by default (path = "hanabi.db"), or a Redis server
for bots on several hosts (kind = "redis", host/port or unix_socket, password_env, key_prefix,
claim_lease); see bot.example.toml.

exit codes: 0 ok, 1 runtime failure, 2 bad config or missing secret, 3 bad command line or a
            child refused by its parent, 4 an offline script had lines that did not run
)";

struct options {
  std::optional<std::string> config;
  std::optional<std::string> child;
  std::optional<std::string> script;
  std::optional<std::string> offline_discord;
  bool offline = false;
  bool check = false;
  bool help = false;
  bool version = false;
};

// Every flag, or the reason the command line is wrong.
std::optional<options> parse_options(int argc, char** argv, std::string& error) {
  options o;
  std::vector<std::string> args(argv + 1, argv + argc);
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::optional<std::string>& into) {
      if (i + 1 >= args.size()) return error = a + " needs a value", false;
      into = args[++i];
      return true;
    };
    if (a == "--help" || a == "-h") o.help = true;
    else if (a == "--version") o.version = true;
    else if (a == "--offline") o.offline = true;
    else if (a == "--check") o.check = true;
    else if (a == "--config") { if (!value(o.config)) return std::nullopt; }
    else if (a == "--child") { if (!value(o.child)) return std::nullopt; }
    else if (a == "--script") { if (!value(o.script)) return std::nullopt; }
    else if (a == "--offline-discord") { if (!value(o.offline_discord)) return std::nullopt; }
    else return error = "unknown argument " + a, std::nullopt;
  }
  if (o.help || o.version) return o;
  if (o.offline && (o.check || o.child || o.config || o.offline_discord))
    return error = "--offline runs every bot itself, with no config: no --config, --check, --child or --offline-discord", std::nullopt;
  if (!o.offline && o.script) return error = "--script goes with --offline", std::nullopt;
  if (!o.offline && !o.config) return error = "give --config FILE, or --offline", std::nullopt;
  if (o.offline_discord && o.check) return error = "--offline-discord goes with --config or --child, not --check", std::nullopt;
  return o;
}

struct loaded {
  bot::bot_config config;
  bot::secrets secrets;
};

// The config and the secrets of the process that runs `who`, or the message and exit code.
std::optional<loaded> load(const std::string& file, const std::optional<std::string>& who, int& code) {
  auto fail = [&](const bot::config_error& e) {
    fmt::print(stderr, "{}\n", e.what());
    code = bad_config;
    return std::nullopt;
  };
  auto config = bot::load_config(file);
  if (!config) return fail(config.error());
  auto env = bot::load_environment(config->env_file);
  if (!env) return fail(env.error());
  auto secrets = bot::resolve_secrets(*config, *env, who.value_or(config->parent.name));
  if (!secrets) return fail(secrets.error());
  return loaded{std::move(*config), std::move(*secrets)};
}

// --check: the config, then the secrets of the process that would run.
int check_config(const options& o) {
  int code = ok;
  auto l = load(*o.config, o.child, code);
  if (!l) return code;
  const auto& c = l->config;
  fmt::print("{}: ok ({} with {} child{}, {} node{})\n", *o.config, o.child.value_or(c.parent.name), c.children.size(),
             c.children.size() == 1 ? "" : "ren", c.nodes.size(), c.nodes.size() == 1 ? "" : "s");
  return ok;
}

// This executable, for the children the parent spawns.
std::string self_program(const char* argv0) {
  std::error_code ec;
  auto exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string(argv0) : exe.string();
}

// The gateway of bot `name` (the parent or a child) on the real Discord, made the same way for
// both; `ready` runs on the executor once the gateway knows its own user (Discord's READY). Without
// DPP (HANABI_BOT_WITH_DPP unset) the build has no Discord adapter: it says so and returns null.
std::unique_ptr<bot::gateway> discord_gateway(asio::any_io_executor ex, const std::string& name,
                                              const hanabi::secret& token, bool parent, std::function<void()> ready) {
#ifdef HANABI_BOT_WITH_DPP
  auto gw = std::make_unique<bot::dpp_adapter::dpp_gateway>(
      std::move(ex), bot::dpp_adapter::dpp_gateway_config{.name = name, .token = std::string(token.reveal()), .parent = parent});
  gw->start(std::move(ready));
  return gw;
#else
  (void)ex, (void)token, (void)parent, (void)ready;
  fmt::print(stderr, "hanabi-bot: {} cannot connect to Discord: this build has no Discord adapter (DPP was not "
                     "found; see the README). Try --offline.\n", name);
  return nullptr;
#endif
}

// Stops `io` on SIGINT/SIGTERM after `stop` finished; `stop(done)` must call done.
void on_signals(asio::io_context& io, asio::signal_set& signals, std::function<void(std::function<void()>)> stop) {
  signals.async_wait([&io, stop = std::move(stop)](hanabi::error_code ec, int) {
    if (ec) return;
    stop([&io] { io.stop(); });
  });
}

// HOST:PORT, or empty.
std::optional<std::pair<std::string, unsigned short>> host_port(std::string_view v) {
  auto colon = v.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  unsigned short port = 0;
  auto digits = v.substr(colon + 1);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (ec != std::errc{} || end != digits.data() + digits.size() || port == 0) return std::nullopt;
  return std::pair{std::string(v.substr(0, colon)), port};
}

// The gateway of bot `name` on the simulated Discord at --offline-discord HOST:PORT; `failed`
// runs if the simulation refuses it. Null (and said) when the address is not HOST:PORT.
std::unique_ptr<bot::gateway> simulated_gateway(asio::any_io_executor ex, const loaded& l, const std::string& name,
                                                std::string_view where, const hanabi::logger& log,
                                                std::function<void()> ready, std::function<void()> failed) {
  auto at = host_port(where);
  if (!at) return fmt::print(stderr, "hanabi-bot: --offline-discord takes HOST:PORT\n"), nullptr;
  auto sim = std::make_unique<bot::offline::sim_gateway>(
      std::move(ex), bot::offline::sim_gateway_options{.name = name,
                                                       .self = *bot::offline::offline_user_id(l.config, name),
                                                       .host = at->first,
                                                       .port = at->second,
                                                       .token = l.secrets.control,
                                                       .request_timeout = std::chrono::seconds{10},
                                                       .log = log});
  sim->start(std::move(ready), [log, failed = std::move(failed)](hanabi::error_code ec) {
    log.error("the simulated Discord refused this bot: {}", ec.message());
    failed();
  });
  return sim;
}

// --config FILE: the parent on Discord (or its simulation), running the children of the config.
int run_parent(const options& o, const char* argv0) {
  int code = ok;
  auto l = load(*o.config, std::nullopt, code);
  if (!l) return code;
  asio::io_context io(1);
  const hanabi::logger log{hanabi::log_level::info, {}, l->config.parent.name};
  std::unique_ptr<bot::gateway> gw;
  std::unique_ptr<bot::parent_bot> parent;
  const std::string program = self_program(argv0), config_file = *o.config;
  auto ready = [&] {
    auto run_child = [program, config_file, sim = o.offline_discord](const std::string& name) {
      hanabi::child_program p{.name = name, .program = program, .args = {"--child", name, "--config", config_file}, .env = {}};
      if (sim) p.args.insert(p.args.end(), {"--offline-discord", *sim});
      return p;
    };
    parent = std::make_unique<bot::parent_bot>(
        io, *gw,
        bot::parent_bot_options{.config = l->config, .secrets = l->secrets, .child_program = run_child, .nodes = {},
                                .search_prefix = "ytsearch:", .log = log});
    // Its own sessions first, then the children (who bring theirs).
    parent->start([&](hanabi::error_code) {
      auto endpoint = parent->listen();
      if (!endpoint) {
        log.error("the control link cannot listen: {}", endpoint.error().what());
        code = runtime_failure;
        return io.stop();
      }
      if (auto spawned = parent->spawn_children(); !spawned) log.error("a child cannot be spawned: {}", spawned.error().what());
    });
  };
  const auto& name = l->config.parent.name;
  gw = o.offline_discord ? simulated_gateway(io.get_executor(), *l, name, *o.offline_discord, log, ready, [&] {
    code = bad_usage;
    io.stop();
  })
                         : discord_gateway(io.get_executor(), name, l->secrets.token, true, ready);
  if (!gw) return runtime_failure;
  asio::signal_set signals(io, SIGINT, SIGTERM);
  on_signals(io, signals, [&](std::function<void()> done) {
    if (!parent) return done();
    parent->shutdown(std::move(done));
  });
  io.run();
  return code;
}

// --child NAME: one child, on Discord or on the simulation of an offline parent.
int run_child(const options& o) {
  int code = ok;
  auto l = load(*o.config, o.child, code);
  if (!l) return code;
  const std::string& name = *o.child;
  if (name == l->config.parent.name)
    return fmt::print(stderr, "hanabi-bot: {} is the parent: run it with --config alone\n", name), bad_usage;
  asio::io_context io(1);
  const hanabi::logger log{hanabi::log_level::warn, {}, name};
  std::unique_ptr<bot::gateway> gw;
  std::unique_ptr<bot::child_bot> child;
  // An older process of this child may still play (its parent died and was restarted): wait for
  // it. A Redis lease lost meanwhile means another process may take the name: this one stops.
  auto claim = bot::instance_claim::wait(l->config, l->secrets, name, log, [&] {
    asio::post(io, [&] {
      if (child) return child->stop();  // its end stops io
      code = runtime_failure;           // lost before the child was up: nothing to end but the process
      io.stop();
    });
  });
  if (!claim) return fmt::print(stderr, "hanabi-bot: {}\n", claim.error().what()), runtime_failure;
  auto ready = [&] {
    child = std::make_unique<bot::child_bot>(
        io, *gw, bot::child_bot_options{.config = l->config, .secrets = l->secrets, .name = name, .search_prefix = "ytsearch:", .log = log});
    child->start([&](bot::child_end how) {
      code = static_cast<int>(how);
      io.stop();
    });
  };
  gw = o.offline_discord ? simulated_gateway(io.get_executor(), *l, name, *o.offline_discord, log, ready, [&] {
    code = bad_usage;
    io.stop();
  })
                         : discord_gateway(io.get_executor(), name, l->secrets.token, false, ready);
  if (!gw) return runtime_failure;
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](hanabi::error_code ec, int) {
    if (ec) return;
    if (child) return child->stop();  // its end stops io
    io.stop();
  });
  io.run();
  return code;
}

// Runs the script's lines on `io`, read by a thread of their own: the bots keep running while the
// console waits for the next line or a `wait` line lets time pass. Returns the lines that did not
// run; returns once the script has ended and `io` has nothing left to do.
int run_script(asio::io_context& io, bot::offline::script_runner& runner, std::istream& in, const std::string& name,
               std::function<void()> on_end) {
  auto guard = asio::make_work_guard(io);
  int failures = 0;  // touched on io's thread only
  std::thread reader([&] {
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
      auto wait = asio::post(io, asio::use_future([&, number, line] {
        auto r = runner.run(line);
        if (r) return *r;
        ++failures;
        fmt::print(stderr, "{}:{}: {}\n", name, number, r.error().diag.best_message());
        return std::chrono::milliseconds{0};
      }));
      std::this_thread::sleep_for(wait.get());
    }
    asio::post(io, [&guard, &on_end] {
      guard.reset();
      on_end();
    });
  });
  io.run();
  reader.join();
  return failures;
}

// --offline: the parent and two child processes against the bundled fake node, Discord simulated.
int run_offline(const options& o, const char* argv0) {
  std::ifstream file;
  if (o.script) {
    file.open(*o.script);
    if (!file) return fmt::print(stderr, "{}: cannot be read\n", *o.script), bad_usage;
  }
  hanabi::testing::fake_node node;
  const auto port = node.start();
  fmt::print("fake Lavalink node on 127.0.0.1:{}\n", port);

  asio::io_context io(1);
  const fs::path dir = fs::temp_directory_path() / fmt::format("hanabi-bot-offline-{}", ::getpid());
  bot::offline::offline_bots bots(io, {.program = self_program(argv0),
                                       .dir = dir,
                                       .node_port = port,
                                       .children = 2,
                                       .inactivity_timeout = std::chrono::seconds{300},
                                       .rules = {},
                                       .print = {},
                                       .log = hanabi::logger{hanabi::log_level::error, {}, "offline"}});
  auto cleanup = [&] {
    std::error_code ec;
    fs::remove_all(dir, ec);
  };
  if (auto started = bots.start(); !started) {
    fmt::print(stderr, "hanabi-bot: {}\n", started.error().what());
    return cleanup(), runtime_failure;
  }
  // A hang guard, not a speed requirement: spawning two processes on a loaded machine takes time.
  const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds{60};
  while (!bots.ready() && std::chrono::steady_clock::now() < limit) io.run_for(std::chrono::milliseconds{5});
  if (!bots.ready()) {
    fmt::print(stderr, "hanabi-bot: the children or the fake node did not come up\n");
    bool stopped = false;
    bots.shutdown([&] { stopped = true; });
    while (!stopped) io.run_for(std::chrono::milliseconds{5});
    return cleanup(), runtime_failure;
  }
  fmt::print("hanabi, child-1 and child-2 are up\n");

  bot::offline::script_runner runner("hanabi", bots.gateways());
  asio::steady_timer grace(io);
  std::istream& in = o.script ? static_cast<std::istream&>(file) : std::cin;
  const int failures = run_script(io, runner, in, o.script.value_or("stdin"), [&] {
    // The children stop, the parent's sessions leave; then its last player deletions and
    // farewells get a moment.
    bots.shutdown([&] {
      grace.expires_after(std::chrono::milliseconds{300});
      grace.async_wait([&io](hanabi::error_code) { io.stop(); });
    });
  });
  node.stop();
  cleanup();
  return failures == 0 ? ok : bad_script;
}

}  // namespace

int main(int argc, char** argv) {
  std::string error;
  auto o = parse_options(argc, argv, error);
  if (!o) return fmt::print(stderr, "hanabi-bot: {}\n\n{}", error, usage), bad_usage;
  if (o->help) return fmt::print("{}", usage), ok;
  if (o->version) return fmt::print("hanabi-bot {}\n", hanabi::version), ok;
  try {
    if (o->offline) return run_offline(*o, argv[0]);
    if (o->check) return check_config(*o);
    if (o->child) return run_child(*o);
    return run_parent(*o, argv[0]);
  } catch (const std::exception& e) {
    fmt::print(stderr, "hanabi-bot: {}\n", e.what());
    return runtime_failure;
  }
}
