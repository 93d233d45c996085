#include "router.hpp"

#include "router_replies.hpp"
#include "search.hpp"

#include <boost/asio/co_spawn.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <exception>
#include <tuple>
#include <utility>

namespace bot {

namespace {

using namespace replies;

hanabi::repeat_mode next_repeat(hanabi::repeat_mode m) {
  switch (m) {
    case hanabi::repeat_mode::off: return hanabi::repeat_mode::one;
    case hanabi::repeat_mode::one: return hanabi::repeat_mode::all;
    case hanabi::repeat_mode::all: break;
  }
  return hanabi::repeat_mode::off;
}

constexpr int volume_step = 10;

// The uptime of something up since `since`, in whole seconds.
std::chrono::seconds up_for(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - since);
}

}  // namespace

router::router(gateway& gw, hanabi::session_manager& sessions, router_config config)
    : gateway_(gw),
      sessions_(sessions),
      config_(std::move(config)),
      players_(gw, {.window = config_.page_size / 2, .interval = config_.now_playing_interval, .log = config_.log}) {}

router::~router() {
  for (auto& [id, s] : searches_) s.expiry->cancel();
}

void router::start(gateway_events others) {
  others.on_command = [this](command_invocation c) { on_command(std::move(c)); };
  others.on_component = [this](component_invocation c) { on_component(std::move(c)); };
  gateway_.set_events(std::move(others));
}

void router::follow(const std::shared_ptr<hanabi::session>& s, hanabi::channel_id text) {
  players_.follow(s, text);
  if (config_.on_follow) config_.on_follow(s, text);
}

// --- The boundary: nothing escapes into the gateway loop -----------------------------------------

void router::on_command(command_invocation c) {
  asio::co_spawn(gateway_.get_executor(), answer_command(std::move(c)), [log = config_.log](std::exception_ptr e) {
    if (e) log.error("a command failed to answer");
  });
}

void router::on_component(component_invocation c) {
  asio::co_spawn(gateway_.get_executor(), answer_component(std::move(c)), [log = config_.log](std::exception_ptr e) {
    if (e) log.error("a button failed to answer");
  });
}

// Loads, playlists, session creation and children's sessions may outlast Discord's 3 seconds.
bool router::takes_long(const command_invocation& c) const {
  static constexpr std::array<std::string_view, 5> slow = {"connect", "play", "search", "enqueue", "playlist"};
  if (std::find(slow.begin(), slow.end(), c.name) != slow.end()) return true;
  auto voice = gateway_.voice_channel_of(c.from.guild, c.from.user);
  auto s = voice ? sessions_.find(*voice) : nullptr;
  return s && s->is_remote();
}

// The reply, or the edit of a deferred (ephemeral) answer.
asio::awaitable<void> router::answer(interaction_ref i, bool deferred, message m) {
  if (!deferred) {
    co_await gateway_.async_reply(std::move(i), std::move(m), as_result);
    co_return;
  }
  m.ephemeral = true;
  co_await gateway_.async_edit_reply(std::move(i), std::move(m), as_result);
}

asio::awaitable<void> router::answer_command(command_invocation c) {
  message m;
  bool deferred = false;
  try {
    deferred = takes_long(c);
    if (deferred) co_await gateway_.async_defer(c.interaction, true, as_result);
    m = co_await run(c);
  } catch (const std::exception& e) {
    config_.log.error("/{}: {}", c.name, e.what());
    m = render_error("Something went wrong; it was logged.");
  }
  co_await answer(c.interaction, deferred, std::move(m));
}

asio::awaitable<void> router::answer_component(component_invocation c) {
  message m;
  bool deferred = false;
  try {
    if (auto id = search_of(c.custom_id)) {
      deferred = true;  // the pick may create a session and loads nothing, but starts a track
      co_await gateway_.async_defer(c.interaction, true, as_result);
      m = co_await pick(c, *id);
    } else {
      m = co_await press_player(c);
    }
  } catch (const std::exception& e) {
    config_.log.error("component {}: {}", c.custom_id, e.what());
    m = render_error("Something went wrong; it was logged.");
  }
  m.ephemeral = true;
  co_await answer(c.interaction, deferred, std::move(m));
}

