// An in-memory player_link for tests and benchmarks: it applies update-player
// requests the way Lavalink does (PROTOCOL.md §8, the parts a player relies on)
// and answers only when told to, so a test controls what is in flight.
#pragma once

#include <hanabi/node/node_pool.hpp>
#include <hanabi/player/player.hpp>

#include <boost/asio/append.hpp>
#include <boost/asio/post.hpp>

#include <map>
#include <string>
#include <vector>

namespace hanabi::test {

class fake_link : public pool_node {
 public:
  struct call {
    guild_id guild;
    protocol::update_player body;
    bool no_replace = false;
    asio::any_completion_handler<void(error_code, protocol::player)> handler;
  };

  fake_link(asio::any_io_executor ex, std::string name) : ex_(std::move(ex)), name_(std::move(name)) {}

  const std::string& node_name() const override { return name_; }
  node_load load() const override {
    auto l = stats;
    l.name = name_;
    l.available = !dead;
    return l;
  }

  void update_player(guild_id guild, const protocol::update_player& body, bool no_replace,
                     asio::any_completion_handler<void(error_code, protocol::player)> handler) override {
    ++patches;
    bodies.push_back(body);
    pending.push_back({guild, body, no_replace, std::move(handler)});
    if (auto_answer) answer_all();
  }

  void destroy_player(guild_id guild, asio::any_completion_handler<void(error_code)> handler) override {
    destroyed.push_back(guild);
    players.erase(guild);
    asio::post(ex_, asio::append(std::move(handler), dead ? error_code(error::connection_closed) : error_code{}));
  }

  /// Answers every pending call: applied and 200, or connection_closed when dead.
  void answer_all() {
    auto calls = std::move(pending);
    pending.clear();
    for (auto& c : calls) answer(std::move(c));
  }
  /// The node dies: pending and future calls fail.
  void kill() {
    dead = true;
    auto_answer = true;
    answer_all();
  }
  /// The node comes back, empty (a restarted Lavalink has no players).
  void revive() {
    dead = false;
    players.clear();
  }

  std::map<std::string, protocol::track> catalogue;  // encoded -> track
  node_load stats;
  std::map<guild_id, protocol::player> players;
  std::vector<protocol::update_player> bodies;
  std::vector<call> pending;
  std::vector<guild_id> destroyed;
  std::size_t patches = 0;
  bool auto_answer = false;
  bool dead = false;
  bool fail_patches = false;  // alive, but every PATCH gets a 500

 private:
  void answer(call c) {
    if (dead || fail_patches) {
      error_code ec = dead ? error::connection_closed : error::server_error;
      asio::post(ex_, asio::append(std::move(c.handler), ec, protocol::player{}));
      return;
    }
    auto& p = players[c.guild];
    p.guild_id = c.guild;
    apply(p, c.body, c.no_replace);
    asio::post(ex_, asio::append(std::move(c.handler), error_code{}, p));
  }

  void apply(protocol::player& p, const protocol::update_player& b, bool no_replace) {
    if (b.voice) {
      p.voice = *b.voice;
      p.state.connected = true;
      p.state.ping = 20;
    }
    const bool new_track = b.track && (b.track->encoded.is_present() || b.track->identifier);
    if (!new_track) {
      if (b.paused) p.paused = *b.paused;
      if (b.track && b.track->user_data && p.track) p.track->user_data = *b.track->user_data;
      if (b.position && p.track) p.track->info.position = *b.position;
    }
    if (b.volume) p.volume = *b.volume;
    if (b.filters) p.filters = *b.filters;
    if (!new_track || (no_replace && p.track)) return;
    if (b.track->encoded.is_null()) {
      p.track.reset();
      return;
    }
    p.paused = b.paused.value_or(false);
    auto key = b.track->encoded.has_value() ? *b.track->encoded : *b.track->identifier;
    auto it = catalogue.find(key);
    protocol::track t = it != catalogue.end() ? it->second : protocol::track{key, {}, {}, {}};
    t.info.position = b.position.value_or(0);
    if (b.track->user_data) t.user_data = *b.track->user_data;
    p.track = std::move(t);
  }

  asio::any_io_executor ex_;
  std::string name_;
};

/// A track whose blob is `encoded`, `length_ms` long.
inline protocol::track make_track(std::string encoded, std::int64_t length_ms = 300000) {
  protocol::track t;
  t.encoded = std::move(encoded);
  t.info.identifier = t.encoded;
  t.info.is_seekable = true;
  t.info.length = length_ms;
  t.info.title = "title " + t.encoded;
  return t;
}

}  // namespace hanabi::test
