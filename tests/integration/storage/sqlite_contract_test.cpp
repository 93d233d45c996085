// The store contract (tests/contract) on a database file, in both commit modes.
#include "sqlite_helpers.hpp"

std::vector<hanabi::test::store_under_test> hanabi::test::stores_under_test() {
  using hanabi::storage::journal_commit;
  return {make_store_under_test<sqlite_fixture<journal_commit::each>>("sqlite, a commit per write"),
          make_store_under_test<sqlite_fixture<journal_commit::batched>>("sqlite, batched commits")};
}
