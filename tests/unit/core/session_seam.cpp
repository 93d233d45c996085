// The Session interface's token seam: every completion token reaches the same virtual function,
// and the caller's diagnostics object is the one written, even when the initiation runs later
// (asio::deferred decay-copies the initiation's arguments).
#include <hanabi/session/session.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <catch2/catch.hpp>

#include <string>

using namespace hanabi;

namespace {

// Answers volume with its argument, seek with a no_effect error and a sentence, and records how
// many calls reached it. Every other op is never called by these tests.
class echo_session final : public session {
 public:
  explicit echo_session(asio::io_context& io) : io_(io) {}
  int calls = 0;

  session_address address() const override { return {}; }
  std::string bot() const override { return "echo"; }
  bool is_remote() const noexcept override { return false; }
  executor_type get_executor() const override { return io_.get_executor(); }
  session_subscription subscribe(std::function<void(const session_event&)>) override { return {}; }

 private:
  void do_volume(volume_args a, diagnostics&, session_handler<int> h) override {
    ++calls;
    asio::post(io_, [h = std::move(h), v = a.value]() mutable { std::move(h)(error_code{}, v); });
  }
  void do_seek(seek_args a, diagnostics& d, session_handler<std::int64_t> h) override {
    ++calls;
    d.set_client_message("already at " + std::to_string(a.value));
    asio::post(io_, [h = std::move(h)]() mutable { std::move(h)(error::no_effect, 0); });
  }
  [[noreturn]] static void unused() { FAIL("an op these tests never call was called"); throw 0; }
  void do_connect(connect_args, diagnostics&, session_handler<session_state>) override { unused(); }
  void do_disconnect(disconnect_args, diagnostics&, session_handler<void>) override { unused(); }
  void do_play(play_args, diagnostics&, session_handler<enqueue_outcome>) override { unused(); }
  void do_enqueue(enqueue_args, diagnostics&, session_handler<enqueue_outcome>) override { unused(); }
  void do_skip(skip_args, diagnostics&, session_handler<now_playing>) override { unused(); }
  void do_pause(pause_args, diagnostics&, session_handler<void>) override { unused(); }
  void do_stop(stop_args, diagnostics&, session_handler<void>) override { unused(); }
  void do_filters(filter_args, diagnostics&, session_handler<protocol::filters>) override { unused(); }
  void do_repeat(repeat_args, diagnostics&, session_handler<void>) override { unused(); }
  void do_shuffle(shuffle_args, diagnostics&, session_handler<void>) override { unused(); }
  void do_dequeue(dequeue_args, diagnostics&, session_handler<std::vector<item_view>>) override { unused(); }
  void do_move(move_args, diagnostics&, session_handler<void>) override { unused(); }
  void do_clear(clear_args, diagnostics&, session_handler<std::size_t>) override { unused(); }
  void do_now_playing(diagnostics&, session_handler<std::optional<now_playing>>) override { unused(); }
  void do_queue_page(page_args, diagnostics&, session_handler<queue_view>) override { unused(); }
  void do_state(diagnostics&, session_handler<session_state>) override { unused(); }
  void do_history(std::size_t, diagnostics&, session_handler<std::vector<action_record>>) override { unused(); }

  asio::io_context& io_;
};

}  // namespace

TEST_CASE("session seam: a callback gets the implementation's answer") {
  asio::io_context io;
  auto s = std::make_shared<echo_session>(io);
  diagnostics d;
  int got = -1;
  s->async_volume({.value = 42, .relative = false, .by = user_id{7}}, d, [&](error_code ec, int v) {
    CHECK_FALSE(ec);
    got = v;
  });
  CHECK(got == -1);  // never inside the initiating call
  io.run();
  CHECK(got == 42);
  CHECK(s->calls == 1);
}

TEST_CASE("session seam: use_future and use_awaitable reach the same op, errors throw with diagnostics") {
  asio::io_context io;
  auto s = std::make_shared<echo_session>(io);
  diagnostics d1;
  auto f = s->async_volume({.value = 5, .relative = true, .by = {}}, d1, asio::use_future);
  std::string thrown;
  diagnostics d2;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        try {
          co_await s->async_seek({.value = 30, .relative = false, .by = {}}, d2, asio::use_awaitable);
        } catch (const boost::system::system_error& e) {
          thrown = e.code() == error::no_effect ? "no_effect" : e.code().message();
        }
      },
      asio::detached);
  io.run();
  CHECK(f.get() == 5);
  CHECK(thrown == "no_effect");
  CHECK(d2.client_message() == "already at 30");
  CHECK(s->calls == 2);
}

TEST_CASE("session seam: a deferred operation writes the caller's diagnostics, not a copy") {
  asio::io_context io;
  auto s = std::make_shared<echo_session>(io);
  diagnostics d;
  auto op = s->async_seek({.value = 9, .relative = false, .by = {}}, d, asio::deferred);
  CHECK(s->calls == 0);  // nothing runs until the deferred operation is launched
  error_code got;
  std::move(op)([&](error_code ec, std::int64_t) { got = ec; });
  io.run();
  CHECK(got == error::no_effect);
  CHECK(d.client_message() == "already at 9");
}

TEST_CASE("session seam: the initiation keeps the session alive") {
  asio::io_context io;
  std::weak_ptr<echo_session> weak;
  int got = 0;
  diagnostics d;  // outlives the handler, as the contract asks
  {
    auto s = std::make_shared<echo_session>(io);
    weak = s;
    auto op = s->async_volume({.value = 3, .relative = false, .by = {}}, d, asio::deferred);
    s.reset();
    CHECK_FALSE(weak.expired());  // held by the deferred initiation
    std::move(op)([&](error_code, int v) { got = v; });
  }
  io.run();
  CHECK(got == 3);
}
