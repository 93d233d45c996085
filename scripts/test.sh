#!/usr/bin/env bash
# Installs what is needed, builds everything once, and runs every test:
#   1. g++ -Werror build of the library, tools, examples, benchmarks and tests; all CTest tests
#      (unit, integration, the two consumer projects);
#   2. g++ -Werror build with ASan+UBSan: the unit tests again;
#   3. clang -Werror build of the library, tools, examples, benchmarks and tests (-O0, no debug
#      info: this stage proves clang accepts the code warning-free and runs it); the unit tests again;
#   4. clang build of each libFuzzer target, run for HANABI_FUZZ_SECONDS (default 30) on its seed corpus.
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

stage "gcc build"
# -O1: optimized enough for the tests to run at speed, and compiles much faster than -O2 (benchmarks
# are measured from their own -O2/-O3 builds, see bench/README.md).
cmake -S . -B build/gcc -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O1 -DNDEBUG" -DCMAKE_CXX_COMPILER=g++ \
  -DHANABI_WERROR=ON -DHANABI_COMPILE_ASIO=ON >/dev/null
cmake --build build/gcc -j "$jobs"

stage "gcc tests"
ctest --test-dir build/gcc -j "$jobs" --output-on-failure --timeout 600

# The sanitizer build uses g++: clang 14 fails to assemble Asio coroutine code under ASan ("Cannot represent
# a difference across sections"), a compiler bug. clang still builds the libFuzzer targets below.
stage "gcc ASan+UBSan build of the unit tests"
# -g1: line tables are all ASan's reports need; full debug info costs compile time.
cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-g1" -DCMAKE_CXX_COMPILER=g++ \
  -DHANABI_WERROR=ON -DHANABI_SANITIZE=ON -DHANABI_COMPILE_ASIO=ON \
  -DHANABI_BUILD_BENCHMARKS=OFF -DHANABI_BUILD_EXAMPLES=OFF -DHANABI_INSTALL=OFF >/dev/null
unit_targets=()
for dir in tests/unit/*/; do unit_targets+=("hanabi_unit_$(basename "$dir")"); done
cmake --build build/asan -j "$jobs" --target "${unit_targets[@]}"

stage "unit tests under ASan+UBSan"
ctest --test-dir build/asan -L unit -j "$jobs" --output-on-failure --timeout 600

# Every target, so that clang's warnings are errors everywhere; without ASan, which clang 14 cannot
# assemble for Asio coroutines. -O0 -g0 keeps the stage cheap: the optimized build is stage 1's.
stage "clang build"
cmake -S . -B build/clang -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O0 -g0" \
  -DCMAKE_CXX_COMPILER=clang++ -DHANABI_WERROR=ON -DHANABI_COMPILE_ASIO=ON -DHANABI_INSTALL=OFF >/dev/null
cmake --build build/clang -j "$jobs"

stage "unit tests (clang)"
ctest --test-dir build/clang -L unit -j "$jobs" --output-on-failure --timeout 600

stage "clang libFuzzer build"
cmake -S . -B build/clang-fuzz -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=clang++ \
  -DHANABI_WERROR=ON -DHANABI_SANITIZE=ON -DHANABI_BUILD_FUZZERS=ON -DHANABI_BUILD_TESTS=OFF \
  -DHANABI_BUILD_BENCHMARKS=OFF -DHANABI_BUILD_EXAMPLES=OFF -DHANABI_INSTALL=OFF >/dev/null
cmake --build build/clang-fuzz -j "$jobs" --target fuzz_model_decode fuzz_track_codec

if [ "$fuzz_seconds" -gt 0 ]; then
  for fuzzer in build/clang-fuzz/fuzz/fuzz_*; do
    [ -x "$fuzzer" ] || continue
    name=$(basename "$fuzzer")
    stage "fuzz $name for ${fuzz_seconds}s"
    corpus=$(mktemp -d)
    cp -r "$root/fuzz/corpus/${name#fuzz_}/." "$corpus/"
    # A failing input is kept as build/clang-fuzz/fuzz/<name>-crash-<sha1>; the log shows why.
    log="$corpus.log"
    if ! "$fuzzer" -max_total_time="$fuzz_seconds" -print_final_stats=1 \
        -artifact_prefix="$root/build/clang-fuzz/fuzz/$name-" "$corpus" >"$log" 2>&1; then
      tail -n 60 "$log"
      echo "$name failed"
      exit 1
    fi
    tail -n 4 "$log"
    rm -rf "$corpus" "$log"
  done
fi
stage "all tests passed"
