// The control link end to end: a real parent server on 127.0.0.1, children as
// real processes (tools/remote-echo-child) or raw WebSocket peers that send
// exactly the bytes a test needs. No assertion is about elapsed time: waits
// have a generous safety limit and the assertions are about what happened.
#include "test_data.hpp"
#include "io_thread.hpp"

#include <hanabi/remote/client.hpp>
#include <hanabi/remote/codec.hpp>
#include <hanabi/remote/server.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>

#include <catch2/catch.hpp>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <mutex>
#include <thread>

extern char** environ;

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using namespace hanabi;
using namespace std::chrono_literals;

using hanabi::test::eventually;
using hanabi::test::io_thread;

namespace {

const std::string token = "integration-token";

// What the parent saw: events and downs, with their reasons.
struct parent_log {
  std::mutex mutex;
  std::vector<std::pair<std::string, remote::event>> events;  // child name, event
  std::vector<std::pair<std::string, error_code>> downs;      // child name, reason

  remote::link_handlers handlers() {
    remote::link_handlers h;
    h.requests["parent_echo"] = [](const nlohmann::json& args, remote::responder r) { r.ok(args); };
    h.on_event = [this](remote::link l, const remote::event& e) {
      std::lock_guard<std::mutex> lock(mutex);
      events.emplace_back(l.peer().name, e);
    };
    h.on_down = [this](remote::link l, error_code why, const std::string&) {
      std::lock_guard<std::mutex> lock(mutex);
      downs.emplace_back(l.peer().name, why);
    };
    return h;
  }
  std::size_t count_events(const std::string& op) {
    std::lock_guard<std::mutex> lock(mutex);
    return std::count_if(events.begin(), events.end(), [&](auto& e) { return e.second.op == op; });
  }
  std::optional<error_code> down_reason(const std::string& name) {
    std::lock_guard<std::mutex> lock(mutex);
    for (auto& [n, why] : downs)
      if (n == name) return why;
    return std::nullopt;
  }
};

// Heartbeats are generous by default (10 s to eviction): under a loaded CI machine a starved child must not be
// evicted by tests that are not about eviction. The eviction test passes its own short interval.
remote::server_config parent_config(std::chrono::milliseconds heartbeat = 1000ms, unsigned missed = 10) {
  remote::server_config cfg;
  cfg.token = secret{token};
  cfg.heartbeat_interval = heartbeat;
  cfg.link.max_missed_heartbeats = missed;
  cfg.link.max_message_size = 64 * 1024;
  cfg.link.log = logger::none();
  return cfg;
}

// A child bot process (tools/remote-echo-child), killed when the test ends.
class child_process {
 public:
  child_process(unsigned short port, const std::string& name, const std::string& tok = token) {
    auto exe = hanabi::test::binary_dir() / "tools/remote-echo-child/hanabi_remote_echo_child";
    REQUIRE(std::filesystem::exists(exe));  // build the hanabi_remote_echo_child target
    std::vector<std::string> args{exe.string(), "--port", std::to_string(port), "--token", tok, "--name", name};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    REQUIRE(posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), environ) == 0);
  }
  ~child_process() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::kill(pid_, SIGCONT);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  void signal(int sig) const { ::kill(pid_, sig); }
  /// Waits for the process to exit; its exit status, or -1 if it was killed by a signal.
  int wait_exit() {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

// A child speaking raw frames, to send exactly the bytes a test needs.
class raw_peer {
 public:
  explicit raw_peer(asio::ip::tcp::endpoint ep) : ws_(ioc_) {
    ws_.next_layer().connect(ep);
    ws_.handshake("127.0.0.1", "/");
    ws_.text(true);
  }
  void send(const std::string& frame) { ws_.write(asio::buffer(frame)); }
  void send(const remote::message& m) { send(remote::encode(m)); }
  /// The next message, skipping heartbeats (answered) and their acks.
  remote::message next() {
    for (;;) {
      beast::flat_buffer buf;
      ws_.read(buf);
      auto m = remote::decode(beast::buffers_to_string(buf.data()));
      REQUIRE(m.has_value());
      if (auto* hb = std::get_if<remote::heartbeat>(&*m)) {
        send(remote::heartbeat_ack{hb->seq});
        continue;
      }
      if (std::holds_alternative<remote::heartbeat_ack>(*m)) continue;
      return *m;
    }
  }
  /// Reads until the socket closes; the error that ended it.
  error_code read_until_closed() {
    beast::flat_buffer buf;
    error_code ec;
    while (!ec) ws_.read(buf, ec);
    return ec;
  }
  static remote::hello hello_as(const std::string& name, const std::string& tok = token) {
    return remote::hello{remote::protocol_version, user_id{77}, name, "raw/1", {}, secret{tok}};
  }

 private:
  asio::io_context ioc_;
  websocket::stream<asio::ip::tcp::socket> ws_;
};

std::future<std::pair<error_code, nlohmann::json>> request(remote::link l, std::string op, nlohmann::json args,
                                                           std::chrono::milliseconds timeout = 10s) {
  auto p = std::make_shared<std::promise<std::pair<error_code, nlohmann::json>>>();
  auto f = p->get_future();
  l.async_request(std::move(op), std::move(args), timeout,
                  [p](error_code ec, nlohmann::json r) { p->set_value({ec, std::move(r)}); });
  return f;
}

// Two requests from a coroutine: one answered, one refused with a typed error (thrown by use_awaitable).
asio::awaitable<nlohmann::json> awaitable_requests(remote::link l) {
  nlohmann::json args = nlohmann::json::object();
  args["via"] = std::string("awaitable");
  nlohmann::json r = co_await l.async_request(std::string("parent_echo"), std::move(args), 2000ms, asio::use_awaitable);
  bool typed_error = false;
  try {
    co_await l.async_request(std::string("missing"), nlohmann::json::object(), 2000ms, asio::use_awaitable);
  } catch (const boost::system::system_error& e) {
    typed_error = e.code() == error::unknown_op;
  }
  r["error"] = typed_error;
  co_return r;
}

}  // namespace

