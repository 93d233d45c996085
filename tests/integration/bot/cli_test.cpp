// hanabi-bot as a program: flags, exit codes and messages, run as a child process.
#include "test_data.hpp"

#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace fs = std::filesystem;

namespace {

struct run_result {
  int exit_code = -1;
  std::string out, err;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A scratch directory per test case, removed at the end.
struct scratch {
  fs::path dir;
  scratch() {
    dir = fs::temp_directory_path() / ("hanabi-bot-cli-" + std::to_string(::getpid()) + "-" +
                                       std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    fs::create_directories(dir);
  }
  ~scratch() { fs::remove_all(dir); }
  fs::path write(const std::string& name, const std::string& text) const {
    std::ofstream(dir / name) << text;
    return dir / name;
  }
  // Runs hanabi-bot with `args` (shell words), with a clean environment for the secrets.
  run_result run(const std::string& args) const {
    const auto bot = hanabi::test::binary_dir() / "examples" / "bot" / "hanabi-bot";
    const auto cmd = "env -u HANABI_TOKEN -u LAVALINK_PASSWORD " + bot.string() + " " + args + " >" +
                     (dir / "out").string() + " 2>" + (dir / "err").string() + " </dev/null";
    const int status = std::system(cmd.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(dir / "out"), slurp(dir / "err")};
  }
};

const std::string solo_config = R"([parent]
name = "solo"
token_env = "HANABI_TOKEN"

[[nodes]]
name = "main"
host = "127.0.0.1"
password_env = "LAVALINK_PASSWORD"
)";

}  // namespace

TEST_CASE("hanabi-bot: --help, --version and a bad command line", "[bot][cli]") {
  scratch s;
  auto help = s.run("--help");
  CHECK(help.exit_code == 0);
  CHECK_THAT(help.out, Catch::Contains("--offline") && Catch::Contains("exit codes"));
  auto version = s.run("--version");
  CHECK(version.exit_code == 0);
  CHECK(version.out.starts_with("hanabi-bot 0."));
  auto bad = s.run("--frobnicate");
  CHECK(bad.exit_code == 3);
  CHECK_THAT(bad.err, Catch::Contains("unknown argument --frobnicate"));
  CHECK(s.run("").exit_code == 3);
  CHECK(s.run("--config").exit_code == 3);
  CHECK(s.run("--offline --child child-1").exit_code == 3);
}

TEST_CASE("hanabi-bot --check: a good config with secrets from .env", "[bot][cli]") {
  scratch s;
  auto config = s.write("bot.toml", solo_config);
  s.write(".env", "HANABI_TOKEN=abc\nLAVALINK_PASSWORD='pw'\n");
  auto r = s.run("--config " + config.string() + " --check");
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("ok (solo with 0 children, 1 node)"));
  CHECK_THAT(r.out + r.err, !Catch::Contains("abc"));  // a secret never prints
}

TEST_CASE("hanabi-bot --check: a bad config exits 2 with file, line, key and reason", "[bot][cli]") {
  scratch s;
  auto missing = s.run("--config " + (s.dir / "nope.toml").string() + " --check");
  CHECK(missing.exit_code == 2);
  CHECK_THAT(missing.err, Catch::Contains("nope.toml: cannot be read"));

  auto with_token = s.write("token.toml", solo_config + "token = \"abc\"\n");
  auto token = s.run("--config " + with_token.string() + " --check");
  CHECK(token.exit_code == 2);
  CHECK_THAT(token.err, Catch::Contains("token.toml:9: nodes[0].token: secrets are never read from the config"));

  auto config = s.write("bot.toml", solo_config);
  auto no_secret = s.run("--config " + config.string() + " --check");
  CHECK(no_secret.exit_code == 2);
  CHECK_THAT(no_secret.err, Catch::Contains("bot.toml:3: HANABI_TOKEN: the environment variable holding the token"));

  s.write(".env", "HANABI_TOKEN=abc\nnot a line\n");
  auto bad_env = s.run("--config " + config.string() + " --check");
  CHECK(bad_env.exit_code == 2);
  CHECK_THAT(bad_env.err, Catch::Contains(".env:2:"));
}

TEST_CASE("hanabi-bot --offline runs a script against the bundled fake node", "[bot][cli]") {
  scratch s;
  auto script = s.write("demo.txt", R"(# a demo
/play query:"fake:track:lofi" user:11 voice:101
/play query:"unterminated user:11
@nobody button:np_skip
wait 10ms
)");
  auto r = s.run("--offline --script " + script.string());
  CHECK(r.exit_code == 4);  // two lines did not run
  CHECK_THAT(r.out, Catch::Contains("fake Lavalink node on 127.0.0.1:"));
  CHECK_THAT(r.out, Catch::Contains("[hanabi] received /play by <@11> query:fake:track:lofi"));
  CHECK_THAT(r.err, Catch::Contains("demo.txt:3: column 13: the quote is never closed"));
  CHECK_THAT(r.err, Catch::Contains("demo.txt:4: no bot named `nobody` runs here"));

  auto clean = s.write("clean.txt", "/queue user:11\n");
  CHECK(s.run("--offline --script " + clean.string()).exit_code == 0);
  CHECK(s.run("--offline --script " + (s.dir / "missing.txt").string()).exit_code == 3);
}
