// player: command batching, the state mirror, moves between nodes.
#pragma once

#include <hanabi/player/player.hpp>

#include <boost/asio/append.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <type_traits>

namespace hanabi {

HANABI_DECL player::player(executor_type executor, guild_id guild, player_config cfg)
    : executor_(executor),
      guild_(guild),
      cfg_(std::move(cfg)),
      voice_(executor, guild, cfg_.bot, cfg_.voice,
             voice_callbacks{
                 [this](const gateway_voice_update& op) {
                   if (cfg_.send_gateway) cfg_.send_gateway(op);
                 },
                 [this](const voice_credentials& creds) {
                   voice_creds_ = creds;
                   protocol::update_player f;
                   f.voice = protocol::voice_state{creds.token, creds.endpoint, creds.session_id, creds.channel};
                   submit(std::move(f), false, false,
                          handler_type([log = cfg_.log, guild = guild_](error_code ec) {
                            if (ec) log.warn("guild {}: sending voice to Lavalink failed: {}", guild, ec.message());
                          }));
                 },
                 [this](const voice_event& e) { on_voice_event(e); }}) {}

// --- Commands -------------------------------------------------------------

HANABI_DECL void player::start_play(std::optional<std::string> encoded, std::optional<std::string> identifier,
                                    const play_options& o, handler_type h) {
  if (o.volume && (*o.volume < 0 || *o.volume > 1000)) return complete(std::move(h), error::out_of_range);
  if (o.start && *o.start < 0) return complete(std::move(h), error::out_of_range);
  if (o.end && *o.end <= 0) return complete(std::move(h), error::invalid_argument);
  if (o.user_data && !o.user_data->is_object()) return complete(std::move(h), error::invalid_argument);
  protocol::update_player f;
  protocol::update_player_track t;
  if (encoded) t.encoded = std::move(*encoded);
  t.identifier = std::move(identifier);
  t.user_data = o.user_data;
  f.track = std::move(t);
  f.position = o.start;
  if (o.end) f.end_time = *o.end;
  f.volume = o.volume;
  f.paused = o.paused;
  submit(std::move(f), true, o.no_replace, std::move(h));
}

HANABI_DECL void player::stop(handler_type h) {
  protocol::update_player f;
  f.track = protocol::update_player_track{};
  f.track->encoded = nullptr;
  submit(std::move(f), true, false, std::move(h));
}

HANABI_DECL void player::set_paused(bool paused, handler_type h) {
  protocol::update_player f;
  f.paused = paused;
  submit(std::move(f), false, false, std::move(h));
}

HANABI_DECL void player::seek(std::int64_t position, handler_type h) {
  if (position < 0) return complete(std::move(h), error::out_of_range);
  protocol::update_player f;
  f.position = position;
  submit(std::move(f), false, false, std::move(h));
}

HANABI_DECL void player::set_volume(int volume, handler_type h) {
  if (volume < 0 || volume > 1000) return complete(std::move(h), error::out_of_range);
  protocol::update_player f;
  f.volume = volume;
  submit(std::move(f), false, false, std::move(h));
}

HANABI_DECL void player::set_filters(protocol::filters filters, handler_type h) {
  if (auto ok = filters.validate(); !ok) return complete(std::move(h), ok.error().code);
  protocol::update_player f;
  f.filters = std::move(filters);
  submit(std::move(f), false, false, std::move(h));
}

HANABI_DECL std::int64_t player::relative_target(std::int64_t delta) const {
  auto target = std::max<std::int64_t>(0, position_at(clock::now()) + delta);
  if (track_ && !track_->info.is_stream && track_->info.length > 0) target = std::min(target, track_->info.length);
  return target;
}

HANABI_DECL void player::destroy(handler_type h) {
  if (destroyed_) return complete(std::move(h), error::no_player);
  destroyed_ = true;
  for (auto it = batches_.begin(); it != batches_.end();) {
    if (it->in_flight) {
      ++it;
      continue;
    }
    for (auto& w : it->waiters) complete(std::move(w), error::no_player);
    it = batches_.erase(it);
  }
  voice_.leave();
  if (!link_) return complete(std::move(h), {});
  link_->destroy_player(guild_, asio::bind_executor(executor_, [self = shared_from_this(), h = std::move(h)](
                                                                    error_code ec) mutable {
                          self->complete(std::move(h), ec);
                        }));
}

// --- Batching -------------------------------------------------------------

namespace detail {
// Later commands win; a new track resets what belonged to the previous one.
inline void merge_update(protocol::update_player& into, protocol::update_player f, bool starts_track) {
  if (starts_track) {
    into.track = std::move(f.track);
    into.position.reset();
    into.end_time.reset();
    into.paused.reset();
  }
  if (f.position) into.position = f.position;
  if (f.end_time.is_present()) into.end_time = f.end_time;
  if (f.volume) into.volume = f.volume;
  if (f.paused) into.paused = f.paused;
  if (f.filters) into.filters = std::move(f.filters);
  if (f.voice) into.voice = std::move(f.voice);
}
}  // namespace detail

HANABI_DECL void player::submit(protocol::update_player fragment, bool starts_track, bool no_replace, handler_type h) {
  if (destroyed_) return complete(std::move(h), error::no_player);
  if (batches_.empty() || batches_.back().closed || batches_.back().in_flight || no_replace) batches_.emplace_back();
  auto& b = batches_.back();
  detail::merge_update(b.body, std::move(fragment), starts_track);
  b.waiters.push_back(std::move(h));
  if (no_replace) b.no_replace = b.closed = true;
  pump();
}

HANABI_DECL void player::pump() {
  if (batches_.empty() || !link_) return;
  auto& b = batches_.front();
  if (b.in_flight) return;
  b.in_flight = true;
  b.id = ++patches_sent_;
  link_->update_player(guild_, b.body, b.no_replace,
                       asio::bind_executor(executor_, [self = shared_from_this(), id = b.id, via = link_](
                                                          error_code ec, protocol::player response) mutable {
                         self->on_patch_done(id, std::move(via), ec, std::move(response));
                       }));
}

HANABI_DECL void player::on_patch_done(std::uint64_t id, std::shared_ptr<player_link> via, error_code ec,
                                       protocol::player response) {
  // Matched by id: several PATCHes may be in flight on one node (an orphan and a restore).
  auto it = std::find_if(batches_.begin(), batches_.end(), [&](const batch& b) { return b.in_flight && b.id == id; });
  if (it == batches_.end()) return;
  if (it->orphaned) {
    // Sent to a node the player has left. A superseded restore is over; anything else
    // goes again, to the current node, after the restore.
    if (it->restore) {
      for (auto& w : it->waiters) complete(std::move(w), ec ? ec : error_code(error::node_shut_down));
      batches_.erase(it);
    } else {
      it->in_flight = it->orphaned = false;
    }
    return pump();
  }
  batch done = std::move(*it);
  batches_.erase(it);
  if (!ec) {
    apply_response(response, done.body);
    if (done.restore) emit(player_moved{done.move_from, via->node_name()});
  }
  for (auto& w : done.waiters) complete(std::move(w), ec);
  pump();
}

HANABI_DECL void player::apply_response(const protocol::player& r, const protocol::update_player& sent) {
  const auto now = clock::now();
  const bool new_track = sent.track && (sent.track->encoded.is_present() || sent.track->identifier);
  if (new_track) end_time_.reset();
  if (sent.end_time.has_value()) end_time_ = *sent.end_time;
  track_ = r.track;
  if (!track_) end_time_.reset();
  position_ = r.track ? r.track->info.position : 0;
  position_time_ = now;
  paused_ = r.paused;
  volume_ = r.volume;
  filters_ = r.filters;
  connected_ = r.state.connected;
  ping_ = r.state.ping;
}

HANABI_DECL void player::complete(handler_type h, error_code ec) {
  asio::post(executor_, asio::append(std::move(h), ec));
}

// --- Moves ----------------------------------------------------------------

HANABI_DECL void player::attach(std::shared_ptr<player_link> link) {
  link_ = std::move(link);
  pump();
}

HANABI_DECL void player::move_to(std::shared_ptr<player_link> to, handler_type handler) {
  batch restore;
  restore.body = restore_request(clock::now());
  restore.closed = restore.restore = true;
  restore.move_from = link_ ? link_->node_name() : parked_from_;
  restore.waiters.push_back(std::move(handler));
  for (auto it = batches_.begin(); it != batches_.end();) {
    if (it->in_flight) {
      it->orphaned = true;
      ++it;
    } else if (it->restore) {  // a restore that never went out: this one replaces it
      for (auto& w : it->waiters) restore.waiters.push_back(std::move(w));
      it = batches_.erase(it);
    } else {
      ++it;
    }
  }
  batches_.push_front(std::move(restore));
  link_ = std::move(to);
  parked_from_.clear();
  pump();
}

HANABI_DECL void player::park() {
  if (!link_) return;
  parked_from_ = link_->node_name();
  for (auto& b : batches_)
    if (b.in_flight) b.orphaned = true;
  link_.reset();
  emit(player_parked{parked_from_});
}

// --- Inputs ---------------------------------------------------------------

HANABI_DECL void player::on_voice_state_update(const voice_state_update& u) { voice_.on_voice_state_update(u); }
HANABI_DECL void player::on_voice_server_update(const voice_server_update& u) { voice_.on_voice_server_update(u); }

HANABI_DECL void player::on_player_update(const protocol::player_state& state, clock::time_point now) {
  position_ = state.position;
  position_time_ = now;
  ping_ = state.ping;
  if (state.connected && !connected_) voice_.on_connected();
  connected_ = state.connected;
}

HANABI_DECL void player::on_event(const protocol::ws_message& message, clock::time_point now) {
  std::visit(
      [&](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, protocol::player_update>) {
          on_player_update(m.state, now);
        } else if constexpr (std::is_same_v<T, protocol::track_start_event>) {
          track_ = m.track;
          position_ = 0;
          position_time_ = now;
          emit(m);
        } else if constexpr (std::is_same_v<T, protocol::track_end_event>) {
          // After a replace, the end of the old track arrives after the new one started.
          if (track_ && track_->encoded == m.track.encoded) {
            track_.reset();
            position_ = 0;
            end_time_.reset();
          }
          emit(m);
        } else if constexpr (std::is_same_v<T, protocol::websocket_closed_event>) {
          connected_ = false;
          ping_ = -1;
          emit(m);
          voice_.on_websocket_closed(m.code);
        } else if constexpr (std::is_same_v<T, protocol::track_exception_event> ||
                             std::is_same_v<T, protocol::track_stuck_event>) {
          emit(m);
        }
      },
      message);
}

