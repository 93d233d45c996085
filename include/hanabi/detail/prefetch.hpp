// Claiming a cache line for writing ahead of the write.
#pragma once

namespace hanabi::detail {

/// Asks the core to fetch the line holding `p` in a state it can write, without waiting for it.
/// For lines another core wrote or read last (a buffer or a field handed between threads): the
/// write itself would otherwise wait for the transfer, and, since stores retire in order, hold back
/// every store after it. A hint only: it never faults, and does nothing where unsupported.
inline void prefetch_for_write(const void* p) noexcept {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  // PREFETCHW, written out: compilers emit it for __builtin_prefetch(p, 1) only when targeting a CPU
  // that declares it, and x86-64 CPUs that do not declare it run it as a no-op. The address goes in
  // a register, not as a memory operand: the compiler need not treat it as a read of the line.
  asm volatile("prefetchw (%0)" : : "r"(p));
#elif defined(__GNUC__) || defined(__clang__)
  __builtin_prefetch(p, 1);
#else
  (void)p;
#endif
}

}  // namespace hanabi::detail
