// /search end to end on the parent's session: the results as a select menu, the pick playing like
// /play at the fake node, the time limit, and the refusals.
#include "parent_env.hpp"

using bot_test::contains;
using bot_test::parent_env;
using namespace std::chrono_literals;

namespace {

const bot::select_menu* menu_of(const bot::message& m) {
  for (const auto& row : m.rows)
    for (const auto& c : row.components)
      if (const auto* menu = std::get_if<bot::select_menu>(&c)) return menu;
  return nullptr;
}

}  // namespace

TEST_CASE("/search offers 5 results as a menu and the pick plays like /play") {
  parent_env env;
  auto results = env.command("/search query:lofi user:11 voice:101");
  CHECK(env.last_was_deferred());  // a load: deferred, then edited in
  const auto search_reply = env.last_interaction();
  const auto* menu = menu_of(env.last_reply());
  REQUIRE(menu);
  CHECK(menu->custom_id.starts_with("search:"));
  CHECK_FALSE(menu->disabled);
  REQUIRE(menu->options.size() == 5);
  CHECK(menu->options[1].value == "2");
  CHECK(menu->options[1].label == "lofi #2");
  CHECK(contains(results, "Pick one within 30 s:"));
  CHECK(contains(results, "5. lofi #5"));
  CHECK(env.last_reply().ephemeral);
  CHECK_FALSE(env.player());  // nothing plays before the pick

  // Someone else cannot pick from it.
  CHECK(contains(env.command("@hanabi select:search value:1 user:12 voice:101"), "Only <@11> can pick from this search."));
  CHECK(contains(env.command("@hanabi select:search value:7 user:11"), "`7` is not one of the results: pick 1 to 5."));

  CHECK(contains(env.command("@hanabi select:search value:2 user:11"), "Playing **lofi #2**."));
  REQUIRE(env.run_until([&] { return env.playing() == "lofi #2"; }));
  CHECK(env.player()->voice_channel_id == std::optional<std::string>("101"));
  // The search's own reply now shows the pick, its menu disabled.
  const auto& closed = env.gateway().replies().at(search_reply);
  CHECK(contains(bot::to_text(closed), "Picked **lofi #2**."));
  REQUIRE(menu_of(closed));
  CHECK(menu_of(closed)->disabled);
  // One pick per search.
  CHECK(contains(env.command("@hanabi select:search value:3 user:11"), "This search is over"));

  // A second search queues its pick behind the playing track, as /play does.
  env.command("/search query:rain user:11");
  CHECK(contains(env.command("@hanabi select:search value:1 user:11"), "Queued **rain #1** at position 2."));
  CHECK(env.playing() == "lofi #2");
}

TEST_CASE("/search: after the time limit the menu is disabled and a pick is refused") {
  parent_env env({.search_timeout = 300ms});
  CHECK(contains(env.command("/search query:lofi user:11 voice:101"), "Pick one within 300 ms:"));
  const auto search_reply = env.last_interaction();
  REQUIRE(env.run_until([&] {
    const auto* menu = menu_of(env.gateway().replies().at(search_reply));
    return menu && menu->disabled;
  }));
  CHECK(contains(bot::to_text(env.gateway().replies().at(search_reply)), "This search expired: run /search again."));
  auto refused = env.command("@hanabi select:search value:1 user:11");
  CHECK(contains(refused, "This search is over (300 ms to pick, one pick): run /search again."));
  CHECK(env.last_reply().ephemeral);
  CHECK_FALSE(env.player());
}

TEST_CASE("/search: no results and a user outside voice get short errors") {
  parent_env env;
  CHECK(contains(env.command("/search query:lofi user:11"), "You are not in a voice channel."));
  CHECK(contains(env.command("/search query:\"fakesearch0:nothing\" user:11 voice:101"),
                 "No results for `fakesearch0:nothing`."));
  CHECK(env.last_reply().ephemeral);
  CHECK(contains(env.command("/search user:11"), "`query` is required."));
  CHECK_FALSE(env.player());
}
