// The store: where hanabi keeps what must survive a restart (playlists, user
// settings, playback history, each session's queue, and the Lavalink session
// of each node). `store` is the abstract asynchronous interface; sqlite_store
// (the default, a database file) and memory_store (for tests) implement it.
//
// Every operation is asynchronous and takes a completion token: a callback,
// `asio::use_awaitable`, `asio::use_future`, `asio::deferred` (the default)...
// The handler signature is `void(error_code, T)`, or `void(error_code)` for
// operations without a value; on error, T is default-constructed and `diag`
// says what went wrong in a sentence (the limit that was exceeded, SQLite's
// message...).
//
// Contract of every async_* member:
// * Lifetimes: the store and `diag` must outlive the operation (until its handler runs).
// * Executor: the handler runs on its associated executor, by default the store's
//   executor. It is never invoked from inside the initiating call.
// * Order: operations take effect in the order they are initiated; each one sees every
//   operation initiated before it (read-your-writes).
// * Atomicity: an operation applies completely or not at all, and a successful
//   completion means it is durable (committed), in every commit mode.
// * Cancellation: not supported; once initiated, an operation runs.
// * Thread safety: the members may be called from any thread concurrently.
#pragma once

#include <hanabi/detail/storage_core.hpp>
#include <hanabi/diagnostics.hpp>
#include <hanabi/storage/playlist.hpp>
#include <hanabi/storage/records.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/deferred.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hanabi::detail {
class queue_journal_state;
}

namespace hanabi::storage {

/// The abstract store. See the file comment for the contract of every async_* member.
class store {
 public:
  using executor_type = boost::asio::any_io_executor;

  store(const store&) = delete;
  store& operator=(const store&) = delete;
  virtual ~store() = default;

  /// The executor handlers run on when they have no associated executor.
  executor_type get_executor() const noexcept { return executor_; }

  // ---- Playlists. `actor` is the user asking; only the owner may change a playlist. ----

  /// Creates a playlist owned by `owner` with the draft's entries (which may be empty).
  /// Signature `void(error_code, playlist)`. Errors: duplicate_name, invalid_name, invalid_time, out_of_range.
  template <class Token = boost::asio::deferred_t>
  auto async_create_playlist(user_id owner, playlist_draft draft, diagnostics& diag, Token&& token = {}) {
    return start<playlist>(diag, std::forward<Token>(token), false,
                           [=, d = std::move(draft)](detail::storage_core& c) mutable { return c.create_playlist(owner, std::move(d)); });
  }

  /// Imports an exported playlist (see export_playlist) as a new playlist of `owner`.
  /// Signature `void(error_code, playlist)`. Errors: decode errors, then those of async_create_playlist.
  template <class Token = boost::asio::deferred_t>
  auto async_import_playlist(user_id owner, const nlohmann::json& exported, diagnostics& diag, Token&& token = {}) {
    return start<playlist>(diag, std::forward<Token>(token), false,
                           [owner, draft = import_playlist(exported)](detail::storage_core& c) mutable -> result<playlist> {
                             if (!draft) return draft.error();
                             return c.create_playlist(owner, std::move(*draft));
                           });
  }

  /// Signature `void(error_code)`. Errors: record_not_found, access_denied, invalid_name, duplicate_name.
  template <class Token = boost::asio::deferred_t>
  auto async_rename_playlist(user_id actor, playlist_id id, std::string name, diagnostics& diag, Token&& token = {}) {
    return start<void>(diag, std::forward<Token>(token), false,
                       [=, n = std::move(name)](detail::storage_core& c) mutable { return c.rename_playlist(actor, id, std::move(n)); });
  }

  /// Sets the description and the visibility. Signature `void(error_code)`.
  template <class Token = boost::asio::deferred_t>
  auto async_describe_playlist(user_id actor, playlist_id id, std::string description, storage::visibility vis,
                               diagnostics& diag, Token&& token = {}) {
    return start<void>(diag, std::forward<Token>(token), false, [=, d = std::move(description)](detail::storage_core& c) mutable {
      return c.describe_playlist(actor, id, std::move(d), vis);
    });
  }

  /// Deletes the playlist and its entries. Signature `void(error_code)`.
  template <class Token = boost::asio::deferred_t>
  auto async_delete_playlist(user_id actor, playlist_id id, diagnostics& diag, Token&& token = {}) {
    return start<void>(diag, std::forward<Token>(token), false,
                       [=](detail::storage_core& c) { return c.delete_playlist(actor, id); });
  }

