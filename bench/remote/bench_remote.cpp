// Control link benchmarks on loopback, each with its baseline measured in the same run:
// - request round trip over a parent/child link (p50, p99) against a raw Beast
//   WebSocket echo with the same threading shape (caller thread -> client io
//   thread -> server io thread -> back); goal: p50 <= 2x raw, p99 < 1 ms;
// - start to 3 children registered, against 3 raw WebSocket connects;
// - a session command (a queue move) through remote_session to a child process, against the
//   same command on a local_session and the raw echo; goal: p50 <= 2x raw, p99 < 1 ms. The
//   child is another process, so the echo it is held against has its server end in another
//   process too (this program re-executed with --echo-server); the in-process echo is reported
//   next to it.
#include <hanabi/node/node.hpp>
#include <hanabi/node/node_pool.hpp>
#include <hanabi/remote/client.hpp>
#include <hanabi/remote/server.hpp>
#include <hanabi/session/local_session.hpp>
#include <hanabi/session/remote_session.hpp>
#include <hanabi/testing/fake_node.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket.hpp>

#include <benchmark/benchmark.h>

#include <fmt/format.h>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <thread>
#include <vector>

extern char** environ;

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using namespace hanabi;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

namespace {

struct io_thread {
  asio::io_context ioc{1};
  asio::executor_work_guard<asio::io_context::executor_type> work{ioc.get_executor()};
  std::thread thread{[this] { ioc.run(); }};
  ~io_thread() {
    work.reset();
    ioc.stop();
    thread.join();
  }
};

double percentile_us(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

// --- the baseline: a raw WebSocket echo -------------------------------------------------

class echo_session : public std::enable_shared_from_this<echo_session> {
 public:
  explicit echo_session(tcp::socket s) : ws_(std::move(s)) {}
  void start() {
    ws_.next_layer().socket().set_option(tcp::no_delay(true));  // as the control link's sockets
    ws_.async_accept([self = shared_from_this()](beast::error_code ec) {
      if (!ec) self->read();
    });
  }

 private:
  void read() {
    ws_.async_read(buf_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return;
      self->ws_.text(true);
      self->ws_.async_write(self->buf_.data(), [self](beast::error_code ec, std::size_t) {
        if (ec) return;
        self->buf_.consume(self->buf_.size());
        self->read();
      });
    });
  }
  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buf_;
};

class echo_server {
 public:
  explicit echo_server(asio::io_context& ioc) : acceptor_(ioc, {asio::ip::make_address("127.0.0.1"), 0}) { accept(); }
  tcp::endpoint endpoint() const { return acceptor_.local_endpoint(); }

 private:
  void accept() {
    acceptor_.async_accept([this](beast::error_code ec, tcp::socket s) {
      if (ec) return;
      std::make_shared<echo_session>(std::move(s))->start();
      accept();
    });
  }
  tcp::acceptor acceptor_;
};

// The client side of the echo, driven from the caller's thread like link::async_request.
class echo_client {
 public:
  echo_client(asio::io_context& ioc, tcp::endpoint ep) : ws_(ioc) {
    ws_.next_layer().connect(ep);
    ws_.next_layer().set_option(tcp::no_delay(true));
    ws_.handshake("127.0.0.1", "/");
    ws_.text(true);
  }
  void round_trip(const std::string& frame) {
    std::promise<void> done;
    asio::post(ws_.get_executor(), [&] {
      ws_.async_write(asio::buffer(frame), [&](beast::error_code ec, std::size_t) {
        if (ec) return done.set_value();
        ws_.async_read(buf_, [&](beast::error_code, std::size_t) {
          buf_.consume(buf_.size());
          done.set_value();
        });
      });
    });
    done.get_future().wait();
  }

  /// `n` round trips chained on the io thread (each reply starts the next write), so no
  /// caller thread is woken per trip; the latency of each.
  std::vector<double> chained_round_trips(const std::string& frame, std::size_t n) {
    std::vector<double> out;
    out.reserve(n);
    std::promise<void> done;
    std::function<void()> next = [&] {
      if (out.size() == n) return done.set_value();
      auto t = std::chrono::steady_clock::now();
      ws_.async_write(asio::buffer(frame), [&, t](beast::error_code ec, std::size_t) {
        if (ec) return done.set_value();
        ws_.async_read(buf_, [&, t](beast::error_code, std::size_t) {
          buf_.consume(buf_.size());
          out.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t).count());
          next();
        });
      });
    };
    asio::post(ws_.get_executor(), next);
    done.get_future().wait();
    return out;
  }

 private:
  websocket::stream<tcp::socket> ws_;
  beast::flat_buffer buf_;
};

