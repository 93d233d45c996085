// hanabi-bot: the reference music bot (see examples/bot/README section of the
// project README and bot.example.toml).
//
//   hanabi-bot --config bot.toml --check     validate the config and its secrets, then exit
//   hanabi-bot --offline [--script FILE]     the parent bot against the bundled fake
//                                            Lavalink node, no Discord and no tokens; commands
//                                            come from FILE or standard input
//
// Exit codes: 0 success, 1 runtime failure, 2 bad config (or a missing secret), 3 bad command
// line, 4 an offline script had lines that did not run.
#include "core/config.hpp"
#include "offline/offline_parent.hpp"
#include "offline/script_runner.hpp"

#include <hanabi/testing/fake_node.hpp>
#include <hanabi/version.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_future.hpp>

#include <fmt/format.h>

#include <chrono>
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

enum exit_code : int { ok = 0, runtime_failure = 1, bad_config = 2, bad_usage = 3, bad_script = 4 };

constexpr const char* usage = R"(usage:
  hanabi-bot --config FILE --check [--child NAME]
      Validate FILE and the secrets the parent (or child NAME) needs, then exit.
  hanabi-bot --offline [--script FILE]
      Run the parent bot against a bundled fake Lavalink node, with no Discord
      and no tokens. Commands are read from FILE, or from standard input, one per line:
        /play query:"emusearch:lofi" user:11 voice:101
        @hanabi button:np_skip user:11
        wait 2s
  hanabi-bot --help | --version

Running against Discord needs the DPP adapter, which this build does not include.

exit codes: 0 ok, 1 runtime failure, 2 bad config or missing secret, 3 bad command line,
            4 an offline script had lines that did not run
)";

struct options {
  std::optional<std::string> config;
  std::optional<std::string> child;
  std::optional<std::string> script;
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
    else return error = "unknown argument " + a, std::nullopt;
  }
  if (o.help || o.version) return o;
  if (o.offline && (o.check || o.child || o.config))
    return error = "--offline runs every bot itself, with no config: no --config, --check or --child", std::nullopt;
  if (!o.offline && o.script) return error = "--script goes with --offline", std::nullopt;
  if (!o.offline && !o.config) return error = "give --config FILE, or --offline", std::nullopt;
  if (o.config && !o.offline && !o.check)
    return error = "this build has no Discord adapter (DPP was not found): use --check to validate a config, "
                   "or --offline",
           std::nullopt;
  return o;
}

// --check: the config, then the secrets of the process that would run.
int check_config(const options& o) {
  auto config = bot::load_config(*o.config);
  if (!config) return fmt::print(stderr, "{}\n", config.error().what()), bad_config;
  auto env = bot::load_environment(config->env_file);
  if (!env) return fmt::print(stderr, "{}\n", env.error().what()), bad_config;
  const std::string who = o.child.value_or(config->parent.name);
  auto secrets = bot::resolve_secrets(*config, *env, who);
  if (!secrets) return fmt::print(stderr, "{}\n", secrets.error().what()), bad_config;
  fmt::print("{}: ok ({} with {} child{}, {} node{})\n", *o.config, who, config->children.size(),
             config->children.size() == 1 ? "" : "ren", config->nodes.size(), config->nodes.size() == 1 ? "" : "s");
  return ok;
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

// The parent bot (every session local to it) against the bundled fake node. The children as
// processes of their own are not wired yet.
int run_offline(const options& o) {
  std::ifstream file;
  if (o.script) {
    file.open(*o.script);
    if (!file) return fmt::print(stderr, "{}: cannot be read\n", *o.script), bad_usage;
  }
  hanabi::testing::fake_node node;
  const auto port = node.start();
  fmt::print("fake Lavalink node on 127.0.0.1:{}\n", port);

  asio::io_context io;
  auto world = std::make_shared<bot::offline::voice_world>();
  bot::offline::offline_parent_options parent_options;
  parent_options.node_url = node.base_url();
  bot::offline::offline_parent parent(io, world, std::move(parent_options));
  const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds{10};
  while (!parent.ready() && std::chrono::steady_clock::now() < limit) io.run_for(std::chrono::milliseconds{5});
  if (!parent.ready()) return fmt::print(stderr, "the fake node did not answer\n"), runtime_failure;

  bot::offline::script_runner runner("hanabi", {{"hanabi", &parent.gateway()}});
  std::istream& in = o.script ? static_cast<std::istream&>(file) : std::cin;
  asio::steady_timer grace(io);
  const int failures = run_script(io, runner, in, o.script.value_or("stdin"), [&] {
    // The sessions leave, then the last voice updates and player deletions get a moment to run.
    parent.shutdown();
    grace.expires_after(std::chrono::milliseconds{300});
    grace.async_wait([&io](hanabi::error_code) { io.stop(); });
  });
  node.stop();
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
    return o->offline ? run_offline(*o) : check_config(*o);
  } catch (const std::exception& e) {
    fmt::print(stderr, "hanabi-bot: {}\n", e.what());
    return runtime_failure;
  }
}
