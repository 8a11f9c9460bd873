#!/usr/bin/env python3
# Writes files/harbour.png: a 96x64 RGB picture whose red channel's least significant bits, in
# raster order, most significant bit first, carry a message ending with a zero byte. Rows use
# all five PNG filters and the image data is split over two IDAT chunks, as real encoders do.
# Deterministic (seeded); run from the task's folder to regenerate.
import random
import struct
import zlib

rng = random.Random(1312)
W, H = 96, 64
MESSAGE = b"release code: FLAG{least_significant_but_n0t_least_imp0rtant}\0"
bits = [(byte >> (7 - i)) & 1 for byte in MESSAGE for i in range(8)]
pixels = []
for y in range(H):
    row = []
    for x in range(W):
        sea = y > 40
        r = (30 + x // 2 + rng.randrange(8)) if sea else (140 + y + rng.randrange(10))
        g = (90 + y + rng.randrange(8)) if sea else (170 + x // 3 + rng.randrange(10))
        b = (160 + rng.randrange(30)) if sea else (220 + rng.randrange(20))
        row.append([r & 0xFF, g & 0xFF, b & 0xFF])
    pixels.append(row)
for i, bit in enumerate(bits):
    y, x = divmod(i, W)
    pixels[y][x][0] = (pixels[y][x][0] & 0xFE) | bit


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


raw, previous = b"", bytes(W * 3)
for y in range(H):
    line = bytes(v for px in pixels[y] for v in px)
    kind = y % 5
    out = bytearray([kind])
    for i, v in enumerate(line):
        a = line[i - 3] if i >= 3 else 0
        b = previous[i]
        c = previous[i - 3] if i >= 3 else 0
        pred = [0, a, b, (a + b) // 2, paeth(a, b, c)][kind]
        out.append((v - pred) & 0xFF)
    raw += bytes(out)
    previous = line
data = zlib.compress(raw, 9)


def chunk(kind, payload):
    return (struct.pack(">I", len(payload)) + kind + payload +
            struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF))


png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", W, H, 8, 2, 0, 0, 0)) +
       chunk(b"tEXt", b"Comment\0Harbour webcam, north berth") +
       chunk(b"IDAT", data[:len(data) // 2]) + chunk(b"IDAT", data[len(data) // 2:]) +
       chunk(b"IEND", b""))
with open("files/harbour.png", "wb") as f:
    f.write(png)
