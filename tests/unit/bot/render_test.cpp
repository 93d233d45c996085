#include "core/render.hpp"

#include <catch2/catch.hpp>

#include <limits>
#include <string>

using namespace bot;

namespace {

hanabi::item_view item(std::size_t position, std::int64_t length_ms, std::uint64_t requester = 11) {
  hanabi::item_view v;
  v.position = position;
  v.title = "T" + std::to_string(position);
  v.author = "Artist";
  v.length = length_ms;
  v.requester = hanabi::user_id{requester};
  return v;
}

// Items first..last of a queue of `total` tracks "Tn" (n minutes long, requester 11 except T2 by 12).
hanabi::queue_view window(std::size_t first, std::size_t last, std::size_t current, std::size_t total) {
  hanabi::queue_view v;
  for (std::size_t p = first; p <= last; ++p) v.items.push_back(item(p, 60'000 * static_cast<std::int64_t>(p), p == 2 ? 12 : 11));
  v.current_position = current;
  v.total = total;
  return v;
}

hanabi::now_playing playing(std::size_t position, std::int64_t at_ms) {
  hanabi::now_playing np;
  np.item = item(position, 60'000 * static_cast<std::int64_t>(position), position == 2 ? 12 : 11);
  np.position = at_ms;
  return np;
}

const button& button_at(const message& m, std::size_t row, std::size_t i) {
  return std::get<button>(m.rows.at(row).components.at(i));
}

}  // namespace

TEST_CASE("render: errors are short, specific and ephemeral", "[bot][render]") {
  auto m = render_error(hanabi::failure{hanabi::error::position_out_of_range,
                                        "position 9 is out of range: the queue has positions 1 to 7"});
  CHECK(m.ephemeral);
  CHECK(m.content == "⚠️ position 9 is out of range: the queue has positions 1 to 7");
  CHECK(m.embeds.empty());
  // Without a sentence, the code's own message.
  auto bare = render_error(hanabi::failure{hanabi::error::queue_empty});
  CHECK(bare.content == "⚠️ " + hanabi::make_error_code(hanabi::error::queue_empty).message());
  CHECK(render_error("You are not in a voice channel.").content == "⚠️ You are not in a voice channel.");
  CHECK(render_notice("Volume set to 80%.") == message{"Volume set to 80%.", {}, {}, true, {}});
}

TEST_CASE("render: a queue page numbers items by position and marks the current one", "[bot][render]") {
  auto page = window(1, 5, 3, 12);
  page.page = 1;
  page.pages = 3;
  page.durations.remaining_ms = 3'723'000;
  auto m = render_queue_page(page);
  REQUIRE(m.embeds.size() == 1);
  const auto& e = m.embeds[0];
  CHECK(e.title == "Queue — page 1/3");
  CHECK(e.description ==
        "1. T1 — Artist (1:00) · <@11>\n"
        "2. T2 — Artist (2:00) · <@12>\n"
        "▶ **3. T3 — Artist (3:00) · <@11>**\n"
        "4. T4 — Artist (4:00) · <@11>\n"
        "5. T5 — Artist (5:00) · <@11>");
  CHECK(e.footer == "12 tracks · 1:02:03 left");
  CHECK_FALSE(m.ephemeral);

  auto last = window(11, 12, 3, 12);
  last.page = 3;
  last.pages = 3;
  last.items[1].is_stream = true;
  last.durations.remaining_streams = 1;
  auto m3 = render_queue_page(last);
  CHECK(m3.embeds[0].description == "11. T11 — Artist (11:00) · <@11>\n12. T12 — Artist (live) · <@11>");
  CHECK(m3.embeds[0].footer == "12 tracks · 0:00 left + 1 live");
}

TEST_CASE("render: an empty queue", "[bot][render]") {
  auto m = render_queue_page(hanabi::queue_view{});
  CHECK(m.embeds[0].title == "Queue — page 1/1");
  CHECK(m.embeds[0].description == "The queue is empty.");
  CHECK(m.embeds[0].footer == "0 tracks · 0:00 left");
}

TEST_CASE("render: progress bar", "[bot][render]") {
  CHECK(progress_bar(0, 100, 5) == "🔘▬▬▬▬");
  CHECK(progress_bar(50, 100, 5) == "▬▬🔘▬▬");
  CHECK(progress_bar(100, 100, 5) == "▬▬▬▬🔘");
  CHECK(progress_bar(500, 100, 5) == "▬▬▬▬🔘");
  CHECK(progress_bar(-5, 100, 5) == "🔘▬▬▬▬");
  CHECK(progress_bar(10, 0, 3) == "🔘▬▬");
  CHECK(progress_bar(1, 2, 0).empty());
  constexpr auto huge = std::numeric_limits<std::int64_t>::max();
  CHECK(progress_bar(huge - 1, huge, 5) == "▬▬▬▬🔘");
  CHECK(progress_bar(huge / 2, huge, 5) == "▬▬🔘▬▬");
}

TEST_CASE("render: now playing shows the track, progress, volume, repeat, requester and buttons", "[bot][render]") {
  now_playing_view v;
  v.current = playing(2, 60'000);
  v.current->item.uri = "https://example.com/t2";
  v.current->item.artwork_url = "https://example.com/t2.jpg";
  v.current->volume = 80;
  v.current->repeat = hanabi::repeat_mode::one;
  v.window = window(1, 3, 2, 4);
  v.bot_name = "child-1";
  auto m = render_now_playing(v);
  REQUIRE(m.embeds.size() == 1);
  const auto& e = m.embeds[0];
  CHECK(e.title == "T2");
  CHECK(e.url == "https://example.com/t2");
  CHECK(e.thumbnail == "https://example.com/t2.jpg");
  CHECK(e.description == "Artist\n`1:00` " + progress_bar(60'000, 120'000, 20) + " `2:00`");
  CHECK(e.footer == "child-1");
  REQUIRE(e.fields.size() == 4);
  CHECK(e.fields[0] == embed_field{"Volume", "80%", true});
  CHECK(e.fields[1] == embed_field{"Repeat", "one", true});
  CHECK(e.fields[2] == embed_field{"Requested by", "<@12>", true});
  CHECK(e.fields[3].value ==
        "1. T1 — Artist (1:00) · <@11>\n▶ **2. T2 — Artist (2:00) · <@12>**\n3. T3 — Artist (3:00) · <@11>");

  REQUIRE(m.rows.size() == 2);
  REQUIRE(m.rows[0].components.size() == 5);
  REQUIRE(m.rows[1].components.size() == 2);
  const std::vector<std::pair<std::string_view, std::string>> expected{
      {button_ids::back, "⏮"}, {button_ids::pause, "⏯"}, {button_ids::skip, "⏭"},
      {button_ids::stop, "⏹"}, {button_ids::repeat, "🔁"}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    CHECK(button_at(m, 0, i).custom_id == expected[i].first);
    CHECK(button_at(m, 0, i).emoji == expected[i].second);
    CHECK_FALSE(button_at(m, 0, i).disabled);
  }
  CHECK(button_at(m, 1, 0).custom_id == button_ids::volume_down);
  CHECK(button_at(m, 1, 1).custom_id == button_ids::volume_up);
}

TEST_CASE("render: now playing disables what cannot be done", "[bot][render]") {
  now_playing_view v;
  v.current = playing(1, 0);
  v.current->paused = true;
  v.current->volume = 0;
  v.window = window(1, 2, 1, 2);
  auto first = render_now_playing(v);
  CHECK(first.embeds[0].title == "⏸ T1");
  CHECK(button_at(first, 0, 0).disabled);       // nothing before the first track
  CHECK_FALSE(button_at(first, 0, 2).disabled);  // T2 is next
  CHECK(button_at(first, 1, 0).disabled);       // volume 0 cannot go down
  CHECK_FALSE(button_at(first, 1, 1).disabled);

  v.window = window(1, 2, 2, 2);
  CHECK(button_at(render_now_playing(v), 0, 2).disabled);  // the end, repeat off
  v.current->repeat = hanabi::repeat_mode::all;
  CHECK_FALSE(button_at(render_now_playing(v), 0, 2).disabled);  // repeat all wraps
  v.current->volume = 1000;
  CHECK(button_at(render_now_playing(v), 1, 1).disabled);
}

TEST_CASE("render: a stream and nothing playing", "[bot][render]") {
  now_playing_view v;
  v.current = playing(1, 0);
  v.current->item.is_stream = true;
  CHECK(render_now_playing(v).embeds[0].description == "Artist\n🔴 live");
  now_playing_view idle;
  idle.bot_name = "hanabi";
  auto m = render_now_playing(idle);
  CHECK(m.embeds[0].title == "Nothing is playing");
  CHECK(m.embeds[0].footer == "hanabi");
  CHECK(m.rows.empty());
}

TEST_CASE("render: /bots and /nodes tables", "[bot][render]") {
  using namespace std::chrono_literals;
  bot::bot_row parent{"hanabi", true, true, 2, std::nullopt, 3725s, std::nullopt, std::pair{1, 2}};
  bot::bot_row child1{"child-1", false, true, 1, 421us, 42s, 0, std::nullopt};
  bot::bot_row child2{"child-2", false, false, 0, std::nullopt, std::nullopt, 3, std::nullopt};
  auto bots = render_bots({parent, child1, child2});
  const auto& b = bots.embeds.at(0);
  REQUIRE(b.fields.size() == 3);
  CHECK(b.fields[0] == embed_field{"hanabi (parent)", "🟢 up · 2 sessions · up 1h 2m · nodes 1/2 up", false});
  CHECK(b.fields[1] == embed_field{"child-1 (child)", "🟢 up · 1 session · link 0.42 ms · up 42s · restarts 0", false});
  CHECK(b.fields[2] == embed_field{"child-2 (child)", "🔴 down · 0 sessions · restarts 3", false});
  CHECK(uptime_text(0s) == "0s");
  CHECK(uptime_text(312s) == "5m 12s");
  CHECK(uptime_text(2 * 86'400s + 4 * 3'600s + 59s) == "2d 4h");

  hanabi::node_load up;
  up.name = "main";
  up.playing_players = 3;
  up.system_load = 0.25;
  hanabi::node_load draining = up;
  draining.name = "eu";
  draining.accepts_new_players = false;
  hanabi::node_load down;
  down.name = "us";
  down.available = false;
  auto nodes = render_nodes({{up, 4, 12.4}, {draining, 1, 3}, {down, 0, 0}});
  const auto& n = nodes.embeds.at(0);
  REQUIRE(n.fields.size() == 3);
  CHECK(n.fields[0] == embed_field{"main", "🟢 up · 4 players (3 playing) · CPU 25% · penalty 12", false});
  CHECK(n.fields[1].value.starts_with("🟡 draining · 1 player "));
  CHECK(n.fields[2].value.starts_with("🔴 down · 0 players"));
  CHECK(render_nodes({}).embeds[0].description == "No nodes are configured.");
  CHECK(render_bots({}).embeds[0].description == "No bots are configured.");
}

TEST_CASE("render: a /nodes row from the pool's view and the node's stats", "[bot][render]") {
  hanabi::pool_stats::node_entry pooled;
  pooled.name = "main";
  pooled.available = true;
  pooled.accepting = true;
  pooled.players = 2;
  pooled.penalty = 7;
  auto own_only = make_node_row(pooled, std::nullopt);
  CHECK(own_only.players == 2);
  CHECK(own_only.load.playing_players == 0);
  hanabi::protocol::stats stats;
  stats.players = 9;
  stats.playing_players = 5;
  stats.cpu.system_load = 0.5;
  stats.frame_stats = hanabi::protocol::frame_stats{2900, 40, 60};
  auto row = make_node_row(pooled, stats);
  CHECK(row.players == 9);
  CHECK(row.load.playing_players == 5);
  CHECK(row.penalty == 7);
  CHECK(render_nodes({row}).embeds.at(0).fields.at(0).value ==
        "🟢 up · 9 players (5 playing) · CPU 50% · penalty 7 · frame deficit 60/min");
  stats.players = 0;  // sent before this pool's two players started
  CHECK(make_node_row(pooled, stats).players == 2);
}

TEST_CASE("render: messages as console text", "[bot][render]") {
  message m;
  m.content = "Hello";
  m.embeds.push_back({"Title", "https://x", "line one\nline two", "", "foot", 0, {{"Volume", "80%", true}}});
  m.rows.push_back({{button{"np_skip", "⏭", "", button_style::secondary, true},
                     select_menu{"search", "Pick one", {{"1", "First", ""}, {"2", "Second", ""}}, false}}});
  m.ephemeral = true;
  CHECK(to_text(m) ==
        "(only you) Hello\n"
        "┃ Title <https://x>\n"
        "┃ line one\n"
        "┃ line two\n"
        "┃ Volume: 80%\n"
        "┃ — foot\n"
        "[⏭ np_skip (disabled)] <search Pick one: 1) First | 2) Second>");
}
