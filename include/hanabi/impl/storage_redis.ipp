#pragma once

#include <hanabi/storage/redis_connection.hpp>
#include <hanabi/storage/redis_store.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <tuple>

namespace hanabi::detail {

using storage::redis_command;
using storage::redis_connection;
using storage::redis_reply;

// ---- Stored records ----
// Entries, plays, actions and node sessions hold user text that need not be valid UTF-8 (which a
// JSON dump would refuse), so they are stored as length-prefixed fields: "LEN:BYTES" per field,
// "-" for an absent one.

using redis_fields = std::vector<std::optional<std::string>>;

inline std::string encode_redis_fields(const redis_fields& fields) {
  std::string out;
  for (const auto& f : fields) {
    if (f) out += fmt::format("{}:{}", f->size(), *f);
    else out += '-';
  }
  return out;
}

inline result<redis_fields> decode_redis_fields(std::string_view text, std::size_t count, std::string_view what) {
  const failure corrupt{error::storage_failure, fmt::format("a stored {} is corrupt", what)};
  redis_fields fields;
  while (fields.size() < count) {
    if (text.starts_with('-')) {
      fields.emplace_back();
      text.remove_prefix(1);
      continue;
    }
    std::size_t length = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), length);
    if (ec != std::errc{} || end == text.data() + text.size() || *end != ':') return corrupt;
    text.remove_prefix(static_cast<std::size_t>(end - text.data()) + 1);
    if (length > text.size()) return corrupt;
    fields.emplace_back(std::string(text.substr(0, length)));
    text.remove_prefix(length);
  }
  if (!text.empty()) return corrupt;
  return fields;
}

inline result<std::int64_t> parse_redis_int(std::string_view text, std::string_view what) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size())
    return failure{error::storage_failure, fmt::format("the stored {} is not a number", what)};
  return v;
}

inline std::optional<std::string> optional_number(const std::optional<std::int64_t>& v) {
  if (!v) return std::nullopt;
  return std::to_string(*v);
}

inline result<std::optional<std::int64_t>> parse_optional_number(const std::optional<std::string>& text) {
  if (!text) return std::optional<std::int64_t>{};
  auto v = parse_redis_int(*text, "time");
  if (!v) return v.error();
  return std::optional<std::int64_t>{*v};
}

inline std::string encode_redis_entry(const storage::playlist_entry& e) {
  return encode_redis_fields({e.source, e.title, optional_number(e.start_ms), optional_number(e.end_ms), e.encoded});
}

inline result<storage::playlist_entry> decode_redis_entry(std::string_view text) {
  auto f = decode_redis_fields(text, 5, "playlist entry");
  if (!f) return f.error();
  auto start = parse_optional_number((*f)[2]);
  auto end = parse_optional_number((*f)[3]);
  if (!start || !end || !(*f)[0] || !(*f)[1]) return failure{error::storage_failure, "a stored playlist entry is corrupt"};
  return storage::playlist_entry{std::move(*(*f)[0]), std::move(*(*f)[1]), *start, *end, std::move((*f)[4])};
}

// JSON documents given by callers; never throws (invalid UTF-8 is replaced rather than refused).
inline std::string dump_redis_json(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

inline result<nlohmann::json> parse_redis_json(std::string_view text, std::string_view what) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) return failure{error::storage_failure, fmt::format("the stored {} is not valid JSON", what)};
  return result<nlohmann::json>(boost::system::in_place_value, std::move(j));
}

inline const std::string* reply_text(const redis_reply& r) {
  return r.type == redis_reply::kind::string || r.type == redis_reply::kind::status ? &r.str : nullptr;
}

// A hash read with HGETALL, as a map.
inline std::map<std::string, std::string> reply_hash(const redis_reply& r) {
  std::map<std::string, std::string> fields;
  for (std::size_t i = 0; i + 1 < r.elements.size(); i += 2) fields[r.elements[i].str] = r.elements[i + 1].str;
  return fields;
}

inline storage::visibility redis_visibility(std::int64_t v) noexcept {
  return v == 1 ? storage::visibility::public_ : v == 2 ? storage::visibility::global : storage::visibility::private_;
}

// The Redis backend. Runs on the store's thread only.
class redis_core final : public storage_core {
 public:
  explicit redis_core(storage::redis_store_config config)
      : prefix_(config.key_prefix), compaction_(config.compaction), log_(config.log), db_(std::move(config)) {}

  result<void> connect() { return db_.connect(); }

  // ---- Playlists ----

