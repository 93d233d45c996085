// The store contract: the behaviour every storage::store must have, written once
// (store_contract.cpp) and run against each implementation. It is compiled once
// per build, as the object library hanabi_store_contract, and linked into each
// executable that runs it; each of those lists its stores in stores_under_test():
// memory_store in the unit tests, sqlite_store (in both commit modes) and
// redis_store in the integration tests. Each contract case runs once per store,
// in a section named after it.
//
// (It used to be a header of templated cases included by each of those
// executables: compiled four times, once per fixture type, ~50 s of g++ each.)
#pragma once

#include <hanabi/storage/store.hpp>

#include <boost/asio/io_context.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace hanabi::test {

/// A store under test and the io_context its operations complete on (the contract runs it).
class store_fixture {
 public:
  store_fixture() = default;
  store_fixture(const store_fixture&) = delete;
  store_fixture& operator=(const store_fixture&) = delete;
  virtual ~store_fixture() = default;

  virtual storage::store& store() = 0;
  /// Closes the store and opens it again on the same data: a persistent store keeps everything it
  /// acknowledged; a no-op in memory. store() may return another object after it.
  virtual void reopen() = 0;

  boost::asio::io_context ctx;
};

/// One store the contract runs on: a name (the section its runs are in) and how to open a fresh,
/// empty one with the given compaction settings.
struct store_under_test {
  std::string name;
  std::function<std::unique_ptr<store_fixture>(storage::compaction_config)> open;
};

/// The stores this executable runs the contract on. Defined by each executable that links
/// hanabi_store_contract.
std::vector<store_under_test> stores_under_test();

/// A store_under_test named `name` that opens a Fixture (a store_fixture constructible from a
/// storage::compaction_config).
template <class Fixture>
store_under_test make_store_under_test(std::string name) {
  return {std::move(name), [](storage::compaction_config compaction) -> std::unique_ptr<store_fixture> {
            return std::make_unique<Fixture>(std::move(compaction));
          }};
}

}  // namespace hanabi::test
