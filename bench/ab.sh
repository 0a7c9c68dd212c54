#!/bin/bash
# Alternating rows of the payments benchmark from two checkouts, to compare a change with what it
# changes, on machines whose speed moves from one minute to the next (docs/performance.md):
#   git worktree add -f /tmp/base <rev> && ln -s "$PWD/node_modules" /tmp/base/node_modules
#   TARGETS=postgres SECS=8 bench/ab.sh /tmp/base . 3
set -euo pipefail
a=$1 b=$2 pairs=${3:-3}
for _ in $(seq 1 "$pairs"); do
  for dir in "$a" "$b"; do
    echo "== $dir"
    (cd "$dir" && BENCH_SOLO=false BENCH_TARGETS="${TARGETS:-postgres,pglite}" BENCH_CONCURRENCIES=16 \
      BENCH_SECONDS="${SECS:-6}" npm run bench:payments 2>&1 |
      grep -E '^ *(PostgreSQL|PGlite)  |relative|CPU per' || true)
  done
done