  result<storage::playlist> create_playlist(user_id owner, storage::playlist_draft draft) override {
    if (auto r = storage::check_draft(draft); !r) return r.error();
    auto id = optimistic<storage::playlist_id>([&]() -> result<std::optional<storage::playlist_id>> {
      auto read = db_.pipeline({{"WATCH", owner_key(owner)}, {"HEXISTS", owner_key(owner), draft.name},
                                {"INCR", prefix_ + "playlist:next_id"}});
      if (!read) return read.error();
      if ((*read)[1].integer != 0) return duplicate_playlist_name(draft.name);
      const storage::playlist_id id = (*read)[2].integer;
      std::vector<redis_command> writes{{"HSET", playlist_key(id), "owner", owner.str(), "name", draft.name,
                                         "description", draft.description, "visibility",
                                         std::to_string(static_cast<int>(draft.visibility))},
                                        {"HSET", owner_key(owner), draft.name, std::to_string(id)}};
      if (!draft.entries.empty()) writes.push_back(push_entries(id, draft.entries));
      if (draft.visibility != storage::visibility::private_) writes.push_back({"SADD", shared_key(), std::to_string(id)});
      return commit(writes, id);
    });
    if (!id) return id.error();
    return storage::playlist{*id, owner, std::move(draft.name), std::move(draft.description), draft.visibility,
                             std::move(draft.entries)};
  }

  result<void> rename_playlist(user_id actor, storage::playlist_id id, std::string name) override {
    return optimistic_void([&]() -> result<std::optional<bool>> {
      auto p = watch_writable(actor, id);
      if (!p) return p.error();
      if (auto r = storage::check_name("playlist name", name, storage::playlist_limits::max_name); !r) return r.error();
      const auto index = owner_key(p->header.owner);
      auto other = db_.pipeline({{"WATCH", index}, {"HGET", index, name}});
      if (!other) return other.error();
      if (const auto* taken = reply_text((*other)[1]); taken && *taken != std::to_string(id))
        return duplicate_playlist_name(name);
      return commit({{"HDEL", index, p->name}, {"HSET", index, name, std::to_string(id)},
                     {"HSET", playlist_key(id), "name", name}},
                    true);
    });
  }

  result<void> describe_playlist(user_id actor, storage::playlist_id id, std::string description,
                                 storage::visibility visibility) override {
    return optimistic_void([&]() -> result<std::optional<bool>> {
      auto p = watch_writable(actor, id);
      if (!p) return p.error();
      if (auto r = storage::check_description(description); !r) return r.error();
      return commit({{"HSET", playlist_key(id), "description", description, "visibility",
                      std::to_string(static_cast<int>(visibility))},
                     {visibility == storage::visibility::private_ ? "SREM" : "SADD", shared_key(), std::to_string(id)}},
                    true);
    });
  }

  result<void> delete_playlist(user_id actor, storage::playlist_id id) override {
    return optimistic_void([&]() -> result<std::optional<bool>> {
      auto p = watch_writable(actor, id);
      if (!p) return p.error();
      return commit({{"DEL", playlist_key(id), entries_key(id)},
                     {"HDEL", owner_key(p->header.owner), p->name},
                     {"SREM", shared_key(), std::to_string(id)}},
                    true);
    });
  }

  result<void> insert_entry(user_id actor, storage::playlist_id id, std::optional<std::size_t> index,
                            storage::playlist_entry entry) override {
    if (auto r = storage::check_entry(entry); !r) return r;
    return optimistic_void([&]() -> result<std::optional<bool>> {
      auto list = watch_entries(actor, id);
      if (!list) return list.error();
      const std::size_t at = index.value_or(list->raw.size());
      if (auto r = check_entry_index(at, list->raw.size(), true); !r) return r.error();
      if (list->raw.size() >= storage::playlist_limits::max_entries) return playlist_full();
      for (const auto& e : list->entries)
        if (e.title == entry.title) return duplicate_entry_title(entry.title);
      return commit({put_entry(id, list->raw, at, encode_redis_entry(entry))}, true);
    });
  }

  result<void> move_entry(user_id actor, storage::playlist_id id, std::size_t from, std::size_t to) override {
    return optimistic_void([&]() -> result<std::optional<bool>> {
      auto list = watch_entries(actor, id);
      if (!list) return list.error();
      if (auto r = check_entry_index(from, list->raw.size(), false); !r) return r.error();
      if (auto r = check_entry_index(to, list->raw.size(), false); !r) return r.error();
      auto rest = list->raw;
      const auto moving = rest[from];
      rest.erase(rest.begin() + static_cast<std::ptrdiff_t>(from));
      // Titles are unique, so each stored entry is a unique value: LREM and LINSERT find it.
      return commit({{"LREM", entries_key(id), "1", moving}, put_entry(id, rest, to, moving)}, true);
    });
  }

  result<void> remove_entry(user_id actor, storage::playlist_id id, std::size_t index) override {
    return optimistic_void([&]() -> result<std::optional<bool>> {
      auto list = watch_entries(actor, id);
      if (!list) return list.error();
      if (auto r = check_entry_index(index, list->raw.size(), false); !r) return r.error();
      return commit({{"LREM", entries_key(id), "1", list->raw[index]}}, true);
    });
  }

