// Include this from exactly one translation unit of a program that defines
// HANABI_SEPARATE_COMPILATION (the hanabi::hanabi CMake target does it for you
// in src/hanabi.cpp). It compiles every non-template definition of hanabi.
#pragma once

#ifndef HANABI_SEPARATE_COMPILATION
#  error "Define HANABI_SEPARATE_COMPILATION to compile hanabi's sources, or use hanabi header-only."
#endif

// Each layer lists its .ipp files here, in dependency order.
#include <hanabi/impl/error.ipp>
#include <hanabi/impl/track_codec.ipp>
#include <hanabi/impl/protocol_filters.ipp>
#include <hanabi/impl/protocol_player.ipp>
#include <hanabi/impl/protocol_decoder.ipp>
#include <hanabi/impl/protocol_encode.ipp>
#include <hanabi/impl/url.ipp>
#include <hanabi/impl/any_stream.ipp>
#include <hanabi/impl/endpoints.ipp>
#include <hanabi/impl/rest_client.ipp>
#include <hanabi/impl/ws_client.ipp>
#include <hanabi/impl/node_fsm.ipp>
#include <hanabi/impl/node.ipp>
#include <hanabi/impl/voice_types.ipp>
#include <hanabi/impl/voice_fsm.ipp>
#include <hanabi/impl/voice.ipp>
#include <hanabi/impl/selection.ipp>
#include <hanabi/impl/filter_presets.ipp>
#include <hanabi/impl/player.ipp>
#include <hanabi/impl/queue_item.ipp>
#include <hanabi/impl/queue_event.ipp>
#include <hanabi/impl/track_queue.ipp>
#include <hanabi/impl/node_pool.ipp>
#include <hanabi/impl/storage_time.ipp>
#include <hanabi/impl/storage_playlist.ipp>
#include <hanabi/impl/storage_core.ipp>
#include <hanabi/impl/storage_memory.ipp>
#include <hanabi/impl/storage_sqlite_connection.ipp>
#include <hanabi/impl/storage_sqlite.ipp>
#include <hanabi/impl/remote_codec.ipp>
#include <hanabi/impl/remote_fsm.ipp>
#include <hanabi/impl/remote_link.ipp>
#include <hanabi/impl/remote_server.ipp>
#include <hanabi/impl/remote_client.ipp>
