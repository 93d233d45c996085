// The fake node's deterministic catalogue: what GET /v4/loadtracks answers for an identifier,
// and how each track behaves when it is played. The same identifier always gives the same
// tracks, byte for byte, so tests and offline bots can ask for exactly what they need.
//
// Grammar (also in docs/FAKE_NODE.md and `hanabi-fake-node --help`):
//
//   fake:track:<name>[:<length_ms>]     one track (default length: catalogue_options)
//   fake:stream:<name>                  one live stream: no length, not seekable, never ends
//   fake:fail:<name>[:<length_ms>]      loads, but fails when played: TrackStartEvent,
//                                       TrackExceptionEvent, TrackEndEvent(loadFailed)
//   fake:exception:<name>[:<length_ms>] plays half of its length, then TrackExceptionEvent
//                                       and TrackEndEvent(finished)
//   fake:stuck:<name>[:<length_ms>]     stops producing audio: TrackStuckEvent after the
//                                       stuck threshold, and it never ends by itself
//   fake:playlist:<n>[:<selected>]      a playlist of n tracks (0..max_playlist_size),
//                                       selectedTrack = <selected> (default -1)
//   fakesearch:<query>                  search result with search_results tracks
//   fakesearch<n>:<query>               search result with n tracks (0 gives an empty list)
//   ytsearch: ytmsearch: scsearch:      aliases of fakesearch:, for bots written for Lavalink
//   fake:empty                          loadType empty (data: null)
//   fake:error[:common|suspicious|fault] loadType error with that severity (default fault)
//   http://... or https://...           one track of source "http" (identifier = URL)
//   anything else                       loadType empty, as Lavalink answers for no match
//
// Every track has sourceName "fake" (or "http" for URLs), is encoded with the real track codec
// (format version 3), and carries its whole catalogue identifier in info.identifier, so that
// its behaviour survives an encode/decode round trip.
#pragma once

#include <hanabi/detail/config.hpp>
#include <hanabi/diagnostics.hpp>
#include <hanabi/protocol/track.hpp>
#include <hanabi/testing/fake_node_options.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace hanabi::testing {

/// What a catalogue track does once a player starts it.
enum class track_behaviour {
  plays,           ///< Plays to its end, then TrackEndEvent(finished).
  stream,          ///< Plays forever.
  fails_to_load,   ///< TrackExceptionEvent then TrackEndEvent(loadFailed), right after its start.
  throws_midway,   ///< TrackExceptionEvent then TrackEndEvent(finished), at half its length.
  gets_stuck,      ///< TrackStuckEvent after the stuck threshold; position stops advancing.
};

/// The catalogue. Immutable and cheap to copy; safe to share between threads.
class catalogue {
 public:
  explicit catalogue(catalogue_options options = {}) : options_(options) {}

  /// What GET /v4/loadtracks?identifier=<identifier> answers.
  HANABI_DECL protocol::load_result load(std::string_view identifier) const;

  /// The single track an identifier names (`fake:track:x`, a URL...), as the update-player
  /// call's `track.identifier` needs; a failure carries Lavalink's 400 message otherwise.
  HANABI_DECL result<protocol::track> resolve_one(std::string_view identifier) const;

  /// How a track behaves when played, read from its info (so decoded blobs behave alike).
  HANABI_DECL static track_behaviour behaviour_of(const protocol::track_info& info) noexcept;

  /// The source names this catalogue produces: "fake" and "http".
  HANABI_DECL static bool knows_source(std::string_view source_name) noexcept;

  const catalogue_options& options() const noexcept { return options_; }

 private:
  catalogue_options options_;
};

}  // namespace hanabi::testing

#ifdef HANABI_HEADER_ONLY
#  include <hanabi/impl/testing_catalogue.ipp>
#endif
