#include "offline_parent.hpp"

#include <utility>

namespace bot::offline {

namespace {

// The parent alone (no children), on one node, with the options' rules and timeouts.
parent_bot_options parent_options(const offline_parent_options& o, hanabi::storage::store& own_store) {
  parent_bot_options p;
  p.config.parent.name = o.bot.name;
  p.config.dj_role = o.rules.dj_role;
  p.config.owner = o.rules.owner;
  p.config.inactivity_timeout = o.inactivity_timeout;
  p.config.now_playing_interval = o.now_playing_interval;
  hanabi::node_config node;
  node.name = "fake";
  node.url = o.node_url;
  node.password = hanabi::secret{"youshallnotpass"};
  node.user = o.bot.self;
  node.log = hanabi::logger::none();
  p.nodes = {std::move(node)};
  p.store = o.store ? o.store : &own_store;
  p.passthrough_prefixes = {"fake:"};  // the fake node's catalogue: fake:track:x, fake:playlist:n
  p.search_timeout = o.search_timeout;
  return p;
}

}  // namespace

offline_parent::offline_parent(boost::asio::io_context& io, std::shared_ptr<voice_world> world,
                               offline_parent_options options)
    : gateway_(io.get_executor(), std::move(world), options.bot),
      own_store_(io.get_executor()),
      parent_(io, gateway_, parent_options(options, own_store_)) {
  parent_.start([](hanabi::error_code) {});  // an in-memory store always reads
}

offline_parent::~offline_parent() { shutdown(); }

void offline_parent::shutdown() { parent_.shutdown({}); }

}  // namespace bot::offline
