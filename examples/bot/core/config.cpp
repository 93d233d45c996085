#include "config.hpp"

#include "args.hpp"

#include <hanabi/storage/open_store.hpp>

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

namespace bot {
namespace {

// Thrown inside this file only, and turned into a config_error at the public functions: the
// validation reads as a list of rules instead of a ladder of early returns.
struct rejected {
  config_error error;
};

[[noreturn]] void reject(errc code, source_position where, std::string key, std::string reason) {
  throw rejected{{code, std::move(where), std::move(key), std::move(reason)}};
}

bool valid_env_name(std::string_view s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s.front()))) return false;
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isalnum(c) || c == '_'; });
}

bool valid_bot_name(std::string_view s) {
  return !s.empty() && s.size() <= 32 && std::all_of(s.begin(), s.end(), [](unsigned char c) {
           return std::islower(c) || std::isdigit(c) || c == '-' || c == '_';
         });
}

// A key that looks like it holds a secret itself, rather than the name of a variable holding it.
bool secret_key(std::string_view key) {
  for (std::string_view word : {"token", "password", "secret"}) {
    const bool suffix = key.size() > word.size() && key.ends_with(word) && key[key.size() - word.size() - 1] == '_';
    if (key == word || suffix) return true;
  }
  return false;
}

// One TOML table being read: typed getters that know the table's path for messages, and a record
// of the keys read so that finish() can reject the unknown ones.
class table_reader {
 public:
  table_reader(const toml::table& table, std::string path, const std::string& file)
      : table_(table), path_(std::move(path)), file_(file) {}

  source_position where() const { return where(table_); }
  source_position where(const toml::node& n) const {
    return {file_, std::max(1, static_cast<int>(n.source().begin.line))};
  }
  std::string key(std::string_view k) const { return path_.empty() ? std::string(k) : path_ + "." + std::string(k); }

  const toml::node* find(std::string_view k) {
    known_.insert(std::string(k));
    return table_.get(k);
  }
  const toml::node& require(std::string_view k) {
    const toml::node* n = find(k);
    if (!n) reject(errc::config_missing_key, where(), key(k), "is required");
    return *n;
  }

  std::string string(std::string_view k) { return as_string(k, require(k)); }
  std::optional<std::string> optional_string(std::string_view k) {
    const toml::node* n = find(k);
    return n ? std::optional(as_string(k, *n)) : std::nullopt;
  }
  std::optional<std::int64_t> optional_integer(std::string_view k, std::int64_t min, std::int64_t max) {
    const toml::node* n = find(k);
    if (!n) return std::nullopt;
    auto v = n->value<std::int64_t>();
    if (!n->is_integer() || !v) reject(errc::config_wrong_type, where(*n), key(k), "must be an integer");
    if (*v < min || *v > max)
      reject(errc::config_invalid_value, where(*n), key(k), fmt::format("must be between {} and {}", min, max));
    return *v;
  }
  std::optional<bool> optional_bool(std::string_view k) {
    const toml::node* n = find(k);
    if (!n) return std::nullopt;
    if (!n->is_boolean()) reject(errc::config_wrong_type, where(*n), key(k), "must be true or false");
    return n->value<bool>();
  }
  env_ref env(std::string_view k) {
    const toml::node& n = require(k);
    auto name = as_string(k, n);
    if (!valid_env_name(name))
      reject(errc::config_invalid_value, where(n), key(k),
             fmt::format("`{}` is not an environment variable name (letters, digits and _)", name));
    return {name, where(n)};
  }
  std::optional<std::uint64_t> optional_snowflake(std::string_view k) {
    auto s = optional_string(k);
    if (!s) return std::nullopt;
    auto id = parse_snowflake(*s);
    if (!id) reject(errc::config_invalid_value, where(*table_.get(k)), key(k), "must be a Discord id (digits, in quotes)");
    return *id;
  }
  std::vector<std::string> strings(std::string_view k) {
    std::vector<std::string> out;
    const toml::node* n = find(k);
    if (!n) return out;
    const toml::array* a = n->as_array();
    if (!a) reject(errc::config_wrong_type, where(*n), key(k), "must be an array of strings");
    for (const toml::node& e : *a) {
      if (!e.is_string()) reject(errc::config_wrong_type, where(e), key(k), "must be an array of strings");
      out.push_back(*e.value<std::string>());
    }
    return out;
  }
  const toml::table* optional_table(std::string_view k) {
    const toml::node* n = find(k);
    if (n && !n->is_table()) reject(errc::config_wrong_type, where(*n), key(k), "must be a table");
    return n ? n->as_table() : nullptr;
  }

