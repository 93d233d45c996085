#pragma once

#include <hanabi/detail/sqlite_connection.hpp>
#include <hanabi/detail/sqlite_schema.hpp>
#include <hanabi/storage/sqlite_store.hpp>

#include <fmt/format.h>


namespace hanabi::detail {

inline result<nlohmann::json> parse_stored_json(const std::string& text, std::string_view what) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) return failure{error::storage_failure, fmt::format("the stored {} is not valid JSON", what)};
  return result<nlohmann::json>(boost::system::in_place_value, std::move(j));
}

// The SQLite backend. Runs on the store's thread only.
class sqlite_core final : public storage_core {
 public:
  sqlite_core(std::unique_ptr<sqlite_connection> db, storage::compaction_config compaction, logger log)
      : db_(std::move(db)), compaction_(std::move(compaction)), log_(std::move(log)) {}

  sqlite_connection& connection() noexcept { return *db_; }

  // ---- Playlists ----

  result<storage::playlist> create_playlist(user_id owner, storage::playlist_draft draft) override {
    if (auto r = storage::check_draft(draft); !r) return r.error();
    sqlite_savepoint tx(*db_);
    if (auto r = tx.begin(); !r) return r.error();
    auto existing = playlist_named(owner, draft.name);
    if (!existing) return existing.error();
    if (*existing) return duplicate_playlist_name(draft.name);
    if (auto r = run("INSERT INTO playlists(owner, name, description, visibility) VALUES (?, ?, ?, ?)", owner,
                     draft.name, draft.description, static_cast<int>(draft.visibility));
        !r)
      return r.error();
    storage::playlist p{db_->last_insert_rowid(), owner, std::move(draft.name), std::move(draft.description),
                        draft.visibility, std::move(draft.entries)};
    if (auto r = insert_entries(p.id, p.entries); !r) return r.error();
    if (auto r = tx.commit(); !r) return r.error();
    return p;
  }

  result<void> rename_playlist(user_id actor, storage::playlist_id id, std::string name) override {
    sqlite_savepoint tx(*db_);
    if (auto r = tx.begin(); !r) return r;
    auto h = access(actor, id, playlist_access::write);
    if (!h) return h.error();
    if (auto r = storage::check_name("playlist name", name, storage::playlist_limits::max_name); !r) return r;
    auto other = playlist_named(h->owner, name);
    if (!other) return other.error();
    if (*other && **other != id) return duplicate_playlist_name(name);
    if (auto r = run("UPDATE playlists SET name = ? WHERE id = ?", name, id); !r) return r;
    return tx.commit();
  }

  result<void> describe_playlist(user_id actor, storage::playlist_id id, std::string description,
                                 storage::visibility visibility) override {
    sqlite_savepoint tx(*db_);
    if (auto r = tx.begin(); !r) return r;
    auto h = access(actor, id, playlist_access::write);
    if (!h) return h.error();
    if (auto r = storage::check_description(description); !r) return r;
    if (auto r = run("UPDATE playlists SET description = ?, visibility = ? WHERE id = ?", description,
                     static_cast<int>(visibility), id);
        !r)
      return r;
    return tx.commit();
  }

  result<void> delete_playlist(user_id actor, storage::playlist_id id) override {
    sqlite_savepoint tx(*db_);
    if (auto r = tx.begin(); !r) return r;
    auto h = access(actor, id, playlist_access::write);
    if (!h) return h.error();
    if (auto r = run("DELETE FROM playlists WHERE id = ?", id); !r) return r;  // entries cascade
    return tx.commit();
  }

  result<void> insert_entry(user_id actor, storage::playlist_id id, std::optional<std::size_t> index,
                            storage::playlist_entry entry) override {
    sqlite_savepoint tx(*db_);
    if (auto r = tx.begin(); !r) return r;
    auto h = access(actor, id, playlist_access::write);
    if (!h) return h.error();
    if (auto r = storage::check_entry(entry); !r) return r;
    auto size = entry_count(id);
    if (!size) return size.error();
    const std::size_t at = index.value_or(*size);
    if (auto r = check_entry_index(at, *size, true); !r) return r;
    if (*size >= storage::playlist_limits::max_entries) return playlist_full();
    auto taken = scalar("SELECT 1 FROM playlist_entries WHERE playlist_id = ? AND title = ?", id, entry.title);
    if (!taken) return taken.error();
    if (*taken) return duplicate_entry_title(entry.title);
    if (auto r = run("UPDATE playlist_entries SET position = position + 1 WHERE playlist_id = ? AND position >= ?", id,
                     at);
        !r)
      return r;
    if (auto r = insert_entry_row(id, at, entry); !r) return r;
    return tx.commit();
  }

