// Audio filters of a player (PROTOCOL.md §12): the ten built-in filters and the
// opaque plugin filters.
//
// In a request `filters` replaces the player's whole set: a filter left out is
// turned off. The object filters are `nullable` because `null` is a third,
// explicit way to say "off" that a request must be able to carry unchanged.
// Lavalink does not check ranges (an out-of-range band is a 500), so
// `validate()` checks them on the client side.
#pragma once

#include <hanabi/diagnostics.hpp>
#include <hanabi/protocol/nullable.hpp>

#include <nlohmann/json.hpp>

#include <optional>
#include <vector>

namespace hanabi::protocol {

/// Number of equalizer bands; valid bands are 0 to 14 (25 Hz to 16 kHz).
inline constexpr int equalizer_band_count = 15;

/// One equalizer band. gain: -0.25 mutes the band, 0 leaves it, 0.25 about doubles it.
struct equalizer_band {
  int band = 0;       ///< 0..14.
  double gain = 0.0;  ///< -0.25..1.0. A request that omits it means 1.0 on the server.
  friend bool operator==(const equalizer_band&, const equalizer_band&) = default;
};

/// Vocal removal around a frequency band.
struct karaoke {
  double level = 1.0;         ///< 0..1.
  double mono_level = 1.0;    ///< 0..1.
  double filter_band = 220.0;  ///< Hz.
  double filter_width = 100.0;
  friend bool operator==(const karaoke&, const karaoke&) = default;
};

/// Playback speed, pitch and rate; 1.0 each is unchanged.
struct timescale {
  double speed = 1.0;  ///< > 0.
  double pitch = 1.0;  ///< > 0.
  double rate = 1.0;   ///< > 0.
  friend bool operator==(const timescale&, const timescale&) = default;
};

/// Volume oscillation.
struct tremolo {
  double frequency = 2.0;  ///< > 0.
  double depth = 0.5;      ///< (0, 1].
  friend bool operator==(const tremolo&, const tremolo&) = default;
};

/// Pitch oscillation.
struct vibrato {
  double frequency = 2.0;  ///< (0, 14].
  double depth = 0.5;      ///< (0, 1].
  friend bool operator==(const vibrato&, const vibrato&) = default;
};

/// Audio panning around the listener ("8D" at about 0.2 Hz).
struct rotation {
  double rotation_hz = 0.0;
  friend bool operator==(const rotation&, const rotation&) = default;
};

/// Distortion through sin/cos/tan transforms.
struct distortion {
  double sin_offset = 0.0;
  double sin_scale = 1.0;
  double cos_offset = 0.0;
  double cos_scale = 1.0;
  double tan_offset = 0.0;
  double tan_scale = 1.0;
  double offset = 0.0;
  double scale = 1.0;
  friend bool operator==(const distortion&, const distortion&) = default;
};

/// Mixing of the left and right channels; all 0.5 gives mono.
struct channel_mix {
  double left_to_left = 1.0;    ///< 0..1.
  double left_to_right = 0.0;   ///< 0..1.
  double right_to_left = 0.0;   ///< 0..1.
  double right_to_right = 1.0;  ///< 0..1.
  friend bool operator==(const channel_mix&, const channel_mix&) = default;
};

/// Suppresses high frequencies; takes effect above 1.0.
struct low_pass {
  double smoothing = 20.0;
  friend bool operator==(const low_pass&, const low_pass&) = default;
};

/// A player's filter set. Absent = not sent / not active; null (object filters only) = off.
struct filters {
  std::optional<double> volume;                        ///< 0..5; 1.0 = 100%. Not nullable.
  std::optional<std::vector<equalizer_band>> equalizer;  ///< Not nullable.
  nullable<protocol::karaoke> karaoke;
  nullable<protocol::timescale> timescale;
  nullable<protocol::tremolo> tremolo;
  nullable<protocol::vibrato> vibrato;
  nullable<protocol::rotation> rotation;
  nullable<protocol::distortion> distortion;
  nullable<protocol::channel_mix> channel_mix;
  nullable<protocol::low_pass> low_pass;
  std::optional<nlohmann::json> plugin_filters;  ///< Plugin name -> its opaque settings.

  /// Checks every set value against its documented range (§12).
  /// Fails with error::filter_out_of_range and a message naming the field,
  /// e.g. "filters.equalizer[2].band: 15 is outside 0..14".
  HANABI_DECL result<void> validate() const;

  friend bool operator==(const filters&, const filters&) = default;
};

}  // namespace hanabi::protocol

#ifdef HANABI_HEADER_ONLY
#  include <hanabi/impl/protocol_filters.ipp>
#endif
