// Serial check for the Harbour Ops console. Built with: gcc -O1 -s -o serialcheck serialcheck.c
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t kSealed[] = {0x17, 0x37, 0xd9, 0xe6, 0x3f, 0x8e, 0xc7, 0xd6, 0x3a, 0x70, 0x13, 0xa3, 0xe9, 0xd3, 0x64, 0x65, 0x29, 0x32, 0x31, 0xc3, 0xc3, 0xa1, 0x73, 0x43, 0xca, 0x1d, 0x91, 0x92, 0x83, 0x44, 0x40, 0xdf};

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
  if ((uint16_t)(g[0] * 31 + g[1]) != 0x9DFE || (uint16_t)(g[1] ^ rotl16(g[2], 5)) != 0x34AA ||
      (uint16_t)(g[2] + g[3] * 3) != 0x7477 || (uint16_t)(g[3] ^ g[0]) != 0xB6A7) {
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
  printf("Serial accepted. Console unlock code: %s\n", flag);
  return 0;
}
