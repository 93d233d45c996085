// node_pool: placement, failover, parking and drains.
#pragma once

#include <hanabi/node/node_pool.hpp>
#include <hanabi/transport/cancel_after.hpp>

#include <boost/asio/append.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <unordered_map>

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
    end_grace(*existing);
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
  end_grace(*e);
  if (!e->down) {
    ++node_failures_;
    cfg_.log.warn("node {} is down; moving its players", name);
  }
  e->down = true;
  e->node->abandon_calls();
  selector_.forget_node(name);
  enqueue_players_of(name);
  pump_moves();
}

HANABI_DECL void node_pool::node_resuming(std::string_view name) {
  auto* e = find_node(name);
  if (!e || e->down || e->resuming) return;
  if (cfg_.failover_grace.count() <= 0) return node_down(name);
  cfg_.log.info("node {} lost its connection; its players stay for {} ms while it resumes", name,
                cfg_.failover_grace.count());
  e->resuming = true;
  if (!e->grace) e->grace = std::make_unique<asio::steady_timer>(executor_);
  e->grace->expires_after(cfg_.failover_grace);
  e->grace->async_wait([alive = std::weak_ptr<node_pool*>(alive_), node = std::string(name),
                        epoch = e->grace_epoch](error_code ec) {
    auto self = alive.lock();
    if (ec || !self) return;
    auto* entry = (*self)->find_node(node);
    if (!entry || !entry->resuming || entry->grace_epoch != epoch) return;  // back, or already dead
    (*self)->cfg_.log.warn("node {} did not resume within the failover grace", node);
    (*self)->node_down(node);
  });
}

HANABI_DECL void node_pool::end_grace(node_entry& e) {
  if (!e.resuming) return;
  e.resuming = false;
  ++e.grace_epoch;
  e.grace->cancel();
}

HANABI_DECL void node_pool::node_up(std::string_view name, const std::vector<guild_id>& held) {
  auto* e = find_node(name);
  if (!e) return;
  if (e->resuming) {
    ++node_resumes_;
    cfg_.log.info("node {} resumed within the failover grace; its players stayed", name);
  }
  end_grace(*e);
  e->down = false;
  for (auto g : held) {
    auto it = players_.find(g);
    const bool lives_here = it != players_.end() && it->second->link() && it->second->link()->node_name() == name;
    if (!lives_here) e->node->destroy_player(g, [](error_code) {});  // a stale copy would fight for the voice
  }
  for (auto g : parked_) enqueue({g});
  pump_moves();
}

HANABI_DECL void node_pool::players_lost(std::string_view name, const std::vector<guild_id>& guilds) {
  for (auto g : guilds) {
    auto it = players_.find(g);
    if (it != players_.end() && it->second->link() && it->second->link()->node_name() == name)
      enqueue({g, 0, true});
  }
  pump_moves();
}

namespace detail {

// A hanabi::node seen as a pool_node. The load is a copy kept on the pool's strand, because
// the node's own state may only be read on the node's strand.
class lavalink_member final : public pool_node, public std::enable_shared_from_this<lavalink_member> {
  // `handler` with a cancellation slot that abandon_calls() can reach; forgotten when it
  // completes, on its own executor or else the pool's strand (where calls_ lives).
  template <class... Args>
  auto tracked(asio::any_completion_handler<void(error_code, Args...)> handler) {
    const auto id = next_call_++;
    auto signal = std::make_shared<asio::cancellation_signal>();
    calls_.emplace(id, signal);
    auto ex = asio::get_associated_executor(handler, pool_executor_);
    return asio::bind_cancellation_slot(
        signal->slot(), asio::bind_executor(ex, [self = weak_from_this(), id, signal, h = std::move(handler)](
                                                    error_code ec, Args... args) mutable {
          if (auto m = self.lock()) m->calls_.erase(id);
          std::move(h)(ec, std::move(args)...);
        }));
  }