router::reply router::press_player(const component_invocation& c) {
  auto owner = players_.owner_of(c.message);
  if (!owner) co_return render_error("This player has ended.");
  auto& [voice, s] = *owner;
  if (gateway_.voice_channel_of(c.from.guild, c.from.user) != voice)
    co_return render_error(fmt::format("Join <#{}> to use this player.", voice.value()));
  if (auto allowed = check_allowed(c.custom_id, c.from, config_.rules); !allowed) co_return render_error(allowed.error());
  co_return co_await press(c, *s);
}

// --- Commands ------------------------------------------------------------------------------------

router::reply router::run(const command_invocation& c) {
  if (auto allowed = check_allowed(c.name, c.from, config_.rules); !allowed) co_return render_error(allowed.error());
  if (c.name == "bots") co_return bots();
  if (c.name == "nodes") co_return nodes();
  if (c.name == "playlist") co_return co_await playlist(c);
  auto voice = gateway_.voice_channel_of(c.from.guild, c.from.user);
  if (!voice) co_return render_error("You are not in a voice channel.");
  if (c.name == "search") co_return co_await search(c);
  if (c.name == "disconnect") co_return co_await disconnect(c, *voice);
  if (c.name == "enqueue") co_return co_await enqueue(c, *voice);
  message refusal;
  auto s = co_await acquire(c.from, c.name, c.options, *voice, refusal);
  if (!s) co_return refusal;
  co_return co_await run_on(c, *s, *voice);
}

asio::awaitable<std::shared_ptr<hanabi::session>> router::acquire(const invoker& from, std::string_view command,
                                                                   const command_options& o, hanabi::channel_id voice,
                                                                   message& refusal) {
  if (auto found = sessions_.find(voice)) {
    if (found->is_remote()) watch_child(found, from.text_channel);  // adopted from a child that came back
    co_return found;
  }
  static constexpr std::array<std::string_view, 4> creating = {"connect", "play", "enqueue", "search"};
  if (std::find(creating.begin(), creating.end(), command) == creating.end()) {
    refusal = render_error("Nothing is playing in your voice channel: start with /play.");
    co_return nullptr;
  }
  auto bot = connect_choice(o, from, config_.rules);
  if (!bot) {
    refusal = render_error(bot.error());
    co_return nullptr;
  }
  hanabi::diagnostics diag;
  // Named, not temporaries inside the co_await expression: GCC 12 mishandles those.
  const hanabi::session_address where{from.guild, voice};
  hanabi::create_options options{.by = from.user, .bot = *bot, .text_channel = from.text_channel};
  auto ec_s = co_await sessions_.async_get_or_create(where, std::move(options), diag, as_result);
  auto& ec = std::get<0>(ec_s);
  auto& s = std::get<1>(ec_s);
  if (ec) {
    refusal = render_error(hanabi::failure{ec, std::move(diag)});
    co_return nullptr;
  }
  if (s->is_remote())
    watch_child(s, from.text_channel);
  else
    follow(s, from.text_channel);
  co_return s;
}

// A child keeps its session's messages itself; when the child dies it cannot say so, the parent does.
void router::watch_child(const std::shared_ptr<hanabi::session>& s, hanabi::channel_id text) {
  const auto voice = s->address().voice;
  const hanabi::session* watched = s.get();  // identifies the session; never dereferenced here
  if (auto it = children_sessions_.find(voice); it != children_sessions_.end() && it->second.first == watched) return;
  auto on_event = [this, voice, text, watched](const hanabi::session_event& e) {
    const auto* closed = std::get_if<hanabi::session_events::closed>(&e);
    if (!closed) return;
    asio::post(gateway_.get_executor(), [this, voice, text, watched, lost = closed->reason == hanabi::close_reason::child_lost] {
      if (auto it = children_sessions_.find(voice); it != children_sessions_.end() && it->second.first == watched)
        children_sessions_.erase(it);
      if (!lost) return;
      auto m = render_notice(fmt::format("Left <#{}>: the bot holding it stopped.", voice.value()));
      gateway_.async_post(text, std::move(m), [](hanabi::error_code, hanabi::message_id) {});
    });
  };
  children_sessions_[voice] = {watched, s->subscribe(std::move(on_event))};
}

