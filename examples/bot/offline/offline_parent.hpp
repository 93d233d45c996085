// The parent bot of `hanabi-bot --offline`, assembled: an offline gateway, a hanabi node and
// node pool on one Lavalink node (the bundled fake node), the session manager making this bot's
// sessions locally, and the command router. The e2e tests build the same object, so what they
// check is what the demo runs.
//
// Threading: everything runs on the io_context given; build, use and destroy it on the thread
// that runs that io_context (or while it is not running).
#pragma once

#include "offline_gateway.hpp"

#include "../core/local_sessions.hpp"
#include "../core/router.hpp"

#include <hanabi/node/node.hpp>
#include <hanabi/node/node_pool.hpp>
#include <hanabi/session/session_manager.hpp>
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

  /// True once the node is connected and accepts players.
  bool ready() const;

  offline_gateway& gateway() noexcept { return gateway_; }
  hanabi::session_manager& manager() noexcept { return manager_; }

 private:
  offline_gateway gateway_;
  hanabi::node_pool pool_;
  std::shared_ptr<hanabi::node> node_;
  hanabi::storage::memory_store own_store_;
  local_sessions local_;
  hanabi::session_manager manager_;
  router router_;
};

}  // namespace bot::offline
