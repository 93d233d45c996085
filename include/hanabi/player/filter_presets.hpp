// Ready-made filter sets for the effects users ask for by name. Each returns a
// complete protocol::filters: sending it replaces the player's whole set
// (PROTOCOL.md §12), so applying "nightcore" also turns off any earlier effect.
//
//     player.async_set_filters(hanabi::presets::nightcore(), token);
#pragma once

#include <hanabi/detail/config.hpp>
#include <hanabi/diagnostics.hpp>
#include <hanabi/protocol/filters.hpp>

namespace hanabi::presets {

/// Faster and higher: timescale speed and pitch 1.25 (rate unchanged).
HANABI_DECL protocol::filters nightcore();
/// Slower and lower, with a little extra bass: timescale speed 0.85, pitch 0.8, and
/// equalizer bands 0 and 1 at +0.3.
HANABI_DECL protocol::filters vaporwave();
/// Removes the centre-panned vocals: the karaoke filter at its defaults (level 1, mono level 1,
/// band 220 Hz, width 100 Hz).
HANABI_DECL protocol::filters karaoke();
/// Boosts the five lowest equalizer bands (25 to 160 Hz), the lowest most. `level` in 0..1
/// scales the boost (band 0 gets 0.6 × level); 0 gives a flat equalizer.
/// Errors: filter_out_of_range when `level` is outside 0..1 or not a number.
HANABI_DECL result<protocol::filters> bass_boost(double level = 0.5);
/// All 15 equalizer bands at gain 0: clears any equalizer and nothing else.
HANABI_DECL protocol::filters flat_equalizer();

}  // namespace hanabi::presets

#ifdef HANABI_HEADER_ONLY
#  include <hanabi/impl/filter_presets.ipp>
#endif
