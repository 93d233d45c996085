// The fake Lavalink node (see fake_node.hpp). One io_context on one thread owns every socket,
// session, player and timer, so the node's state needs no locks; the public member functions
// post to that thread and wait.
//
// The class templates below are instantiated only in this file (plain and TLS streams), which
// is why they live in the .ipp rather than in an impl/*.hpp.
#pragma once

#include <hanabi/impl/testing_wire.ipp>
#include <hanabi/protocol/track_codec.hpp>
#include <hanabi/testing/fake_node.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <random>
#include <thread>
#include <unordered_map>

namespace hanabi::testing::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;
using frame_ptr = std::shared_ptr<const std::string>;

class node_core;

/// Anything the node must be able to close at shutdown or on kill().
class connection {
 public:
  virtual ~connection() = default;
  /// Closes the TCP socket at once: no close frame, no response.
  virtual void drop() = 0;
};

/// A client's WebSocket, plain or TLS. Writes are queued and sent one after the other.
class ws_link : public connection {
 public:
  virtual void send(frame_ptr frame) = 0;
  /// Sends a close frame with this code after the frame being written (pending ones are dropped).
  virtual void close(std::uint16_t code, std::string reason) = 0;
  virtual std::size_t pending() const = 0;
  std::string session_id;
};

// --- Sessions and players -------------------------------------------------------------

struct player {
  player(asio::any_io_executor ex, std::int64_t g) : guild(g), milestone(ex), updates(ex) {}
  std::int64_t guild;
  std::optional<protocol::track> track;
  track_behaviour behaviour = track_behaviour::plays;
  bool paused = false;
  int volume = 100;
  ojson filters = ojson::object();
  double rate = 1.0;  // from the timescale filter
  std::string voice_token, voice_endpoint, voice_session;
  std::optional<std::string> voice_channel;
  bool connected = false;
  std::optional<std::int64_t> end_time;
  bool stuck = false;
  bool ending = false;  // at its milestone: the position no longer advances while events go out
  // Position = base_position + (now - base_at) * time_scale * rate while advancing.
  std::int64_t base_position = 0;
  steady::time_point base_at{};
  std::uint64_t generation = 0;      // bumped when the track changes; stale update timers compare it
  std::uint64_t milestone_gen = 0;   // bumped on every reschedule; stale milestone timers compare it
  std::int64_t milestone_position = 0;  // where the track is when its milestone fires
  asio::steady_timer milestone;  // the track's next event (end, exception, stuck)
  asio::steady_timer updates;    // periodic playerUpdate
};

struct session {
  explicit session(asio::any_io_executor ex) : expiry(ex), stats(ex), drop(ex), ready(ex) {}
  std::string id;
  std::uint64_t user_id = 0;
  std::string client_name;
  bool resuming = false;
  std::int64_t timeout = 60;
  std::shared_ptr<ws_link> ws;     // null while paused
  std::deque<frame_ptr> queued;    // messages held for a resume
  std::map<std::int64_t, std::shared_ptr<player>> players;
  std::uint64_t generation = 0;    // bumped on every (re)attach and on shutdown
  bool alive = true;
  asio::steady_timer expiry, stats, drop, ready;
};

struct http_reply {
  unsigned status = 200;
  std::string body;
  std::string content_type = "application/json";
};

inline std::string percent_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else if (c == '%' && i + 2 < s.size()) {
      unsigned v = 0;
      auto [end, ec] = std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16);
      if (ec == std::errc{} && end == s.data() + i + 3) {
        out.push_back(static_cast<char>(v));
        i += 2;
      } else {
        out.push_back(c);
      }
    } else {
      out.push_back(c);
    }
  }
  return out;
}

struct parsed_target {
  std::string path;
  std::map<std::string, std::string, std::less<>> query;
};

inline parsed_target parse_target(std::string_view target) {
  parsed_target t;
  auto q = target.find('?');
  t.path = percent_decode(target.substr(0, q), false);
  if (q == std::string_view::npos) return t;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    auto pair = rest.substr(0, amp);
    auto eq = pair.find('=');
    auto key = percent_decode(pair.substr(0, eq), true);
    auto value = eq == std::string_view::npos ? std::string{} : percent_decode(pair.substr(eq + 1), true);
    t.query.emplace(std::move(key), std::move(value));
    if (amp == std::string_view::npos) break;
    rest = rest.substr(amp + 1);
  }
  return t;
}

inline std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    auto slash = path.find('/');
    parts.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash);
  }
  return parts;
}

