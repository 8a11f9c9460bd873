#!/usr/bin/env bash
# Installs the Debian 12 packages that Bulwark's build, tests, demo and benchmarks need.
# Idempotent: when every package is present it does nothing and needs no network.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  libboost1.81-dev libboost-json1.81-dev
  libsqlite3-dev sqlite3
  libpq-dev postgresql-15
  libsodium-dev libssl-dev libjemalloc-dev
  libzip-dev libexpat1-dev zlib1g-dev libdeflate-dev
  libcli11-dev libyaml-cpp-dev
  bubblewrap
  libgtest-dev libgmock-dev libbenchmark-dev
  clang-14 libclang-rt-14-dev clang-format-14
  curl wrk nginx-light python3
  # The web console's browser tests (playwright-core drives Debian's chromium; Node.js 20.19 or
  # later, with npm, builds the console and is expected on the machine already).
  chromium fonts-dejavu-core
  # The ecosystems' own version orderings, which the differential tests compare ours with.
  dpkg python3-rpm python3-packaging python3-pip libmaven3-core-java default-jre-headless
  php-cli php-composer-semver node-semver ruby r-base-core
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
