// Badge kiosk: registers a visitor and prints the vault code for staff with the right access
// level. Built with: gcc -O0 -fno-stack-protector -no-pie -o badge badge.c
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct badge {
  char name[32];
  unsigned int access_level;
};

// Reads a line (without its newline) into `out`, one byte at a time.
static void read_name(char *out) {
  int i = 0;
  char c;
  while (read(0, &c, 1) == 1 && c != '\n') out[i++] = c;
  out[i] = '\0';
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  struct badge badge;
  badge.access_level = 1;  // visitors
  printf("Badge kiosk. Your name: ");
  read_name(badge.name);
  printf("Badge printed for %s, access level %#x.\n", badge.name, badge.access_level);
  if (badge.access_level == 0xc0ffee) {
    char code[128] = {0};
    FILE *f = fopen("flag.txt", "r");
    if (f != NULL && fgets(code, sizeof code, f) != NULL) printf("Vault code: %s", code);
  } else {
    printf("The vault needs access level 0xc0ffee.\n");
  }
  return 0;
}