/// Spring converts a path variable to a Java long; anything else is a 400.
inline std::optional<std::int64_t> parse_long(std::string_view s) noexcept {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

inline bool is_blank(std::string_view s) noexcept {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
}

/// A request that failed on the way: the status and message of its Spring error body.
struct rest_error {
  unsigned status;
  std::string message;
};

// --- The node -------------------------------------------------------------------------

class node_core {
 public:
  node_core(const fake_node_options& options, const catalogue& cat)
      : options_(options), catalogue_(cat), faults_(options.faults), rng_(std::random_device{}()) {}

  asio::io_context io;
  const fake_node_options& options() const noexcept { return options_; }
  const logger& log() const noexcept { return options_.log; }

  // Clocks. Simulated time runs time_scale times faster than steady time since start.
  void reset_clock() {
    started_steady_ = steady::now();
    started_epoch_ms_ = epoch_ms(std::chrono::system_clock::now());
  }
  double scale() const noexcept { return options_.time_scale > 0 ? options_.time_scale : 1.0; }
  std::int64_t sim_elapsed(steady::time_point from, steady::time_point to) const {
    return static_cast<std::int64_t>(std::chrono::duration<double, std::milli>(to - from).count() * scale());
  }
  std::int64_t sim_now_epoch() const { return started_epoch_ms_ + sim_elapsed(started_steady_, steady::now()); }
  std::int64_t uptime() const { return sim_elapsed(started_steady_, steady::now()); }
  steady::duration real_delay(double sim_ms) const {
    if (sim_ms <= 0) return steady::duration::zero();
    return std::chrono::duration_cast<steady::duration>(std::chrono::duration<double, std::milli>(sim_ms / scale()));
  }

  // --- Connections ---
  void track_connection(const std::shared_ptr<connection>& c) { connections_[c.get()] = c; }
  void forget_connection(connection* c) { connections_.erase(c); }
  void drop_all_connections() {
    auto all = connections_;
    for (auto& [ptr, weak] : all)
      if (auto c = weak.lock()) c->drop();
  }
  std::size_t websocket_count() const {
    return static_cast<std::size_t>(std::count_if(sessions_.begin(), sessions_.end(), [](const auto& kv) { return kv.second->ws != nullptr; }));
  }

  // --- REST ---
  http_reply handle_rest(http::verb method, std::string_view target, std::string_view auth, bool has_auth,
                         const std::string& body);

  // --- WebSocket lifecycle ---
  /// The handshake check (§3, §4.1): nullopt accepts, else the HTTP status to refuse with.
  std::optional<unsigned> check_handshake(std::string_view path, bool has_auth, std::string_view auth,
                                          std::string_view user_id) const {
    if (path != "/v4/websocket") return 404;
    if (!has_auth || auth != options_.password) return 401;
    auto id = parse_long(user_id);
    if (!id || *id == 0) return 400;
    return std::nullopt;
  }
  /// Finds the paused session to resume, or nullptr for a new session.
  std::shared_ptr<session> resumable(std::string_view id) const {
    auto it = sessions_.find(std::string(id));
    if (it == sessions_.end() || it->second->ws) return nullptr;
    return it->second;
  }
  void attach(const std::shared_ptr<ws_link>& link, std::shared_ptr<session> resumed, std::uint64_t user,
              std::string client_name);
  void on_ws_closed(ws_link* link);
  void count_client_frame() { ++counters_.client_frames_ignored; }
  void count_handshake(bool ok) { ++(ok ? counters_.websocket_handshakes : counters_.websocket_rejections); }
  void count_frame_sent() { ++counters_.frames_sent; }

  // --- Inspection and faults (called on the node's thread) ---
  std::vector<session_view> sessions_view() const {
    std::vector<session_view> out;
    for (const auto& [id, s] : sessions_) out.push_back(view(*s));
    return out;
  }
  std::optional<session_view> session_view_of(const std::string& id) const {
    auto it = sessions_.find(id);
    if (it == sessions_.end()) return std::nullopt;
    return view(*it->second);
  }
  std::optional<player_view> player_view_of(const std::string& sid, std::int64_t guild) const {
    auto s = find_session(sid);
    if (!s) return std::nullopt;
    auto it = s->players.find(guild);
    if (it == s->players.end()) return std::nullopt;
    return view(*it->second);
  }
  node_counters counters() const { return counters_; }
  std::vector<std::string> recorded() const { return recorded_; }
  void set_recording(bool on) { recording_ = on; }
  fault_options& faults() { return faults_; }

  void for_each_link(const std::string& sid, const std::function<void(session&)>& f) {
    for (auto& [id, s] : sessions_)
      if (s->ws && (sid.empty() || sid == id)) f(*s);
  }
  void send_raw(const std::string& sid, std::string text) {
    auto frame = std::make_shared<const std::string>(std::move(text));
    for_each_link(sid, [&](session& s) { write(s, frame); });
  }
  void flood(const std::string& sid, flood_options f);
  std::size_t pending(const std::string& sid) const {
    auto s = find_session(sid);
    return s && s->ws ? s->ws->pending() : 0;
  }
  void kill();
  void shutdown_sessions_gracefully();
  /// A Lavalink-side player event raised by the test (close_voice, stick_track...).
  void with_player(const std::string& sid, std::int64_t guild, const std::function<void(session&, player&)>& f) {
    auto s = find_session(sid);
    if (!s) return;
    auto it = s->players.find(guild);
    if (it != s->players.end()) f(*s, *it->second);
  }
  void voice_closed(session& s, player& p, int code, const std::string& reason, bool by_remote) {
    p.connected = false;
    send(s, ojson{{"op", "event"}, {"type", "WebSocketClosedEvent"}, {"guildId", std::to_string(p.guild)},
                  {"code", code}, {"reason", reason}, {"byRemote", by_remote}});
    send_player_update(s, p, false);
  }
  void track_exception(session& s, player& p, const std::string& message) {
    if (!p.track) return;
    emit_exception(s, p, message, protocol::severity::fault);
    end_track(s, p, "finished");
  }
  void track_stuck(session& s, player& p) {
    if (!p.track || p.stuck) return;
    rebase(p);
    p.stuck = true;
    ++p.milestone_gen;
    p.milestone.cancel();
    send(s, ojson{{"op", "event"}, {"type", "TrackStuckEvent"}, {"guildId", std::to_string(p.guild)},
                  {"track", track_json(live_track(p))}, {"thresholdMs", options_.stuck_threshold_ms}});
    send_player_update(s, p, false);
  }
  void track_cleanup(session& s, player& p) {
    if (p.track) end_track(s, p, "cleanup");
  }

 private:
  // --- Views ---
  player_view view(const player& p) const {
    player_view v;
    v.guild_id = p.guild;
    if (p.track) v.track = live_track(p);
    v.position = position(p);
    v.paused = p.paused;
    v.volume = p.volume;
    v.filters = nlohmann::json::parse(p.filters.dump());
    v.voice_token = p.voice_token;
    v.voice_endpoint = p.voice_endpoint;
    v.voice_session_id = p.voice_session;
    v.voice_channel_id = p.voice_channel;
    v.connected = p.connected;
    v.end_time = p.end_time;
    v.stuck = p.stuck;
    return v;
  }
  session_view view(const session& s) const {
    session_view v;
    v.id = s.id;
    v.user_id = s.user_id;
    v.client_name = s.client_name;
    v.connected = static_cast<bool>(s.ws);
    v.resuming = s.resuming;
    v.timeout_seconds = s.timeout;
    v.queued_messages = s.queued.size();
    for (const auto& [g, p] : s.players) v.players.push_back(view(*p));
    return v;
  }
  std::shared_ptr<session> find_session(std::string_view id) const {
    auto it = sessions_.find(std::string(id));
    return it == sessions_.end() ? nullptr : it->second;
  }

  // --- Playback ---
  bool advancing(const player& p) const {
    return p.track && !p.paused && !p.stuck && !p.ending && p.behaviour != track_behaviour::gets_stuck;
  }
  std::int64_t position(const player& p) const {
    if (!p.track) return 0;
    std::int64_t pos = p.base_position;
    if (advancing(p)) pos += static_cast<std::int64_t>(static_cast<double>(sim_elapsed(p.base_at, steady::now())) * p.rate);
    if (!p.track->info.is_stream) pos = std::min(pos, p.track->info.length);
    if (p.end_time) pos = std::min(pos, *p.end_time);  // the end marker stops the track there
    return std::max<std::int64_t>(pos, 0);
  }
  void rebase(player& p) {
    p.base_position = position(p);
    p.base_at = steady::now();
  }
  protocol::track live_track(const player& p) const {
    protocol::track t = *p.track;
    t.info.position = position(p);
    return t;
  }
  ojson player_state(const player& p) const {
    return ojson{{"time", sim_now_epoch()}, {"position", position(p)}, {"connected", p.connected},
                 {"ping", p.connected ? 20 : -1}};
  }
  ojson player_json(const player& p) const {
    return ojson{{"guildId", std::to_string(p.guild)},
                 {"track", p.track ? track_json(live_track(p)) : ojson(nullptr)},
                 {"volume", p.volume},
                 {"paused", p.paused},
                 {"state", player_state(p)},
                 {"voice",
                  {{"token", p.voice_token},
                   {"endpoint", p.voice_endpoint},
                   {"sessionId", p.voice_session},
                   {"channelId", nullable_json(p.voice_channel)}}},
                 {"filters", p.filters}};
  }
  void send_player_update(session& s, const player& p, bool periodic) {
    send(s, ojson{{"op", "playerUpdate"}, {"guildId", std::to_string(p.guild)}, {"state", player_state(p)}}, periodic);
  }
  void emit_exception(session& s, const player& p, const std::string& message, protocol::severity sev) {
    const std::string cause = "com.sedmelluq.discord.lavaplayer.tools.FriendlyException: " + message;
    protocol::exception e{message, sev, cause, cause + "\n\tat hanabi.testing.FakeTrack(fake)\n"};
    send(s, ojson{{"op", "event"}, {"type", "TrackExceptionEvent"}, {"guildId", std::to_string(p.guild)},
                  {"track", track_json(live_track(p))}, {"exception", exception_json(e)}});
  }
  void end_track(session& s, player& p, std::string_view reason) {
    auto ended = live_track(p);
    p.track.reset();
    p.end_time.reset();
    p.stuck = false;
    p.ending = false;
    p.base_position = 0;
    ++p.generation;
    ++p.milestone_gen;
    p.milestone.cancel();
    p.updates.cancel();
    send(s, ojson{{"op", "event"}, {"type", "TrackEndEvent"}, {"guildId", std::to_string(p.guild)},
                  {"track", track_json(ended)}, {"reason", reason}});
  }
  void start_track(session& s, player& p, protocol::track t, std::optional<std::int64_t> start,
                   std::optional<std::int64_t> end_time) {
    if (p.track) end_track(s, p, "replaced");
    t.info.position = 0;
    p.behaviour = catalogue::behaviour_of(t.info);
    p.track = std::move(t);
    p.end_time = end_time;
    p.stuck = false;
    p.base_position = start && p.track->info.is_seekable ? std::max<std::int64_t>(*start, 0) : 0;
    p.base_at = steady::now();
    ++p.generation;
    send(s, ojson{{"op", "event"}, {"type", "TrackStartEvent"}, {"guildId", std::to_string(p.guild)},
                  {"track", track_json(live_track(p))}});
    send_player_update(s, p, false);
    schedule(s, p);
    schedule_updates(s, p);
  }
  /// Arms the timer for the current track's next event, from its behaviour and position.
  void schedule(session& s, player& p) {
    ++p.milestone_gen;
    p.milestone.cancel();
    if (!p.track) return;
    std::optional<double> sim_ms;  // simulated ms of playback until the event
    const auto pos = position(p);
    p.milestone_position = pos;
    const double rate = p.rate > 0 ? p.rate : 0;
    switch (p.behaviour) {
      case track_behaviour::fails_to_load: sim_ms = 0; break;
      case track_behaviour::gets_stuck:
        if (!p.stuck) sim_ms = static_cast<double>(options_.stuck_threshold_ms) * (p.paused ? -1 : 1);
        break;
      case track_behaviour::stream:
        if (p.end_time && advancing(p) && rate > 0) {
          sim_ms = static_cast<double>(*p.end_time - pos) / rate;
          p.milestone_position = *p.end_time;
        }
        break;
      case track_behaviour::plays:
      case track_behaviour::throws_midway: {
        if (!advancing(p) || rate <= 0) break;
        std::int64_t target = p.track->info.length;
        if (p.behaviour == track_behaviour::throws_midway) target = std::min(target, target / 2);
        if (p.end_time) target = std::min(target, *p.end_time);
        sim_ms = static_cast<double>(target - pos) / rate;
        p.milestone_position = target;
        break;
      }
    }
    if (!sim_ms || *sim_ms < 0) return;
    p.milestone.expires_after(real_delay(*sim_ms));
    std::weak_ptr<session> ws = sessions_.at(s.id);
    auto gen = p.milestone_gen;
    auto guild = p.guild;
    p.milestone.async_wait([this, ws, gen, guild](boost::system::error_code) {
      auto sp = ws.lock();
      if (!sp || !sp->alive) return;
      auto it = sp->players.find(guild);
      if (it == sp->players.end() || it->second->milestone_gen != gen) return;
      on_milestone(*sp, *it->second);
    });
  }
  void on_milestone(session& s, player& p) {
    // The timer fires a little late; the track is exactly at its milestone.
    p.base_position = p.milestone_position;
    p.base_at = steady::now();
    p.ending = p.behaviour != track_behaviour::gets_stuck;
    const auto pos = p.base_position;
    switch (p.behaviour) {
      case track_behaviour::fails_to_load:
        emit_exception(s, p, "The fake track could not be loaded.", protocol::severity::common);
        return end_track(s, p, "loadFailed");
      case track_behaviour::gets_stuck: return track_stuck(s, p);
      case track_behaviour::throws_midway:
        if (!p.end_time || pos < *p.end_time) return track_exception(s, p, "The fake track broke midway.");
        return end_track(s, p, "finished");
      case track_behaviour::plays:
      case track_behaviour::stream: return end_track(s, p, "finished");
    }
  }
  void schedule_updates(session& s, player& p) {
    if (!p.track || options_.player_update_interval.count() <= 0) return;
    p.updates.expires_after(options_.player_update_interval);
    std::weak_ptr<session> ws = sessions_.at(s.id);
    auto gen = p.generation;
    auto guild = p.guild;
    p.updates.async_wait([this, ws, gen, guild](boost::system::error_code) {
      auto sp = ws.lock();
      if (!sp || !sp->alive) return;
      auto it = sp->players.find(guild);
      if (it == sp->players.end() || it->second->generation != gen || !it->second->track) return;
      send_player_update(*sp, *it->second, true);
      schedule_updates(*sp, *it->second);
    });
  }
  void destroy_player(session& s, std::int64_t guild, bool emit) {
    auto it = s.players.find(guild);
    if (it == s.players.end()) return;
    auto& p = *it->second;
    if (p.track && emit) end_track(s, p, "stopped");
    ++p.generation;
    ++p.milestone_gen;
    p.milestone.cancel();
    p.updates.cancel();
    s.players.erase(it);
  }
  void shutdown_session(const std::string& id) {
    auto it = sessions_.find(id);
    if (it == sessions_.end()) return;
    auto s = it->second;
    s->alive = false;
    ++s->generation;
    for (auto& [g, p] : s->players) {
      ++p->generation;
      ++p->milestone_gen;
      p->milestone.cancel();
      p->updates.cancel();
    }
    s->players.clear();
    s->expiry.cancel();
    s->stats.cancel();
    s->drop.cancel();
    s->ready.cancel();
    sessions_.erase(it);
  }

  // --- Sending ---
  void write(session& s, frame_ptr frame) {
    if (recording_) recorded_.push_back(*frame);
    if (s.ws) {
      ++counters_.frames_sent;
      s.ws->send(std::move(frame));
    } else {
      s.queued.push_back(std::move(frame));
    }
  }
  /// Sends a message to the session, or queues it while the session is paused. Periodic
  /// playerUpdates are skipped while paused, as Lavalink does (§5).
  void send(session& s, const ojson& msg, bool periodic = false) {
    if (!s.ws && periodic) return;
    write(s, std::make_shared<const std::string>(msg.dump()));
  }
  ojson stats_json(const session* for_ws) const {
    std::int64_t players = 0, playing = 0;
    for (const auto& [id, s] : sessions_)
      for (const auto& [g, p] : s->players) {
        ++players;
        if (p->track && !p->paused) ++playing;
      }
    ojson j;
    if (for_ws) j["op"] = "stats";
    j["players"] = players;
    j["playingPlayers"] = playing;
    j["uptime"] = uptime();
    j["memory"] = {{"free", 104857600}, {"used", 52428800}, {"allocated", 157286400}, {"reservable", 1073741824}};
    j["cpu"] = {{"cores", std::max(1u, std::thread::hardware_concurrency())}, {"systemLoad", 0.05}, {"lavalinkLoad", 0.01}};
    if (for_ws) j["frameStats"] = frame_stats(*for_ws);
    return j;
  }
  /// Averages over this session's playing players with a full simulated minute of audio: the
  /// fake node never misses a frame, so 3000 sent, none nulled, no deficit (§6.3).
  ojson frame_stats(const session& s) const {
    for (const auto& [g, p] : s.players)
      if (advancing(*p) && sim_elapsed(p->base_at, steady::now()) >= 60'000)
        return ojson{{"sent", 3000}, {"nulled", 0}, {"deficit", 0}};
    return nullptr;
  }
  void schedule_stats(const std::shared_ptr<session>& s, steady::duration delay) {
    s->stats.expires_after(delay);
    std::weak_ptr<session> ws = s;
    auto gen = s->generation;
    s->stats.async_wait([this, ws, gen](boost::system::error_code) {
      auto sp = ws.lock();
      if (!sp || !sp->alive || sp->generation != gen) return;
      send(*sp, stats_json(sp.get()));
      if (options_.stats_interval.count() > 0) schedule_stats(sp, options_.stats_interval);
    });
  }
  void send_ready(const std::shared_ptr<session>& s, bool resumed);

  // --- REST routes ---
  http_reply route(http::verb method, const parsed_target& t, const std::string& body);
  http_reply json_reply(const ojson& j, unsigned status = 200) const { return {status, j.dump(), "application/json"}; }
  http_reply error_reply(unsigned status, std::string_view message, const parsed_target& t) const {
    bool trace = t.query.count("trace") && t.query.at("trace") == "true";
    return {status, error_body(status, message, t.path, trace).dump(), "application/json"};
  }
  http_reply info_reply() const;
  http_reply load_reply(const parsed_target& t) const;
  http_reply decode_one(const parsed_target& t) const;
  http_reply decode_many(const parsed_target& t, const std::string& body) const;
  std::optional<protocol::track> decode(std::string_view encoded) const {
    auto d = protocol::decode_track(encoded);
    if (!d || !catalogue::knows_source(d->info.source_name)) return std::nullopt;
    protocol::track t;
    t.encoded = std::string(encoded);
    t.info = std::move(d->info);
    return t;
  }
  http_reply update_player(session& s, std::int64_t guild, const parsed_target& t, const std::string& body);
  http_reply update_session(session& s, const parsed_target& t, const std::string& body);
  std::string new_session_id() {
    static constexpr std::string_view alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
    std::string id;
    do {
      id.clear();
      for (int i = 0; i < 16; ++i) id.push_back(alphabet[pick(rng_)]);
    } while (sessions_.count(id));
    return id;
  }

  const fake_node_options& options_;
  const catalogue& catalogue_;
  fault_options faults_;
  std::mt19937_64 rng_;
  steady::time_point started_steady_ = steady::now();
  std::int64_t started_epoch_ms_ = 0;
  std::map<std::string, std::shared_ptr<session>> sessions_;
  std::unordered_map<connection*, std::weak_ptr<connection>> connections_;
  node_counters counters_;
  std::uint64_t rest_count_ = 0;
  bool recording_ = false;
  std::vector<std::string> recorded_;
};

// --- WebSocket connection ---------------------------------------------------------------

template <class Stream>
class ws_connection : public ws_link, public std::enable_shared_from_this<ws_connection<Stream>> {
 public:
  ws_connection(node_core& node, Stream&& stream) : node_(node), ws_(std::move(stream)) {}

  /// Accepts the upgrade with the Lavalink response headers, then starts reading.
  void accept(http::request<http::string_body> req, bool resumed,
              std::function<void(std::shared_ptr<ws_link>)> on_open) {
    websocket::stream_base::timeout to{};
    to.handshake_timeout = std::chrono::seconds(30);
    to.idle_timeout = websocket::stream_base::none();
    to.keep_alive_pings = false;
    ws_.set_option(to);
    ws_.set_option(websocket::stream_base::decorator([resumed](websocket::response_type& res) {
      res.set("Session-Resumed", resumed ? "true" : "false");
      res.set("Lavalink-Api-Version", "4");
      res.set(http::field::server, "hanabi-fake-node");
    }));
    ws_.read_message_max(1024 * 1024);
    upgrade_ = std::move(req);
    auto self = this->shared_from_this();
    ws_.async_accept(upgrade_, [self, on_open = std::move(on_open)](beast::error_code ec) {
      if (ec) return self->closed();
      self->open_ = true;
      self->accepted_ = true;
      on_open(self);
      self->read();
    });
  }

  void send(frame_ptr frame) override {
    if (!open_) return;
    outbox_.push_back(std::move(frame));
    if (!writing_) write_next();
  }
  void close(std::uint16_t code, std::string reason) override {
    if (!open_) return;
    outbox_.clear();
    close_code_ = websocket::close_reason(static_cast<websocket::close_code>(code), reason);
    if (!writing_) write_next();
  }
  void drop() override {
    open_ = false;
    outbox_.clear();
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(ws_).socket().close(ignored);
  }
  std::size_t pending() const override { return outbox_.size(); }

 private:
  void read() {
    auto self = this->shared_from_this();
    ws_.async_read(buffer_, [self](beast::error_code ec, std::size_t) {
      if (ec) return self->closed();
      self->buffer_.consume(self->buffer_.size());
      self->node_.count_client_frame();  // Lavalink ignores client frames (§1)
      self->read();
    });
  }
  void write_next() {
    if (!open_) return;
    auto self = this->shared_from_this();
    if (outbox_.empty()) {
      if (!close_code_) return;
      writing_ = true;
      auto reason = *close_code_;
      close_code_.reset();
      ws_.async_close(reason, [self](beast::error_code) { self->writing_ = false; });
      return;
    }
    writing_ = true;
    auto frame = outbox_.front();
    ws_.text(true);
    ws_.async_write(asio::buffer(*frame), [self, frame](beast::error_code ec, std::size_t) {
      self->writing_ = false;
      if (ec) return self->closed();
      if (!self->outbox_.empty()) self->outbox_.pop_front();
      self->write_next();
    });
  }
  void closed() {
    open_ = false;
    outbox_.clear();
    if (accepted_ && !notified_closed_) {
      notified_closed_ = true;
      node_.on_ws_closed(this);
    }
    node_.forget_connection(this);
  }

 private:
  node_core& node_;
  websocket::stream<Stream> ws_;
  http::request<http::string_body> upgrade_;
  beast::flat_buffer buffer_;
  std::deque<frame_ptr> outbox_;
  std::optional<websocket::close_reason> close_code_;
  bool writing_ = false;
  bool open_ = false;
  bool accepted_ = false;
  bool notified_closed_ = false;
};

// --- HTTP connection --------------------------------------------------------------------

template <class Stream>
class http_connection : public connection, public std::enable_shared_from_this<http_connection<Stream>> {
 public:
  http_connection(node_core& node, Stream&& stream) : node_(node), stream_(std::move(stream)), delay_(node.io) {}

  void start() { read(); }
  void drop() override {
    beast::error_code ignored;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(stream_).socket().close(ignored);
    delay_.cancel();
  }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(node_.options().max_body_bytes);
    parser_->header_limit(64 * 1024);
    auto self = this->shared_from_this();
    http::async_read(stream_, buffer_, *parser_, [self](beast::error_code ec, std::size_t) {
      if (ec == http::error::body_limit) return self->reply_too_large();
      if (ec) return self->finish();
      self->on_request();
    });
  }
  void on_request() {
    auto& req = parser_->get();
    auto auth = req.find(http::field::authorization);
    const bool has_auth = auth != req.end();
    const std::string_view auth_value = has_auth ? std::string_view(auth->value()) : std::string_view{};
    if (websocket::is_upgrade(req)) return upgrade(has_auth, auth_value);
    auto reply = node_.handle_rest(req.method(), req.target(), auth_value, has_auth, req.body());
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(reply.status), req.version());
    res->set(http::field::server, "hanabi-fake-node");
    res->set("Lavalink-Api-Version", "4");
    if (!reply.body.empty()) res->set(http::field::content_type, reply.content_type);
    res->body() = std::move(reply.body);
    res->keep_alive(req.keep_alive());
    res->prepare_payload();
    auto delay = node_.faults().rest_delay;
    if (delay.count() <= 0) return write(res);
    auto self = this->shared_from_this();
    delay_.expires_after(delay);
    delay_.async_wait([self, res](boost::system::error_code ec) {
      if (ec) return self->finish();
      self->write(res);
    });
  }
  void write(std::shared_ptr<http::response<http::string_body>> res) {
    auto self = this->shared_from_this();
    http::async_write(stream_, *res, [self, res](beast::error_code ec, std::size_t) {
      if (ec || !res->keep_alive()) return self->finish();
      self->read();
    });
  }
  void reply_too_large() {
    auto res = std::make_shared<http::response<http::string_body>>(http::status::payload_too_large, 11);
    res->set("Lavalink-Api-Version", "4");
    res->set(http::field::content_type, "application/json");
    res->body() = error_body(413, "Request body too large", "", false).dump();
    res->keep_alive(false);
    res->prepare_payload();
    write(res);
  }
  void refuse(unsigned status) {
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(status), 11);
    res->set("Lavalink-Api-Version", "4");
    res->keep_alive(false);
    res->prepare_payload();
    write(res);
  }
  void upgrade(bool has_auth, std::string_view auth) {
    auto req = parser_->release();
    auto target = parse_target(req.target());
    auto user = req.find("User-Id");
    std::string_view user_id = user == req.end() ? std::string_view{} : std::string_view(user->value());
    if (auto status = node_.check_handshake(target.path, has_auth, auth, user_id)) {
      node_.count_handshake(false);
      return refuse(*status);
    }
    auto resume_header = req.find("Session-Id");
    auto resumed = resume_header == req.end() ? nullptr : node_.resumable(resume_header->value());
    auto client = req.find("Client-Name");
    std::string client_name = client == req.end() ? std::string{} : std::string(client->value());
    auto uid = static_cast<std::uint64_t>(*parse_long(user_id));
    auto ws = std::make_shared<ws_connection<Stream>>(node_, std::move(stream_));
    node_.track_connection(ws);
    node_.forget_connection(this);
    node_core& node = node_;
    ws->accept(std::move(req), resumed != nullptr,
               [&node, resumed, uid, client_name](std::shared_ptr<ws_link> link) {
                 node.count_handshake(true);
                 node.attach(link, resumed, uid, client_name);
               });
  }
  void finish() {
    beast::error_code ignored;
    beast::get_lowest_layer(stream_).socket().close(ignored);
    node_.forget_connection(this);
  }

  node_core& node_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  asio::steady_timer delay_;
};

