// The queue's random number generator: SplitMix64, chosen because its whole
// state is one 64-bit word. A snapshot can therefore store it, and a restored
// queue shuffles exactly as the original would have. The bounded draw is
// written out (rather than std::uniform_int_distribution, whose algorithm
// differs between standard libraries) so a seed gives the same queue on every
// platform.
#pragma once

#include <cstdint>
#include <limits>

namespace hanabi::detail {

class queue_rng {
 public:
  using result_type = std::uint64_t;

  constexpr explicit queue_rng(std::uint64_t state = 0) noexcept : state_(state) {}

  static constexpr result_type min() noexcept { return 0; }
  static constexpr result_type max() noexcept { return std::numeric_limits<result_type>::max(); }

  constexpr result_type operator()() noexcept {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  /// A uniform draw from [0, bound), bound > 0, by rejection (no modulo bias).
  constexpr std::uint64_t below(std::uint64_t bound) noexcept {
    const std::uint64_t limit = max() - max() % bound;
    std::uint64_t x = (*this)();
    while (x >= limit) x = (*this)();
    return x % bound;
  }

  constexpr std::uint64_t state() const noexcept { return state_; }

 private:
  std::uint64_t state_;
};

}  // namespace hanabi::detail
