#include "bot_nodes.hpp"

#include <hanabi/session/recovery.hpp>
#include <hanabi/storage/store.hpp>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <fmt/format.h>

#include <chrono>

namespace bot {

std::vector<hanabi::node_config> node_configs(const bot_config& config, const secrets& s, std::string_view bot,
                                              hanabi::user_id self, hanabi::logger log) {
  std::vector<hanabi::node_config> out;
  for (const auto& n : config.nodes) {
    hanabi::node_config c;
    c.name = fmt::format("{}/{}", bot, n.name);
    c.url = fmt::format("{}://{}:{}", n.tls ? "https" : "http", n.host, n.port);
    if (auto it = s.node_passwords.find(n.name); it != s.node_passwords.end()) c.password = it->second;
    c.user = self;
    c.log = log.with_prefix(n.name);
    out.push_back(std::move(c));
  }
  return out;
}

namespace {

hanabi::pool_config pool_settings(const hanabi::logger& log) {
  hanabi::pool_config c;
  c.log = log.with_prefix("pool");
  return c;
}

}  // namespace

bot_nodes::bot_nodes(boost::asio::io_context& io, std::vector<hanabi::node_config> nodes, hanabi::logger log,
                     hanabi::storage::store* store)
    : io_(io), log_(std::move(log)), pool_(boost::asio::make_strand(io), pool_settings(log_)) {
  if (!store) {
    run(std::move(nodes), nullptr, {});
    return;
  }
  auto diag = std::make_shared<hanabi::diagnostics>();
  store->async_load_node_sessions(
      *diag, boost::asio::bind_executor(io.get_executor(), [this, alive = std::weak_ptr<bool>(alive_), diag, store,
                                                            nodes = std::move(nodes)](
                                                               hanabi::error_code ec,
                                                               std::vector<hanabi::storage::node_session> stored) mutable {
        if (alive.expired() || stopped_) return;
        if (ec) log_.warn("stored Lavalink sessions cannot be read ({}): starting new ones", diag->best_message());
        run(std::move(nodes), store, stored);
      }));
}

void bot_nodes::run(std::vector<hanabi::node_config> nodes, hanabi::storage::store* store,
                    const std::vector<hanabi::storage::node_session>& stored) {
  for (auto& c : nodes) {
    if (store) hanabi::resume_stored_session(c, stored);
    auto n = std::make_shared<hanabi::node>(io_.get_executor(), c);
    if (store) hanabi::keep_node_session(*n, *store, log_);
    n->async_run([log = log_, name = c.name](hanabi::error_code ec) { log.info("node {} stopped: {}", name, ec.message()); });
    pool_.add_node(n);
    nodes_.push_back(std::move(n));
  }
  std::lock_guard lock(loader_->mutex);
  loader_->load = hanabi::load_tracks_from(nodes_);
}

hanabi::track_loader bot_nodes::loader() const {
  return [current = loader_](std::string identifier, hanabi::diagnostics& diag,
                             boost::asio::any_completion_handler<void(hanabi::error_code, hanabi::protocol::load_result)> h) {
    hanabi::track_loader load;
    {
      std::lock_guard lock(current->mutex);
      load = current->load;
    }
    load(std::move(identifier), diag, std::move(h));
  };
}

bot_nodes::~bot_nodes() { stop(); }

void bot_nodes::stop() {
  stopped_ = true;
  for (auto& n : nodes_) n->cancel();
}

bool bot_nodes::ready() const {
  for (const auto& n : pool_.stats().nodes)
    if (n.available && n.accepting) return true;
  return false;
}

void bot_nodes::when_ready(std::function<void()> f) {
  boost::asio::post(pool_.get_executor(), [this, f = std::move(f)]() mutable {
    if (ready()) return f();
    auto retry = std::make_shared<boost::asio::steady_timer>(pool_.get_executor(), std::chrono::milliseconds(5));
    retry->async_wait([this, retry, f = std::move(f)](hanabi::error_code ec) mutable {
      if (!ec) when_ready(std::move(f));
    });
  });
}

// Read on the io_context, the nodes' executor.
std::vector<node_row> bot_nodes::rows() const {
  std::vector<node_row> rows;
  for (const auto& pooled : pool_.stats().nodes) {
    std::optional<hanabi::protocol::stats> stats;
    for (const auto& n : nodes_)
      if (n->config().name == pooled.name) stats = n->stats();
    rows.push_back(make_node_row(pooled, stats));
  }
  return rows;
}

}  // namespace bot
