#pragma once

#include <hanabi/detail/node_fsm.hpp>
#include <hanabi/detail/player_update_scanner.hpp>
#include <hanabi/detail/url.hpp>
#include <hanabi/node/node.hpp>
#include <hanabi/protocol/decoder.hpp>
#include <hanabi/protocol/encode.hpp>
#include <hanabi/transport/rest_client.hpp>
#include <hanabi/transport/ws_client.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <random>
#include <unordered_map>
#include <unordered_set>

namespace hanabi {
namespace detail {

namespace http = boost::beast::http;

/// The node's strand. Over an io_context's own executor it is made on that concrete executor: such
/// a strand fits any_io_executor's inline storage, so the copies Asio and Beast make of the node's
/// executor (several per message read) do not allocate a heap-held strand each, and reach the
/// io_context without a second type-erased executor.
inline asio::any_io_executor make_node_strand(asio::any_io_executor ex) {
  if (const auto* io = ex.target<asio::io_context::executor_type>()) return asio::make_strand(*io);
  return asio::make_strand(std::move(ex));
}

/// Everything a node owns. Shared by the node object and the coroutines running for it,
/// so a node can be destroyed while they finish. Only touched on `strand`.
struct node_impl {
  node_impl(asio::any_io_executor ex, node_config cfg)
      : strand(make_node_strand(std::move(ex))), config(std::move(cfg)), log(config.log.with_prefix(config.name)),
        url(parse_endpoint_url(config.url)), ws(strand),
        fsm(config.reconnect, config.resuming, config.session_id, std::random_device{}()),
        state_changed(strand), backoff_timer(strand) {
    state_changed.expires_at(asio::steady_timer::time_point::max());
    if (!url) return;
    transport::rest_options rest_opts;
    rest_opts.url = *url;
    rest_opts.password = config.password;
    rest_opts.max_connections = config.max_rest_connections;
    rest_opts.connect_timeout = config.connect_timeout;
    rest_opts.request_timeout = config.request_timeout;
    rest_opts.max_body_size = config.max_body_size;
    rest_opts.get_retries = config.get_retries;
    rest_opts.tls_context = config.tls_context;
    rest_opts.log = log;
    rest = std::make_unique<transport::rest_client>(strand, std::move(rest_opts));
    ws_opts.url = *url;
    ws_opts.password = config.password;
    ws_opts.user = config.user;
    ws_opts.connect_timeout = config.connect_timeout;
    ws_opts.handshake_timeout = config.handshake_timeout;
    ws_opts.idle_timeout = config.idle_timeout;
    ws_opts.max_frame_size = config.max_frame_size;
    ws_opts.tls_context = config.tls_context;
  }

  asio::any_io_executor strand;
  node_config config;
  logger log;
  result<endpoint_url> url;
  std::unique_ptr<transport::rest_client> rest;
  transport::ws_options ws_opts;
  transport::ws_client ws;
  node_fsm fsm;
  protocol::decoder decoder;
  std::unordered_map<guild_id, mirrored_player> mirror;
  std::optional<protocol::stats> latest_stats;
  node_counters counters;
  std::vector<std::pair<std::size_t, node_handlers>> handlers;
  std::size_t next_handler_id = 1;
  bool dispatching = false;
  asio::steady_timer state_changed;  // never expires; cancel() wakes every waiter
  asio::steady_timer backoff_timer;
  node_state published_state = node_state::idle;
  bool running = false;
  bool stop_requested = false;

  // --- Lifecycle helpers ---

  void publish_state() {
    if (fsm.state() == published_state) return;
    published_state = fsm.state();
    log.debug("state: {}", to_string(published_state));
    state_changed.cancel();
    for_each_handler([&](node_handlers& h) {
      if (h.state) h.state(published_state);
    });
  }

  template <class F>
  void for_each_handler(F&& f) {
    // Handlers may unsubscribe (or subscribe) from inside a callback: removal only empties
    // the slot while dispatching, and the vector is compacted afterwards.
    const bool outer = !dispatching;
    dispatching = true;
    for (std::size_t i = 0; i < handlers.size(); ++i) f(handlers[i].second);
    if (outer) {
      dispatching = false;
      std::erase_if(handlers, [](const auto& h) { return h.first == 0; });
    }
  }