// --- node_core: sessions and WebSockets --------------------------------------------------

inline void node_core::attach(const std::shared_ptr<ws_link>& link, std::shared_ptr<session> resumed,
                              std::uint64_t user, std::string client_name) {
  std::shared_ptr<session> s = resumed;
  if (s && !s->alive) s = nullptr;  // expired between the handshake check and the accept
  const bool is_resume = s != nullptr;
  if (!s) {
    s = std::make_shared<session>(io.get_executor());
    s->id = new_session_id();
    sessions_[s->id] = s;
  }
  s->expiry.cancel();
  ++s->generation;
  s->user_id = user;
  s->client_name = std::move(client_name);
  s->ws = link;
  link->session_id = s->id;
  log().info("fake node: session {} {} (user {})", s->id, is_resume ? "resumed" : "opened", user);
  if (faults_.ready_delay.count() <= 0) return send_ready(s, is_resume);
  s->ready.expires_after(faults_.ready_delay);
  std::weak_ptr<session> ws = s;
  auto gen = s->generation;
  s->ready.async_wait([this, ws, gen, is_resume](boost::system::error_code) {
    auto sp = ws.lock();
    if (sp && sp->alive && sp->generation == gen && sp->ws) send_ready(sp, is_resume);
  });
}

inline void node_core::send_ready(const std::shared_ptr<session>& s, bool resumed) {
  send(*s, ojson{{"op", "ready"}, {"resumed", resumed}, {"sessionId", s->id}});
  if (resumed) {
    auto queued = std::move(s->queued);
    s->queued.clear();
    for (auto& frame : queued) write(*s, std::move(frame));
    for (auto& [g, p] : s->players) send_player_update(*s, *p, false);
  }
  schedule_stats(s, steady::duration::zero());
  if (faults_.drop_after.count() > 0) {
    s->drop.expires_after(faults_.drop_after);
    std::weak_ptr<session> ws = s;
    auto gen = s->generation;
    s->drop.async_wait([ws, gen](boost::system::error_code ec) {
      auto sp = ws.lock();
      if (!ec && sp && sp->alive && sp->generation == gen && sp->ws) sp->ws->drop();
    });
  }
}