  result<void> replace_entries(user_id actor, storage::playlist_id id,
                               std::vector<storage::playlist_entry> entries) override {
    if (auto r = storage::check_entries(entries); !r) return r;
    return optimistic_void([&]() -> result<std::optional<bool>> {
      auto p = watch_writable(actor, id);
      if (!p) return p.error();
      std::vector<redis_command> writes{{"DEL", entries_key(id)}};
      if (!entries.empty()) writes.push_back(push_entries(id, entries));
      return commit(writes, true);
    });
  }

  result<storage::playlist> get_playlist(user_id actor, storage::playlist_id id) override {
    auto read = read_all({{"HMGET", playlist_key(id), "owner", "visibility", "name", "description"},
                          {"LRANGE", entries_key(id), "0", "-1"}});
    if (!read) return read.error();
    auto p = stored_playlist(id, (*read)[0]);
    if (!p) return p.error();
    auto h = check_playlist_access(header_of(*p), id, actor, playlist_access::read);
    if (!h) return h.error();
    storage::playlist out{id, h->owner, std::move(p->name), std::move(p->description), h->visibility, {}};
    for (const auto& raw : (*read)[1].elements) {
      auto e = decode_redis_entry(raw.str);
      if (!e) return e.error();
      out.entries.push_back(std::move(*e));
    }
    return out;
  }

  result<storage::playlist> find_playlist(user_id actor, user_id owner, std::string name) override {
    auto id = db_.command({"HGET", owner_key(owner), name});
    if (!id) return id.error();
    const auto* text = reply_text(*id);
    if (text == nullptr)
      return failure{error::record_not_found, fmt::format("user {} has no playlist named '{}'", owner, name)};
    auto number = parse_redis_int(*text, "playlist id");
    if (!number) return number.error();
    return get_playlist(actor, *number);
  }

  result<std::vector<storage::playlist_summary>> list_own_playlists(user_id owner) override {
    auto ids = db_.command({"HVALS", owner_key(owner)});
    if (!ids) return ids.error();
    return summaries(ids->elements, [](const storage::playlist_summary&) { return true; });
  }

  result<std::vector<storage::playlist_summary>> list_shared_playlists(std::optional<user_id> owner) override {
    auto ids = db_.command({"SMEMBERS", shared_key()});
    if (!ids) return ids.error();
    return summaries(ids->elements, [&](const storage::playlist_summary& p) {
      return p.visibility != storage::visibility::private_ && (!owner || p.owner == *owner);
    });
  }

  // ---- Users ----

  result<storage::user_settings> load_user(user_id id) override {
    auto read = db_.command({"HMGET", user_key(id), "volume", "volume_step", "preferences"});
    if (!read) return read.error();
    storage::user_settings s{id};
    const auto* volume = reply_text(read->elements[0]);
    const auto* step = reply_text(read->elements[1]);
    const auto* preferences = reply_text(read->elements[2]);
    if (volume == nullptr) return s;
    auto v = parse_redis_int(*volume, "volume");
    auto st = parse_redis_int(step ? *step : std::string{}, "volume step");
    auto prefs = parse_redis_json(preferences ? *preferences : std::string{}, "user preferences");
    if (!v) return v.error();
    if (!st) return st.error();
    if (!prefs) return prefs.error();
    s.volume = static_cast<int>(*v);
    s.volume_step = static_cast<int>(*st);
    s.preferences = std::move(*prefs);
    return s;
  }

  result<void> save_user(storage::user_settings settings) override {
    if (auto r = check_user_settings(settings); !r) return r;
    return write({{"HSET", user_key(settings.id), "volume", std::to_string(settings.volume), "volume_step",
                   std::to_string(settings.volume_step), "preferences", dump_redis_json(settings.preferences)},
                  {"SADD", prefix_ + "users", settings.id.str()}});
  }

  result<std::map<user_id, int>> load_volumes() override {
    auto users = db_.command({"SMEMBERS", prefix_ + "users"});
    if (!users) return users.error();
    std::vector<redis_command> reads;
    for (const auto& u : users->elements) reads.push_back({"HGET", prefix_ + "user:" + u.str, "volume"});
    auto volumes = read_all(reads);
    if (!volumes) return volumes.error();
    std::map<user_id, int> out;
    for (std::size_t i = 0; i < reads.size(); ++i) {
      const auto* text = reply_text((*volumes)[i]);
      if (text == nullptr) continue;  // saved, then its hash went (another client): no volume to remember
      auto id = parse_redis_int(users->elements[i].str, "user id");
      auto v = parse_redis_int(*text, "volume");
      if (!id) return id.error();
      if (!v) return v.error();
      out.emplace(user_id(static_cast<std::uint64_t>(*id)), static_cast<int>(*v));
    }
    return out;
  }

