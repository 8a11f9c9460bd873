#!/usr/bin/env python3
# Writes files/broadcast.txt: one message sent, unpadded, to three recipients with e = 3 and
# 512-bit moduli. Deterministic (seeded); run from the task's folder to regenerate.
import random

rng = random.Random(20260614)


def is_probable_prime(n):
    if n < 2:
        return False
    for p in (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37):
        if n % p == 0:
            return n == p
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    for _ in range(32):
        x = pow(rng.randrange(2, n - 1), d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def prime(bits):
    while True:
        p = rng.getrandbits(bits) | (1 << (bits - 1)) | 1
        if p % 3 != 1 and is_probable_prime(p):  # so that e = 3 is a valid exponent
            return p


message = int.from_bytes(b"Rendezvous moved. Code: FLAG{cub3_r00ts_need_n0_private_key}", "big")
lines = ["# Three recipients, one message, e = 3, no padding.", "e = 3"]
for i in range(1, 4):
    n = prime(256) * prime(256)
    assert message ** 3 > n  # no single ciphertext gives the message by a plain cube root
    lines += ["n%d = %d" % (i, n), "c%d = %d" % (i, pow(message, 3, n))]
with open("files/broadcast.txt", "w") as f:
    f.write("\n".join(lines) + "\n")