  result<void> move_entry(user_id actor, storage::playlist_id id, std::size_t from, std::size_t to) override {
    sqlite_savepoint tx(*db_);
    if (auto r = tx.begin(); !r) return r;
    auto h = access(actor, id, playlist_access::write);
    if (!h) return h.error();
    auto size = entry_count(id);
    if (!size) return size.error();
    if (auto r = check_entry_index(from, *size, false); !r) return r;
    if (auto r = check_entry_index(to, *size, false); !r) return r;
    auto moving = scalar("SELECT id FROM playlist_entries WHERE playlist_id = ? AND position = ?", id, from);
    if (!moving) return moving.error();
    if (!*moving) return failure{error::storage_failure, fmt::format("playlist {} has no entry at {}", id, from)};
    const bool down = from < to;
    if (auto r = run(down ? "UPDATE playlist_entries SET position = position - 1 "
                            "WHERE playlist_id = ? AND position > ? AND position <= ?"
                          : "UPDATE playlist_entries SET position = position + 1 "
                            "WHERE playlist_id = ? AND position < ? AND position >= ?",
                     id, from, to);
        !r)
      return r;
    if (auto r = run("UPDATE playlist_entries SET position = ? WHERE id = ?", to, **moving); !r) return r;
    return tx.commit();
  }

  result<void> remove_entry(user_id actor, storage::playlist_id id, std::size_t index) override {
    sqlite_savepoint tx(*db_);
    if (auto r = tx.begin(); !r) return r;
    auto h = access(actor, id, playlist_access::write);
    if (!h) return h.error();
    auto size = entry_count(id);
    if (!size) return size.error();
    if (auto r = check_entry_index(index, *size, false); !r) return r;
    if (auto r = run("DELETE FROM playlist_entries WHERE playlist_id = ? AND position = ?", id, index); !r) return r;
    if (auto r = run("UPDATE playlist_entries SET position = position - 1 WHERE playlist_id = ? AND position > ?", id,
                     index);
        !r)
      return r;
    return tx.commit();
  }

  result<void> replace_entries(user_id actor, storage::playlist_id id,
                               std::vector<storage::playlist_entry> entries) override {
    sqlite_savepoint tx(*db_);
    if (auto r = tx.begin(); !r) return r;
    auto h = access(actor, id, playlist_access::write);
    if (!h) return h.error();
    if (auto r = storage::check_entries(entries); !r) return r;
    if (auto r = run("DELETE FROM playlist_entries WHERE playlist_id = ?", id); !r) return r;
    if (auto r = insert_entries(id, entries); !r) return r;
    return tx.commit();
  }

  result<storage::playlist> get_playlist(user_id actor, storage::playlist_id id) override {
    auto h = access(actor, id, playlist_access::read);
    if (!h) return h.error();
    storage::playlist p;
    auto found = each_row("SELECT id, owner, name, description, visibility FROM playlists WHERE id = ?",
                          [&](const sqlite_query& row) {
                            p = storage::playlist{row.int64(0), user_id(static_cast<std::uint64_t>(row.int64(1))),
                                                  row.text(2), row.text(3), visibility_of(row.int64(4)), {}};
                          },
                          id);
    if (!found) return found.error();
    auto entries = each_row(
        "SELECT source, title, start_ms, end_ms, encoded FROM playlist_entries WHERE playlist_id = ? ORDER BY position",
        [&](const sqlite_query& row) {
          p.entries.push_back(storage::playlist_entry{row.text(0), row.text(1), row.optional_int64(2),
                                                      row.optional_int64(3), row.optional_text(4)});
        },
        id);
    if (!entries) return entries.error();
    return p;
  }

  result<storage::playlist> find_playlist(user_id actor, user_id owner, std::string name) override {
    auto id = playlist_named(owner, name);
    if (!id) return id.error();
    if (!*id) return failure{error::record_not_found, fmt::format("user {} has no playlist named '{}'", owner, name)};
    return get_playlist(actor, **id);
  }

