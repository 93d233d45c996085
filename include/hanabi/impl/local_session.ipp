// local_session (session/local_session.hpp): commands, track events, reaping and closing.
#pragma once

#include <hanabi/session/local_session.hpp>

#include <hanabi/node/node.hpp>
#include <hanabi/queue/queue_item.hpp>

#include <boost/asio/append.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/system_executor.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>
#include <utility>

namespace hanabi {

namespace detail {

inline std::int64_t session_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline const char* repeat_name(repeat_mode m) {
  switch (m) {
    case repeat_mode::off: return "off";
    case repeat_mode::one: return "one";
    case repeat_mode::all: return "all";
  }
  return "off";
}

}  // namespace detail

HANABI_DECL track_loader load_tracks_from(std::shared_ptr<node> n) {
  return [n = std::move(n)](std::string identifier, diagnostics& d,
                            asio::any_completion_handler<void(error_code, protocol::load_result)> h) {
    n->async_load_tracks(std::move(identifier), d, std::move(h));
  };
}

namespace {

// Whether another node could answer where this one failed: the node itself was the problem,
// not the query. A system error is the node's socket failing; a cancelled load was meant to end.
bool node_could_not_answer(error_code ec) {
  if (ec == asio::error::operation_aborted) return false;
  return ec == condition::node_unavailable || ec == condition::timed_out || ec.category() != error_category();
}

struct load_with_failover : std::enable_shared_from_this<load_with_failover> {
  using handler_type = asio::any_completion_handler<void(error_code, protocol::load_result)>;
  // The handler is moved in by the constructor: assigning an any_completion_handler from another
  // one picks its converting constructor in Boost 1.81 and wraps it in itself without end.
  load_with_failover(std::shared_ptr<const std::vector<std::shared_ptr<node>>> n, std::string id, diagnostics& d,
                     handler_type h)
      : nodes(std::move(n)), identifier(std::move(id)), diag(&d), handler(std::move(h)) {}

  std::shared_ptr<const std::vector<std::shared_ptr<node>>> nodes;
  std::string identifier;
  diagnostics* diag;
  handler_type handler;
  std::size_t next = 0;

