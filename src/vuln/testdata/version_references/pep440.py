# Reference ordering for PyPI: packaging.version.Version (PEP 440).
# Reads "A<TAB>B" lines; prints "<", "=" or ">" for each, or "?" when a version is not PEP 440.
import sys

from packaging.version import InvalidVersion, Version

for line in sys.stdin:
    a, b = line.rstrip("\n").split("\t")
    try:
        x, y = Version(a), Version(b)
    except InvalidVersion:
        print("?")
        continue
    print("<" if x < y else "=" if x == y else ">")
