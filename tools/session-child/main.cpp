// hanabi-session-child: a child bot process. It dials the parent's control server, registers,
// and holds music sessions for it: a Lavalink node, a node pool and a session host serving
// the session ops (docs/REMOTE_PROTOCOL.md §11) with local sessions.
//
//   hanabi-session-child --parent HOST:PORT --token T --name N --bot-id ID
//                        --node URL --password P
//                        [--search-prefix ytsearch:] [--passthrough PREFIX]...
//                        [--store PATH|redis://HOST:PORT|redis+unix://SOCKET] [--store-prefix P]
//                        [--orphan-grace MS] [--keep-playing]
//                        [--state-event-interval-ms MS]   (session_host_config::state_event_interval)
//
// --store keeps the child's sessions across a crash (docs/STORAGE.md, Recovery): every session it
// creates is persisted into that store under its --name: a SQLite file (PATH), or a Redis server
// (TCP or unix socket; keys under --store-prefix, default "hanabi:"; AUTH with the password in the
// environment variable HANABI_STORE_PASSWORD when it is set; a build without hanabi::redis refuses
// it at start). At start it loads the requesters'
// remembered volumes (volume_memory: every session of the child recalls them and remembers new
// ones there), resumes its stored Lavalink session and recovers its stored sessions BEFORE it
// registers, so the parent's `sessions` request finds them and the parent re-adopts them. Without
// --store nothing is kept.
// A parent gone for --orphan-grace ms (default 30000, counted from the start until the first
// registration too) makes the child leave voice and exit 0, unless --keep-playing.
//
// It dials the parent once its Lavalink node is connected (and its sessions are recovered). There is no Discord here, so the child answers its own op 4 the way Discord does: a join gets
// a voice state for the channel and a voice server update, a leave a voice state without a
// channel. For tests of what Discord does on its own, it also serves one extra request:
//   discord.voice_state {"guild", "channel": id or null}  -> the bot was dragged (or kicked), {}
// SIGTERM/SIGINT close every session (close_reason::shutdown) and exit 0; a parent that refuses
// the token exits 3; bad arguments exit 2.
#include <hanabi/node/node.hpp>
#include <hanabi/node/node_pool.hpp>
#include <hanabi/remote/client.hpp>
#include <hanabi/session/local_session.hpp>
#include <hanabi/session/recovery.hpp>
#include <hanabi/session/session_host.hpp>
#include <hanabi/session/supervisor.hpp>
#include <hanabi/storage/open_store.hpp>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <fmt/format.h>

#include <charconv>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace asio = boost::asio;
using namespace hanabi;

namespace {

struct options {
  std::string parent_host;
  unsigned short parent_port = 0;
  std::string token;
  std::string name;
  user_id bot{};
  std::string node_url;
  std::string password;
  std::string search_prefix = "ytsearch:";
  std::vector<std::string> passthrough;
  std::string store;
  std::string store_prefix = storage::redis_store_config{}.key_prefix;
  orphan_policy orphan{};
  std::chrono::milliseconds state_event_interval = session_host_config{}.state_event_interval;
};

int usage() {
  fmt::print(stderr,
             "usage: hanabi-session-child --parent HOST:PORT --token T --name N --bot-id ID --node URL --password P\n"
             "                            [--search-prefix PREFIX] [--passthrough PREFIX]...\n"
             "                            [--store PATH|redis://HOST:PORT|redis+unix://SOCKET] [--store-prefix P]\n"
             "                            [--orphan-grace MS] [--keep-playing]\n"
             "                            [--state-event-interval-ms MS]\n");
  return 2;
}

bool parse_parent(std::string_view v, options& o) {
  auto colon = v.rfind(':');
  if (colon == std::string_view::npos) return false;
  o.parent_host = std::string(v.substr(0, colon));
  auto port = v.substr(colon + 1);
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), o.parent_port);
  return ec == std::errc{} && end == port.data() + port.size() && o.parent_port != 0;
}

bool parse_ms(std::string_view v, std::chrono::milliseconds& out) {
  std::uint32_t ms = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), ms);
  out = std::chrono::milliseconds(ms);
  return ec == std::errc{} && end == v.data() + v.size();
}

