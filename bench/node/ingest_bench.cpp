// Event ingest: the client's own CPU per WebSocket message (issue 3), three ways over the same bytes:
//
//  ingest/beast_read     a bare Beast websocket client reads every message and drops it. Reference.
//  ingest/hanabi_frames  hanabi's transport::ws_client (its own frame parser after the upgrade) reads
//                        every message and counts it: no JSON. The issue's "raw frames" baseline.
//  ingest/node_dispatch  hanabi::node: ws_client, decode, update the player mirror, call one subscriber.
//
// The backlog: 50,000 playerUpdates for 1,000 guilds, serialized once into WebSocket frames. A small
// server in this file (its own thread) accepts the upgrade, sends `ready`, and on release writes the
// whole backlog with a 4 MiB send buffer. The client does not read until the server's writes have
// stalled or finished, so its reads find the kernel buffers full (as much of the backlog as they hold;
// `queued` reports the fraction) rather than a trickle from a slow writer, which made the cheaper
// reader wake up more often per message and look slower (the flaw of the previous method).
//
// The client's io_context runs on the benchmark thread and the time reported is that thread's CPU time
// (CLOCK_THREAD_CPUTIME_ID: user + system, including the kernel's receive path), from the first read
// to the last message delivered. The server's thread is not counted. Its writes are a few large
// send() calls of prebuilt bytes, so both clients face the same server. `allocs_per_msg` counts the
// client thread's operator new calls over the same span (a thread-local counter: no contention).
//
//   bench_node_ingest [--benchmark_repetitions=3]
#include <hanabi/detail/url.hpp>
#include <hanabi/node/node.hpp>
#include <hanabi/transport/ws_client.hpp>

#include <benchmark/benchmark.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <cstdlib>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

namespace {
thread_local std::uint64_t thread_allocations = 0;  // operator new calls made by this thread
}  // namespace

