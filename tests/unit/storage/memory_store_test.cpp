#include <hanabi/storage/memory_store.hpp>

#include "../../contract/store_contract.hpp"
#include "../../contract/store_values.hpp"
#include "sync_store.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <thread>

namespace {

struct memory_fixture final : hanabi::test::store_fixture {
  hanabi::storage::memory_store memory;

  explicit memory_fixture(hanabi::storage::compaction_config compaction)
      : memory(ctx.get_executor(), hanabi::storage::memory_store_config{std::move(compaction)}) {}
  hanabi::storage::store& store() override { return memory; }
  void reopen() override {}
};

}  // namespace

std::vector<hanabi::test::store_under_test> hanabi::test::stores_under_test() {
  return {make_store_under_test<memory_fixture>("memory")};
}

namespace asio = boost::asio;
using namespace hanabi::test::contract;

TEST_CASE("memory store: handlers are posted, never run inside the initiating call") {
  memory_fixture f{{}};
  hanabi::diagnostics diag;
  bool ran = false;
  f.memory.async_load_user(alice, diag, [&](hanabi::error_code ec, hanabi::storage::user_settings s) {
    CHECK_FALSE(ec);
    CHECK(s.volume == 100);
    ran = true;
  });
  CHECK_FALSE(ran);
  f.ctx.run();
  CHECK(ran);
}

TEST_CASE("memory store: use_future and use_awaitable complete with the value or throw the error") {
  memory_fixture f{{}};
  auto guard = asio::make_work_guard(f.ctx);
  std::thread runner([&] { f.ctx.run(); });
  hanabi::diagnostics diag;
  auto created = f.memory.async_create_playlist(alice, draft("F", {entry("x")}), diag, asio::use_future).get();
  CHECK(created.entries.size() == 1);
  auto duplicate = f.memory.async_create_playlist(alice, draft("F"), diag, asio::use_future);
  CHECK_THROWS_AS(duplicate.get(), boost::system::system_error);
  f.memory.async_rename_playlist(alice, created.id, "G", diag, asio::use_future).get();

  std::promise<std::string> name;
  asio::co_spawn(
      f.ctx,
      [&]() -> asio::awaitable<void> {
        hanabi::diagnostics d;
        auto p = co_await f.memory.async_get_playlist(bob, created.id, d, asio::use_awaitable);
        name.set_value(p.name);
      },
      [&](std::exception_ptr e) {
        if (e) name.set_exception(e);
      });
  CHECK_THROWS_AS(name.get_future().get(), boost::system::system_error);  // bob may not see alice's private list

  std::promise<std::string> own;
  asio::co_spawn(
      f.ctx,
      [&]() -> asio::awaitable<void> {
        hanabi::diagnostics d;
        auto p = co_await f.memory.async_get_playlist(alice, created.id, d, asio::use_awaitable);
        own.set_value(p.name);
      },
      asio::detached);
  CHECK(own.get_future().get() == "G");
  guard.reset();
  runner.join();
}

TEST_CASE("memory store: deferred operations run when launched") {
  memory_fixture f{{}};
  hanabi::diagnostics diag;
  auto op = f.memory.async_save_user({alice, 55, 5, nlohmann::json::object()}, diag);
  f.ctx.run();
  f.ctx.restart();
  hanabi::error_code saved = hanabi::error::storage_failure;
  std::move(op)([&](hanabi::error_code ec) { saved = ec; });
  f.ctx.run();
  CHECK_FALSE(saved);
  hanabi::test::sync_store s(f.ctx, f.memory);
  CHECK(s.load_user(alice)->volume == 55);
}
