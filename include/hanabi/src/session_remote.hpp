// The compiled definitions of the remote half of the session layer: the JSON form of the session
// values, remote_session and session_host (part of <hanabi/src.hpp>; src/layers/session_remote.cpp
// compiles it alone, apart from local_session, so that each recompiles on its own).
#pragma once

#ifndef HANABI_SEPARATE_COMPILATION
#  error "Define HANABI_SEPARATE_COMPILATION to compile hanabi's sources, or use hanabi header-only."
#endif

#include <hanabi/impl/session_json.ipp>
#include <hanabi/impl/remote_session.ipp>
#include <hanabi/impl/session_host.ipp>