  void report_lost(lost_players lost) {
    counters.players_lost += lost.guilds.size();
    if (lost.session_lost) ++counters.sessions_lost;
    log.warn("{} player(s) lost ({}): session {} -> {}", lost.guilds.size(),
             lost.session_lost ? "session not resumed" : "missing after resume", lost.old_session, lost.new_session);
    for_each_handler([&](node_handlers& h) {
      if (h.lost) h.lost(lost);
    });
  }

  std::vector<guild_id> mirrored_guilds() const {
    std::vector<guild_id> out;
    out.reserve(mirror.size());
    for (auto& [g, _] : mirror) out.push_back(g);
    std::sort(out.begin(), out.end());
    return out;
  }

  // --- Mirror ---

  void apply(const protocol::player& p) {
    auto& m = mirror[p.guild_id];
    m.track = p.track ? p.track->encoded : std::string{};
    m.position = p.state.position;
    m.time = p.state.time;
    m.ping = static_cast<std::int32_t>(p.state.ping);
    m.volume = static_cast<std::int16_t>(std::clamp(p.volume, 0, 1000));
    m.paused = p.paused;
    m.connected = p.state.connected;
  }

  struct message_visitor {
    node_impl& n;
    void operator()(const protocol::ready&) const {}
    void operator()(const protocol::player_update& u) const {
      auto& m = n.mirror[u.guild_id];
      m.position = u.state.position;
      m.time = u.state.time;
      m.ping = static_cast<std::int32_t>(u.state.ping);
      m.connected = u.state.connected;
    }
    void operator()(const protocol::stats& s) const { n.latest_stats = s; }
    void operator()(const protocol::track_start_event& e) const { n.mirror[e.guild_id].track = e.track.encoded; }
    void operator()(const protocol::track_end_event& e) const {
      // A `replaced` end can arrive after the PATCH response already set the new track:
      // only clear the mirror when it still shows the track that ended.
      auto it = n.mirror.find(e.guild_id);
      if (it != n.mirror.end() && it->second.track == e.track.encoded) it->second.track.clear();
    }
    void operator()(const protocol::track_exception_event&) const {}
    void operator()(const protocol::track_stuck_event&) const {}
    void operator()(const protocol::websocket_closed_event& e) const {
      if (auto it = n.mirror.find(e.guild_id); it != n.mirror.end()) it->second.connected = false;
    }
    void operator()(const protocol::unknown_event& e) const {
      ++n.counters.unknown_events;
      n.log.debug("unknown event type '{}'", e.type);
    }
    void operator()(const protocol::unknown_op& o) const {
      ++n.counters.unknown_ops;
      n.log.debug("unknown op '{}'", o.op);
    }
  };

  /// Decodes, mirrors and dispatches one frame. Returns the ready message, if it was one.
  std::optional<protocol::ready> handle(const transport::ws_frame& frame) {
    ++counters.frames;
    // Most frames are playerUpdates in the server's own shape: read without the JSON decoder. (An
    // oversized frame has no text: it is never scanned.)
    if (auto update = scan_player_update(frame.text)) {
      message_visitor{*this}(*update);
      deliver(protocol::ws_message{std::in_place_type<protocol::player_update>, *update});
      return std::nullopt;
    }
    return decode_and_dispatch(frame);
  }

  // Every other frame: oversized, other ops, other shapes, bad JSON. Out of line, so that the
  // playerUpdate path above stays small enough for the compiler to inline the scanner into it.
  [[gnu::noinline]] std::optional<protocol::ready> decode_and_dispatch(const transport::ws_frame& frame) {
    if (frame.oversized) {
      ++counters.oversized;
      log.warn("skipped a {} byte frame (max_frame_size is {})", frame.size, config.max_frame_size);
      return std::nullopt;
    }
    auto msg = decoder.decode<protocol::ws_message>(
        protocol::padded_view::assume_padded(frame.text.data(), frame.text.size()));
    if (!msg) {
      ++counters.malformed;
      log.warn("skipped a malformed frame: {}", msg.error().what());
      return std::nullopt;
    }
    std::visit(message_visitor{*this}, *msg);
    deliver(*msg);
    if (auto* r = std::get_if<protocol::ready>(&*msg)) return *r;
    return std::nullopt;
  }

