// The built `hanabi` program, run as a child process: its exit codes and output.
#include "test_data.hpp"
#include "node_fixture.hpp"

#include <cstdio>
#include <filesystem>
#include <sys/wait.h>

using namespace hanabi;
using namespace hanabi::test;

namespace {

struct child_result {
  int code = -1;
  std::string out;
};

std::filesystem::path cli_path() { return hanabi::test::binary_dir() / "tools" / "cli" / "hanabi"; }

/// Runs `hanabi <args>` with a clean environment; returns its exit code and stdout.
child_result run_cli(const std::string& args) {
  std::string command = "env -u HANABI_NODE -u HANABI_PASSWORD " + cli_path().string() + " " + args + " 2>/dev/null";
  child_result r;
  FILE* p = ::popen(command.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  while (auto n = std::fread(buf, 1, sizeof buf, p)) r.out.append(buf, n);
  int status = ::pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace

TEST_CASE("the hanabi program: distinct exit codes for each failure a user can act on") {
  REQUIRE(std::filesystem::exists(cli_path()));
  testing::fake_node fake;
  fake.start();
  const std::string node = "--node " + fake.base_url() + " --password " + fake.options().password;

  auto ok = run_cli(node + " node version");
  CHECK(ok.code == 0);
  CHECK(ok.out.find(fake.options().version) != std::string::npos);
  CHECK(run_cli(node + " load fake:track:x --json").code == 0);
  CHECK(run_cli("").code == 2);
  CHECK(run_cli(node + " frobnicate").code == 2);
  CHECK(run_cli("--node ftp://x node info").code == 3);
  {
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::acceptor a(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
    auto port = a.local_endpoint().port();
    a.close();
    CHECK(run_cli(fmt::format("--node http://127.0.0.1:{} node info", port)).code == 4);
  }
  CHECK(run_cli("--node " + fake.base_url() + " --password nope node info").code == 5);
  CHECK(run_cli("--node " + fake.base_url() + " node info").code == 5);
  CHECK(run_cli(node + " load fake:error").code == 6);
  CHECK(run_cli(node + " decode %%%").code == 6);
  testing::not_lavalink_server web;
  CHECK(run_cli(fmt::format("--node http://127.0.0.1:{} --password x node info", web.port())).code == 7);
}

TEST_CASE("the hanabi program: environment variables name the node") {
  testing::fake_node fake;
  fake.start();
  std::string command = "HANABI_NODE=" + fake.base_url() + " HANABI_PASSWORD=" + fake.options().password + " " +
                        cli_path().string() + " node version >/dev/null 2>&1";
  int status = std::system(command.c_str());
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("the hanabi program: selftest passes") {
  int status = std::system((cli_path().string() + " selftest >/dev/null 2>&1").c_str());
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}
