// hanabi::cancel_after with each kind of token, on a timer (no sockets).
#include <hanabi/transport/cancel_after.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <catch2/catch.hpp>

namespace asio = boost::asio;
using namespace std::chrono_literals;

TEST_CASE("a deadline that passes first cancels the operation and reports error::timeout") {
  asio::io_context ctx;
  asio::steady_timer slow(ctx, 1h);
  boost::system::error_code got;
  bool called = false;
  slow.async_wait(hanabi::cancel_after(1ms, [&](boost::system::error_code ec) {
    got = ec;
    called = true;
  }));
  ctx.run();
  CHECK(called);
  CHECK(got == hanabi::error::timeout);
}

TEST_CASE("an operation that finishes first keeps its own result") {
  asio::io_context ctx;
  asio::steady_timer quick(ctx, 0ms);
  boost::system::error_code got = hanabi::error::timeout;
  quick.async_wait(hanabi::cancel_after(1h, [&](boost::system::error_code ec) { got = ec; }));
  ctx.run();  // returns at once: the deadline timer was cancelled with the operation
  CHECK_FALSE(got);
}

TEST_CASE("cancel_after composes with use_awaitable and use_future") {
  asio::io_context ctx;
  boost::system::error_code awaited;
  asio::co_spawn(
      ctx,
      [&]() -> asio::awaitable<void> {
        asio::steady_timer t(ctx, 1h);
        try {
          co_await t.async_wait(hanabi::cancel_after(1ms, asio::use_awaitable));
        } catch (const boost::system::system_error& e) {
          awaited = e.code();
        }
      },
      asio::detached);
  asio::steady_timer t2(ctx, 1h);
  auto fut = t2.async_wait(hanabi::cancel_after(1ms, asio::use_future));
  ctx.run();
  CHECK(awaited == hanabi::error::timeout);
  try {
    fut.get();
    FAIL("the future should hold the timeout");
  } catch (const boost::system::system_error& e) {
    CHECK(e.code() == hanabi::error::timeout);
  }
}
