#!/usr/bin/env bash
# bench/gateway: what the model gateway adds to a partner's call. One `bulwark mock-model` on
# loopback (without latency unless asked) answers the same OpenAI chat completion
#   (a) directly,
#   (b) through Bulwark's gateway (`bulwark serve` on a fresh SQLite database, POST
#       /gateway/v1/chat/completions with a partner's gateway key: the key checked, the quota
#       reserved and settled, the lab's credential read and a ledger entry written on every call,
#       the access log on), and
#   (c) through Portkey's open-source gateway 1.15.2 on Node (NODE_ENV=production, --headless),
#       forwarding to the mock as a custom OpenAI host,
# plain and streamed ("stream": true, server-sent events), each from the same number of keep-alive
# connections for the same time after a warm-up, measured by gateway_probe (bench/gateway): the
# rate, the p50 and p99 latency, and the p50 and p99 time to the first body byte (for a stream,
# the first streamed byte). Every answer must be complete (a 200 ending as the API ends it);
# errors are printed. Then one connection alone, for the latency a single caller sees.
#
#   bench/gateway/run.sh [seconds] [connections] [seconds alone]   (defaults: 10 s, 64, 4 s)
#
# Each is measured three ways: the connections in a closed loop (each sends its next request as
# soon as its answer ends: the gateway saturated, where latency is mostly its queue), the same
# connections paced at half of the slower gateway's plain rate (BENCH_PACED_RATE to choose: what
# a gateway adds under a load it carries), and one connection alone.
#
# BENCH_MOCK_LATENCY_MS gives the mock a latency (default 0). The database is in a new folder
# under $TMPDIR (default /tmp); TMPDIR=/dev/shm shows what durable commits cost.
#
# Targets, at 64 connections: Bulwark's rate at least 2x Portkey's (plain and streamed),
# saturated; paced, Bulwark adds at most 0.5 ms to a direct call's p50 latency and 2 ms to its
# p99, and at most 1 ms to the p50 time to the first streamed byte. (Saturated, a gateway's
# latency is its queue, connections / rate: shown, not judged.)
#
# Portkey is installed once into bench/gateway/.tools (not part of the repository), with
# @hono/node-server held at 1.14.1: with the later versions its dependency range allows, Portkey
# answers every streamed call with a 500 ("TypeError: immutable") on Node. Its stream handler
# holds the first chunk back 25 ms, which shows in its time to the first streamed byte.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
seconds=${1:-10}
connections=${2:-64}
alone_seconds=${3:-4}
mock_latency=${BENCH_MOCK_LATENCY_MS:-0}
warmup=2
build="${BUILD:-$root/build}"
bin=${BULWARK_BIN:-$build/bin/bulwark}
tools="$root/bench/gateway/.tools"
portkey_version=1.15.2
[ -x "$bin" ] || { echo "bench/gateway: build first (make build)"; exit 1; }
command -v node >/dev/null || { echo "bench/gateway: node is missing (scripts/install-deps.sh)"; exit 1; }
cmake --build "$build" --target gateway_probe >/dev/null
probe="$build/bench/gateway_probe"
portkey="$tools/node_modules/@portkey-ai/gateway/build/start-server.js"
if ! grep -qs "\"version\": \"$portkey_version\"" "$tools/node_modules/@portkey-ai/gateway/package.json"; then
  echo "bench/gateway: installing Portkey's gateway $portkey_version into $tools"
  mkdir -p "$tools"
  cat >"$tools/package.json" <<JSON
{
  "private": true,
  "dependencies": { "@portkey-ai/gateway": "$portkey_version", "@hono/node-server": "1.14.1" },
  "overrides": { "@hono/node-server": "1.14.1", "@hono/node-ws": "1.2.0" }
}
JSON
  npm install --prefix "$tools" --no-audit --no-fund --loglevel=error >/dev/null
