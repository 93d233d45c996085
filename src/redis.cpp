// hanabi::redis: the Redis store, compiled once. Kept out of libhanabi so that a machine without
// hiredis builds everything else, and a bot that stores in SQLite never links hiredis.
#include <hanabi/impl/storage_redis_connection.ipp>
#include <hanabi/impl/storage_redis.ipp>
