#include <hanabi/src/session_remote.hpp>
