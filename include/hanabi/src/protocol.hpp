// The compiled definitions of the protocol layer (part of <hanabi/src.hpp>; src/layers/protocol.cpp
// compiles it alone so that an edit recompiles one layer, not the library).
#pragma once

#ifndef HANABI_SEPARATE_COMPILATION
#  error "Define HANABI_SEPARATE_COMPILATION to compile hanabi's sources, or use hanabi header-only."
#endif

#include <hanabi/impl/error.ipp>
#include <hanabi/impl/track_codec.ipp>
#include <hanabi/impl/protocol_filters.ipp>
#include <hanabi/impl/protocol_player.ipp>
#include <hanabi/impl/protocol_decoder.ipp>
#include <hanabi/impl/protocol_encode.ipp>