 public:
  lavalink_member(std::shared_ptr<hanabi::node> node, std::vector<std::string> regions,
                  std::chrono::milliseconds timeout, asio::any_io_executor pool_executor)
      : node_(std::move(node)), name_(node_->config().name), timeout_(timeout), pool_executor_(std::move(pool_executor)) {
    load_.name = name_;
    load_.available = false;  // until `ready`
    load_.regions = std::move(regions);
  }
  const std::string& node_name() const override { return name_; }
  node_load load() const override { return load_; }
  void update_player(guild_id guild, const protocol::update_player& body, bool no_replace,
                     asio::any_completion_handler<void(error_code, protocol::player)> handler) override {
    // The node holds session calls while it reconnects; bounded, so a move off a dying node ends.
    node_->async_update_player(guild, body, no_replace, hanabi::cancel_after(timeout_, tracked(std::move(handler))));
  }
  void destroy_player(guild_id guild, asio::any_completion_handler<void(error_code)> handler) override {
    node_->async_destroy_player(guild, hanabi::cancel_after(timeout_, tracked(std::move(handler))));
  }
  void abandon_calls() override {
    // Cancellation is emitted where the operations run: the node's strand.
    for (const auto& call : calls_)
      asio::post(node_->get_executor(), [signal = call.second] { signal->emit(asio::cancellation_type::terminal); });
  }
  void take_stats(const protocol::stats& s) {
    load_.playing_players = s.playing_players;
    load_.system_load = s.cpu.system_load;
    load_.frames = s.frame_stats;
  }

  node_load load_;

 private:
  std::shared_ptr<hanabi::node> node_;
  std::string name_;
  std::chrono::milliseconds timeout_;
  asio::any_io_executor pool_executor_;
  std::unordered_map<std::uint64_t, std::shared_ptr<asio::cancellation_signal>> calls_;  // in flight
  std::uint64_t next_call_ = 0;
};

}  // namespace detail

HANABI_DECL void node_pool::add_node(std::shared_ptr<hanabi::node> node, std::vector<std::string> regions) {
  auto member = std::make_shared<detail::lavalink_member>(node, std::move(regions), cfg_.request_timeout, executor_);
  add_node(std::static_pointer_cast<pool_node>(member));
  // Everything the node reports is hopped onto the pool's strand, where the pool lives.
  // The node's handlers hold the member weakly: the member holds the node.
  auto on_pool = [ex = executor_, alive = std::weak_ptr<node_pool*>(alive_),
                  weak_member = std::weak_ptr<detail::lavalink_member>(member)](auto f) {
    asio::post(ex, [alive, weak_member, f = std::move(f)]() mutable {
      auto self = alive.lock();
      auto m = weak_member.lock();
      if (self && m) f(**self, *m);
    });
  };
  auto report_state = [on_pool, weak_node = std::weak_ptr<hanabi::node>(node)](node_state s) {
    auto n = weak_node.lock();
    if (!n) return;
    if (s == node_state::ready) {
      on_pool([held = n->player_guilds()](node_pool& pool, detail::lavalink_member& m) {
        m.load_.available = true;
        pool.node_up(m.node_name(), held);
      });
    } else if (s == node_state::reconnecting || s == node_state::stopped) {
      on_pool([gone = s == node_state::stopped](node_pool& pool, detail::lavalink_member& m) {
        m.load_.available = false;
        if (gone)
          pool.node_down(m.node_name());
        else
          pool.node_resuming(m.node_name());
      });
    }
  };
  asio::dispatch(node->get_executor(), [node, on_pool, report_state] {
    node_handlers h;
    h.message = [on_pool](const protocol::ws_message& msg) {
      on_pool([msg](node_pool& pool, detail::lavalink_member& m) {
        if (auto* s = std::get_if<protocol::stats>(&msg)) m.take_stats(*s);
        pool.on_message(m.node_name(), msg);
      });
    };
    h.state = report_state;
    // A session that could not be resumed took every player with it: that is the node's death
    // as far as its players are concerned, whatever the grace. A resume that kept the session
    // but not some players moves just those.
    h.lost = [on_pool](const lost_players& lost) {
      on_pool([session_lost = lost.session_lost, guilds = lost.guilds](node_pool& pool, detail::lavalink_member& m) {
        if (session_lost)
          pool.node_down(m.node_name());
        else
          pool.players_lost(m.node_name(), guilds);
      });
    };
    node->subscribe(std::move(h));
    if (node->state() == node_state::ready) report_state(node_state::ready);
  });
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
    l.available = l.available && !e.down && !e.resuming;
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
    } else if (it != players_.end() && !it->second->link()) {
      parked_.insert(job.guild);  // parked while this move was in flight: come back with the others
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
  s.node_resumes = node_resumes_;
  auto l = loads();
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    const auto& e = nodes_[i];
    pool_stats::node_entry n;
    n.name = e.node->node_name();
    n.available = l[i].available;
    n.accepting = l[i].accepts_new_players;
    n.draining = e.draining;
    n.resuming = e.resuming;
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
