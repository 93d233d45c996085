#include "script.hpp"

#include "../core/args.hpp"

#include <fmt/format.h>

#include <charconv>

namespace bot::offline {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

hanabi::failure syntax(std::size_t column, std::string_view what) {
  return fail(errc::script_syntax, fmt::format("column {}: {}", column, what));
}

// A "quoted" value starting at line[i] == '"'; `i` ends past the closing quote.
hanabi::result<std::string> quoted(std::string_view line, std::size_t& i) {
  const std::size_t start = i + 1;
  std::string out;
  for (++i; i < line.size(); ++i) {
    if (line[i] == '"') {
      ++i;
      return out;
    }
    if (line[i] == '\\' && i + 1 < line.size()) ++i;
    out += line[i];
  }
  return syntax(start, "the quote is never closed");
}

hanabi::result<std::chrono::milliseconds> duration(const script_token& t) {
  std::string_view s = t.value;
  std::int64_t scale = 1000;
  if (s.ends_with("ms")) {
    scale = 1;
    s.remove_suffix(2);
  } else if (s.ends_with('s')) {
    s.remove_suffix(1);
  }
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size() || n < 0 || n > 3'600'000)
    return syntax(t.column, fmt::format("`{}` is not a duration: use 2s or 500ms", t.value));
  return std::chrono::milliseconds(n * scale);
}

// Takes the context keys out of `tokens` into a script_context.
hanabi::result<script_context> take_context(std::vector<script_token>& tokens) {
  script_context ctx;
  std::vector<script_token> rest;
  for (auto& t : tokens) {
    auto bad = [&](const hanabi::failure& f) {
      return fail(errc::script_bad_context, fmt::format("column {}: {}: {}", t.column, t.key, f.diag.best_message()));
    };
    if (t.key == "user") {
      auto u = parse_user(t.value);
      if (!u) return bad(u.error());
      ctx.user = *u;
    } else if (t.key == "voice") {
      if (t.value == "none") {
        ctx.voice = std::optional<hanabi::channel_id>{};
        continue;
      }
      auto c = parse_channel(t.value);
      if (!c) return bad(c.error());
      ctx.voice = std::optional(*c);
    } else if (t.key == "guild") {
      auto g = parse_guild(t.value);
      if (!g) return bad(g.error());
      ctx.guild = *g;
    } else if (t.key == "channel") {
      auto c = parse_channel(t.value);
      if (!c) return bad(c.error());
      ctx.channel = *c;
    } else {
      rest.push_back(std::move(t));
    }
  }
  tokens = std::move(rest);
  return ctx;
}

hanabi::result<script_line> command(std::string name, std::vector<script_token> tokens, script_context ctx) {
  command_line c{std::move(name), {}, {}, std::move(ctx)};
  for (auto& t : tokens) {
    if (t.key.empty() && c.subcommand.empty() && c.options.empty()) {
      c.subcommand = std::move(t.value);
    } else if (t.key.empty()) {
      return syntax(t.column, fmt::format("`{}` needs a name: write option:{}", t.value, t.value));
    } else if (!c.options.emplace(t.key, t.value).second) {
      return syntax(t.column, fmt::format("the option `{}` is given twice", t.key));
    }
  }
  return c;
}

hanabi::result<script_line> component(std::string bot, const std::vector<script_token>& tokens, script_context ctx) {
  component_line c{std::move(bot), {}, {}, std::move(ctx)};
  for (const auto& t : tokens) {
    if (t.key == "button" || t.key == "select") {
      c.custom_id = t.value;
    } else if (t.key == "value") {
      for (std::string_view rest = t.value; !rest.empty();) {
        auto comma = rest.find(',');
        c.values.emplace_back(rest.substr(0, comma));
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
      }
    } else {
      return syntax(t.column, fmt::format("`{}` is not understood here: use button:ID or select:ID value:V", t.value));
    }
  }
  if (c.custom_id.empty()) return syntax(1, "say which component: button:ID or select:ID");
  return c;
}

}  // namespace

hanabi::result<std::vector<script_token>> tokenize(std::string_view line) {
  std::vector<script_token> tokens;
  std::size_t i = 0;
  while (i < line.size()) {
    if (is_space(line[i])) {
      ++i;
      continue;
    }
    if (line[i] == '#') break;
    script_token t;
    t.column = i + 1;
    std::string word;
    while (i < line.size() && !is_space(line[i]) && line[i] != '"') {
      if (line[i] == ':' && t.key.empty() && !word.empty()) {
        t.key = std::move(word);
        word.clear();
      } else {
        word += line[i];
      }
      ++i;
    }
    if (i < line.size() && line[i] == '"') {
      if (!word.empty()) return syntax(i + 1, "a quote must start the value");
      auto q = quoted(line, i);
      if (!q) return q.error();
      word = std::move(*q);
      if (i < line.size() && !is_space(line[i])) return syntax(i + 1, "text follows a closing quote");
    } else if (!t.key.empty() && word.empty()) {
      return syntax(t.column, fmt::format("`{}:` has no value", t.key));
    }
    t.value = std::move(word);
    tokens.push_back(std::move(t));
  }
  return tokens;
}

hanabi::result<script_line> parse_line(std::string_view line) {
  auto tokens = tokenize(line);
  if (!tokens) return tokens.error();
  if (tokens->empty()) return empty_line{};
  script_token head = tokens->front();
  tokens->erase(tokens->begin());
  if (!head.key.empty())
    return fail(errc::script_unknown_directive,
                fmt::format("column {}: a line starts with /command, @bot, join, leave or wait", head.column));
  if (head.value == "wait") {
    if (tokens->size() != 1 || !tokens->front().key.empty()) return syntax(head.column, "write wait 2s or wait 500ms");
    auto d = duration(tokens->front());
    if (!d) return d.error();
    return wait_line{*d};
  }
  auto ctx = take_context(*tokens);
  if (!ctx) return ctx.error();
  if (head.value.size() > 1 && head.value.front() == '/') return command(head.value.substr(1), std::move(*tokens), *ctx);
  if (head.value.size() > 1 && head.value.front() == '@') return component(head.value.substr(1), *tokens, *ctx);
  if (head.value == "join" || head.value == "leave") {
    if (!tokens->empty()) return syntax(tokens->front().column, "join and leave take only user: and voice:");
    if (!ctx->user) return fail(errc::script_bad_context, fmt::format("column {}: say who: user:ID", head.column));
    if (head.value == "leave") ctx->voice = std::optional<hanabi::channel_id>{};
    if (head.value == "join" && !(ctx->voice && *ctx->voice))
      return fail(errc::script_bad_context, fmt::format("column {}: say where: voice:ID", head.column));
    return voice_line{*ctx};
  }
  return fail(errc::script_unknown_directive,
              fmt::format("column {}: `{}` is not /command, @bot, join, leave or wait", head.column, head.value));
}

}  // namespace bot::offline