HANABI_DECL void player::on_voice_event(const voice_event& e) { emit(e); }

HANABI_DECL void player::emit(player_event e) {
  if (cfg_.on_event) cfg_.on_event(e);
}

// --- The mirror -----------------------------------------------------------

HANABI_DECL std::int64_t player::position_at(clock::time_point now) const {
  if (!track_) return 0;
  double position = static_cast<double>(position_);
  if (!paused_ && connected_ && now > position_time_) {
    double rate = 1.0;
    if (filters_.timescale.has_value()) rate = filters_.timescale->speed * filters_.timescale->rate;
    position += std::chrono::duration<double, std::milli>(now - position_time_).count() * rate;
  }
  auto p = static_cast<std::int64_t>(position);
  if (!track_->info.is_stream && track_->info.length > 0) p = std::min(p, track_->info.length);
  return p;
}

HANABI_DECL player_snapshot player::snapshot(clock::time_point now) const {
  player_snapshot s;
  s.track = track_;
  s.position = position_at(now);
  s.paused = paused_;
  s.volume = volume_;
  s.filters = filters_;
  s.end_time = end_time_;
  s.connected = connected_;
  s.ping = ping_;
  if (link_) s.node = link_->node_name();
  return s;
}

HANABI_DECL protocol::update_player player::restore_request(clock::time_point now) const {
  protocol::update_player r;
  if (track_) {
    protocol::update_player_track t;
    t.encoded = track_->encoded;
    t.user_data = protocol::object_or_empty(track_->user_data);
    r.track = std::move(t);
    r.position = position_at(now);
    if (end_time_) r.end_time = *end_time_;
  }
  r.paused = paused_;
  r.volume = volume_;
  r.filters = filters_;
  if (voice_creds_)
    r.voice = protocol::voice_state{voice_creds_->token, voice_creds_->endpoint, voice_creds_->session_id,
                                    voice_creds_->channel};
  return r;
}

}  // namespace hanabi
