// The seam between the store's asynchronous front end and its backends.
//
// `storage_core` is the synchronous interface each backend implements (SQLite,
// memory). `storage_job` is one front-end call with its type-erased handler:
// the backend decides where and when it runs, then completes it, which posts
// the handler to the caller's executor. Neither side is a template on the
// completion token.
#pragma once

#include <hanabi/detail/config.hpp>
#include <hanabi/diagnostics.hpp>
#include <hanabi/storage/playlist.hpp>
#include <hanabi/storage/records.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_completion_executor.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace hanabi::storage {

/// Keeps a session's journal short by folding its tail into the snapshot. `fold` receives the stored
/// snapshot (null if none) and the events after it, and returns the snapshot at the last event's
/// version; the queue layer supplies it (restore + apply). Runs on the store's thread.
struct compaction_config {
  /// Fold once a session's tail holds more than this many events; 0 never folds automatically
  /// (the caller then saves snapshots itself, guided by journal_status::tail_length).
  std::size_t max_tail = 0;
  std::function<result<nlohmann::json>(const nlohmann::json& snapshot, const std::vector<journal_event>& tail)> fold;
};

}  // namespace hanabi::storage

namespace hanabi::detail {

/// The synchronous operations every backend implements. Each either applies completely or not at all.
class storage_core {
 public:
  virtual ~storage_core() = default;

  virtual result<storage::playlist> create_playlist(user_id owner, storage::playlist_draft draft) = 0;
  virtual result<void> rename_playlist(user_id actor, storage::playlist_id id, std::string name) = 0;
  virtual result<void> describe_playlist(user_id actor, storage::playlist_id id, std::string description,
                                         storage::visibility visibility) = 0;
  virtual result<void> delete_playlist(user_id actor, storage::playlist_id id) = 0;
  /// Inserts before `index`; std::nullopt appends.
  virtual result<void> insert_entry(user_id actor, storage::playlist_id id, std::optional<std::size_t> index,
                                    storage::playlist_entry entry) = 0;
  virtual result<void> move_entry(user_id actor, storage::playlist_id id, std::size_t from, std::size_t to) = 0;
  virtual result<void> remove_entry(user_id actor, storage::playlist_id id, std::size_t index) = 0;
  virtual result<void> replace_entries(user_id actor, storage::playlist_id id,
                                       std::vector<storage::playlist_entry> entries) = 0;
  virtual result<storage::playlist> get_playlist(user_id actor, storage::playlist_id id) = 0;
  virtual result<storage::playlist> find_playlist(user_id actor, user_id owner, std::string name) = 0;
  virtual result<std::vector<storage::playlist_summary>> list_own_playlists(user_id owner) = 0;
  virtual result<std::vector<storage::playlist_summary>> list_shared_playlists(std::optional<user_id> owner) = 0;

  virtual result<storage::user_settings> load_user(user_id id) = 0;
  virtual result<void> save_user(storage::user_settings settings) = 0;

  virtual result<std::map<user_id, int>> load_volumes() = 0;
  virtual result<void> save_volume(user_id id, int volume) = 0;
  virtual result<void> add_history(storage::history_entry entry) = 0;
  virtual result<std::vector<storage::history_entry>> history(storage::history_query query) = 0;

  virtual result<storage::journal_status> append_events(const storage::session_key& key,
                                                        std::vector<storage::journal_event> events) = 0;
  virtual result<void> save_snapshot(const storage::session_key& key, std::uint64_t version,
                                     nlohmann::json snapshot) = 0;
  /// Replaces the session's state document (creating the session if needed).
  virtual result<void> save_session_state(const storage::session_key& key, nlohmann::json state) = 0;
  virtual result<std::optional<storage::session_record>> load_session(const storage::session_key& key) = 0;
  virtual result<std::vector<storage::session_record>> load_sessions(std::string bot) = 0;
  virtual result<void> delete_session(const storage::session_key& key) = 0;
  virtual result<void> add_action(const storage::session_key& key, storage::session_action action) = 0;

