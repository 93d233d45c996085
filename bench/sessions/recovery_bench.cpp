// Time to recover 1,000 sessions with 100 items each (issue 7), the session half: async_recover
// over a SQLite file and a fake node on loopback (load, replay, create, rejoin voice, restart each
// track where it was). Baseline in the same run: async_load_sessions of the same records alone
// (the store half), so the ratio is what rebuilding the sessions adds to reading them.
#include <hanabi/session/recovery.hpp>
#include <hanabi/storage/sqlite_store.hpp>
#include <hanabi/testing/fake_node.hpp>

#include <benchmark/benchmark.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include <filesystem>
#include <map>
#include <stdexcept>

namespace {

using namespace hanabi;
constexpr std::size_t session_count = 1000, items_per_session = 100;
const user_id bot{170939974227541168ULL};

struct world {
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(io);
  std::filesystem::path db = std::filesystem::temp_directory_path() / "hanabi-recovery-bench.db";
  testing::fake_node fake;
  std::unique_ptr<storage::sqlite_store> store;
  std::shared_ptr<node> lavalink;
  std::unique_ptr<node_pool> pool;
  std::map<guild_id, std::shared_ptr<local_session>> sessions;

  world() {
    std::filesystem::remove(db);
    fake.start();
    storage::sqlite_store_config sc;
    sc.path = db.string();
    sc.log = logger::none();
    store = storage::sqlite_store::open(io.get_executor(), sc).value();
    node_config nc;
    nc.url = fake.base_url();
    nc.password = secret{"youshallnotpass"};
    nc.user = bot;
    nc.log = logger::none();
    lavalink = std::make_shared<node>(io.get_executor(), nc);
    lavalink->async_run([](error_code) {});
    pool_config pc;
    pc.log = logger::none();
    pool = std::make_unique<node_pool>(asio::make_strand(io), pc);
    pool->add_node(lavalink);
    until([&] { return !pool->stats().nodes.empty() && pool->stats().nodes.front().available; });
    populate();
  }

  void until(const std::function<bool()>& done) {
    const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (!done()) {
      if (std::chrono::steady_clock::now() > limit) throw std::runtime_error("recovery bench: stuck");
      io.run_for(std::chrono::milliseconds(1));
    }
  }

  // 1,000 stored sessions: 100 loaded tracks each, the second one playing at 1 minute.
  void populate() {
    std::optional<protocol::load_result> loaded;
    lavalink->async_load_tracks("fake:playlist:100", [&](error_code ec, protocol::load_result r) {
      if (ec) throw std::runtime_error("recovery bench: load failed");
      loaded = std::move(r);
    });
    until([&] { return loaded.has_value(); });
    const auto& tracks = std::get<protocol::playlist_loaded>(*loaded).tracks;
    std::size_t written = 0;
    diagnostics diag;
    for (std::size_t i = 0; i < session_count; ++i) {
      std::vector<storage::journal_event> events;
      queue_config qc;
      qc.on_change = [&](const queue_event& e) { events.push_back({e.version, to_json_value(e)}); };
      track_queue q(qc);
      std::vector<queue_item> items;
      for (std::size_t k = 0; k < items_per_session; ++k) items.push_back(make_queue_item(tracks[k], user_id{42}, 0));
      (void)q.enqueue(std::move(items));
      (void)q.skip_to(2);
      const storage::session_key key{"bench", guild_id{i + 1}, channel_id{i + 1}};
      store->async_append_events(key, std::move(events), diag, [&](error_code, storage::journal_status) { ++written; });
      session_state s;
      s.active = true;
      s.current = now_playing{};
      s.current->position = 60'000;
      store->async_save_session_state(key, state_document(s, 0), diag, [&](error_code) { ++written; });
    }
    until([&] { return written == 2 * session_count; });
  }

  recovery_config config() {
    recovery_config rc;
    rc.bot_name = "bench";
    rc.session_config = [this](const session_address& where) {
      local_session_config cfg;
      cfg.bot = bot;
      cfg.load_tracks = load_tracks_from(lavalink);
      cfg.send_gateway = [this, g = where.guild](const gateway_voice_update& op) {
        auto& s = sessions[g];
        s->on_voice_state_update({g, bot, op.channel, "voice-session"});
        if (op.channel) s->on_voice_server_update({g, "token", std::string("example.discord.media:443")});
      };
      return cfg;
    };
    rc.on_created = [this](const std::shared_ptr<local_session>& s) { sessions[s->address().guild] = s; };
    return rc;
  }

  // Closes them as a shutdown does (the records stay for the next round).
  void shut_down() {
    for (auto& [g, s] : sessions) s->close(close_reason::shutdown);
    until([&] { return pool->stats().players == 0; });
    sessions.clear();
  }
};

world& the_world() {
  static world w;
  return w;
}

void baseline_load_sessions(benchmark::State& state) {
  auto& w = the_world();
  diagnostics diag;
  for (auto _ : state) {
    std::size_t got = 0;
    w.store->async_load_sessions("bench", diag, [&](error_code, std::vector<storage::session_record> r) { got = r.size(); });
    w.until([&] { return got != 0; });
    if (got != session_count) throw std::runtime_error("recovery bench: records missing");
  }
}
BENCHMARK(baseline_load_sessions)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(5);

void recover_sessions(benchmark::State& state) {
  auto& w = the_world();
  for (auto _ : state) {
    std::optional<recovery_report> report;
    async_recover(*w.store, *w.pool, w.config(), [&](error_code, recovery_report r) { report = std::move(r); });
    w.until([&] { return report.has_value(); });
    if (report->recovered.size() != session_count) throw std::runtime_error("recovery bench: sessions lost");
    state.PauseTiming();
    w.shut_down();
    state.ResumeTiming();
  }
}
BENCHMARK(recover_sessions)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

}  // namespace
