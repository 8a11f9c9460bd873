// settings: reads a configuration ("key = value" lines, '#' comments) on standard input and
// prints it back normalized, one "key=value" per line.
#include <ctype.h>
#include <stdio.h>
#include <string.h>

struct setting {
  char key[32];
  char value[96];
};

// Splits one line into `out`; returns 1 for a setting, 0 for a blank or comment line, -1 for a
// malformed line.
static int parse_line(const char *line, struct setting *out) {
  size_t i = 0, k = 0, v = 0;
  while (isspace((unsigned char)line[i])) i++;
  if (line[i] == '#' || line[i] == '\0') return 0;
  while (line[i] != '\0' && line[i] != '=' && !isspace((unsigned char)line[i])) {
    out->key[k++] = line[i++];
  }
  out->key[k] = '\0';
  while (isspace((unsigned char)line[i])) i++;
  if (line[i] != '=') return -1;
  i++;
  while (isspace((unsigned char)line[i])) i++;
  while (line[i] != '\0' && line[i] != '\n' && v + 1 < sizeof out->value) {
    out->value[v++] = line[i++];
  }
  out->value[v] = '\0';
  return 1;
}

int main(void) {
  char line[512];
  int number = 0;
  while (fgets(line, sizeof line, stdin) != NULL) {
    number++;
    struct setting s;
    int kind = parse_line(line, &s);
    if (kind < 0) {
      fprintf(stderr, "line %d: expected key = value\n", number);
    } else if (kind > 0) {
      printf("%s=%s\n", s.key, s.value);
    }
  }
  return 0;
}
