// The compiled definitions of the node layer (part of <hanabi/src.hpp>; src/layers/node.cpp
// compiles it alone so that an edit recompiles one layer, not the library).
#pragma once

#ifndef HANABI_SEPARATE_COMPILATION
#  error "Define HANABI_SEPARATE_COMPILATION to compile hanabi's sources, or use hanabi header-only."
#endif

#include <hanabi/impl/node_fsm.ipp>
#include <hanabi/impl/node.ipp>
#include <hanabi/impl/selection.ipp>
#include <hanabi/impl/node_pool.ipp>
