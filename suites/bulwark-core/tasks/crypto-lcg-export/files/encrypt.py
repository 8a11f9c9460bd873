#!/usr/bin/env python3
# Vault export encryption, v2. Usage: encrypt.py SEED < export.json > export.enc
#
# A linear congruential generator makes the keystream: each 4-byte word of the keystream is the
# generator's next state, little-endian. The multiplier and increment are configured per site
# and are not stored here.
import struct
import sys

A = int(open("/etc/vault/lcg-a").read())  # site secret
C = int(open("/etc/vault/lcg-c").read())  # site secret
M = 2 ** 32


def keystream(seed):
    state = seed
    while True:
        state = (A * state + C) % M
        yield from struct.pack("<I", state)


def main():
    seed = int(sys.argv[1]) % M
    data = sys.stdin.buffer.read()
    sys.stdout.buffer.write(bytes(b ^ k for b, k in zip(data, keystream(seed))))


if __name__ == "__main__":
    main()
