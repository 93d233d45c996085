// The parent bot alone (no children) on an offline gateway and one Lavalink node (the bundled
// fake node): bot::parent_bot as `hanabi-bot --offline` runs it, for the router's e2e tests of
// the parent's own sessions. offline_bots.hpp adds the children as processes.
//
// Threading: everything runs on the io_context given; build, use and destroy it on the thread
// that runs that io_context (or while it is not running).
#pragma once

#include "offline_gateway.hpp"

#include "../core/parent_bot.hpp"

#include <hanabi/storage/memory_store.hpp>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace bot::offline {

struct offline_parent_options {
  offline_options bot{.name = "hanabi", .self = hanabi::user_id{901}, .print = {}};
  /// The Lavalink node, e.g. fake_node::base_url().
  std::string node_url;
  permissions rules{};
  /// A session with nothing playing this long leaves.
  std::chrono::milliseconds inactivity_timeout{std::chrono::minutes{5}};
  /// Saved playlists (must outlive the parent); null: an in-memory store of the parent's own, so
  /// the demo needs no file.
  hanabi::storage::store* store = nullptr;
  /// How long a /search menu accepts a pick.
  std::chrono::milliseconds search_timeout{std::chrono::seconds{30}};
  /// How often the now-playing messages are refreshed between events.
  std::chrono::milliseconds now_playing_interval{std::chrono::seconds{15}};
};

class offline_parent {
 public:
  offline_parent(boost::asio::io_context& io, std::shared_ptr<voice_world> world, offline_parent_options options);
  /// Ends every session and stops the node. Run the io_context a little afterwards, before
  /// destroying this object: the sessions' last voice updates and player deletions are queued there.
  void shutdown();
  /// shutdown(), if it was not called.
  ~offline_parent();
  offline_parent(const offline_parent&) = delete;
  offline_parent& operator=(const offline_parent&) = delete;

  /// True once the node is connected and accepts players, and the parent takes commands.
  bool ready() const { return parent_.ready(); }

  offline_gateway& gateway() noexcept { return gateway_; }
  hanabi::session_manager& manager() noexcept { return parent_.manager(); }

 private:
  offline_gateway gateway_;
  hanabi::storage::memory_store own_store_;
  parent_bot parent_;
};

}  // namespace bot::offline
