// bwi: decodes a BWI image (the badge printer's bitmap format) from standard input and prints
// it as ASCII art.
//
// Format, little-endian:
//   "BWI1"  magic
//   u8      width (1..64)
//   u8      height (1..64)
//   u16     payload length
//   u32     CRC-32 (the zlib/PNG one) of the payload
//   payload run-length coded pixels, row by row:
//     0x00 N          skip N rows (they stay blank)
//     0x01..0x7f V    a run: the opcode's count of pixels of value V
//     0x80..0xff ...  literal: (opcode & 0x7f) pixel values follow
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define MAX_PIXELS 4096

static uint8_t canvas[MAX_PIXELS];

static uint32_t crc32(const uint8_t *data, size_t n) {
  uint32_t crc = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; i++) {
    crc ^= data[i];
    for (int bit = 0; bit < 8; bit++) crc = (crc >> 1) ^ (0xEDB88320u & -(crc & 1));
  }
  return ~crc;
}

static void plot(size_t pos, uint8_t value) { canvas[pos] = value; }

// Decodes `payload` into the canvas; returns the pixels written, or -1 when it is malformed.
static long decode(const uint8_t *payload, size_t n, unsigned width, unsigned height) {
  const size_t area = (size_t)width * height;
  size_t pos = 0, at = 0;
  long written = 0;
  while (at < n && pos != area) {
    uint8_t op = payload[at++];
    if (op == 0x00) {
      if (at >= n) return -1;
      size_t rows = payload[at++];
      if (rows > height - pos / width) return -1;  // no skipping past the last row
      pos += rows * width;
    } else if (op < 0x80) {
      if (at >= n) return -1;
      uint8_t value = payload[at++];
      for (uint8_t k = 0; k < op && pos != area; k++, written++) plot(pos++, value);
    } else {
      uint8_t count = op & 0x7F;
      if (n - at < count) return -1;
      for (uint8_t k = 0; k < count && pos != area; k++, written++) plot(pos++, payload[at++]);
    }
  }
  return written;
}

int main(void) {
  static uint8_t file[1 << 16];
  size_t size = fread(file, 1, sizeof file, stdin);
  if (size < 12 || memcmp(file, "BWI1", 4) != 0) {
    fprintf(stderr, "not a BWI image\n");
    return 1;
  }
  unsigned width = file[4], height = file[5];
  size_t length = file[6] | (size_t)file[7] << 8;
  uint32_t crc = file[8] | (uint32_t)file[9] << 8 | (uint32_t)file[10] << 16 |
                 (uint32_t)file[11] << 24;
  if (width == 0 || height == 0 || width > 64 || height > 64) {
    fprintf(stderr, "bad dimensions %ux%u\n", width, height);
    return 1;
  }
  if (size - 12 < length || crc32(file + 12, length) != crc) {
    fprintf(stderr, "payload damaged (length or CRC)\n");
    return 1;
  }
  long written = decode(file + 12, length, width, height);
  if (written < 0) {
    fprintf(stderr, "malformed payload\n");
    return 1;
  }
  for (unsigned y = 0; y < height; y++) {
    for (unsigned x = 0; x < width; x++) putchar(" .:-=+*#%@"[canvas[y * width + x] % 10]);
    putchar('\n');
  }
  fprintf(stderr, "%ld pixels\n", written);
  return 0;
}
