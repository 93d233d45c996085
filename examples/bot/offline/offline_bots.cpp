#include "offline_bots.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <random>
#include <system_error>

namespace bot::offline {

namespace {

constexpr const char* parent_name = "hanabi";

std::string child_name(int i) { return fmt::format("child-{}", i + 1); }

// The children's config: everything but the control port is known before the parent listens.
std::string config_text(const offline_bots_options& o, unsigned short control_port) {
  std::string t = fmt::format("# Written by hanabi-bot --offline for its children.\n"
                              "[parent]\nname = \"{}\"\ntoken_env = \"HANABI_OFFLINE_TOKEN\"\n",
                              parent_name);
  for (int i = 0; i < o.children; ++i)
    t += fmt::format("\n[[children]]\nname = \"{}\"\ntoken_env = \"HANABI_OFFLINE_TOKEN\"\n", child_name(i));
  t += fmt::format("\n[[nodes]]\nname = \"fake\"\nhost = \"127.0.0.1\"\nport = {}\npassword_env = \"HANABI_OFFLINE_NODE_PASSWORD\"\n",
                   o.node_port);
  t += "\n[storage]\n" + o.storage;
  t += fmt::format("\n[control]\naddress = \"127.0.0.1\"\nport = {}\nsecret_env = \"HANABI_OFFLINE_SECRET\"\n", control_port);
  t += fmt::format("\n[behaviour]\ninactivity_timeout = {}\n", o.inactivity_timeout.count());
  if (o.rules.dj_role) t += fmt::format("dj_role = \"{}\"\n", *o.rules.dj_role);
  return t;
}

std::string random_secret() {
  std::random_device rd;
  return fmt::format("{:08x}{:08x}{:08x}{:08x}", rd(), rd(), rd(), rd());
}

hanabi::failure setup_failure(std::string what) {
  return hanabi::failure{hanabi::error::invalid_argument, hanabi::diagnostics{std::move(what)}};
}

hanabi::result<void> write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  if (!out.flush()) return setup_failure(fmt::format("{} cannot be written", path.string()));
  return {};
}

// The parsed config, or the aggregate a failed parse leaves (start() reports the failure).
bot_config parse_or_default(const offline_bots_options& o) {
  auto parsed = parse_config(config_text(o, 1), o.dir / "bot.toml");
  return parsed ? *parsed : bot_config{};
}

}  // namespace

hanabi::result<void> write_offline_config(const offline_bots_options& o, unsigned short control_port,
                                          const hanabi::secret& secret) {
  if (auto w = write_file(o.dir / "bot.toml", config_text(o, control_port)); !w) return w;
  const std::string env = fmt::format(
      "HANABI_OFFLINE_TOKEN=offline\nHANABI_OFFLINE_NODE_PASSWORD=youshallnotpass\nHANABI_OFFLINE_SECRET={}\n",
      secret.reveal());
  if (auto w = write_file(o.dir / ".env", env); !w) return w;
  std::error_code ec;
  std::filesystem::permissions(o.dir / ".env", std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, ec);
  return {};
}

hanabi::user_id offline_user_id(std::size_t index) { return hanabi::user_id{901 + index}; }

std::optional<hanabi::user_id> offline_user_id(const bot_config& config, std::string_view name) {
  if (name == config.parent.name) return offline_user_id(0);
  for (std::size_t i = 0; i < config.children.size(); ++i)
    if (config.children[i].name == name) return offline_user_id(i + 1);
  return std::nullopt;
}

offline_bots::offline_bots(boost::asio::io_context& io, offline_bots_options options)
    : io_(io),
      options_(std::move(options)),
      secret_(random_secret()),
      config_(parse_or_default(options_)),
      world_(std::make_shared<voice_world>()),
      gateway_(io.get_executor(), world_, {.name = parent_name, .self = offline_user_id(0), .print = options_.print}),
      sim_(io.get_executor(), world_, {.token = secret_, .print = options_.print}) {
  for (std::size_t i = 0; i < config_.children.size(); ++i) sim_.add_bot(config_.children[i].name, offline_user_id(i + 1));
}

offline_bots::~offline_bots() { sim_.stop(); }

hanabi::result<void> offline_bots::start() {
  std::error_code ec;
  std::filesystem::create_directories(options_.dir, ec);
  if (ec) return setup_failure(fmt::format("{} cannot be created: {}", options_.dir.string(), ec.message()));
  if (config_.children.size() != static_cast<std::size_t>(options_.children)) return setup_failure("the offline config does not parse");
  auto sim_endpoint = sim_.listen();
  if (!sim_endpoint) return sim_endpoint.error();
  sim_port_ = sim_endpoint->port();

  bot::secrets s;
  s.token = hanabi::secret{"offline"};
  s.node_passwords["fake"] = hanabi::secret{"youshallnotpass"};
  s.control = secret_;
  bot_config parent_config = config_;
  parent_config.control.port = 0;  // an ephemeral port; the children learn it from their config
  parent_ = std::make_unique<parent_bot>(
      io_, gateway_,
      parent_bot_options{.config = std::move(parent_config),
                         .secrets = std::move(s),
                         .child_program = [this](const std::string& name) { return child_program(name); },
                         .nodes = {},
                         .search_prefix = "ytsearch:",
                         .log = options_.log});
  // The children come once the parent's own sessions are back (parent_bot::start).
  parent_->start([this](hanabi::error_code) {
    if (auto spawned = listen_and_spawn(); !spawned) options_.log.error("{}", spawned.error().what());
  });
  return {};
}

hanabi::result<void> offline_bots::listen_and_spawn() {
  auto control = parent_->listen();
  if (!control) return control.error();
  if (auto w = write_offline_config(options_, control->port(), secret_); !w) return w;
  return parent_->spawn_children();
}

hanabi::child_program offline_bots::child_program(const std::string& name) const {
  return hanabi::child_program{
      .name = name,
      .program = options_.program.string(),
      .args = {"--child", name, "--config", (options_.dir / "bot.toml").string(), "--offline-discord",
               fmt::format("127.0.0.1:{}", sim_port_)},
      .env = {},
  };
}

bool offline_bots::ready() const {
  if (!parent_ || !parent_->ready()) return false;
  auto registered = parent_->manager().children();
  auto dialed = sim_.connected();
  for (const auto& child : config_.children) {
    if (std::find(registered.begin(), registered.end(), child.name) == registered.end()) return false;
    if (std::find(dialed.begin(), dialed.end(), child.name) == dialed.end()) return false;
  }
  return true;
}

void offline_bots::shutdown(std::function<void()> done) {
  if (!parent_) {
    if (done) done();
    return;
  }
  parent_->shutdown([this, done = std::move(done)] {
    sim_.stop();
    if (done) done();
  });
}

std::map<std::string, offline_gateway*> offline_bots::gateways() {
  std::map<std::string, offline_gateway*> all{{parent_name, &gateway_}};
  for (const auto& child : config_.children) all[child.name] = sim_.find(child.name);
  return all;
}

}  // namespace bot::offline
