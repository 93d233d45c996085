#include <hanabi/src/session.hpp>
