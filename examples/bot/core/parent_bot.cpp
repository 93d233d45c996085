#include "parent_bot.hpp"

#include "commands.hpp"
#include "text_channels.hpp"

#include <boost/asio/post.hpp>

#include <utility>

namespace bot {

namespace {

std::vector<std::string> child_names(const bot_config& c) {
  std::vector<std::string> names;
  for (const auto& child : c.children) names.push_back(child.name);
  return names;
}

std::vector<hanabi::node_config> nodes_of(const parent_bot_options& o, hanabi::user_id self) {
  if (!o.nodes.empty()) return o.nodes;
  return node_configs(o.config, o.secrets, o.config.parent.name, self, o.log);
}

// The config's store, unless the application gave one.
std::unique_ptr<hanabi::storage::store> open_store(boost::asio::io_context& io, const parent_bot_options& o) {
  if (o.store) return nullptr;
  auto opened = open_bot_store(io.get_executor(), o.config, o.secrets, o.log);
  if (!opened) {
    o.log.error("{}", opened.error().what());
    return nullptr;
  }
  return std::move(*opened);
}

// Where the parent's sessions post, kept beside its store; none with an application's store.
std::unique_ptr<text_channels> open_channels(const parent_bot_options& o, bool own_store) {
  if (!own_store) return nullptr;
  auto opened = open_text_channels(o.config, o.secrets, o.config.parent.name);
  if (!opened) {
    o.log.error("{}", opened.error().what());
    return nullptr;
  }
  return std::move(*opened);
}

}  // namespace

parent_bot::parent_bot(boost::asio::io_context& io, gateway& gw, parent_bot_options options)
    : io_(io),
      gateway_(gw),
      options_(std::move(options)),
      own_store_(open_store(io, options_)),
      channels_(open_channels(options_, own_store_ != nullptr)),
      nodes_(io, nodes_of(options_, gw.self()), options_.log, store()),
      local_(nodes_.pool(), gw,
             {.bot_name = options_.config.parent.name,
              .search_prefix = options_.search_prefix,
              .passthrough_prefixes = options_.passthrough_prefixes,
              .inactivity_timeout = options_.config.inactivity_timeout,
              .load_tracks = nodes_.loader(),
              .store = store(),
              .log = options_.log}),
      manager_(io.get_executor(), manager_config(), local_.factory(),
               hanabi::remote_session_hooks_for(io.get_executor())),
      router_(gw, manager_, routing()) {
  // Recovered sessions rejoin voice before any command is taken.
  gateway_.set_events({.on_voice_state = [this](const hanabi::voice_state_update& u) { local_.on_voice_state(u); },
                       .on_voice_server = [this](const hanabi::voice_server_update& u) { local_.on_voice_server(u); }});
}

void parent_bot::start(std::function<void(hanabi::error_code)> started) {
  nodes_.when_ready([this, started = std::move(started)]() mutable {
    boost::asio::post(io_, [this, started = std::move(started)]() mutable { recover(std::move(started)); });
  });
}

void parent_bot::recover(std::function<void(hanabi::error_code)> started) {
  if (stopped_) return;
  local_.recover({.on_created = {},
                  .on_lost =
                      [this](const hanabi::lost_session& lost) {
                        boost::asio::post(gateway_.get_executor(), [this, lost] {
                          if (channels_) tell_lost(gateway_, *channels_, lost);
                        });
                      }},
                 [this, started = std::move(started)](hanabi::error_code ec,
                                                      std::vector<std::shared_ptr<hanabi::local_session>> back) {
                   if (stopped_) return;
                   serve(std::move(back));
                   started(ec);
                 });
}

// The recovered sessions become the manager's, show their now-playing message where they did,
// and the router takes commands.
void parent_bot::serve(std::vector<std::shared_ptr<hanabi::local_session>> back) {
  for (auto& s : back) {
    manager_.adopt(s);
    if (auto text = channels_ ? channels_->find(s->address().voice) : std::nullopt) router_.follow(s, *text);
  }
  router_.start({.on_voice_state = [this](const hanabi::voice_state_update& u) { local_.on_voice_state(u); },
                 .on_voice_server = [this](const hanabi::voice_server_update& u) { local_.on_voice_server(u); }});
  std::vector<std::string> bots{options_.config.parent.name};
  for (const auto& child : options_.config.children) bots.push_back(child.name);
  gateway_.async_register_commands(slash_commands(bots), [log = options_.log](hanabi::error_code ec) {
    if (ec) log.error("the slash commands were not registered: {}", ec.message());
  });
  started_ = true;
}

// On the gateway's executor (the router's).
void parent_bot::remember_text_channel(const std::shared_ptr<hanabi::session>& s, hanabi::channel_id text) {
  if (!channels_) return;
  if (auto saved = channels_->remember(s->address().voice, text); !saved) options_.log.warn("{}", saved.error().what());
}

// Without shutdown(): the supervisor's destructor kills the children.
parent_bot::~parent_bot() {
  if (!stopped_) end_own_sessions();
}

// Closed by a shutdown, they stay in the store: the next start recovers them.
void parent_bot::close_own_sessions() {
  for (auto& s : manager_.sessions())
    if (auto local = std::dynamic_pointer_cast<hanabi::local_session>(s)) local->close(hanabi::close_reason::shutdown);
}

void parent_bot::end_own_sessions() {
  close_own_sessions();
  manager_.stop();
  nodes_.stop();
  if (own_store_) hanabi::storage::close_store(*own_store_);
}

router_config parent_bot::routing() {
  return {.rules = {.dj_role = options_.config.dj_role, .owner = options_.config.owner},
          .children = child_names(options_.config),
          .restarts = [this](std::string_view name) -> std::optional<std::uint64_t> {
            const auto spawns = supervisor_ ? supervisor_->spawns(name) : 0;
            if (spawns == 0) return std::nullopt;  // not run by this parent
            return spawns - 1;
          },
          .nodes = [this] { return nodes_.rows(); },
          .page_size = 10,
          .store = store(),
          .load_tracks = nodes_.loader(),
          .search_prefix = options_.search_prefix,
          .search_timeout = options_.search_timeout,
          .now_playing_interval = options_.config.now_playing_interval,
          .on_follow = [this](const std::shared_ptr<hanabi::session>& s,
                              hanabi::channel_id text) { remember_text_channel(s, text); },
          .log = options_.log};
}

hanabi::session_manager_config parent_bot::manager_config() const {
  hanabi::session_manager_config c;
  c.name = options_.config.parent.name;
  c.children = child_names(options_.config);
  c.server.address = options_.config.control.address;
  c.server.port = options_.config.control.port;
  c.server.token = options_.secrets.control;
  c.server.link.log = options_.log.with_prefix("control");
  c.log = options_.log.with_prefix("sessions");
  return c;
}

hanabi::result<boost::asio::ip::tcp::endpoint> parent_bot::listen() { return manager_.listen(); }

hanabi::result<void> parent_bot::spawn_children() {
  if (!options_.child_program) return {};
  hanabi::supervisor_config sc;
  for (const auto& child : options_.config.children)
    if (child.spawn) sc.children.push_back(options_.child_program(child.name));
  sc.on_exit = [log = options_.log](const hanabi::child_exit& e) {
    log.warn("child {} (pid {}) exited with {}{}", e.name, e.pid, e.status, e.restarting ? "; restarting it" : "");
  };
  sc.log = options_.log.with_prefix("supervisor");
  supervisor_ = std::make_unique<hanabi::supervisor>(io_.get_executor(), std::move(sc));
  return supervisor_->start();
}

void parent_bot::shutdown(std::function<void()> done) {
  if (std::exchange(stopped_, true)) {
    if (done) done();
    return;
  }
  close_own_sessions();  // their last saves run while the children stop
  auto finish = [this, done = std::move(done)](hanabi::error_code = {}) {
    end_own_sessions();
    if (done) done();
  };
  if (!supervisor_) return finish();
  supervisor_->async_stop(std::move(finish));
}

}  // namespace bot
