// The JSON form of every value that crosses the Session interface: command
// arguments, outcomes, views, the state snapshot, events and failures.
//
// A RemoteSession sends a call's arguments to the child as JSON and reads the
// answer back from JSON (docs/REMOTE_PROTOCOL.md, "Session ops"); the child's
// session host does the reverse. Both ends use these functions, so the two
// forms cannot drift apart.
//
//     nlohmann::json j = hanabi::to_json_value(args);           // encode
//     auto back = hanabi::decode_json<hanabi::skip_args>(j);    // result<skip_args>
//     if (!back) log(back.error().what());  // "skip.how: 'sideways' is not one of by, to, back"
//
// Encoding writes every field. Decoding is lenient about absence and strict
// about content: a field that is absent keeps its default (so a newer peer may
// add fields, and an older one may omit them), but a field that is present
// with the wrong JSON type, an unknown enum name, a bad snowflake or a number
// that does not fit is a typed error of the decode group (unexpected_type,
// invalid_value, invalid_snowflake, number_out_of_range) whose diagnostics
// name the field's path. Only what picks a variant (an event's `type`, a
// dequeue's `rule` and its `kind`, a filter command's `filters` or `preset`),
// a failure's `code`, and a session address's `guild` and `voice` are
// required (missing_field).
// Nothing here throws.
//
// Snowflakes are decimal strings (as in Discord and Lavalink); times are
// integers in ms; enums are their names ("off", "upcoming_and_history"...);
// tracks and filters use Lavalink's own JSON form.
#pragma once

#include <hanabi/detail/config.hpp>
#include <hanabi/diagnostics.hpp>
#include <hanabi/session/session_types.hpp>

#include <nlohmann/json.hpp>

#include <optional>
#include <string_view>
#include <vector>

