// Keeps a session restart-proof: its queue changes are journaled into a store
// (storage::queue_journal) and its playback state is saved as the session's
// state document, so that session/recovery.hpp can bring it back after a crash.
//
//     auto key = storage::session_key{"parent", guild, voice};
//     auto keeper = session_persistence::create(store, key, 0);
//     local_session_config cfg = ...;
//     keeper->configure(cfg);                             // before the session exists
//     auto s = local_session::create(pool, {guild, voice}, cfg).value();
//     keeper->attach(s);                                  // state saves, deletion on close
//
// Why an observer and not store calls inside local_session: the session stays
// ignorant of storage, and the same object works for every session.
//
// What is saved, and when:
//  - every queue change event, copied flat into the journal's buffer on the session's strand (no
//    lock, no JSON, no disk there), handed to the store's thread once per batch;
//  - every action of the session's history (the store keeps the newest
//    storage::history_limits::actions_per_session, recovery gives them back), and every track that
//    starts as a line of the guild's playback history (the newest plays_per_guild are kept);
//  - each requester's volume, through persistence_config::volumes (see volume_memory);
//  - the state document (see state_document()): on every state_changed event, after a track
//    starts or ends or the player moves, and every `save_interval` while a track plays (so the
//    stored position is never older than that). Saves are coalesced: at most one is in flight;
//    a newer document replaces a waiting one.
//  - a session that closes for any reason but `shutdown` or `child_lost` is deleted from the store
//    (after its journal is flushed, so nothing recreates it); a session closed by a shutdown stays,
//    to be recovered at the next start.
//
// A channel move (channel_moved) is not followed: the record keeps the original channel.
#pragma once

#include <hanabi/detail/config.hpp>
#include <hanabi/logger.hpp>
#include <hanabi/session/local_session.hpp>
#include <hanabi/storage/queue_journal.hpp>
#include <hanabi/storage/store.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

namespace hanabi {

/// What this process remembers of each user's volume, shared by all its sessions and kept in the
/// store's users table, so that a restarted bot still plays each requester's tracks at their volume.
///
/// The memory is per user, across guilds and bots (the table is keyed by user): a requester picks a
/// volume for their own ears, and which bot plays for them is the session manager's choice, not
/// theirs, so a volume kept per bot would seem to change at random. It is loaded once, when the
/// process starts (a few bytes per user who ever set a volume); a volume set since then in this
/// process is seen at once by its sessions, one set in another process (a child bot) at the next
/// start.
///
/// Threading: recall() and remember() may be called from any thread; remember() never blocks on
/// the disk (the store writes it on its own thread; a failed write is logged).
class volume_memory {
 public:
  HANABI_DECL volume_memory(storage::store& store, std::map<user_id, int> loaded, logger log = logger::none());

  /// Loads every remembered volume from the store. Signature
  /// `void(error_code, std::shared_ptr<volume_memory>)`; the error is the store's. The store must
  /// outlive the memory.
  template <class Token>
  static auto async_load(storage::store& store, logger log, Token&& token) {
    return asio::async_initiate<Token, void(error_code, std::shared_ptr<volume_memory>)>(
        [&store](auto handler, logger l) { load(store, std::move(l), std::move(handler)); }, token, std::move(log));
  }

  /// The volume `u` last chose, if they ever did.
  HANABI_DECL std::optional<std::uint16_t> recall(user_id u) const;
  /// Remembers `volume` for `u`: every session of this process sees it now; the store keeps it.
  HANABI_DECL void remember(user_id u, std::uint16_t volume);

 private:
  using load_handler = asio::any_completion_handler<void(error_code, std::shared_ptr<volume_memory>)>;
  HANABI_DECL static void load(storage::store& store, logger log, load_handler handler);

