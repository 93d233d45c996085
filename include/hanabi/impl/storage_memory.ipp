#pragma once

#include <hanabi/storage/memory_store.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <cstddef>
#include <tuple>
#include <vector>

namespace hanabi::detail {

// The in-memory backend. Every operation checks everything before it changes anything, which is
// how it matches the all-or-nothing transactions of the SQLite backend.
class memory_core final : public storage_core {
 public:
  explicit memory_core(storage::compaction_config compaction) : compaction_(std::move(compaction)) {}

  result<storage::playlist> create_playlist(user_id owner, storage::playlist_draft draft) override {
    if (auto r = storage::check_draft(draft); !r) return r.error();
    if (find_by_name(owner, draft.name)) return duplicate_playlist_name(draft.name);
    storage::playlist p{++last_id_, owner, std::move(draft.name), std::move(draft.description), draft.visibility,
                        std::move(draft.entries)};
    playlists_.emplace(p.id, p);
    return p;
  }

  result<void> rename_playlist(user_id actor, storage::playlist_id id, std::string name) override {
    auto p = writable(actor, id);
    if (!p) return p.error();
    if (auto r = storage::check_name("playlist name", name, storage::playlist_limits::max_name); !r) return r;
    if (auto other = find_by_name((*p)->owner, name); other && *other != id) return duplicate_playlist_name(name);
    (*p)->name = std::move(name);
    return {};
  }

  result<void> describe_playlist(user_id actor, storage::playlist_id id, std::string description,
                                 storage::visibility visibility) override {
    auto p = writable(actor, id);
    if (!p) return p.error();
    if (auto r = storage::check_description(description); !r) return r;
    (*p)->description = std::move(description);
    (*p)->visibility = visibility;
    return {};
  }

  result<void> delete_playlist(user_id actor, storage::playlist_id id) override {
    auto p = writable(actor, id);
    if (!p) return p.error();
    playlists_.erase(id);
    return {};
  }

  result<void> insert_entry(user_id actor, storage::playlist_id id, std::optional<std::size_t> index,
                            storage::playlist_entry entry) override {
    auto p = writable(actor, id);
    if (!p) return p.error();
    auto& entries = (*p)->entries;
    if (auto r = storage::check_entry(entry); !r) return r;
    const std::size_t at = index.value_or(entries.size());
    if (auto r = check_entry_index(at, entries.size(), true); !r) return r;
    if (entries.size() >= storage::playlist_limits::max_entries) return playlist_full();
    if (std::any_of(entries.begin(), entries.end(), [&](const auto& e) { return e.title == entry.title; }))
      return duplicate_entry_title(entry.title);
    entries.insert(entries.begin() + static_cast<std::ptrdiff_t>(at), std::move(entry));
    return {};
  }

  result<void> move_entry(user_id actor, storage::playlist_id id, std::size_t from, std::size_t to) override {
    auto p = writable(actor, id);
    if (!p) return p.error();
    auto& entries = (*p)->entries;
    if (auto r = check_entry_index(from, entries.size(), false); !r) return r;
    if (auto r = check_entry_index(to, entries.size(), false); !r) return r;
    auto moving = std::move(entries[from]);
    entries.erase(entries.begin() + static_cast<std::ptrdiff_t>(from));
    entries.insert(entries.begin() + static_cast<std::ptrdiff_t>(to), std::move(moving));
    return {};
  }

  result<void> remove_entry(user_id actor, storage::playlist_id id, std::size_t index) override {
    auto p = writable(actor, id);
    if (!p) return p.error();
    auto& entries = (*p)->entries;
    if (auto r = check_entry_index(index, entries.size(), false); !r) return r;
    entries.erase(entries.begin() + static_cast<std::ptrdiff_t>(index));
    return {};
  }

  result<void> replace_entries(user_id actor, storage::playlist_id id,
                               std::vector<storage::playlist_entry> entries) override {
    auto p = writable(actor, id);
    if (!p) return p.error();
    if (auto r = storage::check_entries(entries); !r) return r;
    (*p)->entries = std::move(entries);
    return {};
  }

  result<storage::playlist> get_playlist(user_id actor, storage::playlist_id id) override {
    auto h = check_playlist_access(header(id), id, actor, playlist_access::read);
    if (!h) return h.error();
    return playlists_.at(id);
  }

  result<storage::playlist> find_playlist(user_id actor, user_id owner, std::string name) override {
    auto id = find_by_name(owner, name);
    if (!id) return failure{error::record_not_found, fmt::format("user {} has no playlist named '{}'", owner, name)};
    return get_playlist(actor, *id);
  }