  result<std::vector<storage::playlist_summary>> list_own_playlists(user_id owner) override {
    return summaries("SELECT p.id, p.owner, p.name, p.description, p.visibility, "
                     "(SELECT count(*) FROM playlist_entries e WHERE e.playlist_id = p.id) "
                     "FROM playlists p WHERE p.owner = ? ORDER BY p.name",
                     owner);
  }

  result<std::vector<storage::playlist_summary>> list_shared_playlists(std::optional<user_id> owner) override {
    const char* sql =
        "SELECT p.id, p.owner, p.name, p.description, p.visibility, "
        "(SELECT count(*) FROM playlist_entries e WHERE e.playlist_id = p.id) "
        "FROM playlists p WHERE p.visibility <> 0 AND (?1 IS NULL OR p.owner = ?1) ORDER BY p.owner, p.name";
    if (owner) return summaries(sql, *owner);
    return summaries(sql, std::nullopt);
  }

  // ---- Users ----

  result<storage::user_settings> load_user(user_id id) override {
    storage::user_settings s{id};
    std::optional<std::string> preferences;
    auto found = each_row("SELECT volume, volume_step, preferences FROM users WHERE id = ?",
                          [&](const sqlite_query& row) {
                            s.volume = static_cast<int>(row.int64(0));
                            s.volume_step = static_cast<int>(row.int64(1));
                            preferences = row.text(2);
                          },
                          id);
    if (!found) return found.error();
    if (preferences) {
      auto j = parse_stored_json(*preferences, "user preferences");
      if (!j) return j.error();
      s.preferences = std::move(*j);
    }
    return s;
  }

  result<void> save_user(storage::user_settings settings) override {
    if (auto r = check_user_settings(settings); !r) return r;
    sqlite_savepoint tx(*db_);
    if (auto r = tx.begin(); !r) return r;
    if (auto r = run("INSERT INTO users(id, volume, volume_step, preferences) VALUES (?, ?, ?, ?) "
                     "ON CONFLICT(id) DO UPDATE SET volume = excluded.volume, volume_step = excluded.volume_step, "
                     "preferences = excluded.preferences",
                     settings.id, settings.volume, settings.volume_step, settings.preferences.dump());
        !r)
      return r;
    return tx.commit();
  }

  result<std::map<user_id, int>> load_volumes() override {
    std::map<user_id, int> volumes;
    auto rows = each_row("SELECT id, volume FROM users", [&](const sqlite_query& row) {
      volumes.emplace(user_id(static_cast<std::uint64_t>(row.int64(0))), static_cast<int>(row.int64(1)));
    });
    if (!rows) return rows.error();
    return volumes;
  }

  result<void> save_volume(user_id id, int volume) override {
    if (auto r = check_volume(volume); !r) return r;
    const storage::user_settings defaults{id};
    sqlite_savepoint tx(*db_);
    if (auto r = tx.begin(); !r) return r;
    if (auto r = run("INSERT INTO users(id, volume, volume_step, preferences) VALUES (?, ?, ?, ?) "
                     "ON CONFLICT(id) DO UPDATE SET volume = excluded.volume",
                     id, volume, defaults.volume_step, defaults.preferences.dump());
        !r)
      return r;
    return tx.commit();
  }

  // ---- History ----

  result<void> add_history(storage::history_entry e) override {
    sqlite_savepoint tx(*db_);
    if (auto r = tx.begin(); !r) return r;
    if (auto r = run("INSERT INTO history(requester, bot, guild, title, source, encoded, played_at) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?)",
                     e.requester, e.bot, e.guild, e.title, e.source, e.encoded, to_epoch_ms(e.played_at));
        !r)
      return r;
    if (auto r = run("DELETE FROM history WHERE id IN (SELECT id FROM history WHERE guild = ?1 "
                     "ORDER BY played_at DESC, id DESC LIMIT -1 OFFSET ?2)",
                     e.guild, static_cast<std::int64_t>(storage::history_limits::plays_per_guild));
        !r)
      return r;
    return tx.commit();
  }

