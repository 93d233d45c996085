// The journal's hand-off to a SQLite store's thread (detail/job_thread.hpp): a hand-off while the
// thread is awake wakes nobody and is written at the thread's next look; one to an idle thread
// wakes it; a flush completes only once its versions are committed; many journals share the
// thread; closing the store writes what was handed off and fails what comes after. Every claim is
// read from the thread's own counters (job_thread_stats) and from the database, never from clocks:
// the stores that must stay awake are given a ten-minute window, so that the thread sleeps through
// the test unless something wakes it, and is woken on purpose by an ordinary store operation.
#include <hanabi/queue/track_queue.hpp>
#include <hanabi/storage/queue_journal.hpp>
#include <hanabi/storage/sqlite_store.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_future.hpp>

#include "io_thread.hpp"
#include "queue_replay.hpp"
#include "result_printer.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace hanabi;
using hanabi::test::eventually;
using hanabi::test::queue_entry;
using hanabi::test::replayed;
namespace asio = boost::asio;

// A store whose thread, once it has run something, sleeps ten minutes between looks for hand-offs,
// one job per batch: it only looks again when an ordinary operation (which always wakes it) or
// close() does.
storage::sqlite_store_config drowsy_config() {
  storage::sqlite_store_config config;
  config.batch_window = std::chrono::minutes{10};
  config.batch_limit = 1;
  return config;
}

// A SQLite store on a new database file, its handlers run by their own thread; the queues' strand
// is an io_context the test runs itself.
struct handoff_rig {
  explicit handoff_rig(storage::sqlite_store_config config = {}) {
    std::string pattern = (std::filesystem::temp_directory_path() / "hanabi-handoff-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()));
    dir = pattern;
    config.path = (dir / "handoff.db").string();
    config.log = logger::none();
    store = open(config);
  }
  ~handoff_rig() {
    store.reset();
    std::filesystem::remove_all(dir);
  }

  std::unique_ptr<storage::sqlite_store> open(storage::sqlite_store_config config) {
    auto opened = storage::sqlite_store::open(io.ioc.get_executor(), std::move(config));
    REQUIRE(opened);
    return std::move(*opened);
  }
  // Runs `job` as one job of the strand, and whatever it posted there.
  template <class Job>
  void on_strand(Job job) {
    asio::post(strand, std::move(job));
    strand.restart();
    strand.run();
  }
  detail::job_thread_stats stats() const { return store->thread_stats(); }
  // Through an ordinary operation: it wakes the thread, which also takes what was handed off.
  std::optional<storage::session_record> load(storage::store& from, const storage::session_key& key) {
    return from.async_load_session(key, diag, asio::use_future).get();
  }
  // Until the thread sleeps with no timeout (as it does before its first job).
  bool idle_now() const {
    return eventually([&] { return stats().idle; });
  }
  // Until the thread sleeps one interval (it increments `polls` under its lock, then waits).
  bool polling_after(std::uint64_t polls) const {
    return eventually([&] { return stats().polls > polls; });
  }

  test::io_thread io;
  std::filesystem::path dir;
  std::unique_ptr<storage::sqlite_store> store;
  asio::io_context strand;
  diagnostics diag;
};

// A queue journaled into the rig's store, recording on the rig's strand.
struct journaled_queue {
  journaled_queue(handoff_rig& rig, std::uint64_t channel)
      : key{"handoff", guild_id{channel}, channel_id{channel}}, journal(*rig.store, key, 0) {
    journal.hand_off_on(rig.strand.get_executor());
    queue_config config;
    config.recorder = journal.recorder();
    queue.emplace(config);
  }
  storage::session_key key;
  storage::queue_journal journal;
  std::optional<track_queue> queue;
};

// One async_flush's outcome, set on the store's handler thread.
struct flush_outcome {
  std::atomic<bool> done{false};
  error_code ec;
  std::uint64_t version = 0;

  void start(storage::queue_journal& journal) {
    journal.async_flush([this](error_code e, std::uint64_t v) {
      ec = e;
      version = v;
      done.store(true);
    });
  }
  bool arrived() const {
    return eventually([this] { return done.load(); });
  }
};

}  // namespace

TEST_CASE("journal hand-off: from idle, one hand-off wakes the store's thread, which goes idle again after") {
  handoff_rig rig;
  journaled_queue q(rig, 1);
  REQUIRE(rig.idle_now());  // nothing ran yet: it sleeps with no timeout
  const auto before = rig.stats();
  CHECK(before.hand_off_wakes == 0);
  CHECK(before.polls == 0);

  flush_outcome flushed;
  rig.on_strand([&] {
    REQUIRE(q.queue->enqueue({queue_entry(1), queue_entry(2)}));
    REQUIRE(q.queue->skip_to(2));
    flushed.start(q.journal);
  });
  REQUIRE(flushed.arrived());
  CHECK_FALSE(flushed.ec);
  CHECK(flushed.version == 2);
  CHECK(rig.stats().hand_off_wakes == 1);

  // Nothing more comes: after one empty interval it sleeps with no timeout, and stays so.
  REQUIRE(eventually([&] { return rig.stats().idle_sleeps == before.idle_sleeps + 1 && rig.stats().idle; }));
  const auto idle = rig.stats();
  CHECK(idle.polls >= 1);
  std::this_thread::sleep_for(std::chrono::milliseconds{50});  // 50 intervals of the default window
  const auto later = rig.stats();
  CHECK(later.idle);
  CHECK(later.polls == idle.polls);
  CHECK(later.idle_sleeps == idle.idle_sleeps);
  CHECK(later.batches == idle.batches);
  auto record = rig.load(*rig.store, q.key);
  REQUIRE(record);
  CHECK(record->version() == 2);
  CHECK(replayed(*record) == *q.queue);
}

