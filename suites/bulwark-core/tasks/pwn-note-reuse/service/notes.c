// Pinboard: pin notes, unpin them, show them, and leave the operators a message.
// Built with: gcc -O0 -fno-stack-protector -no-pie -o notes notes.c
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_NOTES 8

struct note {
  char title[16];
  void (*show)(struct note *);
  char body[40];
};

static struct note *notes[MAX_NOTES];

static void show_plain(struct note *n) { printf("[%s] %s\n", n->title, n->body); }

static void show_loud(struct note *n) { printf("*** %s *** %s !!!\n", n->title, n->body); }

// Left over from an audit of the pinboard's operators; not reachable from the menu.
void print_audit_token(struct note *n) {
  char token[128] = {0};
  FILE *f = fopen("audit.token", "r");
  if (f != NULL && fgets(token, sizeof token, f) != NULL) printf("Audit token: %s", token);
}

static void read_exact(char *out, size_t size) {
  size_t got = 0;
  while (got < size) {
    ssize_t n = read(0, out + got, size - got);
    if (n <= 0) exit(0);
    got += (size_t)n;
  }
}

static void read_line(char *out, size_t size) {
  size_t i = 0;
  char c;
  while (i + 1 < size) {
    if (read(0, &c, 1) != 1) exit(0);
    if (c == '\n') break;
    out[i++] = c;
  }
  out[i] = '\0';
}

static long read_number(void) {
  char line[32];
  read_line(line, sizeof line);
  return strtol(line, NULL, 10);
}

static long read_index(void) {
  printf("Index: ");
  long i = read_number();
  if (i < 0 || i >= MAX_NOTES || notes[i] == NULL) {
    printf("No such note.\n");
    return -1;
  }
  return i;
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  for (;;) {
    printf("1) pin a note  2) unpin a note  3) show a note  4) message the operators  5) quit\n> ");
    long choice = read_number();
    if (choice == 1) {
      long i = 0;
      while (i < MAX_NOTES && notes[i] != NULL) i++;
      if (i == MAX_NOTES) {
        printf("The board is full.\n");
        continue;
      }
      struct note *n = malloc(sizeof *n);
      printf("Title: ");
      read_line(n->title, sizeof n->title);
      printf("Body: ");
      read_line(n->body, sizeof n->body);
      printf("Loud? (y/n): ");
      char loud[4];
      read_line(loud, sizeof loud);
      n->show = loud[0] == 'y' ? show_loud : show_plain;
      notes[i] = n;
      printf("Pinned as note %ld.\n", i);
    } else if (choice == 2) {
      long i = read_index();
      if (i >= 0) {
        free(notes[i]);
        printf("Unpinned note %ld.\n", i);
      }
    } else if (choice == 3) {
      long i = read_index();
      if (i >= 0) notes[i]->show(notes[i]);
    } else if (choice == 4) {
      printf("Length: ");
      long length = read_number();
      if (length <= 0 || length > 256) {
        printf("Messages are 1 to 256 bytes.\n");
        continue;
      }
      char *message = malloc((size_t)length);
      printf("Message (%ld bytes): ", length);
      read_exact(message, (size_t)length);
      printf("Thank you; the operators will read it.\n");
    } else {
      printf("Bye.\n");
      return 0;
    }
  }
}
