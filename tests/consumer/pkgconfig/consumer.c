/* Consumer of the installed C API, built with pkg-config:
 *   cc consumer.c $(pkg-config --cflags bouncekit) $(pkg-config --libs --static bouncekit)
 * Prints "address class category reason status" per recipient, then the JSON line. */
#include <bouncekit/bouncekit.h>

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char** argv) {
  char err[256];
  char* data;
  long size;
  size_t i;
  FILE* f;
  bouncekit_classifier* c;
  bouncekit_result* r;
  if (argc != 2) {
    fprintf(stderr, "usage: consumer_c FILE.eml\n");
    return 2;
  }
  f = fopen(argv[1], "rb");
  if (!f || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) return 1;
  data = malloc((size_t)size + 1);
  if (!data || fread(data, 1, (size_t)size, f) != (size_t)size) return 1;
  fclose(f);

  c = bouncekit_classifier_new(NULL, err, sizeof err);
  if (!c) {
    fprintf(stderr, "%s\n", err);
    return 1;
  }
  r = bouncekit_classify(c, data, (size_t)size);
  if (!r) return 1;
  for (i = 0; i < bouncekit_result_recipient_count(r); ++i) {
    const char* category = bouncekit_recipient_category(r, i);
    const char* status = bouncekit_recipient_status(r, i);
    printf("%s %s %s %s %s\n", bouncekit_recipient_address(r, i), bouncekit_recipient_class_name(r, i),
           category ? category : "-", bouncekit_recipient_reason(r, i), status ? status : "-");
  }
  printf("%s\n", bouncekit_result_json(r, 0));
  bouncekit_result_free(r);
  bouncekit_classifier_free(c);
  free(data);
  return 0;
}
