// hanabi_remote_echo_child: a child process for tests of the control link.
//
//   hanabi_remote_echo_child --port P --token T --name N [--user-id ID]
//
// It dials 127.0.0.1:P, says hello as N, and serves:
//   echo  {..}           -> the args back
//   pid   {}             -> {"pid": <its process id>}
//   sleep {"ms": n}      -> {"slept_ms": n} after n milliseconds
//   emit  {"op", "payload"} -> sends that event upstream, then {}
// On every registration it sends the event "child_ready" {"pid", "name"}.
// SIGTERM/SIGINT stop it (exit 0); a refused token exits with status 3.
#include <hanabi/remote/client.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <fmt/format.h>

#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <memory>
#include <string_view>

namespace asio = boost::asio;
using namespace hanabi;

namespace {

int usage() {
  fmt::print(stderr, "usage: hanabi_remote_echo_child --port P --token T --name N [--user-id ID]\n");
  return 2;
}

remote::link_handlers make_handlers(asio::io_context& ioc, const std::string& name) {
  remote::link_handlers h;
  h.requests["echo"] = [](const nlohmann::json& args, remote::responder r) { r.ok(args); };
  h.requests["pid"] = [](const nlohmann::json&, remote::responder r) { r.ok({{"pid", ::getpid()}}); };
  h.requests["sleep"] = [&ioc](const nlohmann::json& args, remote::responder r) {
    auto ms = args.value("ms", 0);
    auto timer = std::make_shared<asio::steady_timer>(ioc, std::chrono::milliseconds(ms));
    timer->async_wait([timer, r, ms](boost::system::error_code) { r.ok({{"slept_ms", ms}}); });
  };
  h.on_up = [name](remote::link l) { l.send_event("child_ready", {{"pid", ::getpid()}, {"name", name}}); };
  return h;
}

}  // namespace

int main(int argc, char** argv) {
  remote::client_config cfg;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view key = argv[i];
    std::string_view value = argv[i + 1];
    if (key == "--port") {
      auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), cfg.port);
      if (ec != std::errc{}) return usage();
    } else if (key == "--token") {
      cfg.token = secret{std::string(value)};
    } else if (key == "--name") {
      cfg.name = std::string(value);
    } else if (key == "--user-id") {
      auto id = user_id::parse(value);
      if (!id) return usage();
      cfg.bot_id = *id;
    } else {
      return usage();
    }
  }
  if (cfg.port == 0 || cfg.name.empty()) return usage();
  if (!cfg.bot_id) cfg.bot_id = user_id{1000};
  cfg.capabilities = {"echo", "pid", "sleep", "emit"};
  cfg.link.log = logger{log_level::warn, {}, cfg.name};

  asio::io_context ioc;
  auto handlers = make_handlers(ioc, cfg.name);
  remote::client* self = nullptr;
  handlers.requests["emit"] = [&self](const nlohmann::json& args, remote::responder r) {
    self->send_event(args.value("op", "emitted"), args.value("payload", nlohmann::json::object()));
    r.ok();
  };
  remote::client child(ioc.get_executor(), cfg, std::move(handlers));
  self = &child;

  int status = 0;
  child.async_run([&](boost::system::error_code ec) {
    if (ec == error::authentication_failed || ec == error::protocol_version_mismatch) status = 3;
    ioc.stop();
  });
  asio::signal_set signals(ioc, SIGTERM, SIGINT);
  signals.async_wait([&](boost::system::error_code, int) { child.stop(); });
  ioc.run();
  return status;
}
