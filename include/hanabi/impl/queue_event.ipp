// Definitions of queue_event.hpp: the JSON form of change events.
#pragma once

#include <hanabi/detail/queue_json.hpp>
#include <hanabi/queue/queue_event.hpp>

#include <string_view>

namespace hanabi {

const char* to_string(repeat_mode m) noexcept {
  switch (m) {
    case repeat_mode::off: return "off";
    case repeat_mode::one: return "one";
    case repeat_mode::all: return "all";
  }
  return "off";
}

result<repeat_mode> repeat_mode_from_string(std::string_view s) {
  for (auto m : {repeat_mode::off, repeat_mode::one, repeat_mode::all})
    if (s == to_string(m)) return m;
  return failure{error::invalid_value, "repeat mode must be \"off\", \"one\" or \"all\""};
}

namespace detail {

struct change_to_json {
  nlohmann::json& j;
  void operator()(const queue_change::inserted& c) const {
    j["type"] = "inserted";
    j["positions"] = c.positions;
    auto& items = j["items"] = nlohmann::json::array();
    for (const auto& item : c.items) items.push_back(to_json_value(item));
  }
  void operator()(const queue_change::removed& c) const {
    j["type"] = "removed";
    j["positions"] = c.positions;
  }
  void operator()(const queue_change::moved& c) const {
    j["type"] = "moved";
    j["from"] = c.from;
    j["count"] = c.count;
    j["to"] = c.to;
  }
  void operator()(const queue_change::swapped& c) const {
    j["type"] = "swapped";
    j["a"] = c.a;
    j["b"] = c.b;
  }
  void operator()(const queue_change::reordered& c) const {
    j["type"] = "reordered";
    j["order"] = c.order;
    j["byShuffle"] = c.by_shuffle;
  }
  void operator()(const queue_change::cleared& c) const {
    j["type"] = "cleared";
    j["upcomingOnly"] = c.upcoming_only;
  }
  void operator()(const queue_change::pointer_moved& c) const {
    j["type"] = "pointerMoved";
    j["current"] = c.current;
    j["active"] = c.active;
  }
  void operator()(const queue_change::repeat_changed& c) const {
    j["type"] = "repeatChanged";
    j["mode"] = to_string(c.mode);
  }
};

inline result<queue_event::change_type> change_from_json(const nlohmann::json& j, std::string_view type) {
  if (type == "inserted") {
    queue_change::inserted c;
    auto positions = queue_json_positions(j, "positions");
    if (!positions) return positions.error();
    auto items = queue_json_array(j, "items");
    if (!items) return items.error();
    for (const auto& v : **items) {
      auto item = queue_item_from_json(v);
      if (!item) return item.error();
      c.items.push_back(std::move(*item));
    }
    c.positions = std::move(*positions);
    return c;
  }
  if (type == "removed") {
    auto positions = queue_json_positions(j, "positions");
    if (!positions) return positions.error();
    return queue_change::removed{std::move(*positions)};
  }
  if (type == "moved" || type == "swapped" || type == "pointerMoved") {
    const bool moved = type == "moved", swapped = type == "swapped";
    const char* keys[] = {moved ? "from" : swapped ? "a" : "current", moved ? "count" : "b", "to"};
    const std::size_t wanted = moved ? 3 : swapped ? 2 : 1;
    std::size_t values[3] = {};
    for (std::size_t i = 0; i < wanted; ++i) {
      auto v = queue_json_u64(j, keys[i]);
      if (!v) return v.error();
      values[i] = static_cast<std::size_t>(*v);
    }
    if (moved) return queue_change::moved{values[0], values[1], values[2]};
    if (swapped) return queue_change::swapped{values[0], values[1]};
    auto active = queue_json_bool(j, "active");
    if (!active) return active.error();
    return queue_change::pointer_moved{values[0], *active};
  }
  if (type == "reordered") {
    auto order = queue_json_positions(j, "order");
    if (!order) return order.error();
    auto by_shuffle = queue_json_bool(j, "byShuffle");
    if (!by_shuffle) return by_shuffle.error();
    return queue_change::reordered{std::move(*order), *by_shuffle};
  }
  if (type == "cleared") {
    auto upcoming_only = queue_json_bool(j, "upcomingOnly");
    if (!upcoming_only) return upcoming_only.error();
    return queue_change::cleared{*upcoming_only};
  }
  if (type == "repeatChanged") {
    auto mode = queue_json_string(j, "mode");
    if (!mode) return mode.error();
    auto m = repeat_mode_from_string(**mode);
    if (!m) return m.error();
    return queue_change::repeat_changed{*m};
  }
  return failure{error::invalid_value, "unknown queue event type \"" + std::string(type) + "\""};
}

}  // namespace detail

nlohmann::json to_json_value(const queue_event& e) {
  nlohmann::json j = {{"version", e.version}, {"rng", e.rng_state}};
  std::visit(detail::change_to_json{j}, e.change);
  return j;
}

result<queue_event> queue_event_from_json(const nlohmann::json& j) {
  auto version = detail::queue_json_u64(j, "version");
  if (!version) return version.error();
  auto rng = detail::queue_json_u64(j, "rng");
  if (!rng) return rng.error();
  auto type = detail::queue_json_string(j, "type");
  if (!type) return type.error();
  auto change = detail::change_from_json(j, **type);
  if (!change) return change.error();
  return queue_event{*version, *rng, std::move(*change)};
}

}  // namespace hanabi