  /// Rejects the first key that no getter asked for.
  void finish() const {
    for (auto&& [k, v] : table_)
      if (!known_.contains(std::string(k.str())))
        reject(errc::config_unknown_key, where(v), key(k.str()), "is not a known key (a typo?)");
  }

 private:
  std::string as_string(std::string_view k, const toml::node& n) const {
    if (!n.is_string()) reject(errc::config_wrong_type, where(n), key(k), "must be a string");
    return *n.value<std::string>();
  }

  const toml::table& table_;
  std::string path_;
  const std::string& file_;
  std::set<std::string> known_;
};

// Walks every table first: a secret anywhere is the most important thing to report.
void reject_secrets(const toml::node& node, const std::string& path, const std::string& file) {
  if (const toml::table* t = node.as_table()) {
    for (auto&& [k, v] : *t) {
      std::string key = path.empty() ? std::string(k.str()) : path + "." + std::string(k.str());
      if (secret_key(k.str()))
        reject(errc::secret_in_config, {file, std::max(1, static_cast<int>(v.source().begin.line))}, key,
               fmt::format("secrets are never read from the config: put it in an environment variable or the "
                           ".env file, and name that variable in `{}_env`", k.str()));
      reject_secrets(v, key, file);
    }
  } else if (const toml::array* a = node.as_array()) {
    for (std::size_t i = 0; i < a->size(); ++i) reject_secrets(*a->get(i), fmt::format("{}[{}]", path, i), file);
  }
}

bot_account read_account(table_reader& r) {
  bot_account a;
  a.name = r.string("name");
  if (!valid_bot_name(a.name))
    reject(errc::config_invalid_value, r.where(*r.find("name")), r.key("name"),
           "must be 1 to 32 lowercase letters, digits, '-' or '_'");
  a.token_env = r.env("token_env");
  return a;
}

// Calls f(reader) for each table of the array of tables `k` (absent = none).
template <class F>
void for_each_table(table_reader& parent, std::string_view k, const std::string& file, F&& f) {
  const toml::node* n = parent.find(k);
  if (!n) return;
  const toml::array* a = n->as_array();
  if (!a || !a->is_array_of_tables())
    reject(errc::config_wrong_type, parent.where(*n), parent.key(k), fmt::format("must be tables written [[{}]]", k));
  for (std::size_t i = 0; i < a->size(); ++i) {
    table_reader r(*a->get(i)->as_table(), fmt::format("{}[{}]", parent.key(k), i), file);
    f(r);
    r.finish();
  }
}

node_entry read_node(table_reader& r) {
  node_entry n;
  n.name = r.string("name");
  n.host = r.string("host");
  if (n.host.empty()) reject(errc::config_invalid_value, r.where(*r.find("host")), r.key("host"), "must not be empty");
  n.port = static_cast<std::uint16_t>(r.optional_integer("port", 1, 65535).value_or(n.port));
  n.password_env = r.env("password_env");
  n.tls = r.optional_bool("tls").value_or(false);
  n.regions = r.strings("regions");
  return n;
}

redis_entry read_redis(table_reader& r) {
  redis_entry e;
  e.host = r.optional_string("host").value_or(e.host);
  e.port = static_cast<std::uint16_t>(r.optional_integer("port", 1, 65535).value_or(e.port));
  e.unix_socket = r.optional_string("unix_socket").value_or("");
  if (r.find("password_env")) e.password_env = r.env("password_env");
  e.database = static_cast<int>(r.optional_integer("database", 0, 65535).value_or(0));
  e.key_prefix = r.optional_string("key_prefix").value_or(e.key_prefix);
  if (e.key_prefix.empty())
    reject(errc::config_invalid_value, r.where(*r.find("key_prefix")), r.key("key_prefix"),
           "must not be empty: it keeps this bot's keys apart from everything else on the server");
  e.claim_lease = std::chrono::seconds(r.optional_integer("claim_lease", 3, 3600).value_or(e.claim_lease.count()));
  return e;
}

