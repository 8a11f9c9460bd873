// Greeter: loads the operator's passphrase, then greets whoever connects by name.
// Built with: gcc -O0 -fno-stack-protector -no-pie -Wno-format-security -o greeter greeter.c
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void read_line(char *out, size_t size) {
  size_t i = 0;
  char c;
  while (i + 1 < size && read(0, &c, 1) == 1 && c != '\n') out[i++] = c;
  out[i] = '\0';
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  char passphrase[64] = {0};
  FILE *f = fopen("passphrase.txt", "r");
  if (f == NULL || fgets(passphrase, sizeof passphrase, f) == NULL) return 1;
  fclose(f);
  passphrase[strcspn(passphrase, "\n")] = '\0';

  char name[48];
  printf("What is your name? ");
  read_line(name, sizeof name);
  printf("Hello, ");
  printf(name);
  printf("!\nThe passphrase has %zu characters; say it to get in.\n", strlen(passphrase));
  return 0;
}
