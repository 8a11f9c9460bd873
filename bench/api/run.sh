#!/usr/bin/env bash
# bench/api: request rate and p99 latency of GET /api/v1/whoami (token authentication, a
# database read per request) against nginx serving a static JSON document of the same size,
# both on loopback, both measured by wrk in the same run with the same settings.
#
#   bench/api/run.sh [seconds] [connections]     (defaults: 10 s, 64 connections)
#
# Both servers log every request to a file, as they would in production. Target: at least half
# of nginx's rate, and p99 under 10 ms.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-10}
connections=${2:-64}
bin=${BULWARK_BIN:-build/bin/bulwark}
[ -x "$bin" ] || { echo "bench/api: build first (make build)"; exit 1; }
command -v wrk >/dev/null || { echo "bench/api: wrk is missing (scripts/install-deps.sh)"; exit 1; }
command -v nginx >/dev/null || { echo "bench/api: nginx is missing (scripts/install-deps.sh)"; exit 1; }

work=$(mktemp -d)
chmod 755 "$work"  # nginx workers run unprivileged and must read the document
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Bulwark on a fresh SQLite database, with one user and token.
db="sqlite:$work/bench.db"
"$bin" --database "$db" admin create-org --name "Bench Office" --kind program_office >/dev/null
"$bin" --database "$db" admin create-user --org "Bench Office" --email bench@office.example \
  --name Bench --role admin >/dev/null
token=$("$bin" --database "$db" admin issue-token --user bench@office.example --name bench |
  sed -n 's/.*"token":"\(bwk_[0-9a-z]*\)".*/\1/p')
"$bin" --database "$db" keys init >/dev/null
bport=$(free_port)
"$bin" --database "$db" serve --listen "127.0.0.1:$bport" --rate-limit 100000000 \
  --rate-burst 100000000 >"$work/bulwark.out" 2>"$work/bulwark.log" &
pids+=($!)
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$bport/healthz" >/dev/null && break; sleep 0.1; done
curl -sf -H "Authorization: Bearer $token" "http://127.0.0.1:$bport/api/v1/whoami" >"$work/whoami.json"
size=$(stat -c %s "$work/whoami.json")

# nginx serving a static JSON document of the same size.
mkdir -p "$work/www"
cp "$work/whoami.json" "$work/www/whoami.json"
nport=$(free_port)
cat >"$work/nginx.conf" <<CONF
worker_processes auto;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
daemon off;
events { worker_connections 4096; }
http {
  access_log $work/nginx-access.log;
  client_body_temp_path $work/tmp;
  proxy_temp_path $work/tmp;
  fastcgi_temp_path $work/tmp;
  uwsgi_temp_path $work/tmp;
  scgi_temp_path $work/tmp;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$nport;
    root $work/www;
    default_type application/json;
  }
}
CONF
mkdir -p "$work/tmp"
nginx -c "$work/nginx.conf" -p "$work" &
pids+=($!)
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$nport/whoami.json" >/dev/null && break; sleep 0.1; done
cmp -s <(curl -sf "http://127.0.0.1:$nport/whoami.json") "$work/whoami.json" ||
  { echo "bench/api: nginx does not serve the document"; cat "$work/nginx-error.log"; exit 1; }

# Runs wrk; prints "requests_per_second p99_ms".
measure() {
  local out
  out=$(wrk -t2 -c"$connections" -d"${seconds}s" --latency "$@")
  echo "$out" >>"$work/wrk.txt"
  local rate p99
  rate=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  # wrk prints latencies with a unit (us, ms, s); convert to milliseconds.
  p99=$(echo "$p99" | awk '{v=$1; if (v ~ /us$/) {sub(/us$/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v=v*1000}; printf "%.2f", v}')
  echo "$rate $p99"
}

echo "bench/api: $connections connections, ${seconds}s each, response body $size bytes, $(nproc) cores"
read -r n_rate n_p99 < <(measure "http://127.0.0.1:$nport/whoami.json")
read -r b_rate b_p99 < <(measure -H "Authorization: Bearer $token" "http://127.0.0.1:$bport/api/v1/whoami")
errors=$(grep -c "Non-2xx" "$work/wrk.txt" || true)
[ -n "${BENCH_WRK_OUTPUT:-}" ] && cat "$work/wrk.txt"
printf "%-34s %12s %10s\n" "" "requests/s" "p99 (ms)"
printf "%-34s %12.0f %10s\n" "nginx, static JSON (baseline)" "$n_rate" "$n_p99"
printf "%-34s %12.0f %10s\n" "bulwark, GET /api/v1/whoami" "$b_rate" "$b_p99"
ratio=$(awk -v b="$b_rate" -v n="$n_rate" 'BEGIN { printf "%.2f", b / n }')
echo "ratio bulwark/nginx: $ratio   (target >= 0.50; p99 target < 10 ms)"
[ "$errors" = "0" ] || echo "warning: wrk saw non-2xx responses; see the wrk output"
