// The compiled definitions of the player layer (part of <hanabi/src.hpp>; src/layers/player.cpp
// compiles it alone so that an edit recompiles one layer, not the library).
#pragma once

#ifndef HANABI_SEPARATE_COMPILATION
#  error "Define HANABI_SEPARATE_COMPILATION to compile hanabi's sources, or use hanabi header-only."
#endif

#include <hanabi/impl/voice_types.ipp>
#include <hanabi/impl/voice_fsm.ipp>
#include <hanabi/impl/voice.ipp>
#include <hanabi/impl/filter_presets.ipp>
#include <hanabi/impl/player.ipp>
