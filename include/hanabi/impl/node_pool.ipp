// node_pool: placement, failover, parking and drains.
#pragma once

#include <hanabi/node/node_pool.hpp>

#include <boost/asio/append.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <type_traits>

namespace hanabi {

HANABI_DECL node_pool::node_pool(executor_type executor, pool_config cfg)
    : executor_(std::move(executor)), cfg_(std::move(cfg)), selector_(cfg_.selection) {}

// --- Nodes ----------------------------------------------------------------

HANABI_DECL node_pool::node_entry* node_pool::find_node(std::string_view name) {
  auto it = std::find_if(nodes_.begin(), nodes_.end(), [&](const node_entry& e) { return e.node->node_name() == name; });
  return it == nodes_.end() ? nullptr : &*it;
}

HANABI_DECL const node_pool::node_entry* node_pool::find_node(std::string_view name) const {
  return const_cast<node_pool*>(this)->find_node(name);
}

HANABI_DECL void node_pool::add_node(std::shared_ptr<pool_node> node) {
  if (auto* existing = find_node(node->node_name())) {
    existing->node = std::move(node);
    existing->down = false;
  } else {
    node_entry e;
    e.node = std::move(node);
    nodes_.push_back(std::move(e));
  }
  for (auto g : parked_) enqueue({g});
  pump_moves();
}

HANABI_DECL void node_pool::remove_node(std::string_view name) {
  auto it = std::find_if(nodes_.begin(), nodes_.end(), [&](const node_entry& e) { return e.node->node_name() == name; });
  if (it == nodes_.end()) return;
  if (it->on_drained) asio::post(executor_, asio::append(std::move(*it->on_drained), error_code(error::node_shut_down)));
  const std::string removed{name};
  nodes_.erase(it);
  selector_.forget_node(removed);
  enqueue_players_of(removed);
  pump_moves();
}

HANABI_DECL void node_pool::set_accepting(std::string_view name, bool accepting) {
  if (auto* e = find_node(name)) e->accepting = accepting;
}

HANABI_DECL void node_pool::node_down(std::string_view name) {
  auto* e = find_node(name);
  if (!e) return;
  ++node_failures_;
  e->down = true;
  cfg_.log.warn("node {} is down; moving its players", name);
  selector_.forget_node(name);
  enqueue_players_of(name);
  pump_moves();
}

HANABI_DECL void node_pool::node_up(std::string_view name) {
  auto* e = find_node(name);
  if (!e) return;
  e->down = false;
  for (auto g : parked_) enqueue({g});
  pump_moves();
}

HANABI_DECL void node_pool::on_message(std::string_view node, const protocol::ws_message& message) {
  std::visit(
      [&](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, protocol::stats>) {
          selector_.on_stats(node);
        } else if constexpr (requires { m.guild_id; }) {
          auto it = players_.find(m.guild_id);
          if (it == players_.end()) return;
          const auto& link = it->second->link();
          if (link && link->node_name() == node) it->second->on_event(message);
        }
      },
      message);
}

HANABI_DECL std::vector<node_load> node_pool::loads() const {
  std::vector<node_load> out;
  out.reserve(nodes_.size());
  for (const auto& e : nodes_) {
    auto l = e.node->load();
    l.name = e.node->node_name();
    l.available = l.available && !e.down;
    l.accepts_new_players = l.accepts_new_players && e.accepting && !e.draining;
    out.push_back(std::move(l));
  }
  return out;
}

HANABI_DECL std::shared_ptr<pool_node> node_pool::place(guild_id guild, std::string_view voice_endpoint) {
  auto l = loads();
  auto pick = selector_.select(l, {guild, voice_endpoint});
  if (!pick) return nullptr;
  return nodes_[*pick].node;
}

// --- Players --------------------------------------------------------------

HANABI_DECL result<std::shared_ptr<player>> node_pool::create_player(guild_id guild, player_config cfg,
                                                                   std::string_view voice_endpoint) {
  if (auto it = players_.find(guild); it != players_.end()) return it->second;
  auto target = place(guild, voice_endpoint);
  if (!target) return failure{error::no_node_available};
  selector_.confirm(target->node_name());
  auto p = std::make_shared<player>(executor_, guild, std::move(cfg));
  p->attach(target);
  players_.emplace(guild, p);
  return p;
}

HANABI_DECL std::shared_ptr<player> node_pool::find_player(guild_id guild) const {
  auto it = players_.find(guild);
  return it == players_.end() ? nullptr : it->second;
}

HANABI_DECL void node_pool::remove_player(guild_id guild) {
  players_.erase(guild);
  parked_.erase(guild);
  selector_.forget_guild(guild);
  check_drains();
}

// --- Moves ----------------------------------------------------------------

HANABI_DECL bool node_pool::must_move(const player& p) const {
  if (!p.link()) return true;  // parked
  const auto* e = find_node(p.link()->node_name());
  return !e || e->down || e->draining;
}

HANABI_DECL void node_pool::enqueue_players_of(std::string_view name) {
  for (const auto& [guild, p] : players_)
    if (p->link() && p->link()->node_name() == name) enqueue({guild});
}

HANABI_DECL void node_pool::enqueue(move_job job) {
  if (queued_.insert(job.guild).second) move_queue_.push_back(job);
}