TEST_CASE("journal hand-off: while the thread is awake a hand-off wakes nobody, and its flush waits for the write") {
  handoff_rig rig(drowsy_config());
  journaled_queue q(rig, 2);
  REQUIRE(rig.idle_now());
  flush_outcome first;
  rig.on_strand([&] {
    REQUIRE(q.queue->enqueue({queue_entry(1)}));
    first.start(q.journal);
  });
  REQUIRE(first.arrived());
  CHECK(first.version == 1);
  CHECK(rig.stats().hand_off_wakes == 1);  // it was idle
  REQUIRE(rig.polling_after(0));           // now asleep for one (ten-minute) interval

  flush_outcome second;
  rig.on_strand([&] {
    REQUIRE(q.queue->enqueue({queue_entry(2), queue_entry(3)}));
    REQUIRE(q.queue->move(1, 3));
    second.start(q.journal);
  });
  const auto awake = rig.stats();
  CHECK(awake.hand_off_wakes == 1);  // the hand-off woke nobody
  CHECK_FALSE(awake.idle);
  CHECK(awake.polls == 1);
  CHECK(q.journal.recorded_version() == 3);
  // The thread sleeps and nobody woke it: the batch is not written, so the flush cannot be done.
  CHECK_FALSE(second.done.load());
  CHECK(q.journal.durable_version() == 1);

  // Its next look (here: an ordinary operation wakes it) takes the handed-off batch.
  (void)rig.load(*rig.store, q.key);
  REQUIRE(second.arrived());
  CHECK_FALSE(second.ec);
  CHECK(second.version == 3);
  CHECK(q.journal.durable_version() == 3);
  auto record = rig.load(*rig.store, q.key);
  REQUIRE(record);
  CHECK(record->version() == 3);
  CHECK(replayed(*record) == *q.queue);
  CHECK(rig.stats().hand_off_wakes == 1);
}

TEST_CASE("journal hand-off: many journals on one store are all written, each flush with its own version") {
  handoff_rig rig;
  std::vector<std::unique_ptr<journaled_queue>> queues;
  for (std::uint64_t i = 0; i < 8; ++i) queues.push_back(std::make_unique<journaled_queue>(rig, 10 + i));
  std::vector<flush_outcome> flushed(queues.size());
  for (int round = 0; round < 5; ++round) {
    rig.on_strand([&] {
      for (std::size_t i = 0; i < queues.size(); ++i)
        for (std::size_t n = 0; n <= i; ++n) REQUIRE(queues[i]->queue->enqueue({queue_entry(static_cast<int>(n))}));
    });
  }
  rig.on_strand([&] {
    for (std::size_t i = 0; i < queues.size(); ++i) flushed[i].start(queues[i]->journal);
  });
  for (std::size_t i = 0; i < queues.size(); ++i) {
    REQUIRE(flushed[i].arrived());
    CHECK_FALSE(flushed[i].ec);
    CHECK(flushed[i].version == 5 * (i + 1));
    auto record = rig.load(*rig.store, queues[i]->key);
    REQUIRE(record);
    CHECK(record->version() == 5 * (i + 1));
    CHECK(replayed(*record) == *queues[i]->queue);
  }
}

TEST_CASE("journal hand-off: close writes every batch handed off before it, later ones fail with storage_failure") {
  handoff_rig rig(drowsy_config());
  std::vector<std::unique_ptr<journaled_queue>> queues;
  for (std::uint64_t i = 0; i < 3; ++i) queues.push_back(std::make_unique<journaled_queue>(rig, 20 + i));
  REQUIRE(rig.idle_now());
  flush_outcome warm;
  rig.on_strand([&] {
    REQUIRE(queues[0]->queue->enqueue({queue_entry(0)}));
    warm.start(queues[0]->journal);
  });
  REQUIRE(warm.arrived());
  REQUIRE(rig.polling_after(0));  // asleep for ten minutes: only close() will wake it now

  std::vector<flush_outcome> flushed(queues.size());
  rig.on_strand([&] {
    for (std::size_t i = 0; i < queues.size(); ++i) {
      REQUIRE(queues[i]->queue->enqueue({queue_entry(1), queue_entry(2)}));
      flushed[i].start(queues[i]->journal);
    }
  });
  CHECK(rig.stats().hand_off_wakes == 1);
  for (auto& f : flushed) CHECK_FALSE(f.done.load());
  rig.store->close();
  for (std::size_t i = 0; i < queues.size(); ++i) {
    REQUIRE(flushed[i].arrived());
    CHECK_FALSE(flushed[i].ec);
    CHECK(flushed[i].version == (i == 0 ? 2u : 1u));
  }

  // Handed off after close: the flush fails with a typed error and the journal stops.
  flush_outcome late;
  rig.on_strand([&] {
    REQUIRE(queues[1]->queue->skip_to(2));
    late.start(queues[1]->journal);
  });
  REQUIRE(late.arrived());
  CHECK(late.ec == error::storage_failure);
  CHECK(late.version == 1);  // the durable version: the event after it is lost
  REQUIRE(queues[1]->journal.failed());
  CHECK(queues[1]->journal.failed()->code == error::storage_failure);

  // What the flushes acknowledged is in the file.
  auto config = drowsy_config();
  config.path = (rig.dir / "handoff.db").string();
  config.log = logger::none();
  auto reopened = rig.open(config);
  for (std::size_t i = 0; i < queues.size(); ++i) {
    auto record = rig.load(*reopened, queues[i]->key);
    REQUIRE(record);
    CHECK(record->version() == flushed[i].version);
  }
}