  result<std::vector<storage::history_entry>> history(storage::history_query query) override {
    std::vector<storage::history_entry> found;
    auto rows = each_row(
        "SELECT requester, bot, guild, title, source, encoded, played_at FROM history "
        "WHERE (?1 IS NULL OR requester = ?1) AND (?2 IS NULL OR guild = ?2) "
        "ORDER BY played_at DESC, id DESC LIMIT ?3",
        [&](const sqlite_query& row) {
          found.push_back(storage::history_entry{user_id(static_cast<std::uint64_t>(row.int64(0))), row.text(1),
                                                 guild_id(static_cast<std::uint64_t>(row.int64(2))), row.text(3),
                                                 row.text(4), row.optional_text(5), from_epoch_ms(row.int64(6))});
        },
        query.requester, query.guild, static_cast<std::int64_t>(std::min<std::size_t>(query.limit, INT64_MAX)));
    if (!rows) return rows.error();
    return found;
  }

  // ---- Session journals ----

  result<storage::journal_status> append_events(const storage::session_key& key,
                                                std::vector<storage::journal_event> events) override {
    sqlite_savepoint tx(*db_);
    if (auto r = tx.begin(); !r) return r.error();
    auto state = session_state(key);
    if (!state) return state.error();
    const std::uint64_t current = *state ? (*state)->version : 0;
    if (auto r = check_event_versions(key, current, events); !r) return r.error();
    if (events.empty()) return storage::journal_status{current, *state ? (*state)->tail_length : 0};
    if (!*state) {
      auto created = new_session(key);
      if (!created) return created.error();
      *state = *created;
    }
    auto& s = **state;
    for (const auto& e : events)
      if (auto r = run("INSERT INTO queue_journal(session_id, version, event) VALUES (?, ?, ?)", s.id, e.version,
                       e.body.dump());
          !r)
        return r.error();
    s.version = events.back().version;
    s.tail_length += events.size();
    if (auto r = run("UPDATE queue_sessions SET version = ?, tail_length = ? WHERE id = ?", s.version, s.tail_length,
                     s.id);
        !r)
      return r.error();
    if (compaction_due(s)) {
      if (auto r = compact(key, s); !r) return r.error();
    }
    if (auto r = tx.commit(); !r) return r.error();
    return storage::journal_status{s.version, s.tail_length};
  }

  result<void> save_snapshot(const storage::session_key& key, std::uint64_t version, nlohmann::json snapshot) override {
    if (snapshot.is_null()) return failure{error::invalid_argument, "a snapshot cannot be null"};
    sqlite_savepoint tx(*db_);
    if (auto r = tx.begin(); !r) return r;
    auto state = session_state(key);
    if (!state) return state.error();
    if (*state && (*state)->has_snapshot && (*state)->snapshot_version >= version)
      return stale_snapshot(key, version, (*state)->snapshot_version);
    if (!*state) {
      auto created = new_session(key);
      if (!created) return created.error();
      *state = *created;
    }
    if (auto r = write_snapshot(**state, version, snapshot.dump()); !r) return r;
    return tx.commit();
  }

  result<void> save_session_state(const storage::session_key& key, nlohmann::json state) override {
    if (auto r = check_session_state(state); !r) return r;
    sqlite_savepoint tx(*db_);
    if (auto r = tx.begin(); !r) return r;
    auto session = existing_or_new_session(key);
    if (!session) return session.error();
    if (auto r = run("INSERT INTO session_states(session_id, state) VALUES (?, ?) "
                     "ON CONFLICT(session_id) DO UPDATE SET state = excluded.state",
                     session->id, state.dump());
        !r)
      return r;
    return tx.commit();
  }

  result<std::optional<storage::session_record>> load_session(const storage::session_key& key) override {
    auto state = session_state(key);
    if (!state) return state.error();
    if (!*state) return std::optional<storage::session_record>{};
    auto record = read_session((*state)->id, key);
    if (!record) return record.error();
    return std::optional<storage::session_record>{std::move(*record)};
  }

  result<std::vector<storage::session_record>> load_sessions(std::string bot) override {
    // One read transaction for every session: a consistent view, and one lock instead of one per query.
    sqlite_savepoint tx(*db_);
    if (auto r = tx.begin(); !r) return r.error();
    std::vector<std::pair<std::int64_t, storage::session_key>> keys;
    auto rows = each_row("SELECT id, guild, channel FROM queue_sessions WHERE bot = ? ORDER BY guild, channel",
                         [&](const sqlite_query& row) {
                           keys.emplace_back(row.int64(0),
                                             storage::session_key{bot, guild_id(static_cast<std::uint64_t>(row.int64(1))),
                                                                  channel_id(static_cast<std::uint64_t>(row.int64(2)))});
                         },
                         bot);
    if (!rows) return rows.error();
    std::vector<storage::session_record> records;
    records.reserve(keys.size());
    for (auto& [id, key] : keys) {
      auto record = read_session(id, std::move(key));
      if (!record) return record.error();
      records.push_back(std::move(*record));
    }
    if (auto r = tx.commit(); !r) return r.error();
    return records;
  }