router::reply router::run_on(const command_invocation& c, hanabi::session& s, hanabi::channel_id voice) {
  const auto by = c.from.user;
  const auto& o = c.options;
  auto fail_or = [](auto parsed) { return render_error(parsed.error()); };
  if (c.name == "connect") co_return notice(fmt::format("**{}** is in <#{}>.", s.bot(), voice.value()));
  if (c.name == "play") co_return co_await play(c, s);
  if (c.name == "skip") {
    auto a = skip_request(o, by);
    if (!a) co_return fail_or(a);
    co_return co_await skip(s, *a);
  }
  if (c.name == "back") co_return co_await skip(s, {.how = hanabi::skip_args::kind::back, .by = by});
  if (c.name == "seek") co_return co_await seek(c, s);
  if (c.name == "pause" || c.name == "resume") {
    const bool paused = c.name == "pause";
    co_return co_await attempt([&](auto& d, auto t) { return s.async_pause({.paused = paused, .by = by}, d, t); },
                               [&] { return notice(paused ? "Paused." : "Resumed."); });
  }
  if (c.name == "stop")
    co_return co_await attempt([&](auto& d, auto t) { return s.async_stop({.by = by}, d, t); },
                               [] { return notice("Stopped. The queue stays: /skip or /play to go on."); });
  if (c.name == "volume") {
    auto a = volume_request(o, by);
    if (!a) co_return fail_or(a);
    co_return co_await attempt([&](auto& d, auto t) { return s.async_volume(*a, d, t); },
                               [](int v) { return notice(fmt::format("Volume set to {}%.", v)); });
  }
  if (c.name == "repeat") {
    auto a = repeat_request(o, by);
    if (!a) co_return fail_or(a);
    co_return co_await attempt([&](auto& d, auto t) { return s.async_repeat(*a, d, t); },
                               [&] { return notice(fmt::format("Repeat: {}.", hanabi::to_string(a->mode))); });
  }
  if (c.name == "shuffle" || c.name == "unshuffle") {
    const bool undo = c.name == "unshuffle";
    co_return co_await attempt([&](auto& d, auto t) { return s.async_shuffle({.undo = undo, .by = by}, d, t); },
                               [&] { return notice(undo ? "Unshuffled the upcoming tracks." : "Shuffled the upcoming tracks."); });
  }
  if (c.name == "queue") co_return co_await queue(c, s);
  if (c.name == "nowplaying") co_return co_await now_playing(s);
  if (c.name == "history") co_return co_await history(s);
  if (c.name == "move") {
    auto a = move_request(o, by);
    if (!a) co_return fail_or(a);
    co_return co_await attempt([&](auto& d, auto t) { return s.async_move(*a, d, t); },
                               [&] { return notice(fmt::format("Moved position {} to {}.", a->from, a->to)); });
  }
  if (c.name == "remove") co_return co_await remove(c, s);
  if (c.name == "clear")
    co_return co_await attempt([&](auto& d, auto t) { return s.async_clear({.upcoming_only = true, .by = by}, d, t); },
                               [](std::size_t n) { return notice(fmt::format("Removed {}.", plural(n, "upcoming track"))); });
  if (c.name == "dequeue") co_return co_await dequeue(c, s, voice);
  if (c.name == "filter") {
    auto a = filter_request(c.subcommand, o, by);
    if (!a) co_return fail_or(a);
    co_return co_await attempt([&](auto& d, auto t) { return s.async_filters(*a, d, t); },
                               [&](const hanabi::protocol::filters&) {
                                 return notice(c.subcommand == "clear" ? "Filters cleared." : "Filters applied.");
                               });
  }
  co_return render_error(fmt::format("/{} is not a command of this bot.", c.name));
}

router::reply router::play(const command_invocation& c, hanabi::session& s) {
  auto a = play_request(c.options, c.from.user);
  if (!a) co_return render_error(a.error());
  co_return co_await attempt([&](auto& d, auto t) { return s.async_play(std::move(*a), d, t); },
                             [](const hanabi::enqueue_outcome& o) {
                               auto m = notice(played_text(o));
                               m.ephemeral = false;
                               return m;
                             });
}

