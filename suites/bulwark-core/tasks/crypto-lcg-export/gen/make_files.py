#!/usr/bin/env python3
# Writes files/export.enc: a vault export encrypted as files/encrypt.py does, with this site's
# secret multiplier, increment and seed. Deterministic; run from the task's folder to regenerate.
import json
import struct

A, C, SEED, M = 2891336453, 3037000493, 1964383077, 2 ** 32
export = {"export": "vault", "site": "harbour-ops", "entries": [
    {"label": "printer-admin", "secret": "tonerTONER-2291"},
    {"label": "backup-passphrase", "secret": "FLAG{thr33_w0rds_t3ll_the_whole_lcg}"},
    {"label": "door-3", "secret": "4471#"},
]}
plain = json.dumps(export, indent=1).encode()
assert plain.startswith(b'{\n "export": "')


def states(seed):
    s = seed
    while True:
        s = (A * s + C) % M
        yield s


ks = b"".join(struct.pack("<I", s) for s, _ in zip(states(SEED), range(len(plain) // 4 + 1)))
s1, s2 = struct.unpack("<II", ks[:8])
assert (s2 - s1) % 2 == 1, "the first difference must be odd for the intended solution"
with open("files/export.enc", "wb") as f:
    f.write(bytes(p ^ k for p, k in zip(plain, ks)))
