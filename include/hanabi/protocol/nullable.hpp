// A request field with three states: absent, explicitly null, or set.
//
// Lavalink's update-player request gives `null` a meaning of its own (PROTOCOL.md
// §8): `track.encoded: null` stops playback, `karaoke: null` turns the filter off,
// while leaving the key out changes nothing. std::optional cannot tell the two
// apart, so requests use this type for every nullable field and encode exactly
// the state that was set.
#pragma once

#include <cstddef>
#include <concepts>
#include <type_traits>
#include <utility>
#include <variant>

namespace hanabi::protocol {

template <class T>
class nullable {
 public:
  /// Absent: the key is not written.
  nullable() = default;
  /// Explicit null: the key is written as `null`.
  nullable(std::nullptr_t) noexcept : state_(std::in_place_index<1>) {}  // NOLINT: `field = nullptr` reads well
  /// Set: the key is written with this value.
  template <class U>
    requires(std::constructible_from<T, U&&> && !std::same_as<std::remove_cvref_t<U>, nullable> &&
             !std::same_as<std::remove_cvref_t<U>, std::nullptr_t>)
  nullable(U&& value) : state_(std::in_place_index<2>, std::forward<U>(value)) {}  // NOLINT: implicit by design

  bool is_absent() const noexcept { return state_.index() == 0; }
  bool is_null() const noexcept { return state_.index() == 1; }
  bool has_value() const noexcept { return state_.index() == 2; }
  /// Present on the wire, either null or with a value.
  bool is_present() const noexcept { return !is_absent(); }

  /// Precondition: has_value().
  const T& value() const& { return std::get<2>(state_); }
  T& value() & { return std::get<2>(state_); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  /// Back to absent.
  void reset() noexcept { state_.template emplace<0>(); }

  friend bool operator==(const nullable&, const nullable&) = default;

 private:
  struct absent_t {
    friend bool operator==(absent_t, absent_t) = default;
  };
  struct null_t {
    friend bool operator==(null_t, null_t) = default;
  };
  std::variant<absent_t, null_t, T> state_;
};

}  // namespace hanabi::protocol
