#include "offline/offline_gateway.hpp"
#include "offline/script_runner.hpp"

#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <string>
#include <vector>

using namespace bot;
using namespace bot::offline;
namespace asio = boost::asio;

namespace {

constexpr hanabi::guild_id guild{1};

struct fixture {
  asio::io_context io;
  std::shared_ptr<voice_world> world = std::make_shared<voice_world>();
  std::vector<std::string> printed;
  offline_gateway parent{io.get_executor(), world, {"hanabi", hanabi::user_id{901}, [this](std::string_view s) { printed.emplace_back(s); }}};
  offline_gateway child{io.get_executor(), world, {"child-1", hanabi::user_id{902}, [this](std::string_view s) { printed.emplace_back(s); }}};
  script_runner runner{"hanabi", {{"hanabi", &parent}, {"child-1", &child}}};
};

message now_playing_like() {
  message m;
  m.embeds.push_back({"Song", "", "", "", "", 0, {}});
  m.rows.push_back({{button{"np_skip", "⏭", "", button_style::secondary, false}}});
  return m;
}

}  // namespace

TEST_CASE("offline gateway: op 4 is answered with the bot's voice state and a voice server", "[bot][offline]") {
  fixture f;
  std::vector<hanabi::voice_state_update> states;
  std::vector<hanabi::voice_server_update> servers;
  f.child.set_events({.on_voice_state = [&](const auto& s) { states.push_back(s); },
                      .on_voice_server = [&](const auto& s) { servers.push_back(s); }});
  f.child.send_voice_update({guild, hanabi::channel_id{101}, false, true});
  CHECK(states.empty());  // never inside the call
  f.io.run();
  REQUIRE(states.size() == 1);
  CHECK(states[0].guild == guild);
  CHECK(states[0].user == hanabi::user_id{902});
  CHECK(states[0].channel == hanabi::channel_id{101});
  CHECK_FALSE(states[0].session_id.empty());
  REQUIRE(servers.size() == 1);
  CHECK(servers[0].endpoint == "offline.discord.media:443");
  CHECK(f.parent.members_in(guild, hanabi::channel_id{101}) == std::vector{hanabi::user_id{902}});

  f.child.send_voice_update({guild, std::nullopt, false, true});
  f.io.restart();
  f.io.run();
  REQUIRE(states.size() == 2);
  CHECK_FALSE(states[1].channel);
  CHECK(servers.size() == 1);  // leaving gets no server update
  CHECK(f.parent.members_in(guild, hanabi::channel_id{101}).empty());
  CHECK(f.printed == std::vector<std::string>{"[child-1] joins voice channel 101", "[child-1] leaves voice"});
}

TEST_CASE("offline gateway: post, edit and delete with every completion token", "[bot][offline]") {
  fixture f;
  std::optional<hanabi::message_id> id;
  f.child.async_post(hanabi::channel_id{10}, now_playing_like(), [&](hanabi::error_code ec, hanabi::message_id m) {
    CHECK_FALSE(ec);
    id = m;
  });
  CHECK_FALSE(id);
  f.io.run();
  REQUIRE(id);
  REQUIRE(f.child.find_message(*id) != nullptr);
  CHECK(f.printed.back() == "[child-1] message 1 in #10:\n┃ Song\n[⏭ np_skip]");

  auto edited = now_playing_like();
  edited.embeds[0].title = "Song (paused)";
  auto future = f.child.async_edit(hanabi::channel_id{10}, *id, edited, asio::use_future);
  f.io.restart();
  f.io.run();
  CHECK_NOTHROW(future.get());
  CHECK(f.child.find_message(*id)->embeds[0].title == "Song (paused)");

  hanabi::error_code wrong_channel, deleted, again;
  asio::co_spawn(f.io, [&]() -> asio::awaitable<void> {
    auto tok = asio::redirect_error(asio::use_awaitable, wrong_channel);
    co_await f.child.async_delete(hanabi::channel_id{99}, *id, tok);
    co_await f.child.async_delete(hanabi::channel_id{10}, *id, asio::redirect_error(asio::use_awaitable, deleted));
    co_await f.child.async_edit(hanabi::channel_id{10}, *id, edited, asio::redirect_error(asio::use_awaitable, again));
  }, asio::detached);
  f.io.restart();
  f.io.run();
  CHECK(wrong_channel == make_error_code(errc::unknown_message));
  CHECK_FALSE(deleted);
  CHECK(again == make_error_code(errc::unknown_message));
  CHECK(f.child.find_message(*id) == nullptr);
}

