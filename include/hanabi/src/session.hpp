// The compiled definitions of the session layer (part of <hanabi/src.hpp>; src/layers/session.cpp
// compiles it alone so that an edit recompiles one layer, not the library).
#pragma once

#ifndef HANABI_SEPARATE_COMPILATION
#  error "Define HANABI_SEPARATE_COMPILATION to compile hanabi's sources, or use hanabi header-only."
#endif

#include <hanabi/impl/session_logic.ipp>
#include <hanabi/impl/local_session.ipp>
#include <hanabi/impl/session_selection.ipp>
#include <hanabi/impl/supervisor.ipp>
#include <hanabi/impl/session_manager.ipp>
#include <hanabi/impl/session_persistence.ipp>
#include <hanabi/impl/session_recovery.ipp>
