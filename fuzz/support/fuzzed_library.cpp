// The part of hanabi the fuzz targets exercise, compiled with coverage
// instrumentation: the error category, the JSON model, the track codec and the
// WebSocket frame parser.
// Only these, not all of <hanabi/src.hpp>: the rest (Asio, Beast, SQLite) is
// never reached from a fuzz target, and instrumenting it costs build time and
// trips clang 14's assembler on some of Asio's code.
#include <hanabi/impl/error.ipp>
#include <hanabi/impl/track_codec.ipp>
#include <hanabi/impl/protocol_filters.ipp>
#include <hanabi/impl/protocol_player.ipp>
#include <hanabi/impl/protocol_decoder.ipp>
#include <hanabi/impl/protocol_encode.ipp>
#include <hanabi/impl/ws_frame_parser.ipp>
