// The compiled definitions of the queue layer (part of <hanabi/src.hpp>; src/layers/queue.cpp
// compiles it alone so that an edit recompiles one layer, not the library).
#pragma once

#ifndef HANABI_SEPARATE_COMPILATION
#  error "Define HANABI_SEPARATE_COMPILATION to compile hanabi's sources, or use hanabi header-only."
#endif

#include <hanabi/impl/queue_item.ipp>
#include <hanabi/impl/queue_event.ipp>
#include <hanabi/impl/queue_flat_event_batch.ipp>
#include <hanabi/impl/track_queue.ipp>
