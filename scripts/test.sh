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
mkdir -p build
# Each stage's header shows the wall time so far and the CPU seconds (user+sys) of the finished children
# so far (a background job counts once it is waited for). `times` must run in this shell, not a subshell.
stage() {
  times >build/.times
  local cpu
  cpu=$(awk 'END { split($1 " " $2, t, "[ms]"); printf "%.0f", 60 * t[1] + t[2] + 60 * t[3] + t[4] }' build/.times)
  echo
  echo "=== $* (t+$((SECONDS - start))s, cpu ${cpu}s)"
}
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

# Checks every compile command of build dir $1 that building targets $2... does not run, with
# -fsyntax-only (same flags, -Werror), two at a time; exits on the first that fails.
clang_check() {
  local dir=$1
  shift
  local compiled rest
  compiled=$(ninja -C "$dir" -t commands "$@" | grep -e ' -c ' || true)
  rest=$(ninja -C "$dir" -t commands all | grep -e ' -c ' | grep -vxF -e "$compiled" || true)
  echo "$(grep -c . <<<"$rest") translation units"
  # "[launcher] compiler ... -MD -MT obj -MF dep -o obj -c src" -> "compiler ... -fsyntax-only src"
  sed -E -e 's/^[^ ]*ccache //' -e 's/ -MD -MT [^ ]+ -MF [^ ]+ -o [^ ]+ -c / -fsyntax-only /' <<<"$rest" |
    (cd "$dir" && xargs -d '\n' -n 1 -P "$jobs" sh -c)
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

# One clang build serves both the sanitizer run and clang's warnings: the unit tests (and the library and
# bot core under them) are compiled for real with ASan+UBSan, every other translation unit is only
# checked (below). -O0 -g0: no debug info; the reports name the functions from the symbol table, and
# UBSan's carry their file and line anyway.
stage "clang ASan+UBSan build of the unit tests"
cmake -S . -B build/clang -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O0 -g0" \
  -DCMAKE_CXX_COMPILER=clang++ -DHANABI_WERROR=ON -DHANABI_SANITIZE=ON -DHANABI_COMPILE_ASIO=ON \
  -DHANABI_INSTALL=OFF >/dev/null
unit_targets=()
for dir in tests/unit/*/; do unit_targets+=("hanabi_unit_$(basename "$dir")"); done
cmake --build build/clang -j "$jobs" --target "${unit_targets[@]}"

stage "gcc tests: waiting for them"
finish_tests

stage "unit tests under ASan+UBSan, in the background"
start_tests build/clang-tests.log --test-dir build/clang -L unit -j "$jobs"

# Every translation unit the stage above did not compile (the fake node, the integration tests, tools,
# examples, benchmarks), with the same clang flags and -Werror, as -fsyntax-only: clang reports its
# warnings from semantic analysis, which -fsyntax-only runs in full (templates are instantiated too).
# What it gives up is code generation: the few warnings only the backend emits (-Wframe-larger-than,
# the `warning`/`error` function attributes, inline assembly) on those files, and clang's link of
# them; g++ compiled and linked every one of them in stage 1, and the unit tests' files were compiled
# and linked by clang above.
stage "clang -fsyntax-only of every other translation unit"
clang_check build/clang "${unit_targets[@]}"

stage "clang libFuzzer build"
# -g1: line tables for the crash reports; full debug info would only cost compile time.
cmake -S . -B build/clang-fuzz -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-g1" -DCMAKE_CXX_COMPILER=clang++ \
  -DHANABI_WERROR=ON -DHANABI_SANITIZE=ON -DHANABI_BUILD_FUZZERS=ON -DHANABI_BUILD_TESTS=OFF \
  -DHANABI_BUILD_BENCHMARKS=OFF -DHANABI_BUILD_EXAMPLES=OFF -DHANABI_INSTALL=OFF >/dev/null
cmake --build build/clang-fuzz -j "$jobs" --target fuzz_model_decode fuzz_track_codec

stage "unit tests under ASan+UBSan: waiting for them"
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
