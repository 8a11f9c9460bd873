#!/usr/bin/env bash
# bench/jobs: the job queue against graphile-worker and pg-boss on one PostgreSQL cluster, in the
# same run; then the size of the console's JavaScript, gzipped, against its 250 KB budget.
#   bench/jobs/run.sh [--jobs N] [--workers N] [--concurrency N] [--quick]
# graphile-worker 0.16.x and pg-boss 10.x (the last lines that run on Node 20) are installed once
# into bench/jobs/.tools (not part of the repository).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${BUILD:-$root/build}"
tools="$root/bench/jobs/.tools"
cmake --build "$build" --target jobs_bench
if [ ! -d "$tools/node_modules/graphile-worker" ] || [ ! -d "$tools/node_modules/pg-boss" ]; then
  echo "bench/jobs: installing graphile-worker 0.16.6 and pg-boss 10.4.2 into $tools"
  mkdir -p "$tools"
  npm install --prefix "$tools" --no-audit --no-fund --loglevel=error \
    graphile-worker@0.16.6 pg-boss@10.4.2 pg@8 >/dev/null
fi
"$build/bench/jobs_bench" --node-tools "$tools" "$@"

# The console's JavaScript as browsers download it.
js_raw=0
js_gzip=0
for f in "$root"/web/dist/assets/*.js; do
  [ -e "$f" ] || { echo "bench/jobs: no console build in web/dist (run make build)"; exit 1; }
  js_raw=$((js_raw + $(wc -c <"$f")))
  js_gzip=$((js_gzip + $(gzip -9 -c "$f" | wc -c)))
done
awk -v g="$js_gzip" -v r="$js_raw" 'BEGIN {
  printf "Console JavaScript: %.1f KB gzipped (%.1f KB raw); budget 250 KB: %.2fx of it, %s\n",
    g / 1024, r / 1024, g / 1024 / 250, (g / 1024 <= 250 ? "met" : "NOT MET") }'
