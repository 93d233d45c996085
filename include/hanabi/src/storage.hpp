// The compiled definitions of the storage layer (part of <hanabi/src.hpp>; src/layers/storage.cpp
// compiles it alone so that an edit recompiles one layer, not the library).
#pragma once

#ifndef HANABI_SEPARATE_COMPILATION
#  error "Define HANABI_SEPARATE_COMPILATION to compile hanabi's sources, or use hanabi header-only."
#endif

#include <hanabi/impl/storage_time.ipp>
#include <hanabi/impl/storage_playlist.ipp>
#include <hanabi/impl/storage_core.ipp>
#include <hanabi/impl/storage_memory.ipp>
#include <hanabi/impl/storage_job_thread.ipp>
#include <hanabi/impl/storage_sqlite_connection.ipp>
#include <hanabi/impl/storage_sqlite.ipp>
#include <hanabi/impl/storage_queue_journal.ipp>
