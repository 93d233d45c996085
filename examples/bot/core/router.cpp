#include "router.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fmt/format.h>

#include <exception>
#include <tuple>
#include <type_traits>
#include <utility>

namespace bot {

namespace {

constexpr auto as_result = asio::experimental::as_tuple(asio::use_awaitable);

// Runs `op(diag, token)` on a session and renders the success with `render`, or the failure with
// the session's own sentence. `diag` lives in this frame until the operation completes.
template <class Op, class Render>
asio::awaitable<message> attempt(Op op, Render render) {
  hanabi::diagnostics diag;
  auto outcome = co_await op(diag, as_result);
  if (auto ec = std::get<0>(outcome)) co_return render_error(hanabi::failure{ec, std::move(diag)});
  if constexpr (std::tuple_size_v<decltype(outcome)> == 1)
    co_return render();
  else
    co_return render(std::move(std::get<1>(outcome)));
}

message notice(std::string sentence) { return render_notice(sentence); }

std::string plural(std::size_t n, std::string_view word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

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

std::string played_text(const hanabi::enqueue_outcome& o) {
  if (!o.playlist_name.empty())
    return fmt::format("Queued {} from **{}**.", plural(o.positions.size(), "track"), o.playlist_name);
  if (o.positions.empty()) return "Nothing was queued.";
  if (o.started) return fmt::format("Playing **{}**.", o.first_title);
  return fmt::format("Queued **{}** at position {}.", o.first_title, o.positions.front());
}

hanabi::repeat_mode next_repeat(hanabi::repeat_mode m) {
  switch (m) {
    case hanabi::repeat_mode::off: return hanabi::repeat_mode::one;
    case hanabi::repeat_mode::one: return hanabi::repeat_mode::all;
    case hanabi::repeat_mode::all: break;
  }
  return hanabi::repeat_mode::off;
}

constexpr int volume_step = 10;

}  // namespace

router::router(gateway& gw, hanabi::session_manager& sessions, router_config config)
    : gateway_(gw), sessions_(sessions), config_(std::move(config)) {}

void router::start(gateway_events others) {
  others.on_command = [this](command_invocation c) { on_command(std::move(c)); };
  others.on_component = [this](component_invocation c) { on_component(std::move(c)); };
  gateway_.set_events(std::move(others));
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

asio::awaitable<void> router::answer_command(command_invocation c) {
  message m;
  try {
    m = co_await run(c);
  } catch (const std::exception& e) {
    config_.log.error("/{}: {}", c.name, e.what());
    m = render_error("Something went wrong; it was logged.");
  }
  co_await gateway_.async_reply(c.interaction, std::move(m), as_result);
}

asio::awaitable<void> router::answer_component(component_invocation c) {
  message m;
  try {
    auto it = std::find_if(players_.begin(), players_.end(), [&](auto& p) { return p.second.id == c.message; });
    auto s = it == players_.end() ? nullptr : it->second.session.lock();
    if (!s)
      m = render_error("This player has ended.");
    else if (gateway_.voice_channel_of(c.from.guild, c.from.user) != it->first)
      m = render_error(fmt::format("Join <#{}> to use this player.", it->first.value()));
    else if (auto allowed = check_allowed(c.custom_id, c.from, config_.rules); !allowed)
      m = render_error(allowed.error());
    else
      m = co_await press(c, *s);
  } catch (const std::exception& e) {
    config_.log.error("button {}: {}", c.custom_id, e.what());
    m = render_error("Something went wrong; it was logged.");
  }
  m.ephemeral = true;
  co_await gateway_.async_reply(c.interaction, std::move(m), as_result);
}

// --- Commands ------------------------------------------------------------------------------------

router::reply router::run(const command_invocation& c) {
  if (auto allowed = check_allowed(c.name, c.from, config_.rules); !allowed) co_return render_error(allowed.error());
  if (c.name == "bots") co_return bots();
  if (c.name == "nodes") co_return nodes();
  if (c.name == "search" || c.name == "enqueue" || c.name == "playlist")
    co_return render_error(fmt::format("/{} is not available in this version of the bot yet.", c.name));
  auto voice = gateway_.voice_channel_of(c.from.guild, c.from.user);
  if (!voice) co_return render_error("You are not in a voice channel.");
  if (c.name == "disconnect") co_return co_await disconnect(c, *voice);
  message refusal;
  auto s = co_await acquire(c, *voice, refusal);
  if (!s) co_return refusal;
  co_return co_await run_on(c, *s, *voice);
}

asio::awaitable<std::shared_ptr<hanabi::session>> router::acquire(const command_invocation& c,
                                                                   hanabi::channel_id voice, message& refusal) {
  if (auto found = sessions_.find(voice)) {
    follow(found, c.from.text_channel);  // an adopted session (a child that came back) is followed from its first use
    co_return found;
  }
  if (c.name != "connect" && c.name != "play") {
    refusal = render_error("Nothing is playing in your voice channel: start with /play.");
    co_return nullptr;
  }
  auto bot = connect_choice(c.options, c.from, config_.rules);
  if (!bot) {
    refusal = render_error(bot.error());
    co_return nullptr;
  }
  hanabi::diagnostics diag;
  // Named, not temporaries inside the co_await expression: GCC 12 mishandles those.
  const hanabi::session_address where{c.from.guild, voice};
  hanabi::create_options options{.by = c.from.user, .bot = *bot, .text_channel = c.from.text_channel};
  auto ec_s = co_await sessions_.async_get_or_create(where, std::move(options), diag, as_result);
  auto& ec = std::get<0>(ec_s);
  auto& s = std::get<1>(ec_s);
  if (ec) {
    refusal = render_error(hanabi::failure{ec, std::move(diag)});
    co_return nullptr;
  }
  follow(s, c.from.text_channel);
  co_return s;
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
  if (c.name == "seek") {
    auto a = seek_request(o, by);
    if (!a) co_return fail_or(a);
    co_return co_await attempt([&](auto& d, auto t) { return s.async_seek(*a, d, t); },
                               [](std::int64_t ms) { return notice(fmt::format("Jumped to {}.", format_time(ms))); });
  }
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

asio::awaitable<std::optional<now_playing_view>> router::player_view(hanabi::session& s) {
  hanabi::diagnostics diag;
  const hanabi::page_args window_args{.number = 0, .size = config_.page_size / 2};
  auto ec_current = co_await s.async_now_playing(diag, as_result);
  auto& ec = std::get<0>(ec_current);
  auto& current = std::get<1>(ec_current);
  if (ec) co_return std::nullopt;
  auto page_ec_window = co_await s.async_queue_page(window_args, diag, as_result);
  auto& page_ec = std::get<0>(page_ec_window);
  auto& window = std::get<1>(page_ec_window);
  if (page_ec) co_return std::nullopt;
  co_return now_playing_view{std::move(current), std::move(window), s.bot()};
}

router::reply router::now_playing(hanabi::session& s) {
  auto view = co_await player_view(s);
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
  std::vector<bot_row> rows{{.name = gateway_.name(), .parent = true, .online = true, .sessions = count(gateway_.name()), .latency_ms = {}}};
  const auto up = sessions_.children();
  for (const auto& child : config_.children) {
    const bool online = std::find(up.begin(), up.end(), child) != up.end();
    rows.push_back({.name = child, .parent = false, .online = online, .sessions = count(child), .latency_ms = {}});
  }
  return render_bots(rows);
}

message router::nodes() const {
  if (!config_.nodes) return render_error("This bot does not know its nodes.");
  return render_nodes(config_.nodes());
}

// --- The now-playing message ---------------------------------------------------------------------

void router::follow(const std::shared_ptr<hanabi::session>& s, hanabi::channel_id text) {
  const auto voice = s->address().voice;
  if (players_.count(voice)) return;
  auto& p = players_[voice];
  p.session = s;
  p.remote = s->is_remote();
  p.text = text;
  p.subscription = s->subscribe([this, voice, ex = gateway_.get_executor()](const hanabi::session_event& e) {
    asio::post(ex, [this, voice, e] { on_session_event(voice, e); });
  });
}

void router::on_session_event(hanabi::channel_id voice, const hanabi::session_event& e) {
  auto done = [log = config_.log](std::exception_ptr ex) {
    if (ex) log.error("the now-playing message could not be updated");
  };
  auto it = players_.find(voice);
  if (it == players_.end()) return;
  // A child posts and retires the messages of its own sessions; the parent speaks only when the
  // child itself is gone (it cannot say so).
  const bool remote = it->second.remote;
  if (auto closed = std::get_if<hanabi::session_events::closed>(&e)) {
    if (remote && closed->reason != hanabi::close_reason::child_lost) return void(players_.erase(it));
    return asio::co_spawn(gateway_.get_executor(), retire(voice, reason_text(closed->reason)), done);
  }
  if (remote || std::holds_alternative<hanabi::session_events::node_moved>(e)) return;
  asio::co_spawn(gateway_.get_executor(), refresh(voice), done);
}

// One refresh at a time per message; a change during one makes it run again.
asio::awaitable<void> router::refresh(hanabi::channel_id voice) {
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
    auto view = co_await player_view(*s);
    it = players_.find(voice);
    if (it == players_.end() || !view) co_return;
    auto m = render_now_playing(*view);
    if (it->second.id) {
      co_await gateway_.async_edit(it->second.text, *it->second.id, std::move(m), as_result);
    } else {
      auto ec_id = co_await gateway_.async_post(it->second.text, std::move(m), as_result);
  auto& ec = std::get<0>(ec_id);
  auto& id = std::get<1>(ec_id);
      if (!ec && players_.count(voice)) players_[voice].id = id;
    }
    it = players_.find(voice);
    if (it == players_.end()) co_return;
  } while (it->second.stale);
  it->second.refreshing = false;
}

asio::awaitable<void> router::retire(hanabi::channel_id voice, std::string why) {
  auto it = players_.find(voice);
  if (it == players_.end()) co_return;
  auto p = std::move(it->second);
  players_.erase(it);
  if (p.id) co_await gateway_.async_delete(p.text, *p.id, as_result);
  auto farewell = render_notice(fmt::format("Left <#{}>: {}.", voice.value(), why));
  co_await gateway_.async_post(p.text, std::move(farewell), as_result);
}

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
