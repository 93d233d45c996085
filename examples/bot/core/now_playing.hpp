// The now-playing message of each session a bot holds itself: posted in the text channel of the
// command that created the session, then edited in place on every session event and on an
// interval (so the progress bar moves), and deleted when the session closes, with the reason
// posted instead. A child's sessions are followed by the child's own updater, never the parent's.
//
// No flooding: at most one post or edit is in flight per message; events during it coalesce into
// one more refresh after it; a refresh that would show exactly what is shown edits nothing.
//
// Threading: every member runs on the gateway's executor; session events are posted there. The
// updater must outlive the work on that executor that it started; destroying it cancels its timers.
#pragma once

#include "gateway.hpp"
#include "render.hpp"

#include <hanabi/logger.hpp>
#include <hanabi/session/session.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace bot {

struct now_playing_config {
  /// Queue items shown around the current one.
  std::size_t window = 5;
  /// How often the message is refreshed while nothing else changes it (the progress bar).
  std::chrono::milliseconds interval{std::chrono::seconds{15}};
  hanabi::logger log = hanabi::logger::none();
};

/// What the now-playing message shows for `s` now (queue window of `window` items); none when the
/// session has ended.
boost::asio::awaitable<std::optional<now_playing_view>> load_player_view(hanabi::session& s, std::size_t window);

class now_playing_updater {
 public:
  now_playing_updater(gateway& gw, now_playing_config config);
  ~now_playing_updater();
  now_playing_updater(const now_playing_updater&) = delete;
  now_playing_updater& operator=(const now_playing_updater&) = delete;

  /// Keeps the message of `s` (held by this bot) in `text` up to date; nothing if already followed.
  void follow(const std::shared_ptr<hanabi::session>& s, hanabi::channel_id text);

  /// The voice channel and the session whose message is `message`; none once it has ended.
  std::optional<std::pair<hanabi::channel_id, std::shared_ptr<hanabi::session>>> owner_of(hanabi::message_id message) const;

 private:
  struct player_message {
    std::weak_ptr<hanabi::session> session;
    hanabi::channel_id text;
    std::optional<hanabi::message_id> id;
    std::optional<message> shown;  // what the message shows now
    hanabi::session_subscription subscription;
    std::shared_ptr<boost::asio::steady_timer> ticker;
    bool refreshing = false;
    bool stale = false;
  };

  void on_session_event(hanabi::channel_id voice, const hanabi::session_event& e);
  void tick(hanabi::channel_id voice, std::shared_ptr<boost::asio::steady_timer> ticker);
  boost::asio::awaitable<void> refresh(hanabi::channel_id voice);
  boost::asio::awaitable<void> show(hanabi::channel_id voice, message m);
  boost::asio::awaitable<void> retire(hanabi::channel_id voice, std::string why);

  gateway& gateway_;
  now_playing_config config_;
  std::map<hanabi::channel_id, player_message> players_;  // by voice channel
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // expires with this object (see tick)
};

}  // namespace bot
