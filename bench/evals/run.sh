#!/usr/bin/env bash
# bench/evals: the harness against `bulwark mock-model`, and promptfoo (0.121.x, the last line
# that runs on Node 20) on the same single-turn samples in the same run; then run logs, their
# statistics, decisions and reports (report_bench: 1,000,000 samples read and decided, the HTML
# report of 100,000, samples opened from the index) against a naive full parse; then an evaluation
# end to end (evaluation_bench: bulwark serve's gateway on PostgreSQL, two bulwark worker
# processes, 64 samples in flight against the mock with 200 ms latency) against the ideal rate,
# and the samples the sequential rule saved against the fixed size.
#   bench/evals/run.sh [--quick] [--reports-only | --harness-only | --evaluation-only]
# promptfoo is installed once into bench/evals/.tools (not part of the repository). The run logs
# report_bench generates are kept in $TMPDIR/bulwark-report-bench for the next run.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${BUILD:-$root/build}"
tools="$root/bench/evals/.tools"
harness=1 reports=1 evaluation=1 args=()
for arg in "$@"; do
  case "$arg" in
    --reports-only) harness=0 evaluation=0 ;;
    --harness-only) reports=0 evaluation=0 ;;
    --evaluation-only) harness=0 reports=0 ;;
    *) args+=("$arg") ;;
  esac
done
cmake --build "$build" --target evals_bench report_bench evaluation_bench bulwark
status=0
if [ "$harness" = 1 ]; then
  if [ ! -x "$tools/node_modules/.bin/promptfoo" ]; then
    echo "bench/evals: installing promptfoo 0.121.x into $tools"
    mkdir -p "$tools"
    npm install --prefix "$tools" --no-audit --no-fund --loglevel=error promptfoo@0.121 >/dev/null
  fi
  "$build/bench/evals_bench" --bulwark "$build/bin/bulwark" \
    --promptfoo "$tools/node_modules/.bin/promptfoo" "${args[@]}" || status=$?
fi
if [ "$reports" = 1 ]; then
  [ "$harness" = 1 ] && echo
  "$build/bench/report_bench" "${args[@]}" || status=$?
fi
if [ "$evaluation" = 1 ]; then
  [ "$harness" = 1 ] || [ "$reports" = 1 ] && echo
  "$build/bench/evaluation_bench" --bulwark "$build/bin/bulwark" "${args[@]}" || status=$?
fi
exit "$status"
