// Parent plus 3 children, from start to all registered: a session_manager listens, a supervisor
// spawns 3 real child processes, and the clock stops when the manager has all 3 links up (the
// children have dialled in, said hello with their token and been answered ready). Baseline in the
// same run: the same supervisor spawning 3 trivial processes (/bin/true) until all 3 have exited,
// i.e. what process creation alone costs on this machine. Goal: under 1 s (issue 6).
#include <hanabi/session/session_manager.hpp>
#include <hanabi/session/supervisor.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

namespace asio = boost::asio;
using namespace hanabi;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

namespace {

struct io_thread {
  asio::io_context ioc;
  asio::executor_work_guard<asio::io_context::executor_type> work{ioc.get_executor()};
  std::thread thread{[this] { ioc.run(); }};
  ~io_thread() {
    work.reset();
    ioc.stop();
    thread.join();
  }
};

const std::string child_exe =
    (std::filesystem::path(HANABI_BINARY_DIR) / "tools/remote-echo-child/hanabi_remote_echo_child").string();

supervisor_config three_of(std::function<child_program(int)> make) {
  supervisor_config cfg;
  for (int i = 1; i <= 3; ++i) cfg.children.push_back(make(i));
  cfg.restart.initial_delay = std::chrono::hours{1};  // a trivial child exits at once: never restart it here
  cfg.log = logger::none();
  return cfg;
}

double trivial_spawns_us(io_thread& io) {
  std::atomic<int> exited{0};
  auto cfg = three_of([](int i) { return child_program{"true-" + std::to_string(i), "/bin/true"}; });
  cfg.on_exit = [&](const child_exit&) { ++exited; };
  auto t = clock_type::now();
  supervisor sup(io.ioc.get_executor(), cfg);
  if (!sup.start()) return 0;
  while (exited < 3) std::this_thread::yield();
  auto us = std::chrono::duration<double, std::micro>(clock_type::now() - t).count();
  sup.async_stop(asio::use_future).get();
  return us;
}

double registered_us(io_thread& io) {
  auto t = clock_type::now();
  session_manager_config mc;
  mc.children = {"child-1", "child-2", "child-3"};
  mc.server.token = secret{"bench-token"};
  mc.server.link.log = logger::none();
  mc.log = logger::none();
  session_manager manager(io.ioc.get_executor(), mc, {}, {});
  auto port = manager.listen().value().port();
  auto cfg = three_of([port](int i) {
    return child_program{"child-" + std::to_string(i), child_exe,
                         {"--port", std::to_string(port), "--token", "bench-token", "--name", "child-" + std::to_string(i)}};
  });
  supervisor sup(io.ioc.get_executor(), cfg);
  if (!sup.start()) return 0;
  while (manager.children().size() < 3) std::this_thread::yield();
  auto us = std::chrono::duration<double, std::micro>(clock_type::now() - t).count();
  sup.async_stop(asio::use_future).get();
  manager.stop();
  return us;
}

void BM_parent_and_3_children_registered(benchmark::State& state) {
  if (!std::filesystem::exists(child_exe)) return state.SkipWithError("build hanabi_remote_echo_child first");
  io_thread io;
  double trivial_total = 0;
  double registered_total = 0;
  for (auto _ : state) {
    trivial_total += trivial_spawns_us(io);
    registered_total += registered_us(io);
  }
  auto n = static_cast<double>(state.iterations());
  state.counters["registered3_ms"] = registered_total / n / 1000.0;
  state.counters["true3_ms"] = trivial_total / n / 1000.0;
  state.counters["vs_true"] = registered_total / trivial_total;
}
BENCHMARK(BM_parent_and_3_children_registered)->Iterations(20)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
