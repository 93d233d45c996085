#include <hanabi/src/node.hpp>