  result<void> delete_session(const storage::session_key& key) override {
    sqlite_savepoint tx(*db_);
    if (auto r = tx.begin(); !r) return r;
    if (auto r = run("DELETE FROM queue_sessions WHERE bot = ? AND guild = ? AND channel = ?", key.bot, key.guild,
                     key.channel);
        !r)
      return r;  // the journal cascades
    if (auto r = run("DELETE FROM session_actions WHERE bot = ? AND guild = ? AND channel = ?", key.bot, key.guild,
                     key.channel);
        !r)
      return r;
    return tx.commit();
  }

  result<void> add_action(const storage::session_key& key, storage::session_action a) override {
    if (auto r = check_session_action(a); !r) return r;
    sqlite_savepoint tx(*db_);
    if (auto r = tx.begin(); !r) return r;
    if (auto r = run("INSERT INTO session_actions(bot, guild, channel, at_ms, actor, name, detail) VALUES (?, ?, ?, ?, ?, ?, ?)",
                     key.bot, key.guild, key.channel, a.at, a.by, a.action, a.detail);
        !r)
      return r;
    if (auto r = run("DELETE FROM session_actions WHERE id IN (SELECT id FROM session_actions WHERE bot = ?1 AND "
                     "guild = ?2 AND channel = ?3 ORDER BY id DESC LIMIT -1 OFFSET ?4)",
                     key.bot, key.guild, key.channel,
                     static_cast<std::int64_t>(storage::history_limits::actions_per_session));
        !r)
      return r;
    return tx.commit();
  }

  // ---- Node sessions ----

  result<void> save_node_session(storage::node_session session) override {
    if (auto r = check_node_session(session); !r) return r;
    sqlite_savepoint tx(*db_);
    if (auto r = tx.begin(); !r) return r;
    if (auto r = run("INSERT INTO node_sessions(node, session_id, resuming, timeout_s) VALUES (?, ?, ?, ?) "
                     "ON CONFLICT(node) DO UPDATE SET session_id = excluded.session_id, "
                     "resuming = excluded.resuming, timeout_s = excluded.timeout_s",
                     session.node, session.session_id, session.resuming,
                     static_cast<std::int64_t>(session.timeout.count()));
        !r)
      return r;
    return tx.commit();
  }

  result<std::vector<storage::node_session>> load_node_sessions() override {
    std::vector<storage::node_session> all;
    auto rows = each_row("SELECT node, session_id, resuming, timeout_s FROM node_sessions ORDER BY node",
                         [&](const sqlite_query& row) {
                           all.push_back(storage::node_session{row.text(0), row.text(1), row.int64(2) != 0,
                                                               std::chrono::seconds{row.int64(3)}});
                         });
    if (!rows) return rows.error();
    return all;
  }

  result<void> delete_node_session(std::string node) override {
    sqlite_savepoint tx(*db_);
    if (auto r = tx.begin(); !r) return r;
    if (auto r = run("DELETE FROM node_sessions WHERE node = ?", node); !r) return r;
    return tx.commit();
  }

 private:
  struct session_row {
    std::int64_t id = 0;
    std::uint64_t version = 0;
    std::size_t tail_length = 0;
    std::uint64_t snapshot_version = 0;
    bool has_snapshot = false;
  };

  template <class... Args>
  result<void> run(const char* sql, const Args&... args) {
    auto q = db_->query(sql);
    if (!q) return q.error();
    return q->bind_all(args...).run();
  }

  // Calls on_row for each row; the query is reset when this returns.
  template <class OnRow, class... Args>
  result<void> each_row(const char* sql, OnRow on_row, const Args&... args) {
    auto q = db_->query(sql);
    if (!q) return q.error();
    q->bind_all(args...);
    while (true) {
      auto row = q->step();
      if (!row) return row.error();
      if (!*row) return {};
      on_row(*q);
    }
  }

