// Small readers for the queue's JSON forms (snapshots, events, items): each
// returns a typed error instead of letting nlohmann::json throw.
#pragma once

#include <hanabi/diagnostics.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace hanabi::detail {

inline failure queue_json_error(error e, const char* key, const char* what) {
  return failure{e, std::string("\"") + key + "\" " + what};
}

inline result<const nlohmann::json*> queue_json_field(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return failure{error::unexpected_type, "expected a JSON object"};
  auto it = j.find(key);
  if (it == j.end()) return queue_json_error(error::missing_field, key, "is missing");
  return &*it;
}

inline result<std::uint64_t> queue_json_u64(const nlohmann::json& j, const char* key) {
  auto f = queue_json_field(j, key);
  if (!f) return f.error();
  // JSON built in code holds small numbers as signed integers; parsed JSON holds them as unsigned.
  if (!(*f)->is_number_integer() || (!(*f)->is_number_unsigned() && (*f)->get<std::int64_t>() < 0))
    return queue_json_error(error::unexpected_type, key, "must be an unsigned integer");
  return (*f)->get<std::uint64_t>();
}

inline result<std::int64_t> queue_json_i64(const nlohmann::json& j, const char* key) {
  auto f = queue_json_field(j, key);
  if (!f) return f.error();
  if (!(*f)->is_number_integer()) return queue_json_error(error::unexpected_type, key, "must be an integer");
  if ((*f)->is_number_unsigned() && (*f)->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX))
    return queue_json_error(error::number_out_of_range, key, "does not fit a signed 64-bit integer");
  return (*f)->get<std::int64_t>();
}

inline result<bool> queue_json_bool(const nlohmann::json& j, const char* key) {
  auto f = queue_json_field(j, key);
  if (!f) return f.error();
  if (!(*f)->is_boolean()) return queue_json_error(error::unexpected_type, key, "must be a boolean");
  return (*f)->get<bool>();
}

inline result<const std::string*> queue_json_string(const nlohmann::json& j, const char* key) {
  auto f = queue_json_field(j, key);
  if (!f) return f.error();
  if (!(*f)->is_string()) return queue_json_error(error::unexpected_type, key, "must be a string");
  return (*f)->get_ptr<const std::string*>();
}

inline result<const nlohmann::json*> queue_json_array(const nlohmann::json& j, const char* key) {
  auto f = queue_json_field(j, key);
  if (!f) return f.error();
  if (!(*f)->is_array()) return queue_json_error(error::unexpected_type, key, "must be an array");
  return *f;
}

inline result<std::vector<std::size_t>> queue_json_positions(const nlohmann::json& j, const char* key) {
  auto a = queue_json_array(j, key);
  if (!a) return a.error();
  std::vector<std::size_t> out;
  out.reserve((*a)->size());
  for (const auto& v : **a) {
    if (!v.is_number_integer() || (!v.is_number_unsigned() && v.get<std::int64_t>() < 0))
      return queue_json_error(error::unexpected_type, key, "must hold unsigned integers");
    out.push_back(v.get<std::size_t>());
  }
  return out;
}

}  // namespace hanabi::detail
