#include <hanabi/src/remote.hpp>
