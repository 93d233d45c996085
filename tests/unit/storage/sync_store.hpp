// Test helper: drives a store's asynchronous operations to completion on an
// io_context and returns each outcome as a hanabi::result, so the contract
// tests read like a script. Shared by the unit (memory) and integration
// (SQLite) tests.
#pragma once

#include <hanabi/storage/store.hpp>

#include <boost/asio/io_context.hpp>

#include "result_printer.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <optional>
#include <utility>

namespace hanabi::test {

class sync_store {
 public:
  sync_store(boost::asio::io_context& ctx, storage::store& s) : ctx_(ctx), store_(&s) {}

  /// Uses another store from now on (after a fixture reopened its store).
  void rebind(storage::store& s) { store_ = &s; }
  storage::store& async() { return *store_; }
  diagnostics& diag() { return diag_; }

  /// Runs `start(handler)` and the io_context until the handler ran.
  template <class T, class Start>
  result<T> call(Start start) {
    std::optional<result<T>> outcome;
    if constexpr (std::is_void_v<T>) {
      start([&](error_code ec) { outcome.emplace(ec ? result<T>(failure{ec, diag_}) : result<T>()); });
    } else {
      start([&](error_code ec, T value) {
        if (ec) outcome.emplace(failure{ec, diag_});
        else outcome.emplace(boost::system::in_place_value, std::move(value));
      });
    }
    ctx_.restart();
    ctx_.run();
    REQUIRE(outcome.has_value());
    return std::move(*outcome);
  }

