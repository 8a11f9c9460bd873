# Reference ordering for PyPI: packaging.version.Version (PEP 440, python3-packaging). For
# strings that are not PEP 440 versions, packaging 21.3's LegacyVersion, the order packaging
# kept for them until version 22 (Debian's pip vendors that release).
# Reads "A<TAB>B" lines; prints "<", "=" or ">" for each.
import sys

from packaging.version import InvalidVersion, Version
from pip._vendor.packaging.version import LegacyVersion
from pip._vendor.packaging.version import Version as Version21


def parse(v):
    try:
        return Version(v)
    except InvalidVersion:
        return None


for line in sys.stdin:
    a, b = line.rstrip("\n").split("\t")
    x, y = parse(a), parse(b)
    if x is None or y is None:
        # Both in packaging 21.3's terms, where a legacy version sorts below every other one.
        def old(v):
            try:
                return Version21(v)
            except Exception:
                return LegacyVersion(v)
        x, y = old(a), old(b)
    print("<" if x < y else "=" if x == y else ">")