  storage::store& store_;
  const logger log_;
  mutable std::mutex mutex_;
  std::unordered_map<user_id, std::uint16_t> volumes_;
};

/// How a session_persistence behaves.
struct persistence_config {
  /// While a track plays (not paused), the state document is refreshed this often: the bound on
  /// how stale a recovered position can be, besides the extrapolation.
  std::chrono::milliseconds save_interval{std::chrono::seconds{5}};
  /// The process's remembered volumes (see volume_memory). Null: a session remembers volumes for its
  /// own lifetime only.
  std::shared_ptr<volume_memory> volumes{};
  logger log = logger::none();
};

/// The session's state document (storage::session_record::state): what recovery needs beyond the
/// queue. `sampled_at_ms` is the epoch ms at which `s` was taken (its position is extrapolated to
/// then). Shape: {"version":1,"active","paused","position","sampled_at","volume","filters",
/// "lifetime","node"}.
HANABI_DECL nlohmann::json state_document(const session_state& s, std::int64_t sampled_at_ms);

/// The playback to restore from a state document, its position extrapolated to `now_ms` when it
/// was playing (and never negative). std::nullopt when nothing was playing. Errors:
/// invalid_argument for a document that is not one state_document() wrote.
HANABI_DECL result<std::optional<restored_playback>> playback_from_document(const nlohmann::json& doc,
                                                                            std::int64_t now_ms);

/// The session's lifetime as a state document recorded it (transient when absent).
HANABI_DECL session_lifetime lifetime_from_document(const nlohmann::json& doc);

/// A stored action history (storage::session_record::actions) as local_session_config::restored_history.
HANABI_DECL std::vector<action_record> restored_history(const std::vector<storage::session_action>& stored);

/// Journals one session's queue and saves its state into a store. See the file comment.
///
/// Threading: the journal's recorder runs where the queue runs (the session's strand); from
/// attach() on, it hands its batches off on that strand (before, each event at once). attach() and
/// async_flush() may be called from any thread; a flush takes the session's state and hands the
/// queue's last batch off on the session's strand, so that strand's executor must keep running
/// until the flush completes. Store work never runs on the session's strand. The store must
/// outlive this object and every operation it started (flush, then close the store).
class session_persistence : public std::enable_shared_from_this<session_persistence> {
  struct private_tag {};

 public:
  /// Persistence for `key`, whose stored queue version is `durable_version` (0 for a new session,
  /// session_record::version() for a recovered one).
  HANABI_DECL static std::shared_ptr<session_persistence> create(storage::store& store, storage::session_key key,
                                                                 std::uint64_t durable_version,
                                                                 persistence_config config = {});
  HANABI_DECL session_persistence(private_tag, storage::store& store, storage::session_key key,
                                  std::uint64_t durable_version, persistence_config config);

  /// Sets every hook of `cfg` this object keeps: queue_recorder (the journal), on_action (the
  /// action history, kept in the store), and, with persistence_config::volumes, recall_volume and
  /// on_volume_remembered. Call before the session is created.
  HANABI_DECL void configure(local_session_config& cfg);

  /// Follows `s`'s events from now on (state saves, periodic refresh, deletion when it closes) and
  /// saves its current state. Call once.
  HANABI_DECL void attach(std::shared_ptr<session> s);

  const storage::session_key& key() const noexcept { return key_; }
  /// The newest queue version committed to the store.
  std::uint64_t durable_version() const noexcept { return journal_.durable_version(); }

  /// Takes the session's state now, then completes once it and every queue event recorded before
  /// the call are committed. Signature `void(error_code)`.
  template <class Token>
  auto async_flush(Token&& token) {
    return asio::async_initiate<Token, void(error_code)>(
        [self = shared_from_this()](auto handler) { self->flush(std::move(handler)); }, token);
  }

 private:
  using flush_handler = asio::any_completion_handler<void(error_code)>;

  HANABI_DECL void flush(flush_handler handler);
  /// The journal's flush, then the newest document saved again (store operations are ordered).
  HANABI_DECL void commit(flush_handler handler);
  /// Completes a flush on the handler's associated executor (the store's by default).
  HANABI_DECL void finish(flush_handler handler, error_code ec);
  HANABI_DECL void on_event(const session_event& e);
  HANABI_DECL void refresh();
  HANABI_DECL void save(nlohmann::json doc);
  HANABI_DECL void write(nlohmann::json doc);
  HANABI_DECL void written(error_code ec);
  HANABI_DECL void arm_refresh();
  HANABI_DECL void forget(close_reason reason);
  /// Writes one line of the action history or of the playback history (on the store's side).
  HANABI_DECL void keep_action(const action_record& r);
  HANABI_DECL void keep_play(const item_view& item);
  /// Logs a failed history write.
  HANABI_DECL std::function<void(error_code)> log_failure(const char* what, std::shared_ptr<diagnostics> diag) const;

  storage::store& store_;
  const storage::session_key key_;
  const persistence_config config_;
  storage::queue_journal journal_;
  std::weak_ptr<session> session_;
  session_subscription subscription_;
  std::optional<asio::steady_timer> refresher_;  // on the session's strand

  std::mutex mutex_;                     // guards the fields below: store handlers run elsewhere
  bool closed_ = false;                  // no more saves: the session closed
  bool playing_ = false;                 // the last saved state was playing, not paused
  bool writing_ = false;                 // a state save is in flight
  std::optional<nlohmann::json> waiting_;  // the newest document, to save when the write completes
  nlohmann::json latest_;                // the newest document given to save()
  diagnostics diag_;                     // of the save in flight
};

}  // namespace hanabi

#ifdef HANABI_HEADER_ONLY
#  include <hanabi/impl/session_persistence.ipp>
#endif
