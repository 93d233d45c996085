// TLS with a self-signed certificate, and the hanabi-fake-node program end to end.
#include "test_data.hpp"
#include "raw_client.hpp"

#include <hanabi/testing/fake_node.hpp>
#include <hanabi/testing/self_signed.hpp>

#include <catch2/catch.hpp>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

using namespace fakenode_test;
using hanabi::testing::fake_node;
using hanabi::testing::fake_node_options;

TEST_CASE("TLS: a self-signed node is rejected without trust and accepted with its certificate as CA") {
  fake_node_options o;
  o.tls = hanabi::testing::make_self_signed();
  CHECK(o.tls->certificate_pem.rfind("-----BEGIN CERTIFICATE-----", 0) == 0);
  CHECK(o.tls->private_key_pem.find("PRIVATE KEY-----") != std::string::npos);
  fake_node node{o};
  auto port = node.start();
  CHECK(node.base_url() == "https://127.0.0.1:" + std::to_string(port));
  CHECK(node.websocket_url() == "wss://127.0.0.1:" + std::to_string(port) + "/v4/websocket");
  CHECK_FALSE(tls_get(port, "/version", "").has_value());
  CHECK(tls_get(port, "/version", o.tls->certificate_pem) == 200u);
  CHECK_FALSE(tls_get(port, "/version", hanabi::testing::make_self_signed().certificate_pem).has_value());
}

namespace {

const std::string program = (hanabi::test::binary_dir() / "tools/fake-node/hanabi-fake-node").string();

/// A child process with its stdout on a pipe.
struct child {
  pid_t pid = -1;
  FILE* out = nullptr;

  explicit child(std::vector<std::string> args) {
    REQUIRE(std::filesystem::exists(program));
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    args.insert(args.begin(), program);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    REQUIRE(posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), environ) == 0);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    out = fdopen(fds[0], "r");
  }
  ~child() {
    if (pid > 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
    if (out) fclose(out);
  }
  std::string line() {
    char buf[4096];
    if (!fgets(buf, sizeof buf, out)) return {};
    return buf;
  }
  std::string rest_of_output() {
    std::string all;
    for (std::string l = line(); !l.empty(); l = line()) all += l;
    return all;
  }
  /// Exit status, or -1 if it did not exit normally.
  int wait() {
    int status = 0;
    waitpid(pid, &status, 0);
    pid = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  std::uint16_t listening() {
    auto l = line();
    REQUIRE(l.rfind("LISTENING ", 0) == 0);
    return static_cast<std::uint16_t>(std::stoi(l.substr(10)));
  }
};

}  // namespace

TEST_CASE("hanabi-fake-node prints LISTENING <port>, serves, and exits 0 on SIGTERM") {
  child c({"--password", "pw", "--version", "4.1.0"});
  auto port = c.listening();
  CHECK(port > 0);
  auto r = rest(port, "GET", "/version", std::string("pw"));
  CHECK(r.status == 200);
  CHECK(r.body == "4.1.0");
  CHECK(rest(port, "GET", "/version").status == 403);
  kill(c.pid, SIGTERM);
  CHECK(c.wait() == 0);
}

TEST_CASE("hanabi-fake-node exits 0 on SIGINT and closes WebSockets with 1001") {
  child c({});
  auto port = c.listening();
  ws_client ws(port);
  CHECK(ws.next_of("ready")["resumed"] == false);
  kill(c.pid, SIGINT);
  while (ws.next()) {
  }
  CHECK(ws.close_code() == 1001);
  CHECK(c.wait() == 0);
}

TEST_CASE("hanabi-fake-node --help documents the flags and the catalogue, bad flags exit 2") {
  child help({"--help"});
  auto text = help.rest_of_output();
  CHECK(help.wait() == 0);
  for (const char* needle : {"LISTENING", "--time-scale", "--fail-every-nth", "--rest-delay", "--ready-delay", "--drop-after",
                             "--close-after", "--malformed-on-ready", "--oversized-on-ready", "--flood-on-ready",
                             "--kill-after", "--tls-self-signed", "fake:track:", "fake:playlist:", "fakesearch",
                             "fake:error", "fake:stream:", "fake:fail:", "fake:stuck:"})
    CHECK(text.find(needle) != std::string::npos);
  child bad({"--no-such-flag"});
  CHECK(bad.wait() == 2);
}

TEST_CASE("hanabi-fake-node fault flags act on every new session") {
  child c({"--malformed-on-ready", "--flood-on-ready", "20:5", "--close-after", "100", "--close-code", "4321"});
  auto port = c.listening();
  ws_client ws(port);
  CHECK(ws.next_json()["op"] == "ready");
  bool malformed = false;
  int updates = 0;
  while (auto m = ws.next()) {
    auto j = nlohmann::json::parse(*m, nullptr, false);
    if (j.is_discarded()) malformed = true;
    else if (j["op"] == "playerUpdate") ++updates;
  }
  CHECK(malformed);
  CHECK(updates == 20);
  CHECK(ws.close_code() == 4321);
  kill(c.pid, SIGTERM);
  CHECK(c.wait() == 0);
}
