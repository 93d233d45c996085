// Client-side range checks of the filters (PROTOCOL.md §12).
#pragma once

#include <hanabi/protocol/filters.hpp>
#include <hanabi/detail/json_reasons.hpp>

#include <fmt/format.h>

namespace hanabi::protocol {

HANABI_DECL result<void> filters::validate() const {
  hanabi::detail::json_reasons reasons;
  if (volume) reasons.check_closed("filters.volume", *volume, 0.0, 5.0);
  if (equalizer) {
    for (std::size_t i = 0; i < equalizer->size(); ++i) {
      const auto& b = (*equalizer)[i];
      if (b.band < 0 || b.band >= equalizer_band_count)
        reasons.add(fmt::format("filters.equalizer[{}].band: {} is outside 0..{}", i, b.band, equalizer_band_count - 1));
      reasons.check_closed(fmt::format("filters.equalizer[{}].gain", i), b.gain, -0.25, 1.0);
    }
  }
  if (karaoke.has_value()) {
    reasons.check_closed("filters.karaoke.level", karaoke->level, 0.0, 1.0);
    reasons.check_closed("filters.karaoke.monoLevel", karaoke->mono_level, 0.0, 1.0);
    reasons.check_finite("filters.karaoke.filterBand", karaoke->filter_band);
    reasons.check_finite("filters.karaoke.filterWidth", karaoke->filter_width);
  }
  if (timescale.has_value()) {
    reasons.check_above("filters.timescale.speed", timescale->speed, 0.0);
    reasons.check_above("filters.timescale.pitch", timescale->pitch, 0.0);
    reasons.check_above("filters.timescale.rate", timescale->rate, 0.0);
  }
  if (tremolo.has_value()) {
    reasons.check_above("filters.tremolo.frequency", tremolo->frequency, 0.0);
    reasons.check_open_closed("filters.tremolo.depth", tremolo->depth, 0.0, 1.0);
  }
  if (vibrato.has_value()) {
    reasons.check_open_closed("filters.vibrato.frequency", vibrato->frequency, 0.0, 14.0);
    reasons.check_open_closed("filters.vibrato.depth", vibrato->depth, 0.0, 1.0);
  }
  if (rotation.has_value()) reasons.check_finite("filters.rotation.rotationHz", rotation->rotation_hz);
  if (distortion.has_value()) {
    const auto& d = *distortion;
    reasons.check_finite("filters.distortion.sinOffset", d.sin_offset);
    reasons.check_finite("filters.distortion.sinScale", d.sin_scale);
    reasons.check_finite("filters.distortion.cosOffset", d.cos_offset);
    reasons.check_finite("filters.distortion.cosScale", d.cos_scale);
    reasons.check_finite("filters.distortion.tanOffset", d.tan_offset);
    reasons.check_finite("filters.distortion.tanScale", d.tan_scale);
    reasons.check_finite("filters.distortion.offset", d.offset);
    reasons.check_finite("filters.distortion.scale", d.scale);
  }
  if (channel_mix.has_value()) {
    reasons.check_closed("filters.channelMix.leftToLeft", channel_mix->left_to_left, 0.0, 1.0);
    reasons.check_closed("filters.channelMix.leftToRight", channel_mix->left_to_right, 0.0, 1.0);
    reasons.check_closed("filters.channelMix.rightToLeft", channel_mix->right_to_left, 0.0, 1.0);
    reasons.check_closed("filters.channelMix.rightToRight", channel_mix->right_to_right, 0.0, 1.0);
  }
  if (low_pass.has_value()) reasons.check_finite("filters.lowPass.smoothing", low_pass->smoothing);
  if (plugin_filters && !plugin_filters->is_object()) reasons.add("filters.pluginFilters: expected an object");
  return reasons.to_result(error::filter_out_of_range);
}

}  // namespace hanabi::protocol