inline void node_core::on_ws_closed(ws_link* link) {
  auto it = std::find_if(sessions_.begin(), sessions_.end(), [&](const auto& kv) { return kv.second->ws.get() == link; });
  if (it == sessions_.end()) return;
  auto s = it->second;
  s->ws.reset();
  s->ready.cancel();
  s->drop.cancel();
  if (!s->resuming) {
    log().info("fake node: session {} closed", s->id);
    return shutdown_session(s->id);
  }
  log().info("fake node: session {} paused for {} s (simulated)", s->id, s->timeout);
  ++s->generation;  // the stats timer keeps running: stats are queued while paused
  if (options_.stats_interval.count() > 0) schedule_stats(s, options_.stats_interval);
  s->expiry.expires_after(real_delay(static_cast<double>(s->timeout) * 1000.0));
  std::weak_ptr<session> ws = s;
  auto gen = s->generation;
  s->expiry.async_wait([this, ws, gen](boost::system::error_code) {
    auto sp = ws.lock();
    if (!sp || !sp->alive || sp->generation != gen || sp->ws) return;
    log().info("fake node: session {} expired", sp->id);
    shutdown_session(sp->id);
  });
}

inline void node_core::flood(const std::string& sid, flood_options f) {
  auto s = find_session(sid);
  if (!s || !s->ws || f.players == 0) return;
  auto batch = [this, f](session& target, std::size_t from, std::size_t to) {
    for (std::size_t i = from; i < to; ++i) {
      auto guild = static_cast<std::int64_t>(1 + i % f.players);
      ojson state{{"time", sim_now_epoch()}, {"position", static_cast<std::int64_t>(i) * 20}, {"connected", true}, {"ping", 20}};
      write(target, std::make_shared<const std::string>(
                        ojson{{"op", "playerUpdate"}, {"guildId", std::to_string(guild)}, {"state", state}}.dump()));
    }
  };
  if (f.rate == 0) return batch(*s, 0, f.messages);
  // Paced: one batch every 10 ms.
  auto per_tick = std::max<std::size_t>(1, f.rate / 100);
  auto timer = std::make_shared<asio::steady_timer>(io);
  auto sent = std::make_shared<std::size_t>(0);
  std::weak_ptr<session> ws = s;
  auto tick = std::make_shared<std::function<void()>>();
  std::weak_ptr<std::function<void()>> weak_tick = tick;
  *tick = [=]() {
    auto sp = ws.lock();
    if (!sp || !sp->alive || !sp->ws) return;
    auto to = std::min(f.messages, *sent + per_tick);
    batch(*sp, *sent, to);
    *sent = to;
    if (to >= f.messages) return;
    timer->expires_after(std::chrono::milliseconds(10));
    timer->async_wait([next = weak_tick.lock()](boost::system::error_code ec) {
      if (!ec && next) (*next)();
    });
  };
  (*tick)();
}

