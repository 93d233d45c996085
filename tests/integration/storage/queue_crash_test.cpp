// kill -9 in the middle of a long enqueue (issue 7): a real track_queue whose
// changes go through a queue_journal into a SQLite file, in a child process
// killed with SIGKILL. After reopening and replaying, the queue must hold
// exactly the enqueues whose versions were acknowledged as durable, and
// possibly some that were initiated after them, never a partial or a foreign
// one; the session's state document must be the last one acknowledged or newer.
#include <hanabi/queue/track_queue.hpp>
#include <hanabi/storage/queue_journal.hpp>
#include <hanabi/storage/sqlite_store.hpp>

#include "../../unit/storage/queue_replay.hpp"
#include "../../unit/storage/sync_store.hpp"
#include "crash_child.hpp"
#include "sqlite_helpers.hpp"

#include <boost/asio/executor_work_guard.hpp>

using namespace hanabi;
using namespace hanabi::test;
namespace asio = boost::asio;

namespace {

storage::session_key queue_key() { return {"alpha", guild_id{3}, channel_id{4}}; }

// The enqueue that makes version `v`: one to eight items, all derived from v.
std::vector<queue_item> enqueue_batch(std::uint64_t v) {
  std::vector<queue_item> items;
  for (std::uint64_t k = 0; k <= v % 8; ++k) items.push_back(queue_entry(static_cast<int>(v * 10 + k)));
  return items;
}

// Folds the journal into a snapshot every 200 events, so recovery also exercises snapshot + tail.
storage::compaction_config queue_compaction() {
  return {200, [](const nlohmann::json& snapshot, const std::vector<storage::journal_event>& tail) -> result<nlohmann::json> {
            auto q = replay(snapshot, tail);
            if (!q) return q.error();
            return result<nlohmann::json>(boost::system::in_place_value, q->snapshot());
          }};
}

std::unique_ptr<storage::sqlite_store> open_queue_store(asio::io_context& ctx, const std::string& path) {
  storage::sqlite_store_config config;
  config.path = path;
  config.compaction = queue_compaction();
  config.log = logger::none();
  auto opened = storage::sqlite_store::open(ctx.get_executor(), config);
  INFO((opened ? "" : opened.error().what()));
  REQUIRE(opened);
  return std::move(*opened);
}

}  // namespace

// Not a test of its own: the body of the child process. It enqueues forever, printing "submit V"
// before the enqueue that makes version V, "ack V" once the journal reports V durable, and "state S"
// once a state document {"durable": S} is acknowledged.
TEST_CASE("storage queue crash child", "[.crash-child]") {
  const char* path = std::getenv("HANABI_CRASH_DB");
  REQUIRE(path);
  asio::io_context ctx;
  auto store = open_queue_store(ctx, path);
  storage::queue_journal journal(*store, queue_key(), 0);
  queue_config qc;
  qc.on_change = journal.listener();
  track_queue queue(qc);
  auto busy = asio::make_work_guard(ctx);  // run_one must never find the io_context out of work
  diagnostics diag;
  std::uint64_t reported = 0;
  bool saving_state = false;
  auto report = [&] {
    const auto durable = journal.durable_version();
    if (durable == reported) return;
    reported = durable;
    say("ack", durable);
    if (saving_state) return;
    saving_state = true;
    store->async_save_session_state(queue_key(), {{"durable", durable}}, diag, [&, durable](error_code ec) {
      REQUIRE_FALSE(ec);
      say("state", durable);
      saving_state = false;
    });
  };
  while (true) {
    const auto v = queue.version() + 1;
    say("submit", v);
    REQUIRE(queue.enqueue(enqueue_batch(v)));
    ctx.poll();
    report();
    while (journal.recorded_version() - journal.durable_version() > 256) {  // bounded: the disk sets the pace
      ctx.run_one();
      report();
    }
  }
}

TEST_CASE("kill -9 in the middle of a long enqueue: the queue holds exactly the acknowledged enqueues") {
  temp_dir dir;
  const auto path = (dir.path() / "queue.db").string();
  auto report = run_crash_child("storage queue crash child", {{"HANABI_CRASH_DB", path}}, 1000);
  REQUIRE(report.killed);
  const std::uint64_t last_ack = report.last["ack"], last_submit = report.last["submit"];
  const std::uint64_t last_state = report.last["state"];
  INFO("last ack " << last_ack << ", last submit " << last_submit << ", last state " << last_state);

  asio::io_context ctx;
  auto reopened = open_queue_store(ctx, path);
  sync_store s(ctx, *reopened);
  auto record = s.load_session(queue_key());
  REQUIRE(record);
  REQUIRE(record->has_value());
  CHECK((*record)->snapshot_version > 0);  // compaction ran: recovery is snapshot + tail
  const track_queue recovered = replayed(**record);
  // acked ⊆ recovered ⊆ initiated, gap-free: versions are consecutive by construction of replay.
  CHECK(recovered.version() >= last_ack);
  CHECK(recovered.version() <= last_submit);
  track_queue expected;
  for (std::uint64_t v = 1; v <= recovered.version(); ++v) REQUIRE(expected.enqueue(enqueue_batch(v)));
  CHECK(recovered == expected);  // identical contents, item by item (ids, tracks, times)
  REQUIRE(last_state > 0);
  const auto& state = (*record)->state;
  REQUIRE(state.is_object());
  CHECK(state.at("durable").get<std::uint64_t>() >= last_state);
  CHECK(state.at("durable").get<std::uint64_t>() <= recovered.version());

  // The session goes on where it stopped, through a new journal.
  storage::queue_journal journal(*reopened, queue_key(), recovered.version());
  queue_config qc;
  qc.on_change = journal.listener();
  auto resumed = track_queue::restore(recovered.snapshot(), qc);
  REQUIRE(resumed);
  REQUIRE(resumed->enqueue(enqueue_batch(recovered.version() + 1)));
  CHECK(*s.call<std::uint64_t>([&](auto h) { journal.async_flush(std::move(h)); }) == recovered.version() + 1);
  reopened.reset();
  raw_db raw(path);
  CHECK(raw.column("PRAGMA integrity_check") == std::vector<std::string>{"ok"});
}