  // The first column of the first row, if there is a row.
  template <class... Args>
  result<std::optional<std::int64_t>> scalar(const char* sql, const Args&... args) {
    std::optional<std::int64_t> value;
    auto rows = each_row(sql, [&](const sqlite_query& row) { if (!value) value = row.int64(0); }, args...);
    if (!rows) return rows.error();
    return value;
  }

  static storage::visibility visibility_of(std::int64_t v) noexcept {
    return v == 1 ? storage::visibility::public_ : v == 2 ? storage::visibility::global : storage::visibility::private_;
  }

  result<playlist_header> access(user_id actor, storage::playlist_id id, playlist_access kind) {
    std::optional<playlist_header> found;
    auto rows = each_row("SELECT owner, visibility FROM playlists WHERE id = ?",
                         [&](const sqlite_query& row) {
                           found = playlist_header{id, user_id(static_cast<std::uint64_t>(row.int64(0))),
                                                   visibility_of(row.int64(1))};
                         },
                         id);
    if (!rows) return rows.error();
    return check_playlist_access(found, id, actor, kind);
  }

  result<std::optional<std::int64_t>> playlist_named(user_id owner, const std::string& name) {
    return scalar("SELECT id FROM playlists WHERE owner = ? AND name = ?", owner, name);
  }

  result<std::size_t> entry_count(storage::playlist_id id) {
    auto n = scalar("SELECT count(*) FROM playlist_entries WHERE playlist_id = ?", id);
    if (!n) return n.error();
    return static_cast<std::size_t>(n->value_or(0));
  }

  result<void> insert_entry_row(storage::playlist_id id, std::size_t position, const storage::playlist_entry& e) {
    return run("INSERT INTO playlist_entries(playlist_id, position, source, title, start_ms, end_ms, encoded) "
               "VALUES (?, ?, ?, ?, ?, ?, ?)",
               id, position, e.source, e.title, e.start_ms, e.end_ms, e.encoded);
  }

  result<void> insert_entries(storage::playlist_id id, const std::vector<storage::playlist_entry>& entries) {
    for (std::size_t i = 0; i < entries.size(); ++i)
      if (auto r = insert_entry_row(id, i, entries[i]); !r) return r;
    return {};
  }

  template <class... Args>
  result<std::vector<storage::playlist_summary>> summaries(const char* sql, const Args&... args) {
    std::vector<storage::playlist_summary> found;
    auto rows = each_row(sql,
                         [&](const sqlite_query& row) {
                           found.push_back(storage::playlist_summary{
                               row.int64(0), user_id(static_cast<std::uint64_t>(row.int64(1))), row.text(2),
                               row.text(3), visibility_of(row.int64(4)), static_cast<std::size_t>(row.int64(5))});
                         },
                         args...);
    if (!rows) return rows.error();
    return found;
  }

  result<std::optional<session_row>> session_state(const storage::session_key& key) {
    std::optional<session_row> found;
    auto rows = each_row("SELECT id, version, tail_length, snapshot_version, snapshot IS NOT NULL FROM queue_sessions "
                         "WHERE bot = ? AND guild = ? AND channel = ?",
                         [&](const sqlite_query& row) {
                           found = session_row{row.int64(0), static_cast<std::uint64_t>(row.int64(1)),
                                               static_cast<std::size_t>(row.int64(2)),
                                               static_cast<std::uint64_t>(row.int64(3)), row.int64(4) != 0};
                         },
                         key.bot, key.guild, key.channel);
    if (!rows) return rows.error();
    return found;
  }

  result<session_row> new_session(const storage::session_key& key) {
    if (auto r = run("INSERT INTO queue_sessions(bot, guild, channel) VALUES (?, ?, ?)", key.bot, key.guild, key.channel);
        !r)
      return r.error();
    return session_row{db_->last_insert_rowid(), 0, 0};
  }

  result<session_row> existing_or_new_session(const storage::session_key& key) {
    auto state = session_state(key);
    if (!state) return state.error();
    if (*state) return **state;
    return new_session(key);
  }