  /// Appends an entry. Signature `void(error_code)`. Errors: duplicate_name (title), invalid_name, invalid_time.
  template <class Token = boost::asio::deferred_t>
  auto async_add_entry(user_id actor, playlist_id id, playlist_entry entry, diagnostics& diag, Token&& token = {}) {
    return start<void>(diag, std::forward<Token>(token), false, [=, e = std::move(entry)](detail::storage_core& c) mutable {
      return c.insert_entry(actor, id, std::nullopt, std::move(e));
    });
  }

  /// Inserts an entry before the 0-based `index` (index == size appends). Errors as async_add_entry, plus out_of_range.
  template <class Token = boost::asio::deferred_t>
  auto async_insert_entry(user_id actor, playlist_id id, std::size_t index, playlist_entry entry, diagnostics& diag,
                          Token&& token = {}) {
    return start<void>(diag, std::forward<Token>(token), false, [=, e = std::move(entry)](detail::storage_core& c) mutable {
      return c.insert_entry(actor, id, index, std::move(e));
    });
  }

  /// Moves the entry at 0-based `from` so that it ends up at `to`. Signature `void(error_code)`.
  template <class Token = boost::asio::deferred_t>
  auto async_move_entry(user_id actor, playlist_id id, std::size_t from, std::size_t to, diagnostics& diag,
                        Token&& token = {}) {
    return start<void>(diag, std::forward<Token>(token), false,
                       [=](detail::storage_core& c) { return c.move_entry(actor, id, from, to); });
  }

  /// Removes the entry at 0-based `index`. Signature `void(error_code)`.
  template <class Token = boost::asio::deferred_t>
  auto async_remove_entry(user_id actor, playlist_id id, std::size_t index, diagnostics& diag, Token&& token = {}) {
    return start<void>(diag, std::forward<Token>(token), false,
                       [=](detail::storage_core& c) { return c.remove_entry(actor, id, index); });
  }

  /// Replaces every entry at once (a playlist editor's save). Signature `void(error_code)`.
  template <class Token = boost::asio::deferred_t>
  auto async_replace_entries(user_id actor, playlist_id id, std::vector<playlist_entry> entries, diagnostics& diag,
                             Token&& token = {}) {
    return start<void>(diag, std::forward<Token>(token), false, [=, e = std::move(entries)](detail::storage_core& c) mutable {
      return c.replace_entries(actor, id, std::move(e));
    });
  }

  /// A playlist the actor may see (their own, or a public or global one). Signature `void(error_code, playlist)`.
  template <class Token = boost::asio::deferred_t>
  auto async_get_playlist(user_id actor, playlist_id id, diagnostics& diag, Token&& token = {}) {
    return start<playlist>(diag, std::forward<Token>(token), false,
                           [=](detail::storage_core& c) { return c.get_playlist(actor, id); });
  }

  /// The playlist `owner` named `name`, if the actor may see it. Signature `void(error_code, playlist)`.
  template <class Token = boost::asio::deferred_t>
  auto async_find_playlist(user_id actor, user_id owner, std::string name, diagnostics& diag, Token&& token = {}) {
    return start<playlist>(diag, std::forward<Token>(token), false, [=, n = std::move(name)](detail::storage_core& c) mutable {
      return c.find_playlist(actor, owner, std::move(n));
    });
  }

  /// The owner's playlists, sorted by name. Signature `void(error_code, std::vector<playlist_summary>)`.
  template <class Token = boost::asio::deferred_t>
  auto async_list_playlists(user_id owner, diagnostics& diag, Token&& token = {}) {
    return start<std::vector<playlist_summary>>(diag, std::forward<Token>(token), false,
                                                [=](detail::storage_core& c) { return c.list_own_playlists(owner); });
  }

  /// Public and global playlists (of one owner, or of everyone), sorted by owner then name.
  template <class Token = boost::asio::deferred_t>
  auto async_list_shared_playlists(std::optional<user_id> owner, diagnostics& diag, Token&& token = {}) {
    return start<std::vector<playlist_summary>>(diag, std::forward<Token>(token), false,
                                                [=](detail::storage_core& c) { return c.list_shared_playlists(owner); });
  }

  // ---- Users ----

