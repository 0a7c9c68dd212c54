#!/bin/bash
# Alternating rows of the payments benchmark from two checkouts, to compare a change with what it
# changes, on machines whose speed moves from one minute to the next (docs/performance.md):
#   git worktree add -f /tmp/base <rev> && ln -s "$PWD/node_modules" /tmp/base/node_modules
#   TARGETS=postgres SECS=8 bench/ab.sh /tmp/base . 4
# CONC sets the concurrencies (32 by default, where the goal's capacity is read since 2026-12-06).
# The pairs alternate their order (a b, b a, a b, …): on 2026-12-06 the second run of a pair was the
# faster one in six pairs of six, whichever checkout it was, so a fixed order measures the order.
set -euo pipefail
a=$1 b=$2 pairs=${3:-4}
for pair in $(seq 1 "$pairs"); do
  order=("$a" "$b")
  if ((pair % 2 == 0)); then order=("$b" "$a"); fi
  for dir in "${order[@]}"; do
    echo "== $dir"
    (cd "$dir" && BENCH_SOLO=false BENCH_TARGETS="${TARGETS:-postgres,pglite}" BENCH_CONCURRENCIES="${CONC:-32}" \
      BENCH_SECONDS="${SECS:-6}" npm run bench:payments 2>&1 |
      grep -E '^ *(PostgreSQL|PGlite)  |relative|CPU per' || true)
  done
done
