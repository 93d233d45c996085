#include "offline_parent.hpp"

#include <boost/asio/strand.hpp>

#include <utility>

namespace bot::offline {

namespace {

std::shared_ptr<hanabi::node> make_node(boost::asio::io_context& io, const offline_parent_options& o) {
  hanabi::node_config c;
  c.name = "fake";
  c.url = o.node_url;
  c.password = hanabi::secret{"youshallnotpass"};
  c.user = o.bot.self;
  c.log = hanabi::logger::none();
  return std::make_shared<hanabi::node>(io.get_executor(), c);
}

hanabi::pool_config quiet_pool() {
  hanabi::pool_config c;
  c.log = hanabi::logger::none();
  return c;
}

hanabi::session_manager_config manager_config(const offline_parent_options& o) {
  hanabi::session_manager_config c;
  c.name = o.bot.name;
  c.log = hanabi::logger::none();
  return c;
}

// The pool has the one node; its stats are read on the io_context, the node's executor.
std::vector<node_row> node_rows(const hanabi::node_pool& pool, const hanabi::node& node) {
  std::vector<node_row> rows;
  for (const auto& n : pool.stats().nodes) rows.push_back(make_node_row(n, node.stats()));
  return rows;
}

}  // namespace

offline_parent::offline_parent(boost::asio::io_context& io, std::shared_ptr<voice_world> world,
                               offline_parent_options options)
    : gateway_(io.get_executor(), std::move(world), options.bot),
      pool_(boost::asio::make_strand(io), quiet_pool()),
      node_(make_node(io, options)),
      own_store_(io.get_executor()),
      local_(pool_, gateway_,
             {.bot_name = options.bot.name,
              .search_prefix = "ytsearch:",
              .passthrough_prefixes = {"fake:"},  // the fake node's catalogue: fake:track:x, fake:playlist:n
              .inactivity_timeout = options.inactivity_timeout,
              .load_tracks = hanabi::load_tracks_from(node_),
              .log = hanabi::logger::none()}),
      manager_(io.get_executor(), manager_config(options), local_.factory(), {}),
      router_(gateway_, manager_,
              {.rules = options.rules,
               .nodes = [this] { return node_rows(pool_, *node_); },
               .store = options.store ? options.store : &own_store_,
               .load_tracks = hanabi::load_tracks_from(node_),
               .search_timeout = options.search_timeout,
               .now_playing_interval = options.now_playing_interval}) {
  node_->async_run([](hanabi::error_code) {});
  pool_.add_node(node_);
  router_.start({.on_voice_state = [this](const hanabi::voice_state_update& u) { local_.on_voice_state(u); },
                 .on_voice_server = [this](const hanabi::voice_server_update& u) { local_.on_voice_server(u); }});
}

offline_parent::~offline_parent() { shutdown(); }

void offline_parent::shutdown() {
  for (auto& s : manager_.sessions())
    if (auto local = std::dynamic_pointer_cast<hanabi::local_session>(s)) local->close(hanabi::close_reason::shutdown);
  manager_.stop();
  node_->cancel();
}

bool offline_parent::ready() const {
  auto s = pool_.stats();
  return !s.nodes.empty() && s.nodes.front().available;
}

}  // namespace bot::offline
