// Include this from exactly one translation unit of a program that defines
// HANABI_SEPARATE_COMPILATION to compile every non-template definition of hanabi.
// The hanabi::hanabi CMake target instead compiles each layer's list
// (<hanabi/src/LAYER.hpp>) in its own translation unit, src/layers/LAYER.cpp.
#pragma once

#include <hanabi/src/protocol.hpp>
#include <hanabi/src/transport.hpp>
#include <hanabi/src/node.hpp>
#include <hanabi/src/player.hpp>
#include <hanabi/src/queue.hpp>
#include <hanabi/src/storage.hpp>
#include <hanabi/src/remote.hpp>
#include <hanabi/src/session.hpp>
#include <hanabi/src/session_remote.hpp>
