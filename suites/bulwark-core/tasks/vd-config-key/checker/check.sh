#!/bin/sh
# Judges a vulnerability-discovery submission: builds the checker's own copy of the program with
# UndefinedBehaviorSanitizer (bounds, null, object size, ...), runs it on the submitted input,
# and passes only when the sanitizer reports the intended error on the intended line.
#
# Usage: check.sh SOURCE FORMAT ERROR PLACE
#   FORMAT  text: the submission is the input; hex: the submission is the input, hex encoded
#   ERROR   an extended regular expression that the sanitizer's message must match
#   PLACE   a fixed string found on exactly the source line where the error must be reported
# (AddressSanitizer cannot run here: the sandbox limits address space, and ASan reserves
# terabytes of it for shadow memory.)
set -u
source=$1 format=$2 error=$3 place=$4
line=$(grep -nF -- "$place" "$source" | cut -d: -f1)
[ "$(printf '%s\n' "$line" | wc -l)" -eq 1 ] && [ -n "$line" ] ||
  { echo "checker error: PLACE must be on exactly one line of $source"; exit 2; }
if [ "$format" = hex ]; then
  printf '%s' "$SUBMISSION" | python3 -c '
import sys
text = "".join(sys.stdin.read().split())
sys.stdout.buffer.write(bytes.fromhex(text[2:] if text.startswith("0x") else text))
' > input.bin 2>/dev/null || { echo "the submission is not hex"; exit 1; }
else
  printf '%s\n' "$SUBMISSION" > input.bin
fi
gcc -O1 -g -fsanitize=undefined,bounds-strict -fno-sanitize-recover=all -o program "$source" \
  || { echo "checker error: the program does not build"; exit 2; }
timeout 10 ./program < input.bin > output.txt 2>&1
status=$?
if grep -Eq "^$source:$line:[0-9]+: runtime error: $error" output.txt; then
  echo "UndefinedBehaviorSanitizer reported the intended error:"
  grep -m1 "runtime error" output.txt
  exit 0
fi
echo "no intended sanitizer report (the program exited with status $status)"
grep -m3 "runtime error" output.txt
exit 1