fi

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# json_field FILE KEY...: the value at that path of the JSON in FILE.
json_field() {
  /usr/bin/python3 -c 'import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2:]: v = v[int(k)] if isinstance(v, list) else v[k]
print(v)' "$@"
}
wait_for() {  # wait_for URL LOG: until it answers; else shows the log
  for _ in $(seq 100); do curl -s -o /dev/null "$1" && return 0; sleep 0.1; done
  echo "bench/gateway: nothing answers at $1"; tail -5 "$2"; exit 1
}

# The mock model.
mport=$(free_port)
"$bin" mock-model --suite suites/bulwark-smoke --port "$mport" --latency-ms "$mock_latency" \
  >"$work/mock.out" 2>"$work/mock.log" &
pids+=($!)
wait_for "http://127.0.0.1:$mport/healthz" "$work/mock.log"
mock="http://127.0.0.1:$mport/v1"

# Bulwark on a fresh SQLite database: the demo (a lab's model at the mock, an open window), then
# a partner with quotas no run reaches, concurred by the program office, and its user's keys.
db="sqlite:$work/bench.db"
bport=$(free_port)
"$bin" --database "$db" keys init >/dev/null
"$bin" --database "$db" admin seed-demo --url "http://127.0.0.1:$bport" \
  --credentials-file "$work/demo.json" --model-url "$mock" >/dev/null 2>&1
"$bin" --database "$db" serve --listen "127.0.0.1:$bport" --rate-limit 100000000 \
  --rate-burst 100000000 >"$work/bulwark.out" 2>"$work/bulwark.log" &
pids+=($!)
bulwark="http://127.0.0.1:$bport"
wait_for "$bulwark/healthz" "$work/bulwark.log"
api() {  # api EMAIL METHOD PATH [BODY] > response
  local token
  token=$(json_field "$work/demo.json" "$1" token)
  curl -sf -X "$2" -H "Authorization: Bearer $token" "$bulwark$3" ${4:+-d "$4"} ||
    { echo "bench/gateway: $2 $3 as $1 failed; see $work/bulwark.log" >&2; return 1; }
}
api lead@frontier-lab.demo GET /api/v1/review/windows >"$work/windows.json"
window=$(json_field "$work/windows.json" items 0 id)
# The demo's window keeps the content of calls, to show that feature; windows do not unless the
# lab chooses so, and neither does this one (each retained call is sealed and stored as well).
api lead@frontier-lab.demo POST "/api/v1/review/windows/$window/settings" \
  '{"retain_content": false}' >/dev/null
api security@community-bank.demo GET /api/v1/whoami >"$work/bank.json"
bank=$(json_field "$work/bank.json" organization id)
api lead@frontier-lab.demo POST "/api/v1/review/windows/$window/partners" \
  '{"partner_org_id": "'"$bank"'", "requests_per_day": 10000000, "tokens_per_day": 10000000000,
    "requests_per_minute": 100000}' >"$work/grant.json"
grant=$(json_field "$work/grant.json" id)
api admin@program-office.demo POST "/api/v1/review/partners/$grant/concur" >/dev/null
# New keys for each measurement, so that no key reaches its requests a minute.
new_key() {
  api security@community-bank.demo POST /api/v1/review/keys '{"grant_id": "'"$grant"'", "name": "bench"}' \
    >"$work/key.json"
  json_field "$work/key.json" secret
}
curl -sf -H "Authorization: Bearer $(new_key)" "$bulwark/gateway/v1/models" >"$work/models.json"
model=$(json_field "$work/models.json" data 0 id)

# Portkey's gateway runs only while it is measured, a fresh process each time (after its own
# warm-up), so that a Node process busy after its load (collecting garbage, timers) does not
# weigh on the others' measurements on the same cores.
pport=$(free_port)
portkey_pid=
start_portkey() {
  env -u HTTP_PROXY -u HTTPS_PROXY -u http_proxy -u https_proxy NODE_ENV=production \
    node "$portkey" --port="$pport" --headless >>"$work/portkey.log" 2>&1 &
  portkey_pid=$!
  pids+=("$portkey_pid")
  wait_for "http://127.0.0.1:$pport/" "$work/portkey.log"
}
stop_portkey() {
  kill "$portkey_pid" 2>/dev/null || true
  wait "$portkey_pid" 2>/dev/null || true
}

