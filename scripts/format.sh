#!/usr/bin/env bash
# Formats the C++ sources with clang-format (Google base, .clang-format); --check only reports.
set -euo pipefail
cd "$(dirname "$0")/.."
files=$(git ls-files '*.cc' '*.h')
if [ "${1:-}" = "--check" ]; then
  clang-format-14 --dry-run --Werror $files
  echo "format: all $(echo "$files" | wc -w) files are formatted"
else
  clang-format-14 -i $files
fi
