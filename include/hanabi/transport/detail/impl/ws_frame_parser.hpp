// The parse loop of ws_frame_parser: a template so that the event callback is inlined, since it
// runs once per message on the node's hot path.
#pragma once

#include <algorithm>

namespace hanabi::detail {

template <class OnEvent>
result<ws_parse_progress> ws_frame_parser::parse(std::string_view input, OnEvent&& on_event) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(input.data());
  std::size_t pos = 0;
  for (;;) {
    if (skipping_) {
      const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(skip_remaining_, input.size() - pos));
      pos += n;
      skip_remaining_ -= n;
      if (skip_remaining_ > 0) return ws_parse_progress{pos, 0, false};
      skipping_ = false;
      if (skip_ends_message_ && !on_event(skipped_message())) return ws_parse_progress{pos, 0, true};
      continue;
    }
    header h;
    switch (read_header(bytes + pos, input.size() - pos, h)) {
      case header_status::incomplete: return ws_parse_progress{pos, h.size, false};
      case header_status::invalid: return fail(failure_close_code_, std::move(failure_message_));
      case header_status::complete: break;
    }
    if (static_cast<unsigned>(h.op) >= 8) {  // control frames are short and never fragmented
      if (input.size() - pos < h.size + h.payload) return ws_parse_progress{pos, h.size + h.payload, false};
      auto ev = control_event(h, input.substr(pos + h.size, h.payload));
      if (!ev) return ev.error();
      pos += h.size + h.payload;
      if (!on_event(*ev)) return ws_parse_progress{pos, 0, true};
      continue;
    }
    if (auto ok = check_data_frame(h); !ok) return ok.error();
    if (skipping_) {  // check_data_frame found the message too large: drop its payload as it comes
      pos += h.size;
      continue;
    }
    const std::size_t frame_size = h.size + static_cast<std::size_t>(h.payload);
    if (input.size() - pos < frame_size) return ws_parse_progress{pos, frame_size, false};
    const std::string_view payload = input.substr(pos + h.size, static_cast<std::size_t>(h.payload));
    pos += frame_size;
    if (h.fin && !in_message_) {  // the usual case: a whole message in one frame, viewed in place
      auto ev = completed_message(payload);
      if (!ev) return ev.error();
      if (!on_event(*ev)) return ws_parse_progress{pos, 0, true};
      continue;
    }
    if (!append_fragment(h, payload)) continue;
    auto ev = completed_message(std::string_view(assembly_.data(), message_size_));
    if (!ev) return ev.error();
    if (!on_event(*ev)) return ws_parse_progress{pos, 0, true};
  }
}

}  // namespace hanabi::detail
