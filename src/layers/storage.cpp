#include <hanabi/src/storage.hpp>