  void deliver(const protocol::ws_message& msg) {
    for_each_handler([&](node_handlers& h) {
      if (h.message) h.message(msg);
    });
  }

  // --- REST helpers ---

  template <class T>
  asio::awaitable<result<T>> call_json(http::verb method, std::string target, std::string body = {}) {
    if (!rest) co_return url.error();
    auto r = co_await rest->call(method, target, std::move(body));
    if (!r) co_return r.error();
    auto decoded = decoder.decode<T>(r->body);
    if (!decoded) {
      failure f = decoded.error();
      f.diag.set_client_message(fmt::format("{} {}: {}", http::to_string(method), target, f.diag.client_message()));
      co_return f;
    }
    co_return std::move(*decoded);
  }

  asio::awaitable<result<void>> call_empty(http::verb method, std::string target, std::string body = {}) {
    if (!rest) co_return url.error();
    auto r = co_await rest->call(method, std::move(target), std::move(body));
    if (!r) co_return r.error();
    co_return result<void>{};
  }

  /// The live session id; waits while the node connects or reconnects.
  asio::awaitable<result<std::string>> live_session() {
    co_await asio::this_coro::throw_if_cancelled(false);
    auto cancel_state = co_await asio::this_coro::cancellation_state;
    for (;;) {
      if (!url) co_return url.error();
      if (fsm.state() == node_state::ready) co_return fsm.session_id();
      if (fsm.state() == node_state::stopped) co_return failure{error::node_shut_down, "the node has stopped"};
      error_code ec;
      co_await state_changed.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (cancel_state.cancelled() != asio::cancellation_type::none)
        co_return failure{error::node_not_ready, fmt::format("the node was still {}", to_string(fsm.state()))};
    }
  }

  // --- The lifecycle steps ---

  asio::awaitable<result<protocol::ready>> read_until_ready() {
    std::optional<protocol::ready> ready;
    const transport::ws_client::frame_handler on_frame = [&](const transport::ws_frame& frame) {
      ready = handle(frame);
      return !ready && !stop_requested;
    };
    auto r = co_await ws.read_each(on_frame);
    if (!r) co_return r.error();
    if (ready) co_return std::move(*ready);
    co_return failure{asio::error::operation_aborted};
  }

  // Every message of the connection is handled inside read_each's loop, on the strand, without a
  // coroutine resumption per message: the coroutine wakes when the connection ends or stops.
  asio::awaitable<error_code> read_loop() {
    const transport::ws_client::frame_handler on_frame = [this](const transport::ws_frame& frame) {
      if (auto r = handle(frame)) log.warn("unexpected second ready (session {})", r->session_id);
      return !stop_requested;
    };
    auto r = co_await ws.read_each(on_frame);
    if (!r) {
      log.warn("WebSocket lost: {}", r.error().what());
      co_return r.error().code;
    }
    co_return asio::error::operation_aborted;  // on_frame stopped: a stop was requested
  }

  asio::awaitable<error_code> configure_session() {
    protocol::update_session update;
    update.resuming = true;
    update.timeout = config.resuming.timeout.count();
    auto r = co_await call_json<protocol::session>(http::verb::patch,
                                                   transport::endpoints::session(url->base_path, fsm.session_id()),
                                                   protocol::encode(update));
    if (!r) {
      log.warn("configuring resuming failed: {}", r.error().what());
      co_return r.error().code;
    }
    co_return error_code{};
  }

  asio::awaitable<error_code> reconcile() {
    auto r = co_await call_json<std::vector<protocol::player>>(
        http::verb::get, transport::endpoints::players(url->base_path, fsm.session_id()));
    if (!r) {
      log.warn("reconciling after the resume failed: {}", r.error().what());
      co_return r.error().code;
    }
    std::unordered_set<guild_id> on_server;
    for (auto& p : *r) on_server.insert(p.guild_id);
    lost_players lost;
    lost.session_lost = false;
    lost.old_session = lost.new_session = fsm.session_id();
    for (auto g : mirrored_guilds())
      if (!on_server.count(g)) lost.guilds.push_back(g);
    mirror.clear();
    for (auto& p : *r) apply(p);
    log.info("resumed session {} with {} player(s)", fsm.session_id(), mirror.size());
    if (!lost.guilds.empty()) report_lost(std::move(lost));
    co_return error_code{};
  }

