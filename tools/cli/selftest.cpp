// `hanabi selftest`: the CLI's own paths against an in-process fake node, plus the
// failures a user meets (bad URL, nothing listening, wrong password, not Lavalink).
#include "cli.hpp"

#include <hanabi/node/node.hpp>
#include <hanabi/testing/fake_node.hpp>
#include <hanabi/testing/not_lavalink_server.hpp>
#include <hanabi/transport/cancel_after.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <fmt/format.h>
#include <fmt/ostream.h>
#include <nlohmann/json.hpp>

#include <sstream>
#include <thread>

namespace hanabi::cli {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

struct outcome {
  int code;
  std::string out;
  std::string err;
};

outcome cli(std::vector<std::string> args) {
  std::ostringstream out, err;
  int code = run(args, out, err);
  return {code, out.str(), err.str()};
}

/// A second client with one player on its own session, so `players --session` has
/// something to list. The session lives as long as this object.
class side_player {
 public:
  side_player(const std::string& url, const std::string& password) {
    node_config cfg;
    cfg.url = url;
    cfg.password = secret{password};
    cfg.user = user_id{42};
    cfg.log = logger::none();
    node_ = std::make_unique<node>(ioc_.get_executor(), cfg);
    thread_ = std::thread([this] { ioc_.run(); });
    node_->async_run([](error_code) {});
    session_ = node_->async_wait_ready(cancel_after(5s, asio::use_future)).get();
    protocol::update_player update;
    update.track = protocol::update_player_track{};
    update.track->identifier = "fake:track:selftest";
    node_->async_update_player(guild_id{guild}, update, false, cancel_after(5s, asio::use_future)).get();
  }
  ~side_player() {
    node_->cancel();
    work_.reset();
    thread_.join();
  }
  const std::string& session() const { return session_; }
  static constexpr std::uint64_t guild = 4242;

 private:
  asio::io_context ioc_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(ioc_);
  std::unique_ptr<node> node_;
  std::thread thread_;
  std::string session_;
};

}  // namespace

int selftest(std::ostream& out, std::ostream& err) {
  int failures = 0;
  auto check = [&](const std::string& name, bool passed, const outcome& o) {
    fmt::print(out, "{} {}\n", passed ? "ok  " : "FAIL", name);
    if (!passed) {
      ++failures;
      fmt::print(out, "     exit {}\n     stdout: {}\n     stderr: {}\n", o.code, o.out, o.err);
    }
  };
  try {
    testing::fake_node_options fo;
    fo.password = "selftest-password";
    fo.time_scale = 100;
    fo.stats_interval = 50ms;
    testing::fake_node fake(fo);
    fake.start();
    const std::string url = fake.base_url();
    const std::vector<std::string> node = {"--node", url, "--password", fo.password, "--timeout", "5000"};
    auto with = [&](std::vector<std::string> args) {
      std::vector<std::string> all = node;
      all.insert(all.end(), args.begin(), args.end());
      return cli(all);
    };
    fmt::print(out, "fake node at {}\n", url);

    auto o = with({"node", "version"});
    check("node version", o.code == ok && o.out.find(fo.version) != std::string::npos, o);
    o = with({"node", "info", "--json"});
    check("node info --json", o.code == ok && nlohmann::json::parse(o.out, nullptr, false).contains("version"), o);
    o = with({"node", "info"});
    check("node info", o.code == ok && o.out.find("lavaplayer") != std::string::npos, o);
    o = with({"node", "stats"});
    check("node stats", o.code == ok && o.out.find("players") != std::string::npos, o);
    o = with({"load", "fake:track:hello:61000"});
    check("load a track", o.code == ok && o.out.find("hello") != std::string::npos && o.out.find("1:01") != std::string::npos, o);
    o = with({"load", "fakesearch3:abc", "--json"});
    auto j = nlohmann::json::parse(o.out, nullptr, false);
    check("load a search --json", o.code == ok && j.value("loadType", "") == "search" && j["data"].size() == 3, o);
    o = with({"load", "fake:playlist:12"});
    check("load a playlist", o.code == ok && o.out.find("12 tracks") != std::string::npos, o);
    o = with({"load", "fake:empty"});
    check("load with no match", o.code == ok && o.out.find("no matches") != std::string::npos, o);
    o = with({"load", "fake:error:common"});
    check("load error is a bad identifier (6)", o.code == bad_identifier && !o.err.empty(), o);

    auto loaded = with({"load", "fake:track:decodeme", "--json"});
    auto encoded = nlohmann::json::parse(loaded.out, nullptr, false)["data"].value("encoded", "");
    o = with({"decode", encoded, encoded});
    check("decode two tracks", o.code == ok && o.out.find("decodeme") != std::string::npos, o);
    o = with({"decode", "not base64!"});
    check("decode garbage is a bad identifier (6)", o.code == bad_identifier, o);

    {
      side_player side(url, fo.password);
      o = with({"players", "--session", side.session()});
      check("players --session", o.code == ok && o.out.find(std::to_string(side_player::guild)) != std::string::npos, o);
    }
    o = with({"players", "--json"});
    check("players of a fresh session", o.code == ok && nlohmann::json::parse(o.out, nullptr, false).is_array(), o);
    o = with({"events", "--count", "3"});
    check("events --count 3", o.code == ok && o.out.find("ready") != std::string::npos &&
                                  std::count(o.out.begin(), o.out.end(), '\n') == 3, o);

    o = cli({"--node", url, "--password", "wrong", "node", "info"});
    check("wrong password exits 5", o.code == auth, o);
    o = cli({"--node", url, "--password", "wrong", "events", "--count", "1"});
    check("wrong password on the WebSocket exits 5", o.code == auth, o);
    o = cli({"--node", url, "node", "version"});
    check("missing password exits 5", o.code == auth, o);
    o = cli({"--node", "ftp://nowhere", "node", "info"});
    check("bad URL exits 3", o.code == bad_url, o);
    o = cli({"--node", fmt::format("http://127.0.0.1:{}", testing::closed_port()), "--timeout", "2000", "node", "info"});
    check("nothing listening exits 4", o.code == unreachable, o);
    testing::not_lavalink_server web;
    o = cli({"--node", fmt::format("http://127.0.0.1:{}", web.port()), "--password", "x", "node", "info"});
    check("a web server that is not Lavalink exits 7", o.code == not_lavalink, o);
    o = cli({"frobnicate"});
    check("unknown command exits 2", o.code == usage, o);
    fake.stop();
  } catch (const std::exception& e) {
    fmt::print(err, "hanabi selftest: {}\n", e.what());
    return failure;
  }
  fmt::print(out, "{}\n", failures == 0 ? "selftest passed" : fmt::format("selftest FAILED: {} check(s)", failures));
  return failures == 0 ? ok : failure;
}

}  // namespace hanabi::cli
