// The SQLite store's schema, as the list of migrations that build it. Each
// migration runs once, in its own transaction, and is recorded in the
// `schema_version` table. Released migrations are never edited: a change to
// the schema is a new migration appended here (and latest_schema_version in
// sqlite_store.hpp raised to match).
#pragma once

#include <array>

namespace hanabi::detail {

/// One step of the schema. Applied in order, each in its own transaction, never edited once released.
struct sqlite_migration {
  int version;
  const char* sql;
};

inline constexpr std::array<sqlite_migration, 4> sqlite_migrations{{
    {1, R"sql(
CREATE TABLE users(
  id INTEGER PRIMARY KEY,
  volume INTEGER NOT NULL,
  volume_step INTEGER NOT NULL,
  preferences TEXT NOT NULL);
CREATE TABLE playlists(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  owner INTEGER NOT NULL,
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  visibility INTEGER NOT NULL DEFAULT 0 CHECK (visibility BETWEEN 0 AND 2),
  UNIQUE (owner, name));
CREATE INDEX playlists_by_visibility ON playlists(visibility, owner, name);
CREATE TABLE playlist_entries(
  id INTEGER PRIMARY KEY,
  playlist_id INTEGER NOT NULL REFERENCES playlists(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  source TEXT NOT NULL,
  title TEXT NOT NULL,
  start_ms INTEGER,
  end_ms INTEGER,
  encoded TEXT,
  UNIQUE (playlist_id, title));
CREATE INDEX playlist_entries_by_position ON playlist_entries(playlist_id, position);
)sql"},
    {2, R"sql(
CREATE TABLE history(
  id INTEGER PRIMARY KEY,
  requester INTEGER NOT NULL,
  bot TEXT NOT NULL,
  guild INTEGER NOT NULL,
  title TEXT NOT NULL,
  source TEXT NOT NULL,
  encoded TEXT,
  played_at INTEGER NOT NULL);
CREATE INDEX history_by_requester ON history(requester, played_at);
CREATE INDEX history_by_guild ON history(guild, played_at);
CREATE TABLE queue_sessions(
  id INTEGER PRIMARY KEY,
  bot TEXT NOT NULL,
  guild INTEGER NOT NULL,
  channel INTEGER NOT NULL,
  snapshot_version INTEGER NOT NULL DEFAULT 0,
  snapshot TEXT,
  version INTEGER NOT NULL DEFAULT 0,
  tail_length INTEGER NOT NULL DEFAULT 0,
  UNIQUE (bot, guild, channel));
CREATE TABLE queue_journal(
  session_id INTEGER NOT NULL REFERENCES queue_sessions(id) ON DELETE CASCADE,
  version INTEGER NOT NULL,
  event TEXT NOT NULL,
  PRIMARY KEY (session_id, version)) WITHOUT ROWID;
CREATE TABLE node_sessions(
  node TEXT PRIMARY KEY,
  session_id TEXT NOT NULL,
  resuming INTEGER NOT NULL,
  timeout_s INTEGER NOT NULL);
)sql"},
    {3, R"sql(
CREATE TABLE session_states(
  session_id INTEGER PRIMARY KEY REFERENCES queue_sessions(id) ON DELETE CASCADE,
  state TEXT NOT NULL);
)sql"},
    {4, R"sql(
CREATE TABLE session_actions(
  id INTEGER PRIMARY KEY,
  bot TEXT NOT NULL,
  guild INTEGER NOT NULL,
  channel INTEGER NOT NULL,
  at_ms INTEGER NOT NULL,
  actor INTEGER NOT NULL,
  name TEXT NOT NULL,
  detail TEXT NOT NULL);
CREATE INDEX session_actions_by_session ON session_actions(bot, guild, channel, id);
CREATE INDEX history_by_guild_id ON history(guild, played_at, id);
)sql"},
}};

}  // namespace hanabi::detail