  result<void> save_volume(user_id id, int volume) override {
    if (auto r = check_volume(volume); !r) return r;
    const storage::user_settings defaults{id};
    return write({{"HSETNX", user_key(id), "volume_step", std::to_string(defaults.volume_step)},
                  {"HSETNX", user_key(id), "preferences", dump_redis_json(defaults.preferences)},
                  {"HSET", user_key(id), "volume", std::to_string(volume)},
                  {"SADD", prefix_ + "users", id.str()}});
  }

  // ---- History ----

  result<void> add_history(storage::history_entry e) override {
    // The sequence number only orders plays of the same millisecond: a number taken by a write
    // that then fails is a harmless gap.
    auto seq = db_.command({"INCR", prefix_ + "history:seq"});
    if (!seq) return seq.error();
    const auto key = history_key(e.guild);
    const auto ms = to_epoch_ms(e.played_at);
    const auto member =
        fmt::format("{:020}", seq->integer) +
        encode_redis_fields({e.requester.str(), e.bot, e.guild.str(), e.title, e.source, e.encoded, std::to_string(ms)});
    const auto keep = static_cast<long long>(storage::history_limits::plays_per_guild);
    return write({{"ZADD", key, std::to_string(ms), member},
                  {"ZREMRANGEBYRANK", key, "0", std::to_string(-keep - 1)},
                  {"SADD", prefix_ + "history:guilds", e.guild.str()}});
  }