// [storage]: kind = "sqlite" (the default: `path`) or "redis" (a server: see redis_entry).
void read_storage(table_reader& r, bot_config& c) {
  const auto kind = r.optional_string("kind").value_or("sqlite");
  if (kind == "redis") {
    if (!hanabi::storage::redis_store_built)
      reject(errc::config_unsupported, r.where(*r.find("kind")), r.key("kind"),
             "\"redis\" needs a hanabi-bot built with the Redis store (libhiredis-dev installed at build time)");
    if (const toml::node* p = r.find("path"))
      reject(errc::config_invalid_value, r.where(*p), r.key("path"), "is the SQLite file: it goes with kind = \"sqlite\"");
    c.redis = read_redis(r);
    return;
  }
  if (kind != "sqlite")
    reject(errc::config_invalid_value, r.where(*r.find("kind")), r.key("kind"), "must be \"sqlite\" or \"redis\"");
  if (auto p = r.optional_string("path")) {
    if (p->empty()) reject(errc::config_invalid_value, r.where(*r.find("path")), r.key("path"), "must not be empty");
    c.storage_path = *p;
  }
}

bot_config read_config(const toml::table& root, const std::filesystem::path& path) {
  const std::string file = path.string();
  reject_secrets(root, "", file);
  bot_config c;
  c.file = path;
  c.env_file = path.parent_path() / ".env";
  table_reader top(root, "", file);

  const toml::table* parent = top.optional_table("parent");
  if (!parent) reject(errc::config_missing_key, {file, 1}, "parent", "is required: the [parent] table names the main bot");
  table_reader p(*parent, "parent", file);
  c.parent = read_account(p);
  if (auto owner = p.optional_snowflake("owner_id")) c.owner = hanabi::user_id{*owner};
  p.finish();

  std::set<std::string> bot_names{c.parent.name};
  for_each_table(top, "children", file, [&](table_reader& r) {
    c.children.push_back(read_account(r));
    c.children.back().spawn = r.optional_bool("spawn").value_or(true);
    if (!bot_names.insert(c.children.back().name).second)
      reject(errc::config_invalid_value, r.where(*r.find("name")), r.key("name"), "is used by another bot");
  });

  std::set<std::string> node_names;
  for_each_table(top, "nodes", file, [&](table_reader& r) {
    c.nodes.push_back(read_node(r));
    if (!node_names.insert(c.nodes.back().name).second)
      reject(errc::config_invalid_value, r.where(*r.find("name")), r.key("name"), "is used by another node");
  });
  if (c.nodes.empty()) reject(errc::config_missing_key, {file, 1}, "nodes", "at least one [[nodes]] table is required");

  if (const toml::table* s = top.optional_table("storage")) {
    table_reader r(*s, "storage", file);
    read_storage(r, c);
    r.finish();
  }
  if (c.storage_path.is_relative()) c.storage_path = path.parent_path() / c.storage_path;

  const toml::table* control = top.optional_table("control");
  if (!control && !c.children.empty())
    reject(errc::config_missing_key, {file, 1}, "control", "is required when there are children");
  if (control) {
    table_reader r(*control, "control", file);
    c.control.address = r.optional_string("address").value_or(c.control.address);
    c.control.port = static_cast<std::uint16_t>(r.optional_integer("port", 1, 65535).value_or(c.control.port));
    c.control.secret_env = r.env("secret_env");
    c.control.orphan_grace = std::chrono::seconds(r.optional_integer("orphan_grace", 1, 86400).value_or(30));
    r.finish();
  }

  if (const toml::table* b = top.optional_table("behaviour")) {
    table_reader r(*b, "behaviour", file);
    c.inactivity_timeout = std::chrono::seconds(r.optional_integer("inactivity_timeout", 0, 86400).value_or(300));
    c.now_playing_interval = std::chrono::seconds(r.optional_integer("now_playing_interval", 5, 3600).value_or(15));
    c.dj_role = r.optional_snowflake("dj_role");
    r.finish();
  }
  top.finish();
  return c;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// The value part of a .env line (after '='): quoted, or bare up to a " #" comment.
std::optional<std::string> env_value(std::string_view v) {
  v = trim(v);
  if (v.empty()) return std::string{};
  const char quote = v.front();
  if (quote != '"' && quote != '\'') {
    auto comment = v.find(" #");
    return std::string(trim(v.substr(0, comment)));
  }
  std::string out;
  std::size_t i = 1;
  for (; i < v.size() && v[i] != quote; ++i) {
    if (quote == '"' && v[i] == '\\' && i + 1 < v.size()) {
      const char e = v[++i];
      out += e == 'n' ? '\n' : e == 't' ? '\t' : e;
    } else {
      out += v[i];
    }
  }
  if (i == v.size()) return std::nullopt;  // unterminated
  auto rest = trim(v.substr(i + 1));
  if (!rest.empty() && !rest.starts_with('#')) return std::nullopt;
  return out;
}

std::optional<std::string> read_whole_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return std::move(ss).str();
}

