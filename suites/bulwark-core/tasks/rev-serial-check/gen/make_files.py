#!/usr/bin/env python3
# Writes service/serialcheck.c: a serial-number check that decrypts the flag with the serial.
# The flag is stored only encrypted; the service builds and strips the program when it starts.
# Deterministic; run from the task's folder to regenerate.
FLAG = b"FLAG{s3rials_are_just_equati0ns}"


def rotl16(x, r):
    return ((x << r) | (x >> (16 - r))) & 0xFFFF


def constants(g0, g1, g2, g3):
    return ((g0 * 31 + g1) & 0xFFFF, g1 ^ rotl16(g2, 5), (g2 + g3 * 3) & 0xFFFF, g3 ^ g0)


def solutions(a, b, c, d):
    found = []
    for x0 in range(1 << 16):
        x3 = d ^ x0
        x2 = (c - 3 * x3) & 0xFFFF
        x1 = b ^ rotl16(x2, 5)
        if (x0 * 31 + x1) & 0xFFFF == a:
            found.append((x0, x1, x2, x3))
    return found


# A serial whose four checks have exactly one solution, so that only it decrypts the flag.
g0, g1, g2, g3 = 0x1127, 0x8A45, 0x7DF7, 0xA77B
while len(solutions(*constants(g0, g1, g2, g3))) != 1:
    g3 = (g3 + 1) & 0xFFFF
A, B, C, D = constants(g0, g1, g2, g3)
state = ((g0 << 16) | g1) ^ ((g2 << 16) | g3)
cipher = []
for b in FLAG:
    state ^= (state << 13) & 0xFFFFFFFF
    state ^= state >> 17
    state ^= (state << 5) & 0xFFFFFFFF
    cipher.append(b ^ (state & 0xFF))
print("serial: %04X-%04X-%04X-%04X" % (g0, g1, g2, g3))
source = r'''// Serial check for the Harbour Ops console. Built with: gcc -O1 -s -o serialcheck serialcheck.c
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t kSealed[] = {%s};

static int parse_group(const char *s, uint16_t *out) {
  char *end = NULL;
  char buffer[5] = {0};
  memcpy(buffer, s, 4);
  unsigned long v = strtoul(buffer, &end, 16);
  if (end != buffer + 4) return 0;
  *out = (uint16_t)v;
  return 1;
}

static uint16_t rotl16(uint16_t x, int r) { return (uint16_t)((x << r) | (x >> (16 - r))); }

int main(int argc, char **argv) {
  if (argc != 2 || strlen(argv[1]) != 19 || argv[1][4] != '-' || argv[1][9] != '-' ||
      argv[1][14] != '-') {
    puts("usage: serialcheck XXXX-XXXX-XXXX-XXXX");
    return 2;
  }
  uint16_t g[4];
  for (int i = 0; i < 4; i++) {
    if (!parse_group(argv[1] + 5 * i, &g[i])) {
      puts("invalid serial");
      return 1;
    }
  }
  if ((uint16_t)(g[0] * 31 + g[1]) != 0x%04X || (uint16_t)(g[1] ^ rotl16(g[2], 5)) != 0x%04X ||
      (uint16_t)(g[2] + g[3] * 3) != 0x%04X || (uint16_t)(g[3] ^ g[0]) != 0x%04X) {
    puts("invalid serial");
    return 1;
  }
  uint32_t state = (((uint32_t)g[0] << 16) | g[1]) ^ (((uint32_t)g[2] << 16) | g[3]);
  char flag[sizeof kSealed + 1];
  for (size_t i = 0; i < sizeof kSealed; i++) {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    flag[i] = (char)(kSealed[i] ^ (state & 0xFF));
  }
  flag[sizeof kSealed] = '\0';
  printf("Serial accepted. Console unlock code: %%s\n", flag);
  return 0;
}
''' % (", ".join("0x%02x" % c for c in cipher), A, B, C, D)
with open("service/serialcheck.c", "w") as f:
    f.write(source)