  // A connection that ended because cancel() was called stops the node; publishing "reconnecting" first
  // would tell subscribers a reconnect is coming that never will.
  node_action disconnected(const error_code& ec) {
    return stop_requested ? fsm.on_stop(asio::error::operation_aborted) : fsm.on_disconnected(ec);
  }

  asio::awaitable<result<void>> run() {
    co_await asio::this_coro::throw_if_cancelled(false);
    if (!url) co_return url.error();
    if (running || fsm.state() != node_state::idle)
      co_return failure{error::invalid_argument, "async_run was already called on this node"};
    running = true;
    failure last;
    std::string previous_session = fsm.session_id();
    auto action = fsm.start();
    for (;;) {
      publish_state();
      if (stop_requested && action.type != node_action_type::stop)
        action = fsm.on_stop(asio::error::operation_aborted);
      switch (action.type) {
        case node_action_type::connect: {
          auto r = co_await ws.connect(ws_opts, fsm.resume_session());
          if (r) {
            ++counters.connects;
            log.info("connected to {}:{}{}", url->host, url->port,
                     fsm.resume_session().empty() ? "" : fmt::format(" (resuming {})", fsm.resume_session()));
            last = failure{};
          } else {
            log.warn("connecting failed: {}", r.error().what());
            last = r.error();
          }
          action = fsm.on_connected(r ? error_code{} : r.error().code);
          break;
        }
        case node_action_type::await_ready: {
          previous_session = fsm.session_id();
          auto r = co_await read_until_ready();
          if (!r) {
            last = r.error();
            action = disconnected(r.error().code);
            break;
          }
          action = fsm.on_ready(r->session_id, r->resumed);
          if (fsm.resumed()) ++counters.resumes;
          break;
        }
        case node_action_type::report_lost: {
          lost_players lost;
          lost.guilds = mirrored_guilds();
          lost.old_session = previous_session;
          lost.new_session = fsm.session_id();
          mirror.clear();
          report_lost(std::move(lost));
          action = fsm.on_lost_reported();
          break;
        }
        case node_action_type::configure_session:
          action = fsm.on_session_configured(co_await configure_session());
          break;
        case node_action_type::reconcile:
          action = fsm.on_reconciled(co_await reconcile());
          break;
        case node_action_type::read: {
          publish_state();
          auto ec = co_await read_loop();
          last = failure{ec};
          action = disconnected(ec);
          break;
        }
        case node_action_type::wait: {
          log.info("reconnecting in {} ms (attempt {})", action.delay.count(), fsm.reconnect_attempts());
          backoff_timer.expires_after(action.delay);
          error_code ec;
          co_await backoff_timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
          action = stop_requested ? fsm.on_stop(asio::error::operation_aborted) : fsm.on_wait_done();
          break;
        }
        case node_action_type::stop: {
          running = false;
          publish_state();
          co_await ws.close(boost::beast::websocket::close_code::normal);
          ws.abort();
          if (!action.error) co_return result<void>{};
          if (last.code == action.error) co_return last;
          co_return failure{action.error};
        }
      }
    }
  }

