#include "child_bot.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <fmt/format.h>

#include <chrono>
#include <utility>

namespace bot {

namespace {

// The last REST calls of the sessions (player deletions, saves) and their session_closed events
// get this long before the nodes stop and the link closes.
constexpr std::chrono::milliseconds closing_grace{300};

}  // namespace

child_bot::child_bot(boost::asio::io_context& io, gateway& gw, child_bot_options options)
    : io_(io), gateway_(gw), options_(std::move(options)) {}

child_bot::~child_bot() {
  if (host_) host_->set_upstream({});
  if (host_)
    for (auto& s : host_->sessions())
      if (auto local = std::dynamic_pointer_cast<hanabi::local_session>(s)) local->close(hanabi::close_reason::shutdown);
  if (client_) client_->stop();
  if (nodes_) nodes_->stop();
}

void child_bot::start(std::function<void(child_end)> ended) {
  ended_ = std::move(ended);
  open_store();
}

void child_bot::open_store() {
  auto opened = open_bot_store(io_.get_executor(), options_.config, options_.secrets, options_.log);
  if (!opened) {
    options_.log.error("{}", opened.error().what());
    return finish(child_end::failed);
  }
  store_ = std::move(*opened);
  auto channels = open_text_channels(options_.config, options_.secrets, options_.name);
  if (!channels) {
    options_.log.error("{}", channels.error().what());
    return finish(child_end::failed);
  }
  channels_ = std::move(*channels);
  const auto self = gateway_.self();
  nodes_ = std::make_unique<bot_nodes>(io_, node_configs(options_.config, options_.secrets, options_.name, self, options_.log),
                                       options_.log, store_.get());
  local_ = std::make_unique<local_sessions>(nodes_->pool(), gateway_,
                                            local_sessions_options{.bot_name = options_.name,
                                                                   .search_prefix = options_.search_prefix,
                                                                   .inactivity_timeout = options_.config.inactivity_timeout,
                                                                   .load_tracks = nodes_->loader(),
                                                                   .store = store_.get(),
                                                                   .log = options_.log});
  hanabi::session_manager_config idle;
  idle.name = options_.name;
  idle.log = options_.log;
  idle_manager_ = std::make_unique<hanabi::session_manager>(io_.get_executor(), idle, local_->factory(),
                                                            hanabi::remote_session_hooks{});
  router_ = std::make_unique<router>(
      gateway_, *idle_manager_,
      router_config{.rules = {.dj_role = options_.config.dj_role, .owner = options_.config.owner},
                    .children = {},
                    .nodes = [this] { return nodes_->rows(); },
                    .page_size = 10,
                    .log = options_.log});
  router_->start({.on_voice_state = [this](const hanabi::voice_state_update& u) { local_->on_voice_state(u); },
                  .on_voice_server = [this](const hanabi::voice_server_update& u) { local_->on_voice_server(u); }});
  host_ = std::make_unique<hanabi::session_host>(
      local_->host_factory([this](const std::shared_ptr<hanabi::local_session>& s, const hanabi::session_request& r) {
        on_created(s, r.text_channel);
      }),
      hanabi::session_host_config{options_.name, options_.log.with_prefix("host")});
  nodes_->when_ready([this] { boost::asio::post(io_, [this] { recover(); }); });
}

// Routes the session's messages to its text channel (remembered for a restart), from the gateway's executor.
void child_bot::on_created(const std::shared_ptr<hanabi::local_session>& s, std::optional<hanabi::channel_id> text) {
  boost::asio::post(gateway_.get_executor(), [this, s, text] {
    if (stopping_) return;
    const auto voice = s->address().voice;
    if (text)
      if (auto saved = channels_->remember(voice, *text); !saved)
        options_.log.warn("{}", saved.error().what());
    if (auto where = text ? text : channels_->find(voice)) router_->follow(s, *where);
  });
}

void child_bot::report_lost(const hanabi::lost_session& lost) {
  boost::asio::post(gateway_.get_executor(), [this, lost] { tell_lost(gateway_, *channels_, lost); });
}

void child_bot::recover() {
  if (stopping_) return;
  local_->recover({.on_created = [this](const std::shared_ptr<hanabi::local_session>& s) { on_created(s, std::nullopt); },
                   .on_lost = [this](const hanabi::lost_session& l) { report_lost(l); }},
                  [this](hanabi::error_code, std::vector<std::shared_ptr<hanabi::local_session>> back) {
                    for (auto& s : back) host_->host(s);
                    dial_parent();
                  });
}

void child_bot::dial_parent() {
  if (stopping_) return;
  watchdog_ = std::make_unique<hanabi::parent_watchdog>(
      io_.get_executor(), hanabi::orphan_policy{.grace = options_.config.control.orphan_grace, .keep_playing = false},
      [this] {
        boost::asio::post(io_, [this] {
          options_.log.warn("the parent stayed unreachable: leaving");
          finish(child_end::stopped);
        });
      });
  hanabi::remote::link_handlers handlers;
  host_->serve(handlers);
  handlers.on_up = [this](hanabi::remote::link) { watchdog_->parent_up(); };
  handlers.on_down = [this](hanabi::remote::link, hanabi::error_code, const std::string&) { watchdog_->parent_down(); };
  hanabi::remote::client_config cc;
  cc.host = options_.config.control.address;
  cc.port = options_.config.control.port;
  cc.name = options_.name;
  cc.bot_id = gateway_.self();
  cc.token = options_.secrets.control;
  cc.capabilities = {"sessions"};
  cc.link.log = options_.log.with_prefix("control");
  client_ = std::make_unique<hanabi::remote::client>(io_.get_executor(), std::move(cc), std::move(handlers));
  host_->set_upstream([c = client_.get()](std::string op, nlohmann::json payload) { c->send_event(std::move(op), std::move(payload)); });
  client_->async_run(boost::asio::bind_executor(io_.get_executor(), [this](hanabi::error_code ec) {
    const bool refused = ec == hanabi::error::authentication_failed || ec == hanabi::error::protocol_version_mismatch;
    if (refused) options_.log.error("the parent refused this child: {}", ec.message());
    finish(refused ? child_end::refused : child_end::stopped);
  }));
}

void child_bot::stop() { finish(child_end::stopped); }

void child_bot::finish(child_end how) {
  if (std::exchange(stopping_, true)) return;
  if (host_)
    for (auto& s : host_->sessions())
      if (auto local = std::dynamic_pointer_cast<hanabi::local_session>(s)) local->close(hanabi::close_reason::shutdown);
  // The parent hears of each session's end (session_closed) before the goodbye.
  auto grace = std::make_shared<boost::asio::steady_timer>(io_, closing_grace);
  grace->async_wait([this, grace, how](hanabi::error_code) {
    if (client_) client_->stop();
    if (nodes_) nodes_->stop();
    if (ended_) std::exchange(ended_, {})(how);
  });
}

}  // namespace bot