const std::string sample_args = R"({"guild":"123456789012345678","voice":"223456789012345678","level":80})";

// The same bytes a request frame carries, so both sides move comparable payloads.
const std::string echo_frame = R"({"type":"request","id":1,"op":"echo","timeout_ms":5000,"args":)" + sample_args + "}";

template <class F>
double elapsed_us(F&& f) {
  auto t = clock_type::now();
  f();
  return std::chrono::duration<double, std::micro>(clock_type::now() - t).count();
}

std::vector<double> echo_latencies(echo_client& client, std::size_t samples) {
  std::vector<double> out;
  out.reserve(samples);
  for (std::size_t i = 0; i < samples; ++i) out.push_back(elapsed_us([&] { client.round_trip(echo_frame); }));
  return out;
}

/// The echo with both ends in this process, each on its own io thread.
std::vector<double> raw_echo_latencies(std::size_t samples) {
  io_thread server_io;
  io_thread client_io;
  echo_server server(server_io.ioc);
  echo_client client(client_io.ioc, server.endpoint());
  return echo_latencies(client, samples);
}

/// The server end of the echo in another process: this program run with --echo-server, which
/// prints its port on stdout (a pipe) and echoes on one thread, as the session child does.
class echo_process {
 public:
  echo_process() {
    int out[2];
    if (::pipe(out) != 0) throw std::runtime_error("pipe");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    auto exe = std::filesystem::read_symlink("/proc/self/exe").string();
    std::string flag = "--echo-server";
    char* argv[] = {exe.data(), flag.data(), nullptr};
    int spawned = posix_spawn(&pid_, exe.c_str(), &actions, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    std::string line;
    char c = 0;
    while (spawned == 0 && ::read(out[0], &c, 1) == 1 && c != '\n') line.push_back(c);
    ::close(out[0]);
    if (spawned != 0) throw std::runtime_error("cannot start the echo process");
    auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), port_);
    if (ec != std::errc{} || port_ == 0) throw std::runtime_error("the echo process gave no port");
  }
  echo_process(const echo_process&) = delete;
  echo_process& operator=(const echo_process&) = delete;
  ~echo_process() {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  tcp::endpoint endpoint() const { return {asio::ip::make_address("127.0.0.1"), port_}; }

 private:
  pid_t pid_ = -1;
  unsigned short port_ = 0;
};

/// The echo with its server end in another process, the client on an io thread here.
struct cross_process_echo {
  echo_process server;
  io_thread client_io;
  echo_client client{client_io.ioc, server.endpoint()};
};

std::vector<double> cross_process_echo_latencies(std::size_t samples) {
  cross_process_echo echo;
  return echo_latencies(echo.client, samples);
}

int run_echo_server() {
  asio::io_context ioc{1};
  echo_server server(ioc);
  fmt::print("{}\n", server.endpoint().port());
  std::fflush(stdout);
  ioc.run();
  return 0;
}

// --- the link ----------------------------------------------------------------------------

struct linked {
  io_thread parent_io;
  io_thread child_io;
  std::unique_ptr<remote::server> parent;
  std::unique_ptr<remote::client> child;

  linked() {
    remote::server_config pc;
    pc.token = secret{"bench"};
    pc.link.log = logger::none();
    parent = std::make_unique<remote::server>(parent_io.ioc.get_executor(), pc, remote::link_handlers{});
    auto ep = parent->listen().value();
    remote::client_config cc;
    cc.port = ep.port();
    cc.name = "bench-child";
    cc.bot_id = user_id{1};
    cc.token = secret{"bench"};
    cc.link.log = logger::none();
    remote::link_handlers h;
    h.requests["echo"] = [](const nlohmann::json& args, remote::responder r) { r.ok(args); };
    child = std::make_unique<remote::client>(child_io.ioc.get_executor(), cc, std::move(h));
    child->async_run([](error_code) {});
    while (!parent->find("bench-child")) std::this_thread::sleep_for(1ms);
  }
  ~linked() {
    child->stop();
    parent->stop();
    std::this_thread::sleep_for(20ms);  // let the goodbyes go out before the threads stop
  }
};

