// Test helper: queue items shaped like real load results, and what recovery
// does with a stored session (restore the snapshot, replay the tail). Shared
// by the store contract and the kill -9 test of the queue journal.
#pragma once

#include <hanabi/queue/track_queue.hpp>
#include <hanabi/storage/records.hpp>

#include <catch2/catch.hpp>

#include <string>

namespace hanabi::test {

// A queue item shaped like a real load result.
inline queue_item queue_entry(int n) {
  protocol::track t;
  t.encoded = "QAAA" + std::string(40, 'A') + std::to_string(n);
  t.info.identifier = "id" + std::to_string(n);
  t.info.title = "Song " + std::to_string(n);
  t.info.author = "Artist";
  t.info.length = 180'000;
  t.info.source_name = "youtube";
  return make_queue_item(t, user_id{42}, 1'700'000'000'000 + n);
}

// What recovery does: the snapshot (or an empty queue) with the tail replayed. No Catch2 macros:
// it also serves as a compaction fold, which runs on the store's thread.
inline result<track_queue> replay(const nlohmann::json& snapshot, const std::vector<storage::journal_event>& tail) {
  auto q = snapshot.is_null() ? result<track_queue>(track_queue{}) : track_queue::restore(snapshot);
  if (!q) return q.error();
  for (const auto& e : tail) {
    auto event = queue_event_from_json(e.body);
    if (!event) return event.error();
    if (auto applied = q->apply(*event); !applied) return applied.error();
  }
  return q;
}

inline track_queue replayed(const storage::session_record& r) {
  auto q = replay(r.snapshot, r.tail);
  INFO((q ? "" : q.error().what()));
  REQUIRE(q);
  return std::move(*q);
}

}  // namespace hanabi::test
