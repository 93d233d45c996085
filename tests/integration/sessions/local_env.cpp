// The session conformance suite on local_session over one fake Lavalink node (local_env.hpp).
#include "local_env.hpp"

namespace {
using hanabi::test::local_env;
}

HANABI_SESSION_CONFORMANCE(local_env, "[sessions][local]")
