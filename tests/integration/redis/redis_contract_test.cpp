// The store contract (tests/contract) on a real redis-server that each run starts for itself.
#include "redis_server.hpp"

std::vector<hanabi::test::store_under_test> hanabi::test::stores_under_test() {
  return {make_store_under_test<redis_fixture>("redis")};
}
