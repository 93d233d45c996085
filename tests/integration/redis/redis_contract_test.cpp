// The store contract (tests/unit/storage/store_contract.hpp) on a real redis-server that each test
// starts for itself.
#include "redis_server.hpp"

using redis_fixtures = std::tuple<hanabi::test::redis_fixture>;
#define HANABI_STORE_FIXTURES redis_fixtures
#include "../../unit/storage/store_contract.hpp"
