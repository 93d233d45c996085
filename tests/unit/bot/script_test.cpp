#include "offline/script.hpp"

#include <catch2/catch.hpp>

using namespace bot;
using namespace bot::offline;

namespace {
using voice_change = std::optional<std::optional<hanabi::channel_id>>;
const voice_change to_101{std::in_place, hanabi::channel_id{101}};
const voice_change to_none{std::in_place, std::nullopt};

errc code_of(const hanabi::result<script_line>& r) {
  REQUIRE_FALSE(r.has_value());
  return static_cast<errc>(r.error().code.value());
}
}  // namespace

TEST_CASE("script tokens: bare words, key:value and quotes", "[bot][script]") {
  auto t = tokenize(R"(/play query:"emusearch:lofi \"live\"" user:11  next:yes  # a comment)");
  REQUIRE(t.has_value());
  REQUIRE(t->size() == 4);
  CHECK((*t)[0] == script_token{"", "/play", 1});
  CHECK((*t)[1] == script_token{"query", "emusearch:lofi \"live\"", 7});
  CHECK((*t)[2] == script_token{"user", "11", 39});
  CHECK((*t)[3] == script_token{"next", "yes", 48});
  CHECK(tokenize("a:b:c")->front() == script_token{"a", "b:c", 1});
  CHECK(tokenize(R"(name:"")")->front() == script_token{"name", "", 1});
  CHECK(tokenize("   # only a comment")->empty());
}

TEST_CASE("script tokens: errors name the column", "[bot][script]") {
  auto open = tokenize(R"(/play query:"never closed)");
  REQUIRE_FALSE(open.has_value());
  CHECK(open.error().code == make_error_code(errc::script_syntax));
  CHECK(open.error().diag.best_message() == "column 13: the quote is never closed");
  CHECK_FALSE(tokenize("/play query:").has_value());
  CHECK_FALSE(tokenize("/play query: next").has_value());
  CHECK_FALSE(tokenize(R"(/play query:"a"b)").has_value());
  CHECK_FALSE(tokenize(R"(/play query:ab"c")").has_value());
}

TEST_CASE("script lines: a command with context and options", "[bot][script]") {
  auto r = parse_line(R"(/play query:"emusearch:lofi" user:11 voice:101 position:2)");
  REQUIRE(r.has_value());
  const auto& c = std::get<command_line>(*r);
  CHECK(c.name == "play");
  CHECK(c.subcommand.empty());
  CHECK(c.options == std::map<std::string, std::string>{{"query", "emusearch:lofi"}, {"position", "2"}});
  CHECK(c.context.user == hanabi::user_id{11});
  CHECK(c.context.voice == to_101);
  CHECK_FALSE(c.context.guild);
  CHECK(c.context.voice != to_none);
}

TEST_CASE("script lines: subcommands, components, voice and waits", "[bot][script]") {
  auto sub = std::get<command_line>(parse_line("/playlist create name:chill user:<@11> guild:5 channel:<#6>").value());
  CHECK(sub.subcommand == "create");
  CHECK(sub.options.at("name") == "chill");
  CHECK(sub.context.guild == hanabi::guild_id{5});
  CHECK(sub.context.channel == hanabi::channel_id{6});

  auto button = std::get<component_line>(parse_line("@child-1 button:np_skip user:11").value());
  CHECK(button == component_line{"child-1", "np_skip", {}, {hanabi::user_id{11}, {}, {}, {}}});
  auto select = std::get<component_line>(parse_line("@hanabi select:search value:2,3").value());
  CHECK(select.custom_id == "search");
  CHECK(select.values == std::vector<std::string>{"2", "3"});

  auto join = std::get<voice_line>(parse_line("join user:12 voice:101").value());
  CHECK(join.context.voice == to_101);
  auto leave = std::get<voice_line>(parse_line("leave user:12").value());
  CHECK(leave.context.voice == to_none);
  auto gone = std::get<command_line>(parse_line("/queue voice:none").value());
  CHECK(gone.context.voice == to_none);

  CHECK(std::get<wait_line>(parse_line("wait 2s").value()).duration == std::chrono::seconds(2));
  CHECK(std::get<wait_line>(parse_line("wait 250ms").value()).duration == std::chrono::milliseconds(250));
  CHECK(std::holds_alternative<empty_line>(parse_line("").value()));
  CHECK(std::holds_alternative<empty_line>(parse_line("# just words").value()));
}

TEST_CASE("script lines: every malformed line is a typed error", "[bot][script]") {
  CHECK(code_of(parse_line("play query:x")) == errc::script_unknown_directive);
  CHECK(code_of(parse_line("user:11 /play")) == errc::script_unknown_directive);
  CHECK(code_of(parse_line("/")) == errc::script_unknown_directive);
  CHECK(code_of(parse_line("/play user:eleven")) == errc::script_bad_context);
  CHECK(code_of(parse_line("/play voice:0")) == errc::script_bad_context);
  CHECK(code_of(parse_line("/play query:a query:b")) == errc::script_syntax);
  CHECK(code_of(parse_line("/playlist create chill")) == errc::script_syntax);
  CHECK(code_of(parse_line("@child-1 user:11")) == errc::script_syntax);
  CHECK(code_of(parse_line("@child-1 press:np_skip")) == errc::script_syntax);
  CHECK(code_of(parse_line("wait")) == errc::script_syntax);
  CHECK(code_of(parse_line("wait forever")) == errc::script_syntax);
  CHECK(code_of(parse_line("wait -2s")) == errc::script_syntax);
  CHECK(code_of(parse_line("join user:12")) == errc::script_bad_context);
  CHECK(code_of(parse_line("join voice:101")) == errc::script_bad_context);
  CHECK(code_of(parse_line("leave user:12 now")) == errc::script_syntax);
  auto r = parse_line("/play user:abc");
  CHECK(r.error().diag.best_message() == "column 7: user: `abc` is not a Discord id or mention");
}
