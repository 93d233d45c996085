// The manager with the real remote_session on the parent and the real session_host on an
// in-process child (over a real control link on 127.0.0.1): the hooks of remote_session_hooks_for
// route the child's events to the right proxy and tell the proxies when their child is gone.
#include "manager_support.hpp"

#include <hanabi/session/remote_session.hpp>
#include <hanabi/session/session_host.hpp>
#include <hanabi/session/session_manager.hpp>

#include <boost/asio/use_future.hpp>

#include <catch2/catch.hpp>

namespace asio = boost::asio;
using namespace hanabi;
using namespace hanabi::test;

namespace {

// A child process's session side, in this process: a session_host whose sessions are recorded doubles.
struct hosted_child {
  asio::io_context& ioc;
  std::mutex mutex;
  std::map<std::uint64_t, std::shared_ptr<recorded_session>> held;
  session_host host{[this](const session_request& r, session_factory_handler done) {
                      auto s = std::make_shared<recorded_session>(ioc.get_executor(), r.address, "child-1", false);
                      {
                        std::lock_guard<std::mutex> lock(mutex);
                        held[r.address.voice.value()] = s;
                      }
                      asio::post(ioc, [s, done = std::move(done)]() mutable {
                        std::move(done)(result<std::shared_ptr<session>>(std::shared_ptr<session>(s)));
                      });
                    },
                    {.bot = "child-1", .log = logger::none()}};
  std::unique_ptr<remote::client> client;

  hosted_child(asio::io_context& ioc, unsigned short port) : ioc(ioc) {
    remote::client_config cfg;
    cfg.port = port;
    cfg.name = "child-1";
    cfg.bot_id = user_id{2000};
    cfg.token = secret{child_token};
    cfg.link.log = logger::none();
    remote::link_handlers h;
    host.serve(h);
    client = std::make_unique<remote::client>(ioc.get_executor(), cfg, std::move(h));
    host.set_upstream([this](std::string op, nlohmann::json p) { client->send_event(std::move(op), std::move(p)); });
    client->async_run([](error_code) {});
  }
  ~hosted_child() { client->stop(); }

  std::shared_ptr<recorded_session> session_at(std::uint64_t voice) {
    std::lock_guard<std::mutex> lock(mutex);
    return held[voice];
  }
};

std::shared_ptr<session> get(session_manager& m, session_address where) {
  diagnostics diag;
  return m.async_get_or_create(where, {user_id{1}, {}}, diag, asio::use_future).get();
}

}  // namespace

TEST_CASE("manager over remote_session and session_host: creation, child-side end, disconnect, child lost",
          "[sessions][manager]") {
  io_thread io;
  shared_log<manager_event> events;
  session_manager_config cfg;
  cfg.children = {"child-1"};
  cfg.server = parent_link_config();
  cfg.on_event = [&](const manager_event& e) { events.add(e); };
  cfg.log = logger::none();
  session_manager manager(io.ioc.get_executor(), cfg, recorded_local(io.ioc.get_executor()),
                          remote_session_hooks_for(io.ioc.get_executor()));
  auto port = manager.listen().value().port();
  auto child = std::make_unique<hosted_child>(io.ioc, port);
  REQUIRE(eventually([&] { return manager.children().size() == 1; }));

  REQUIRE(get(manager, at(1))->bot() == "parent");
  auto remote = get(manager, at(2));
  REQUIRE(remote->is_remote());
  CHECK(remote->bot() == "child-1");
  REQUIRE(eventually([&] { return child->session_at(2) != nullptr; }));

  shared_log<close_reason> closes;
  auto sub = remote->subscribe([&](const session_event& e) {
    if (auto* c = std::get_if<session_events::closed>(&e)) closes.add(c->reason);
  });

  SECTION("the child ends it: the proxy closes with the child's reason and nothing is echoed") {
    child->session_at(2)->publish(session_events::closed{close_reason::inactivity, {}});
    REQUIRE(eventually([&] { return manager.find(channel_id{2}) == nullptr && closes.size() == 1; }));
    CHECK(closes.items()[0] == close_reason::inactivity);
    CHECK(child->session_at(2)->disconnects == 0);
  }
  SECTION("disconnect through the manager ends it on the child") {
    diagnostics diag;
    manager.async_disconnect(channel_id{2}, {user_id{1}}, diag, asio::use_future).get();
    CHECK(manager.find(channel_id{2}) == nullptr);
    CHECK(child->session_at(2)->disconnects == 1);
    REQUIRE(eventually([&] { return closes.size() == 1; }));
    CHECK(closes.items()[0] == close_reason::requested);
  }
  SECTION("the child goes away: the proxy closes with child_lost") {
    child.reset();
    REQUIRE(eventually([&] { return manager.find(channel_id{2}) == nullptr && closes.size() == 1; }));
    CHECK(closes.items()[0] == close_reason::child_lost);
  }
}