/// Sets the counters `<prefix>p50_us` and `<prefix>p99_us`.
void report_percentiles(benchmark::State& state, const std::string& prefix, const std::vector<double>& lat) {
  state.counters[prefix + "p50_us"] = percentile_us(lat, 0.50);
  state.counters[prefix + "p99_us"] = percentile_us(lat, 0.99);
}

void BM_raw_websocket_echo(benchmark::State& state) {
  std::vector<double> lat;
  for (auto _ : state) lat = raw_echo_latencies(20000);
  report_percentiles(state, "", lat);
}
BENCHMARK(BM_raw_websocket_echo)->Iterations(1)->UseRealTime();

void BM_raw_websocket_echo_cross_process(benchmark::State& state) {
  std::vector<double> lat;
  for (auto _ : state) lat = cross_process_echo_latencies(20000);
  report_percentiles(state, "", lat);
}
BENCHMARK(BM_raw_websocket_echo_cross_process)->Iterations(1)->UseRealTime();

void BM_link_request_round_trip(benchmark::State& state) {
  auto baseline = raw_echo_latencies(20000);
  linked l;
  auto link = l.parent->find("bench-child");
  auto args = nlohmann::json::parse(sample_args);
  std::vector<double> lat;
  for (auto _ : state) {
    auto t = clock_type::now();
    auto r = link.async_request("echo", args, 5s, asio::use_future).get();
    lat.push_back(std::chrono::duration<double, std::micro>(clock_type::now() - t).count());
    benchmark::DoNotOptimize(r);
  }
  auto raw_p50 = percentile_us(baseline, 0.50);
  state.counters["p50_us"] = percentile_us(lat, 0.50);
  state.counters["p99_us"] = percentile_us(lat, 0.99);
  state.counters["raw_p50_us"] = raw_p50;
  state.counters["raw_p99_us"] = percentile_us(baseline, 0.99);
  state.counters["p50_vs_raw"] = percentile_us(lat, 0.50) / raw_p50;
}
BENCHMARK(BM_link_request_round_trip)->Iterations(20000)->UseRealTime();

// --- registration ------------------------------------------------------------------------

double raw_connects_us(unsigned short port, int n, asio::io_context& ioc) {
  auto t = clock_type::now();
  std::vector<std::unique_ptr<websocket::stream<tcp::socket>>> conns;
  for (int i = 0; i < n; ++i) {
    auto ws = std::make_unique<websocket::stream<tcp::socket>>(ioc);
    ws->next_layer().connect({asio::ip::make_address("127.0.0.1"), port});
    ws->handshake("127.0.0.1", "/");
    conns.push_back(std::move(ws));
  }
  return std::chrono::duration<double, std::micro>(clock_type::now() - t).count();
}

void BM_three_children_registered(benchmark::State& state) {
  io_thread io;
  double raw_total = 0;
  double link_total = 0;
  for (auto _ : state) {
    state.PauseTiming();
    {
      echo_server echo(io.ioc);
      asio::io_context sync_ioc;
      raw_total += raw_connects_us(echo.endpoint().port(), 3, sync_ioc);
    }
    remote::server_config pc;
    pc.token = secret{"bench"};
    pc.link.log = logger::none();
    remote::server parent(io.ioc.get_executor(), pc, remote::link_handlers{});
    auto port = parent.listen().value().port();
    state.ResumeTiming();

    auto t = clock_type::now();
    std::vector<std::unique_ptr<remote::client>> children;
    for (int i = 0; i < 3; ++i) {
      remote::client_config cc;
      cc.port = port;
      cc.name = "child-" + std::to_string(i);
      cc.bot_id = user_id{static_cast<std::uint64_t>(i + 1)};
      cc.token = secret{"bench"};
      cc.link.log = logger::none();
      children.push_back(std::make_unique<remote::client>(io.ioc.get_executor(), cc, remote::link_handlers{}));
      children.back()->async_run([](error_code) {});
    }
    while (parent.children().size() < 3) std::this_thread::yield();
    link_total += std::chrono::duration<double, std::micro>(clock_type::now() - t).count();

    state.PauseTiming();
    for (auto& c : children) c->stop();
    parent.stop();
    std::this_thread::sleep_for(20ms);
    state.ResumeTiming();
  }
  auto n = static_cast<double>(state.iterations());
  state.counters["register3_us"] = link_total / n;
  state.counters["raw_connect3_us"] = raw_total / n;
  state.counters["vs_raw"] = link_total / raw_total;
}
BENCHMARK(BM_three_children_registered)->Iterations(50)->UseRealTime();

