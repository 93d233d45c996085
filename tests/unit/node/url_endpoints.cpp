// Node URLs, query encoding, REST targets and the status -> error mapping.
#include <hanabi/detail/url.hpp>
#include <hanabi/transport/endpoints.hpp>

#include <catch2/catch.hpp>

#include "test_data.hpp"

using hanabi::error;
using hanabi::detail::parse_endpoint_url;
using hanabi::transport::classify;
using hanabi::transport::rest_response;
namespace endpoints = hanabi::transport::endpoints;

TEST_CASE("node URLs: schemes, default ports, prefixes") {
  auto a = parse_endpoint_url("http://127.0.0.1:2333");
  REQUIRE(a.has_value());
  CHECK_FALSE(a->tls);
  CHECK(a->host == "127.0.0.1");
  CHECK(a->port == 2333);
  CHECK(a->base_path.empty());

  auto b = parse_endpoint_url("wss://lava.example.com/lavalink/");
  REQUIRE(b.has_value());
  CHECK(b->tls);
  CHECK(b->port == 443);
  CHECK(b->base_path == "/lavalink");

  auto c = parse_endpoint_url("localhost:80");
  REQUIRE(c.has_value());
  CHECK(c->host == "localhost");
  CHECK(c->port == 80);

  auto d = parse_endpoint_url("https://[::1]:8443");
  REQUIRE(d.has_value());
  CHECK(d->host == "::1");
  CHECK(d->port == 8443);
  CHECK(parse_endpoint_url("http://h")->port == 2333);
}

TEST_CASE("bad node URLs are typed errors") {
  for (const char* bad : {"", "ftp://host", "http://", "http://host:", "http://host:0", "http://host:70000",
                          "http://host:12ab", "http://ho st:1", "://x"}) {
    INFO(bad);
    auto r = parse_endpoint_url(bad);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == error::invalid_url);
  }
}

TEST_CASE("query values are percent-encoded, base64 and searches included") {
  CHECK(hanabi::detail::url_encode("QAAA+/w=") == "QAAA%2B%2Fw%3D");
  CHECK(hanabi::detail::url_encode("ytsearch:never gonna") == "ytsearch%3Anever%20gonna");
  CHECK(hanabi::detail::url_encode("a-b_c.d~") == "a-b_c.d~");
  CHECK(endpoints::load_tracks("", "ytsearch:a&b") == "/v4/loadtracks?identifier=ytsearch%3Aa%26b");
  CHECK(endpoints::decode_track("/p", "QA+=") == "/p/v4/decodetrack?encodedTrack=QA%2B%3D");
}

TEST_CASE("every route of PROTOCOL.md 7.2") {
  hanabi::guild_id g{817327181659111454};
  CHECK(endpoints::decode_tracks("") == "/v4/decodetracks");
  CHECK(endpoints::players("", "xtaug914v9k5032f") == "/v4/sessions/xtaug914v9k5032f/players");
  CHECK(endpoints::player("", "s", g) == "/v4/sessions/s/players/817327181659111454");
  CHECK(endpoints::update_player("", "s", g, true) == "/v4/sessions/s/players/817327181659111454?noReplace=true");
  CHECK(endpoints::update_player("", "s", g, false) == "/v4/sessions/s/players/817327181659111454?noReplace=false");
  CHECK(endpoints::session("", "s") == "/v4/sessions/s");
  CHECK(endpoints::info("") == "/v4/info");
  CHECK(endpoints::stats("") == "/v4/stats");
  CHECK(endpoints::version("") == "/version");
  CHECK(endpoints::routeplanner_status("") == "/v4/routeplanner/status");
  CHECK(endpoints::routeplanner_free_address("") == "/v4/routeplanner/free/address");
  CHECK(endpoints::routeplanner_free_all("") == "/v4/routeplanner/free/all");
}

TEST_CASE("statuses map onto typed errors, the error body becomes diagnostics") {
  auto with = [](unsigned status, std::string body = {}, bool lavalink = true) {
    return classify(rest_response{status, std::move(body), "application/json", lavalink});
  };
  CHECK_FALSE(with(200).code);
  CHECK_FALSE(with(204).code);
  CHECK(with(401, "", false).code == error::missing_password);
  CHECK(with(403, "", false).code == error::wrong_password);
  CHECK(with(400).code == error::bad_request);
  CHECK(with(500).code == error::server_error);
  CHECK(with(503).code == error::server_error);
  CHECK(with(302).code == error::unexpected_status);
  CHECK(with(200, "{}", false).code == error::not_lavalink);
  CHECK(with(404, "<html>", false).code == error::not_lavalink);

  auto f = with(404, hanabi::test::fixture("error-404.json"));
  CHECK(f.code == error::not_found);
  REQUIRE(f.diag.server_error());
  CHECK(f.diag.server_error()->message == "Session not found");
  CHECK(f.diag.server_error()->status == 404);
  CHECK(f.diag.best_message() == "Session not found");
}

TEST_CASE("an error body that is not Spring's object is ignored, never thrown") {
  CHECK_FALSE(hanabi::transport::parse_error_body(""));
  CHECK_FALSE(hanabi::transport::parse_error_body("not json"));
  CHECK_FALSE(hanabi::transport::parse_error_body("[1,2]"));
  auto e = hanabi::transport::parse_error_body(R"({"status":"x","message":5})");
  REQUIRE(e);
  CHECK(e->status == 0);
  CHECK(e->message.empty());
}
