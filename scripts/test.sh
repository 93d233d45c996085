#!/usr/bin/env bash
# Installs what is needed, builds everything once, and runs every test:
#   1. g++ -Werror build of the library, tools, examples, benchmarks and tests; all CTest tests
#      (unit, integration, the two consumer projects), run while stage 2 compiles;
#   2. g++ -Werror build with ASan+UBSan: the unit tests again;
#   3. clang -Werror build of the library, tools, examples, benchmarks and tests (-O0, no debug
#      info: this stage proves clang accepts the code warning-free and runs it); the unit tests again;
#   4. clang build of each libFuzzer target; the targets run side by side for HANABI_FUZZ_SECONDS
#      (default 30) each on their seed corpus.
#
# The time budget: under 20 minutes cold (fresh clone, empty ccache) on 2 cores. The machine it is
# measured on is shared, so the figures are CPU seconds (user+sys, /usr/bin/time, CCACHE_DISABLE=1),
# and the idle wall time is estimated as CPU/2 plus the tests' own time. Measured, g++ -O1 unless said:
#  - unity batches per test folder (cmake/hanabi_unity.cmake): unit/protocol 26.0 s as 4 files, 13.5 s
#    as one; integration/fakenode 68.4 s as 9 files, 33.7 s as one. Kept.
#  - a precompiled header (Catch2, Asio, nlohmann/json, fmt, the fake node) shared by the tests: 176 MB,
#    7.3 s to make, and it saved 18% on one test file and nothing on another. Not kept.
#  - one test file under each stage's flags: -O1 11.8 s; ASan+UBSan -O0 -g1 21.2 s; ASan+UBSan -O1
#    31.6 s; clang -O0 -g0 8.3 s. So one ASan build of everything instead of stages 1 and 2 would cost
#    more than the two builds it replaces: not done.
#  - a cold stage 1 with unity batches, stopped after 67 of its ~110 steps: 622 CPU s so far, of which
#    the library is 264 s (remote.cpp 65 s, transport.cpp 50 s), the fake node (src/testing.cpp) 66 s,
#    and the first 13 unity test batches 5.6 to 24.5 s each.
#  - the 716 CTest tests of stage 1 (-j2, machine load 7 to 11): 175 s of wall time but 15 s of CPU;
#    they wait, so they run while stage 2 compiles (and stage 2's and 3's unit tests while the next
#    stage compiles).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
jobs=${HANABI_JOBS:-$(nproc)}
fuzz_seconds=${HANABI_FUZZ_SECONDS:-30}
bash scripts/install-deps.sh
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/hanabi-ccache}
# Paths relative to the checkout, so a fresh clone elsewhere reuses the cache.
export CCACHE_BASEDIR=$root
start=$SECONDS
stage() { echo; echo "=== $* (t+$((SECONDS - start))s)"; }
background=()
trap 'for pid in "${background[@]}"; do kill "$pid" 2>/dev/null || true; done' EXIT

# Runs ctest with the given arguments in the background, its output kept in $1 until finish_tests.
start_tests() {
  local log=$1
  shift
  ctest "$@" --output-on-failure --timeout 600 >"$log" 2>&1 &
  background+=($!)
  tests_pid=$! tests_log=$log
}
finish_tests() {
  if wait "$tests_pid"; then
    tail -n 3 "$tests_log"
  else
    cat "$tests_log"
    echo "tests failed (log: $tests_log)"
    exit 1
  fi
}

stage "gcc build"
# -O1: optimized enough for the tests to run at speed, and compiles much faster than -O2 (benchmarks
# are measured from their own -O2/-O3 builds, see bench/README.md).
cmake -S . -B build/gcc -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O1 -DNDEBUG" -DCMAKE_CXX_COMPILER=g++ \
  -DHANABI_WERROR=ON -DHANABI_COMPILE_ASIO=ON >/dev/null
cmake --build build/gcc -j "$jobs"

# The tests wait far more than they compute, so they run while the next stage compiles.
stage "gcc tests, in the background"
start_tests build/gcc-tests.log --test-dir build/gcc -j "$jobs"