std::optional<options> parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; i += 2) {
    std::string_view key = argv[i];
    if (key == "--keep-playing") {
      o.orphan.keep_playing = true;
      --i;  // a flag: no value follows
      continue;
    }
    if (i + 1 == argc) return std::nullopt;
    std::string value = argv[i + 1];
    if (key == "--parent") {
      if (!parse_parent(value, o)) return std::nullopt;
    } else if (key == "--token") {
      o.token = value;
    } else if (key == "--name") {
      o.name = value;
    } else if (key == "--bot-id") {
      auto id = user_id::parse(value);
      if (!id) return std::nullopt;
      o.bot = *id;
    } else if (key == "--node") {
      o.node_url = value;
    } else if (key == "--password") {
      o.password = value;
    } else if (key == "--search-prefix") {
      o.search_prefix = value;
    } else if (key == "--passthrough") {
      o.passthrough.push_back(value);
    } else if (key == "--store") {
      o.store = value;
    } else if (key == "--store-prefix") {
      o.store_prefix = value;
    } else if (key == "--orphan-grace") {
      if (!parse_ms(value, o.orphan.grace)) return std::nullopt;
    } else if (key == "--state-event-interval-ms") {
      if (!parse_ms(value, o.state_event_interval)) return std::nullopt;
    } else {
      return std::nullopt;
    }
  }
  if (o.parent_port == 0 || o.name.empty() || !o.bot || o.node_url.empty()) return std::nullopt;
  return o;
}

/// The store --store names: redis://HOST:PORT, redis+unix://SOCKET, or else a SQLite file.
std::optional<storage::store_config> store_config_of(const options& o, const logger& log) {
  constexpr std::string_view tcp = "redis://", unix_socket = "redis+unix://";
  const std::string_view where = o.store;
  if (!where.starts_with(tcp) && !where.starts_with(unix_socket)) {
    storage::sqlite_store_config sqlite;
    sqlite.path = o.store;
    sqlite.log = log.with_prefix("store");
    return sqlite;
  }
  storage::redis_store_config redis;
  if (where.starts_with(unix_socket)) {
    redis.unix_socket = std::string(where.substr(unix_socket.size()));
  } else {
    options endpoint;
    if (!parse_parent(where.substr(tcp.size()), endpoint)) return std::nullopt;
    redis.host = endpoint.parent_host;
    redis.port = endpoint.parent_port;
  }
  if (const char* password = std::getenv("HANABI_STORE_PASSWORD")) redis.password = secret{password};
  redis.key_prefix = o.store_prefix;
  redis.log = log.with_prefix("store");
  return redis;
}

/// The sessions of this bot and Discord's side of their voice connections. Lives on the pool's strand.
class child_bot {
 public:
  child_bot(asio::io_context& io, const options& o, logger log)
      : io_(io), options_(o), log_(std::move(log)), pool_(asio::make_strand(io), pool_settings(log_)) {}

  /// Opens the store (when there is one); false, with a log line, when it cannot be opened.
  bool open_store() {
    if (options_.store.empty()) return true;
    auto config = store_config_of(options_, log_);
    if (!config) {
      log_.error("--store {} is not HOST:PORT after redis://", options_.store);
      return false;
    }
    auto opened = storage::open_store(io_.get_executor(), std::move(*config));
    if (!opened) {
      log_.error("cannot open the store {}: {}", options_.store, opened.error().what());
      return false;
    }
    store_ = std::move(*opened);
    return true;
  }

  /// Loads the remembered volumes and connects the node (resuming the stored Lavalink session),
  /// then recovers the stored sessions and hands each to `recovered`, then calls `ready`: a child
  /// registers with the parent only when it can hold sessions and holds the ones it had.
  void start(std::function<void(std::shared_ptr<session>)> recovered, std::function<void()> ready) {
    if (!store_) {
      run_node({});
      return when_ready(std::move(ready));
    }
    volume_memory::async_load(*store_, log_.with_prefix("volumes"),
                              [this, recovered = std::move(recovered), ready = std::move(ready)](
                                  error_code ec, std::shared_ptr<volume_memory> loaded) mutable {
                                if (ec) log_.warn("remembered volumes not loaded: {}", ec.message());
                                volumes_ = std::move(loaded);
                                resume(std::move(recovered), std::move(ready));
                              });
  }

  /// The session host's factory: a local session on the pool's strand, persisted when there is a store.
  void make_session(const session_request& r, session_factory_handler done) {
    asio::post(pool_.get_executor(), [this, r, done = std::move(done)]() mutable {
      if (!store_) {
        auto made = local_session::create(pool_, r.address, session_config(r.address, r));
        if (!made) return std::move(done)(made.error());
        sessions_[r.address.guild] = {*made, nullptr};
        return std::move(done)(std::shared_ptr<session>(*made));
      }
      auto made = create_persisted_session(pool_, *store_, r.address, session_config(r.address, r), persistence());
      if (!made) return std::move(done)(made.error());
      sessions_[r.address.guild] = {made->session, made->persistence};
      std::move(done)(std::shared_ptr<session>(made->session));
    });
  }

