#include <hanabi/src.hpp>