inline void node_core::kill() {
  log().info("fake node: killed");
  std::vector<std::string> ids;
  for (auto& [id, s] : sessions_) ids.push_back(id);
  for (auto& id : ids) {
    if (auto s = find_session(id)) s->ws.reset();
    shutdown_session(id);
  }
  drop_all_connections();
  reset_clock();
}

inline void node_core::shutdown_sessions_gracefully() {
  for (auto& [id, s] : sessions_)
    if (s->ws) s->ws->close(websocket::close_code::going_away, "Shutting down");
}

// --- node_core: REST ------------------------------------------------------------------------

inline std::string route_name(http::verb method, const std::vector<std::string_view>& parts) {
  std::string name = std::string(http::to_string(method)) + " ";
  for (std::size_t i = 0; i < parts.size(); ++i) {
    name += "/";
    if (parts.size() >= 3 && parts[0] == "v4" && parts[1] == "sessions" && i == 2) {
      name += "{sessionId}";
    } else if (parts.size() >= 5 && parts[0] == "v4" && parts[1] == "sessions" && parts[3] == "players" && i == 4) {
      name += "{guildId}";
    } else {
      name += parts[i];
    }
  }
  return name;
}

inline http_reply node_core::handle_rest(http::verb method, std::string_view target, std::string_view auth,
                                         bool has_auth, const std::string& body) {
  auto t = parse_target(target);
  ++counters_.rest_calls[route_name(method, split_path(t.path))];
  ++rest_count_;
  if (!has_auth) return {401, {}, {}};
  if (auth != options_.password) return {403, {}, {}};
  if (faults_.fail_every_nth_rest > 0 && rest_count_ % faults_.fail_every_nth_rest == 0) {
    ++counters_.injected_rest_failures;
    return error_reply(faults_.fail_status, "Injected failure (hanabi fake node)", t);
  }
  return route(method, t, body);
}