// Runs f, turning a rejection into the error of a config_result: the one place where the
// internal exception stops.
template <class F>
auto guarded(F&& f) -> config_result<decltype(f())> {
  try {
    return f();
  } catch (const rejected& r) {
    return r.error;
  }
}

std::map<std::string, std::string> read_env_file(std::string_view text, const std::filesystem::path& file) {
  std::map<std::string, std::string> vars;
  int line_no = 0;
  while (!text.empty()) {
    ++line_no;
    auto eol = text.find('\n');
    auto line = trim(text.substr(0, eol));
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    if (line.empty() || line.starts_with('#')) continue;
    if (line.starts_with("export ")) line = trim(line.substr(7));
    auto eq = line.find('=');
    auto key = trim(line.substr(0, eq));
    source_position where{file.string(), line_no};
    if (eq == std::string_view::npos || !valid_env_name(key))
      reject(errc::env_syntax, where, std::string(key), "is not a KEY=VALUE line");
    auto value = env_value(line.substr(eq + 1));
    if (!value) reject(errc::env_syntax, where, std::string(key), "has an unterminated quote or text after it");
    vars[std::string(key)] = std::move(*value);
  }
  return vars;
}

}  // namespace

std::string config_error::what() const {
  std::string out = where.file;
  if (where.line > 0) out += fmt::format(":{}", where.line);
  if (!key.empty()) out += ": " + key;
  return out + ": " + reason;
}

const bot_account* bot_config::find_bot(std::string_view name) const {
  if (parent.name == name) return &parent;
  auto it = std::find_if(children.begin(), children.end(), [&](const bot_account& a) { return a.name == name; });
  return it == children.end() ? nullptr : &*it;
}

config_result<bot_config> parse_config(std::string_view text, const std::filesystem::path& file) {
  return guarded([&] {
    try {
      toml::table root = toml::parse(text, file.string());
      return read_config(root, file);
    } catch (const toml::parse_error& e) {
      reject(errc::config_syntax, {file.string(), std::max(1, static_cast<int>(e.source().begin.line))}, "",
             std::string(e.description()));
    }
  });
}

config_result<bot_config> load_config(const std::filesystem::path& path) {
  auto text = read_whole_file(path);
  if (!text)
    return guarded([&]() -> bot_config {
      reject(errc::config_unreadable, {path.string(), 0}, "", "cannot be read (does it exist?)");
    });
  return parse_config(*text, path);
}

config_result<std::map<std::string, std::string>> parse_env_file(std::string_view text,
                                                                  const std::filesystem::path& file) {
  return guarded([&] { return read_env_file(text, file); });
}

config_result<environment> load_environment(const std::filesystem::path& env_file) {
  return guarded([&] {
    std::map<std::string, std::string> file_vars;
    std::error_code ec;
    if (std::filesystem::exists(env_file, ec)) {
      auto text = read_whole_file(env_file);
      if (!text) reject(errc::config_unreadable, {env_file.string(), 0}, "", "cannot be read");
      file_vars = read_env_file(*text, env_file);
    }
    return environment{[vars = std::move(file_vars)](std::string_view name) -> std::optional<std::string> {
      if (const char* v = std::getenv(std::string(name).c_str()); v && *v) return std::string(v);
      auto it = vars.find(std::string(name));
      return it == vars.end() ? std::nullopt : std::optional(it->second);
    }};
  });
}

config_result<secrets> resolve_secrets(const bot_config& config, const environment& env, std::string_view bot) {
  return guarded([&] {
    auto read = [&](const env_ref& ref, std::string_view what) {
      auto v = env(ref.variable);
      if (!v || v->empty())
        reject(errc::secret_missing, ref.where, ref.variable,
               fmt::format("the environment variable holding {} is not set (nor in {})", what,
                           config.env_file.filename().string()));
      return hanabi::secret{std::move(*v)};
    };
    const bot_account* account = config.find_bot(bot);
    if (!account) reject(errc::config_invalid_value, {config.file.string(), 0}, "", fmt::format("no bot is named `{}`", bot));
    secrets out;
    out.token = read(account->token_env, fmt::format("the token of `{}`", account->name));
    for (const auto& node : config.nodes)
      out.node_passwords[node.name] = read(node.password_env, fmt::format("the password of node `{}`", node.name));
    if (!config.control.secret_env.variable.empty()) out.control = read(config.control.secret_env, "the control-link secret");
    if (config.redis && !config.redis->password_env.variable.empty())
      out.store_password = read(config.redis->password_env, "the Redis server's password");
    return out;
  });
}

}  // namespace bot
