// queue_journal's recorder path (queue_config::recorder), on a memory store: the queue's events
// stay in its strand's buffer until the hand-off the first of them posted to the strand, which runs
// after the job that made them; a flush hands off first; batches handed off while a write is in
// flight join the next write; a failed append stops the journal and fails every flush; events
// recorded when the journal object is gone are still written. The strand is an io_context of its
// own, the store's another, each run by the test when it says so: nothing happens behind its back.
#include <hanabi/queue/track_queue.hpp>
#include <hanabi/storage/memory_store.hpp>
#include <hanabi/storage/queue_journal.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "queue_replay.hpp"
#include "sync_store.hpp"

#include <catch2/catch.hpp>

#include <memory>
#include <optional>

namespace {

using namespace hanabi;
using hanabi::test::queue_entry;
using hanabi::test::replayed;
namespace asio = boost::asio;

// A journal on a memory store whose queue runs on `strand`.
struct recorder_rig {
  asio::io_context store_ctx;
  asio::io_context strand;
  storage::memory_store store{store_ctx.get_executor()};
  test::sync_store sync{store_ctx, store};
  const storage::session_key key{"alpha", guild_id{7}, channel_id{70}};
  std::optional<storage::queue_journal> journal;

  explicit recorder_rig(std::uint64_t durable_version = 0) {
    journal.emplace(store, key, durable_version);
    journal->hand_off_on(strand.get_executor());
  }
  queue_config config() const {
    queue_config c;
    c.recorder = journal->recorder();
    return c;
  }
  // Runs `job` as one job of the strand, then what it posted there; returns how many handlers ran.
  template <class Job>
  std::size_t on_strand(Job job) {
    asio::post(strand, std::move(job));
    strand.restart();
    return strand.run();
  }
  std::size_t run_store() {
    store_ctx.restart();
    return store_ctx.run();
  }
  std::uint64_t stored_version() {
    auto record = sync.load_session(key);
    REQUIRE(record);
    return *record ? (*record)->version() : 0;
  }
};

}  // namespace

TEST_CASE("queue_journal recorder: a job's events are handed off once, after the job, then written in one batch") {
  recorder_rig rig;
  track_queue q(rig.config());
  std::uint64_t recorded_during_job = 99;
  const auto handlers = rig.on_strand([&] {
    for (int i = 0; i < 5; ++i) REQUIRE(q.enqueue({queue_entry(i)}));
    recorded_during_job = rig.journal->recorded_version();
  });
  CHECK(recorded_during_job == 0);  // still in the strand's buffer while the job runs
  CHECK(handlers == 2);             // the job and one hand-off for its five events
  CHECK(rig.journal->recorded_version() == 5);
  CHECK(rig.journal->durable_version() == 0);  // the store has not run: nothing claimed
  rig.run_store();
  CHECK(rig.journal->durable_version() == 5);
  CHECK(rig.stored_version() == 5);
  auto record = rig.sync.load_session(rig.key);
  CHECK(replayed(**record) == q);
}

TEST_CASE("queue_journal recorder: batches handed off before the submitted write runs are written with it") {
  recorder_rig rig;
  track_queue q(rig.config());
  rig.on_strand([&] { REQUIRE(q.enqueue({queue_entry(1), queue_entry(2), queue_entry(3)})); });
  CHECK(rig.journal->recorded_version() == 1);  // the write of version 1 is submitted, not run
  rig.on_strand([&] {
    REQUIRE(q.move(1, 3));
    REQUIRE(q.start());
  });
  rig.on_strand([&] { REQUIRE(q.remove(std::vector<std::size_t>{2})); });
  CHECK(rig.journal->recorded_version() == 4);
  CHECK(rig.journal->durable_version() == 0);
  rig.run_store();  // one write takes all three batches
  CHECK(rig.journal->durable_version() == 4);
  CHECK(replayed(**rig.sync.load_session(rig.key)) == q);
}

