// The control link over TLS: a child that trusts the parent's certificate
// registers and its requests work end to end; a child that does not trust it
// never registers, and its dial fails at the TLS handshake.
#include "io_thread.hpp"

#include <hanabi/remote/client.hpp>
#include <hanabi/remote/server.hpp>
#include <hanabi/testing/self_signed.hpp>

#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <thread>

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using namespace hanabi;
using namespace std::chrono_literals;

using hanabi::test::eventually;
using hanabi::test::io_thread;

namespace {

const std::string tls_token = "tls-token";

std::shared_ptr<ssl::context> server_context(const testing::tls_identity& id) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  ctx->use_certificate_chain(asio::buffer(id.certificate_pem));
  ctx->use_private_key(asio::buffer(id.private_key_pem), ssl::context::pem);
  return ctx;
}

std::shared_ptr<ssl::context> client_context(const testing::tls_identity& trusted) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  ctx->add_certificate_authority(asio::buffer(trusted.certificate_pem));
  return ctx;
}

// Records log lines, to see why a dial failed.
struct log_lines {
  std::mutex mutex;
  std::vector<std::string> lines;
  logger make() {
    return logger(log_level::debug, [this](log_level, std::string_view m) {
      std::lock_guard lock(mutex);
      lines.emplace_back(m);
    });
  }
  bool contains(std::string_view part) {
    std::lock_guard lock(mutex);
    for (auto& l : lines)
      if (l.find(part) != std::string::npos) return true;
    return false;
  }
};

remote::server_config parent_config(std::shared_ptr<ssl::context> tls) {
  remote::server_config cfg;
  cfg.token = secret{tls_token};
  cfg.heartbeat_interval = 1000ms;
  cfg.link.max_missed_heartbeats = 30;
  cfg.link.log = logger::none();
  cfg.tls = std::move(tls);
  return cfg;
}

remote::client_config child_config(unsigned short port, std::shared_ptr<ssl::context> tls, logger log) {
  remote::client_config cfg;
  cfg.port = port;
  cfg.name = "tls-child";
  cfg.bot_id = user_id{77};
  cfg.token = secret{tls_token};
  cfg.link.log = std::move(log);
  cfg.tls = std::move(tls);
  cfg.reconnect_initial = 50ms;
  return cfg;
}

}  // namespace

TEST_CASE("remote tls: a child that trusts the parent's certificate registers and talks") {
  auto id = testing::make_self_signed();
  log_lines child_log;  // before io: the client's last handlers may log until io joins its thread
  io_thread io;
  remote::server parent(io.ioc.get_executor(), parent_config(server_context(id)), {});
  auto ep = parent.listen();
  REQUIRE(ep);
  remote::link_handlers ch;
  ch.requests["echo"] = [](const nlohmann::json& args, remote::responder r) { r.ok(args); };
  remote::client child(io.ioc.get_executor(), child_config(ep->port(), client_context(id), child_log.make()), ch);
  child.async_run(asio::detached);
  REQUIRE(eventually([&] { return static_cast<bool>(parent.find("tls-child")); }));
  auto answer = parent.find("tls-child").async_request("echo", {{"over", "tls"}}, 10s, asio::use_future).get();
  CHECK(answer == nlohmann::json{{"over", "tls"}});
  CHECK(child.registrations() == 1);
  CHECK_FALSE(child_log.contains("TLS handshake with the parent failed"));
  child.stop();
  parent.stop();
}

TEST_CASE("remote tls: a child refuses a parent whose certificate it does not trust") {
  auto parent_id = testing::make_self_signed();
  auto stranger = testing::make_self_signed();
  log_lines child_log;  // before io: the client's last handlers may log until io joins its thread
  io_thread io;
  remote::server parent(io.ioc.get_executor(), parent_config(server_context(parent_id)), {});
  auto ep = parent.listen();
  REQUIRE(ep);
  remote::client child(io.ioc.get_executor(), child_config(ep->port(), client_context(stranger), child_log.make()), {});
  child.async_run(asio::detached);
  REQUIRE(eventually([&] { return child_log.contains("TLS handshake with the parent failed"); }));
  CHECK(child_log.contains("certificate verify failed"));
  CHECK(child.registrations() == 0);
  CHECK(parent.children().empty());
  child.stop();
  parent.stop();
}

TEST_CASE("remote tls: a plain-text child cannot register with a TLS parent") {
  auto id = testing::make_self_signed();
  log_lines child_log;  // before io: the client's last handlers may log until io joins its thread
  io_thread io;
  remote::server parent(io.ioc.get_executor(), parent_config(server_context(id)), {});
  auto ep = parent.listen();
  REQUIRE(ep);
  remote::client child(io.ioc.get_executor(), child_config(ep->port(), nullptr, child_log.make()), {});
  child.async_run(asio::detached);
  // The child's WebSocket upgrade reaches a TLS server, which drops it; the child keeps retrying.
  REQUIRE(eventually([&] { return child_log.contains("reconnecting"); }));
  CHECK(child.registrations() == 0);
  CHECK(parent.children().empty());
  child.stop();
  parent.stop();
}
