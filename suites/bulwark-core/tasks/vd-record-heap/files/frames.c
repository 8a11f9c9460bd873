// frames: assembles a message from binary records on standard input, then prints it in hex with
// its checksum. Each record is a type byte followed by:
//   0x01 LEN DATA[LEN]          append LEN bytes
//   0x02 OFF LEN DATA[LEN]      write LEN bytes at offset OFF (within what the message can hold)
//   0x03                        clear the message
// Lengths and offsets are single bytes.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

struct message {
  uint8_t payload[64];
  uint16_t used;
  uint32_t checksum;
};

static int read_byte(uint8_t *out) {
  int c = getchar();
  if (c == EOF) return 0;
  *out = (uint8_t)c;
  return 1;
}

static int read_bytes(uint8_t *out, size_t n) { return fread(out, 1, n, stdin) == n; }

int main(void) {
  struct message *m = calloc(1, sizeof *m);
  if (m == NULL) return 1;
  uint8_t type, data[255];
  while (read_byte(&type)) {
    if (type == 0x01) {
      uint8_t len;
      if (!read_byte(&len) || !read_bytes(data, len)) break;
      if (len > sizeof m->payload - m->used) {
        fprintf(stderr, "append: %u bytes do not fit\n", len);
        continue;
      }
      for (uint8_t i = 0; i < len; i++) m->payload[m->used++] = data[i];
    } else if (type == 0x02) {
      uint8_t off, len;
      if (!read_byte(&off) || !read_byte(&len) || !read_bytes(data, len)) break;
      uint8_t end = off + len;
      if (end > sizeof m->payload) {
        fprintf(stderr, "write: %u..%u is outside the message\n", off, end);
        continue;
      }
      for (uint8_t i = 0; i < len; i++) m->payload[off + i] = data[i];
      if (end > m->used) m->used = end;
    } else if (type == 0x03) {
      m->used = 0;
    } else {
      fprintf(stderr, "unknown record type %#x\n", type);
      break;
    }
  }
  m->checksum = 0;
  for (uint16_t i = 0; i < m->used; i++) {
    printf("%02x", m->payload[i]);
    m->checksum = m->checksum * 31 + m->payload[i];
  }
  printf("\nchecksum %08x\n", m->checksum);
  free(m);
  return 0;
}
