#include "now_playing.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fmt/format.h>

#include <exception>
#include <tuple>
#include <utility>

namespace bot {
namespace {

namespace asio = boost::asio;
constexpr auto as_result = asio::experimental::as_tuple(asio::use_awaitable);

const char* reason_text(hanabi::close_reason r) {
  switch (r) {
    case hanabi::close_reason::requested: return "asked to leave";
    case hanabi::close_reason::inactivity: return "nothing played for a while";
    case hanabi::close_reason::kicked: return "disconnected from the voice channel";
    case hanabi::close_reason::voice_lost: return "the voice connection was lost";
    case hanabi::close_reason::child_lost: return "the bot holding it stopped";
    case hanabi::close_reason::shutdown: return "the bot is shutting down";
  }
  return "ended";
}

}  // namespace

asio::awaitable<std::optional<now_playing_view>> load_player_view(hanabi::session& s, std::size_t window) {
  hanabi::diagnostics diag;
  const hanabi::page_args window_args{.number = 0, .size = window};
  auto ec_current = co_await s.async_now_playing(diag, as_result);
  auto& ec = std::get<0>(ec_current);
  auto& current = std::get<1>(ec_current);
  if (ec) co_return std::nullopt;
  auto page_ec_window = co_await s.async_queue_page(window_args, diag, as_result);
  auto& page_ec = std::get<0>(page_ec_window);
  auto& page = std::get<1>(page_ec_window);
  if (page_ec) co_return std::nullopt;
  co_return now_playing_view{std::move(current), std::move(page), s.bot()};
}

now_playing_updater::now_playing_updater(gateway& gw, now_playing_config config)
    : gateway_(gw), config_(std::move(config)) {}

now_playing_updater::~now_playing_updater() {
  for (auto& [voice, p] : players_) p.ticker->cancel();
}

void now_playing_updater::follow(const std::shared_ptr<hanabi::session>& s, hanabi::channel_id text) {
  const auto voice = s->address().voice;
  if (players_.count(voice)) return;
  auto& p = players_[voice];
  p.session = s;
  p.text = text;
  p.ticker = std::make_shared<asio::steady_timer>(gateway_.get_executor());
  p.subscription = s->subscribe([this, voice, ex = gateway_.get_executor()](const hanabi::session_event& e) {
    asio::post(ex, [this, voice, e] { on_session_event(voice, e); });
  });
  tick(voice, p.ticker);
}

std::optional<std::pair<hanabi::channel_id, std::shared_ptr<hanabi::session>>> now_playing_updater::owner_of(
    hanabi::message_id message) const {
  for (const auto& [voice, p] : players_)
    if (p.id == message)
      if (auto s = p.session.lock()) return std::pair{voice, std::move(s)};
  return std::nullopt;
}

void now_playing_updater::on_session_event(hanabi::channel_id voice, const hanabi::session_event& e) {
  auto done = [log = config_.log](std::exception_ptr ex) {
    if (ex) log.error("the now-playing message could not be updated");
  };
  if (auto closed = std::get_if<hanabi::session_events::closed>(&e))
    return asio::co_spawn(gateway_.get_executor(), retire(voice, reason_text(closed->reason)), done);
  if (std::holds_alternative<hanabi::session_events::node_moved>(e)) return;
  asio::co_spawn(gateway_.get_executor(), refresh(voice), done);
}

// The interval refresh. The timer is shared with the message's entry: retiring the message or
// destroying the updater cancels it; a wait that completed just before (its handler already
// queued) finds `alive_` gone or the entry replaced, and stops.
void now_playing_updater::tick(hanabi::channel_id voice, std::shared_ptr<asio::steady_timer> ticker) {
  ticker->expires_after(config_.interval);
  ticker->async_wait([this, alive = std::weak_ptr<int>(alive_), voice, ticker](hanabi::error_code ec) {
    if (ec || alive.expired()) return;
    auto it = players_.find(voice);
    if (it == players_.end() || it->second.ticker != ticker) return;  // retired meanwhile
    asio::co_spawn(gateway_.get_executor(), refresh(voice), [log = config_.log](std::exception_ptr ex) {
      if (ex) log.error("the now-playing message could not be refreshed");
    });
    tick(voice, ticker);
  });
}

// One refresh at a time per message; a change during one makes it run once more.
asio::awaitable<void> now_playing_updater::refresh(hanabi::channel_id voice) {
  auto it = players_.find(voice);
  if (it == players_.end()) co_return;
  if (it->second.refreshing) {
    it->second.stale = true;
    co_return;
  }
  it->second.refreshing = true;
  do {
    it->second.stale = false;
    auto s = it->second.session.lock();
    if (!s) co_return;
    auto view = co_await load_player_view(*s, config_.window);
    if (!view || !players_.count(voice)) co_return;
    auto rendered = render_now_playing(*view);
    co_await show(voice, std::move(rendered));
    it = players_.find(voice);
    if (it == players_.end()) co_return;
  } while (it->second.stale);
  it->second.refreshing = false;
}

// Posts the message the first time, then edits it, unless it already shows `m`.
asio::awaitable<void> now_playing_updater::show(hanabi::channel_id voice, message m) {
  auto& p = players_.at(voice);
  if (p.shown == m) co_return;
  p.shown = m;
  const auto text = p.text;
  if (p.id) {
    const auto id = *p.id;
    co_await gateway_.async_edit(text, id, std::move(m), as_result);
    co_return;
  }
  auto ec_id = co_await gateway_.async_post(text, std::move(m), as_result);
  auto& ec = std::get<0>(ec_id);
  auto& id = std::get<1>(ec_id);
  if (auto it = players_.find(voice); !ec && it != players_.end()) it->second.id = id;
}

asio::awaitable<void> now_playing_updater::retire(hanabi::channel_id voice, std::string why) {
  auto it = players_.find(voice);
  if (it == players_.end()) co_return;
  auto p = std::move(it->second);
  players_.erase(it);
  p.ticker->cancel();
  if (p.id) co_await gateway_.async_delete(p.text, *p.id, as_result);
  auto farewell = render_notice(fmt::format("Left <#{}>: {}.", voice.value(), why));
  co_await gateway_.async_post(p.text, std::move(farewell), as_result);
}

}  // namespace bot