  result<std::vector<storage::playlist_summary>> list_own_playlists(user_id owner) override {
    return summaries([&](const storage::playlist& p) { return p.owner == owner; });
  }

  result<std::vector<storage::playlist_summary>> list_shared_playlists(std::optional<user_id> owner) override {
    return summaries([&](const storage::playlist& p) {
      return p.visibility != storage::visibility::private_ && (!owner || p.owner == *owner);
    });
  }

  result<storage::user_settings> load_user(user_id id) override {
    auto it = users_.find(id);
    if (it == users_.end()) return storage::user_settings{id};
    return it->second;
  }

  result<void> save_user(storage::user_settings settings) override {
    if (auto r = check_user_settings(settings); !r) return r;
    users_[settings.id] = std::move(settings);
    return {};
  }

  result<std::map<user_id, int>> load_volumes() override {
    std::map<user_id, int> volumes;
    for (const auto& [id, settings] : users_) volumes.emplace(id, settings.volume);
    return volumes;
  }

  result<void> save_volume(user_id id, int volume) override {
    if (auto r = check_volume(volume); !r) return r;
    users_.try_emplace(id, storage::user_settings{id}).first->second.volume = volume;
    return {};
  }

  result<void> add_history(storage::history_entry entry) override {
    entry.played_at = from_epoch_ms(to_epoch_ms(entry.played_at));
    const guild_id guild = entry.guild;
    history_.push_back(std::move(entry));
    drop_old_plays(guild);
    return {};
  }

