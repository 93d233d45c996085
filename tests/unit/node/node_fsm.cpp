// The node lifecycle, step by step, without any I/O.
#include <hanabi/detail/node_fsm.hpp>

#include <boost/asio/error.hpp>

#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using hanabi::error;
using hanabi::node_state;
using hanabi::detail::node_action_type;
using hanabi::detail::node_fsm;

namespace {

hanabi::backoff_policy fast_backoff() { return {10ms, 80ms, 2.0, 0.0}; }
hanabi::resume_policy resuming_on() { return {true, 60s}; }

}  // namespace

TEST_CASE("first connect: connect, ready, configure resuming, read") {
  node_fsm fsm(fast_backoff(), resuming_on(), "", 1);
  CHECK(fsm.state() == node_state::idle);
  CHECK(fsm.start().type == node_action_type::connect);
  CHECK(fsm.state() == node_state::connecting);
  CHECK(fsm.resume_session().empty());
  CHECK(fsm.on_connected({}).type == node_action_type::await_ready);
  CHECK(fsm.state() == node_state::awaiting_ready);
  CHECK(fsm.on_ready("abc", false).type == node_action_type::configure_session);
  CHECK(fsm.state() == node_state::configuring);
  CHECK(fsm.session_id() == "abc");
  CHECK(fsm.on_session_configured({}).type == node_action_type::read);
  CHECK(fsm.state() == node_state::ready);
}

TEST_CASE("without resuming the session is not configured and not resumed") {
  node_fsm fsm(fast_backoff(), {false, 60s}, "", 1);
  fsm.start();
  fsm.on_connected({});
  CHECK(fsm.on_ready("abc", false).type == node_action_type::read);
  CHECK(fsm.on_disconnected(error::connection_closed).type == node_action_type::wait);
  CHECK(fsm.on_wait_done().type == node_action_type::connect);
  CHECK(fsm.resume_session().empty());
  fsm.on_connected({});
  // The old session died with the socket: its players are lost.
  CHECK(fsm.on_ready("def", false).type == node_action_type::report_lost);
  CHECK(fsm.on_lost_reported().type == node_action_type::read);
}

TEST_CASE("a drop with resuming reconnects with Session-Id and reconciles after a resume") {
  node_fsm fsm(fast_backoff(), resuming_on(), "", 1);
  fsm.start();
  fsm.on_connected({});
  fsm.on_ready("abc", false);
  fsm.on_session_configured({});
  auto wait = fsm.on_disconnected(error::connection_closed);
  REQUIRE(wait.type == node_action_type::wait);
  CHECK(wait.delay == 10ms);
  CHECK(fsm.state() == node_state::reconnecting);
  CHECK(fsm.on_wait_done().type == node_action_type::connect);
  CHECK(fsm.resume_session() == "abc");
  fsm.on_connected({});
  CHECK(fsm.on_ready("abc", true).type == node_action_type::reconcile);
  CHECK(fsm.state() == node_state::reconciling);
  CHECK(fsm.resumed());
  CHECK(fsm.on_reconciled({}).type == node_action_type::read);
  CHECK(fsm.state() == node_state::ready);
}

TEST_CASE("a failed resume reports the lost players, then configures the new session") {
  node_fsm fsm(fast_backoff(), resuming_on(), "", 1);
  fsm.start();
  fsm.on_connected({});
  fsm.on_ready("abc", false);
  fsm.on_session_configured({});
  fsm.on_disconnected(error::connection_closed);
  fsm.on_wait_done();
  fsm.on_connected({});
  CHECK(fsm.on_ready("xyz", false).type == node_action_type::report_lost);
  CHECK_FALSE(fsm.resumed());
  CHECK(fsm.session_id() == "xyz");
  CHECK(fsm.on_lost_reported().type == node_action_type::configure_session);
  CHECK(fsm.on_session_configured({}).type == node_action_type::read);
}