  result<std::vector<storage::history_entry>> history(storage::history_query query) override {
    std::vector<std::string> guilds;
    if (query.guild) {
      guilds.push_back(query.guild->str());
    } else {
      auto all = db_.command({"SMEMBERS", prefix_ + "history:guilds"});
      if (!all) return all.error();
      for (const auto& g : all->elements) guilds.push_back(g.str);
    }
    std::vector<redis_command> reads;
    for (const auto& g : guilds) reads.push_back({"ZRANGE", prefix_ + "history:" + g, "0", "-1"});
    auto plays = read_all(reads);
    if (!plays) return plays.error();
    std::vector<std::pair<std::string, storage::history_entry>> found;  // (sequence, play)
    for (const auto& guild_plays : *plays)
      for (const auto& member : guild_plays.elements) {
        auto play = decode_play(member.str);
        if (!play) return play.error();
        if (!query.requester || play->second.requester == *query.requester) found.push_back(std::move(*play));
      }
    std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
      return std::tie(a.second.played_at, a.first) > std::tie(b.second.played_at, b.first);
    });
    std::vector<storage::history_entry> out;
    for (std::size_t i = 0; i < found.size() && i < query.limit; ++i) out.push_back(std::move(found[i].second));
    return out;
  }

  // ---- Session journals ----

  result<storage::journal_status> append_events(const storage::session_key& key,
                                                std::vector<storage::journal_event> events) override {
    return optimistic<storage::journal_status>([&]() -> result<std::optional<storage::journal_status>> {
      auto read = db_.pipeline({{"WATCH", session_hash(key), journal_key(key)},
                                {"HGET", session_hash(key), "version"},
                                {"LLEN", journal_key(key)}});
      if (!read) return read.error();
      std::uint64_t current = 0;
      if (const auto* v = reply_text((*read)[1])) {
        auto n = parse_redis_int(*v, "session version");
        if (!n) return n.error();
        current = static_cast<std::uint64_t>(*n);
      }
      const auto tail = static_cast<std::size_t>((*read)[2].integer);
      if (auto r = check_event_versions(key, current, events); !r) return r.error();
      if (events.empty()) {
        (void)db_.command({"UNWATCH"});
        return std::optional<storage::journal_status>{storage::journal_status{current, tail}};
      }
      const auto last = events.back().version;
      if (compaction_due(tail + events.size())) {
        auto folded = fold(key, events);
        if (!folded) return folded.error();
        if (*folded)
          return commit({{"HSET", session_hash(key), "version", std::to_string(last), "snapshot_version",
                          std::to_string(last), "snapshot", dump_redis_json(**folded)},
                         {"DEL", journal_key(key)},
                         index_session(key)},
                        storage::journal_status{last, 0});
      }
      redis_command push{"RPUSH", journal_key(key)};
      for (const auto& e : events) push.push_back(fmt::format("{} {}", e.version, dump_redis_json(e.body)));
      return commit({std::move(push),
                     {"HSET", session_hash(key), "version", std::to_string(last)},
                     {"HSETNX", session_hash(key), "snapshot_version", "0"},
                     index_session(key)},
                    storage::journal_status{last, tail + events.size()});
    });
  }

  result<void> save_snapshot(const storage::session_key& key, std::uint64_t version, nlohmann::json snapshot) override {
    if (snapshot.is_null()) return failure{error::invalid_argument, "a snapshot cannot be null"};
    return optimistic_void([&]() -> result<std::optional<bool>> {
      auto read = db_.pipeline({{"WATCH", session_hash(key), journal_key(key)},
                                {"HMGET", session_hash(key), "version", "snapshot_version"},
                                {"HEXISTS", session_hash(key), "snapshot"},
                                {"LLEN", journal_key(key)}});
      if (!read) return read.error();
      auto current = optional_field((*read)[1].elements[0], "session version");
      auto stored = optional_field((*read)[1].elements[1], "snapshot version");
      if (!current) return current.error();
      if (!stored) return stored.error();
      if ((*read)[2].integer != 0 && stored->value_or(0) >= static_cast<std::int64_t>(version))
        return stale_snapshot(key, version, static_cast<std::uint64_t>(stored->value_or(0)));
      // The tail holds versions current - tail + 1 .. current: drop those the snapshot covers.
      const auto version_now = static_cast<std::uint64_t>(current->value_or(0));
      const auto tail = static_cast<std::uint64_t>((*read)[3].integer);
      const std::uint64_t first = version_now - tail + 1;
      const std::uint64_t covered = version < first ? 0 : std::min(tail, version - first + 1);
      return commit({{"HSET", session_hash(key), "snapshot", dump_redis_json(snapshot), "snapshot_version",
                      std::to_string(version), "version", std::to_string(std::max(version_now, version))},
                     {"LTRIM", journal_key(key), std::to_string(covered), "-1"},
                     index_session(key)},
                    true);
    });
  }

  result<void> save_session_state(const storage::session_key& key, nlohmann::json state) override {
    if (auto r = check_session_state(state); !r) return r;
    return write({{"HSETNX", session_hash(key), "version", "0"},
                  {"HSETNX", session_hash(key), "snapshot_version", "0"},
                  {"HSET", session_hash(key), "state", dump_redis_json(state)},
                  index_session(key)});
  }

  result<std::optional<storage::session_record>> load_session(const storage::session_key& key) override {
    auto found = read_sessions({key});
    if (!found) return found.error();
    if (found->empty()) return std::optional<storage::session_record>{};
    return std::optional<storage::session_record>{std::move(found->front())};
  }

  result<std::vector<storage::session_record>> load_sessions(std::string bot) override {
    auto members = db_.command({"SMEMBERS", prefix_ + "sessions:" + bot});
    if (!members) return members.error();
    std::vector<storage::session_key> keys;
    for (const auto& m : members->elements) {
      const auto colon = m.str.find(':');
      auto guild = parse_redis_int(m.str.substr(0, colon), "session guild");
      auto channel = parse_redis_int(colon == std::string::npos ? "" : m.str.substr(colon + 1), "session channel");
      if (!guild) return guild.error();
      if (!channel) return channel.error();
      keys.push_back({bot, guild_id(static_cast<std::uint64_t>(*guild)), channel_id(static_cast<std::uint64_t>(*channel))});
    }
    std::sort(keys.begin(), keys.end());
    return read_sessions(keys);
  }

  result<void> delete_session(const storage::session_key& key) override {
    return write({{"DEL", session_hash(key), journal_key(key), actions_key(key)},
                  {"SREM", prefix_ + "sessions:" + key.bot, session_member(key)}});
  }

  result<void> add_action(const storage::session_key& key, storage::session_action action) override {
    if (auto r = check_session_action(action); !r) return r;
    const auto keep = static_cast<long long>(storage::history_limits::actions_per_session);
    return write({{"RPUSH", actions_key(key),
                   encode_redis_fields({std::to_string(action.at), action.by.str(), action.action, action.detail})},
                  {"LTRIM", actions_key(key), std::to_string(-keep), "-1"}});
  }

  // ---- Lavalink node sessions ----

  result<void> save_node_session(storage::node_session session) override {
    if (auto r = check_node_session(session); !r) return r;
    return write({{"HSET", prefix_ + "nodes", session.node,
                   encode_redis_fields({session.session_id, session.resuming ? "1" : "0",
                                        std::to_string(session.timeout.count())})}});
  }

  result<std::vector<storage::node_session>> load_node_sessions() override {
    auto all = db_.command({"HGETALL", prefix_ + "nodes"});
    if (!all) return all.error();
    std::vector<storage::node_session> out;
    for (auto& [name, text] : reply_hash(*all)) {  // a map: sorted by node name
      auto f = decode_redis_fields(text, 3, "node session");
      if (!f) return f.error();
      auto timeout = parse_redis_int((*f)[2].value_or(""), "resume timeout");
      if (!timeout || !(*f)[0]) return failure{error::storage_failure, "a stored node session is corrupt"};
      out.push_back({name, std::move(*(*f)[0]), (*f)[1] == "1", std::chrono::seconds(*timeout)});
    }
    return out;
  }

  result<void> delete_node_session(std::string node) override { return write({{"HDEL", prefix_ + "nodes", node}}); }

 private:
  // A watched transaction that keeps being aborted means other clients keep writing the same keys.
  static constexpr int max_attempts = 32;

  struct stored_header {
    playlist_header header;
    std::string name;
    std::string description;
  };

  struct stored_entries {
    std::vector<std::string> raw;  // as stored, in order
    std::vector<storage::playlist_entry> entries;
  };

  // Runs `attempt` (watch, read, check, MULTI/EXEC) until no watched key changed under it.
  template <class T, class Attempt>
  result<T> optimistic(Attempt attempt) {
    for (int i = 0; i < max_attempts; ++i) {
      auto outcome = attempt();
      if (!outcome) {
        if (db_.connected()) (void)db_.command({"UNWATCH"});  // a check failed before EXEC
        return outcome.error();
      }
      if (*outcome) return std::move(**outcome);
    }
    return failure{error::storage_failure,
                   fmt::format("redis: other clients changed the same keys {} times in a row", max_attempts)};
  }

  template <class Attempt>
  result<void> optimistic_void(Attempt attempt) {
    auto done = optimistic<bool>(std::move(attempt));
    if (!done) return done.error();
    return {};
  }

  // MULTI/EXEC; `value` when it ran, std::nullopt when a watched key changed.
  template <class T>
  result<std::optional<T>> commit(const std::vector<redis_command>& writes, T value) {
    auto done = db_.transaction(writes);
    if (!done) return done.error();
    if (!*done) return std::optional<T>{};
    return std::optional<T>{std::move(value)};
  }

  // Writes whose checks need no stored data: one MULTI/EXEC, nothing watched.
  result<void> write(const std::vector<redis_command>& writes) {
    auto done = db_.transaction(writes);
    if (!done) return done.error();
    return {};
  }

  // Reads as one MULTI/EXEC, so that the keys are read at one moment.
  result<std::vector<redis_reply>> read_all(const std::vector<redis_command>& reads) {
    if (reads.empty()) return std::vector<redis_reply>{};
    auto done = db_.transaction(reads);
    if (!done) return done.error();
    if (!*done) return failure{error::storage_failure, "redis: a read-only transaction was aborted"};
    return std::move(**done);
  }

  std::string playlist_key(storage::playlist_id id) const { return fmt::format("{}playlist:{}", prefix_, id); }
  std::string entries_key(storage::playlist_id id) const { return fmt::format("{}playlist:{}:entries", prefix_, id); }
  std::string owner_key(user_id owner) const { return fmt::format("{}owner:{}:playlists", prefix_, owner.value()); }
  std::string shared_key() const { return prefix_ + "shared"; }
  std::string user_key(user_id id) const { return fmt::format("{}user:{}", prefix_, id.value()); }
  std::string history_key(guild_id guild) const { return fmt::format("{}history:{}", prefix_, guild.value()); }
  static std::string session_member(const storage::session_key& k) {
    return fmt::format("{}:{}", k.guild.value(), k.channel.value());
  }
  std::string session_part(std::string_view kind, const storage::session_key& k) const {
    return fmt::format("{}{}:{}:{}", prefix_, kind, session_member(k), k.bot);
  }
  std::string session_hash(const storage::session_key& k) const { return session_part("session", k); }
  std::string journal_key(const storage::session_key& k) const { return session_part("journal", k); }
  std::string actions_key(const storage::session_key& k) const { return session_part("actions", k); }
  redis_command index_session(const storage::session_key& k) const {
    return {"SADD", prefix_ + "sessions:" + k.bot, session_member(k)};
  }

  redis_command push_entries(storage::playlist_id id, const std::vector<storage::playlist_entry>& entries) const {
    redis_command push{"RPUSH", entries_key(id)};
    for (const auto& e : entries) push.push_back(encode_redis_entry(e));
    return push;
  }

  // Puts `entry` at `at` of the list currently holding `current` (appends when at == size).
  redis_command put_entry(storage::playlist_id id, const std::vector<std::string>& current, std::size_t at,
                          std::string entry) const {
    if (at == current.size()) return {"RPUSH", entries_key(id), std::move(entry)};
    return {"LINSERT", entries_key(id), "BEFORE", current[at], std::move(entry)};
  }

  // The playlist from an HMGET of owner, visibility, name[, description]; header.id is 0 if it is missing.
  result<stored_header> stored_playlist(storage::playlist_id id, const redis_reply& fields) const {
    stored_header out;
    const auto* owner = reply_text(fields.elements[0]);
    if (owner == nullptr) return out;  // header.id == 0: missing
    auto o = parse_redis_int(*owner, "playlist owner");
    auto v = parse_redis_int(reply_text(fields.elements[1]) ? fields.elements[1].str : "", "playlist visibility");
    if (!o) return o.error();
    if (!v) return v.error();
    out.header = playlist_header{id, user_id(static_cast<std::uint64_t>(*o)), redis_visibility(*v)};
    out.name = fields.elements[2].str;
    if (fields.elements.size() > 3) out.description = fields.elements[3].str;
    return out;
  }

  static std::optional<playlist_header> header_of(const stored_header& p) {
    if (p.header.id == 0) return std::nullopt;
    return p.header;
  }

  // WATCHes the playlist, reads it and checks that the actor may change it.
  result<stored_header> watch_writable(user_id actor, storage::playlist_id id) {
    auto read = db_.pipeline({{"WATCH", playlist_key(id)}, {"HMGET", playlist_key(id), "owner", "visibility", "name"}});
    if (!read) return read.error();
    auto p = stored_playlist(id, (*read)[1]);
    if (!p) return p.error();
    if (auto h = check_playlist_access(header_of(*p), id, actor, playlist_access::write); !h) return h.error();
    return p;
  }

  // watch_writable, plus the entries (watched too).
  result<stored_entries> watch_entries(user_id actor, storage::playlist_id id) {
    auto p = watch_writable(actor, id);
    if (!p) return p.error();
    auto read = db_.pipeline({{"WATCH", entries_key(id)}, {"LRANGE", entries_key(id), "0", "-1"}});
    if (!read) return read.error();
    stored_entries out;
    for (auto& raw : (*read)[1].elements) {
      auto e = decode_redis_entry(raw.str);
      if (!e) return e.error();
      out.entries.push_back(std::move(*e));
      out.raw.push_back(std::move(raw.str));
    }
    return out;
  }

  template <class Keep>
  result<std::vector<storage::playlist_summary>> summaries(const std::vector<redis_reply>& ids, Keep keep) {
    std::vector<redis_command> reads;
    std::vector<storage::playlist_id> numbers;
    for (const auto& raw : ids) {
      auto id = parse_redis_int(raw.str, "playlist id");
      if (!id) return id.error();
      numbers.push_back(*id);
      reads.push_back({"HMGET", playlist_key(*id), "owner", "visibility", "name", "description"});
      reads.push_back({"LLEN", entries_key(*id)});
    }
    auto read = read_all(reads);
    if (!read) return read.error();
    std::vector<storage::playlist_summary> out;
    for (std::size_t i = 0; i < numbers.size(); ++i) {
      auto p = stored_playlist(numbers[i], (*read)[2 * i]);
      if (!p) return p.error();
      if (!header_of(*p)) continue;  // deleted by another client between the two reads
      storage::playlist_summary s{numbers[i], p->header.owner, std::move(p->name), std::move(p->description),
                                  p->header.visibility, static_cast<std::size_t>((*read)[2 * i + 1].integer)};
      if (keep(s)) out.push_back(std::move(s));
    }
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return std::tie(a.owner, a.name) < std::tie(b.owner, b.name); });
    return out;
  }

  result<std::pair<std::string, storage::history_entry>> decode_play(std::string_view member) const {
    const failure corrupt{error::storage_failure, "a stored play is corrupt"};
    if (member.size() < 20) return corrupt;
    auto f = decode_redis_fields(member.substr(20), 7, "play");
    if (!f) return f.error();
    auto requester = parse_redis_int((*f)[0].value_or(""), "requester");
    auto guild = parse_redis_int((*f)[2].value_or(""), "guild");
    auto at = parse_redis_int((*f)[6].value_or(""), "play time");
    if (!requester || !guild || !at || !(*f)[1] || !(*f)[3] || !(*f)[4]) return corrupt;
    return std::pair{std::string(member.substr(0, 20)),
                     storage::history_entry{user_id(static_cast<std::uint64_t>(*requester)), std::move(*(*f)[1]),
                                            guild_id(static_cast<std::uint64_t>(*guild)), std::move(*(*f)[3]),
                                            std::move(*(*f)[4]), std::move((*f)[5]), from_epoch_ms(*at)}};
  }

  static result<std::optional<std::int64_t>> optional_field(const redis_reply& r, std::string_view what) {
    const auto* text = reply_text(r);
    if (text == nullptr) return std::optional<std::int64_t>{};
    auto v = parse_redis_int(*text, what);
    if (!v) return v.error();
    return std::optional<std::int64_t>{*v};
  }

  bool compaction_due(std::size_t tail_length) const noexcept {
    return compaction_.max_tail != 0 && compaction_.fold && tail_length > compaction_.max_tail;
  }

  // The snapshot folded from the stored one, the stored tail and `events` (read under the caller's
  // WATCH); std::nullopt when the fold fails, so that the events are appended as they are.
  result<std::optional<nlohmann::json>> fold(const storage::session_key& key,
                                             const std::vector<storage::journal_event>& events) {
    auto stored = read_sessions({key}, read_mode::watched);
    if (!stored) return stored.error();
    storage::session_record record{key, 0, nullptr, {}, nullptr, {}};
    if (!stored->empty()) record = std::move(stored->front());
    record.tail.insert(record.tail.end(), events.begin(), events.end());
    auto folded = compaction_.fold(record.snapshot, record.tail);
    if (!folded) {
      log_.warn("storage: cannot compact session {}/{}/{}: {}", key.bot, key.guild, key.channel, folded.error().what());
      return std::optional<nlohmann::json>{};
    }
    return std::optional<nlohmann::json>{std::move(*folded)};
  }

  // `watched`: the keys are WATCHed by an operation about to write, which keeps them consistent;
  // a MULTI/EXEC here would end that WATCH.
  enum class read_mode { atomic, watched };

  result<std::vector<storage::session_record>> read_sessions(const std::vector<storage::session_key>& keys,
                                                             read_mode mode = read_mode::atomic) {
    std::vector<redis_command> reads;
    for (const auto& k : keys) {
      reads.push_back({"HGETALL", session_hash(k)});
      reads.push_back({"LRANGE", journal_key(k), "0", "-1"});
      reads.push_back({"LRANGE", actions_key(k), "0", "-1"});
    }
    auto read = mode == read_mode::atomic ? read_all(reads) : db_.pipeline(reads);
    if (!read) return read.error();
    std::vector<storage::session_record> out;
    for (std::size_t i = 0; i < keys.size(); ++i) {
      auto fields = reply_hash((*read)[3 * i]);
      if (fields.empty()) continue;  // no such session
      auto record = to_session_record(keys[i], fields, (*read)[3 * i + 1], (*read)[3 * i + 2]);
      if (!record) return record.error();
      out.push_back(std::move(*record));
    }
    return out;
  }

  result<storage::session_record> to_session_record(const storage::session_key& key,
                                                 const std::map<std::string, std::string>& fields,
                                                 const redis_reply& journal, const redis_reply& actions) const {
    storage::session_record record{key, 0, nullptr, {}, nullptr, {}};
    if (auto it = fields.find("snapshot_version"); it != fields.end()) {
      auto v = parse_redis_int(it->second, "snapshot version");
      if (!v) return v.error();
      record.snapshot_version = static_cast<std::uint64_t>(*v);
    }
    for (const auto& [name, slot] : {std::pair{"snapshot", &record.snapshot}, std::pair{"state", &record.state}})
      if (auto it = fields.find(name); it != fields.end()) {
        auto j = parse_redis_json(it->second, name);
        if (!j) return j.error();
        *slot = std::move(*j);
      }
    for (const auto& e : journal.elements) {
      const auto space = e.str.find(' ');
      auto version = parse_redis_int(std::string_view(e.str).substr(0, space), "journal version");
      if (!version || space == std::string::npos) return failure{error::storage_failure, "a stored journal event is corrupt"};
      auto body = parse_redis_json(std::string_view(e.str).substr(space + 1), "journal event");
      if (!body) return body.error();
      record.tail.push_back({static_cast<std::uint64_t>(*version), std::move(*body)});
    }
    for (const auto& a : actions.elements) {
      auto f = decode_redis_fields(a.str, 4, "session action");
      if (!f) return f.error();
      auto at = parse_redis_int((*f)[0].value_or(""), "action time");
      auto by = parse_redis_int((*f)[1].value_or(""), "action user");
      if (!at || !by || !(*f)[2] || !(*f)[3]) return failure{error::storage_failure, "a stored session action is corrupt"};
      record.actions.push_back({*at, user_id(static_cast<std::uint64_t>(*by)), std::move(*(*f)[2]), std::move(*(*f)[3])});
    }
    return record;
  }

  std::string prefix_;
  storage::compaction_config compaction_;
  logger log_;
  redis_connection db_;
};

}  // namespace hanabi::detail

