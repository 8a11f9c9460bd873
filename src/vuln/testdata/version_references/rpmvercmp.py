# Reference ordering for the RPM family: rpm's own rpmverCmp, through its Python binding
# (rpm.ver parses [epoch:]version[-release] as rpm does).
# Reads "A<TAB>B" lines; prints "<", "=" or ">" for each, or "?" when rpm refuses a version.
import sys

import rpm

for line in sys.stdin:
    a, b = line.rstrip("\n").split("\t")
    try:
        x, y = rpm.ver(a), rpm.ver(b)
    except Exception:
        print("?")
        continue
    print("<" if x < y else "=" if x == y else ">")
