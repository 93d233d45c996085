// Exponential backoff with jitter, for reconnecting nodes and retried GETs.
// Pure arithmetic over an injected random source, so tests can pin the jitter.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>

namespace hanabi {

/// When and how fast a lost connection is retried.
struct backoff_policy {
  /// Delay before the first retry. Zero disables retrying altogether.
  std::chrono::milliseconds initial_delay{1000};
  /// Upper bound of the delay, before jitter.
  std::chrono::milliseconds max_delay{30000};
  /// Growth factor between consecutive retries.
  double multiplier = 2.0;
  /// Each delay is scaled by a random factor in [1 - jitter, 1 + jitter], so that many
  /// clients of one restarted node do not reconnect in lockstep. 0 disables jitter.
  double jitter = 0.2;

  bool enabled() const noexcept { return initial_delay.count() > 0; }
};

namespace detail {

/// The delays of successive attempts under a backoff_policy.
class backoff {
 public:
  explicit backoff(backoff_policy policy, std::uint64_t seed = std::random_device{}())
      : policy_(policy), rng_(seed) {}

  /// The delay before the next attempt; grows until max_delay. Zero if disabled.
  std::chrono::milliseconds next() {
    if (!policy_.enabled()) return std::chrono::milliseconds{0};
    double base = static_cast<double>(policy_.initial_delay.count());
    for (int i = 0; i < attempts_ && base < static_cast<double>(policy_.max_delay.count()); ++i)
      base *= std::max(policy_.multiplier, 1.0);
    base = std::min(base, static_cast<double>(policy_.max_delay.count()));
    ++attempts_;
    if (policy_.jitter > 0) {
      std::uniform_real_distribution<double> spread(1.0 - policy_.jitter, 1.0 + policy_.jitter);
      base *= spread(rng_);
    }
    return std::chrono::milliseconds{std::max<std::int64_t>(1, static_cast<std::int64_t>(base))};
  }

  /// Back to the initial delay, after a success.
  void reset() noexcept { attempts_ = 0; }
  /// Attempts since the last reset.
  int attempts() const noexcept { return attempts_; }
  const backoff_policy& policy() const noexcept { return policy_; }

 private:
  backoff_policy policy_;
  std::mt19937_64 rng_;
  int attempts_ = 0;
};

}  // namespace detail
}  // namespace hanabi
