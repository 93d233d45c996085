// Definitions of queue_item.hpp.
#pragma once

#include <hanabi/detail/queue_json.hpp>
#include <hanabi/protocol/track_codec.hpp>
#include <hanabi/queue/queue_item.hpp>

#include <algorithm>

namespace hanabi {

queued_track::queued_track(private_tag, const queued_track_fields& f)
    : is_stream_(f.is_stream), is_seekable_(f.is_seekable), length_(f.length) {
  const std::string_view fields[] = {f.encoded, f.identifier, f.title, f.author, f.source_name};
  std::size_t total = 0;
  for (auto field : fields) total += field.size();
  text_ = std::make_unique_for_overwrite<char[]>(total);
  std::size_t end = 0;
  for (std::size_t i = 0; i < ends_.size(); ++i) {
    std::copy(fields[i].begin(), fields[i].end(), text_.get() + end);
    end += fields[i].size();
    ends_[i] = static_cast<std::uint32_t>(end);
  }
  if (f.plugin_info && !f.plugin_info->is_null() && !f.plugin_info->empty())
    plugin_info_ = std::make_unique<const nlohmann::json>(*f.plugin_info);
}

std::shared_ptr<const queued_track> queued_track::make(const protocol::track& t) {
  return make(queued_track_fields{t.encoded, t.info.identifier, t.info.title, t.info.author, t.info.source_name,
                                  t.info.length, t.info.is_stream, t.info.is_seekable, &t.plugin_info});
}

std::shared_ptr<const queued_track> queued_track::make(const queued_track_fields& f) {
  return std::make_shared<const queued_track>(private_tag{}, f);
}

const nlohmann::json& queued_track::plugin_info() const noexcept {
  static const nlohmann::json empty_object = nlohmann::json::object();
  return plugin_info_ ? *plugin_info_ : empty_object;
}

bool operator==(const queued_track& a, const queued_track& b) noexcept {
  return a.ends_ == b.ends_ && std::equal(a.text_.get(), a.text_.get() + a.ends_.back(), b.text_.get()) && a.is_stream_ == b.is_stream_ &&
         a.is_seekable_ == b.is_seekable_ && a.length_ == b.length_ && a.plugin_info() == b.plugin_info();
}

std::optional<std::int64_t> queue_item::play_duration() const noexcept {
  if (!track || track->is_stream() || track->length() == protocol::unknown_length) return std::nullopt;
  const std::int64_t end = end_time > 0 ? std::min(end_time, track->length()) : track->length();
  return std::max<std::int64_t>(0, end - start_time);
}

bool operator==(const queue_item& a, const queue_item& b) noexcept {
  const bool same_track = a.track == b.track || (a.track && b.track && *a.track == *b.track);
  return same_track && a.requester == b.requester && a.start_time == b.start_time &&
         a.end_time == b.end_time && a.volume == b.volume && a.filters == b.filters &&
         a.user_data == b.user_data && a.added_at == b.added_at && a.id == b.id;
}

queue_item make_queue_item(const protocol::track& t, user_id requester, std::int64_t added_at) {
  queue_item item;
  item.track = queued_track::make(t);
  item.requester = requester;
  item.added_at = added_at;
  if (!t.user_data.is_null() && !t.user_data.empty()) item.user_data = t.user_data;
  return item;
}

result<protocol::track> to_track(const queue_item& item) {
  if (!item.track) return failure{error::invalid_argument, "the item has no track"};
  auto info = protocol::decode_track_info(item.track->encoded());
  if (!info) return info.error();
  protocol::track t;
  t.encoded = std::string(item.track->encoded());
  t.info = std::move(*info);
  t.info.is_seekable = item.track->is_seekable();
  t.plugin_info = item.track->plugin_info();
  if (!item.user_data.is_null()) t.user_data = item.user_data;
  return t;
}

namespace detail {

inline nlohmann::json queued_track_to_json(const queued_track& t) {
  return {{"encoded", t.encoded()},         {"identifier", t.identifier()}, {"title", t.title()},
          {"author", t.author()},           {"sourceName", t.source_name()}, {"length", t.length()},
          {"isStream", t.is_stream()},      {"isSeekable", t.is_seekable()}, {"pluginInfo", t.plugin_info()}};
}

// Built from views into `j`'s strings: no intermediate protocol::track, no string copied twice.
inline result<std::shared_ptr<const queued_track>> queued_track_from_json(const nlohmann::json& j) {
  queued_track_fields f;
  const std::pair<const char*, std::string_view*> strings[] = {{"encoded", &f.encoded},
                                                               {"identifier", &f.identifier},
                                                               {"title", &f.title},
                                                               {"author", &f.author},
                                                               {"sourceName", &f.source_name}};
  for (auto [key, out] : strings) {
    auto s = detail::queue_json_string(j, key);
    if (!s) return s.error();
    *out = **s;
  }
  auto length = detail::queue_json_i64(j, "length");
  if (!length) return length.error();
  auto stream = detail::queue_json_bool(j, "isStream");
  if (!stream) return stream.error();
  auto seekable = detail::queue_json_bool(j, "isSeekable");
  if (!seekable) return seekable.error();
  auto plugin = detail::queue_json_field(j, "pluginInfo");
  if (!plugin) return plugin.error();
  if (!(*plugin)->is_object()) return detail::queue_json_error(error::unexpected_type, "pluginInfo", "must be an object");
  f.length = *length;
  f.is_stream = *stream;
  f.is_seekable = *seekable;
  f.plugin_info = *plugin;
  return queued_track::make(f);
}

}  // namespace detail

nlohmann::json to_json_value(const queue_item& item) {
  return {{"id", item.id},
          {"track", item.track ? detail::queued_track_to_json(*item.track) : nlohmann::json()},
          {"requester", item.requester.str()},
          {"startTime", item.start_time},
          {"endTime", item.end_time},
          {"volume", item.volume ? nlohmann::json(*item.volume) : nlohmann::json()},
          {"filters", item.filters},
          {"userData", item.user_data},
          {"addedAt", item.added_at}};
}

result<queue_item> queue_item_from_json(const nlohmann::json& j) {
  queue_item item;
  auto id = detail::queue_json_u64(j, "id");
  if (!id) return id.error();
  item.id = *id;
  auto track = detail::queue_json_field(j, "track");
  if (!track) return track.error();
  auto stored = detail::queued_track_from_json(**track);
  if (!stored) return stored.error();
  item.track = std::move(*stored);
  auto requester = detail::queue_json_string(j, "requester");
  if (!requester) return requester.error();
  auto parsed = user_id::parse(**requester);
  if (!parsed) return parsed.error();
  item.requester = *parsed;
  auto start = detail::queue_json_i64(j, "startTime");
  if (!start) return start.error();
  auto end = detail::queue_json_i64(j, "endTime");
  if (!end) return end.error();
  if (*start < 0 || *end < 0) return failure{error::invalid_value, "startTime and endTime must not be negative"};
  item.start_time = *start;
  item.end_time = *end;
  auto volume = detail::queue_json_field(j, "volume");
  if (!volume) return volume.error();
  if (!(*volume)->is_null()) {
    if (!(*volume)->is_number_integer() || (*volume)->get<std::int64_t>() < 0 || (*volume)->get<std::int64_t>() > 1000)
      return failure{error::invalid_value, "\"volume\" must be null or an integer from 0 to 1000"};
    item.volume = static_cast<std::uint16_t>((*volume)->get<std::uint64_t>());
  }
  auto filters = detail::queue_json_field(j, "filters");
  if (!filters) return filters.error();
  if (!(*filters)->is_null() && !(*filters)->is_object())
    return detail::queue_json_error(error::unexpected_type, "filters", "must be null or an object");
  item.filters = **filters;
  auto user_data = detail::queue_json_field(j, "userData");
  if (!user_data) return user_data.error();
  item.user_data = **user_data;
  auto added = detail::queue_json_i64(j, "addedAt");
  if (!added) return added.error();
  item.added_at = *added;
  return item;
}

}  // namespace hanabi
