// The read loop's two ways to a playerUpdate (the fast path for the server's exact shape, the JSON
// decoder for any other) give subscribers and the player mirror the same thing, over a real socket.
#include "node_fixture.hpp"

#include <string>
#include <vector>

using namespace hanabi;
using namespace hanabi::test;

TEST_CASE("a playerUpdate in the server's shape and the same one in other shapes reach subscribers and the mirror alike") {
  testing::fake_node fake;
  fake.start();
  client c(client_config(fake));
  recorder rec;
  c.on_strand([&] { return c.node().subscribe(rec.handlers()); });
  c.run();
  auto session = c.wait_ready();

  // Guild 1: the server's own shape (scanned). Guilds 2-5: the same state in shapes only the decoder
  // reads (pretty-printed, keys reordered, an extra key, a time of 19 digits). Guild 6: the
  // server's shape with a number JSON forbids: neither path may accept it.
  const std::vector<std::string> wire = {
      R"({"op":"playerUpdate","guildId":"1","state":{"time":1500467109000,"position":60000,"connected":true,"ping":-1}})",
      "{\n  \"op\": \"playerUpdate\",\n  \"guildId\": \"2\",\n  \"state\": {\"time\": 1500467109000, \"position\": 60000, "
      "\"connected\": true, \"ping\": -1}\n}",
      R"({"state":{"ping":-1,"connected":true,"position":60000,"time":1500467109000},"guildId":"3","op":"playerUpdate"})",
      R"({"op":"playerUpdate","guildId":"4","state":{"time":1500467109000,"position":60000,"connected":true,"ping":-1,"x":0}})",
      R"({"op":"playerUpdate","guildId":"5","state":{"time":1000000000000000000,"position":60000,"connected":true,"ping":-1}})",
      R"({"op":"playerUpdate","guildId":"6","state":{"time":01500467109000,"position":60000,"connected":true,"ping":-1}})",
  };
  for (const auto& text : wire) fake.send_raw(session, text);
  REQUIRE(c.eventually([&] { return c.node().counters().malformed == 1 && c.node().player(guild_id{5}) != nullptr; }));

  const auto updates = c.on_strand([&] {
    std::vector<protocol::player_update> out;
    for (const auto& m : rec.messages)
      if (const auto* u = std::get_if<protocol::player_update>(&m)) out.push_back(*u);
    return out;
  });
  REQUIRE(updates.size() == 5);
  for (std::uint64_t g = 1; g <= 5; ++g) {
    INFO("guild " << g);
    const auto& u = updates[g - 1];
    CHECK(u.guild_id == guild_id{g});
    const std::int64_t time = g == 5 ? 1000000000000000000 : 1500467109000;
    CHECK(u.state == protocol::player_state{time, 60000, true, -1});
    const auto mirrored = c.on_strand([&] {
      const auto* m = c.node().player(guild_id{g});
      return m ? std::optional<mirrored_player>(*m) : std::nullopt;
    });
    REQUIRE(mirrored);
    CHECK(mirrored->time == time);
    CHECK(mirrored->position == 60000);
    CHECK(mirrored->connected);
    CHECK(mirrored->ping == -1);
  }
  CHECK(c.on_strand([&] { return c.node().player(guild_id{6}) == nullptr; }));
  CHECK(c.on_strand([&] { return c.node().state(); }) == node_state::ready);
}
