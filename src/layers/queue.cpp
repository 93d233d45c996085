#include <hanabi/src/queue.hpp>