inline http_reply node_core::route(http::verb method, const parsed_target& t, const std::string& body) {
  auto parts = split_path(t.path);
  auto not_allowed = [&] {
    return error_reply(405, fmt::format("Request method '{}' is not supported", std::string(http::to_string(method))), t);
  };
  auto not_found = [&] { return error_reply(404, fmt::format("No static resource {}.", t.path.substr(1)), t); };
  if (parts.size() == 1 && parts[0] == "version") {
    if (method != http::verb::get) return not_allowed();
    return {200, options_.version, "text/plain;charset=UTF-8"};
  }
  if (parts.empty() || parts[0] != "v4") return not_found();
  if (parts.size() == 2) {
    const auto name = parts[1];
    const bool get = method == http::verb::get;
    if (name == "info") return get ? info_reply() : not_allowed();
    if (name == "stats") return get ? json_reply(stats_json(nullptr)) : not_allowed();
    if (name == "loadtracks") return get ? load_reply(t) : not_allowed();
    if (name == "decodetrack") return get ? decode_one(t) : not_allowed();
    if (name == "decodetracks") return method == http::verb::post ? decode_many(t, body) : not_allowed();
    if (name == "websocket") return error_reply(400, "Can \"Upgrade\" only to \"WebSocket\".", t);
    return not_found();
  }
  if (parts[1] == "routeplanner") {
    // No route planner is configured on the fake node (§7.13).
    if (parts.size() == 3 && parts[2] == "status")
      return method == http::verb::get ? http_reply{204, {}, {}} : not_allowed();
    if (parts.size() == 4 && parts[2] == "free" && (parts[3] == "address" || parts[3] == "all"))
      return method == http::verb::post ? error_reply(500, "Can't access disabled route planner", t) : not_allowed();
    return not_found();
  }
  if (parts[1] != "sessions" || parts.size() < 3 || parts.size() > 5 || (parts.size() >= 4 && parts[3] != "players"))
    return not_found();
  std::optional<std::int64_t> guild;
  if (parts.size() == 5) {
    guild = parse_long(parts[4]);
    if (!guild)
      return error_reply(400,
                         fmt::format("Failed to convert value of type 'java.lang.String' to required type 'long'; "
                                     "For input string: \"{}\"",
                                     std::string(parts[4])),
                         t);
  }
  if (parts.size() == 3 && method != http::verb::patch) return not_allowed();
  if (parts.size() == 4 && method != http::verb::get) return not_allowed();
  if (parts.size() == 5 && method != http::verb::get && method != http::verb::patch && method != http::verb::delete_)
    return not_allowed();
  // Spring reads the body before the handler looks the session up.
  nlohmann::json parsed;
  if (method == http::verb::patch) {
    parsed = nlohmann::json::parse(body, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object()) return error_reply(400, "Failed to read request", t);
  }
  auto s = find_session(parts[2]);
  if (!s) return error_reply(404, "Session not found", t);
  if (parts.size() == 3) return update_session(*s, t, body);
  if (parts.size() == 4) {
    ojson all = ojson::array();
    for (const auto& [g, p] : s->players) all.push_back(player_json(*p));
    return json_reply(all);
  }
  if (method == http::verb::get) {
    auto it = s->players.find(*guild);
    if (it == s->players.end()) return error_reply(404, "Player not found", t);
    return json_reply(player_json(*it->second));
  }
  if (method == http::verb::delete_) {
    destroy_player(*s, *guild, true);
    return {204, {}, {}};
  }
  return update_player(*s, *guild, t, body);
}

inline http_reply node_core::info_reply() const {
  int major = 0, minor = 0, patch = 0;
  std::optional<std::string> pre;
  std::string_view v = options_.version;
  auto dash = v.find('-');
  if (dash != std::string_view::npos) pre = std::string(v.substr(dash + 1));
  std::sscanf(std::string(v.substr(0, dash)).c_str(), "%d.%d.%d", &major, &minor, &patch);
  ojson filters = ojson::array();
  for (const char* f : {"volume", "equalizer", "karaoke", "timescale", "tremolo", "vibrato", "distortion", "rotation",
                        "channelMix", "lowPass"})
    if (std::find(options_.disabled_filters.begin(), options_.disabled_filters.end(), f) == options_.disabled_filters.end())
      filters.push_back(f);
  return json_reply(ojson{
      {"version", {{"semver", options_.version}, {"major", major}, {"minor", minor}, {"patch", patch}, {"preRelease", nullable_json(pre)}}},
      {"buildTime", -1},
      {"git", {{"branch", "main"}, {"commit", "fakenod"}, {"commitTime", -1}}},
      {"jvm", "none (hanabi fake node)"},
      {"lavaplayer", "none (hanabi fake node)"},
      {"sourceManagers", {"fake", "http"}},
      {"filters", filters},
      {"plugins", ojson::array()}});
}

inline http_reply node_core::load_reply(const parsed_target& t) const {
  auto it = t.query.find("identifier");
  if (it == t.query.end())
    return error_reply(400, "Required request parameter 'identifier' for method parameter type String is not present", t);
  return json_reply(load_result_json(catalogue_.load(it->second)));
}

inline constexpr std::string_view decode_failure = "Failed to decode track due to a mismatching version or missing source manager";

inline http_reply node_core::decode_one(const parsed_target& t) const {
  auto it = t.query.find("encodedTrack");
  if (it == t.query.end()) it = t.query.find("track");
  if (it == t.query.end()) return error_reply(400, "No track to decode provided", t);
  auto track = decode(it->second);
  if (!track) return error_reply(500, decode_failure, t);
  return json_reply(track_json(*track));
}

inline http_reply node_core::decode_many(const parsed_target& t, const std::string& body) const {
  auto parsed = nlohmann::json::parse(body, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_array()) return error_reply(400, "Failed to read request", t);
  if (parsed.empty()) return error_reply(400, "No tracks to decode provided", t);
  ojson out = ojson::array();
  for (const auto& item : parsed) {
    if (!item.is_string()) return error_reply(400, "Failed to read request", t);
    auto track = decode(item.get<std::string>());
    if (!track) return error_reply(500, decode_failure, t);
    out.push_back(track_json(*track));
  }
  return json_reply(out);
}

inline http_reply node_core::update_session(session& s, const parsed_target& t, const std::string& body) {
  auto parsed = nlohmann::json::parse(body, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) return error_reply(400, "Failed to read request", t);
  auto resuming = parsed.find("resuming");
  auto timeout = parsed.find("timeout");
  if ((resuming != parsed.end() && !resuming->is_boolean()) || (timeout != parsed.end() && !timeout->is_number_integer()))
    return error_reply(400, "Failed to read request", t);
  if (resuming != parsed.end()) s.resuming = resuming->get<bool>();
  if (timeout != parsed.end()) s.timeout = timeout->get<std::int64_t>();
  return json_reply(ojson{{"resuming", s.resuming}, {"timeout", s.timeout}});
}

/// The PATCH body with Lavalink's absent/null distinction kept (§7.6, §8).
struct player_patch {
  bool track_present = false;  // the `track` object
  bool legacy_present = false; // encodedTrack or identifier at the top level
  bool encoded_present = false;
  std::optional<std::string> encoded;  // present + nullopt = null: stop
  std::optional<std::string> identifier;
  std::optional<nlohmann::json> user_data;
  std::optional<std::int64_t> position;
  bool end_time_present = false;
  std::optional<std::int64_t> end_time;
  std::optional<std::int64_t> volume;
  std::optional<bool> paused;
  std::optional<normalized_filters> filters;
  bool voice_present = false;
  std::string token, endpoint, voice_session;
  std::optional<std::string> channel;
};