  /// Discord moved the bot (channel set) or disconnected it (none).
  void voice_state(guild_id g, std::optional<channel_id> channel) {
    asio::post(pool_.get_executor(), [this, g, channel] {
      if (auto s = find(g)) s->on_voice_state_update({g, options_.bot, channel, voice_session_id});
    });
  }

  /// Closes every session for `why`, gives their last REST calls and store writes a moment, then
  /// stops the node, the store and the io_context. A shutdown keeps the stored sessions (they come
  /// back at the next start); leaving because the parent is gone ends them.
  void shut_down(close_reason why) {
    asio::post(pool_.get_executor(), [this, why] {
      for (auto& [g, held] : sessions_)
        if (auto s = held.session.lock()) s->close(why, "the child is leaving");
      sessions_.clear();
      auto grace = std::make_shared<asio::steady_timer>(io_, std::chrono::milliseconds(200));
      grace->async_wait([this, grace](error_code) {
        if (lavalink_) lavalink_->cancel();
        if (store_) storage::close_store(*store_);
        io_.stop();
      });
    });
  }

 private:
  static constexpr const char* voice_session_id = "simulated-voice-session";

  /// A session this bot holds and the persistence that keeps it (none without a store).
  struct held_session {
    std::weak_ptr<local_session> session;
    std::shared_ptr<session_persistence> keeper;
  };

  static pool_config pool_settings(const logger& log) {
    pool_config c;
    c.log = log.with_prefix("pool");
    return c;
  }

  persistence_config persistence() const {
    persistence_config c;
    c.volumes = volumes_;
    c.log = log_.with_prefix("persistence");
    return c;
  }

  void run_node(const std::vector<storage::node_session>& stored) {
    node_config nc;
    nc.name = "lavalink";
    nc.url = options_.node_url;
    nc.password = secret{options_.password};
    nc.user = options_.bot;
    nc.log = log_.with_prefix("node");
    resume_stored_session(nc, stored);
    lavalink_ = std::make_shared<node>(io_.get_executor(), nc);
    if (store_) keep_node_session(*lavalink_, *store_, log_);
    lavalink_->async_run([log = log_](error_code ec) { log.info("lavalink node stopped: {}", ec.message()); });
    pool_.add_node(lavalink_);
  }

  /// Runs the node on its stored Lavalink session, then recovers the stored sessions.
  void resume(std::function<void(std::shared_ptr<session>)> recovered, std::function<void()> ready) {
    store_->async_load_node_sessions(
        load_diag_, [this, recovered = std::move(recovered), ready = std::move(ready)](
                        error_code ec, std::vector<storage::node_session> stored) mutable {
          if (ec) log_.warn("stored node sessions not loaded: {}", load_diag_.client_message());
          run_node(stored);
          when_ready([this, recovered = std::move(recovered), ready = std::move(ready)]() mutable {
            recover(std::move(recovered), std::move(ready));
          });
        });
  }

  /// Calls `ready` once the pool has a node that can take players.
  void when_ready(std::function<void()> ready) {
    asio::post(pool_.get_executor(), [this, ready = std::move(ready)]() mutable {
      auto stats = pool_.stats();
      if (!stats.nodes.empty() && stats.nodes.front().available) return ready();
      auto retry = std::make_shared<asio::steady_timer>(pool_.get_executor(), std::chrono::milliseconds(5));
      retry->async_wait([this, retry, ready = std::move(ready)](error_code) mutable { when_ready(std::move(ready)); });
    });
  }

  void recover(std::function<void(std::shared_ptr<session>)> recovered, std::function<void()> ready) {
    recovery_config rc;
    rc.bot_name = options_.name;
    rc.session_config = [this](const session_address& where) { return session_config(where, {}); };
    rc.on_created = [this](const std::shared_ptr<local_session>& s) { sessions_[s->address().guild] = {s, nullptr}; };
    rc.persistence = persistence();
    rc.log = log_.with_prefix("recovery");
    async_recover(*store_, pool_, std::move(rc),
                  asio::bind_executor(pool_.get_executor(), [this, recovered = std::move(recovered),
                                                             ready = std::move(ready)](error_code ec,
                                                                                       recovery_report report) {
                    if (ec) log_.error("stored sessions not recovered: {}", ec.message());
                    for (auto& r : report.recovered) {
                      sessions_[r.session->address().guild].keeper = r.persistence;
                      recovered(r.session);
                    }
                    ready();
                  }));
  }

