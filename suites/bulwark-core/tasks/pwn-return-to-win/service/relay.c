// Message relay: accepts one message and acknowledges it. A maintenance routine that prints the
// relay's key is still linked in, but nothing calls it.
// Built with: gcc -O0 -fno-stack-protector -no-pie -o relay relay.c
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void maintenance(void) {
  char key[128] = {0};
  FILE *f = fopen("relay.key", "r");
  if (f != NULL && fgets(key, sizeof key, f) != NULL) printf("Relay key: %s", key);
  fflush(stdout);
  _exit(0);
}

static void relay(void) {
  char message[40];
  printf("Message to relay: ");
  ssize_t n = read(0, message, 256);
  if (n <= 0) return;
  printf("Relayed %zd bytes.\n", n);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  relay();
  printf("Goodbye.\n");
  return 0;
}
