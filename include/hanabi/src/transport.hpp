// The compiled definitions of the transport layer (part of <hanabi/src.hpp>; src/layers/transport.cpp
// compiles it alone so that an edit recompiles one layer, not the library).
#pragma once

#ifndef HANABI_SEPARATE_COMPILATION
#  error "Define HANABI_SEPARATE_COMPILATION to compile hanabi's sources, or use hanabi header-only."
#endif

#include <hanabi/impl/url.ipp>
#include <hanabi/impl/any_stream.ipp>
#include <hanabi/impl/endpoints.ipp>
#include <hanabi/impl/rest_client.ipp>
#include <hanabi/impl/ws_frame_parser.ipp>
#include <hanabi/impl/ws_client.ipp>