TEST_CASE("queue_journal recorder: a flush on the strand hands off at once, one from elsewhere goes through the strand") {
  recorder_rig rig;
  track_queue q(rig.config());
  std::optional<std::uint64_t> flushed;
  std::uint64_t recorded_after_flush_call = 0;
  rig.on_strand([&] {
    REQUIRE(q.enqueue({queue_entry(1)}));
    REQUIRE(q.enqueue({queue_entry(2)}));
    rig.journal->async_flush([&](error_code ec, std::uint64_t v) {
      CHECK_FALSE(ec);
      flushed = v;
    });
    recorded_after_flush_call = rig.journal->recorded_version();
  });
  CHECK(recorded_after_flush_call == 2);
  CHECK_FALSE(flushed);
  rig.run_store();
  CHECK(flushed == 2u);

  // Recorded on the strand, flushed from this thread (not the strand's): the flush waits for the
  // strand to hand the batch off, then for its write.
  flushed.reset();
  asio::post(rig.strand, [&] { REQUIRE(q.skip_to(2)); });
  rig.journal->async_flush([&](error_code ec, std::uint64_t v) {
    CHECK_FALSE(ec);
    flushed = v;
  });
  rig.run_store();
  CHECK_FALSE(flushed);  // the strand has not run: the event is not even handed off
  rig.strand.restart();
  rig.strand.run();
  rig.run_store();
  CHECK(flushed == 3u);
  CHECK(rig.stored_version() == 3);
}

TEST_CASE("queue_journal recorder: a rejected append stops the journal, later batches are dropped, flushes fail") {
  recorder_rig rig;  // journals from version 0, but the store will hold version 2
  REQUIRE(rig.sync.append(rig.key, {{1, {{"type", "cleared"}}}, {2, {{"type", "cleared"}}}}));
  track_queue q(rig.config());
  rig.on_strand([&] { REQUIRE(q.enqueue({queue_entry(1)})); });
  rig.run_store();
  REQUIRE(rig.journal->failed());
  CHECK(rig.journal->failed()->code == error::version_conflict);
  CHECK(rig.journal->durable_version() == 0);
  std::optional<error_code> outcome;
  rig.on_strand([&] {
    REQUIRE(q.enqueue({queue_entry(2)}));  // recorded in the buffer, dropped at its hand-off
    rig.journal->async_flush([&](error_code ec, std::uint64_t v) {
      outcome = ec;
      CHECK(v == 0);
    });
  });
  rig.run_store();
  REQUIRE(outcome);
  CHECK(*outcome == error::version_conflict);
  CHECK(rig.journal->recorded_version() == 1);  // the dropped event was never handed off
  CHECK(rig.stored_version() == 2);
}

TEST_CASE("queue_journal recorder: events recorded after the journal object died are still handed off and written") {
  recorder_rig rig;
  std::optional<track_queue> q(rig.config());
  rig.on_strand([&] {
    REQUIRE(q->enqueue({queue_entry(1), queue_entry(2)}));
    rig.journal.reset();  // the queue's recorder and the posted hand-off keep the state
    REQUIRE(q->skip_to(2));
  });
  rig.run_store();
  CHECK(rig.stored_version() == 2);

  // Queue and journal both gone with a hand-off pending: the posted hand-off still writes.
  asio::post(rig.strand, [&] {
    REQUIRE(q->set_repeat(repeat_mode::one));
    q.reset();
  });
  rig.strand.restart();
  CHECK(rig.strand.run() == 2);
  rig.run_store();
  CHECK(rig.stored_version() == 3);
}

TEST_CASE("queue_journal recorder: without a strand, each event is handed off at once") {
  asio::io_context store_ctx;
  storage::memory_store store(store_ctx.get_executor());
  test::sync_store sync(store_ctx, store);
  const storage::session_key key{"alpha", guild_id{8}, channel_id{80}};
  storage::queue_journal journal(store, key, 0);
  queue_config config;
  config.recorder = journal.recorder();
  track_queue q(config);
  REQUIRE(q.enqueue({queue_entry(1)}));
  CHECK(journal.recorded_version() == 1);
  REQUIRE(q.enqueue({queue_entry(2)}));
  CHECK(journal.recorded_version() == 2);
  auto flushed = sync.call<std::uint64_t>([&](auto h) { journal.async_flush(std::move(h)); });
  REQUIRE(flushed);
  CHECK(*flushed == 2);
  CHECK(replayed(**sync.load_session(key)) == q);
}
