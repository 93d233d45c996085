#!/usr/bin/env bash
# Installs what is needed, builds everything once, and runs every test:
#   1. g++ -Werror -Og build of the library, tools, examples and tests; all CTest tests (unit,
#      integration, the two consumer projects), run while the benchmarks are checked (g++ -Werror
#      -fsyntax-only: nothing in CI runs them) and stage 2 compiles;
#   2. clang -Werror build with ASan+UBSan (-O0 -g0) of the unit tests and what they link (library,
#      bot core); the unit tests run under it while stages 3 and 4 work;
#   3. clang -Werror -fsyntax-only of every other translation unit (fake node, integration tests,
#      tools, examples, benchmarks), so clang checks every file g++ compiled or checked;
#   4. clang build of each libFuzzer target; the targets run side by side for HANABI_FUZZ_SECONDS
#      (default 30) each on their seed corpus.
# Given up against session 3's script, which ran the unit tests under g++ ASan+UBSan and again in a
# full clang -O0 build: the unit tests run under ASan+UBSan once, built by clang (clang 14's UBSan
# without -fsanitize=function, see cmake/hanabi_warnings.cmake; g++'s UBSan has no such check); clang
# only checks, not compiles and links, what the unit tests do not use (stage 3 says what that gives up).
#
# The time budget: under 20 minutes cold (fresh clone, empty ccache) on 2 cores. The machine it is
# measured on is shared, so the figures are CPU seconds (user+sys, /usr/bin/time, CCACHE_DISABLE=1),
# and the idle wall time is estimated as CPU/2 plus the tests' own time. Measured, g++ -O1 unless said:
#  - unity batches per test folder (cmake/hanabi_unity.cmake): unit/protocol 26.0 s as 4 files, 13.5 s
#    as one; integration/fakenode 68.4 s as 9 files, 33.7 s as one. Kept.
#  - a precompiled header (Catch2, Asio, nlohmann/json, fmt, the fake node) shared by the tests: 176 MB,
#    7.3 s to make, and it saved 18% on one test file and nothing on another. Not kept.
#  - the 716 CTest tests of stage 1 (-j2, machine load 7 to 11): 175 s of wall time but 15 s of CPU;
#    they wait, so they run while stage 2 compiles.
#  - session 3's stages, from the ninja logs of its cold idle run (step seconds, ~CPU): g++ -O1 every
#    target 1,020 (library 226, integration batches 186, bot core 150, unit batches 144, benchmarks 118,
#    fake node 66, tools 45, examples 33, support 25, links 26); g++ ASan+UBSan -O0 -g0 unit tests 1,223
#    (library 452, unit batches 244, bot core 239, fake node 147, links 93, support 44); clang -O0 -g0
#    every target 970 (library 199, links 163, bot core 155, integration 131, unit 110, benchmarks 92,
#    tools 41, fake node 36, examples 31, support 15); clang fuzz build 36. Sum 3,249: ~28-30 min.
#  - one heavy file, src/layers/transport.cpp, under each candidate's flags (CPU s): g++ -O1 55.1,
#    g++ -O0 45.9 (-17%: stage 1 stays at -O1, because g++ finds -Wmaybe-uninitialized, -Warray-bounds
#    and -Wstringop-* only with the optimizer on); clang -O0 -g0 24.0; clang ASan+UBSan -O0 -g0 37.9
#    (it fails to assemble with -fsanitize=function); clang -fsyntax-only 10.1 (0.42x of -O0).
#    Reproduce: cd build/clang && ninja -t commands hanabi | grep -e '-c .*transport.cpp', then run it
#    under /usr/bin/time with the flags changed (-o x.o -c -> -fsyntax-only, -fsanitize=... removed).
#  - the unit tests no longer link the fake node (tests/CMakeLists.txt), so stage 2 never compiles it
#    (session 3's ASan stage spent 147 s + 20 s on it and on session_conformance.cpp).
#  - this script's new stages, cold (empty cache, CCACHE_DIR of their own), main at 6fd5361, machine
#    load ~10, CPU s: stage 2 (58 steps: library, bot core, 11 unit executables) 499 (was 1,223 for
#    g++ ASan); stage 3 (34 translation units, `check_syntax build/clang all`) 241 (was ~800 for clang -O0 of them and
#    their links); the 398 unit tests pass under it (the longest, the queue's 100,000-sequence model
#    test, 242 s wall at load 10: it runs in the background while stages 3 and 4 work). With stage 1
#    unchanged (~1,020) and the fuzz build (36), the sum is ~1,800 CPU s: ~15-17 min idle on 2 cores.
#    Reproduce: in build/clang, `ninja <the hanabi_unit_* targets>` and `check_syntax` below, each under
#    /usr/bin/time with CCACHE_DISABLE=1. Each run of this script prints wall and CPU seconds so far
#    in every stage header.
#  - not done: the gold linker (a g++ -O1 unit test links in 0.27 s of CPU with ld.bfd, 0.12 s with
#    gold; stage 1's 77 links are 26 s in all, stage 2's 11 a few seconds each: too little to matter).
#  - session 6, the baseline: a cold run of main 0152cd0 (lead, from 16:45, machine load 3 to 6.7: the
#    other engineers' builds) exit 0 in 3,520 s wall, 3,363 CPU s: stage 1 2,136 s / 2,040 CPU s,
#    stage 2 978 / 862, stage 3 356 / 367, fuzz build 19 / 34, fuzz 31 / 60 (session 5's final run:
#    stage 1 855 s wall, 1,686 CPU s). Its ninja logs, step seconds (2 jobs): g++ integration
#    batches 1,550, bot core 603 (25 files), benchmarks 575 (13 files; bench_remote.cpp 115,
#    ingest_bench.cpp 107), unit batches 499, library 432, fake node + redis 221, examples 167,
#    tools 126, links 58; clang ASan library 788, bot core 582, unit batches 415. Reproduce: awk 'NR>1{print ($2-$1)/1000, $4}'
#    build/gcc/.ninja_log | sort -rn (and build/clang).
#  - the bot core as two unity batches (examples/bot/core.cmake, hanabi_unity_group): 23 of its 25
#    files, g++ -O1, 28.4 + 39.8 CPU s (load 6.5) where one file alone costs 6.6 (args.cpp) to 15.3
#    (sim_wire.cpp); ~290 CPU s before by the step times. The two router files stay apart (in a batch
#    g++ reports -Wsubobject-linkage on their coroutine lambdas). Both batches under clang
#    -fsyntax-only: 24.6 CPU s. Kept: it pays twice, in stage 1 and in stage 2's ASan build.
#  - the benchmarks, which CI never runs, only checked by g++ (-fsyntax-only, HANABI_BENCHMARKS_IN_ALL
#    =OFF), CPU s -O1 -> -fsyntax-only: bench_remote.cpp 42.9 -> 16.9, ingest_bench.cpp 25.8 -> 11.0,
#    players_bench.cpp 12.3 -> 7.9, sessions_bench.cpp 13.8 -> 10.4 (0.39-0.75x), and no links.
#    Given up: see the stage's comment below. Kept.
#    Reproduce: ninja -C build/gcc -t commands bench/all, then one command under /usr/bin/time with
#    CCACHE_DISABLE=1, as is and with "-o X -c" replaced by -fsyntax-only.
#  - session 6, with both: a cold run of 852d6ef (fresh clone, empty CCACHE_DIR, `/usr/bin/time -v
#    bash .ci/run`, load 0.4 at start, 2.5 to 3.9 during: the other engineers' builds) exit 0 in
#    29 min 31 s, 2,948 CPU s (2,794 user + 154 sys): stage 1 852 s / 1,488 CPU s, the benchmarks'
#    g++ check 57 / 102, stage 2 384 / 752 (with the g++ tests' CPU, counted when waited for),
#    stage 3 394 / 524, fuzz build 53 / 51, then the fuzz (and the ASan tests' CPU) 31 / 31. g++
#    bot core step seconds 603 -> 122, clang ASan 582 -> 90. Still over budget (2,000 CPU s, 17 min).
#  - session 6, the final cold run (lead, main ccfa817, fresh clone, empty CCACHE_DIR, nothing else
#    running: load ~2, the run itself) exit 0 in 18 min 48 s, 2,199 CPU s (2,084 user + 115 sys):
#    stage 1 602 s / 1,168 CPU s, the benchmarks' g++ check 53 s, stage 2 264 s (1,790 CPU s so far),
#    stage 3 158 s, fuzz build 19 s, fuzz 32 s. Within the 20 minutes, with ~1 minute of margin: the
#    run above at load 2.5-3.9 took 29:31, so the budget holds only on a machine that is not shared.
#  - not done (no time left this session): the store contract (tests/unit/storage/store_contract.hpp)
#    is compiled in three executables, four times (memory; redis; sqlite in two commit modes as two
#    fixture types): the integration redis and storage batches are 221 and 180 s of step time for
#    3 and 4 files; and clang's ASan library (788 s of steps) is the largest piece of stage 2.
#  - session 7: cold runs of 8863fc7 took 21:20 (2,481 CPU s; stage 1 675 s wall, 1,304 CPU s) and
#    20:44 (stage 1 775 s, 1,439 CPU s): over the budget, on a machine whose speed varied that day.
#  - session 8, three changes. (1) Stage 1 at -Og, not -O1: -Og is an optimizing level (GCC still runs
#    the analyses behind -Wmaybe-uninitialized, -Warray-bounds and -Wstringop-*, which -O0 would lose),
#    without the passes that cost compile time and hinder debugging (less inlining: the warnings that
#    need inlining to see across calls are the part given up). src/layers/remote.cpp: 60.5 s -O1, 45.6 s
#    -Og (CPU, same minute). (2) The store contract compiled once (tests/contract, an object library):
#    the unit storage, integration storage and redis batches went from 49.6 + 49.4 + 60.7 to 14.6 +
#    14.2 + 19.6 step seconds, plus 15.0 for the contract. (3) The bot's integration tests compile
#    before the bot is linked (LINK_DEPENDS instead of add_dependencies): their 41 s batch had been the
#    last 54 s of stage 1, alone on one core. Cold run of the result (lead, fresh clone, empty
#    CCACHE_DIR, nothing else running): exit 0 in 13:31, 1,599 CPU s: stage 1 378 s wall / 748 CPU s,
#    benchmarks' check 41 s, stage 2 215 s, stage 3 129 s, fuzz build 17 s, fuzz 31 s. The machine was
#    faster than in session 7 that day: the steps no change touched took 0.70-0.75x their session 7 time
#    (clang's ASan remote.cpp 70.4 -> 52.5 s, the benchmarks' check 59-63 -> 41 s). Scaled back to
#    session 7's speed, ~18 min: stage 1's g++ steps are 0.68x their session 7 time after that scaling
#    (1,518 -> 778 step seconds), remote.cpp 0.66x.
#    Reproduce: awk 'NR>1{print ($2-$1)/1000, $4}' build/gcc/.ninja_log | sort -rn, in each run's clone.
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