// --- a session command through remote_session --------------------------------------------
//
// The command is a queue move (items 2 and 3 swap places, back and forth): a queue operation
// with no Lavalink call, so the figures are the session layer's and the link's own cost.
// Three measurements in one run: the command on a local_session in this process (called from
// the benchmark thread, completing on the pool's strand), the same command through a
// remote_session to a real child process (tools/session-child) holding a local_session, and
// the raw WebSocket echo baseline of the same threading shape.

const user_id bench_user{1001};
const session_address bench_where{guild_id{4242}, channel_id{7007}};

// A local_session on a fake node, its Discord voice answers simulated as the child does.
struct local_rig {
  io_thread io;
  testing::fake_node fake{quiet_fake()};
  std::shared_ptr<node> lavalink;
  std::unique_ptr<node_pool> pool;
  std::shared_ptr<local_session> s;

  static testing::fake_node_options quiet_fake() {
    testing::fake_node_options o;
    o.log = logger::none();
    return o;
  }

  local_rig() {
    fake.start();
    node_config c;
    c.name = "fake";
    c.url = fake.base_url();
    c.password = secret{"youshallnotpass"};
    c.user = user_id{99};
    c.log = logger::none();
    lavalink = std::make_shared<node>(io.ioc.get_executor(), c);
    lavalink->async_run([](error_code) {});
    pool_config pc;
    pc.log = logger::none();
    pool = std::make_unique<node_pool>(asio::make_strand(io.ioc), pc);
    pool->add_node(lavalink);
    while (pool->stats().nodes.empty() || !pool->stats().nodes.front().available)
      std::this_thread::sleep_for(1ms);
    local_session_config cfg;
    cfg.bot = user_id{99};
    cfg.search_prefix = "fakesearch:";
    cfg.passthrough_prefixes = {"fake:"};
    cfg.load_tracks = load_tracks_from(lavalink);
    cfg.send_gateway = [this](const gateway_voice_update& op) {
      s->on_voice_state_update({op.guild, user_id{99}, op.channel, "bench-voice"});
      if (op.channel) s->on_voice_server_update({op.guild, "bench-token", std::string("bench.discord.media:443")});
    };
    std::promise<void> made;
    asio::post(pool->get_executor(), [&] {
      s = local_session::create(*pool, bench_where, cfg).value();
      made.set_value();
    });
    made.get_future().wait();
  }
  ~local_rig() {
    std::promise<void> closed;
    asio::post(pool->get_executor(), [&] {
      s->close(close_reason::shutdown);
      closed.set_value();
    });
    closed.get_future().wait();
    std::this_thread::sleep_for(50ms);
    lavalink->cancel();
  }
};

/// `n` moves chained by their completion handlers, which run on the session's strand: no caller
/// thread is woken per command, as in a bot whose command handlers run on the io thread.
std::vector<double> chained_moves(session& s, std::size_t n) {
  diagnostics d;
  std::vector<double> out;
  out.reserve(n);
  std::promise<void> done;
  std::function<void()> next = [&] {
    if (out.size() == n) return done.set_value();
    auto t = clock_type::now();
    s.async_move({2, 3, bench_user}, d, [&, t](error_code ec) {
      if (ec) return done.set_value();
      out.push_back(std::chrono::duration<double, std::micro>(clock_type::now() - t).count());
      next();
    });
  };
  next();
  done.get_future().wait();
  return out;
}

// Connects, fills the queue with three tracks, then times `samples` moves.
std::vector<double> session_move_latencies(session& s, std::size_t samples) {
  diagnostics d;
  s.async_connect({bench_user}, d, asio::use_future).get();
  for (const char* q : {"fake:track:a", "fake:track:b", "fake:track:c"})
    s.async_play({q, bench_user}, d, asio::use_future).get();
  std::vector<double> out;
  out.reserve(samples);
  for (std::size_t i = 0; i < samples; ++i) {
    auto t = clock_type::now();
    s.async_move({2, 3, bench_user}, d, asio::use_future).get();
    out.push_back(std::chrono::duration<double, std::micro>(clock_type::now() - t).count());
  }
  return out;
}

// The parent: a control server, and a child process (hanabi-session-child) playing on a fake node.
struct remote_rig {
  io_thread io;
  testing::fake_node fake{local_rig::quiet_fake()};
  std::unique_ptr<remote::server> server;
  pid_t child = -1;