TEST_CASE("a parent with two child processes serves requests in flight on both") {
  io_thread io;
  parent_log log;
  remote::server parent(io.ioc.get_executor(), parent_config(), log.handlers());
  auto ep = parent.listen().value();
  child_process c1(ep.port(), "child-1");
  child_process c2(ep.port(), "child-2");
  REQUIRE(eventually([&] { return parent.find("child-1") && parent.find("child-2"); }));
  CHECK(parent.children().size() == 2);
  CHECK(parent.find("child-1").peer().bot_id == user_id{1000});
  CHECK(parent.find("child-1").peer().capabilities == std::vector<std::string>{"echo", "pid", "sleep", "emit"});

  // A slow request first, then many fast ones on both links: the fast answers do not wait for it.
  auto slow = request(parent.find("child-1"), "sleep", {{"ms", 300}});
  std::vector<std::future<std::pair<error_code, nlohmann::json>>> fast;
  for (int i = 0; i < 40; ++i)
    fast.push_back(request(parent.find(i % 2 ? "child-1" : "child-2"), "echo", {{"i", i}}));
  for (int i = 0; i < 40; ++i) {
    auto [ec, r] = fast[i].get();
    CHECK_FALSE(ec);
    CHECK(r == nlohmann::json{{"i", i}});
  }
  auto [sec, sr] = slow.get();
  CHECK_FALSE(sec);
  CHECK(sr["slept_ms"] == 300);

  // Each link reaches its own process.
  auto p1 = request(parent.find("child-1"), "pid", {}).get().second["pid"].get<int>();
  auto p2 = request(parent.find("child-2"), "pid", {}).get().second["pid"].get<int>();
  CHECK(p1 == c1.pid());
  CHECK(p2 == c2.pid());

  // Events flow upstream.
  CHECK(eventually([&] { return log.count_events("child_ready") == 2; }));
  request(parent.find("child-2"), "emit", {{"op", "session_destroyed"}, {"payload", {{"voice", "9"}}}}).get();
  CHECK(eventually([&] { return log.count_events("session_destroyed") == 1; }));

  // An op the child does not serve is a typed error, not a hang.
  auto [uec, ur] = request(parent.find("child-2"), "teleport", {}).get();
  CHECK(uec == error::unknown_op);
  CHECK(parent.find("child-2").is_up());
}

