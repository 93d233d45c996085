// The building blocks of the on-demand decoders: primitive readers that turn a
// simdjson error into a typed hanabi error, and a context that assembles the
// JSON path of a failure while the decoders unwind. Success costs nothing
// beyond the reads themselves: the path is only built on the error path.
#pragma once

#include <hanabi/diagnostics.hpp>
#include <hanabi/ids.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <simdjson.h>

#if defined(__SSE2__)
#  include <emmintrin.h>
#endif

#include <algorithm>
#include <cstring>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hanabi::detail {

namespace od = simdjson::ondemand;

/// Where a decode failed and why. Readers return false after calling fail().
class json_decode_context {
 public:
  bool fail(error code, std::string what) {
    code_ = code;
    what_ = std::move(what);
    segments_.clear();
    return false;
  }

  /// Records the failing value's key while unwinding; always returns false.
  bool in(std::string_view key) {
    segments_.push_back(fmt::format(".{}", key));
    return false;
  }
  /// Records the failing array index while unwinding; always returns false.
  bool at(std::size_t index) {
    segments_.push_back(fmt::format("[{}]", index));
    return false;
  }

  /// "data.tracks[3].info.length: expected an integer, got a string"
  failure to_failure() const {
    std::string path;
    for (auto it = segments_.rbegin(); it != segments_.rend(); ++it) path += *it;
    if (!path.empty() && path.front() == '.') path.erase(0, 1);
    return failure{code_, path.empty() ? what_ : path + ": " + what_};
  }

 private:
  error code_ = error::malformed_json;
  std::string what_;
  std::vector<std::string> segments_;  // innermost first
};

/// `text == name` for a literal `name`, compiled to a length check and a fixed-size compare: the
/// decoders dispatch on keys through chains of these, where std::string_view's == cost a call each.
template <std::size_t N>
inline bool equals(std::string_view text, const char (&name)[N]) noexcept {
  return text.size() == N - 1 && std::memcmp(text.data(), name, N - 1) == 0;
}

inline std::string_view json_type_name(od::value& v) noexcept {
  od::json_type t{};
  if (v.type().get(t)) return "invalid JSON";
  switch (t) {
    case od::json_type::array: return "an array";
    case od::json_type::object: return "an object";
    case od::json_type::number: return "a number";
    case od::json_type::string: return "a string";
    case od::json_type::boolean: return "a boolean";
    case od::json_type::null: return "null";
  }
  return "an unknown value";
}

/// What a reader expected, for error messages and to tell a type error from bad JSON.
struct expectation {
  std::string_view name;  ///< "an integer", "a string"...
  od::json_type type;     ///< The JSON type that would have been right.
  bool integer = false;   ///< A number that must be integral.
};

inline constexpr expectation expect_string{"a string", od::json_type::string};
inline constexpr expectation expect_snowflake{"a snowflake string", od::json_type::string};
inline constexpr expectation expect_bool{"a boolean", od::json_type::boolean};
inline constexpr expectation expect_integer{"an integer", od::json_type::number, true};
inline constexpr expectation expect_number{"a number", od::json_type::number};
inline constexpr expectation expect_object{"an object", od::json_type::object};
inline constexpr expectation expect_array{"an array", od::json_type::array};

// A number of the right JSON type that did not read as an int64: a fraction, or too large.
inline bool fail_number(json_decode_context& ctx, od::value& v, const expectation& expected) {
  od::number_type nt{};
  if (v.get_number_type().get(nt)) return ctx.fail(error::malformed_json, "invalid number");
  if (expected.integer && nt == od::number_type::floating_point_number)
    return ctx.fail(error::unexpected_type, fmt::format("expected {}, got a non-integer number", expected.name));
  return ctx.fail(error::number_out_of_range, fmt::format("the number does not fit {}", expected.name));
}