  void request_stop() {
    stop_requested = true;
    ws.abort();
    backoff_timer.cancel();
    state_changed.cancel();
  }
};

}  // namespace detail

// --- node ---

HANABI_DECL node::node(asio::any_io_executor ex, node_config config)
    : impl_(std::make_shared<detail::node_impl>(std::move(ex), std::move(config))) {}

HANABI_DECL node::~node() { cancel(); }

HANABI_DECL node::executor_type node::get_executor() const noexcept { return impl_->strand; }
HANABI_DECL const node_config& node::config() const noexcept { return impl_->config; }

HANABI_DECL void node::cancel() {
  asio::post(impl_->strand, [impl = impl_] { impl->request_stop(); });
}

HANABI_DECL node_state node::state() const noexcept { return impl_->fsm.state(); }
HANABI_DECL const std::string& node::session_id() const noexcept { return impl_->fsm.session_id(); }
HANABI_DECL const std::optional<protocol::stats>& node::stats() const noexcept { return impl_->latest_stats; }
HANABI_DECL const node_counters& node::counters() const noexcept { return impl_->counters; }
HANABI_DECL const mirrored_player* node::player(guild_id guild) const noexcept {
  auto it = impl_->mirror.find(guild);
  return it == impl_->mirror.end() ? nullptr : &it->second;
}
HANABI_DECL std::size_t node::player_count() const noexcept { return impl_->mirror.size(); }
HANABI_DECL std::vector<guild_id> node::player_guilds() const { return impl_->mirrored_guilds(); }

HANABI_DECL std::size_t node::mirror_memory() const noexcept {
  // libstdc++'s node: next pointer + cached hash + the pair; plus the bucket array.
  constexpr std::size_t entry = sizeof(void*) + sizeof(std::size_t) + sizeof(std::pair<const guild_id, mirrored_player>);
  std::size_t bytes = impl_->mirror.bucket_count() * sizeof(void*) + impl_->mirror.size() * entry;
  for (auto& [_, p] : impl_->mirror)
    if (p.track.capacity() > 15) bytes += p.track.capacity() + 1;  // beyond the small-string buffer
  return bytes;
}

HANABI_DECL std::size_t node::subscribe(node_handlers handlers) {
  auto id = impl_->next_handler_id++;
  impl_->handlers.emplace_back(id, std::move(handlers));
  return id;
}

HANABI_DECL void node::unsubscribe(std::size_t id) {
  auto& hs = impl_->handlers;
  auto it = std::find_if(hs.begin(), hs.end(), [id](const auto& h) { return h.first == id; });
  if (it == hs.end()) return;
  if (impl_->dispatching) {
    it->first = 0;
    it->second = {};
  } else {
    hs.erase(it);
  }
}

// --- operations ---

// Each operation is a coroutine of its own that holds `n`, so the node_impl outlives
// every coroutine running on it even when the node object is destroyed first.
HANABI_DECL asio::awaitable<result<void>> node::run_op(detail::node_ptr n) {
  auto r = co_await n->run();
  co_return r;
}

HANABI_DECL asio::awaitable<result<std::string>> node::wait_ready_op(detail::node_ptr n) {
  auto s = co_await n->live_session();
  co_return s;
}

HANABI_DECL asio::awaitable<result<protocol::load_result>> node::async_load_tracks_op(detail::node_ptr n,
                                                                                      std::string identifier) {
  if (!n->url) co_return n->url.error();
  co_return co_await n->call_json<protocol::load_result>(
      detail::http::verb::get, transport::endpoints::load_tracks(n->url->base_path, identifier));
}

HANABI_DECL asio::awaitable<result<protocol::track>> node::async_decode_track_op(detail::node_ptr n,
                                                                                 std::string encoded) {
  if (!n->url) co_return n->url.error();
  co_return co_await n->call_json<protocol::track>(detail::http::verb::get,
                                                   transport::endpoints::decode_track(n->url->base_path, encoded));
}

HANABI_DECL asio::awaitable<result<std::vector<protocol::track>>> node::async_decode_tracks_op(
    detail::node_ptr n, std::vector<std::string> encoded) {
  if (!n->url) co_return n->url.error();
  co_return co_await n->call_json<std::vector<protocol::track>>(
      detail::http::verb::post, transport::endpoints::decode_tracks(n->url->base_path), nlohmann::json(encoded).dump());
}

HANABI_DECL asio::awaitable<result<std::vector<protocol::player>>> node::async_get_players_op(detail::node_ptr n) {
  auto session = co_await n->live_session();
  if (!session) co_return session.error();
  auto r = co_await n->call_json<std::vector<protocol::player>>(
      detail::http::verb::get, transport::endpoints::players(n->url->base_path, *session));
  if (r)
    for (auto& p : *r) n->apply(p);
  co_return r;
}

HANABI_DECL asio::awaitable<result<protocol::player>> node::async_get_player_op(detail::node_ptr n, guild_id g) {
  auto session = co_await n->live_session();
  if (!session) co_return session.error();
  auto r = co_await n->call_json<protocol::player>(detail::http::verb::get,
                                                   transport::endpoints::player(n->url->base_path, *session, g));
  if (r) n->apply(*r);
  co_return r;
}

HANABI_DECL asio::awaitable<result<protocol::player>> node::async_update_player_op(detail::node_ptr n, guild_id g,
                                                                                   protocol::update_player u,
                                                                                   bool no_replace) {
  if (auto valid = u.validate(); !valid) co_return valid.error();
  auto session = co_await n->live_session();
  if (!session) co_return session.error();
  auto r = co_await n->call_json<protocol::player>(
      detail::http::verb::patch, transport::endpoints::update_player(n->url->base_path, *session, g, no_replace),
      protocol::encode(u));
  if (r) n->apply(*r);
  co_return r;
}

HANABI_DECL asio::awaitable<result<void>> node::async_destroy_player_op(detail::node_ptr n, guild_id g) {
  auto session = co_await n->live_session();
  if (!session) co_return session.error();
  auto r = co_await n->call_empty(detail::http::verb::delete_, transport::endpoints::player(n->url->base_path, *session, g));
  if (r) n->mirror.erase(g);
  co_return r;
}

HANABI_DECL asio::awaitable<result<protocol::session>> node::async_update_session_op(detail::node_ptr n,
                                                                                     protocol::update_session u) {
  auto session = co_await n->live_session();
  if (!session) co_return session.error();
  co_return co_await n->call_json<protocol::session>(
      detail::http::verb::patch, transport::endpoints::session(n->url->base_path, *session), protocol::encode(u));
}

HANABI_DECL asio::awaitable<result<protocol::info>> node::async_info_op(detail::node_ptr n) {
  if (!n->url) co_return n->url.error();
  co_return co_await n->call_json<protocol::info>(detail::http::verb::get, transport::endpoints::info(n->url->base_path));
}

HANABI_DECL asio::awaitable<result<protocol::stats>> node::async_stats_op(detail::node_ptr n) {
  if (!n->url) co_return n->url.error();
  co_return co_await n->call_json<protocol::stats>(detail::http::verb::get, transport::endpoints::stats(n->url->base_path));
}

HANABI_DECL asio::awaitable<result<std::string>> node::async_version_op(detail::node_ptr n) {
  if (!n->rest) co_return n->url.error();
  auto r = co_await n->rest->call(detail::http::verb::get, transport::endpoints::version(n->url->base_path));
  if (!r) co_return r.error();
  co_return std::move(r->body);
}

HANABI_DECL asio::awaitable<result<protocol::route_planner_status>> node::async_routeplanner_status_op(
    detail::node_ptr n) {
  if (!n->rest) co_return n->url.error();
  auto target = transport::endpoints::routeplanner_status(n->url->base_path);
  auto r = co_await n->rest->call(detail::http::verb::get, target);
  if (!r) co_return r.error();
  if (r->status == 204) co_return protocol::route_planner_status{protocol::no_route_planner{}};
  auto decoded = n->decoder.decode<protocol::route_planner_status>(r->body);
  if (!decoded) co_return decoded.error();
  co_return std::move(*decoded);
}

HANABI_DECL asio::awaitable<result<void>> node::async_free_address_op(detail::node_ptr n, std::string address) {
  if (!n->url) co_return n->url.error();
  protocol::free_address_request req;
  req.address = std::move(address);
  co_return co_await n->call_empty(detail::http::verb::post,
                                   transport::endpoints::routeplanner_free_address(n->url->base_path),
                                   nlohmann::json(req).dump());
}

HANABI_DECL asio::awaitable<result<void>> node::async_free_all_addresses_op(detail::node_ptr n) {
  if (!n->url) co_return n->url.error();
  co_return co_await n->call_empty(detail::http::verb::post, transport::endpoints::routeplanner_free_all(n->url->base_path));
}

}  // namespace hanabi
