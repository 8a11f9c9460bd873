#!/usr/bin/env bash
# Starts Bulwark on the embedded SQLite database under ./var with demo organizations, users and
# tokens, printing the URL and how to sign in. Ctrl-C stops it; data stays in ./var.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=build/bin/bulwark
listen=${BULWARK_LISTEN:-127.0.0.1:8080}
export BULWARK_DATABASE=${BULWARK_DATABASE:-sqlite:var/bulwark.db}
mkdir -p var
"$bin" keys init --if-missing  # the key that encrypts secrets at rest: var/secrets.key
"$bin" admin seed-demo --url "http://$listen" --credentials-file var/demo-credentials.json
exec "$bin" serve --listen "$listen"
