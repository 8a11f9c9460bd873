#!/usr/bin/env bash
# Starts Bulwark on the embedded SQLite database under ./var with demo organizations, users and
# tokens, printing the URL and how to sign in, and `bulwark mock-model` (the demo lab's model,
# replaying the demo suite's solutions) behind the model gateway, and, once the server's worker
# checked the demo suite, the evaluation answering the lab's inquiry. Ctrl-C stops them; data
# stays in ./var.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=build/bin/bulwark
listen=${BULWARK_LISTEN:-127.0.0.1:8080}
model_port=${BULWARK_DEMO_MODEL_PORT:-8089}
export BULWARK_DATABASE=${BULWARK_DATABASE:-sqlite:var/bulwark.db}
mkdir -p var
"$bin" keys init --if-missing  # the key that encrypts secrets at rest: var/secrets.key
"$bin" mock-model --suite suites/bulwark-core --port "$model_port" >var/mock-model.log 2>&1 &
model_pid=$!
trap 'kill "$model_pid" 2>/dev/null || true' EXIT
# The demo suite travels sealed, as a confidential suite would: only the server opens it.
"$bin" suite seal suites/bulwark-core -o var/bulwark-core.sealed.json
"$bin" admin seed-demo --url "http://$listen" --credentials-file var/demo-credentials.json \
  --model-url "http://127.0.0.1:$model_port/v1" --suite var/bulwark-core.sealed.json
echo "The demo lab's model (bulwark mock-model) answers on 127.0.0.1:$model_port; log: var/mock-model.log"
scripts/demo-evaluation.sh "http://$listen" &
trap 'kill "$model_pid" $! 2>/dev/null || true' EXIT
"$bin" serve --listen "$listen"