TEST_CASE("offline gateway: a script line becomes a command on the parent, with its context", "[bot][offline]") {
  fixture f;
  std::vector<command_invocation> commands;
  f.parent.set_events({.on_command = [&](command_invocation c) { commands.push_back(std::move(c)); }});
  REQUIRE(f.runner.run(R"(/play query:"emusearch:lofi" user:11 voice:101)").value() == std::chrono::milliseconds(0));
  REQUIRE(f.runner.run("/queue page:2").has_value());  // the user carries over
  f.io.run();
  REQUIRE(commands.size() == 2);
  CHECK(commands[0].name == "play");
  CHECK(commands[0].options.at("query") == "emusearch:lofi");
  CHECK(commands[0].from.user == hanabi::user_id{11});
  CHECK(commands[0].from.guild == guild);
  CHECK(commands[1].from.user == hanabi::user_id{11});
  CHECK(commands[0].interaction.id != commands[1].interaction.id);
  CHECK(f.parent.voice_channel_of(guild, hanabi::user_id{11}) == hanabi::channel_id{101});
  CHECK(f.printed.front() == "[hanabi] received /play by <@11> query:emusearch:lofi");

  // The reply goes back through the interaction, once per interaction id.
  auto reply = f.parent.async_reply(commands[0].interaction, render_error("No results."), asio::use_future);
  f.io.restart();
  f.io.run();
  CHECK_NOTHROW(reply.get());
  CHECK(f.parent.replies().at(commands[0].interaction.id).content == "⚠️ No results.");
  CHECK(f.printed.back() == "[hanabi] reply to /play by <@11>:\n(only you) ⚠️ No results.");

  // An interaction this gateway never opened.
  hanabi::error_code ec;
  f.parent.async_reply(interaction_ref{999, "x"}, render_notice("hi"), [&](hanabi::error_code e) { ec = e; });
  f.io.restart();
  f.io.run();
  CHECK(ec == make_error_code(errc::unknown_interaction));
}

TEST_CASE("offline gateway: a button press reaches the bot whose message has it", "[bot][offline]") {
  fixture f;
  std::vector<component_invocation> presses;
  f.child.set_events({.on_component = [&](component_invocation c) { presses.push_back(std::move(c)); }});
  hanabi::message_id posted;
  f.child.async_post(hanabi::channel_id{10}, now_playing_like(), [&](hanabi::error_code, hanabi::message_id m) { posted = m; });
  f.io.run();

  auto missing = f.runner.run("@hanabi button:np_skip user:11");
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().code == make_error_code(errc::script_no_target));
  CHECK(f.runner.run("@nobody button:np_skip").error().code == make_error_code(errc::script_bad_context));

  REQUIRE(f.runner.run("@child-1 button:np_skip").has_value());
  f.io.restart();
  f.io.run();
  REQUIRE(presses.size() == 1);
  CHECK(presses[0].custom_id == "np_skip");
  CHECK(presses[0].message == posted);
  CHECK(presses[0].from.user == hanabi::user_id{11});
  CHECK(presses[0].from.text_channel == hanabi::channel_id{10});
}

TEST_CASE("offline gateway: a deferred answer is recorded, a menu in a reply is picked by its kind", "[bot][offline]") {
  fixture f;
  std::vector<command_invocation> commands;
  std::vector<component_invocation> picks;
  f.parent.set_events({.on_command = [&](command_invocation c) { commands.push_back(std::move(c)); },
                       .on_component = [&](component_invocation c) { picks.push_back(std::move(c)); }});
  REQUIRE(f.runner.run("/search query:lofi user:11 voice:101").has_value());
  f.io.run();
  REQUIRE(commands.size() == 1);
  const auto interaction = commands[0].interaction;
  message menu;
  menu.rows.push_back({{select_menu{"search:7", "Pick a track", {{"1", "lofi #1", ""}, {"2", "lofi #2", ""}}, false}}});
  f.parent.async_defer(interaction, true, [](hanabi::error_code) {});
  f.parent.async_edit_reply(interaction, menu, [](hanabi::error_code) {});
  f.io.restart();
  f.io.run();
  CHECK(f.parent.deferred().count(interaction.id) == 1);
  CHECK(f.parent.replies().at(interaction.id) == menu);

  // `select:search` names the menu by its kind; the bot gets the full custom id and the values.
  REQUIRE(f.runner.run("@hanabi select:search value:2 user:11").has_value());
  f.io.restart();
  f.io.run();
  REQUIRE(picks.size() == 1);
  CHECK(picks[0].custom_id == "search:7");
  CHECK(picks[0].values == std::vector<std::string>{"2"});
  CHECK(picks[0].from.user == hanabi::user_id{11});
  // A kind is a whole word before the colon: `sea` names nothing.
  CHECK(f.runner.run("@hanabi select:sea value:1 user:11").error().code == errc::script_no_target);
  CHECK(f.parent.deferred().count(picks[0].interaction.id) == 0);
}

TEST_CASE("offline script runner: context rules and member voice", "[bot][offline]") {
  fixture f;
  std::vector<std::pair<hanabi::user_id, std::optional<hanabi::channel_id>>> moves;
  f.parent.set_events({.on_member_voice = [&](hanabi::guild_id, hanabi::user_id u, std::optional<hanabi::channel_id> c) {
    moves.emplace_back(u, c);
  }});
  auto nobody = f.runner.run("/queue");
  REQUIRE_FALSE(nobody.has_value());
  CHECK(nobody.error().code == make_error_code(errc::script_bad_context));
  CHECK(f.runner.run("wait 1500ms").value() == std::chrono::milliseconds(1500));
  REQUIRE(f.runner.run("join user:12 voice:101").has_value());
  REQUIRE(f.runner.run("leave user:12").has_value());
  f.io.run();
  REQUIRE(moves.size() == 2);
  CHECK(moves[0] == std::pair{hanabi::user_id{12}, std::optional(hanabi::channel_id{101})});
  CHECK(moves[1] == std::pair{hanabi::user_id{12}, std::optional<hanabi::channel_id>{}});
  CHECK_FALSE(f.parent.voice_channel_of(guild, hanabi::user_id{12}));
  CHECK(f.runner.context().user == hanabi::user_id{12});
}
