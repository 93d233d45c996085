// Helpers of the tests that run a client or a server on its own thread: an io_context with a
// thread that runs it until the helper is destroyed, and a bounded wait for a condition another
// thread makes true. The limit only keeps a broken build from hanging CI; no test asserts on
// elapsed time.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <thread>

namespace hanabi::test {

/// Polls `done` until it holds, or gives up after `limit` (returns false).
template <class Pred>
bool eventually(Pred done, std::chrono::seconds limit = std::chrono::seconds{30}) {
  auto give_up = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > give_up) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds{2});
  }
  return true;
}

/// An io_context run by its own thread from construction to destruction.
struct io_thread {
  boost::asio::io_context ioc;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{ioc.get_executor()};
  std::thread thread{[this] { ioc.run(); }};
  ~io_thread() {
    work.reset();
    ioc.stop();
    thread.join();
  }
};

}  // namespace hanabi::test
