#!/bin/sh
# Instructions per mutation, bare and journaled, for each kind of journal_mutation (bench_storage),
# from one callgrind run: the inclusive cost of run_batch<kind, run_role::bare> (a queue without
# recorder) and of run_batch<kind, run_role::journaled> (its mutations and the journal's hand-off of
# the batch, as one job of the strand), called equally often in the same iterations (the journal's
# warm-up runs apart, as run_role::warm_up). The caller's thread only: the store's thread runs
# outside those functions. Independent of the load.
#
#   bench/storage/callgrind_ratios.sh build/rel/bench/storage/bench_storage
set -eu
bench=${1:?usage: callgrind_ratios.sh path/to/bench_storage}
out=$(mktemp /tmp/hanabi-callgrind.XXXXXX)
trap 'rm -f "$out"' EXIT
# One iteration each (1,000 mutations): the counts below are per 1,000 mutations.
valgrind --tool=callgrind --callgrind-out-file="$out" "$bench" \
  --benchmark_filter='journal_mutation/' --benchmark_min_time=0.000001 2>/dev/null | grep journal_mutation
callgrind_annotate --inclusive=yes --threshold=100 "$out" 2>/dev/null |
  grep ':void (anonymous namespace)::run_batch<' |
  sed -E 's/^ *([0-9,]+).*run_batch<\(\(anonymous namespace\)::mutation_kind\)([0-9]), \(\(anonymous namespace\)::run_role\)([01])>.*/\2 \3 \1/' |
  tr -d ',' |
  awk 'BEGIN { split("append insert move remove skip", name, " ") }
       $1 ~ /^[0-9]$/ { cost[$1 "," $2] = $3 }
       END {
         printf "%-8s %12s %12s %7s   (instructions of the caller per mutation)\n", "kind", "bare", "journaled", "ratio"
         for (k = 0; k < 5; ++k) {
           b = cost[k ",0"]; j = cost[k ",1"]
           if (b > 0) printf "%-8s %12.0f %12.0f %7.3f\n", name[k + 1], b / 1000, j / 1000, j / b
         }
       }'