  local_session_config session_config(const session_address& where, const session_request& r) {
    local_session_config cfg;
    cfg.bot_name = options_.name;
    cfg.bot = options_.bot;
    cfg.lifetime = r.lifetime;
    if (r.inactivity_timeout) cfg.inactivity_timeout = *r.inactivity_timeout;
    if (r.paused_timeout) cfg.paused_timeout = *r.paused_timeout;
    cfg.search_prefix = options_.search_prefix;
    cfg.passthrough_prefixes = options_.passthrough;
    cfg.load_tracks = load_tracks_from(lavalink_);
    cfg.send_gateway = [this, g = where.guild](const gateway_voice_update& op) { answer_op4(g, op); };
    cfg.log = log_.with_prefix("session");
    return cfg;
  }

  // What Discord answers: a join gets both voice updates, a leave a state without a channel.
  void answer_op4(guild_id g, const gateway_voice_update& op) {
    auto s = find(g);
    if (!s) return;
    s->on_voice_state_update({g, options_.bot, op.channel, voice_session_id});
    if (op.channel) s->on_voice_server_update({g, "simulated-voice-token", std::string("simulated.discord.media:443")});
  }

  std::shared_ptr<local_session> find(guild_id g) {
    auto it = sessions_.find(g);
    return it == sessions_.end() ? nullptr : it->second.session.lock();
  }

  asio::io_context& io_;
  options options_;
  logger log_;
  node_pool pool_;
  std::unique_ptr<storage::store> store_;
  std::shared_ptr<volume_memory> volumes_;  // with a store: loaded at start, shared by every session
  diagnostics load_diag_;
  std::shared_ptr<node> lavalink_;
  std::map<guild_id, held_session> sessions_;
};

}  // namespace

int main(int argc, char** argv) {
  auto o = parse(argc, argv);
  if (!o) return usage();
  asio::io_context io(1);
  logger log{log_level::warn, {}, o->name};
  child_bot bot(io, *o, log);
  if (!bot.open_store()) return 1;

  session_host host([&bot](const session_request& r, session_factory_handler done) { bot.make_session(r, std::move(done)); },
                    session_host_config{o->name, log, o->state_event_interval});
  // A parent gone for the grace: leave voice (the sessions end) and exit.
  parent_watchdog watchdog(io.get_executor(), o->orphan, [&bot, &log] {
    log.warn("the parent stayed away: leaving");
    bot.shut_down(close_reason::requested);
  });
  remote::link_handlers handlers;
  host.serve(handlers);
  handlers.on_up = [&watchdog](remote::link) { watchdog.parent_up(); };
  handlers.on_down = [&watchdog](remote::link, error_code, const std::string&) { watchdog.parent_down(); };
  handlers.requests["discord.voice_state"] = [&bot](const nlohmann::json& args, remote::responder reply) {
    auto g = guild_id::parse(args.value("guild", ""));
    if (!g) return reply.fail(error::invalid_snowflake, "discord.voice_state.guild is not a snowflake");
    std::optional<channel_id> channel;
    if (auto c = args.find("channel"); c != args.end() && c->is_string()) {
      auto id = channel_id::parse(c->get<std::string>());
      if (!id) return reply.fail(error::invalid_snowflake, "discord.voice_state.channel is not a snowflake");
      channel = *id;
    }
    bot.voice_state(*g, channel);
    reply.ok();
  };

  remote::client_config cc;
  cc.host = o->parent_host;
  cc.port = o->parent_port;
  cc.name = o->name;
  cc.bot_id = o->bot;
  cc.token = secret{o->token};
  cc.capabilities = {"sessions", "discord.voice_state"};
  cc.link.log = log.with_prefix("link");
  remote::client client(io.get_executor(), cc, std::move(handlers));
  host.set_upstream([&client](std::string op, nlohmann::json payload) { client.send_event(std::move(op), std::move(payload)); });

  int status = 0;
  bool dialing = false;  // the client runs; its end shuts the bot down
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](error_code ec, int) {
    if (ec) return;
    // Before the node is ready (or the sessions recovered) there is no client to stop yet.
    if (dialing) client.stop();
    else bot.shut_down(close_reason::shutdown);
  });
  bot.start([&host](std::shared_ptr<session> recovered) { host.host(std::move(recovered)); },
            [&] {
              dialing = true;
              client.async_run([&](error_code ec) {
                if (ec == error::authentication_failed || ec == error::protocol_version_mismatch) {
                  log.error("the parent refused this child: {}", ec.message());
                  status = 3;
                }
                signals.cancel();
                bot.shut_down(close_reason::shutdown);
              });
            });
  io.run();
  return status;
}
