// The change listener's contract (queue_config::on_change): one call per mutation, after the
// mutation is applied, with the queue's own event by const reference, valid only during the call;
// a listener that keeps events copies them. And handing a queue over with a new config (what a
// recovered session does with the queue rebuilt from storage).
#include <hanabi/queue/track_queue.hpp>

#include "queue_test_util.hpp"

#include <catch2/catch.hpp>

using namespace hanabi;
using hanabi::test::items;
using hanabi::test::picture;

TEST_CASE("the listener sees each event once, after its mutation is applied") {
  const track_queue* seen_by = nullptr;
  std::vector<std::pair<std::uint64_t, std::size_t>> calls;  // (event version, queue size during the call)
  queue_config config;
  config.on_change = [&](const queue_event& e) { calls.emplace_back(e.version, seen_by->size()); };
  track_queue q(config);
  seen_by = &q;
  REQUIRE(q.enqueue(items("abc")));
  REQUIRE(q.remove(std::vector<std::size_t>{3}));
  REQUIRE_FALSE(q.move(1, 1));  // refused: no event
  REQUIRE(q.move(1, 2));
  CHECK(calls == std::vector<std::pair<std::uint64_t, std::size_t>>{{1, 3}, {2, 2}, {3, 2}});
}

TEST_CASE("a listener that keeps events copies them, and the copies replay the queue") {
  std::vector<queue_event> kept;
  queue_config config;
  config.on_change = [&](const queue_event& e) { kept.push_back(e); };  // the event dies with the call
  track_queue q(config);
  REQUIRE(q.enqueue(items("abcd")));
  REQUIRE(q.skip_to(2));
  REQUIRE(q.shuffle());
  REQUIRE(q.remove(std::vector<std::size_t>{1}));
  REQUIRE(kept.size() == 4);
  CHECK(std::get<queue_change::inserted>(kept[0].change).items.size() == 4);
  CHECK(std::get<queue_change::removed>(kept[3].change).positions == std::vector<std::size_t>{1});

  track_queue mirror;
  for (const auto& e : kept) REQUIRE(mirror.apply(e));
  CHECK(mirror == q);
}

TEST_CASE("a queue handed over with a new config keeps its state and reports to the new listener only") {
  std::vector<std::uint64_t> old_versions, new_versions;
  queue_config first;
  first.on_change = [&](const queue_event& e) { old_versions.push_back(e.version); };
  track_queue q(first);
  REQUIRE(q.enqueue(items("ab", 7)));
  REQUIRE(q.enqueue(items("c", 8)));
  REQUIRE(q.skip_to(1));
  const track_queue before = q;

  queue_config second;
  second.seed = 99;  // ignored: the generator's state is the queue's
  second.on_change = [&](const queue_event& e) { new_versions.push_back(e.version); };
  second.hooks.remembered_volume = [](user_id u) { return u == user_id{8} ? std::optional<std::uint16_t>(40) : std::nullopt; };
  track_queue owned(std::move(q), second);
  CHECK(owned == before);
  CHECK(picture(owned) == "[a] b c");

  auto step = owned.skip_to(3);
  REQUIRE(step);
  CHECK(step->volume == std::optional<std::uint16_t>(40));  // the new hook
  CHECK(old_versions == std::vector<std::uint64_t>{1, 2, 3});
  CHECK(new_versions == std::vector<std::uint64_t>{4});
}

TEST_CASE("a track read back from JSON equals the original, with or without plugin info") {
  auto plain = hanabi::test::make_track("p");
  auto with_plugin = hanabi::test::make_track("q");
  with_plugin.plugin_info = {{"albumName", "Q"}};
  auto empty_plugin = hanabi::test::make_track("r");
  empty_plugin.plugin_info = nlohmann::json::object();
  for (const auto& t : {plain, with_plugin, empty_plugin}) {
    const auto original = make_queue_item(t, user_id{5}, 1700000000000);
    auto back = queue_item_from_json(to_json_value(original));
    REQUIRE(back);
    CHECK(*back == original);
    CHECK(back->track->plugin_info() == (t.plugin_info.is_null() ? nlohmann::json::object() : t.plugin_info));
    CHECK(back->track->encoded() == t.encoded);
    CHECK(back->track->title() == t.info.title);
  }
}