namespace hanabi {

// --- Encoding: every field, always.
HANABI_DECL nlohmann::json to_json_value(const session_address&);
HANABI_DECL nlohmann::json to_json_value(const connect_args&);
HANABI_DECL nlohmann::json to_json_value(const disconnect_args&);
HANABI_DECL nlohmann::json to_json_value(const play_args&);
HANABI_DECL nlohmann::json to_json_value(const enqueue_entry&);
HANABI_DECL nlohmann::json to_json_value(const enqueue_args&);
HANABI_DECL nlohmann::json to_json_value(const enqueue_outcome&);
HANABI_DECL nlohmann::json to_json_value(const skip_args&);
HANABI_DECL nlohmann::json to_json_value(const seek_args&);
HANABI_DECL nlohmann::json to_json_value(const pause_args&);
HANABI_DECL nlohmann::json to_json_value(const volume_args&);
HANABI_DECL nlohmann::json to_json_value(const repeat_args&);
HANABI_DECL nlohmann::json to_json_value(const shuffle_args&);
HANABI_DECL nlohmann::json to_json_value(const dequeue_args&);
HANABI_DECL nlohmann::json to_json_value(const move_args&);
HANABI_DECL nlohmann::json to_json_value(const clear_args&);
HANABI_DECL nlohmann::json to_json_value(const filter_args&);
HANABI_DECL nlohmann::json to_json_value(const stop_args&);
HANABI_DECL nlohmann::json to_json_value(const page_args&);
HANABI_DECL nlohmann::json to_json_value(const item_view&);
HANABI_DECL nlohmann::json to_json_value(const now_playing&);
HANABI_DECL nlohmann::json to_json_value(const queue_view&);
HANABI_DECL nlohmann::json to_json_value(const session_state&);
HANABI_DECL nlohmann::json to_json_value(const action_record&);
/// {"type": "track_started" | "track_ended" | "state_changed" | "node_moved" | "channel_moved" | "closed", ...}
HANABI_DECL nlohmann::json to_json_value(const session_event&);
/// {"code": <hanabi::error value>, "message": <diagnostics' client message>, "lavalink": <error body, optional>}.
/// Only codes of the hanabi category travel as themselves; see docs/REMOTE_PROTOCOL.md.
HANABI_DECL nlohmann::json to_json_value(const failure&);

/// The wire name of a close reason ("requested", "inactivity"...).
HANABI_DECL std::string_view to_string(close_reason r) noexcept;

namespace detail {
// The decoders behind decode_json<T>; each fills `out` or names the bad field.
HANABI_DECL result<void> session_json_into(const nlohmann::json&, session_address&);
HANABI_DECL result<void> session_json_into(const nlohmann::json&, connect_args&);
HANABI_DECL result<void> session_json_into(const nlohmann::json&, disconnect_args&);
HANABI_DECL result<void> session_json_into(const nlohmann::json&, play_args&);
HANABI_DECL result<void> session_json_into(const nlohmann::json&, enqueue_entry&);
HANABI_DECL result<void> session_json_into(const nlohmann::json&, enqueue_args&);
HANABI_DECL result<void> session_json_into(const nlohmann::json&, enqueue_outcome&);
HANABI_DECL result<void> session_json_into(const nlohmann::json&, skip_args&);
HANABI_DECL result<void> session_json_into(const nlohmann::json&, seek_args&);
HANABI_DECL result<void> session_json_into(const nlohmann::json&, pause_args&);
HANABI_DECL result<void> session_json_into(const nlohmann::json&, volume_args&);
HANABI_DECL result<void> session_json_into(const nlohmann::json&, repeat_args&);
HANABI_DECL result<void> session_json_into(const nlohmann::json&, shuffle_args&);
HANABI_DECL result<void> session_json_into(const nlohmann::json&, dequeue_args&);
HANABI_DECL result<void> session_json_into(const nlohmann::json&, move_args&);
HANABI_DECL result<void> session_json_into(const nlohmann::json&, clear_args&);
HANABI_DECL result<void> session_json_into(const nlohmann::json&, filter_args&);
HANABI_DECL result<void> session_json_into(const nlohmann::json&, stop_args&);
HANABI_DECL result<void> session_json_into(const nlohmann::json&, page_args&);
HANABI_DECL result<void> session_json_into(const nlohmann::json&, item_view&);
HANABI_DECL result<void> session_json_into(const nlohmann::json&, now_playing&);
HANABI_DECL result<void> session_json_into(const nlohmann::json&, queue_view&);
HANABI_DECL result<void> session_json_into(const nlohmann::json&, session_state&);
HANABI_DECL result<void> session_json_into(const nlohmann::json&, action_record&);
HANABI_DECL result<void> session_json_into(const nlohmann::json&, session_event&);
HANABI_DECL result<void> session_json_into(const nlohmann::json&, std::vector<item_view>&);
HANABI_DECL result<void> session_json_into(const nlohmann::json&, std::vector<action_record>&);
HANABI_DECL result<void> session_json_into(const nlohmann::json&, std::optional<now_playing>&);
}  // namespace detail

/// Encodes a list of items or of history lines as a JSON array.
HANABI_DECL nlohmann::json to_json_value(const std::vector<item_view>&);
HANABI_DECL nlohmann::json to_json_value(const std::vector<action_record>&);
/// null when empty.
HANABI_DECL nlohmann::json to_json_value(const std::optional<now_playing>&);

/// Decodes a failure written by to_json_value (a result<failure> would be ambiguous).
HANABI_DECL result<void> decode_json_into(const nlohmann::json& j, failure& out);

/// Decodes what to_json_value wrote (see the file comment for what is lenient and what is an error).
/// T is any type to_json_value accepts, except failure (decode_json_into).
template <class T>
result<T> decode_json(const nlohmann::json& j) {
  T out{};
  if (auto r = detail::session_json_into(j, out); !r) return r.error();
  return out;
}

}  // namespace hanabi

#ifdef HANABI_HEADER_ONLY
#  include <hanabi/impl/session_json.ipp>
#endif
