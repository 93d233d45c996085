// Saved playlists in the bot: /playlist create|add|show|list|delete|rename|import|export and
// /enqueue, over hanabi's store (hanabi::storage::store). The pure half lives here: the options of
// each command, the session entries a stored playlist becomes, the sentences the store's typed
// errors become, and the rendering. The router runs them against the store and the session.
#pragma once

#include "render.hpp"
#include "requests.hpp"

#include <hanabi/diagnostics.hpp>
#include <hanabi/session/session_types.hpp>
#include <hanabi/storage/playlist.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bot {

/// Whose playlist a command names: `owner:` when given, else the caller.
struct playlist_ref {
  std::string name;
  hanabi::user_id owner;
};

/// /enqueue playlist [owner] [mode] [shuffle].
struct enqueue_plan {
  playlist_ref playlist;
  hanabi::enqueue_options options;  ///< mode (fifo by default) and shuffle; caller = the user.
};

/// Errors: missing_option, malformed_snowflake (owner), unknown_choice (mode, shuffle).
hanabi::result<enqueue_plan> enqueue_request(const command_options& o, hanabi::user_id by);

/// The playlist named by `name_key` (and `owner:`, for show, export and enqueue).
/// Errors: missing_option, malformed_snowflake.
hanabi::result<playlist_ref> playlist_request(const command_options& o, hanabi::user_id by,
                                              const std::string& name_key = "name");

/// /playlist create name [description] [public]: the new playlist, empty. Its name and description
/// are checked by the store. Errors: missing_option, unknown_choice (public).
hanabi::result<hanabi::storage::playlist_draft> create_request(const command_options& o);

/// The segment of /playlist add's `start` and `end` (`M:SS` or `H:MM:SS`, each optional), checked
/// before anything is loaded. Errors: hanabi::error::invalid_time (unparsable, or start not before end).
hanabi::result<hanabi::storage::playlist_entry> segment_request(const command_options& o);

/// What a stored playlist enqueues: an entry with a cached encoded track carries the decoded track
/// (no REST round trip), the others their source (the session loads them); start and end are kept.
std::vector<hanabi::enqueue_entry> enqueue_entries(const hanabi::storage::playlist& p);

/// The sentence a store failure about playlist `ref` becomes, for `actor`: unknown playlist,
/// another user's private playlist, duplicate name, name too long or empty, bad times.
std::string playlist_failure(const hanabi::failure& f, const playlist_ref& ref, hanabi::user_id actor);

/// A playlist's entries, numbered from 1 with their segments.
message render_playlist(const hanabi::storage::playlist& p);
/// The playlists of `owner` (`own`: the caller's, private ones included).
message render_playlist_list(const std::vector<hanabi::storage::playlist_summary>& list, hanabi::user_id owner,
                             bool own);
/// The store's export format as a JSON file attached to an ephemeral reply.
message render_playlist_export(const hanabi::storage::playlist& p);

}  // namespace bot