void* operator new(std::size_t size) {
  ++thread_allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc{};
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace {

constexpr std::size_t backlog_guilds = 1000;
constexpr std::size_t backlog_messages = 50'000;

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// What Lavalink sends: compact, in the server's key order.
std::string player_update(std::size_t i) {
  return fmt::format(R"({{"op":"playerUpdate","guildId":"{}","state":{{"time":{},"position":{},"connected":true,"ping":{}}}}})",
                     817327181659111454ULL + i % backlog_guilds, 1500467109000 + i * 5000, i * 5000 % 3'600'000,
                     20 + i % 30);
}

// Unmasked server-to-client text frames (RFC 6455 §5.2), one per message, back to back.
std::string frames_of(std::size_t messages) {
  std::string out;
  for (std::size_t i = 0; i < messages; ++i) {
    auto text = player_update(i);
    out += '\x81';
    if (text.size() < 126) {
      out += static_cast<char>(text.size());
    } else {
      out += static_cast<char>(126);
      out += static_cast<char>(text.size() >> 8);
      out += static_cast<char>(text.size() & 0xff);
    }
    out += text;
  }
  return out;
}

/// A WebSocket server that sends `ready`, then on release() the prebuilt backlog. One client at a time.
class backlog_server {
 public:
  backlog_server() : blob_(frames_of(backlog_messages)) {
    acceptor_.open(tcp::v4());
    acceptor_.bind({asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    asio::co_spawn(ioc_, accept_loop(), asio::detached);
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~backlog_server() {
    asio::post(ioc_, [this] { ioc_.stop(); });
    thread_.join();
  }

  std::string url() const { return fmt::format("ws://127.0.0.1:{}", acceptor_.local_endpoint().port()); }
  std::size_t backlog_bytes() const { return blob_.size(); }

  /// Starts writing the backlog to the connected client; returns the fraction of it that the kernel
  /// has taken once the writes stall (the client is not reading yet) or finish.
  double release_and_wait_until_queued() {
    written_ = 0;
    asio::post(ioc_, [this] {
      released_ = true;
      go_.cancel();
    });
    std::size_t last = 0;
    for (int unchanged = 0; unchanged < 3 && written_.load() < blob_.size();) {
      std::this_thread::sleep_for(10ms);
      const std::size_t now = written_.load();
      unchanged = now == last ? unchanged + 1 : 0;
      last = now;
    }
    return static_cast<double>(written_.load()) / static_cast<double>(blob_.size());
  }

 private:
  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto socket = co_await acceptor_.async_accept(asio::use_awaitable);
      co_await serve(std::move(socket));
    }
  }

  asio::awaitable<void> serve(tcp::socket socket) {
    try {
      socket.set_option(asio::socket_base::send_buffer_size(4 << 20));
      websocket::stream<tcp::socket> ws(std::move(socket));
      ws.set_option(websocket::stream_base::decorator(
          [](websocket::response_type& res) { res.set("Lavalink-Api-Version", "4"); }));
      co_await ws.async_accept(asio::use_awaitable);
      released_ = false;
      go_.expires_at(asio::steady_timer::time_point::max());
      const std::string ready = R"({"op":"ready","resumed":false,"sessionId":"bench"})";
      co_await ws.async_write(asio::buffer(ready), asio::use_awaitable);
      boost::system::error_code ignored;
      if (!released_) co_await go_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
      auto& raw = ws.next_layer();  // the frames are already encoded: write them under the WebSocket layer
      while (written_ < blob_.size())
        written_ += co_await raw.async_write_some(asio::buffer(blob_.data() + written_, blob_.size() - written_),
                                                  asio::use_awaitable);
      beast::flat_buffer sink;
      for (;;) co_await ws.async_read(sink, asio::use_awaitable);  // until the client goes away
    } catch (const boost::system::system_error&) {
    }
  }

  std::string blob_;
  asio::io_context ioc_;
  tcp::acceptor acceptor_{ioc_};
  asio::steady_timer go_{ioc_};
  bool released_ = false;  // on the server's thread: release() may come before the wait starts
  std::atomic<std::size_t> written_{0};
  std::thread thread_;
};

backlog_server& server() {
  static backlog_server s;
  return s;
}

/// Per-message client CPU of the last run of each baseline, for the ratios.
double beast_ns_per_message = 0;
double frames_ns_per_message = 0;

struct drain_totals {
  double cpu_seconds = 0;
  double queued = 0;
  std::uint64_t allocations = 0;
  std::int64_t drains = 0;

  void add(double cpu, std::uint64_t allocs, double queued_fraction, benchmark::State& state) {
    cpu_seconds += cpu;
    allocations += allocs;
    queued += queued_fraction;
    ++drains;
    state.SetIterationTime(cpu);
  }
  double ns_per_message() const { return cpu_seconds * 1e9 / static_cast<double>(drains * backlog_messages); }
  void report(benchmark::State& state) const {
    state.SetItemsProcessed(drains * static_cast<std::int64_t>(backlog_messages));
    state.counters["cpu_ns_per_msg"] = ns_per_message();
    state.counters["allocs_per_msg"] =
        static_cast<double>(allocations) / static_cast<double>(drains * static_cast<std::int64_t>(backlog_messages));
    state.counters["queued"] = queued / static_cast<double>(drains);
    if (beast_ns_per_message > 0) state.counters["ratio_vs_beast"] = ns_per_message() / beast_ns_per_message;
    if (frames_ns_per_message > 0) state.counters["ratio_vs_frames"] = ns_per_message() / frames_ns_per_message;
  }
};

// Reads messages with a bare Beast stream until `remaining` reaches zero.
struct beast_reader {
  websocket::stream<beast::tcp_stream>& ws;
  beast::flat_buffer& buffer;
  std::size_t& remaining;
  void start() { ws.async_read(buffer, *this); }
  void operator()(boost::system::error_code ec, std::size_t) {
    if (ec) return;
    buffer.consume(buffer.size());
    if (--remaining > 0) start();
  }
};

void ingest_beast_read(benchmark::State& state) {
  drain_totals totals;
  for (auto _ : state) {
    asio::io_context ioc;
    websocket::stream<beast::tcp_stream> ws(ioc);
    auto url = *hanabi::detail::parse_endpoint_url(server().url());
    ws.next_layer().connect(tcp::endpoint(asio::ip::make_address(url.host), url.port));
    ws.handshake(fmt::format("{}:{}", url.host, url.port), "/v4/websocket");
    beast::flat_buffer buffer;
    ws.read(buffer);  // ready
    buffer.consume(buffer.size());
    const double queued = server().release_and_wait_until_queued();
    std::size_t remaining = backlog_messages;
    const std::uint64_t allocs0 = thread_allocations;
    const double cpu0 = thread_cpu_seconds();
    beast_reader{ws, buffer, remaining}.start();
    ioc.run();
    totals.add(thread_cpu_seconds() - cpu0, thread_allocations - allocs0, queued, state);
    if (remaining != 0) state.SkipWithError("the connection ended before the backlog was read");
  }
  totals.report(state);
  beast_ns_per_message = totals.ns_per_message();
}

// Runs `op` (an awaitable) to completion on `ioc`; returns its result.
template <class T>
T run_on(asio::io_context& ioc, asio::awaitable<T> op) {
  std::optional<T> out;
  asio::co_spawn(ioc, std::move(op), [&](std::exception_ptr e, T value) {
    if (e) std::rethrow_exception(e);
    out = std::move(value);
  });
  ioc.restart();
  ioc.run();
  return std::move(*out);
}

void ingest_hanabi_frames(benchmark::State& state) {
  drain_totals totals;
  for (auto _ : state) {
    asio::io_context ioc;
    hanabi::transport::ws_client ws(ioc.get_executor());
    hanabi::transport::ws_options options;
    options.url = *hanabi::detail::parse_endpoint_url(server().url());
    options.user = hanabi::user_id{1};
    options.idle_timeout = 0ms;
    if (!run_on(ioc, ws.connect(options, ""))) {
      state.SkipWithError("the upgrade failed");
      break;
    }
    const hanabi::transport::ws_client::frame_handler until_ready = [](const hanabi::transport::ws_frame&) {
      return false;
    };
    if (!run_on(ioc, ws.read_each(until_ready))) state.SkipWithError("no ready");
    const double queued = server().release_and_wait_until_queued();
    std::size_t remaining = backlog_messages;
    std::size_t bytes = 0;
    const hanabi::transport::ws_client::frame_handler count = [&](const hanabi::transport::ws_frame& frame) {
      bytes += frame.text.size();
      return --remaining > 0;
    };
    const std::uint64_t allocs0 = thread_allocations;
    const double cpu0 = thread_cpu_seconds();
    const auto read = run_on(ioc, ws.read_each(count));
    totals.add(thread_cpu_seconds() - cpu0, thread_allocations - allocs0, queued, state);
    if (!read || remaining != 0 || bytes == 0) state.SkipWithError("the connection ended before the backlog was read");
    ws.abort();
  }
  totals.report(state);
  frames_ns_per_message = totals.ns_per_message();
}

void ingest_node_dispatch(benchmark::State& state) {
  drain_totals totals;
  for (auto _ : state) {
    asio::io_context ioc;
    hanabi::node_config config;
    config.url = server().url();
    config.user = hanabi::user_id{1};
    config.resuming.enabled = false;             // no REST: the backlog server only speaks WebSocket
    config.reconnect.initial_delay = 0ms;        // one connection
    config.idle_timeout = 0ms;
    config.log = hanabi::logger::none();
    hanabi::node node(ioc.get_executor(), config);
    std::size_t remaining = backlog_messages;
    node.subscribe({[&](const hanabi::protocol::ws_message& m) {
                      if (std::holds_alternative<hanabi::protocol::player_update>(m) && --remaining == 0) ioc.stop();
                    },
                    {},
                    {}});
    node.async_run([](hanabi::error_code) {});
    bool ready = false;
    node.async_wait_ready([&](hanabi::error_code ec, std::string) {
      ready = !ec;
      ioc.stop();
    });
    ioc.run();
    if (!ready) {
      state.SkipWithError("the node did not become ready");
      break;
    }
    const double queued = server().release_and_wait_until_queued();
    const std::uint64_t allocs0 = thread_allocations;
    const double cpu0 = thread_cpu_seconds();
    ioc.restart();
    ioc.run();
    totals.add(thread_cpu_seconds() - cpu0, thread_allocations - allocs0, queued, state);
    if (remaining != 0) state.SkipWithError("the connection ended before the backlog was read");
    if (node.player_count() != backlog_guilds) state.SkipWithError("the mirror does not hold every guild");
    node.cancel();
    ioc.restart();
    ioc.run();  // lets async_run finish before the node is destroyed
  }
  totals.report(state);
}

}  // namespace

BENCHMARK(ingest_beast_read)->Name("ingest/beast_read")->UseManualTime()->Iterations(5)->Unit(benchmark::kMillisecond);
BENCHMARK(ingest_hanabi_frames)
    ->Name("ingest/hanabi_frames")
    ->UseManualTime()
    ->Iterations(5)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(ingest_node_dispatch)
    ->Name("ingest/node_dispatch")
    ->UseManualTime()
    ->Iterations(5)
    ->Unit(benchmark::kMillisecond);
