// Parsing of Discord's voice dispatches, the op 4 / voice JSON, and voice_link (the
// Asio wrapper) on an io_context with no sockets.
#include <hanabi/player/voice.hpp>

#include "test_data.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

using namespace hanabi;

namespace {
const guild_id link_guild{817327181659111454ULL};
const user_id link_bot{170939974227541168ULL};
const channel_id link_chan_a{1266368011753754644ULL};
}  // namespace

TEST_CASE("voice json: the fixtures parse, as whole dispatches or bare `d` objects") {
  auto s = parse_voice_state_update(test::fixture("discord-VOICE_STATE_UPDATE.json"));
  REQUIRE(s.has_value());
  CHECK(*s == voice_state_update{link_guild, link_bot, link_chan_a, "2fb2752fe2f22db09c12ab3911b9d3c0"});

  auto left = parse_voice_state_update(test::fixture("discord-VOICE_STATE_UPDATE-left.json"));
  REQUIRE(left.has_value());
  CHECK_FALSE(left->channel);

  auto v = parse_voice_server_update(test::fixture("discord-VOICE_SERVER_UPDATE.json"));
  REQUIRE(v.has_value());
  CHECK(*v == voice_server_update{link_guild, "e0d1b4645d70b72e", "rotterdam2744.discord.media:443"});

  auto null_ep = parse_voice_server_update(test::fixture("discord-VOICE_SERVER_UPDATE-null-endpoint.json"));
  REQUIRE(null_ep.has_value());
  CHECK_FALSE(null_ep->endpoint);

  auto bare = nlohmann::json::parse(test::fixture("discord-VOICE_SERVER_UPDATE.json"))["d"].dump();
  CHECK(parse_voice_server_update(bare).value() == *v);
}

TEST_CASE("voice json: bad input gives typed errors") {
  CHECK(parse_voice_state_update("{").error().code == error::malformed_json);
  CHECK(parse_voice_state_update("[]").error().code == error::unexpected_type);
  CHECK(parse_voice_state_update(R"({"d": 5})").error().code == error::unexpected_type);
  CHECK(parse_voice_state_update(R"({"guild_id":"1","user_id":"2"})").error().code == error::missing_field);
  CHECK(parse_voice_state_update(R"({"guild_id":"1","user_id":2,"session_id":"s"})").error().code ==
        error::unexpected_type);
  CHECK(parse_voice_state_update(R"({"guild_id":"x","user_id":"2","session_id":"s"})").error().code ==
        error::invalid_snowflake);
  CHECK(parse_voice_state_update(R"({"guild_id":"1","user_id":"2","session_id":"s","channel_id":"-3"})")
            .error()
            .code == error::invalid_snowflake);
  CHECK(parse_voice_server_update(R"({"guild_id":"1","token":null,"endpoint":"a:1"})").error().code ==
        error::unexpected_type);
  CHECK(parse_voice_server_update(R"({"guild_id":"1","token":"t","endpoint":7})").error().code ==
        error::unexpected_type);
  CHECK(parse_voice_server_update("\xff\xfe").error().code == error::malformed_json);
}

TEST_CASE("voice json: op 4 and the Lavalink voice object match the recorded payloads") {
  gateway_voice_update join{link_guild, link_chan_a, false, true};
  CHECK(nlohmann::json::parse(join.to_json()) == nlohmann::json::parse(test::fixture("discord-op4-join.json")));
  gateway_voice_update leave{link_guild, std::nullopt, false, false};
  CHECK(nlohmann::json::parse(leave.to_json()) == nlohmann::json::parse(test::fixture("discord-op4-leave.json")));
  voice_credentials c{"e0d1b4645d70b72e", "rotterdam2744.discord.media:443", "2fb2752fe2f22db09c12ab3911b9d3c0", link_chan_a};
  CHECK(nlohmann::json{{"voice", c.to_json()}} == nlohmann::json::parse(test::fixture("update-player-request-voice.json")));
}

namespace {
struct recorder {
  std::vector<gateway_voice_update> gateway;
  std::vector<voice_credentials> voice;
  std::vector<voice_event> events;
  voice_callbacks callbacks() {
    return {[this](const gateway_voice_update& g) { gateway.push_back(g); },
            [this](const voice_credentials& c) { voice.push_back(c); },
            [this](const voice_event& e) { events.push_back(e); }};
  }
};
}  // namespace

TEST_CASE("voice_link: a join completes once both updates arrived, through the handler") {
  asio::io_context io;
  recorder rec;
  voice_link link{io.get_executor(), link_guild, link_bot, {}, rec.callbacks()};
  std::optional<error_code> result;
  link.async_join(link_chan_a, [&](error_code ec) { result = ec; });
  REQUIRE(rec.gateway.size() == 1);
  CHECK(rec.gateway[0].channel == link_chan_a);
  link.on_voice_server_update(parse_voice_server_update(test::fixture("discord-VOICE_SERVER_UPDATE.json")).value());
  CHECK(rec.voice.empty());
  link.on_voice_state_update(parse_voice_state_update(test::fixture("discord-VOICE_STATE_UPDATE.json")).value());
  REQUIRE(rec.voice.size() == 1);
  CHECK_FALSE(result);  // never completes from inside the caller's call
  io.run();
  REQUIRE(result);
  CHECK_FALSE(*result);
  REQUIRE(rec.events.size() == 1);
  CHECK(std::get<voice_joined>(rec.events[0]).channel == link_chan_a);
}

TEST_CASE("voice_link: a join without Discord's answer times out with voice_timeout, without blocking") {
  asio::io_context io;
  recorder rec;
  voice_config cfg;
  cfg.join_timeout = std::chrono::milliseconds(1);
  voice_link link{io.get_executor(), link_guild, link_bot, cfg, rec.callbacks()};
  auto fut = link.async_join(link_chan_a, asio::use_future);
  io.run();
  CHECK(fut.wait_for(std::chrono::seconds(0)) == std::future_status::ready);
  CHECK_THROWS_AS(fut.get(), boost::system::system_error);
  REQUIRE(rec.gateway.size() == 2);
  CHECK_FALSE(rec.gateway[1].channel);  // it left again
}

TEST_CASE("voice_link: timeout error code and a leave that supersedes a join") {
  asio::io_context io;
  recorder rec;
  voice_config cfg;
  cfg.join_timeout = std::chrono::milliseconds(1);
  voice_link link{io.get_executor(), link_guild, link_bot, cfg, rec.callbacks()};
  std::optional<error_code> first, second;
  link.async_join(link_chan_a, [&](error_code ec) { first = ec; });
  io.run();
  REQUIRE(first);
  CHECK(*first == error::voice_timeout);
  CHECK(*first == condition::timed_out);

  io.restart();
  link.async_join(link_chan_a, [&](error_code ec) { second = ec; });
  link.leave();
  io.run();
  REQUIRE(second);
  CHECK(*second == error::voice_superseded);
}
