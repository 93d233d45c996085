// The router's commands over the bot's library of tracks: /search (loads through the nodes, then a
// pick), /enqueue (a saved playlist into a session) and /playlist (the store).
#include "router.hpp"

#include "router_replies.hpp"
#include "search.hpp"

#include <hanabi/storage/time.hpp>

#include <boost/asio/async_result.hpp>

#include <fmt/format.h>

#include <utility>

namespace bot {

namespace {

using namespace replies;

const message no_store = render_error("This bot keeps no playlists: it has no storage.");
const message no_loader = render_error("This bot cannot load tracks: it has no Lavalink node.");

const std::string* option(const command_options& o, const std::string& key) {
  auto it = o.find(key);
  return it == o.end() || it->second.empty() ? nullptr : &it->second;
}

message missing(std::string_view key) { return render_error(fmt::format("`{}` is required.", key)); }

std::string_view mode_name(hanabi::enqueue_mode m) {
  switch (m) {
    case hanabi::enqueue_mode::fifo: return "at the end";
    case hanabi::enqueue_mode::next: return "next";
    case hanabi::enqueue_mode::random: return "at random places";
    case hanabi::enqueue_mode::interlace: return "interlaced";
  }
  return "";
}

// Lavalink's own reason for a failed load, or none.
std::string load_failure(const hanabi::protocol::load_result& loaded) {
  const auto* failed = std::get_if<hanabi::protocol::load_failed>(&loaded);
  if (!failed) return {};
  return failed->exception.message.value_or("no reason given");
}

}  // namespace

asio::awaitable<std::tuple<hanabi::error_code, hanabi::protocol::load_result>> router::load(std::string identifier,
                                                                                             hanabi::diagnostics& diag) {
  // Named, not a temporary inside the co_await expression: GCC 12 mishandles those.
  auto initiation = [this](auto handler, std::string id, hanabi::diagnostics* d) {
    config_.load_tracks(std::move(id), *d, std::move(handler));
  };
  auto loaded = co_await asio::async_initiate<decltype(as_result), void(hanabi::error_code, hanabi::protocol::load_result)>(
      initiation, as_result, std::move(identifier), &diag);
  co_return loaded;
}

// --- /search -------------------------------------------------------------------------------------

router::reply router::search(const command_invocation& c) {
  if (!config_.load_tracks) co_return no_loader;
  const auto* query = option(c.options, "query");
  if (!query) co_return missing("query");
  hanabi::diagnostics diag;
  auto ec_loaded = co_await load(search_identifier(*query, config_.search_prefix), diag);
  auto& ec = std::get<0>(ec_loaded);
  auto& loaded = std::get<1>(ec_loaded);
  if (ec) co_return render_error(hanabi::failure{ec, std::move(diag)});
  if (auto why = load_failure(loaded); !why.empty()) co_return render_error(fmt::format("The search failed: {}", why));
  auto results = search_results(loaded);
  if (results.empty()) co_return render_error(fmt::format("No results for `{}`.", *query));
  const auto id = ++searches_made_;
  auto timer = std::make_shared<asio::steady_timer>(gateway_.get_executor());
  searches_.emplace(id, open_search{c.from.user, c.interaction, results, timer});
  expire(id, std::move(timer));
  co_return render_search(id, results, config_.search_timeout);
}

// After the time limit the menu is shown disabled; a pick arriving later is refused by pick().
void router::expire(std::uint64_t id, std::shared_ptr<asio::steady_timer> timer) {
  timer->expires_after(config_.search_timeout);
  timer->async_wait([this, alive = std::weak_ptr<int>(alive_), id](hanabi::error_code ec) {
    if (ec || alive.expired()) return;
    auto it = searches_.find(id);
    if (it == searches_.end()) return;
    auto closed = render_search_closed(id, it->second.results, "This search expired: run /search again.");
    auto reply = std::move(it->second.reply);
    searches_.erase(it);
    gateway_.async_edit_reply(std::move(reply), std::move(closed), [](hanabi::error_code) {});
  });
}

router::reply router::pick(const component_invocation& c, std::uint64_t id) {
  auto it = searches_.find(id);
  if (it == searches_.end())
    co_return render_error(fmt::format("This search is over ({} to pick, one pick): run /search again.",
                                       limit_text(config_.search_timeout)));
  if (it->second.user != c.from.user)
    co_return render_error(fmt::format("Only <@{}> can pick from this search.", it->second.user.value()));
  auto index = search_pick(c.values, it->second.results.size());
  if (!index) co_return render_error(index.error());
  auto voice = gateway_.voice_channel_of(c.from.guild, c.from.user);
  if (!voice) co_return render_error("You are not in a voice channel.");
  auto chosen = std::move(it->second);
  searches_.erase(it);
  chosen.expiry->cancel();
  auto track = chosen.results[*index];
  auto closed = render_search_closed(id, chosen.results, fmt::format("Picked **{}**.", track.info.title));
  co_await gateway_.async_edit_reply(chosen.reply, std::move(closed), as_result);
  message refusal;
  const command_options none;
  auto s = co_await acquire(c.from, "search", none, *voice, refusal);
  if (!s) co_return refusal;
  hanabi::enqueue_args args{.entries = {hanabi::enqueue_entry{.track = std::move(track)}}, .by = c.from.user, .options = {}};
  co_return co_await attempt([&](auto& d, auto t) { return s->async_enqueue(std::move(args), d, t); },
                             [](const hanabi::enqueue_outcome& o) { return notice(played_text(o)); });
}

// --- /enqueue ------------------------------------------------------------------------------------

// The playlist is read before a session is made: an unknown playlist brings no bot into the channel.
router::reply router::enqueue(const command_invocation& c, hanabi::channel_id voice) {
  if (!config_.store) co_return no_store;
  auto plan = enqueue_request(c.options, c.from.user);
  if (!plan) co_return render_error(plan.error());
  auto found = co_await find_playlist(plan->playlist, c.from.user);
  if (!found) co_return render_error(found.error());
  if (found->entries.empty()) co_return render_error(fmt::format("**{}** has no tracks yet.", found->name));
  message refusal;
  auto s = co_await acquire(c.from, c.name, c.options, voice, refusal);
  if (!s) co_return refusal;
  hanabi::enqueue_args args{.entries = enqueue_entries(*found), .by = c.from.user, .options = plan->options};
  const auto name = found->name;
  const auto how = fmt::format("{}{}", mode_name(plan->options.mode), plan->options.shuffle ? ", shuffled" : "");
  co_return co_await attempt([&](auto& d, auto t) { return s->async_enqueue(std::move(args), d, t); },
                             [&](const hanabi::enqueue_outcome& o) {
                               auto text = fmt::format("Queued {} from **{}** ({}).", plural(o.positions.size(), "track"),
                                                       name, how);
                               if (o.started) text += fmt::format(" Playing **{}**.", o.first_title);
                               if (!o.failed.empty())
                                 text += fmt::format(" {} could not be loaded: {}.", plural(o.failed.size(), "entry"),
                                                     fmt::join(o.failed, ", "));
                               return notice(text);
                             });
}

// --- /playlist -----------------------------------------------------------------------------------

asio::awaitable<hanabi::result<hanabi::storage::playlist>> router::find_playlist(const playlist_ref& ref,
                                                                                 hanabi::user_id actor) {
  hanabi::diagnostics diag;
  auto name = ref.name;
  auto ec_found = co_await config_.store->async_find_playlist(actor, ref.owner, std::move(name), diag, as_result);
  auto& ec = std::get<0>(ec_found);
  if (ec) {
    auto sentence = playlist_failure(hanabi::failure{ec, std::move(diag)}, ref, actor);
    co_return hanabi::failure{ec, hanabi::diagnostics{std::move(sentence)}};
  }
  co_return std::move(std::get<1>(ec_found));
}

router::reply router::playlist(const command_invocation& c) {
  if (!config_.store) co_return no_store;
  const auto& sub = c.subcommand;
  if (sub == "create") co_return co_await playlist_create(c);
  if (sub == "add") co_return co_await playlist_add(c);
  if (sub == "show" || sub == "export") co_return co_await playlist_show(c, sub == "export");
  if (sub == "list") co_return co_await playlist_list(c);
  if (sub == "delete" || sub == "rename") co_return co_await playlist_change(c);
  if (sub == "import") co_return co_await playlist_import(c);
  co_return render_error("Use /playlist create, add, show, list, delete, rename, import or export.");
}

router::reply router::playlist_create(const command_invocation& c) {
  auto draft = create_request(c.options);
  if (!draft) co_return render_error(draft.error());
  const playlist_ref ref{draft->name, c.from.user};
  hanabi::diagnostics diag;
  auto ec_created = co_await config_.store->async_create_playlist(c.from.user, std::move(*draft), diag, as_result);
  auto& ec = std::get<0>(ec_created);
  auto& created = std::get<1>(ec_created);
  if (ec) co_return render_error(playlist_failure(hanabi::failure{ec, std::move(diag)}, ref, c.from.user));
  co_return notice(fmt::format("Created **{}** ({}). Add tracks with /playlist add.", created.name,
                               hanabi::storage::to_string(created.visibility)));
}

// Checks the playlist and the times before loading anything; the entry caches the encoded track.
router::reply router::playlist_add(const command_invocation& c) {
  if (!config_.load_tracks) co_return no_loader;
  const auto by = c.from.user;
  auto ref = playlist_request(c.options, by);
  if (!ref) co_return render_error(ref.error());
  const auto* query = option(c.options, "query");
  if (!query) co_return missing("query");
  auto entry = segment_request(c.options);
  if (!entry) co_return render_error(playlist_failure(entry.error(), *ref, by));
  auto found = co_await find_playlist(*ref, by);
  if (!found) co_return render_error(found.error());
  hanabi::diagnostics diag;
  auto ec_loaded = co_await load(search_identifier(*query, config_.search_prefix), diag);
  auto& ec = std::get<0>(ec_loaded);
  auto& loaded = std::get<1>(ec_loaded);
  if (ec) co_return render_error(hanabi::failure{ec, std::move(diag)});
  auto results = search_results(loaded);
  if (results.empty()) co_return render_error(fmt::format("No results for `{}`.", *query));
  const auto& track = results.front();
  entry->source = track.info.uri.value_or(track.info.identifier);
  entry->title = track.info.title;
  entry->encoded = track.encoded;
  const auto title = entry->title;
  auto ec_added = co_await config_.store->async_add_entry(by, found->id, std::move(*entry), diag, as_result);
  if (auto& added = std::get<0>(ec_added))
    co_return render_error(playlist_failure(hanabi::failure{added, std::move(diag)}, *ref, by));
  co_return notice(fmt::format("Added **{}** to **{}** as track {}.", title, found->name, found->entries.size() + 1));
}

router::reply router::playlist_show(const command_invocation& c, bool as_export) {
  auto ref = playlist_request(c.options, c.from.user);
  if (!ref) co_return render_error(ref.error());
  auto found = co_await find_playlist(*ref, c.from.user);
  if (!found) co_return render_error(found.error());
  co_return as_export ? render_playlist_export(*found) : render_playlist(*found);
}

router::reply router::playlist_list(const command_invocation& c) {
  hanabi::user_id owner = c.from.user;
  if (const auto* given = option(c.options, "owner")) {
    auto u = parse_user(*given);
    if (!u) co_return render_error(u.error());
    owner = *u;
  }
  const bool own = owner == c.from.user;
  hanabi::diagnostics diag;
  std::tuple<hanabi::error_code, std::vector<hanabi::storage::playlist_summary>> ec_list;
  if (own)
    ec_list = co_await config_.store->async_list_playlists(owner, diag, as_result);
  else
    ec_list = co_await config_.store->async_list_shared_playlists(owner, diag, as_result);
  auto& ec = std::get<0>(ec_list);
  if (ec) co_return render_error(hanabi::failure{ec, std::move(diag)});
  co_return render_playlist_list(std::get<1>(ec_list), owner, own);
}

// delete and rename: the caller's own playlists only.
router::reply router::playlist_change(const command_invocation& c) {
  const auto by = c.from.user;
  auto name = option(c.options, "name");
  if (!name) co_return missing("name");
  const playlist_ref ref{*name, by};
  auto found = co_await find_playlist(ref, by);
  if (!found) co_return render_error(found.error());
  hanabi::diagnostics diag;
  if (c.subcommand == "delete") {
    auto ec_deleted = co_await config_.store->async_delete_playlist(by, found->id, diag, as_result);
    if (auto& ec = std::get<0>(ec_deleted)) co_return render_error(playlist_failure(hanabi::failure{ec, std::move(diag)}, ref, by));
    co_return notice(fmt::format("Deleted **{}** and its {}.", found->name, plural(found->entries.size(), "track")));
  }
  auto new_name = option(c.options, "new_name");
  if (!new_name) co_return missing("new_name");
  auto renamed_to = *new_name;
  auto ec_renamed = co_await config_.store->async_rename_playlist(by, found->id, std::move(renamed_to), diag, as_result);
  if (auto& ec = std::get<0>(ec_renamed)) co_return render_error(playlist_failure(hanabi::failure{ec, std::move(diag)}, ref, by));
  co_return notice(fmt::format("Renamed **{}** to **{}**.", found->name, *new_name));
}

// A Lavalink playlist (or search result) URL, loaded through the nodes, saved with its encoded tracks.
router::reply router::playlist_import(const command_invocation& c) {
  if (!config_.load_tracks) co_return no_loader;
  const auto* url = option(c.options, "url");
  if (!url) co_return missing("url");
  const auto* name = option(c.options, "name");
  if (!name) co_return missing("name");
  hanabi::diagnostics diag;
  auto ec_loaded = co_await load(*url, diag);
  auto& ec = std::get<0>(ec_loaded);
  auto& loaded = std::get<1>(ec_loaded);
  if (ec) co_return render_error(hanabi::failure{ec, std::move(diag)});
  if (auto why = load_failure(loaded); !why.empty())
    co_return render_error(fmt::format("Lavalink could not load `{}`: {}", *url, why));
  if (std::holds_alternative<hanabi::protocol::track_loaded>(loaded))
    co_return render_error(fmt::format("`{}` is one track, not a playlist: add it with /playlist add.", *url));
  std::vector<hanabi::protocol::track> tracks;
  if (auto* p = std::get_if<hanabi::protocol::playlist_loaded>(&loaded)) tracks = std::move(p->tracks);
  if (auto* s = std::get_if<hanabi::protocol::search_loaded>(&loaded)) tracks = std::move(s->tracks);
  if (tracks.empty()) co_return render_error(fmt::format("No playlist at `{}`.", *url));
  const playlist_ref ref{*name, c.from.user};
  auto draft = hanabi::storage::draft_from_tracks(*name, tracks);
  auto ec_created = co_await config_.store->async_create_playlist(c.from.user, std::move(draft), diag, as_result);
  if (auto& failed = std::get<0>(ec_created))
    co_return render_error(playlist_failure(hanabi::failure{failed, std::move(diag)}, ref, c.from.user));
  co_return notice(fmt::format("Imported **{}**: {}.", *name, plural(tracks.size(), "track")));
}

}  // namespace bot
