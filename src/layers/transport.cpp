#include <hanabi/src/transport.hpp>