  // Stores the snapshot and drops the events it covers; keeps the session's counters right.
  result<void> write_snapshot(session_row& s, std::uint64_t version, const std::string& snapshot) {
    if (auto r = run("DELETE FROM queue_journal WHERE session_id = ? AND version <= ?", s.id, version); !r) return r;
    s.tail_length = s.version > version ? static_cast<std::size_t>(s.version - version) : 0;
    s.version = std::max(s.version, version);
    s.snapshot_version = version;
    s.has_snapshot = true;
    return run("UPDATE queue_sessions SET snapshot = ?, snapshot_version = ?, version = ?, tail_length = ? "
               "WHERE id = ?",
               snapshot, version, s.version, s.tail_length, s.id);
  }

  result<storage::session_record> read_session(std::int64_t id, storage::session_key key) {
    storage::session_record record{std::move(key), 0, nullptr, {}, nullptr, {}};
    std::optional<std::string> snapshot, state;
    auto head = each_row("SELECT q.snapshot_version, q.snapshot, s.state FROM queue_sessions q "
                         "LEFT JOIN session_states s ON s.session_id = q.id WHERE q.id = ?",
                         [&](const sqlite_query& row) {
                           record.snapshot_version = static_cast<std::uint64_t>(row.int64(0));
                           snapshot = row.optional_text(1);
                           state = row.optional_text(2);
                         },
                         id);
    if (!head) return head.error();
    if (snapshot) {
      auto j = parse_stored_json(*snapshot, "queue snapshot");
      if (!j) return j.error();
      record.snapshot = std::move(*j);
    }
    if (state) {
      auto j = parse_stored_json(*state, "session state");
      if (!j) return j.error();
      record.state = std::move(*j);
    }
    failure bad_event;
    auto tail = each_row("SELECT version, event FROM queue_journal WHERE session_id = ? ORDER BY version",
                         [&](const sqlite_query& row) {
                           auto body = parse_stored_json(row.text(1), "journal event");
                           if (!body) bad_event = body.error();
                           else record.tail.push_back({static_cast<std::uint64_t>(row.int64(0)), std::move(*body)});
                         },
                         id);
    if (!tail) return tail.error();
    if (bad_event.code) return bad_event;
    auto actions = each_row("SELECT at_ms, actor, name, detail FROM session_actions WHERE bot = ? AND guild = ? AND "
                            "channel = ? ORDER BY id",
                            [&](const sqlite_query& row) {
                              record.actions.push_back({row.int64(0), user_id(static_cast<std::uint64_t>(row.int64(1))),
                                                        row.text(2), row.text(3)});
                            },
                            record.key.bot, record.key.guild, record.key.channel);
    if (!actions) return actions.error();
    return record;
  }

  bool compaction_due(const session_row& s) const noexcept {
    return compaction_.max_tail != 0 && compaction_.fold && s.tail_length > compaction_.max_tail;
  }

  // Folds the tail into the snapshot. A fold that fails leaves the journal as it is.
  result<void> compact(const storage::session_key& key, session_row& s) {
    auto record = read_session(s.id, key);
    if (!record) return record.error();
    auto folded = compaction_.fold(record->snapshot, record->tail);
    if (!folded) {
      log_.warn("storage: cannot compact session {}/{}/{}: {}", key.bot, key.guild, key.channel, folded.error().what());
      return {};
    }
    return write_snapshot(s, s.version, folded->dump());
  }

  std::unique_ptr<sqlite_connection> db_;
  storage::compaction_config compaction_;
  logger log_;
};

// Applies the pragmas every connection needs.
inline result<void> configure_sqlite(sqlite_connection& db, const storage::sqlite_store_config& config) {
  const std::string pragmas =
      fmt::format("PRAGMA busy_timeout = {}; PRAGMA foreign_keys = ON; PRAGMA synchronous = {};",
                  config.busy_timeout.count(), config.sync_on_commit ? "FULL" : "NORMAL");
  if (auto r = db.exec(pragmas.c_str()); !r) return r;
  auto mode = db.query("PRAGMA journal_mode = WAL");
  if (!mode) return mode.error();
  auto row = mode->step();
  if (!row) return row.error();
  if (!*row || mode->text(0) != "wal")
    return failure{error::storage_failure, fmt::format("'{}' cannot use write-ahead logging", config.path)};
  return {};
}