  result<storage::playlist> create(user_id owner, storage::playlist_draft d) {
    return call<storage::playlist>([&](auto h) { store_->async_create_playlist(owner, std::move(d), diag_, std::move(h)); });
  }
  result<storage::playlist> import(user_id owner, const nlohmann::json& j) {
    return call<storage::playlist>([&](auto h) { store_->async_import_playlist(owner, j, diag_, std::move(h)); });
  }
  result<void> rename(user_id actor, storage::playlist_id id, std::string name) {
    return call<void>([&](auto h) { store_->async_rename_playlist(actor, id, std::move(name), diag_, std::move(h)); });
  }
  result<void> describe(user_id actor, storage::playlist_id id, std::string text, storage::visibility v) {
    return call<void>([&](auto h) { store_->async_describe_playlist(actor, id, std::move(text), v, diag_, std::move(h)); });
  }
  result<void> erase(user_id actor, storage::playlist_id id) {
    return call<void>([&](auto h) { store_->async_delete_playlist(actor, id, diag_, std::move(h)); });
  }
  result<void> add(user_id actor, storage::playlist_id id, storage::playlist_entry e) {
    return call<void>([&](auto h) { store_->async_add_entry(actor, id, std::move(e), diag_, std::move(h)); });
  }
  result<void> insert(user_id actor, storage::playlist_id id, std::size_t at, storage::playlist_entry e) {
    return call<void>([&](auto h) { store_->async_insert_entry(actor, id, at, std::move(e), diag_, std::move(h)); });
  }
  result<void> move(user_id actor, storage::playlist_id id, std::size_t from, std::size_t to) {
    return call<void>([&](auto h) { store_->async_move_entry(actor, id, from, to, diag_, std::move(h)); });
  }
  result<void> remove(user_id actor, storage::playlist_id id, std::size_t at) {
    return call<void>([&](auto h) { store_->async_remove_entry(actor, id, at, diag_, std::move(h)); });
  }
  result<void> replace(user_id actor, storage::playlist_id id, std::vector<storage::playlist_entry> e) {
    return call<void>([&](auto h) { store_->async_replace_entries(actor, id, std::move(e), diag_, std::move(h)); });
  }
  result<storage::playlist> get(user_id actor, storage::playlist_id id) {
    return call<storage::playlist>([&](auto h) { store_->async_get_playlist(actor, id, diag_, std::move(h)); });
  }
  result<storage::playlist> find(user_id actor, user_id owner, std::string name) {
    return call<storage::playlist>([&](auto h) { store_->async_find_playlist(actor, owner, std::move(name), diag_, std::move(h)); });
  }
  result<std::vector<storage::playlist_summary>> list(user_id owner) {
    return call<std::vector<storage::playlist_summary>>([&](auto h) { store_->async_list_playlists(owner, diag_, std::move(h)); });
  }
  result<std::vector<storage::playlist_summary>> shared(std::optional<user_id> owner) {
    return call<std::vector<storage::playlist_summary>>(
        [&](auto h) { store_->async_list_shared_playlists(owner, diag_, std::move(h)); });
  }
  result<storage::user_settings> load_user(user_id id) {
    return call<storage::user_settings>([&](auto h) { store_->async_load_user(id, diag_, std::move(h)); });
  }
  result<void> save_user(storage::user_settings s) {
    return call<void>([&](auto h) { store_->async_save_user(std::move(s), diag_, std::move(h)); });
  }
  result<std::map<user_id, int>> volumes() {
    return call<std::map<user_id, int>>([&](auto h) { store_->async_load_volumes(diag_, std::move(h)); });
  }
  result<void> save_volume(user_id id, int volume) {
    return call<void>([&](auto h) { store_->async_save_volume(id, volume, diag_, std::move(h)); });
  }
  result<void> add_action(const storage::session_key& k, storage::session_action a) {
    return call<void>([&](auto h) { store_->async_add_action(k, std::move(a), diag_, std::move(h)); });
  }
  result<void> add_history(storage::history_entry e) {
    return call<void>([&](auto h) { store_->async_add_history(std::move(e), diag_, std::move(h)); });
  }
  result<std::vector<storage::history_entry>> history(storage::history_query q) {
    return call<std::vector<storage::history_entry>>([&](auto h) { store_->async_history(q, diag_, std::move(h)); });
  }
  result<storage::journal_status> append(const storage::session_key& k, std::vector<storage::journal_event> e) {
    return call<storage::journal_status>([&](auto h) { store_->async_append_events(k, std::move(e), diag_, std::move(h)); });
  }
  result<void> snapshot(const storage::session_key& k, std::uint64_t version, nlohmann::json s) {
    return call<void>([&](auto h) { store_->async_save_snapshot(k, version, std::move(s), diag_, std::move(h)); });
  }
  result<void> save_state(const storage::session_key& k, nlohmann::json state) {
    return call<void>([&](auto h) { store_->async_save_session_state(k, std::move(state), diag_, std::move(h)); });
  }
  result<std::optional<storage::session_record>> load_session(const storage::session_key& k) {
    return call<std::optional<storage::session_record>>([&](auto h) { store_->async_load_session(k, diag_, std::move(h)); });
  }
  result<std::vector<storage::session_record>> load_sessions(std::string bot) {
    return call<std::vector<storage::session_record>>(
        [&](auto h) { store_->async_load_sessions(std::move(bot), diag_, std::move(h)); });
  }
  result<void> delete_session(const storage::session_key& k) {
    return call<void>([&](auto h) { store_->async_delete_session(k, diag_, std::move(h)); });
  }
  result<void> save_node(storage::node_session s) {
    return call<void>([&](auto h) { store_->async_save_node_session(std::move(s), diag_, std::move(h)); });
  }
  result<std::vector<storage::node_session>> nodes() {
    return call<std::vector<storage::node_session>>([&](auto h) { store_->async_load_node_sessions(diag_, std::move(h)); });
  }
  result<void> delete_node(std::string name) {
    return call<void>([&](auto h) { store_->async_delete_node_session(std::move(name), diag_, std::move(h)); });
  }

 private:
  boost::asio::io_context& ctx_;
  storage::store* store_;
  diagnostics diag_;
};

}  // namespace hanabi::test