// A time past the end is refused with the track's range; a jump (+30, -10) is clamped to the track.
router::reply router::seek(const command_invocation& c, hanabi::session& s) {
  auto a = seek_request(c.options, c.from.user);
  if (!a) co_return render_error(a.error());
  if (!a->relative) {
    hanabi::diagnostics diag;
    auto ec_current = co_await s.async_now_playing(diag, as_result);
    auto& current = std::get<1>(ec_current);
    if (!std::get<0>(ec_current) && current) {
      const seek_target target{.relative = false, .ms = a->value};
      auto resolved = resolve_seek(target, current->position, current->item.length);
      if (!resolved) co_return render_error(resolved.error());
    }
  }
  co_return co_await attempt([&](auto& d, auto t) { return s.async_seek(*a, d, t); },
                             [](std::int64_t ms) { return notice(fmt::format("Jumped to {}.", format_time(ms))); });
}

router::reply router::skip(hanabi::session& s, hanabi::skip_args a) {
  co_return co_await attempt([&](auto& d, auto t) { return s.async_skip(a, d, t); },
                             [](const hanabi::now_playing& np) {
                               return notice(fmt::format("Now playing **{}** (position {}).", np.item.title,
                                                         np.item.position));
                             });
}

router::reply router::queue(const command_invocation& c, hanabi::session& s) {
  auto page = page_request(c.options);
  if (!page) co_return render_error(page.error());
  const hanabi::page_args args{.number = *page, .size = config_.page_size};
  co_return co_await attempt([&](auto& d, auto t) { return s.async_queue_page(args, d, t); },
                             [&](const hanabi::queue_view& v) {
                               if (*page > 1 && *page > v.pages)
                                 return render_error(fmt::format("Page {} does not exist: the queue has pages 1 to {}.",
                                                                 *page, std::max<std::size_t>(v.pages, 1)));
                               return render_queue_page(v);
                             });
}

router::reply router::now_playing(hanabi::session& s) {
  auto view = co_await load_player_view(s, config_.page_size / 2);
  if (!view) co_return render_error("This session has ended.");
  auto m = render_now_playing(*view);
  m.rows.clear();  // the buttons live on the player message, which this bot keeps up to date
  m.ephemeral = true;
  co_return m;
}

router::reply router::history(hanabi::session& s) {
  co_return co_await attempt([&](auto& d, auto t) { return s.async_history(10, d, t); },
                             [](const std::vector<hanabi::action_record>& actions) {
                               if (actions.empty()) return notice("Nothing was done in this session yet.");
                               std::string lines;
                               for (const auto& a : actions)
                                 lines += fmt::format("<@{}> {} {}\n", a.by.value(), a.action, a.detail);
                               lines.pop_back();
                               return notice(lines);
                             });
}

router::reply router::remove(const command_invocation& c, hanabi::session& s) {
  hanabi::diagnostics diag;
  auto ec_state = co_await s.async_state(diag, as_result);
  auto& ec = std::get<0>(ec_state);
  auto& state = std::get<1>(ec_state);
  if (ec) co_return render_error(hanabi::failure{ec, std::move(diag)});
  if (state.queue_size == 0) co_return render_error("The queue is empty.");
  auto a = remove_request(c.options, state.queue_size, c.from.user);
  if (!a) co_return render_error(a.error());
  co_return co_await attempt([&](auto& d, auto t) { return s.async_dequeue(std::move(*a), d, t); },
                             [](const std::vector<hanabi::item_view>& removed) {
                               return notice(fmt::format("Removed {}.", plural(removed.size(), "track")));
                             });
}

router::reply router::dequeue(const command_invocation& c, hanabi::session& s, hanabi::channel_id voice) {
  auto a = dequeue_request(c.options, gateway_.members_in(c.from.guild, voice), c.from.user);
  if (!a) co_return render_error(a.error());
  co_return co_await attempt([&](auto& d, auto t) { return s.async_dequeue(std::move(*a), d, t); },
                             [](const std::vector<hanabi::item_view>& removed) {
                               if (removed.empty()) return render_error("No upcoming track matches that rule.");
                               return notice(fmt::format("Removed {}.", plural(removed.size(), "track")));
                             });
}

