// Filter presets (see player/filter_presets.hpp).
#pragma once

#include <hanabi/player/filter_presets.hpp>

#include <array>
#include <string>

namespace hanabi::presets {

HANABI_DECL protocol::filters nightcore() {
  protocol::filters f;
  f.timescale = protocol::timescale{1.25, 1.25, 1.0};
  return f;
}

HANABI_DECL protocol::filters vaporwave() {
  protocol::filters f;
  f.timescale = protocol::timescale{0.85, 0.8, 1.0};
  f.equalizer = std::vector<protocol::equalizer_band>{{0, 0.3}, {1, 0.3}};
  return f;
}

HANABI_DECL protocol::filters karaoke() {
  protocol::filters f;
  f.karaoke = protocol::karaoke{};
  return f;
}

HANABI_DECL result<protocol::filters> bass_boost(double level) {
  if (!(level >= 0.0 && level <= 1.0))  // also rejects NaN
    return failure{error::filter_out_of_range, "bass_boost level " + std::to_string(level) + " is outside 0..1"};
  constexpr std::array<double, 5> shape{0.6, 0.5, 0.4, 0.25, 0.1};
  std::vector<protocol::equalizer_band> bands;
  for (int band = 0; band < static_cast<int>(shape.size()); ++band)
    bands.push_back({band, shape[static_cast<std::size_t>(band)] * level});
  protocol::filters f;
  f.equalizer = std::move(bands);
  return f;
}

HANABI_DECL protocol::filters flat_equalizer() {
  std::vector<protocol::equalizer_band> bands;
  for (int band = 0; band < protocol::equalizer_band_count; ++band) bands.push_back({band, 0.0});
  protocol::filters f;
  f.equalizer = std::move(bands);
  return f;
}

}  // namespace hanabi::presets
