#include "local_sessions.hpp"

#include <boost/asio/append.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

#include <fmt/format.h>

#include <utility>

namespace bot {

void tell_lost(gateway& gw, text_channels& channels, const hanabi::lost_session& lost) {
  auto text = channels.find(lost.address.voice);
  if (!text) return;
  channels.forget(lost.address.voice);
  auto m = render_notice(fmt::format("Left <#{}>: {}.", lost.address.voice.value(), lost.reason));
  gw.async_post(*text, std::move(m), [](hanabi::error_code, hanabi::message_id) {});
}

local_sessions::local_sessions(hanabi::node_pool& pool, gateway& gw, local_sessions_options options)
    : pool_(pool), gateway_(gw), options_(std::move(options)) {}

hanabi::local_session_factory local_sessions::factory() {
  return [this](hanabi::session_address where, hanabi::user_id by, hanabi::diagnostics& diag,
                hanabi::session_handler<std::shared_ptr<hanabi::session>> handler) {
    asio::post(pool_.get_executor(), [this, where, by, &diag, h = std::move(handler)]() mutable {
      create(where, by, diag, std::move(h));
    });
  };
}

hanabi::local_session_config local_sessions::session_config() const {
  hanabi::local_session_config cfg;
  cfg.bot_name = options_.bot_name;
  cfg.bot = gateway_.self();
  cfg.search_prefix = options_.search_prefix;
  cfg.passthrough_prefixes = options_.passthrough_prefixes;
  cfg.inactivity_timeout = options_.inactivity_timeout;
  cfg.load_tracks = options_.load_tracks;
  cfg.log = options_.log;
  // The gateway is used from its own executor only.
  cfg.send_gateway = [gw = &gateway_](const hanabi::gateway_voice_update& op) {
    asio::post(gw->get_executor(), [gw, op] { gw->send_voice_update(op); });
  };
  return cfg;
}

// On the pool's strand. With a store, the session is restart-proof from its first event.
hanabi::result<std::shared_ptr<hanabi::local_session>> local_sessions::make(hanabi::session_address where,
                                                                           hanabi::local_session_config cfg) {
  if (!options_.store) {
    auto plain = hanabi::local_session::create(pool_, where, std::move(cfg));
    if (plain) add(*plain);
    return plain;
  }
  auto persisted = hanabi::create_persisted_session(pool_, *options_.store, where, std::move(cfg), persistence());
  if (!persisted) return persisted.error();
  add(persisted->session, persisted->persistence);
  return persisted->session;
}

// On the pool's strand (local_session::create must run there).
void local_sessions::create(hanabi::session_address where, hanabi::user_id by, hanabi::diagnostics& diag,
                            hanabi::session_handler<std::shared_ptr<hanabi::session>> handler) {
  auto made = make(where, session_config());
  if (!made) {
    diag = made.error().diag;
    asio::post(pool_.get_executor(), asio::append(std::move(handler), made.error().code, std::shared_ptr<hanabi::session>{}));
    return;
  }
  auto session = *made;
  session->async_connect({.by = by}, diag,
                         [session, ex = pool_.get_executor(), h = std::move(handler)](hanabi::error_code ec, hanabi::session_state) mutable {
                           if (ec) {
                             session->close(hanabi::close_reason::voice_lost, "could not join the voice channel");
                             return asio::post(ex, asio::append(std::move(h), ec, std::shared_ptr<hanabi::session>{}));
                           }
                           // Through the handler's own executor: it may resume a coroutine.
                           asio::post(ex, asio::append(std::move(h), ec, std::shared_ptr<hanabi::session>(session)));
                         });
}

hanabi::session_factory local_sessions::host_factory(created_hook on_created) {
  return [this, on_created = std::move(on_created)](const hanabi::session_request& r, hanabi::session_factory_handler done) {
    asio::post(pool_.get_executor(), [this, r, on_created, done = std::move(done)]() mutable {
      auto cfg = session_config();
      cfg.lifetime = r.lifetime;
      if (r.inactivity_timeout) cfg.inactivity_timeout = *r.inactivity_timeout;
      if (r.paused_timeout) cfg.paused_timeout = *r.paused_timeout;
      auto made = make(r.address, std::move(cfg));
      if (!made) return std::move(done)(made.error());
      if (on_created) on_created(*made, r);
      std::move(done)(std::shared_ptr<hanabi::session>(*made));
    });
  };
}

void local_sessions::add(const std::shared_ptr<hanabi::local_session>& s, std::shared_ptr<hanabi::session_persistence> keeper) {
  std::lock_guard lock(mutex_);
  by_guild_[s->address().guild] = s;
  if (keeper) keepers_[s->address().voice] = std::move(keeper);
}

hanabi::persistence_config local_sessions::persistence() {
  std::lock_guard lock(mutex_);
  return {.volumes = volumes_, .log = options_.log.with_prefix("persistence")};
}

void local_sessions::recover(recovery_hooks hooks, recovered_handler done) {
  if (!options_.store) return asio::post(gateway_.get_executor(), [done = std::move(done)] { done({}, {}); });
  hanabi::volume_memory::async_load(
      *options_.store, options_.log,
      asio::bind_executor(gateway_.get_executor(), [this, hooks = std::move(hooks), done = std::move(done)](
                                                       hanabi::error_code ec, std::shared_ptr<hanabi::volume_memory> volumes) mutable {
        if (ec) options_.log.warn("the remembered volumes cannot be read: {}", ec.message());
        {
          std::lock_guard lock(mutex_);
          volumes_ = std::move(volumes);
        }
        recover_sessions(std::move(hooks), std::move(done));
      }));
}

void local_sessions::recover_sessions(recovery_hooks hooks, recovered_handler done) {
  hanabi::recovery_config rc;
  rc.bot_name = options_.bot_name;
  rc.session_config = [this](const hanabi::session_address&) { return session_config(); };
  rc.on_created = [this, created = std::move(hooks.on_created)](const std::shared_ptr<hanabi::local_session>& s) {
    add(s);
    if (created) created(s);
  };
  rc.on_lost = std::move(hooks.on_lost);
  rc.persistence = persistence();
  rc.log = options_.log.with_prefix("recovery");
  hanabi::async_recover(*options_.store, pool_, std::move(rc),
                        asio::bind_executor(gateway_.get_executor(), [this, done = std::move(done)](
                                                                         hanabi::error_code ec, hanabi::recovery_report report) {
                          std::vector<std::shared_ptr<hanabi::local_session>> back;
                          for (auto& r : report.recovered) {
                            add(r.session, r.persistence);
                            back.push_back(r.session);
                          }
                          if (ec) options_.log.error("the stored sessions cannot be loaded: {}", ec.message());
                          if (!back.empty() || !report.lost.empty())
                            options_.log.info("recovered {} session(s), lost {}", back.size(), report.lost.size());
                          done(ec, std::move(back));
                        }));
}

std::shared_ptr<hanabi::local_session> local_sessions::find(hanabi::guild_id guild) {
  std::lock_guard lock(mutex_);
  auto it = by_guild_.find(guild);
  if (it == by_guild_.end()) return nullptr;
  auto s = it->second.lock();
  if (!s) by_guild_.erase(it);
  return s;
}

void local_sessions::on_voice_state(const hanabi::voice_state_update& u) {
  if (auto s = find(u.guild)) s->on_voice_state_update(u);
}

void local_sessions::on_voice_server(const hanabi::voice_server_update& u) {
  if (auto s = find(u.guild)) s->on_voice_server_update(u);
}

}  // namespace bot