/// Turns a simdjson error while reading `v` into a typed failure.
inline bool fail_read(json_decode_context& ctx, simdjson::error_code e, od::value& v, const expectation& expected) {
  switch (e) {
    case simdjson::INCORRECT_TYPE: {
      od::json_type actual{};
      if (v.type().get(actual)) return ctx.fail(error::malformed_json, "invalid JSON value");
      if (actual != expected.type)
        return ctx.fail(error::unexpected_type, fmt::format("expected {}, got {}", expected.name, json_type_name(v)));
      if (actual == od::json_type::number) return fail_number(ctx, v, expected);
      return ctx.fail(error::malformed_json, "invalid JSON literal");  // e.g. `tru`
    }
    case simdjson::NUMBER_OUT_OF_RANGE:
    case simdjson::NUMBER_ERROR: return fail_number(ctx, v, expected);
    default: return ctx.fail(error::malformed_json, simdjson::error_message(e));
  }
}

inline bool is_json_space(char c) noexcept { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

/// True if the `size` bytes at `p` hold a backslash. May read up to 15 bytes past them: callers
/// pass text inside simdjson's padded input, which always has that much after any token.
inline bool has_backslash(const char* p, std::size_t size) noexcept {
  // Long strings (track blobs): glibc's memchr, picked for this CPU at load time (AVX2, EVEX).
  if (size >= 32) return std::memchr(p, '\\', size) != nullptr;
  // Short ones (keys, names): 16 bytes per step, the last step masked, no call.
#if defined(__SSE2__)
  const __m128i backslashes = _mm_set1_epi8('\\');
  for (std::size_t i = 0; i < size; i += 16) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    auto found = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, backslashes)));
    if (size - i < 16) found &= (1u << (size - i)) - 1;
    if (found) return true;
  }
  return false;
#else
  return std::memchr(p, '\\', size) != nullptr;
#endif
}

// A string's text read in place when it has no escapes (almost always): no copy into the
// parser's string buffer and no search for the closing quote. `token` is the value's raw
// token, which runs to the next structural character (so it may end in whitespace); stage 1
// has already checked that the string is closed and that the input is valid UTF-8.
inline bool unescaped_token(std::string_view token, std::string_view& out) noexcept {
  while (!token.empty() && token.back() != '"' && is_json_space(token.back())) token.remove_suffix(1);
  if (token.size() < 2 || token.front() != '"' || token.back() != '"') return false;
  if (has_backslash(token.data() + 1, token.size() - 2)) return false;
  out = token.substr(1, token.size() - 2);
  return true;
}

// The quote that closes a key, found from its value's first byte at `value`: the key ends at the
// last quote before the colon that precedes the value. `key` is just past the opening quote.
inline const char* key_end(const char* key, const char* value) noexcept {
  if (value - key >= 2 && value[-1] == ':' && value[-2] == '"') return value - 2;  // compact JSON
  const char* end = value;
  while (end > key && is_json_space(end[-1])) --end;
  if (end == key || end[-1] != ':') return nullptr;
  --end;
  while (end > key && is_json_space(end[-1])) --end;
  if (end == key || end[-1] != '"') return nullptr;
  return end - 1;
}

// A key's text read in place when it has no escapes.
inline bool unescaped_key(const char* key, const char* value, std::string_view& out) noexcept {
  const char* end = key_end(key, value);
  if (end == nullptr) return false;
  const auto size = static_cast<std::size_t>(end - key);
  if (has_backslash(key, size)) return false;
  out = std::string_view(key, size);
  return true;
}

/// A string value; the view is valid until the parser reads the next document.
inline bool read_view(od::value& v, std::string_view& out, json_decode_context& ctx,
                      const expectation& expected = expect_string) {
  const std::string_view token = v.raw_json_token();
  od::raw_json_string raw;
  if (auto e = v.get_raw_json_string().get(raw)) return fail_read(ctx, e, v, expected);  // checks the type
  if (unescaped_token(token, out)) return true;
  if (auto e = v.get_string().get(out)) return fail_read(ctx, e, v, expected);  // unescape it
  return true;
}

inline bool read(od::value& v, std::string& out, json_decode_context& ctx) {
  std::string_view s;
  if (!read_view(v, s, ctx)) return false;
  if (out.capacity() >= s.size())
    out.assign(s.data(), s.size());
  else
    out = std::string(s);  // a fresh string: cheaper than growing the empty one through assign
  return true;
}