# The sanitizer build uses g++: clang 14 fails to assemble Asio coroutine code under ASan ("Cannot represent
# a difference across sections"), a compiler bug. clang still builds the libFuzzer targets below.
stage "gcc ASan+UBSan build of the unit tests"
# -O0 -g0: no debug info (8% of this stage's compile time): the reports name the functions from the symbol
# table, and UBSan's carry their file and line anyway.
cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O0 -g0" -DCMAKE_CXX_COMPILER=g++ \
  -DHANABI_WERROR=ON -DHANABI_SANITIZE=ON -DHANABI_COMPILE_ASIO=ON \
  -DHANABI_BUILD_BENCHMARKS=OFF -DHANABI_BUILD_EXAMPLES=OFF -DHANABI_INSTALL=OFF >/dev/null
unit_targets=()
for dir in tests/unit/*/; do unit_targets+=("hanabi_unit_$(basename "$dir")"); done
cmake --build build/asan -j "$jobs" --target "${unit_targets[@]}"

stage "gcc tests: waiting for them"
finish_tests

stage "unit tests under ASan+UBSan, in the background"
start_tests build/asan-tests.log --test-dir build/asan -L unit -j "$jobs"

# Every target, so that clang's warnings are errors everywhere; without ASan, which clang 14 cannot
# assemble for Asio coroutines. -O0 -g0 keeps the stage cheap: the optimized build is stage 1's.
stage "clang build"
cmake -S . -B build/clang -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O0 -g0" \
  -DCMAKE_CXX_COMPILER=clang++ -DHANABI_WERROR=ON -DHANABI_COMPILE_ASIO=ON -DHANABI_INSTALL=OFF >/dev/null
cmake --build build/clang -j "$jobs"

stage "unit tests under ASan+UBSan: waiting for them"
finish_tests

stage "unit tests (clang), in the background"
start_tests build/clang-tests.log --test-dir build/clang -L unit -j "$jobs"

stage "clang libFuzzer build"
# -g1: line tables for the crash reports; full debug info would only cost compile time.
cmake -S . -B build/clang-fuzz -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-g1" -DCMAKE_CXX_COMPILER=clang++ \
  -DHANABI_WERROR=ON -DHANABI_SANITIZE=ON -DHANABI_BUILD_FUZZERS=ON -DHANABI_BUILD_TESTS=OFF \
  -DHANABI_BUILD_BENCHMARKS=OFF -DHANABI_BUILD_EXAMPLES=OFF -DHANABI_INSTALL=OFF >/dev/null
cmake --build build/clang-fuzz -j "$jobs" --target fuzz_model_decode fuzz_track_codec

stage "unit tests (clang): waiting for them"
finish_tests

# Each fuzzer is single-threaded: they run side by side, one per core.
if [ "$fuzz_seconds" -gt 0 ]; then
  stage "fuzz each target for ${fuzz_seconds}s"
  fuzz_pids=() fuzz_names=()
  for fuzzer in build/clang-fuzz/fuzz/fuzz_*; do
    [ -x "$fuzzer" ] || continue
    name=$(basename "$fuzzer")
    corpus=build/clang-fuzz/fuzz/$name-corpus
    rm -rf "$corpus" && mkdir -p "$corpus"
    cp -r "$root/fuzz/corpus/${name#fuzz_}/." "$corpus/"
    # A failing input is kept as build/clang-fuzz/fuzz/<name>-crash-<sha1>; the log shows why.
    "$fuzzer" -max_total_time="$fuzz_seconds" -print_final_stats=1 \
      -artifact_prefix="$root/build/clang-fuzz/fuzz/$name-" "$corpus" >"$corpus.log" 2>&1 &
    fuzz_pids+=($!) fuzz_names+=("$name")
    background+=($!)
  done
  for i in "${!fuzz_pids[@]}"; do
    name=${fuzz_names[$i]}
    log=build/clang-fuzz/fuzz/$name-corpus.log
    if ! wait "${fuzz_pids[$i]}"; then
      tail -n 60 "$log"
      echo "$name failed"
      exit 1
    fi
    echo "--- $name"
    tail -n 4 "$log"
  done
fi
stage "all tests passed"