HANABI_DECL void node_pool::pump_moves() {
  while (moves_running_ < std::max<std::size_t>(1, cfg_.max_concurrent_moves) && !move_queue_.empty()) {
    auto job = move_queue_.front();
    move_queue_.pop_front();
    start_move(job);
  }
  check_drains();
}

HANABI_DECL void node_pool::start_move(move_job job) {
  auto it = players_.find(job.guild);
  if (it == players_.end() || it->second->destroyed() || (!job.force && !must_move(*it->second))) {
    queued_.erase(job.guild);
    return;
  }
  auto p = it->second;
  std::string_view endpoint = p->voice() ? std::string_view(p->voice()->endpoint) : std::string_view{};
  auto* from_entry = p->link() ? find_node(p->link()->node_name()) : nullptr;
  selector_.forget_guild(job.guild);
  auto target = place(job.guild, endpoint);
  if (!target) {
    // Nowhere to go: keep everything in the player until a node comes up.
    if (from_entry && from_entry->draining) from_entry->drain_parked = true;
    p->park();
    parked_.insert(job.guild);
    queued_.erase(job.guild);
    return;
  }
  std::shared_ptr<pool_node> from = from_entry ? from_entry->node : nullptr;
  if (from_entry) ++from_entry->moving_out;
  ++moves_running_;
  parked_.erase(job.guild);
  p->move_to(target, asio::bind_executor(executor_, [this, job, from, target](error_code ec) {
               on_move_done(job, from, target, ec);
             }));
}

HANABI_DECL void node_pool::on_move_done(move_job job, std::shared_ptr<pool_node> from, std::shared_ptr<pool_node> to,
                                         error_code ec) {
  --moves_running_;
  queued_.erase(job.guild);
  auto* from_entry = from ? find_node(from->node_name()) : nullptr;
  if (from_entry && from_entry->node == from && from_entry->moving_out > 0) --from_entry->moving_out;
  if (!ec) {
    ++moves_;
    selector_.confirm(to->node_name());
    if (auto* to_entry = find_node(to->node_name())) ++to_entry->moved_in;
    if (from_entry && from_entry->node == from) {
      ++from_entry->moved_out;
      // A drained node is alive: remove the old player there. A dead one is left alone.
      if (!from_entry->down) from->destroy_player(job.guild, [](error_code) {});
    }
  } else {
    ++move_failures_;
    selector_.cancel(to->node_name());
    cfg_.log.warn("guild {}: move to {} failed: {}", job.guild, to->node_name(), ec.message());
    auto it = players_.find(job.guild);
    if (it != players_.end() && it->second->link() == to) {
      if (job.attempts + 1 < cfg_.max_move_attempts) {
        enqueue({job.guild, job.attempts + 1, true});
      } else {
        it->second->park();
        parked_.insert(job.guild);
      }
    }
  }
  pump_moves();
}

// --- Drains ---------------------------------------------------------------

HANABI_DECL void node_pool::start_drain(std::string_view name, drain_handler handler) {
  auto* e = find_node(name);
  if (!e) return asio::post(executor_, asio::append(std::move(handler), error_code(error::node_shut_down)));
  e->draining = true;
  e->drain_parked = false;
  if (e->on_drained) asio::post(executor_, asio::append(std::move(*e->on_drained), error_code(error::voice_superseded)));
  e->on_drained.emplace(std::move(handler));
  enqueue_players_of(name);
  pump_moves();
}

HANABI_DECL void node_pool::check_drains() {
  for (auto it = nodes_.begin(); it != nodes_.end();) {
    if (!it->draining || !it->on_drained) {
      ++it;
      continue;
    }
    const auto& name = it->node->node_name();
    const bool busy = it->moving_out > 0 || std::any_of(players_.begin(), players_.end(), [&](const auto& entry) {
                        return entry.second->link() && entry.second->link()->node_name() == name;
                      });
    if (busy) {
      ++it;
      continue;
    }
    error_code ec = it->drain_parked ? error_code(error::no_node_available) : error_code{};
    asio::post(executor_, asio::append(std::move(*it->on_drained), ec));
    selector_.forget_node(name);
    it = nodes_.erase(it);
  }
}

// --- Stats ----------------------------------------------------------------

HANABI_DECL pool_stats node_pool::stats() const {
  pool_stats s;
  s.players = players_.size();
  s.parked = parked_.size();
  s.moves = moves_;
  s.move_failures = move_failures_;
  s.node_failures = node_failures_;
  auto l = loads();
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    const auto& e = nodes_[i];
    pool_stats::node_entry n;
    n.name = e.node->node_name();
    n.available = l[i].available;
    n.accepting = l[i].accepts_new_players;
    n.draining = e.draining;
    n.players = static_cast<std::size_t>(std::count_if(players_.begin(), players_.end(), [&](const auto& entry) {
      return entry.second->link() && entry.second->link()->node_name() == n.name;
    }));
    n.reserved = selector_.reserved(n.name);
    n.penalty = selector_.penalty(l[i]);
    n.moved_in = e.moved_in;
    n.moved_out = e.moved_out;
    s.nodes.push_back(std::move(n));
  }
  return s;
}

}  // namespace hanabi