  result<std::vector<storage::history_entry>> history(storage::history_query query) override {
    std::vector<storage::history_entry> found;
    for (auto it = history_.rbegin(); it != history_.rend(); ++it)
      if ((!query.requester || it->requester == *query.requester) && (!query.guild || it->guild == *query.guild))
        found.push_back(*it);
    std::stable_sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.played_at > b.played_at; });
    if (found.size() > query.limit) found.resize(query.limit);
    return found;
  }

  result<storage::journal_status> append_events(const storage::session_key& key,
                                                std::vector<storage::journal_event> events) override {
    auto it = sessions_.find(key);
    const std::uint64_t current = it == sessions_.end() ? 0 : it->second.version();
    if (auto r = check_event_versions(key, current, events); !r) return r.error();
    if (events.empty())
      return storage::journal_status{current, it == sessions_.end() ? 0 : it->second.tail.size()};
    if (it == sessions_.end()) it = sessions_.emplace(key, storage::session_record{key, 0, nullptr, {}, nullptr, {}}).first;
    auto& record = it->second;
    for (auto& e : events) record.tail.push_back(std::move(e));
    compact(record);
    return storage::journal_status{record.version(), record.tail.size()};
  }

  result<void> save_snapshot(const storage::session_key& key, std::uint64_t version, nlohmann::json snapshot) override {
    if (snapshot.is_null()) return failure{error::invalid_argument, "a snapshot cannot be null"};
    auto it = sessions_.find(key);
    if (it != sessions_.end() && !it->second.snapshot.is_null() && it->second.snapshot_version >= version)
      return stale_snapshot(key, version, it->second.snapshot_version);
    if (it == sessions_.end()) it = sessions_.emplace(key, storage::session_record{key, 0, nullptr, {}, nullptr, {}}).first;
    auto& record = it->second;
    record.snapshot = std::move(snapshot);
    record.snapshot_version = version;
    std::erase_if(record.tail, [&](const auto& e) { return e.version <= version; });
    return {};
  }

  result<void> save_session_state(const storage::session_key& key, nlohmann::json state) override {
    if (auto r = check_session_state(state); !r) return r;
    auto it = sessions_.find(key);
    if (it == sessions_.end()) it = sessions_.emplace(key, storage::session_record{key, 0, nullptr, {}, nullptr, {}}).first;
    it->second.state = std::move(state);
    return {};
  }

  result<std::optional<storage::session_record>> load_session(const storage::session_key& key) override {
    auto it = sessions_.find(key);
    if (it == sessions_.end()) return std::optional<storage::session_record>{};
    return std::optional<storage::session_record>{with_actions(it->second)};
  }

  result<std::vector<storage::session_record>> load_sessions(std::string bot) override {
    std::vector<storage::session_record> found;
    for (const auto& [key, record] : sessions_)
      if (key.bot == bot) found.push_back(with_actions(record));
    return found;
  }

  result<void> delete_session(const storage::session_key& key) override {
    sessions_.erase(key);
    actions_.erase(key);
    return {};
  }

  result<void> add_action(const storage::session_key& key, storage::session_action action) override {
    if (auto r = check_session_action(action); !r) return r;
    auto& kept = actions_[key];
    kept.push_back(std::move(action));
    if (kept.size() > storage::history_limits::actions_per_session) kept.erase(kept.begin());
    return {};
  }

  result<void> save_node_session(storage::node_session session) override {
    if (auto r = check_node_session(session); !r) return r;
    auto name = session.node;
    nodes_[std::move(name)] = std::move(session);
    return {};
  }

  result<std::vector<storage::node_session>> load_node_sessions() override {
    std::vector<storage::node_session> all;
    for (const auto& [name, session] : nodes_) all.push_back(session);
    return all;
  }

  result<void> delete_node_session(std::string node) override {
    nodes_.erase(node);
    return {};
  }

 private:
  std::optional<storage::playlist_id> find_by_name(user_id owner, std::string_view name) const {
    for (const auto& [id, p] : playlists_)
      if (p.owner == owner && p.name == name) return id;
    return std::nullopt;
  }

  std::optional<playlist_header> header(storage::playlist_id id) const {
    auto it = playlists_.find(id);
    if (it == playlists_.end()) return std::nullopt;
    return playlist_header{id, it->second.owner, it->second.visibility};
  }

  result<storage::playlist*> writable(user_id actor, storage::playlist_id id) {
    auto h = check_playlist_access(header(id), id, actor, playlist_access::write);
    if (!h) return h.error();
    return &playlists_.at(id);
  }

  template <class Pred>
  std::vector<storage::playlist_summary> summaries(Pred keep) const {
    std::vector<storage::playlist_summary> found;
    for (const auto& [id, p] : playlists_)
      if (keep(p)) found.push_back({p.id, p.owner, p.name, p.description, p.visibility, p.entries.size()});
    std::sort(found.begin(), found.end(),
              [](const auto& a, const auto& b) { return std::tie(a.owner, a.name) < std::tie(b.owner, b.name); });
    return found;
  }

  storage::session_record with_actions(storage::session_record record) const {
    auto it = actions_.find(record.key);
    if (it != actions_.end()) record.actions = it->second;
    return record;
  }

  // Keeps the newest plays_per_guild plays of the guild, newest by time then by insertion (as the
  // SQLite backend orders them).
  void drop_old_plays(guild_id guild) {
    std::vector<std::size_t> of_guild;
    for (std::size_t i = 0; i < history_.size(); ++i)
      if (history_[i].guild == guild) of_guild.push_back(i);
    if (of_guild.size() <= storage::history_limits::plays_per_guild) return;
    std::stable_sort(of_guild.begin(), of_guild.end(),
                     [&](std::size_t a, std::size_t b) { return history_[a].played_at < history_[b].played_at; });
    of_guild.resize(of_guild.size() - storage::history_limits::plays_per_guild);  // the oldest
    std::sort(of_guild.begin(), of_guild.end());
    for (auto it = of_guild.rbegin(); it != of_guild.rend(); ++it)
      history_.erase(history_.begin() + static_cast<std::ptrdiff_t>(*it));
  }

  void compact(storage::session_record& record) const {
    if (compaction_.max_tail == 0 || !compaction_.fold || record.tail.size() <= compaction_.max_tail) return;
    auto folded = compaction_.fold(record.snapshot, record.tail);
    if (!folded) return;  // keep the events: nothing acknowledged may be lost
    record.snapshot = std::move(*folded);
    record.snapshot_version = record.tail.back().version;
    record.tail.clear();
  }

  storage::compaction_config compaction_;
  storage::playlist_id last_id_ = 0;
  std::map<storage::playlist_id, storage::playlist> playlists_;
  std::map<user_id, storage::user_settings> users_;
  std::vector<storage::history_entry> history_;
  std::map<storage::session_key, storage::session_record> sessions_;
  std::map<storage::session_key, std::vector<storage::session_action>> actions_;  // oldest first
  std::map<std::string, storage::node_session> nodes_;
};

}  // namespace hanabi::detail

namespace hanabi::storage {

HANABI_DECL memory_store::memory_store(executor_type executor, memory_store_config config)
    : store(std::move(executor)), core_(std::make_unique<detail::memory_core>(std::move(config.compaction))) {}

HANABI_DECL memory_store::~memory_store() = default;

HANABI_DECL void memory_store::submit(detail::job_ptr job) {
  std::lock_guard lock(mutex_);
  job->execute(*core_);
  job->complete();  // posts; completing under the lock keeps handlers in submission order
}

}  // namespace hanabi::storage
