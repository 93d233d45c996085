// JSON encoding and decoding of the control protocol's messages
// (docs/REMOTE_PROTOCOL.md gives the wire form of each one).
//
// Decoding never throws and never aborts: anything that is not a well-formed
// message of a known type gives error::malformed_message with a sentence in
// the diagnostics saying which field is wrong. Size limits are the caller's
// job (the link checks the frame size before it decodes).
#pragma once

#include <hanabi/detail/config.hpp>
#include <hanabi/diagnostics.hpp>
#include <hanabi/remote/messages.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hanabi::remote {

/// The JSON text of `m`. Invalid UTF-8 in strings is replaced, never thrown on.
HANABI_DECL std::string encode(const message& m);

/// The message in `frame`, or error::malformed_message with the reason.
HANABI_DECL result<message> decode(std::string_view frame);

/// The `id` of a frame that looks like a request (type "request", integer id > 0)
/// even when the rest of it is malformed, so the error reply can name it.
HANABI_DECL std::optional<std::uint64_t> peek_request_id(std::string_view frame);

}  // namespace hanabi::remote

#ifdef HANABI_HEADER_ONLY
#  include <hanabi/impl/remote_codec.ipp>
#endif
