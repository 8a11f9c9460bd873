// profiles: reads an INI-style profile file on standard input and prints how many settings each
// section holds.
//
//   [name]        starts a section (a later [name] with the same name reopens it)
//   key=value     a setting of the current section
//   +key=value    appends to the previous setting of the current section (a continuation)
//   @use name     makes an earlier section current again
//   # ...         a comment
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct section {
  char name[24];
  int settings;
  int continuations;
  struct section *next;
};

static struct section *sections;

static struct section *find_section(const char *name) {
  for (struct section *s = sections; s != NULL; s = s->next) {
    if (strcmp(s->name, name) == 0) return s;
  }
  return NULL;
}

static struct section *open_section(const char *name) {
  struct section *s = find_section(name);
  if (s != NULL) return s;
  s = calloc(1, sizeof *s);
  if (s == NULL) exit(1);
  snprintf(s->name, sizeof s->name, "%s", name);
  s->next = sections;
  sections = s;
  return s;
}

int main(void) {
  char line[256];
  struct section *current = NULL;
  int have_setting = 0;  // whether the current section has a setting to continue
  int number = 0;
  while (fgets(line, sizeof line, stdin) != NULL) {
    number++;
    line[strcspn(line, "\r\n")] = '\0';
    if (line[0] == '\0' || line[0] == '#') continue;
    if (line[0] == '[') {
      char *end = strchr(line, ']');
      if (end == NULL) {
        fprintf(stderr, "line %d: unclosed section name\n", number);
        continue;
      }
      *end = '\0';
      current = open_section(line + 1);
      have_setting = 0;
    } else if (strncmp(line, "@use ", 5) == 0) {
      current = find_section(line + 5);
    } else if (line[0] == '+') {
      if (!have_setting || strchr(line, '=') == NULL) {
        fprintf(stderr, "line %d: nothing to continue\n", number);
        continue;
      }
      current->continuations++;
    } else if (strchr(line, '=') != NULL) {
      if (current == NULL) {
        fprintf(stderr, "line %d: setting outside a section\n", number);
        continue;
      }
      current->settings++;
      have_setting = 1;
    } else {
      fprintf(stderr, "line %d: not a setting\n", number);
    }
  }
  for (struct section *s = sections; s != NULL; s = s->next) {
    printf("%s: %d settings, %d continuations\n", s->name, s->settings, s->continuations);
  }
  return 0;
}