  explicit remote_rig(std::vector<std::string> child_options = {}) {
    fake.start();
    remote::server_config sc;
    sc.token = secret{"bench"};
    sc.link.log = logger::none();
    server = std::make_unique<remote::server>(io.ioc.get_executor(), sc, remote::link_handlers{});
    auto port = server->listen().value().port();
    auto exe = std::filesystem::path(HANABI_BINARY_DIR) / "tools/session-child/hanabi-session-child";
    std::vector<std::string> args{exe.string(), "--parent", fmt::format("127.0.0.1:{}", port), "--token", "bench",
                                  "--name", "child-1", "--bot-id", "98", "--node", fake.base_url(), "--password",
                                  "youshallnotpass", "--search-prefix", "fakesearch:", "--passthrough", "fake:"};
    args.insert(args.end(), child_options.begin(), child_options.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawn(&child, argv[0], nullptr, nullptr, argv.data(), environ) != 0) throw std::runtime_error("spawn");
    while (!server->find("child-1")) std::this_thread::sleep_for(1ms);
  }
  ~remote_rig() {
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
    server->stop();
  }
};

// The remote command is timed in a tight loop, as the echoes and the local session are (the
// headline figures). Then, as a check against this shared machine's changing load, the command
// and the cross-process echo alternate, one of each at a time, so both see the same moments
// (the alt_* counters; both run colder that way, as each wakes after the other's turn). Last,
// both chained on their io threads, without a caller thread (chained_*).
void remote_session_round_trip(benchmark::State& state, std::vector<std::string> child_options) {
  const auto samples = static_cast<std::size_t>(state.max_iterations);
  auto raw_in_process = raw_echo_latencies(samples);
  std::vector<double> local;
  {
    local_rig l;
    local = session_move_latencies(*l.s, samples);
  }
  remote_rig r(std::move(child_options));
  auto s = remote_session::create(r.io.ioc.get_executor(), r.server->find("child-1"), bench_where, "child-1");
  diagnostics d;
  s->async_connect({bench_user}, d, asio::use_future).get();
  for (const char* q : {"fake:track:a", "fake:track:b", "fake:track:c"})
    s->async_play({q, bench_user}, d, asio::use_future).get();
  cross_process_echo echo;
  auto move = [&] { s->async_move({2, 3, bench_user}, d, asio::use_future).get(); };
  std::vector<double> lat;
  lat.reserve(samples);
  for (auto _ : state) lat.push_back(elapsed_us(move));
  auto raw = echo_latencies(echo.client, samples);
  std::vector<double> alt, alt_raw;
  for (std::size_t i = 0; i < samples; ++i) {
    alt_raw.push_back(elapsed_us([&] { echo.client.round_trip(echo_frame); }));
    alt.push_back(elapsed_us(move));
  }
  auto chained = chained_moves(*s, samples);
  auto chained_raw = echo.client.chained_round_trips(echo_frame, samples);
  // raw_*: the echo across a process boundary, as the child is; raw_inproc_*: both ends here.
  for (auto& [prefix, v] : {std::pair{"", &lat}, {"raw_", &raw}, {"raw_inproc_", &raw_in_process}, {"local_", &local},
                            {"alt_", &alt}, {"alt_raw_", &alt_raw}, {"chained_", &chained}, {"chained_raw_", &chained_raw}})
    report_percentiles(state, prefix, *v);
  auto p50 = [](const std::vector<double>& v) { return percentile_us(v, 0.50); };
  state.counters["p50_vs_raw"] = p50(lat) / p50(raw);
  state.counters["p50_vs_raw_inproc"] = p50(lat) / p50(raw_in_process);
  state.counters["p50_vs_local"] = p50(lat) / p50(local);
  state.counters["alt_p50_vs_raw"] = p50(alt) / p50(alt_raw);
  state.counters["chained_p50_vs_raw"] = p50(chained) / p50(chained_raw);
}

// The child as deployed: a command's state_changed event follows its answer, at most one per 50 ms.
void BM_remote_session_round_trip(benchmark::State& state) { remote_session_round_trip(state, {}); }
BENCHMARK(BM_remote_session_round_trip)->Iterations(10000)->UseRealTime();

// Every state_changed event sent at once, before the answer (the child's behaviour before the
// state events were coalesced): what each command's 800-byte state event costs on the path.
void BM_remote_session_round_trip_every_state(benchmark::State& state) {
  remote_session_round_trip(state, {"--state-event-interval-ms", "0"});
}
BENCHMARK(BM_remote_session_round_trip_every_state)->Iterations(10000)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::strcmp(argv[1], "--echo-server") == 0) return run_echo_server();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
