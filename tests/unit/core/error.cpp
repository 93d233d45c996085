#include <hanabi/error.hpp>
#include <hanabi/diagnostics.hpp>

#include <catch2/catch.hpp>

using namespace hanabi;

TEST_CASE("hanabi errors have the hanabi category and sentence messages") {
  error_code ec = error::wrong_password;
  CHECK(std::string(ec.category().name()) == "hanabi");
  CHECK(ec.message() == "Lavalink refused the request: the password is wrong (403).");
  CHECK(make_error_code(error::missing_password) != make_error_code(error::wrong_password));
}

TEST_CASE("errors compare equal to their coarse condition") {
  CHECK(error_code(error::wrong_password) == condition::auth_failure);
  CHECK(error_code(error::missing_password) == condition::rest_failure);
  CHECK(error_code(error::missing_field) == condition::decode_failure);
  CHECK(error_code(error::position_out_of_range) == condition::bad_argument);
  CHECK(error_code(error::node_not_ready) == condition::node_unavailable);
  CHECK(error_code(error::voice_timeout) == condition::timed_out);
  CHECK(error_code(error::missing_field) != condition::bad_argument);
  CHECK(error_code(boost::system::errc::make_error_code(boost::system::errc::timed_out)) == condition::timed_out);
}

TEST_CASE("result<T>::value throws error_with_diagnostics carrying Lavalink's body") {
  lavalink_error body{1, 404, "Not Found", std::nullopt, "Session not found", "/v4/sessions/x"};
  result<int> r = failure{error::not_found, diagnostics{body}};
  REQUIRE(r.has_error());
  try {
    (void)r.value();
    FAIL("value() did not throw");
  } catch (const error_with_diagnostics& e) {
    CHECK(e.code() == error::not_found);
    REQUIRE(e.get_diagnostics().server_error());
    CHECK(e.get_diagnostics().server_error()->message == "Session not found");
  }
}