# One request body for all three; the model is the gateway's id for the lab's model (the mock
# answers any name, Portkey passes it on). The streamed one asks for the usage, as Bulwark's
# gateway does on its way upstream, so that the mock answers all three alike.
printf '{"model": "%s", "max_tokens": 64, "messages": [{"role": "user", "content": "Hello"}]}' \
  "$model" >"$work/plain.json"
printf '{"model": "%s", "max_tokens": 64, "stream": true, "stream_options": {"include_usage": true}, "messages": [{"role": "user", "content": "Hello"}]}' \
  "$model" >"$work/stream.json"

# measure TARGET KIND CONNECTIONS SECONDS: runs gateway_probe; prints its line.
measure() {
  local target=$1 kind=$2 conns=$3 secs=$4 url headers=() expect
  case $target in
    direct) url="$mock/chat/completions"; headers=(--header "Authorization: Bearer sk-bench") ;;
    bulwark) url="$bulwark/gateway/v1/chat/completions"
      # Four keys take turns by connection, so that none reaches the most requests a minute a
      # grant allows (100,000) at a saturated rate.
      for _ in 1 2 3 4; do headers+=(--spread-header "Authorization: Bearer $(new_key)"); done ;;
    portkey) url="http://127.0.0.1:$pport/v1/chat/completions"
      headers=(--header "x-portkey-provider: openai" --header "x-portkey-custom-host: $mock"
        --header "Authorization: Bearer sk-bench") ;;
  esac
  [ "$kind" = plain ] && expect='"finish_reason":"stop"' || expect='[DONE]'
  "$probe" --url "$url" --body-file "$work/$kind.json" "${headers[@]}" --connections "$conns" \
    --seconds "$secs" --warmup-seconds "$warmup" --expect "$expect" --rate "${PROBE_RATE:-0}" \
    2>"$work/probe.err" ||
    { cat "$work/probe.err" >&2; return 1; }
  if [ -s "$work/probe.err" ]; then
    sed "s/^/  $target $kind: /" "$work/probe.err" >>"$work/errors.txt"
  fi
}

declare -A r
for kind in plain stream; do
  for target in direct bulwark portkey; do
    [ "$target" = portkey ] && start_portkey
    r[$target.$kind]=$(measure "$target" "$kind" "$connections" "$seconds")
    r[$target.$kind.alone]=$(measure "$target" "$kind" 1 "$alone_seconds")
    [ "$target" = portkey ] && stop_portkey
  done
done
# Paced: the same connections sending, together, half of the slowest gateway's plain rate (a
# load all three carry), so that the latencies show what a gateway adds, not its queue.
paced=${BENCH_PACED_RATE:-$(awk -v p="${r[portkey.plain]}" -v b="${r[bulwark.plain]}" 'BEGIN {
  split(p, P, " "); split(b, B, " "); low = P[1] < B[1] ? P[1] : B[1]
  printf "%d", (low / 2 < 100 ? 100 : int(low / 200) * 100) }')}
for kind in plain stream; do
  for target in direct bulwark portkey; do
    [ "$target" = portkey ] && start_portkey
    r[$target.$kind.paced]=$(PROBE_RATE=$paced measure "$target" "$kind" "$connections" "$seconds")
    [ "$target" = portkey ] && stop_portkey
  done
done

echo "bench/gateway: $connections connections, ${seconds}s each after ${warmup}s of warm-up;" \
  "mock model latency ${mock_latency} ms; $(nproc) cores"
# row LABEL LINE [DIRECT_LINE]: rate, latencies, first byte, and what the gateway adds.
row() {
  awk -v label="$1" -v line="$2" -v direct="${3:-}" 'BEGIN {
    split(line, m, " "); split(direct, d, " ")
    if (direct == "") {
      printf "  %-22s %9.0f %8.2f %8.2f %8.2f %8.2f %9s %9s %9s %6d\n", label, m[1], m[2], m[3], m[4], m[5], "", "", "", m[7]
    } else {
      printf "  %-22s %9.0f %8.2f %8.2f %8.2f %8.2f %+9.2f %+9.2f %+9.2f %6d\n", label, m[1], m[2], m[3], m[4], m[5], m[2] - d[2], m[3] - d[3], m[4] - d[4], m[7]
    }
  }'
}
header() {
  printf "  %-22s %9s %8s %8s %8s %8s %9s %9s %9s %6s\n" "$1" "req/s" "p50 ms" "p99 ms" \
    "1st p50" "1st p99" "+p50" "+p99" "+1st p50" "errors"
}
for kind in plain stream; do
  for alone in "" .paced .alone; do
    case $alone in
      "") header "$kind, $connections connections" ;;
      .paced) header "$kind, $connections paced, $paced/s" ;;
      .alone) header "$kind, 1 connection" ;;
    esac
    row "direct to the mock" "${r[direct.$kind$alone]}"
    row "bulwark gateway" "${r[bulwark.$kind$alone]}" "${r[direct.$kind$alone]}"
    row "portkey gateway" "${r[portkey.$kind$alone]}" "${r[direct.$kind$alone]}"
  done