inline bool read(od::value& v, bool& out, json_decode_context& ctx) {
  if (auto e = v.get_bool().get(out)) return fail_read(ctx, e, v, expect_bool);
  return true;
}

inline bool read(od::value& v, std::int64_t& out, json_decode_context& ctx) {
  if (auto e = v.get_int64().get(out)) return fail_read(ctx, e, v, expect_integer);
  return true;
}

inline bool read(od::value& v, int& out, json_decode_context& ctx) {
  std::int64_t wide = 0;
  if (!read(v, wide, ctx)) return false;
  if (wide < std::numeric_limits<int>::min() || wide > std::numeric_limits<int>::max())
    return ctx.fail(error::number_out_of_range, fmt::format("{} does not fit a 32-bit integer", wide));
  out = static_cast<int>(wide);
  return true;
}

inline bool read(od::value& v, double& out, json_decode_context& ctx) {
  if (auto e = v.get_double().get(out)) return fail_read(ctx, e, v, expect_number);
  return true;
}

/// Snowflakes are decimal strings on the wire.
template <class Tag>
bool read(od::value& v, snowflake<Tag>& out, json_decode_context& ctx) {
  std::string_view s{};
  if (!read_view(v, s, ctx, expect_snowflake)) return false;
  auto parsed = snowflake<Tag>::parse(s);
  if (!parsed) return ctx.fail(error::invalid_snowflake, fmt::format("\"{}\" is not a Discord id", s));
  out = *parsed;
  return true;
}

/// True (and the null consumed) if `v` is JSON null.
inline bool take_null(od::value& v, bool& is_null, json_decode_context& ctx) {
  if (auto e = v.is_null().get(is_null)) return fail_read(ctx, e, v, {"a value or null", od::json_type::null});
  return true;
}

/// Nullable scalar or object: null gives nullopt.
template <class T>
bool read(od::value& v, std::optional<T>& out, json_decode_context& ctx) {
  bool is_null = false;
  if (!take_null(v, is_null, ctx)) return false;
  if (is_null) {
    out.reset();
    return true;
  }
  return read(v, out.emplace(), ctx);
}

/// An opaque value (pluginInfo, userData, pluginFilters): its raw slice, parsed by nlohmann.
inline bool read_opaque(od::value& v, nlohmann::json& out, json_decode_context& ctx) {
  od::json_type t{};
  if (auto e = v.type().get(t)) return ctx.fail(error::malformed_json, simdjson::error_message(e));
  std::string_view raw;
  simdjson::error_code e = simdjson::SUCCESS;
  if (t == od::json_type::object) {
    od::object o;
    e = v.get_object().get(o);
    if (!e) e = o.raw_json().get(raw);
  } else if (t == od::json_type::array) {
    od::array a;
    e = v.get_array().get(a);
    if (!e) e = a.raw_json().get(raw);
  } else {
    raw = v.raw_json_token();
  }
  if (e) return ctx.fail(error::malformed_json, simdjson::error_message(e));
  while (!raw.empty() && is_json_space(raw.back()))
    raw.remove_suffix(1);
  if (equals(raw, "{}")) {  // the usual value: no parse
    out = nlohmann::json::object();
    return true;
  }
  out = nlohmann::json::parse(raw.begin(), raw.end(), nullptr, /*allow_exceptions=*/false);
  if (out.is_discarded()) return ctx.fail(error::malformed_json, "invalid JSON value");
  return true;
}

/// An opaque value that must be a JSON object.
inline bool read_opaque_object(od::value& v, nlohmann::json& out, json_decode_context& ctx) {
  od::json_type t{};
  if (auto e = v.type().get(t)) return ctx.fail(error::malformed_json, simdjson::error_message(e));
  if (t != od::json_type::object)
    return ctx.fail(error::unexpected_type, fmt::format("expected an object, got {}", json_type_name(v)));
  return read_opaque(v, out, ctx);
}