namespace hanabi::storage {

HANABI_DECL result<std::unique_ptr<redis_store>> redis_store::open(executor_type executor, redis_store_config config) {
  const auto hand_off_window = config.hand_off_window;
  auto core = std::make_unique<detail::redis_core>(std::move(config));
  if (auto r = core->connect(); !r) return r.error();
  return std::unique_ptr<redis_store>(new redis_store(std::move(executor), std::move(core), hand_off_window));
}

HANABI_DECL redis_store::redis_store(executor_type executor, std::unique_ptr<detail::redis_core> core,
                                     std::chrono::microseconds hand_off_window)
    : store(std::move(executor)), core_(std::move(core)) {
  worker_.start({.hand_off_poll = hand_off_window}, [this](detail::job_thread::batch& batch) {
    for (auto& job : batch) {
      job->execute(*core_);
      job->complete();
    }
  });
}

HANABI_DECL redis_store::~redis_store() { close(); }

HANABI_DECL void redis_store::close() {
  if (worker_.close()) core_.reset();
}

HANABI_DECL void redis_store::submit(detail::job_ptr job) { worker_.submit(std::move(job)); }

HANABI_DECL void redis_store::hand_off(detail::ready_job& job) { worker_.hand_off(job); }

}  // namespace hanabi::storage
