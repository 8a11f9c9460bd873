#!/usr/bin/env bash
# The demo's evaluation: once `bulwark serve` is up and its worker found every task of the demo
# suite valid, Eve Evaluator starts the evaluation that answers Lee's inquiry (the ids are in
# var/demo-credentials.json, written by `bulwark admin seed-demo`). Does nothing when the inquiry
# is no longer waiting for one. Usage: scripts/demo-evaluation.sh URL
set -euo pipefail
cd "$(dirname "$0")/.."
url=$1
field() {
  python3 -c 'import json,sys; d=json.load(open("var/demo-credentials.json")); print(eval(sys.argv[1]))' "$1"
}
[ "$(field 'd.get("demo_evaluation", {}).get("inquiry_state")')" = accepted ] || exit 0
token=$(field 'd["evaluator@evaluation-office.demo"]["token"]')
suite=$(field 'd["demo_evaluation"]["suite_hash"]')
for _ in $(seq 1 120); do  # the server starting, then the suite's validity checks (about 30 s)
  validity=$(curl -sf -H "Authorization: Bearer $token" "$url/api/v1/evaluations/suites" |
    python3 -c 'import json,sys; print(next((s["validity"] for s in json.load(sys.stdin)["items"] if s["hash"] == sys.argv[1]), ""))' "$suite" 2>/dev/null || true)
  [ "$validity" = checking ] || [ -z "$validity" ] || break
  sleep 2
done
if [ "$validity" != valid ]; then
  echo "demo: the demo suite's validity checks say \"$validity\"; see GET /api/v1/evaluations/suites" >&2
  exit 1
fi
body=$(python3 -c 'import json; d=json.load(open("var/demo-credentials.json"))["demo_evaluation"]; print(json.dumps({"version_id": d["version_id"], "policy_hash": d["policy_hash"], "epochs": 3, "inquiry_id": d["inquiry_id"]}))')
curl -sf -H "Authorization: Bearer $token" -X POST "$url/api/v1/evaluations" -d "$body" >/dev/null
echo "demo: Eve Evaluator started the evaluation answering Lee's inquiry (GET $url/api/v1/evaluations)"
