#!/bin/sh
# The profiling runs behind docs/benchmarks.md: one scenario per authlink
# process, so each CPU profile is about one route. Summaries (and the profile
# paths) end up in bench/results/prof-<backend>-<scenario>.txt.
#   BENCH_DATABASE_URL=postgres://... sh bench/profile-all.sh
set -e
cd "$(dirname "$0")/.."
mkdir -p bench/results
for b in sqlite postgres; do
  for s in get link proxy_c1 list_user oauth; do
    npx tsx bench/run.ts --only $s --backends $b --sizes 1k --profile --profile-dir bench/profiles/$s > bench/results/prof-$b-$s.txt 2>&1
  done
  npx tsx bench/run.ts --only list_deep --backends $b --sizes 100k --profile --profile-dir bench/profiles/list_deep > bench/results/prof-$b-list_deep.txt 2>&1
done
