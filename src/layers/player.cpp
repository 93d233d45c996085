#include <hanabi/src/player.hpp>
