// Vault backup encryptor: encrypts a file under the vault's built-in key.
// Usage: vaultenc IN OUT. Output: "VLT1", an 8-byte IV, then the CBC ciphertext (PKCS#7).
// Built with: gcc -O2 -s -o vaultenc vaultenc.c
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t kKey[16] = {0x3f, 0x9a, 0x1c, 0x7b, 0xe0, 0xd2, 0x55, 0x84,
                                 0xa1, 0xc6, 0xe9, 0x3b, 0x7d, 0x0f, 0x2a, 0x66};

static uint32_t Load32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void Store32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static void ExpandKey(uint32_t k[4]) {
  for (int i = 0; i < 4; i++) k[i] = Load32(kKey + 4 * i);
}

static void EncryptBlock(uint8_t block[8], const uint32_t k[4]) {
  uint32_t v0 = Load32(block), v1 = Load32(block + 4), sum = 0;
  for (int i = 0; i < 24; i++) {
    v0 += (((v1 << 3) ^ (v1 >> 6)) + v1) ^ (sum + k[sum & 3]);
    sum += 0x7F4A7C15u;
    v1 += (((v0 << 3) ^ (v0 >> 6)) + v0) ^ (sum + k[(sum >> 11) & 3]);
  }
  Store32(block, v0);
  Store32(block + 4, v1);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: vaultenc IN OUT\n");
    return 2;
  }
  FILE *in = fopen(argv[1], "rb");
  if (in == NULL) {
    perror(argv[1]);
    return 1;
  }
  static uint8_t data[1 << 20];
  size_t n = fread(data, 1, sizeof data - 8, in);
  fclose(in);
  size_t pad = 8 - n % 8;
  memset(data + n, (int)pad, pad);
  n += pad;

  uint8_t iv[8];
  FILE *random = fopen("/dev/urandom", "rb");
  if (random == NULL || fread(iv, 1, sizeof iv, random) != sizeof iv) return 1;
  fclose(random);
  uint32_t k[4];
  ExpandKey(k);
  const uint8_t *previous = iv;
  for (size_t i = 0; i < n; i += 8) {
    for (int j = 0; j < 8; j++) data[i + j] ^= previous[j];
    EncryptBlock(data + i, k);
    previous = data + i;
  }
  FILE *out = fopen(argv[2], "wb");
  if (out == NULL) {
    perror(argv[2]);
    return 1;
  }
  fwrite("VLT1", 1, 4, out);
  fwrite(iv, 1, sizeof iv, out);
  fwrite(data, 1, n, out);
  return fclose(out) == 0 ? 0 : 1;
}