inline result<int> read_schema_version(sqlite_connection& db) {
  if (auto r = db.exec("CREATE TABLE IF NOT EXISTS schema_version(version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");
      !r)
    return r.error();
  auto q = db.query("SELECT coalesce(max(version), 0) FROM schema_version");
  if (!q) return q.error();
  auto row = q->step();
  if (!row) return row.error();
  return static_cast<int>(q->int64(0));
}

// Brings the schema to the latest version, one migration per transaction.
inline result<int> migrate_sqlite(sqlite_connection& db, const logger& log) {
  for (const auto& m : sqlite_migrations) {
    if (auto r = db.exec("BEGIN IMMEDIATE"); !r) return r.error();
    auto current = read_schema_version(db);  // read inside the lock: another process may have migrated
    bool applied = false;
    result<void> step = current ? result<void>{} : result<void>{current.error()};
    if (current && *current > storage::sqlite_store::latest_schema_version)
      step = failure{error::storage_failure,
                     fmt::format("the database has schema version {}; this build knows versions up to {}", *current,
                                 storage::sqlite_store::latest_schema_version)};
    if (step && *current < m.version) {
      step = db.exec(m.sql);
      if (step) {
        const std::string record = fmt::format(
            "INSERT INTO schema_version(version, applied_at) VALUES ({}, CAST(strftime('%s','now') AS INTEGER))",
            m.version);
        step = db.exec(record.c_str());
      }
      applied = true;
    }
    if (!step) {
      (void)db.exec("ROLLBACK");
      return step.error();
    }
    if (auto r = db.exec("COMMIT"); !r) return r.error();
    if (applied) log.info("storage: applied schema migration {}", m.version);
  }
  return storage::sqlite_store::latest_schema_version;
}

}  // namespace hanabi::detail

namespace hanabi::storage {

HANABI_DECL result<std::unique_ptr<sqlite_store>> sqlite_store::open(executor_type executor, sqlite_store_config config) {
  auto db = detail::sqlite_connection::open(config.path);
  if (!db) return db.error();
  if (auto r = detail::configure_sqlite(**db, config); !r) return r.error();
  auto version = detail::migrate_sqlite(**db, config.log);
  if (!version) return version.error();
  auto core = std::make_unique<detail::sqlite_core>(std::move(*db), config.compaction, config.log);
  return std::unique_ptr<sqlite_store>(new sqlite_store(std::move(executor), std::move(config), std::move(core), *version));
}

HANABI_DECL sqlite_store::sqlite_store(executor_type executor, sqlite_store_config config,
                                       std::unique_ptr<detail::sqlite_core> core, int schema_version)
    : store(std::move(executor)), config_(std::move(config)), core_(std::move(core)), schema_version_(schema_version) {
  // Batched: a journal append waits up to batch_window for more, committed together; after work,
  // the writer looks for handed-off journal batches every batch_window until one brings nothing.
  const bool batched = config_.commit == journal_commit::batched;
  writer_.start({.limit = batched ? config_.batch_limit : 1,
                 .window = config_.batch_window,
                 .hand_off_poll = batched ? config_.batch_window : std::chrono::microseconds{0}},
                [this](detail::job_thread::batch& batch) { run_batch(batch); });
}

HANABI_DECL sqlite_store::~sqlite_store() { close(); }

HANABI_DECL void sqlite_store::close() {
  if (!writer_.close()) return;
  // Fold the write-ahead log back into the database so the file stands alone.
  if (core_) (void)core_->connection().exec("PRAGMA wal_checkpoint(TRUNCATE)");
  core_.reset();
}

HANABI_DECL void sqlite_store::submit(detail::job_ptr job) { writer_.submit(std::move(job)); }

HANABI_DECL void sqlite_store::hand_off(detail::ready_job& job) { writer_.hand_off(job); }

HANABI_DECL void sqlite_store::run_batch(detail::job_thread::batch& batch) {
  if (batch.size() == 1) {
    batch.front()->execute(*core_);  // its own transaction
  } else {
    auto& db = core_->connection();
    auto began = db.exec("BEGIN IMMEDIATE");
    for (auto& job : batch) {
      if (began) job->execute(*core_);
      else job->fail(began.error());
    }
    if (began) {
      if (auto committed = db.exec("COMMIT"); !committed) {
        (void)db.exec("ROLLBACK");
        for (auto& job : batch) job->fail(committed.error());
      }
    }
  }
  for (auto& job : batch) job->complete();
}

}  // namespace hanabi::storage