  virtual result<void> save_node_session(storage::node_session session) = 0;
  virtual result<std::vector<storage::node_session>> load_node_sessions() = 0;
  virtual result<void> delete_node_session(std::string node) = 0;
};

/// Owner, visibility and id of a playlist: what access checks need.
struct playlist_header {
  storage::playlist_id id = 0;
  user_id owner;
  storage::visibility visibility = storage::visibility::private_;
};

enum class playlist_access { read, write };

/// record_not_found when `found` is empty; access_denied when `actor` may not read (private, not the
/// owner) or write (not the owner) the playlist.
HANABI_DECL result<playlist_header> check_playlist_access(std::optional<playlist_header> found, storage::playlist_id id,
                                                          user_id actor, playlist_access access);
/// out_of_range unless index < size (or index <= size when `inserting`).
HANABI_DECL result<void> check_entry_index(std::size_t index, std::size_t size, bool inserting);
/// version_conflict unless `events` are consecutive and the first follows `current`.
HANABI_DECL result<void> check_event_versions(const storage::session_key& key, std::uint64_t current,
                                              const std::vector<storage::journal_event>& events);
/// invalid_argument unless the session state is a JSON object.
HANABI_DECL result<void> check_session_state(const nlohmann::json& state);
/// invalid_argument unless the settings are within their ranges.
HANABI_DECL result<void> check_user_settings(const storage::user_settings& settings);
/// out_of_range outside 0 to 1000.
HANABI_DECL result<void> check_volume(int volume);
/// invalid_argument for an action without a name.
HANABI_DECL result<void> check_session_action(const storage::session_action& action);
/// invalid_name for an empty node name or session id; out_of_range for a negative timeout.
HANABI_DECL result<void> check_node_session(const storage::node_session& session);
/// The errors both backends report, worded once.
HANABI_DECL failure duplicate_playlist_name(std::string_view name);
HANABI_DECL failure duplicate_entry_title(std::string_view title);
HANABI_DECL failure playlist_full();
HANABI_DECL failure stale_snapshot(const storage::session_key& key, std::uint64_t version, std::uint64_t stored);
/// Milliseconds since the epoch, the precision at which history times are stored.
HANABI_DECL std::int64_t to_epoch_ms(std::chrono::system_clock::time_point t) noexcept;
HANABI_DECL std::chrono::system_clock::time_point from_epoch_ms(std::int64_t ms) noexcept;

/// One front-end call: runs on a backend, then posts its handler.
class storage_job {
 public:
  virtual ~storage_job() = default;
  /// Runs the operation and keeps its result; the handler is not called yet.
  virtual void execute(storage_core& core) = 0;
  /// Replaces the kept result with a failure (the enclosing commit failed, or the store is closed).
  virtual void fail(failure why) = 0;
  /// Posts the handler with the kept result to the handler's executor.
  virtual void complete() = 0;
  /// True for journal appends and session state saves, which a batching store may group into one commit.
  virtual bool is_journal_append() const noexcept = 0;
  /// Called once the backend is done with the job (after complete()): a job made for one call
  /// deletes itself; a reusable one (ready_job) tells its owner.
  virtual void release() noexcept { delete this; }
};

/// Owns a job until the backend is done with it, then releases it (storage_job::release).
struct job_release {
  void operator()(storage_job* job) const noexcept { job->release(); }
};
using job_ptr = std::unique_ptr<storage_job, job_release>;

/// A job that lives inside its owner and is handed to the store again and again (a queue journal's
/// write): no allocation per hand-off. `next_ready` links it into the job thread's list of handed-off
/// jobs; it belongs to that list while the job is in it.
class ready_job : public storage_job {
 public:
  ready_job* next_ready = nullptr;
};

template <class T>
struct storage_signature { using type = void(error_code, T); };
template <>
struct storage_signature<void> { using type = void(error_code); };

/// A storage_job for an operation returning result<T>. `Op` is the front end's lambda calling the core.
template <class T, class Op>
class storage_op final : public storage_job {
 public:
  using handler_type = boost::asio::any_completion_handler<typename storage_signature<T>::type>;

  storage_op(handler_type handler, diagnostics& diag, Op op, const boost::asio::any_io_executor& fallback,
             bool journal_append)
      : handler_(std::move(handler)),
        work_(boost::asio::prefer(boost::asio::get_associated_executor(handler_, fallback),
                                  boost::asio::execution::outstanding_work.tracked)),
        store_executor_(fallback),
        diag_(diag),
        op_(std::move(op)),
        journal_append_(journal_append) {}

  void execute(storage_core& core) override { result_.emplace(op_(core)); }
  void fail(failure why) override { result_.emplace(std::move(why)); }
  bool is_journal_append() const noexcept override { return journal_append_; }

  void complete() override {
    auto finish = [handler = std::move(handler_), outcome = std::move(*result_), &diag = diag_]() mutable {
      if (outcome) diag.clear();
      else diag = outcome.error().diag;
      const error_code ec = outcome ? error_code{} : outcome.error().code;
      if constexpr (std::is_void_v<T>) {
        std::move(handler)(ec);
      } else {
        std::move(handler)(ec, outcome ? std::move(*outcome) : T{});
      }
    };
    // The hop through the store's executor guarantees the handler never runs inside the initiating
    // call (the handler's own executor may allow blocking execution); dispatch then runs it there.
    boost::asio::post(store_executor_, [work = std::move(work_), finish = std::move(finish)]() mutable {
      boost::asio::dispatch(work, std::move(finish));
    });
  }

 private:
  handler_type handler_;
  boost::asio::any_completion_executor work_;  // keeps the caller's executor busy until the handler is posted
  boost::asio::any_io_executor store_executor_;
  diagnostics& diag_;
  Op op_;
  std::optional<result<T>> result_;
  bool journal_append_;
};

}  // namespace hanabi::detail

#ifdef HANABI_HEADER_ONLY
#  include <hanabi/impl/storage_core.ipp>
#endif