TEST_CASE("resumed:true for a session other than ours is a new session") {
  node_fsm fsm(fast_backoff(), resuming_on(), "old", 1);
  fsm.start();
  CHECK(fsm.resume_session() == "old");
  fsm.on_connected({});
  CHECK(fsm.on_ready("other", true).type == node_action_type::report_lost);
}

TEST_CASE("a session id from a previous process is resumed on the first connect") {
  node_fsm fsm(fast_backoff(), resuming_on(), "saved", 1);
  fsm.start();
  fsm.on_connected({});
  CHECK(fsm.on_ready("saved", true).type == node_action_type::reconcile);
}

TEST_CASE("connect failures back off exponentially up to the maximum, and ready resets it") {
  node_fsm fsm(fast_backoff(), resuming_on(), "", 1);
  fsm.start();
  std::vector<std::chrono::milliseconds> delays;
  for (int i = 0; i < 5; ++i) {
    auto a = fsm.on_connected(boost::asio::error::connection_refused);
    REQUIRE(a.type == node_action_type::wait);
    delays.push_back(a.delay);
    REQUIRE(fsm.on_wait_done().type == node_action_type::connect);
  }
  CHECK(delays == std::vector<std::chrono::milliseconds>{10ms, 20ms, 40ms, 80ms, 80ms});
  CHECK(fsm.reconnect_attempts() == 5);
  fsm.on_connected({});
  fsm.on_ready("abc", false);
  CHECK(fsm.reconnect_attempts() == 0);
  fsm.on_session_configured({});
  CHECK(fsm.on_disconnected(error::connection_closed).delay == 10ms);
}

TEST_CASE("wrong password, missing password and not-Lavalink stop instead of retrying") {
  for (auto e : {error::wrong_password, error::missing_password, error::not_lavalink}) {
    node_fsm fsm(fast_backoff(), resuming_on(), "", 1);
    fsm.start();
    auto a = fsm.on_connected(e);
    CHECK(a.type == node_action_type::stop);
    CHECK(a.error == e);
    CHECK(fsm.state() == node_state::stopped);
  }
}

TEST_CASE("a zero initial delay disables reconnecting") {
  node_fsm fsm({0ms, 0ms, 2.0, 0.0}, resuming_on(), "", 1);
  fsm.start();
  fsm.on_connected({});
  fsm.on_ready("abc", false);
  fsm.on_session_configured({});
  auto a = fsm.on_disconnected(error::connection_closed);
  CHECK(a.type == node_action_type::stop);
  CHECK(a.error == error::connection_closed);
}

TEST_CASE("a failed resuming PATCH still leaves a live session") {
  node_fsm fsm(fast_backoff(), resuming_on(), "", 1);
  fsm.start();
  fsm.on_connected({});
  fsm.on_ready("abc", false);
  CHECK(fsm.on_session_configured(error::server_error).type == node_action_type::read);
  CHECK(fsm.state() == node_state::ready);
}

TEST_CASE("stop from any state, and out-of-order calls are rejected") {
  node_fsm fsm(fast_backoff(), resuming_on(), "", 1);
  CHECK(fsm.on_ready("abc", false).type == node_action_type::stop);  // not connected yet
  fsm.start();
  CHECK(fsm.start().type == node_action_type::stop);
  auto a = fsm.on_stop(boost::asio::error::operation_aborted);
  CHECK(a.type == node_action_type::stop);
  CHECK(fsm.state() == node_state::stopped);
}

TEST_CASE("jitter stays inside its band and depends only on the seed") {
  hanabi::detail::backoff a({100ms, 10s, 2.0, 0.2}, 42), b({100ms, 10s, 2.0, 0.2}, 42);
  for (int i = 0; i < 6; ++i) {
    auto d = a.next();
    CHECK(d == b.next());
    auto base = 100.0 * (1 << i);
    CHECK(d.count() >= static_cast<long>(base * 0.8) - 1);
    CHECK(d.count() <= static_cast<long>(base * 1.2) + 1);
  }
}