TEST_CASE("a bad token is rejected with a reason and counted") {
  io_thread io;
  parent_log log;
  remote::server parent(io.ioc.get_executor(), parent_config(), log.handlers());
  auto ep = parent.listen().value();

  SECTION("a raw peer reads the goodbye, then the close") {
    raw_peer peer(ep);
    peer.send(raw_peer::hello_as("intruder", "guessed"));
    auto bye = peer.next();
    REQUIRE(std::holds_alternative<remote::goodbye>(bye));
    CHECK(std::get<remote::goodbye>(bye).reason.to_error_code() == error::authentication_failed);
    CHECK(peer.read_until_closed() == websocket::error::closed);
  }
  SECTION("a child process with the wrong token gives up (exit status 3)") {
    child_process c(ep.port(), "child-x", "wrong-token");
    CHECK(c.wait_exit() == 3);
  }
  CHECK(eventually([&] { return parent.rejected_tokens() == 1; }));
  CHECK(parent.children().empty());
}

TEST_CASE("malformed and oversized messages get an error reply and the link survives") {
  io_thread io;
  parent_log log;
  remote::server parent(io.ioc.get_executor(), parent_config(1000ms), log.handlers());
  auto ep = parent.listen().value();
  raw_peer peer(ep);
  peer.send(raw_peer::hello_as("raw"));
  REQUIRE(std::holds_alternative<remote::ready>(peer.next()));

  peer.send(std::string("{\"type\": nonsense"));
  auto m1 = peer.next();
  REQUIRE(std::holds_alternative<remote::error_notice>(m1));
  CHECK(std::get<remote::error_notice>(m1).error.to_error_code() == error::malformed_message);

  peer.send(remote::encode(remote::event{"big", {{"blob", std::string(100 * 1024, 'x')}}}));
  auto m2 = peer.next();
  REQUIRE(std::holds_alternative<remote::error_notice>(m2));
  CHECK(std::get<remote::error_notice>(m2).error.to_error_code() == error::message_too_large);

  peer.send(R"({"type":"request","id":5,"op":7})");
  auto m3 = peer.next();
  REQUIRE(std::holds_alternative<remote::response>(m3));
  CHECK(std::get<remote::response>(m3).id == 5);
  CHECK(std::get<remote::response>(m3).error->to_error_code() == error::malformed_message);

  peer.send(remote::request{6, "teleport", 1000ms, {}});
  auto m4 = peer.next();
  CHECK(std::get<remote::response>(m4).error->to_error_code() == error::unknown_op);

  // Still up, in both directions.
  peer.send(remote::request{7, "parent_echo", 1000ms, {{"x", 1}}});
  auto m5 = peer.next();
  CHECK(std::get<remote::response>(m5) == remote::response{7, std::nullopt, {{"x", 1}}});
  auto answer = request(parent.find("raw"), "anything", {{"y", 2}});
  auto req = peer.next();
  REQUIRE(std::holds_alternative<remote::request>(req));
  peer.send(remote::response{std::get<remote::request>(req).id, std::nullopt, {{"ok", true}}});
  auto [ec, r] = answer.get();
  CHECK_FALSE(ec);
  CHECK(r == nlohmann::json{{"ok", true}});
  CHECK(parent.find("raw").counters().malformed_frames == 2);
  CHECK(parent.find("raw").counters().oversized_frames == 1);
}

TEST_CASE("kill -9 of a child is detected and its requests fail with child_lost, not a timeout") {
  io_thread io;
  parent_log log;
  remote::server parent(io.ioc.get_executor(), parent_config(), log.handlers());
  auto ep = parent.listen().value();
  child_process c(ep.port(), "doomed");
  REQUIRE(eventually([&] { return bool(parent.find("doomed")); }));
  auto pending = request(parent.find("doomed"), "sleep", {{"ms", 20000}}, 25s);
  c.signal(SIGKILL);
  auto [ec, r] = pending.get();
  CHECK(ec == error::child_lost);
  CHECK(eventually([&] { return log.down_reason("doomed").has_value(); }));
  CHECK(*log.down_reason("doomed") == error::child_lost);
  CHECK_FALSE(parent.find("doomed"));
}