/// Reads the body as Lavalink's deserializer would; false means Spring's generic 400.
inline bool read_patch(const nlohmann::json& j, player_patch& p) {
  auto get = [&](const nlohmann::json& obj, const char* key) -> const nlohmann::json* {
    auto it = obj.find(key);
    return it == obj.end() ? nullptr : &*it;
  };
  auto read_encoded = [&](const nlohmann::json& v) {
    if (!v.is_null() && !v.is_string()) return false;
    p.encoded_present = true;
    if (v.is_string()) p.encoded = v.get<std::string>();
    return true;
  };
  if (auto* track = get(j, "track")) {
    if (!track->is_object()) return false;
    p.track_present = true;
    if (auto* e = get(*track, "encoded"); e && !read_encoded(*e)) return false;
    if (auto* i = get(*track, "identifier")) {
      if (!i->is_string()) return false;
      p.identifier = i->get<std::string>();
    }
    if (auto* u = get(*track, "userData")) {
      if (!u->is_object()) return false;
      p.user_data = *u;
    }
  }
  if (auto* e = get(j, "encodedTrack")) {
    p.legacy_present = true;
    if (!p.track_present && !read_encoded(*e)) return false;
  }
  if (auto* i = get(j, "identifier")) {
    if (!i->is_string()) return false;
    p.legacy_present = true;
    if (!p.track_present) p.identifier = i->get<std::string>();
  }
  if (auto* v = get(j, "position")) {
    if (!v->is_number_integer()) return false;
    p.position = v->get<std::int64_t>();
  }
  if (auto* v = get(j, "endTime")) {
    if (!v->is_null() && !v->is_number_integer()) return false;
    p.end_time_present = true;
    if (!v->is_null()) p.end_time = v->get<std::int64_t>();
  }
  if (auto* v = get(j, "volume")) {
    if (!v->is_number_integer()) return false;
    p.volume = v->get<std::int64_t>();
  }
  if (auto* v = get(j, "paused")) {
    if (!v->is_boolean()) return false;
    p.paused = v->get<bool>();
  }
  if (auto* v = get(j, "filters")) {
    p.filters = normalize_filters(*v);
    if (!p.filters) return false;
  }
  if (auto* v = get(j, "voice")) {
    if (!v->is_object()) return false;
    p.voice_present = true;
    for (auto [key, out] : {std::pair{"token", &p.token}, {"endpoint", &p.endpoint}, {"sessionId", &p.voice_session}}) {
      auto* f = get(*v, key);
      if (f && !f->is_string()) return false;
      if (f) *out = f->get<std::string>();
    }
    if (auto* c = get(*v, "channelId")) {
      if (!c->is_null() && !c->is_string()) return false;
      if (c->is_string()) p.channel = c->get<std::string>();
    }
  }
  return true;
}

inline http_reply node_core::update_player(session& s, std::int64_t guild, const parsed_target& t, const std::string& body) {
  player_patch patch;
  if (!read_patch(nlohmann::json::parse(body, nullptr, false), patch)) return error_reply(400, "Failed to read request", t);
  // Validation, in the server's order (§8 step 2).
  if (patch.track_present && patch.legacy_present)
    return error_reply(400, "Cannot specify both track and encodedTrack/identifier", t);
  if (patch.encoded_present && patch.identifier) return error_reply(400, "Cannot specify both encodedTrack and identifier", t);
  if (patch.filters) {
    std::vector<std::string> refused;
    for (const auto& name : patch.filters->named)
      if (std::find(options_.disabled_filters.begin(), options_.disabled_filters.end(), name) != options_.disabled_filters.end())
        refused.push_back(name);
    if (!refused.empty())
      return error_reply(400, fmt::format("Following filters are disabled in the config: {}", fmt::join(refused, ", ")), t);
  }
  if (patch.voice_present && (is_blank(patch.token) || is_blank(patch.endpoint) || is_blank(patch.voice_session) ||
                              !patch.channel || is_blank(*patch.channel)))
    return error_reply(400, "token, endpoint, sessionId and channelId must be provided in voice state", t);
  if (patch.end_time && *patch.end_time <= 0) return error_reply(400, "End time must be greater than 0", t);

  // From here on the player exists, even if a later step fails (§8 step 3).
  auto& slot = s.players[guild];
  if (!slot) slot = std::make_shared<player>(io.get_executor(), guild);
  player& p = *slot;

  if (patch.voice_present) {
    const bool changed = !p.connected || p.voice_token != patch.token || p.voice_endpoint != patch.endpoint ||
                         p.voice_session != patch.voice_session || p.voice_channel != patch.channel;
    if (changed) {
      p.voice_token = patch.token;
      p.voice_endpoint = patch.endpoint;
      p.voice_session = patch.voice_session;
      p.voice_channel = patch.channel;
      // Endpoints under fail.invalid stand for a voice server that cannot be reached.
      p.connected = patch.endpoint.rfind("fail.invalid") == std::string::npos;
      if (!p.connected) return error_reply(500, "Failed to connect to voice server", t);
      send_player_update(s, p, false);  // the voice gateway became ready
    }
  }
  const bool new_track = patch.encoded_present || patch.identifier.has_value();
  if (!new_track) {
    if (patch.paused && *patch.paused != p.paused) {
      rebase(p);
      p.paused = *patch.paused;
      schedule(s, p);
    }
    if (patch.user_data && p.track) p.track->user_data = *patch.user_data;
  }
  if (patch.volume) p.volume = static_cast<int>(std::clamp<std::int64_t>(*patch.volume, 0, 1000));
  if (!new_track && patch.position && p.track) {
    if (p.track->info.is_seekable) {
      p.base_position = std::clamp<std::int64_t>(*patch.position, 0, p.track->info.length);
      p.base_at = steady::now();
      schedule(s, p);
    }
    send_player_update(s, p, false);
  }
  if (!new_track && patch.end_time && p.track) {
    p.end_time = patch.end_time;
    schedule(s, p);
  }
  if (patch.filters) {
    rebase(p);
    p.filters = patch.filters->active;
    p.rate = patch.filters->rate;
    schedule(s, p);
    if (patch.filters->bad_band)
      return error_reply(500, fmt::format("Index {} out of bounds for length 15", *patch.filters->bad_band), t);
    send_player_update(s, p, false);
  }
  if (new_track) {
    if (t.query.count("noReplace") && t.query.at("noReplace") == "true" && p.track) return json_reply(player_json(p));
    rebase(p);
    p.paused = patch.paused.value_or(false);
    std::optional<protocol::track> next;
    if (patch.encoded_present && patch.encoded) {
      next = decode(*patch.encoded);
      if (!next) return error_reply(500, decode_failure, t);
    } else if (patch.identifier) {
      auto loaded = catalogue_.load(*patch.identifier);
      if (auto* failed = std::get_if<protocol::load_failed>(&loaded))
        return error_reply(500, failed->exception.message.value_or(""), t);
      auto one = catalogue_.resolve_one(*patch.identifier);
      if (!one) return error_reply(400, one.error().diag.best_message(), t);
      next = std::move(*one);
    }
    if (next) {
      if (patch.user_data) next->user_data = *patch.user_data;
      start_track(s, p, std::move(*next), patch.position, patch.end_time);
    } else if (p.track) {
      end_track(s, p, "stopped");
    }
  }
  return json_reply(player_json(p));
}

}  // namespace hanabi::testing::detail

// --- fake_node ---------------------------------------------------------------------------

namespace hanabi::testing {

class fake_node::impl {
 public:
  impl(const fake_node_options& o, const testing::catalogue& c) : core(o, c), acceptor(core.io) {}

  detail::node_core core;
  boost::asio::ip::tcp::acceptor acceptor;
  std::optional<boost::asio::ssl::context> tls;
  // Keeps io.run() going while the node is up, even with no socket open.
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work;
  std::thread thread;
  std::uint16_t port = 0;
  bool running = false;

  void accept() {
    acceptor.async_accept([this](boost::system::error_code ec, boost::asio::ip::tcp::socket socket) {
      if (ec == boost::asio::error::operation_aborted || !acceptor.is_open()) return;
      if (!ec) serve(std::move(socket));
      accept();
    });
  }
  void serve(boost::asio::ip::tcp::socket socket) {
    namespace beast = boost::beast;
    socket.set_option(boost::asio::ip::tcp::no_delay(true));
    if (!tls) {
      auto c = std::make_shared<detail::http_connection<beast::tcp_stream>>(core, beast::tcp_stream(std::move(socket)));
      core.track_connection(c);
      return c->start();
    }
    auto stream = std::make_shared<beast::ssl_stream<beast::tcp_stream>>(beast::tcp_stream(std::move(socket)), *tls);
    stream->async_handshake(boost::asio::ssl::stream_base::server, [this, stream](boost::system::error_code ec) {
      if (ec) return;
      auto c = std::make_shared<detail::http_connection<beast::ssl_stream<beast::tcp_stream>>>(core, std::move(*stream));
      core.track_connection(c);
      c->start();
    });
  }

