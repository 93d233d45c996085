#include <hanabi/src/protocol.hpp>