/// A track's or playlist's pluginInfo/userData: an object, where an empty one becomes null, the
/// model's free "empty" (protocol::is_empty_object); `{}` is recognised by its bytes, with no parse.
inline bool read_model_object(od::value& v, nlohmann::json& out, json_decode_context& ctx) {
  od::object obj;
  if (auto e = v.get_object().get(obj)) return fail_read(ctx, e, v, expect_object);
  std::string_view raw;
  if (auto e = obj.raw_json().get(raw)) return ctx.fail(error::malformed_json, simdjson::error_message(e));
  while (!raw.empty() && is_json_space(raw.back())) raw.remove_suffix(1);
  if (equals(raw, "{}")) {
    out = nullptr;
    return true;
  }
  out = nlohmann::json::parse(raw.begin(), raw.end(), nullptr, /*allow_exceptions=*/false);
  if (out.is_discarded()) return ctx.fail(error::malformed_json, "invalid JSON value");
  if (out.empty()) out = nullptr;  // `{ }`
  return true;
}

/// Calls on_field(key, value) for each member of `obj`; on_field returns false on failure.
template <class F>
bool for_each_field(od::object& obj, json_decode_context& ctx, F&& on_field) {
  for (auto field_result : obj) {
    od::field field;
    if (auto e = std::move(field_result).get(field)) return ctx.fail(error::malformed_json, simdjson::error_message(e));
    std::string_view key;
    if (!unescaped_key(field.key().raw(), field.value().raw_json_token().data(), key)) {
      if (auto e = field.unescaped_key().get(key)) return ctx.fail(error::malformed_json, simdjson::error_message(e));
    }
    if (!on_field(key, field.value())) return ctx.in(key);
  }
  return true;
}

/// Calls on_field(key, value) for each member of the JSON value `v`, which must be an object.
template <class F>
bool for_each_field(od::value& v, json_decode_context& ctx, F&& on_field) {
  od::object obj;
  if (auto e = v.get_object().get(obj)) return fail_read(ctx, e, v, expect_object);
  return for_each_field(obj, ctx, std::forward<F>(on_field));
}

/// Calls on_element(index, value) for each element of `arr`; on_element returns false on failure.
template <class F>
bool for_each_element(od::array& arr, json_decode_context& ctx, F&& on_element) {
  std::size_t index = 0;
  for (auto element_result : arr) {
    od::value element;
    if (auto e = std::move(element_result).get(element)) return ctx.fail(error::malformed_json, simdjson::error_message(e));
    if (!on_element(index, element)) return ctx.at(index);
    ++index;
  }
  return true;
}

/// Calls on_element(index, value) for each element of the JSON value `v`, which must be an array.
template <class F>
bool for_each_element(od::value& v, json_decode_context& ctx, F&& on_element) {
  od::array arr;
  if (auto e = v.get_array().get(arr)) return fail_read(ctx, e, v, expect_array);
  return for_each_element(arr, ctx, std::forward<F>(on_element));
}

/// Decodes an array of large elements into `out`, sized up front: counting the elements
/// (a walk over structural indexes only) is cheaper than regrowing a vector of tracks.
template <class T, class ReadElement>
bool read_counted(od::value& v, std::vector<T>& out, json_decode_context& ctx, ReadElement&& read_element) {
  out.clear();
  od::array arr;
  if (auto e = v.get_array().get(arr)) return fail_read(ctx, e, v, expect_array);
  std::size_t count = 0;
  if (auto e = arr.count_elements().get(count)) return ctx.fail(error::malformed_json, simdjson::error_message(e));
  out.reserve(count);
  return for_each_element(arr, ctx, [&](std::size_t, od::value& e) { return read_element(e, out.emplace_back()); });
}

/// Tracks which required fields were seen; names the first missing one. `names` must outlive it
/// (decoders pass a static array).
class required_fields {
 public:
  explicit required_fields(std::span<const std::string_view> names) noexcept : names_(names) {}
  void seen(std::size_t i) noexcept { seen_ |= (1u << i); }
  bool check(json_decode_context& ctx) const {
    for (std::size_t i = 0; i < names_.size(); ++i) {
      if (!(seen_ & (1u << i))) {
        ctx.fail(error::missing_field, "missing required field");
        return ctx.in(names_[i]);
      }
    }
    return true;
  }

 private:
  std::span<const std::string_view> names_;
  unsigned seen_ = 0;
};

}  // namespace hanabi::detail
