#!/bin/sh
# Reference ordering for Debian and Ubuntu: dpkg --compare-versions.
# Reads "A<TAB>B" lines; prints "<", "=" or ">" for each, or "?" when dpkg refuses a version.
tab=$(printf '\t')
while IFS="$tab" read -r a b; do
  if dpkg --compare-versions "$a" lt "$b" 2>/dev/null; then
    echo "<"
  elif dpkg --compare-versions "$a" eq "$b" 2>/dev/null; then
    echo "="
  elif dpkg --compare-versions "$a" gt "$b" 2>/dev/null; then
    echo ">"
  else
    echo "?"
  fi
done