done
echo "  (1st: time to the first body byte; +: added to the direct call, in ms)"
[ -s "$work/errors.txt" ] && { echo "errors seen:"; cat "$work/errors.txt"; }

# The targets, at $connections connections: the rate saturated, the latencies paced.
awk -v conns="$connections" -v bp="${r[bulwark.plain]}" -v pp="${r[portkey.plain]}" -v dp="${r[direct.plain]}" \
  -v bs="${r[bulwark.stream]}" -v ps="${r[portkey.stream]}" -v ds="${r[direct.stream]}" \
  -v bq="${r[bulwark.plain.paced]}" -v dq="${r[direct.plain.paced]}" \
  -v BQ="${r[bulwark.stream.paced]}" -v DQ="${r[direct.stream.paced]}" 'BEGIN {
  split(bp, b, " "); split(pp, p, " "); split(dp, d, " ")
  split(bs, B, " "); split(ps, P, " "); split(ds, D, " ")
  verdict = "%-72s %s\n"
  printf "ratio bulwark/portkey: plain %.2f, streamed %.2f\n", b[1] / p[1], B[1] / P[1]
  printf verdict, sprintf("rate >= 2x portkey: plain %.2fx, streamed %.2fx", b[1] / p[1], B[1] / P[1]),
    (b[1] >= 2 * p[1] && B[1] >= 2 * P[1] ? "met" : "NOT MET")
  # Saturated, each connection waits in the queue of the gateway: by Little law the latency is
  # connections / rate, so what is added there is shown, and the targets are judged paced.
  printf "saturated (latency is the queue: %d connections / rate): added p50 plain %+.2f ms, streamed %+.2f ms; first streamed byte %+.2f ms\n", \
    conns, b[2] - d[2], B[2] - D[2], B[4] - D[4]
  split(bq, b, " "); split(dq, d, " "); split(BQ, B, " "); split(DQ, D, " ")
  printf verdict, sprintf("paced: added p50 <= 0.5 ms: plain %+.2f ms, streamed %+.2f ms", b[2] - d[2], B[2] - D[2]),
    (b[2] - d[2] <= 0.5 && B[2] - D[2] <= 0.5 ? "met" : "NOT MET")
  printf verdict, sprintf("paced: added p99 <= 2 ms: plain %+.2f ms, streamed %+.2f ms", b[3] - d[3], B[3] - D[3]),
    (b[3] - d[3] <= 2 && B[3] - D[3] <= 2 ? "met" : "NOT MET")
  printf verdict, sprintf("paced: added first streamed byte (p50) <= 1 ms: %+.2f ms", B[4] - D[4]),
    (B[4] - D[4] <= 1 ? "met" : "NOT MET")
}'