TEST_CASE("a hung child is evicted without delaying the other child's requests") {
  io_thread io;
  parent_log log;
  remote::server parent(io.ioc.get_executor(), parent_config(500ms, 6), log.handlers());
  auto ep = parent.listen().value();
  child_process hung(ep.port(), "hung");
  child_process healthy(ep.port(), "healthy");
  REQUIRE(eventually([&] { return parent.find("hung") && parent.find("healthy"); }));

  hung.signal(SIGSTOP);
  auto stuck = request(parent.find("hung"), "echo", {{"never", true}}, 60s);
  for (int i = 0; i < 50; ++i) {
    auto [ec, r] = request(parent.find("healthy"), "echo", {{"i", i}}).get();
    REQUIRE_FALSE(ec);
    CHECK(r["i"] == i);
  }
  // All fifty answered while the hung child's request was still outstanding.
  CHECK(stuck.wait_for(0s) == std::future_status::timeout);

  // Then the silent child is evicted; its request fails with child_lost long before its own deadline.
  auto [ec, r] = stuck.get();
  CHECK(ec == error::child_lost);
  CHECK(eventually([&] { return log.down_reason("hung").has_value(); }));
  CHECK(*log.down_reason("hung") == error::peer_unresponsive);
  CHECK(parent.find("healthy").is_up());
  hung.signal(SIGCONT);
}

TEST_CASE("a child re-registers with a restarted parent") {
  io_thread io;
  parent_log log;
  auto first = std::make_unique<remote::server>(io.ioc.get_executor(), parent_config(), log.handlers());
  auto ep = first->listen().value();
  auto first_id = first->parent_id();
  child_process c(ep.port(), "phoenix");
  REQUIRE(eventually([&] { return bool(first->find("phoenix")); }));
  // The child announces itself right after registering: wait for that event too, or the first parent may stop
  // before it arrives and only the second registration is ever counted.
  REQUIRE(eventually([&] { return log.count_events("child_ready") == 1; }));

  first->stop();
  first.reset();
  auto cfg = parent_config();
  cfg.port = ep.port();
  remote::server second(io.ioc.get_executor(), cfg, log.handlers());
  // The old acceptor closes on the io thread; the port is free once it has.
  std::string listen_error;
  bool listening = eventually([&] {
    auto r = second.listen();
    if (r.has_error()) listen_error = r.error().what();
    return r.has_value();
  });
  INFO(listen_error);
  REQUIRE(listening);
  REQUIRE(eventually([&] { return bool(second.find("phoenix")); }));
  CHECK(second.parent_id() != first_id);
  auto [ec, r] = request(second.find("phoenix"), "pid", {}).get();
  CHECK_FALSE(ec);
  CHECK(r["pid"] == c.pid());
  CHECK(eventually([&] { return log.count_events("child_ready") == 2; }));
}

TEST_CASE("an in-process child: requests upstream with every kind of completion token") {
  io_thread io;
  parent_log log;
  remote::server parent(io.ioc.get_executor(), parent_config(), log.handlers());
  auto ep = parent.listen().value();

  remote::client_config cfg;
  cfg.port = ep.port();
  cfg.name = "inproc";
  cfg.bot_id = user_id{5};
  cfg.token = secret{token};
  cfg.link.log = logger::none();
  std::atomic<int> ups{0};
  remote::link_handlers h;
  h.on_up = [&](remote::link) { ++ups; };
  remote::client child(io.ioc.get_executor(), cfg, h);
  auto run = child.async_run(asio::use_future);
  REQUIRE(eventually([&] { return child.current().is_up(); }));
  CHECK(child.current().parent_ready().parent_id == parent.parent_id());
  CHECK(child.registrations() == 1);

  // A callback.
  std::promise<nlohmann::json> got;
  child.async_request("parent_echo", {{"via", "callback"}}, 2s,
                      [&](error_code ec, nlohmann::json r) { got.set_value(ec ? nlohmann::json(ec.message()) : r); });
  CHECK(got.get_future().get() == nlohmann::json{{"via", "callback"}});

  // use_future.
  auto f = child.async_request("parent_echo", {{"via", "future"}}, 2s, asio::use_future);
  CHECK(f.get() == nlohmann::json{{"via", "future"}});

  // use_awaitable, including a typed error.
  auto co = asio::co_spawn(io.ioc, awaitable_requests(child.current()), asio::use_future);
  CHECK(co.get() == nlohmann::json{{"via", "awaitable"}, {"error", true}});

  // A request with no link fails at once with connection_closed.
  auto none = remote::link{}.async_request("x", {}, 1s, asio::use_future);
  try {
    none.get();
    FAIL("a request without a link succeeded");
  } catch (const boost::system::system_error& e) {
    CHECK(e.code() == error::connection_closed);
  }

  child.stop();
  try {
    run.get();
    FAIL("async_run completed without an error");
  } catch (const boost::system::system_error& e) {
    CHECK(e.code() == asio::error::operation_aborted);
  }
  CHECK(ups == 1);
  CHECK(eventually([&] { return parent.children().empty(); }));
}
