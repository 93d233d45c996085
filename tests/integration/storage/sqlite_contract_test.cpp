// The store contract (tests/unit/storage/store_contract.hpp) on a database file, in both commit modes.
#include <hanabi/storage/sqlite_store.hpp>

#include "sqlite_helpers.hpp"

using each_fixture = hanabi::test::sqlite_fixture<hanabi::storage::journal_commit::each>;
using batched_fixture = hanabi::test::sqlite_fixture<hanabi::storage::journal_commit::batched>;
using sqlite_fixtures = std::tuple<each_fixture, batched_fixture>;
#define HANABI_STORE_FIXTURES sqlite_fixtures
#include "../../unit/storage/store_contract.hpp"
