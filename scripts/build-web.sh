#!/usr/bin/env bash
# Builds the web console (web/) into web/dist, which `bulwark serve` serves at "/".
# Installs the console's npm packages exactly as the lockfile pins them when node_modules is
# missing or the lockfile changed, then type-checks and bundles with Vite, and prints the
# gzipped size of the console's JavaScript (the build fails above 250 KB). Skips the bundling
# when nothing under web/ changed since the last build.
set -euo pipefail
cd "$(dirname "$0")/../web"

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "build-web: Node.js 20.19 or later (with npm) is needed to build the console" >&2
  exit 1
fi
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'; then
  echo "build-web: Node.js $(node --version) is too old; the console needs 20.19 or later" >&2
  exit 1
fi

stamp=node_modules/.bulwark-lock.sha256
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -d node_modules ] || [ "$(cat "$stamp" 2>/dev/null)" != "$lock_hash" ]; then
  echo "build-web: installing the console's packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > "$stamp"
fi

if [ -f dist/index.html ] && [ -z "$(find src public index.html vite.config.ts tsconfig.json \
    package.json package-lock.json scripts -newer dist/index.html -print -quit)" ]; then
  echo "build-web: web/dist is up to date"
  node scripts/size.mjs
  exit 0
fi
npm run --silent build