  void attempt() {
    auto& n = (*nodes)[next++];
    n->async_load_tracks(identifier, *diag, [self = shared_from_this()](error_code ec, protocol::load_result r) {
      if (ec && node_could_not_answer(ec) && self->next < self->nodes->size()) {
        self->diag->clear();
        return self->attempt();
      }
      std::move(self->handler)(ec, std::move(r));
    });
  }
};

}  // namespace

HANABI_DECL track_loader load_tracks_from(std::vector<std::shared_ptr<node>> nodes) {
  auto shared = std::make_shared<const std::vector<std::shared_ptr<node>>>(std::move(nodes));
  return [shared](std::string identifier, diagnostics& d,
                  asio::any_completion_handler<void(error_code, protocol::load_result)> h) {
    if (shared->empty()) {
      d.set_client_message("no Lavalink node is configured to load tracks");
      // Never inside the call; the loader contract lets the handler complete on any executor.
      return asio::post(asio::system_executor(), [h = std::move(h)]() mutable {
        std::move(h)(make_error_code(error::no_node_available), protocol::load_result{});
      });
    }
    std::make_shared<load_with_failover>(shared, std::move(identifier), d, std::move(h))->attempt();
  };
}

// --- Construction -------------------------------------------------------------------------

HANABI_DECL result<std::shared_ptr<local_session>> local_session::create(node_pool& pool, session_address where,
                                                                         local_session_config cfg) {
  if (!cfg.send_gateway || !cfg.load_tracks)
    return failure{error::invalid_argument, "a local session needs send_gateway and load_tracks"};
  if (pool.find_player(where.guild))
    return failure{error::bot_busy, fmt::format("this bot already has a player in guild {}", where.guild)};
  auto s = std::make_shared<local_session>(private_tag{}, pool, where, std::move(cfg));
  if (s->cfg_.restored_queue) {
    s->queue_ = track_queue(std::move(*s->cfg_.restored_queue), s->make_queue_config());
    s->cfg_.restored_queue.reset();
  }
  // The player reports to the session through a weak pointer: the pool may outlive the session.
  std::weak_ptr<local_session> weak = s;
  player_config pc;
  pc.bot = s->cfg_.bot;
  pc.voice = s->cfg_.voice;
  pc.send_gateway = s->cfg_.send_gateway;
  pc.log = s->cfg_.log;
  pc.on_event = [weak](const player_event& e) {
    if (auto self = weak.lock()) self->on_player_event(e);
  };
  auto p = pool.create_player(where.guild, std::move(pc));
  if (!p) return p.error();
  s->player_ = *p;
  s->arm_reaper();
  return s;
}

HANABI_DECL local_session::local_session(private_tag, node_pool& pool, session_address where,
                                         local_session_config cfg)
    : pool_(pool),
      executor_(pool.get_executor()),
      cfg_(std::move(cfg)),
      queue_(make_queue_config()),
      reaper_(executor_),
      address_(where),
      history_(cfg_.history_limit),
      created_at_(detail::session_now_ms()),
      last_active_at_(created_at_) {
  for (auto& r : cfg_.restored_history) history_.push(std::move(r));
  cfg_.restored_history.clear();
}

// A session dropped without close(): its player must not stay on the node and in the pool.
HANABI_DECL local_session::~local_session() {
  if (closed_ || !player_) return;
  asio::post(executor_, [p = player_, pool = &pool_, guild = address_.guild] {
    p->async_destroy([](error_code) {});
    if (pool->find_player(guild) == p) pool->remove_player(guild);
  });
}

HANABI_DECL queue_config local_session::make_queue_config() {
  queue_config qc;
  qc.seed = cfg_.queue_seed;
  qc.on_change = cfg_.on_queue_change;
  qc.recorder = cfg_.queue_recorder;
  qc.hooks.remembered_volume = [this](user_id u) -> std::optional<std::uint16_t> {
    auto it = volumes_.find(u);
    if (it != volumes_.end()) return it->second;
    return cfg_.recall_volume ? cfg_.recall_volume(u) : std::nullopt;
  };
  return qc;
}

HANABI_DECL session_address local_session::address() const {
  std::lock_guard lock(mutex_);
  return address_;
}

HANABI_DECL session_subscription local_session::subscribe(std::function<void(const session_event&)> on_event) {
  std::uint64_t id = 0;
  {
    std::lock_guard lock(mutex_);
    id = next_subscriber_++;
    subscribers_.emplace(id, std::move(on_event));
  }
  return session_subscription([weak = std::weak_ptr<local_session>(self()), id] {
    if (auto s = weak.lock()) {
      std::lock_guard lock(s->mutex_);
      s->subscribers_.erase(id);
    }
  });
}

HANABI_DECL void local_session::on_voice_state_update(const voice_state_update& u) {
  asio::post(executor_, [self = self(), u] {
    if (!self->closed_) self->player_->on_voice_state_update(u);
  });
}

HANABI_DECL void local_session::on_voice_server_update(const voice_server_update& u) {
  asio::post(executor_, [self = self(), u] {
    if (!self->closed_) self->player_->on_voice_server_update(u);
  });
}

HANABI_DECL void local_session::close(close_reason reason, std::string detail) {
  asio::post(executor_, [self = self(), reason, detail = std::move(detail)]() mutable {
    self->close_now(reason, std::move(detail), {});
  });
}

// --- The interface: every call goes through run() onto the strand ------------------------------

HANABI_DECL void local_session::do_connect(connect_args a, diagnostics& d, session_handler<session_state> h) {
  run(d, std::move(h), [this, a](diagnostics& dg, auto hh) { connect(a, dg, std::move(hh)); });
}

HANABI_DECL void local_session::do_disconnect(disconnect_args a, diagnostics& d, session_handler<void> h) {
  run(d, std::move(h), [this, a](diagnostics&, auto hh) {
    record(a.by, "disconnect");
    close_now(close_reason::requested, "disconnected by a user",
              closed_handler([this, hh = std::move(hh)]() mutable { complete(std::move(hh), error_code{}); }));
  });
}

HANABI_DECL void local_session::do_play(play_args a, diagnostics& d, session_handler<enqueue_outcome> h) {
  run(d, std::move(h), [this, a = std::move(a)](diagnostics& dg, auto hh) mutable { play(std::move(a), dg, std::move(hh)); });
}

HANABI_DECL void local_session::do_enqueue(enqueue_args a, diagnostics& d, session_handler<enqueue_outcome> h) {
  run(d, std::move(h), [this, a = std::move(a)](diagnostics& dg, auto hh) mutable { enqueue(std::move(a), dg, std::move(hh)); });
}

HANABI_DECL void local_session::do_skip(skip_args a, diagnostics& d, session_handler<now_playing> h) {
  run(d, std::move(h), [this, a](diagnostics& dg, auto hh) { skip(a, dg, std::move(hh)); });
}

HANABI_DECL void local_session::do_seek(seek_args a, diagnostics& d, session_handler<std::int64_t> h) {
  run(d, std::move(h), [this, a](diagnostics& dg, auto hh) { seek(a, dg, std::move(hh)); });
}

HANABI_DECL void local_session::do_pause(pause_args a, diagnostics& d, session_handler<void> h) {
  run(d, std::move(h), [this, a](diagnostics& dg, auto hh) { pause(a, dg, std::move(hh)); });
}

HANABI_DECL void local_session::do_volume(volume_args a, diagnostics& d, session_handler<int> h) {
  run(d, std::move(h), [this, a](diagnostics& dg, auto hh) { volume(a, dg, std::move(hh)); });
}

HANABI_DECL void local_session::do_stop(stop_args a, diagnostics& d, session_handler<void> h) {
  run(d, std::move(h), [this, a](diagnostics& dg, auto hh) { stop(a, dg, std::move(hh)); });
}

HANABI_DECL void local_session::do_filters(filter_args a, diagnostics& d, session_handler<protocol::filters> h) {
  run(d, std::move(h), [this, a = std::move(a)](diagnostics& dg, auto hh) mutable { filters(std::move(a), dg, std::move(hh)); });
}

HANABI_DECL void local_session::do_repeat(repeat_args a, diagnostics& d, session_handler<void> h) {
  run(d, std::move(h), [this, a](diagnostics& dg, auto hh) {
    queue_command(queue_.set_repeat(a.mode), a.by, "repeat", detail::repeat_name(a.mode), dg, std::move(hh));
  });
}

HANABI_DECL void local_session::do_shuffle(shuffle_args a, diagnostics& d, session_handler<void> h) {
  run(d, std::move(h), [this, a](diagnostics& dg, auto hh) {
    auto r = a.undo ? queue_.unshuffle() : queue_.shuffle();
    queue_command(std::move(r), a.by, a.undo ? "unshuffle" : "shuffle", {}, dg, std::move(hh));
  });
}

HANABI_DECL void local_session::do_dequeue(dequeue_args a, diagnostics& d, session_handler<std::vector<item_view>> h) {
  run(d, std::move(h), [this, a = std::move(a)](diagnostics& dg, auto hh) mutable { dequeue(std::move(a), dg, std::move(hh)); });
}

HANABI_DECL void local_session::do_move(move_args a, diagnostics& d, session_handler<void> h) {
  run(d, std::move(h), [this, a](diagnostics& dg, auto hh) {
    queue_command(queue_.move(a.from, a.to), a.by, "move", fmt::format("{} to {}", a.from, a.to), dg, std::move(hh));
  });
}

HANABI_DECL void local_session::do_clear(clear_args a, diagnostics& d, session_handler<std::size_t> h) {
  run(d, std::move(h), [this, a](diagnostics& dg, auto hh) { clear(a, dg, std::move(hh)); });
}

HANABI_DECL void local_session::do_now_playing(diagnostics& d, session_handler<std::optional<now_playing>> h) {
  run(d, std::move(h), [this](diagnostics&, auto hh) { complete(std::move(hh), error_code{}, current_view()); });
}

HANABI_DECL void local_session::do_queue_page(page_args a, diagnostics& d, session_handler<queue_view> h) {
  run(d, std::move(h), [this, a](diagnostics& dg, auto hh) { page(a, dg, std::move(hh)); });
}

HANABI_DECL void local_session::do_state(diagnostics& d, session_handler<session_state> h) {
  run(d, std::move(h), [this](diagnostics&, auto hh) { complete(std::move(hh), error_code{}, state_now()); });
}

HANABI_DECL void local_session::do_history(std::size_t limit, diagnostics& d,
                                           session_handler<std::vector<action_record>> h) {
  run(d, std::move(h), [this, limit](diagnostics&, auto hh) {
    complete(std::move(hh), error_code{}, history_.newest(limit));
  });
}

// --- Commands ----------------------------------------------------------------------------------

HANABI_DECL void local_session::connect(connect_args a, diagnostics& d, session_handler<session_state> h) {
  if (connected_) return complete(std::move(h), error_code{}, state_now());
  player_->async_join(address().voice, on_strand([this, a, &d, h = std::move(h)](error_code ec) mutable {
    if (closed_) return fail(std::move(h), d, error::no_session, "the session has ended");
    if (ec) return fail(std::move(h), d, ec, fmt::format("could not join voice channel {}", address().voice));
    connected_ = true;
    record(a.by, "connect");
    if (!cfg_.restored) return complete(std::move(h), error_code{}, state_now());
    resume_restored([this, &d, h = std::move(h)](error_code ec) mutable {
      if (ec) return fail(std::move(h), d, ec, "Lavalink did not resume the recovered track");
      publish_state();
      complete(std::move(h), error_code{}, state_now());
    });
  }));
}

HANABI_DECL void local_session::load(std::string identifier, diagnostics& d, loaded_handler done) {
  cfg_.load_tracks(identifier, d,
                   on_strand([identifier, &d, done = std::move(done)](error_code ec, protocol::load_result r) mutable {
                     if (ec) return std::move(done)(ec, std::vector<protocol::track>{}, std::string{});
                     struct visitor {
                       const std::string& identifier;
                       diagnostics& d;
                       loaded_handler& done;
                       void operator()(protocol::track_loaded& t) const { found({std::move(t.track)}, {}); }
                       void operator()(protocol::playlist_loaded& p) const {
                         if (p.tracks.empty()) return none();
                         found(std::move(p.tracks), std::move(p.info.name));
                       }
                       void operator()(protocol::search_loaded& s) const {
                         if (s.tracks.empty()) return none();
                         s.tracks.resize(1);
                         found(std::move(s.tracks), {});
                       }
                       void operator()(protocol::nothing_loaded&) const { none(); }
                       void operator()(protocol::load_failed& f) const {
                         d.set_client_message(
                             fmt::format("Lavalink could not load \"{}\": {}", identifier, f.exception.message.value_or("no reason given")));
                         std::move(done)(error::load_failed, std::vector<protocol::track>{}, std::string{});
                       }
                       void found(std::vector<protocol::track> tracks, std::string playlist) const {
                         std::move(done)(error_code{}, std::move(tracks), std::move(playlist));
                       }
                       void none() const {
                         d.set_client_message(fmt::format("nothing was found for \"{}\"", identifier));
                         std::move(done)(error::no_matches, std::vector<protocol::track>{}, std::string{});
                       }
                     };
                     std::visit(visitor{identifier, d, done}, r);
                   }));
}

HANABI_DECL void local_session::play(play_args a, diagnostics& d, session_handler<enqueue_outcome> h) {
  if (a.query.empty()) return fail(std::move(h), d, error::invalid_argument, "the query is empty");
  if (auto ok = detail::check_segment(a.start_time, a.end_time); !ok) return fail_with(std::move(h), d, ok.error());
  load(detail::load_identifier(a.query, cfg_.search_prefix, cfg_.passthrough_prefixes), d,
       [this, a, &d, h = std::move(h)](error_code ec, std::vector<protocol::track> tracks,
                                       std::string playlist) mutable {
         if (closed_) return fail(std::move(h), d, error::no_session, "the session has ended");
         if (ec) return fail(std::move(h), d, ec);
         const auto now = detail::session_now_ms();
         std::vector<queue_item> items;
         for (auto& t : tracks) {
           items.push_back(make_queue_item(t, a.by, now));
           items.back().start_time = a.start_time;
           items.back().end_time = a.end_time;
         }
         enqueue_outcome out;
         out.playlist_name = std::move(playlist);
         enqueue_options options;
         options.mode = a.next && !a.position ? enqueue_mode::next : enqueue_mode::fifo;
         add_items(std::move(items), a.position, options, std::move(out), a.by, "play", d, std::move(h));
       });
}

HANABI_DECL void local_session::enqueue(enqueue_args a, diagnostics& d, session_handler<enqueue_outcome> h) {
  if (a.entries.empty()) return fail(std::move(h), d, error::invalid_argument, "there is nothing to enqueue");
  for (auto& e : a.entries)
    if (auto ok = detail::check_segment(e.start_time, e.end_time); !ok) return fail_with(std::move(h), d, ok.error());
  load_entries(std::make_shared<enqueue_args>(std::move(a)), 0, std::make_shared<std::vector<queue_item>>(),
               std::make_shared<enqueue_outcome>(), d, std::move(h));
}

HANABI_DECL void local_session::load_entries(std::shared_ptr<enqueue_args> a, std::size_t next,
                                             std::shared_ptr<std::vector<queue_item>> items,
                                             std::shared_ptr<enqueue_outcome> out, diagnostics& d,
                                             session_handler<enqueue_outcome> h) {
  if (closed_) return fail(std::move(h), d, error::no_session, "the session has ended");
  // Captureless: it is copied into the continuation below, which outlives this frame.
  auto add = [](std::vector<queue_item>& to, const protocol::track& t, const enqueue_entry& e, user_id by) {
    to.push_back(make_queue_item(t, by, detail::session_now_ms()));
    to.back().start_time = e.start_time;
    to.back().end_time = e.end_time;
  };
  // Entries with a track need no load; go straight to the next one that does.
  while (next < a->entries.size() && a->entries[next].track) {
    add(*items, *a->entries[next].track, a->entries[next], a->by);
    ++next;
  }
  if (next == a->entries.size()) {
    if (items->empty()) {
      d.set_client_message(fmt::format("none of the {} entries could be loaded", a->entries.size()));
      return fail(std::move(h), d, error::no_matches);
    }
    d.clear();
    auto options = a->options;
    if (!options.caller) options.caller = a->by;
    return add_items(std::move(*items), std::nullopt, options, std::move(*out), a->by, "enqueue", d, std::move(h));
  }
  const auto& entry = a->entries[next];
  load(detail::load_identifier(entry.source, cfg_.search_prefix, cfg_.passthrough_prefixes), d,
       [this, a, next, items, out, add, &d, h = std::move(h)](error_code ec, std::vector<protocol::track> tracks,
                                                              std::string) mutable {
         if (ec) out->failed.push_back(a->entries[next].source);
         else add(*items, tracks.front(), a->entries[next], a->by);
         load_entries(a, next + 1, items, out, d, std::move(h));
       });
}

HANABI_DECL void local_session::add_items(std::vector<queue_item> items, std::optional<std::size_t> position,
                                          const enqueue_options& options, enqueue_outcome out, user_id by,
                                          std::string action, diagnostics& d, session_handler<enqueue_outcome> h) {
  const auto first_title = std::string(items.front().track->title());
  const auto count = items.size();
  auto added = position ? queue_.insert(*position, std::move(items)) : queue_.enqueue(std::move(items), options);
  if (!added) return fail_with(std::move(h), d, added.error());
  out.positions = std::move(*added);
  out.first_title = first_title;
  record(by, std::move(action), count == 1 ? first_title : fmt::format("{} items", count));
  if (playing_item() || out.positions.empty()) {
    publish_state();
    return complete(std::move(h), error_code{}, std::move(out));
  }
  // Idle: the first new item starts (never the item the queue ended on).
  auto step = queue_.skip_to(out.positions.front());
  if (!step) return fail_with(std::move(h), d, step.error());
  out.started = true;
  start(*step, [this, &d, out = std::move(out), h = std::move(h)](error_code ec) mutable {
    if (ec) return fail(std::move(h), d, ec, "Lavalink did not start the track");
    publish_state();
    complete(std::move(h), error_code{}, std::move(out));
  });
}

HANABI_DECL void local_session::skip(skip_args a, diagnostics& d, session_handler<now_playing> h) {
  switch (a.how) {
    case skip_args::kind::by:
      if (a.value == 0) return fail(std::move(h), d, error::no_effect, "skipping by 0 would have no effect");
      return start_and_answer(queue_.skip_by(static_cast<std::ptrdiff_t>(a.value)), a.by,
                              fmt::format("by {:+}", a.value), d, std::move(h));
    case skip_args::kind::to:
      if (a.value < 0) {
        return fail(std::move(h), d, error::position_out_of_range,
                    fmt::format("position {} is out of range: the queue has positions 1 to {}", a.value,
                                queue_.size()));
      }
      return start_and_answer(queue_.skip_to(static_cast<std::size_t>(a.value)), a.by,
                              fmt::format("to {}", a.value), d, std::move(h));
    case skip_args::kind::back: return start_and_answer(queue_.back(), a.by, "back", d, std::move(h));
  }
}

HANABI_DECL void local_session::start_and_answer(result<play_step> step, user_id by, std::string detail,
                                                 diagnostics& d, session_handler<now_playing> h) {
  if (!step) return fail_with(std::move(h), d, step.error());
  record(by, "skip", std::move(detail));
  start(*step, [this, &d, h = std::move(h)](error_code ec) mutable {
    if (ec) return fail(std::move(h), d, ec, "Lavalink did not start the track");
    publish_state();
    complete(std::move(h), error_code{}, current_view().value_or(now_playing{}));
  });
}

HANABI_DECL void local_session::seek(seek_args a, diagnostics& d, session_handler<std::int64_t> h) {
  if (!playing_item()) return fail(std::move(h), d, error::nothing_playing, "nothing is playing");
  const auto& track = *queue_.current()->track;
  if (track.is_stream() || !track.is_seekable())
    return fail(std::move(h), d, error::out_of_range, "this track cannot be seeked (it is a live stream)");
  // Clamped to the track; a relative delta saturates instead of overflowing.
  const std::int64_t from = player_->snapshot().position, length = track.length();
  const std::int64_t wanted = !a.relative ? a.value
                              : a.value > 0 ? (a.value > length - from ? length : from + a.value)
                                            : (a.value < -from ? 0 : from + a.value);
  const auto target = std::clamp<std::int64_t>(wanted, 0, length);
  player_->async_seek(target, on_strand([this, a, target, &d, h = std::move(h)](error_code ec) mutable {
    if (ec) return fail(std::move(h), d, ec, "Lavalink did not seek");
    record(a.by, "seek", a.relative ? fmt::format("{:+} ms -> {} ms", a.value, target) : fmt::format("{} ms", target));
    publish_state();  // the position jumped: persistence saves it, now-playing messages show it
    complete(std::move(h), error_code{}, target);
  }));
}

HANABI_DECL void local_session::pause(pause_args a, diagnostics& d, session_handler<void> h) {
  if (!playing_item()) return fail(std::move(h), d, error::nothing_playing, "nothing is playing");
  if (player_->snapshot().paused == a.paused)
    return fail(std::move(h), d, error::no_effect, a.paused ? "playback is already paused" : "playback is not paused");
  player_->async_pause(a.paused, on_strand([this, a, &d, h = std::move(h)](error_code ec) mutable {
    if (ec) return fail(std::move(h), d, ec, "Lavalink did not change the pause state");
    record(a.by, a.paused ? "pause" : "resume");
    update_activity();
    publish_state();
    complete(std::move(h), error_code{});
  }));
}

HANABI_DECL void local_session::volume(volume_args a, diagnostics& d, session_handler<int> h) {
  const int from = player_->snapshot().volume;
  auto target = detail::volume_target(from, a.value, a.relative);
  if (!target) return fail_with(std::move(h), d, target.error());
  const int v = *target;
  volumes_[a.by] = static_cast<std::uint16_t>(v);
  if (cfg_.on_volume_remembered) cfg_.on_volume_remembered(a.by, static_cast<std::uint16_t>(v));
  player_->async_set_volume(v, on_strand([this, a, from, v, &d, h = std::move(h)](error_code ec) mutable {
    if (ec) return fail(std::move(h), d, ec, "Lavalink did not change the volume");
    record(a.by, "volume", fmt::format("{} -> {}", from, v));
    publish_state();
    complete(std::move(h), error_code{}, v);
  }));
}

HANABI_DECL void local_session::stop(stop_args a, diagnostics& d, session_handler<void> h) {
  if (!playing_item()) return fail(std::move(h), d, error::nothing_playing, "nothing is playing");
  stopped_ = true;
  expected_.reset();
  player_->async_stop(on_strand([this, a, &d, h = std::move(h)](error_code ec) mutable {
    if (ec) return fail(std::move(h), d, ec, "Lavalink did not stop the track");
    record(a.by, "stop");
    update_activity();
    publish_state();
    complete(std::move(h), error_code{});
  }));
}

HANABI_DECL void local_session::filters(filter_args a, diagnostics& d, session_handler<protocol::filters> h) {
  std::string detail = "custom";
  protocol::filters f;
  if (auto* name = std::get_if<std::string>(&a.set)) {
    auto p = detail::filter_preset(*name);
    if (!p) return fail_with(std::move(h), d, p.error());
    f = std::move(*p);
    detail = *name;
  } else {
    f = std::get<protocol::filters>(std::move(a.set));
  }
  player_->async_set_filters(std::move(f), on_strand([this, a, detail, &d, h = std::move(h)](error_code ec) mutable {
    if (ec) return fail(std::move(h), d, ec, "Lavalink refused the filters");
    record(a.by, "filters", detail);
    publish_state();
    complete(std::move(h), error_code{}, player_->snapshot().filters);
  }));
}

HANABI_DECL void local_session::queue_command(result<void> r, user_id by, std::string action, std::string detail,
                                              diagnostics& d, session_handler<void> h) {
  if (!r) return fail_with(std::move(h), d, r.error());
  record(by, std::move(action), std::move(detail));
  publish_state();
  complete(std::move(h), error_code{});
}

HANABI_DECL void local_session::dequeue(dequeue_args a, diagnostics& d, session_handler<std::vector<item_view>> h) {
  // Positions before the removal, by item id: the answer reports where the items were.
  std::unordered_map<std::uint64_t, std::size_t> was;
  queue_.for_each([&](std::size_t pos, const queue_item& it) { was.emplace(it.id, pos); });
  const bool was_playing = playing_item();
  struct visitor {
    track_queue& q;
    dequeue_scope scope;
    result<std::vector<queue_item>> operator()(const dequeue_rule::positions& r) const {
      return q.remove(r.list, r.allow_current ? removal::allow_current : removal::keep_current);
    }
    result<std::vector<queue_item>> operator()(const dequeue_rule::range& r) const {
      return q.remove_range(r.first, r.last);
    }
    result<std::vector<queue_item>> operator()(const dequeue_rule::requester& r) const {
      return q.dequeue_requester(r.user, scope);
    }
    result<std::vector<queue_item>> operator()(const dequeue_rule::absent& r) const {
      return q.dequeue_absent(r.present, scope);
    }
    result<std::vector<queue_item>> operator()(const dequeue_rule::duplicates&) const {
      return q.dequeue_duplicates(scope);
    }
    result<std::vector<queue_item>> operator()(const dequeue_rule::source& r) const {
      return q.dequeue_source(r.name, scope);
    }
  };
  auto removed = std::visit(visitor{queue_, a.scope}, a.rule);
  if (!removed) return fail_with(std::move(h), d, removed.error());
  std::vector<item_view> out;
  for (auto& it : *removed) out.push_back(view(it, was[it.id]));
  record(a.by, "dequeue", fmt::format("{} items", out.size()));
  stop_if_idle(was_playing);
  publish_state();
  complete(std::move(h), error_code{}, std::move(out));
}

HANABI_DECL void local_session::clear(clear_args a, diagnostics& d, session_handler<std::size_t> h) {
  const bool was_playing = playing_item();
  auto n = a.upcoming_only ? queue_.clear_upcoming() : queue_.clear();
  if (!n) return fail_with(std::move(h), d, n.error());
  record(a.by, "clear", a.upcoming_only ? "upcoming" : "all");
  stop_if_idle(was_playing);
  publish_state();
  complete(std::move(h), error_code{}, *n);
}

HANABI_DECL void local_session::stop_if_idle(bool was_playing) {
  if (!was_playing || queue_.active()) return;
  stopped_ = true;
  expected_.reset();
  player_->async_stop(on_strand([this](error_code ec) {
    if (ec) cfg_.log.warn("session {}: could not stop the removed track: {}", address().voice, ec.message());
  }));
  update_activity();
}

HANABI_DECL void local_session::page(page_args a, diagnostics& d, session_handler<queue_view> h) {
  if (a.size == 0) return fail(std::move(h), d, error::invalid_argument, "a page holds at least one item");
  queue_page p;
  // An empty queue answers an empty view (no pages), not an error.
  if (a.number == 0 || queue_.empty()) {
    p = queue_.page_around(a.size);
  } else {
    auto r = queue_.page(a.number, a.size);
    if (!r) return fail_with(std::move(h), d, r.error());
    p = std::move(*r);
  }
  queue_view v;
  for (std::size_t i = 0; i < p.items.size(); ++i) v.items.push_back(view(*p.items[i], p.first_position + i));
  v.total = p.total;
  v.current_position = p.current_position;
  v.pages = p.total / a.size + (p.total % a.size != 0);
  v.page = p.first_position == 0 ? 0 : (p.first_position - 1) / a.size + 1;
  v.durations = queue_.durations(playing_item() ? player_->snapshot().position : 0);
  complete(std::move(h), error_code{}, std::move(v));
}

// --- Playback ----------------------------------------------------------------------------------

HANABI_DECL void local_session::start(const play_step& step, started_handler done, play_options o) {
  auto track = to_track(step.item);
  if (!track) {
    cfg_.log.warn("session {}: item {} does not decode: {}", address().voice, step.item.id, track.error().what());
    return asio::post(executor_, asio::append(std::move(done), track.error().code));
  }
  if (!o.start && step.item.start_time > 0) o.start = step.item.start_time;
  if (step.item.end_time > 0) o.end = step.item.end_time;
  if (step.volume) o.volume = *step.volume;
  if (step.item.user_data.is_object()) o.user_data = step.item.user_data;
  stopped_ = false;
  expected_ = track->encoded;
  auto encoded = track->encoded;
  player_->async_play(std::move(*track), o,
                      on_strand([this, encoded = std::move(encoded), done = std::move(done)](error_code ec) mutable {
                        if (ec && expected_ == encoded) expected_.reset();
                        update_activity();
                        std::move(done)(ec);
                      }));
  update_activity();
}

HANABI_DECL void local_session::resume_restored(started_handler done) {
  auto r = *std::exchange(cfg_.restored, std::nullopt);
  if (!queue_.active() || !queue_.current()) return asio::post(executor_, asio::append(std::move(done), error_code{}));
  play_step step{queue_.current_position(), *queue_.current(), static_cast<std::uint16_t>(r.volume)};
  play_options o;
  o.start = r.position;
  o.paused = r.paused;
  start(step, [this, filters = std::move(r.filters), done = std::move(done)](error_code ec) mutable {
    if (ec) return std::move(done)(ec);
    player_->async_set_filters(std::move(filters), on_strand(std::move(done)));
  }, std::move(o));
}

HANABI_DECL void local_session::on_player_event(const player_event& e) {
  if (closed_) return;
  if (auto* s = std::get_if<protocol::track_start_event>(&e)) return on_track_start(*s);
  if (auto* end = std::get_if<protocol::track_end_event>(&e)) return on_track_end(*end);
  if (auto* stuck = std::get_if<protocol::track_stuck_event>(&e)) return on_track_stuck(*stuck);
  if (auto* v = std::get_if<voice_event>(&e)) return on_voice(*v);
  if (auto* m = std::get_if<player_moved>(&e)) return publish(session_events::node_moved{m->from, m->to});
  if (auto* p = std::get_if<player_parked>(&e)) {
    cfg_.log.warn("session {}: no node is left; the player is parked (it left {})", address().voice, p->from);
    return publish_state();
  }
}

HANABI_DECL void local_session::on_track_start(const protocol::track_start_event& e) {
  if (expected_ && *expected_ == e.track.encoded) expected_.reset();
  const auto* cur = queue_.current();
  if (cur && cur->track->encoded() == e.track.encoded)
    on_air_ = view(*cur, queue_.current_position());
  else
    on_air_ = view(make_queue_item(e.track, user_id{}, detail::session_now_ms()), 0);
  update_activity();
  publish(session_events::track_started{*on_air_});
}

HANABI_DECL void local_session::on_track_end(const protocol::track_end_event& e) {
  auto item = on_air_ && on_air_->encoded == e.track.encoded
                  ? *on_air_
                  : view(make_queue_item(e.track, user_id{}, detail::session_now_ms()), 0);
  on_air_.reset();
  publish(session_events::track_ended{std::move(item), e.reason});
  // A newer play is on its way: this end belongs to a track that command already replaced.
  if (expected_) return;
  if (e.reason == protocol::track_end_reason::stopped || e.reason == protocol::track_end_reason::cleanup)
    stopped_ = true;
  auto next = queue_.advance(e.reason);
  if (next.action == advance_action::play && next.next) {
    start(*next.next, [this](error_code ec) {
      if (ec) cfg_.log.warn("session {}: the next track did not start: {}", address().voice, ec.message());
    });
  }
  update_activity();
  if (next.action != advance_action::nothing) publish_state();
}

HANABI_DECL void local_session::on_track_stuck(const protocol::track_stuck_event& e) {
  const auto* cur = queue_.current();
  if (expected_ || !playing_item() || !cur || cur->track->encoded() != e.track.encoded) return;
  cfg_.log.warn("session {}: \"{}\" is stuck; moving on", address().voice, cur->track->title());
  auto next = queue_.advance(protocol::track_end_reason::load_failed);
  if (next.action == advance_action::play && next.next) {
    start(*next.next, [this](error_code ec) {
      if (ec) cfg_.log.warn("session {}: the next track did not start: {}", address().voice, ec.message());
    });
  } else {
    stop_if_idle(true);  // the queue ended: the stuck track must not stay on the player
  }
  update_activity();
  publish_state();
}

HANABI_DECL void local_session::on_voice(const voice_event& e) {
  if (std::holds_alternative<voice_joined>(e)) {
    connected_ = true;
  } else if (auto* m = std::get_if<voice_moved>(&e)) {
    {
      std::lock_guard lock(mutex_);
      address_.voice = m->to;
    }
    publish(session_events::channel_moved{m->from, m->to});
  } else if (auto* left = std::get_if<voice_left>(&e)) {
    connected_ = false;
    if (!left->requested) close_now(close_reason::kicked, left->reason.message(), {});
  } else if (auto* destroy = std::get_if<voice_destroy>(&e)) {
    close_now(close_reason::voice_lost,
              fmt::format("{} (voice close code {})", destroy->reason.message(), destroy->close_code), {});
  }
}

HANABI_DECL bool local_session::playing_item() const { return queue_.active() && !stopped_; }

// --- Views -------------------------------------------------------------------------------------

HANABI_DECL item_view local_session::view(const queue_item& item, std::size_t position) const {
  item_view v;
  v.position = position;
  v.id = item.id;
  v.title = std::string(item.track->title());
  v.author = std::string(item.track->author());
  v.identifier = std::string(item.track->identifier());
  v.source_name = std::string(item.track->source_name());
  v.encoded = std::string(item.track->encoded());
  if (auto t = to_track(item)) {
    v.uri = t->info.uri.value_or("");
    v.artwork_url = t->info.artwork_url.value_or("");
  }
  v.length = item.track->length();
  v.is_stream = item.track->is_stream();
  v.requester = item.requester;
  v.start_time = item.start_time;
  v.end_time = item.end_time;
  v.added_at = item.added_at;
  return v;
}

HANABI_DECL std::optional<now_playing> local_session::current_view() const {
  if (!playing_item()) return std::nullopt;
  auto snap = player_->snapshot();
  now_playing np;
  np.item = view(*queue_.current(), queue_.current_position());
  np.position = snap.position;
  np.paused = snap.paused;
  np.volume = snap.volume;
  np.repeat = queue_.repeat();
  return np;
}

HANABI_DECL session_state local_session::state_now() {
  auto snap = player_->snapshot();
  session_state s;
  s.address = address();
  s.bot = cfg_.bot_name;
  s.lifetime = cfg_.lifetime;
  s.connected = connected_;
  s.active = playing_item();
  s.paused = snap.paused;
  s.volume = snap.volume;
  s.repeat = queue_.repeat();
  s.filters = snap.filters;
  s.current_position = queue_.current_position();
  s.queue_size = queue_.size();
  s.current = current_view();
  s.node = snap.node;
  s.created_at = created_at_;
  s.last_active_at = activity_ == detail::session_activity::playing ? detail::session_now_ms() : last_active_at_;
  return s;
}

// --- Events, history, reaping, closing --------------------------------------------------------

HANABI_DECL void local_session::publish(const session_event& e) {
  std::vector<std::function<void(const session_event&)>> targets;
  {
    std::lock_guard lock(mutex_);
    for (auto& [id, f] : subscribers_) targets.push_back(f);
  }
  for (auto& f : targets) f(e);
}

HANABI_DECL void local_session::publish_state() { publish(session_events::state_changed{state_now()}); }

HANABI_DECL void local_session::record(user_id by, std::string action, std::string detail) {
  action_record r{detail::session_now_ms(), by, std::move(action), std::move(detail)};
  if (cfg_.on_action) cfg_.on_action(r);
  history_.push(std::move(r));
}

HANABI_DECL void local_session::update_activity() {
  using detail::session_activity;
  auto now = !playing_item()              ? session_activity::idle
             : player_->snapshot().paused ? session_activity::paused
                                          : session_activity::playing;
  if (now == activity_) return;
  if (activity_ == session_activity::playing) last_active_at_ = detail::session_now_ms();
  activity_ = now;
  activity_since_ = clock::now();
  arm_reaper();
}

HANABI_DECL void local_session::arm_reaper() {
  const detail::reap_policy policy{cfg_.lifetime, cfg_.inactivity_timeout, cfg_.paused_timeout};
  auto deadline = detail::reap_deadline(policy, activity_, activity_since_);
  if (!deadline) {
    reaper_.cancel();
    return;
  }
  reaper_.expires_at(*deadline);
  reaper_.async_wait([weak = std::weak_ptr<local_session>(self()), policy](error_code ec) {
    auto s = weak.lock();
    if (ec || !s || s->closed_) return;
    if (detail::reap_due(policy, s->activity_, s->activity_since_, clock::now()))
      s->close_now(close_reason::inactivity, "inactive", {});
    else
      s->arm_reaper();
  });
}

HANABI_DECL void local_session::close_now(close_reason reason, std::string detail, closed_handler then) {
  if (closed_) {
    if (then) asio::post(executor_, [self = self(), then = std::move(then)]() mutable { std::move(then)(); });
    return;
  }
  closed_ = true;
  reaper_.cancel();
  player_->async_destroy(on_strand([this, reason, detail = std::move(detail), then = std::move(then)](error_code ec) mutable {
    if (ec) cfg_.log.warn("session {}: the player was not deleted on its node: {}", address().voice, ec.message());
    if (pool_.find_player(address().guild) == player_) pool_.remove_player(address().guild);
    publish(session_events::closed{reason, detail});
    {
      std::lock_guard lock(mutex_);
      subscribers_.clear();
    }
    if (then) std::move(then)();
  }));
}

}  // namespace hanabi
