// The compiled definitions of the remote layer (part of <hanabi/src.hpp>; src/layers/remote.cpp
// compiles it alone so that an edit recompiles one layer, not the library).
#pragma once

#ifndef HANABI_SEPARATE_COMPILATION
#  error "Define HANABI_SEPARATE_COMPILATION to compile hanabi's sources, or use hanabi header-only."
#endif

#include <hanabi/impl/remote_codec.ipp>
#include <hanabi/impl/remote_fsm.ipp>
#include <hanabi/impl/remote_link.ipp>
#include <hanabi/impl/remote_server.ipp>
#include <hanabi/impl/remote_client.ipp>