router::reply router::disconnect(const command_invocation& c, hanabi::channel_id voice) {
  if (!sessions_.find(voice)) co_return render_error("No bot is in your voice channel.");
  co_return co_await attempt(
      [&](auto& d, auto t) { return sessions_.async_disconnect(voice, {.by = c.from.user}, d, t); },
      [] { return notice("Disconnected."); });
}

message router::bots() const {
  auto all = sessions_.sessions();
  auto count = [&](const std::string& name) {
    return static_cast<std::size_t>(std::count_if(all.begin(), all.end(), [&](auto& s) { return s->bot() == name; }));
  };
  bot_row parent;
  parent.name = gateway_.name();
  parent.parent = parent.online = true;
  parent.sessions = count(gateway_.name());
  parent.uptime = up_for(started_);
  if (config_.nodes) {
    const auto nodes = config_.nodes();
    const auto accepting = std::count_if(nodes.begin(), nodes.end(), [](const node_row& n) {
      return n.load.available && n.load.accepts_new_players;
    });
    parent.nodes_up = std::pair{static_cast<std::size_t>(accepting), nodes.size()};
  }
  std::vector<bot_row> rows{std::move(parent)};
  for (const auto& child : config_.children) rows.push_back(child_row(child, count(child)));
  return render_bots(rows);
}

// A child's health: its control link (up, since when, the latest heartbeat's round trip) and
// how often the supervisor restarted it.
bot_row router::child_row(const std::string& child, std::size_t sessions) const {
  bot_row row;
  row.name = child;
  row.sessions = sessions;
  if (auto link = sessions_.server().find(child); link.is_up()) {
    const auto health = link.health();
    row.online = true;
    row.latency = health.round_trip;
    row.uptime = up_for(health.up_since);
  }
  if (config_.restarts) row.restarts = config_.restarts(child);
  return row;
}

message router::nodes() const {
  if (!config_.nodes) return render_error("This bot does not know its nodes.");
  return render_nodes(config_.nodes());
}

// --- The now-playing buttons ---------------------------------------------------------------------

router::reply router::press(const component_invocation& c, hanabi::session& s) {
  const auto by = c.from.user;
  const std::string_view id = c.custom_id;
  if (id == button_ids::back) co_return co_await skip(s, {.how = hanabi::skip_args::kind::back, .by = by});
  if (id == button_ids::skip) co_return co_await skip(s, {.how = hanabi::skip_args::kind::by, .value = 1, .by = by});
  if (id == button_ids::stop)
    co_return co_await attempt([&](auto& d, auto t) { return s.async_disconnect({.by = by}, d, t); },
                               [] { return notice("Disconnected."); });
  if (id == button_ids::volume_down || id == button_ids::volume_up) {
    const int step = id == button_ids::volume_up ? volume_step : -volume_step;
    co_return co_await attempt(
        [&](auto& d, auto t) { return s.async_volume({.value = step, .relative = true, .by = by}, d, t); },
        [](int v) { return notice(fmt::format("Volume set to {}%.", v)); });
  }
  hanabi::diagnostics diag;
  auto ec_state = co_await s.async_state(diag, as_result);
  auto& ec = std::get<0>(ec_state);
  auto& state = std::get<1>(ec_state);
  if (ec) co_return render_error(hanabi::failure{ec, std::move(diag)});
  if (id == button_ids::pause)
    co_return co_await attempt(
        [&](auto& d, auto t) { return s.async_pause({.paused = !state.paused, .by = by}, d, t); },
        [&] { return notice(state.paused ? "Resumed." : "Paused."); });
  if (id == button_ids::repeat) {
    const auto mode = next_repeat(state.repeat);
    co_return co_await attempt([&](auto& d, auto t) { return s.async_repeat({.mode = mode, .by = by}, d, t); },
                               [&] { return notice(fmt::format("Repeat: {}.", hanabi::to_string(mode))); });
  }
  co_return render_error("This button is not part of the player.");
}

}  // namespace bot
