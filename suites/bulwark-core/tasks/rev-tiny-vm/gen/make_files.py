#!/usr/bin/env python3
# Writes files/lockbox.bin: a Lockbox VM program (files/vm.py) that opens only for the flag.
# Each key byte is checked against its successor: rol(key[i] ^ k_i, r_i) + key[i+1] == e_i
# (indices wrap around). Deterministic (seeded); run from the task's folder to regenerate.
import random

FLAG = b"FLAG{st4ck_machines_h1de_n0thing}"
rng = random.Random(7781)
n = len(FLAG)
body = bytearray()


def rol(a, r):
    return ((a << r) | (a >> (8 - r))) & 0xFF


checks = []
for i in range(n):
    k, r = rng.randrange(256), rng.randrange(1, 8)
    e = (rol(FLAG[i] ^ k, r) + FLAG[(i + 1) % n]) & 0xFF
    checks.append(bytes([0x02, i, 0x01, k, 0x03, 0x06, r, 0x02, (i + 1) % n, 0x04, 0x01, e]))
rng.shuffle(checks)
program = bytearray([0x05, 0x01, n, 0x10, 0, 0])  # length check; jump target patched below
for c in checks:
    program += c + bytes([0x10, 0, 0])
program += bytes([0xF0])
fail = len(program)
program += bytes([0xF1])
# Patch every jne to jump to the failure.
i = 0
while i < fail:
    op = program[i]
    width = {0x01: 1, 0x02: 1, 0x03: 0, 0x04: 0, 0x05: 0, 0x06: 1, 0x10: 2, 0xF0: 0}[op]
    if op == 0x10:
        program[i + 1:i + 3] = fail.to_bytes(2, "little")
    i += 1 + width
with open("files/lockbox.bin", "wb") as f:
    f.write(bytes(program))