  /// Runs f on the node's thread and returns its result.
  template <class F>
  auto call(F&& f) -> decltype(f()) {
    if (!running) return f();
    std::packaged_task<decltype(f())()> task(std::forward<F>(f));
    auto result = task.get_future();
    boost::asio::post(core.io, [&task] { task(); });
    return result.get();
  }
};

HANABI_DECL fake_node::fake_node(fake_node_options options)
    : options_(std::move(options)), catalogue_(options_.catalogue), impl_(std::make_unique<impl>(options_, catalogue_)) {}

HANABI_DECL fake_node::~fake_node() { stop(); }

HANABI_DECL std::uint16_t fake_node::start() {
  if (impl_->running) return impl_->port;
  namespace asio = boost::asio;
  if (impl_->core.io.stopped()) impl_->core.io.restart();
  if (options_.tls) {
    impl_->tls.emplace(asio::ssl::context::tls_server);
    impl_->tls->use_certificate_chain(asio::buffer(options_.tls->certificate_pem));
    impl_->tls->use_private_key(asio::buffer(options_.tls->private_key_pem), asio::ssl::context::pem);
  }
  asio::ip::tcp::endpoint ep(asio::ip::make_address(options_.address), options_.port);
  auto& acc = impl_->acceptor;
  acc.open(ep.protocol());
  acc.set_option(asio::socket_base::reuse_address(true));
  acc.bind(ep);
  acc.listen();
  impl_->port = acc.local_endpoint().port();
  impl_->core.faults() = options_.faults;
  impl_->core.reset_clock();
  impl_->accept();
  impl_->running = true;
  impl_->work.emplace(impl_->core.io.get_executor());
  impl_->thread = std::thread([this] { impl_->core.io.run(); });
  options_.log.info("fake node: listening on {}:{}", options_.address, impl_->port);
  return impl_->port;
}

HANABI_DECL void fake_node::stop() {
  if (!impl_->running) return;
  // Graceful like Lavalink: close frames with 1001, then every socket, then the thread.
  impl_->call([this] {
    boost::system::error_code ignored;
    impl_->acceptor.close(ignored);
    impl_->core.shutdown_sessions_gracefully();
  });
  // Let the close handshakes finish (a client that does not answer is cut off after the grace).
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  impl_->call([this] { impl_->core.kill(); });
  impl_->work.reset();
  impl_->core.io.stop();
  impl_->thread.join();
  impl_->running = false;
  impl_->core.io.restart();
  impl_ = std::make_unique<impl>(options_, catalogue_);
}

HANABI_DECL std::uint16_t fake_node::port() const noexcept { return impl_->running ? impl_->port : 0; }
HANABI_DECL std::string fake_node::base_url() const {
  return fmt::format("{}://{}:{}", options_.tls ? "https" : "http", options_.address, port());
}
HANABI_DECL std::string fake_node::websocket_url() const {
  return fmt::format("{}://{}:{}/v4/websocket", options_.tls ? "wss" : "ws", options_.address, port());
}

HANABI_DECL std::vector<session_view> fake_node::sessions() const {
  return impl_->call([this] { return impl_->core.sessions_view(); });
}
HANABI_DECL std::optional<session_view> fake_node::session(const std::string& id) const {
  return impl_->call([&] { return impl_->core.session_view_of(id); });
}
HANABI_DECL std::optional<player_view> fake_node::player(const std::string& sid, std::int64_t guild) const {
  return impl_->call([&] { return impl_->core.player_view_of(sid, guild); });
}
HANABI_DECL node_counters fake_node::counters() const {
  return impl_->call([this] { return impl_->core.counters(); });
}
HANABI_DECL std::size_t fake_node::websocket_count() const {
  return impl_->call([this] { return impl_->core.websocket_count(); });
}
HANABI_DECL std::vector<std::string> fake_node::sent_messages() const {
  return impl_->call([this] { return impl_->core.recorded(); });
}
HANABI_DECL void fake_node::record_messages(bool on) {
  impl_->call([&] { impl_->core.set_recording(on); });
}

HANABI_DECL void fake_node::drop_websocket(const std::string& sid, std::chrono::milliseconds delay) {
  impl_->call([&] {
    auto drop = [this, sid] { impl_->core.for_each_link(sid, [](detail::session& s) { s.ws->drop(); }); };
    if (delay.count() <= 0) return drop();
    auto timer = std::make_shared<boost::asio::steady_timer>(impl_->core.io, delay);
    timer->async_wait([timer, drop](boost::system::error_code ec) {
      if (!ec) drop();
    });
  });
}
HANABI_DECL void fake_node::close_websocket(const std::string& sid, std::uint16_t code, const std::string& reason) {
  impl_->call([&] { impl_->core.for_each_link(sid, [&](detail::session& s) { s.ws->close(code, reason); }); });
}
HANABI_DECL void fake_node::send_malformed_frame(const std::string& sid) {
  impl_->call([&] { impl_->core.send_raw(sid, "{\"op\":\"playerUpdate\",\"guildId\":"); });
}
HANABI_DECL void fake_node::send_oversized_frame(const std::string& sid, std::size_t bytes) {
  impl_->call([&] {
    std::string padding(bytes > 64 ? bytes - 64 : 0, 'x');
    impl_->core.send_raw(sid, detail::ojson{{"op", "stats"}, {"padding", padding}}.dump());
  });
}
HANABI_DECL void fake_node::send_unknown_op(const std::string& sid) {
  impl_->call([&] { impl_->core.send_raw(sid, R"({"op":"fakeUnknownOp","guildId":"1"})"); });
}
HANABI_DECL void fake_node::send_raw(const std::string& sid, const std::string& text) {
  impl_->call([&] { impl_->core.send_raw(sid, text); });
}
HANABI_DECL void fake_node::flood(const std::string& sid, flood_options f) {
  impl_->call([&] { impl_->core.flood(sid, f); });
}
HANABI_DECL std::size_t fake_node::pending_frames(const std::string& sid) const {
  return impl_->call([&] { return impl_->core.pending(sid); });
}
HANABI_DECL void fake_node::kill() {
  impl_->call([this] { impl_->core.kill(); });
}

HANABI_DECL void fake_node::fail_every_nth_rest(std::uint32_t n, unsigned status) {
  impl_->call([&] {
    impl_->core.faults().fail_every_nth_rest = n;
    impl_->core.faults().fail_status = status;
  });
}
HANABI_DECL void fake_node::set_rest_delay(std::chrono::milliseconds d) {
  impl_->call([&] { impl_->core.faults().rest_delay = d; });
}
HANABI_DECL void fake_node::set_ready_delay(std::chrono::milliseconds d) {
  impl_->call([&] { impl_->core.faults().ready_delay = d; });
}
HANABI_DECL void fake_node::set_drop_after(std::chrono::milliseconds d) {
  impl_->call([&] { impl_->core.faults().drop_after = d; });
}

HANABI_DECL void fake_node::close_voice(const std::string& sid, std::int64_t guild, int code, const std::string& reason,
                                        bool by_remote) {
  impl_->call([&] {
    impl_->core.with_player(sid, guild, [&](detail::session& s, detail::player& p) {
      impl_->core.voice_closed(s, p, code, reason, by_remote);
    });
  });
}
HANABI_DECL void fake_node::throw_track_exception(const std::string& sid, std::int64_t guild, const std::string& message) {
  impl_->call([&] {
    impl_->core.with_player(sid, guild, [&](detail::session& s, detail::player& p) { impl_->core.track_exception(s, p, message); });
  });
}
HANABI_DECL void fake_node::stick_track(const std::string& sid, std::int64_t guild) {
  impl_->call([&] {
    impl_->core.with_player(sid, guild, [&](detail::session& s, detail::player& p) { impl_->core.track_stuck(s, p); });
  });
}
HANABI_DECL void fake_node::cleanup_track(const std::string& sid, std::int64_t guild) {
  impl_->call([&] {
    impl_->core.with_player(sid, guild, [&](detail::session& s, detail::player& p) { impl_->core.track_cleanup(s, p); });
  });
}

}  // namespace hanabi::testing