# Checks with -fsyntax-only (same flags, -Werror) every compile command of build dir $1 that building
# target $2 runs and building targets $3... does not, two at a time; exits on the first that fails.
check_syntax() {
  local dir=$1 checked=$2
  shift 2
  local compiled rest
  compiled=$(ninja -C "$dir" -t commands "$@" | grep -e ' -c ' || true)
  rest=$(ninja -C "$dir" -t commands "$checked" | grep -e ' -c ' | grep -vxF -e "$compiled" || true)
  echo "$(grep -c . <<<"$rest") translation units"
  # "[launcher] compiler ... -MD -MT obj -MF dep -o obj -c src" -> "compiler ... -fsyntax-only src"
  sed -E -e 's/^[^ ]*ccache //' -e 's/ -MD -MT [^ ]+ -MF [^ ]+ -o [^ ]+ -c / -fsyntax-only /' <<<"$rest" |
    (cd "$dir" && xargs -d '\n' -n 1 -P "$jobs" sh -c)
}

stage "gcc build"
# -Og: optimized enough for the tests to run at speed and for g++'s flow-based warnings, and compiles
# about a third faster than -O1 (see the header; benchmarks are measured from their own -O3 builds, see
# bench/README.md).
# The benchmarks are not part of `all` here (HANABI_BENCHMARKS_IN_ALL=OFF): nothing in CI runs them, so
# g++ only checks them, below.
cmake -S . -B build/gcc -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-Og -DNDEBUG" -DCMAKE_CXX_COMPILER=g++ \
  -DHANABI_WERROR=ON -DHANABI_COMPILE_ASIO=ON -DHANABI_BENCHMARKS_IN_ALL=OFF >/dev/null
cmake --build build/gcc -j "$jobs"

# The tests wait far more than they compute, so they run while the next stages compile.
stage "gcc tests, in the background"
start_tests build/gcc-tests.log --test-dir build/gcc -j "$jobs"

# The benchmarks' own files, -fsyntax-only with g++'s flags and -Werror: g++'s front-end warnings, as
# for every other file. Given up on them (0.6-0.75x of their -O1 compile time, see the header): the
# warnings g++ finds only with the optimizer (-Wmaybe-uninitialized, -Warray-bounds, -Wstringop-*),
# their code generation and their link with g++ (clang checks them too, -fsyntax-only, in stage 3).
# The benchmarks' numbers come from their own -O3 build (bench/README.md), which this does not change.
stage "g++ -fsyntax-only of the benchmarks"
check_syntax build/gcc bench/all all

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
check_syntax build/clang all "${unit_targets[@]}"

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
    # Executables only: the corpus directories of an earlier run sit beside them (and are "executable").
    [ -f "$fuzzer" ] && [ -x "$fuzzer" ] || continue
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
