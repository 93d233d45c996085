// The Lavalink side of one bot process: a hanabi::node per configured node and the node pool that
// places the bot's players on them. Each process (parent and children) has its own, because a
// Lavalink session belongs to one Discord bot user (`User-Id`).
//
// Threading: construct, use and destroy on the thread that runs the io_context; the pool runs
// on a strand of it.
#pragma once

#include "config.hpp"
#include "render.hpp"

#include <hanabi/logger.hpp>
#include <hanabi/node/node.hpp>
#include <hanabi/node/node_pool.hpp>
#include <hanabi/session/local_session.hpp>
#include <hanabi/storage/records.hpp>

#include <boost/asio/io_context.hpp>

#include <functional>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

namespace hanabi::storage {
class store;
}

namespace bot {

/// The node configs of `bot` (user id `self`) for the configured nodes. Each is named
/// "<bot>/<node>": processes sharing one store keep their Lavalink sessions apart.
std::vector<hanabi::node_config> node_configs(const bot_config& config, const secrets& s, std::string_view bot,
                                              hanabi::user_id self, hanabi::logger log);

class bot_nodes {
 public:
  /// Starts every node. With a store, the Lavalink sessions stored for them are read first: each
  /// node resumes its own and saves its new one whenever it is ready, so a restarted process finds
  /// its players (a store that cannot be read: new sessions). The store must outlive this object.
  bot_nodes(boost::asio::io_context& io, std::vector<hanabi::node_config> nodes, hanabi::logger log,
            hanabi::storage::store* store = nullptr);
  /// stop().
  ~bot_nodes();
  bot_nodes(const bot_nodes&) = delete;
  bot_nodes& operator=(const bot_nodes&) = delete;

  hanabi::node_pool& pool() noexcept { return pool_; }
  /// Resolves queries on the nodes in configured order (the next when one cannot answer). Until
  /// the nodes run (their stored sessions are still being read) it fails with no_node_available.
  hanabi::track_loader loader() const;
  /// True once a node accepts players.
  bool ready() const;
  /// Runs `f` on the pool's strand once ready() (checked every few milliseconds).
  void when_ready(std::function<void()> f);
  /// The rows of /nodes.
  std::vector<node_row> rows() const;
  /// Stops every node. Idempotent.
  void stop();

 private:
  void run(std::vector<hanabi::node_config> nodes, hanabi::storage::store* store,
           const std::vector<hanabi::storage::node_session>& stored);

  boost::asio::io_context& io_;
  hanabi::logger log_;
  hanabi::node_pool pool_;
  std::vector<std::shared_ptr<hanabi::node>> nodes_;
  // What loader() calls: set once the nodes run; sessions call it from their own strands.
  struct current_loader {
    std::mutex mutex;
    hanabi::track_loader load = hanabi::load_tracks_from(std::vector<std::shared_ptr<hanabi::node>>{});
  };
  std::shared_ptr<current_loader> loader_ = std::make_shared<current_loader>();
  bool stopped_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // expires with this object, before a late read
};

}  // namespace bot