  /// The user's settings; defaults for a user never saved. Signature `void(error_code, user_settings)`.
  template <class Token = boost::asio::deferred_t>
  auto async_load_user(user_id id, diagnostics& diag, Token&& token = {}) {
    return start<user_settings>(diag, std::forward<Token>(token), false,
                                [=](detail::storage_core& c) { return c.load_user(id); });
  }

  /// Saves (replaces) the user's settings. Errors: out_of_range, invalid_argument.
  template <class Token = boost::asio::deferred_t>
  auto async_save_user(user_settings settings, diagnostics& diag, Token&& token = {}) {
    return start<void>(diag, std::forward<Token>(token), false,
                       [s = std::move(settings)](detail::storage_core& c) mutable { return c.save_user(std::move(s)); });
  }

  /// Every remembered volume: the users table's volume of each stored user. Signature
  /// `void(error_code, std::map<user_id, int>)`.
  template <class Token = boost::asio::deferred_t>
  auto async_load_volumes(diagnostics& diag, Token&& token = {}) {
    return start<std::map<user_id, int>>(diag, std::forward<Token>(token), false,
                                         [](detail::storage_core& c) { return c.load_volumes(); });
  }

  /// Remembers the user's volume, keeping their other settings (a user never saved gets the
  /// defaults for those). Signature `void(error_code)`. Errors: out_of_range (outside 0 to 1000).
  template <class Token = boost::asio::deferred_t>
  auto async_save_volume(user_id id, int volume, diagnostics& diag, Token&& token = {}) {
    return start<void>(diag, std::forward<Token>(token), false,
                       [=](detail::storage_core& c) { return c.save_volume(id, volume); });
  }

  // ---- Playback history ----

  /// Adds a played track; only the newest history_limits::plays_per_guild of its guild are kept.
  /// Signature `void(error_code)`.

  template <class Token = boost::asio::deferred_t>
  auto async_add_history(history_entry entry, diagnostics& diag, Token&& token = {}) {
    return start<void>(diag, std::forward<Token>(token), false,
                       [e = std::move(entry)](detail::storage_core& c) mutable { return c.add_history(std::move(e)); });
  }

  /// Matching entries, newest first. Signature `void(error_code, std::vector<history_entry>)`.
  template <class Token = boost::asio::deferred_t>
  auto async_history(history_query query, diagnostics& diag, Token&& token = {}) {
    return start<std::vector<history_entry>>(diag, std::forward<Token>(token), false,
                                             [=](detail::storage_core& c) { return c.history(query); });
  }

  // ---- Session queues: snapshot + journal ----

  /// Appends change events; the first must follow the session's stored version (version_conflict
  /// otherwise, and nothing is written). A new session starts at version 0. May fold the tail into
  /// the snapshot (compaction_config). Signature `void(error_code, journal_status)`. A batching
  /// store groups appends into one commit; the handler still runs only once they are committed.
  template <class Token = boost::asio::deferred_t>
  auto async_append_events(session_key key, std::vector<journal_event> events, diagnostics& diag, Token&& token = {}) {
    return start<journal_status>(diag, std::forward<Token>(token), true,
                                 [k = std::move(key), e = std::move(events)](detail::storage_core& c) mutable {
                                   return c.append_events(k, std::move(e));
                                 });
  }

  /// Stores the queue's snapshot at `version` and drops the journal events it covers.
  /// Errors: version_conflict if an equal or newer snapshot is stored.
  template <class Token = boost::asio::deferred_t>
  auto async_save_snapshot(session_key key, std::uint64_t version, nlohmann::json snapshot, diagnostics& diag,
                           Token&& token = {}) {
    return start<void>(diag, std::forward<Token>(token), false,
                       [k = std::move(key), version, s = std::move(snapshot)](detail::storage_core& c) mutable {
                         return c.save_snapshot(k, version, std::move(s));
                       });
  }

  /// Replaces the session's state document (see session_record::state), creating the session if
  /// needed; returned by async_load_session(s). Errors: invalid_argument unless `state` is an object.
  /// Saves are cheap to call often: the caller only queues the document (serialized on the store's
  /// side); a batching store commits the saves (and journal appends) that arrive within its window
  /// together, and the last save wins. Signature `void(error_code)`.
  template <class Token = boost::asio::deferred_t>
  auto async_save_session_state(session_key key, nlohmann::json state, diagnostics& diag, Token&& token = {}) {
    return start<void>(diag, std::forward<Token>(token), true,
                       [k = std::move(key), s = std::move(state)](detail::storage_core& c) mutable {
                         return c.save_session_state(k, std::move(s));
                       });
  }

