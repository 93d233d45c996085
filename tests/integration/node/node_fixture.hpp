// Shared by the node integration tests: a fake node, and a hanabi::node running on
// its own io_context thread, driven from the test thread with use_future.
#pragma once

#include <hanabi/node/node.hpp>

#include <catch2/catch.hpp>
#include <hanabi/testing/fake_node.hpp>
#include <hanabi/testing/not_lavalink_server.hpp>
#include <hanabi/transport/cancel_after.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_future.hpp>

#include <chrono>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace hanabi::test {

namespace asio = boost::asio;
using namespace std::chrono_literals;

inline node_config client_config(const testing::fake_node& fake) {
  node_config cfg;
  cfg.name = "test";
  cfg.url = fake.base_url();
  cfg.password = secret{fake.options().password};
  cfg.user = user_id{170939974227541168};
  cfg.reconnect = backoff_policy{5ms, 50ms, 2.0, 0.1};
  cfg.log = logger::none();
  return cfg;
}

/// A node on a private io_context thread. Everything the test reads from it goes
/// through on_strand(), honouring the node's threading contract.
class client {
 public:
  explicit client(node_config cfg) : work_(asio::make_work_guard(ioc_)), node_(ioc_.get_executor(), std::move(cfg)) {
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~client() {
    node_.cancel();
    if (run_.valid()) run_.wait_for(5s);
    work_.reset();
    thread_.join();
  }

  hanabi::node& node() { return node_; }

  /// Starts async_run; its outcome is run_result().
  void run() {
    run_ = node_.async_run(run_diag_, asio::use_future);
  }
  /// Waits for async_run to finish after cancel(); any error but operation_aborted fails.
  void wait_run(std::chrono::milliseconds limit = 10s) {
    REQUIRE(run_.wait_for(limit) == std::future_status::ready);
    try {
      run_.get();
    } catch (const boost::system::system_error& e) {
      CHECK(e.code() == asio::error::operation_aborted);
    }
  }
  std::future<void>& run_future() { return run_; }
  const diagnostics& run_diag() const { return run_diag_; }

  std::string wait_ready(std::chrono::milliseconds limit = 10s) {
    return node_.async_wait_ready(cancel_after(limit, asio::use_future)).get();
  }

  /// Runs f on the node's strand and returns its result.
  template <class F>
  auto on_strand(F f) {
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto fut = task.get_future();
    asio::post(node_.get_executor(), [&task] { task(); });
    return fut.get();
  }

  /// Polls `pred` on the strand until it holds or `limit` passes.
  bool eventually(std::function<bool()> pred, std::chrono::milliseconds limit = 10s) {
    auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
      if (on_strand(pred)) return true;
      std::this_thread::sleep_for(2ms);
    }
    return on_strand(pred);
  }

 private:
  asio::io_context ioc_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  hanabi::node node_;
  std::thread thread_;
  std::future<void> run_;
  diagnostics run_diag_;
};

/// Records what a subscriber saw (accessed on the strand only).
struct recorder {
  std::vector<protocol::ws_message> messages;
  std::vector<node_state> states;
  std::vector<lost_players> lost;

  node_handlers handlers() {
    return {[this](const protocol::ws_message& m) { messages.push_back(m); },
            [this](node_state s) { states.push_back(s); }, [this](const lost_players& l) { lost.push_back(l); }};
  }
};

inline protocol::update_player play(const std::string& identifier) {
  protocol::update_player u;
  u.track = protocol::update_player_track{};
  u.track->identifier = identifier;
  return u;
}

/// The error a use_future operation failed with, or no error when it succeeded.
template <class Future>
boost::system::error_code failure_of(Future&& fut) {
  try {
    fut.get();
  } catch (const boost::system::system_error& e) {
    return e.code();
  }
  return {};
}

}  // namespace hanabi::test
