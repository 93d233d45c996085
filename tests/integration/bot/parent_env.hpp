// The parent bot end to end, for the router's scenarios: script lines through the offline
// gateway, a real node client against the fake Lavalink node on loopback, saved playlists in a
// real SQLite file, and ways to read the rendered replies and the player state at the node.
#pragma once

#include "answers.hpp"
#include "offline/offline_parent.hpp"
#include "offline/script_runner.hpp"

#include <hanabi/storage/sqlite_store.hpp>
#include <hanabi/testing/fake_node.hpp>

#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace bot_test {

using namespace std::chrono_literals;

struct parent_settings {
  bot::permissions rules{};
  std::chrono::milliseconds inactivity = std::chrono::minutes{5};
  std::chrono::milliseconds search_timeout = std::chrono::seconds{30};
  std::chrono::milliseconds now_playing_interval = std::chrono::seconds{15};
};

// A database file of its own per environment, removed with it.
inline std::filesystem::path fresh_database() {
  static std::atomic<int> made{0};
  auto path = std::filesystem::temp_directory_path() / fmt::format("hanabi-bot-{}-{}.db", ::getpid(), ++made);
  std::filesystem::remove(path);
  return path;
}

struct parent_env {
  hanabi::testing::fake_node node;
  boost::asio::io_context io;
  std::filesystem::path database = fresh_database();
  std::unique_ptr<hanabi::storage::sqlite_store> store;
  std::shared_ptr<bot::offline::voice_world> world = std::make_shared<bot::offline::voice_world>();
  std::string printed;
  std::optional<bot::offline::offline_parent> parent;
  std::optional<bot::offline::script_runner> runner;
  std::uint64_t last_ = 0;  // the interaction of the last line command() ran

  explicit parent_env(parent_settings settings = {}) {
    node.start();
    hanabi::storage::sqlite_store_config store_config;
    store_config.path = database.string();
    store_config.log = hanabi::logger::none();
    auto opened = hanabi::storage::sqlite_store::open(io.get_executor(), store_config);
    REQUIRE(opened);
    store = std::move(*opened);
    bot::offline::offline_parent_options o;
    o.bot.print = [this](std::string_view text) { printed.append(text).append("\n"); };
    o.node_url = node.base_url();
    o.rules = settings.rules;
    o.inactivity_timeout = settings.inactivity;
    o.store = store.get();
    o.search_timeout = settings.search_timeout;
    o.now_playing_interval = settings.now_playing_interval;
    parent.emplace(io, world, std::move(o));
    runner.emplace("hanabi", std::map<std::string, bot::offline::offline_gateway*>{{"hanabi", &parent->gateway()}});
    REQUIRE(run_until([&] { return parent->ready(); }));
  }
  ~parent_env() {
    runner.reset();
    parent->shutdown();
    io.run_for(200ms);
    parent.reset();
    store.reset();
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(database.string() + suffix);
  }
  parent_env(const parent_env&) = delete;
  parent_env& operator=(const parent_env&) = delete;

  bool run_until(const std::function<bool()>& done) {
    const auto limit = std::chrono::steady_clock::now() + 20s;
    while (!done()) {
      if (std::chrono::steady_clock::now() > limit) return false;
      io.run_for(2ms);
    }
    return true;
  }

  bot::offline::offline_gateway& gateway() { return parent->gateway(); }

  // Runs one script line (a command or a component) and answers its final reply, as text: the
  // reply to the interaction this line opened (a deferred answer counts once its edit arrives).
  std::string command(const std::string& line) {
    last_ = answered_interaction(*runner, gateway(), line, [this](const auto& done) { return run_until(done); });
    return bot::to_text(last_reply());
  }
  const bot::message& last_reply() { return gateway().replies().at(last_); }
  std::uint64_t last_interaction() const { return last_; }
  bool last_was_deferred() { return gateway().deferred().count(last_) == 1; }

  std::optional<hanabi::testing::player_view> player(std::int64_t guild = 1) {
    for (auto& s : node.sessions())
      if (auto p = node.player(s.id, guild)) return p;
    return std::nullopt;
  }
  // The title of the track the node plays, or empty.
  std::string playing() {
    auto p = player();
    return p && p->track ? p->track->info.title : std::string{};
  }
  std::uint64_t loads() {
    auto counters = node.counters();
    auto it = counters.rest_calls.find("GET /v4/loadtracks");
    return it == counters.rest_calls.end() ? 0 : it->second;
  }
};

inline bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace bot_test
