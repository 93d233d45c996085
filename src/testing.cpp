// hanabi::testing: the fake Lavalink node, its catalogue and the TLS test identity, compiled
// once. Kept out of libhanabi so that programs that only use the client never link a server.
#include <hanabi/impl/testing_catalogue.ipp>
#include <hanabi/impl/testing_fake_node.ipp>
#include <hanabi/impl/testing_not_lavalink_server.ipp>
#include <hanabi/impl/testing_self_signed.ipp>