  /// The session's record, or std::nullopt. Signature `void(error_code, std::optional<session_record>)`.
  template <class Token = boost::asio::deferred_t>
  auto async_load_session(session_key key, diagnostics& diag, Token&& token = {}) {
    return start<std::optional<session_record>>(diag, std::forward<Token>(token), false,
                                                [k = std::move(key)](detail::storage_core& c) { return c.load_session(k); });
  }

  /// Every session of a bot (what a restarting bot recovers), sorted by key.
  template <class Token = boost::asio::deferred_t>
  auto async_load_sessions(std::string bot, diagnostics& diag, Token&& token = {}) {
    return start<std::vector<session_record>>(diag, std::forward<Token>(token), false,
                                              [b = std::move(bot)](detail::storage_core& c) mutable { return c.load_sessions(std::move(b)); });
  }

  /// Adds a line to the session's action history (returned by async_load_session(s) as
  /// session_record::actions); only the newest history_limits::actions_per_session are kept. The
  /// history is kept apart from the queue: adding to it never creates a session record.
  /// Signature `void(error_code)`. Errors: invalid_argument (an empty action).
  template <class Token = boost::asio::deferred_t>
  auto async_add_action(session_key key, session_action action, diagnostics& diag, Token&& token = {}) {
    return start<void>(diag, std::forward<Token>(token), false,
                       [k = std::move(key), a = std::move(action)](detail::storage_core& c) mutable {
                         return c.add_action(k, std::move(a));
                       });
  }

  /// Forgets a session (it ended), its action history included. Deleting an unknown session is not an error.
  template <class Token = boost::asio::deferred_t>
  auto async_delete_session(session_key key, diagnostics& diag, Token&& token = {}) {
    return start<void>(diag, std::forward<Token>(token), false,
                       [k = std::move(key)](detail::storage_core& c) { return c.delete_session(k); });
  }

  // ---- Lavalink node sessions ----

  /// Saves (replaces) the node's session. Errors: invalid_name (empty node name or session id).
  template <class Token = boost::asio::deferred_t>
  auto async_save_node_session(node_session session, diagnostics& diag, Token&& token = {}) {
    return start<void>(diag, std::forward<Token>(token), false,
                       [s = std::move(session)](detail::storage_core& c) mutable { return c.save_node_session(std::move(s)); });
  }

  /// Every stored node session, sorted by node name.
  template <class Token = boost::asio::deferred_t>
  auto async_load_node_sessions(diagnostics& diag, Token&& token = {}) {
    return start<std::vector<node_session>>(diag, std::forward<Token>(token), false,
                                            [](detail::storage_core& c) { return c.load_node_sessions(); });
  }

  template <class Token = boost::asio::deferred_t>
  auto async_delete_node_session(std::string node, diagnostics& diag, Token&& token = {}) {
    return start<void>(diag, std::forward<Token>(token), false,
                       [n = std::move(node)](detail::storage_core& c) mutable { return c.delete_node_session(std::move(n)); });
  }

 protected:
  explicit store(executor_type executor) : executor_(std::move(executor)) {}

  /// Runs the job (now or later, on any thread) and then completes it, in submission order.
  virtual void submit(detail::job_ptr job) = 0;

  /// Runs a reusable job handed off by a queue journal (from its queue's strand, so this must be
  /// cheap), then completes and releases it. Unlike submit(), no order with other operations is
  /// promised: a store may pick handed-off jobs up at its next look (see job_thread). By default, as
  /// submit().
  virtual void hand_off(detail::ready_job& job) { submit(detail::job_ptr(&job)); }
  /// A hint: a hand-off will follow soon (a journal's batch began). A store may get ready for it
  /// (the SQLite and Redis stores claim their hand-off list's cache line). By default nothing.
  virtual void expect_hand_off() noexcept {}

 private:
  friend class detail::queue_journal_state;  // submits its batched appends as ordinary journal jobs

  template <class T, class Token, class Op>
  auto start(diagnostics& diag, Token&& token, bool journal_append, Op op);

  executor_type executor_;
};

}  // namespace hanabi::storage

#include <hanabi/impl/storage_store.hpp>
