// Collects the reasons a request is invalid, so validate() can report all of them at once.
#pragma once

#include <hanabi/diagnostics.hpp>

#include <fmt/format.h>

#include <cmath>
#include <string>
#include <string_view>

namespace hanabi::detail {

class json_reasons {
 public:
  void add(std::string reason) {
    if (!text_.empty()) text_ += "; ";
    text_ += reason;
  }

  /// Adds "<path>: <value> is outside <lo>..<hi>" unless lo <= value <= hi (NaN is outside).
  void check_closed(std::string_view path, double value, double lo, double hi) {
    if (!(value >= lo && value <= hi)) add(fmt::format("{}: {} is outside {}..{}", path, value, lo, hi));
  }
  /// Adds a reason unless lo < value <= hi.
  void check_open_closed(std::string_view path, double value, double lo, double hi) {
    if (!(value > lo && value <= hi)) add(fmt::format("{}: {} is outside ({}, {}]", path, value, lo, hi));
  }
  /// Adds a reason unless value > lo.
  void check_above(std::string_view path, double value, double lo) {
    if (!(value > lo)) add(fmt::format("{}: {} must be greater than {}", path, value, lo));
  }
  /// Adds a reason unless the value is finite (JSON has no NaN or infinity).
  void check_finite(std::string_view path, double value) {
    if (!std::isfinite(value)) add(fmt::format("{}: {} is not a finite number", path, value));
  }

  bool empty() const noexcept { return text_.empty(); }
  const std::string& text() const noexcept { return text_; }

  result<void> to_result(error code) const {
    if (text_.empty()) return {};
    return failure{code, text_};
  }

 private:
  std::string text_;
};

}  // namespace hanabi::detail
