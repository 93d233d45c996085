// The bot with its children as real processes, for the e2e tests: `hanabi-bot --offline`'s
// assembly (offline_bots) in the test process — the parent, the simulated Discord, the fake
// Lavalink node — and child-1 and child-2 spawned as `hanabi-bot --child` processes on a SQLite
// file in a temporary directory. Script lines drive it; the tests assert on what every bot
// replied and posted, and on the players at the fake node.
#pragma once

#include "test_data.hpp"
#include "answers.hpp"
#include "offline/offline_bots.hpp"
#include "offline/script_runner.hpp"

#include <hanabi/testing/fake_node.hpp>

#include <catch2/catch.hpp>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace bot_test {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

inline const hanabi::user_id parent_id = bot::offline::offline_user_id(0);
inline const hanabi::user_id child1_id = bot::offline::offline_user_id(1);
inline const hanabi::user_id child2_id = bot::offline::offline_user_id(2);

struct children_env {
  hanabi::testing::fake_node node;
  boost::asio::io_context io;
  fs::path dir;
  std::string printed;
  std::optional<bot::offline::offline_bots> bots;
  std::optional<bot::offline::script_runner> runner;
  std::chrono::seconds inactivity_;
  unsigned short node_port_ = 0;
  bot::offline::offline_gateway* last_gateway_ = nullptr;  // where the last line act() ran was answered
  std::uint64_t last_ = 0;                                // and its interaction there

  explicit children_env(std::chrono::seconds inactivity = std::chrono::seconds{300}) : inactivity_(inactivity) {
    static int serial = 0;
    dir = fs::temp_directory_path() / ("hanabi-bot-children-" + std::to_string(::getpid()) + "-" + std::to_string(++serial));
    node_port_ = node.start();
    start();
  }

  ~children_env() {
    stop();
    std::error_code ec;
    fs::remove_all(dir, ec);
  }


  /// Runs the io_context until `done` (a hang guard of 60 s, not a speed check: children are
  /// processes on a loaded machine).
  bool run_until(const std::function<bool()>& done) {
    const auto limit = std::chrono::steady_clock::now() + 60s;
    while (!done()) {
      if (std::chrono::steady_clock::now() > limit) return false;
      io.run_for(2ms);
    }
    return true;
  }

  void start() {
    bots.emplace(io, bot::offline::offline_bots_options{
                         .program = hanabi::test::binary_dir() / "examples" / "bot" / "hanabi-bot",
                         .dir = dir,
                         .node_port = node_port_,
                         .children = 2,
                         .inactivity_timeout = inactivity_,
                         .rules = {},
                         .print = [this](std::string_view text) { printed.append(text).append("\n"); },
                         .log = hanabi::logger::none()});
    auto started = bots->start();
    INFO((started ? "" : started.error().what()));
    REQUIRE(started);
    REQUIRE(run_until([&] { return bots->ready(); }));
    runner.emplace("hanabi", bots->gateways());
  }

  void stop() {
    runner.reset();
    bool stopped = false;
    bots->shutdown([&] { stopped = true; });
    run_until([&] { return stopped; });
    io.run_for(200ms);
    bots.reset();
  }

  bot::offline::offline_gateway& gateway_of(const std::string& bot) { return *bots->gateways().at(bot); }

  /// Runs a script line for `bot` (a command goes to the parent; `@child-1 ...` presses a button
  /// on child-1's message) and returns that bot's final answer to it, as text.
  std::string act(const std::string& line, const std::string& bot = "hanabi") {
    auto& gw = gateway_of(bot);
    last_ = answered_interaction(*runner, gw, line, [this](const auto& done) { return run_until(done); });
    last_gateway_ = &gw;
    return bot::to_text(last_reply());
  }
  /// The answer to the last line act() ran.
  const bot::message& last_reply() const { return last_gateway_->replies().at(last_); }
  std::string command(const std::string& line) { return act(line); }

  /// The parent busy in <#101> (lofi, for user 11), so that the session of <#102> (user 12's
  /// search for `title`) lives on child-1, playing.
  void parent_and_child1_play(const std::string& title) {
    REQUIRE(command(R"(/play query:"ytsearch:lofi" user:11 voice:101)").find("Playing **lofi") != std::string::npos);
    const auto reply = command(R"(/play query:"ytsearch:)" + title + R"(" user:12 voice:102)");
    REQUIRE(reply.find("Playing **" + title) != std::string::npos);
    REQUIRE(run_until([&] { return plays(child1_id, title); }));
    REQUIRE(bots->parent().manager().find(hanabi::channel_id{102})->bot() == "child-1");
  }

  /// Waits until `text` was printed (by any bot).
  bool printed_eventually(const std::string& text) {
    return run_until([&] { return printed.find(text) != std::string::npos; });
  }

  /// The player of bot `user` in guild 1 at the fake node, in its connected Lavalink session (a
  /// restarted bot may leave its old session waiting for a resume).
  std::optional<hanabi::testing::player_view> player(hanabi::user_id user, std::int64_t guild = 1) {
    for (auto& s : node.sessions())
      if (s.user_id == user.value() && s.connected)
        if (auto p = node.player(s.id, guild)) return p;
    return std::nullopt;
  }
  /// True when bot `user` plays a track whose title contains `title`.
  bool plays(hanabi::user_id user, const std::string& title) {
    auto p = player(user);
    return p && p->track && p->track->info.title.find(title) != std::string::npos;
  }
};

}  // namespace bot_test
