/* The C API, compiled as C: classify corpus messages, read the plain accessors and the JSON, and check that
 * bad arguments give NULL rather than a crash.
 *   c_api_test SOURCE_DIR */
#include <bouncekit/bouncekit.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                              \
    }                                                                          \
  } while (0)

static int str_eq(const char* a, const char* b) {
  return a && b && strcmp(a, b) == 0;
}

static char* read_file(const char* path, size_t* size) {
  FILE* f = fopen(path, "rb");
  char* data = NULL;
  long n;
  if (!f) return NULL;
  if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
    fclose(f);
    return NULL;
  }
  data = malloc((size_t)n + 1);
  if (data && fread(data, 1, (size_t)n, f) != (size_t)n) {
    free(data);
    data = NULL;
  }
  fclose(f);
  if (data) {
    data[n] = '\0';
    *size = (size_t)n;
  }
  return data;
}

static bouncekit_result* classify_file(const bouncekit_classifier* c, const char* dir, const char* name) {
  char path[4096];
  size_t size = 0;
  char* data;
  bouncekit_result* r;
  snprintf(path, sizeof path, "%s/corpus/%s", dir, name);
  data = read_file(path, &size);
  if (!data) {
    fprintf(stderr, "cannot read %s\n", path);
    exit(1);
  }
  r = bouncekit_classify(c, data, size);
  free(data); /* the result owns copies of everything */
  return r;
}

int main(int argc, char** argv) {
  char err[512];
  bouncekit_classifier* c;
  bouncekit_result* r;
  const char* json;
  if (argc != 2) {
    fprintf(stderr, "usage: c_api_test SOURCE_DIR\n");
    return 2;
  }

  CHECK(strlen(bouncekit_version()) >= 5);
  c = bouncekit_classifier_new(NULL, err, sizeof err);
  if (!c) {
    fprintf(stderr, "bouncekit_classifier_new: %s\n", err);
    return 1;
  }
  CHECK(bouncekit_classifier_rule_count(c) > 0);

  /* A Postfix DSN: one hard bounce. */
  r = classify_file(c, argv[1], "rfc3464/postfix-user-unknown.eml");
  CHECK(r != NULL);
  CHECK(bouncekit_result_type(r) == BOUNCEKIT_TYPE_BOUNCE);
  CHECK(str_eq(bouncekit_result_type_name(r), "bounce"));
  CHECK(bouncekit_result_error(r) == NULL);
  CHECK(str_eq(bouncekit_result_original(r, "subject"), "Notes from Monday's planning call"));
  CHECK(bouncekit_result_original(r, "no-such-field") == NULL);
  CHECK(bouncekit_result_recipient_count(r) == 1);
  CHECK(str_eq(bouncekit_recipient_address(r, 0), "bob@example.org"));
  CHECK(bouncekit_recipient_class(r, 0) == BOUNCEKIT_CLASS_HARD);
  CHECK(str_eq(bouncekit_recipient_class_name(r, 0), "hard"));
  CHECK(str_eq(bouncekit_recipient_category(r, 0), "bad-mailbox"));
  CHECK(str_eq(bouncekit_recipient_reason(r, 0), "userunknown"));
  CHECK(str_eq(bouncekit_recipient_status(r, 0), "5.1.1"));
  CHECK(str_eq(bouncekit_recipient_reply_code(r, 0), "550"));
  CHECK(str_eq(bouncekit_recipient_action(r, 0), "failed"));
  CHECK(str_eq(bouncekit_recipient_stage(r, 0), "recipient"));
  CHECK(str_eq(bouncekit_recipient_smtp_command(r, 0), "RCPT"));
  CHECK(bouncekit_recipient_rule(r, 0) != NULL);
  CHECK(bouncekit_recipient_feedback_type(r, 0) == NULL);
  CHECK(bouncekit_recipient_recommended_action(r, 0) != NULL);
  CHECK(bouncekit_recipient_address(r, 1) == NULL); /* past the end */
  CHECK(bouncekit_recipient_class(r, 1) == BOUNCEKIT_CLASS_UNKNOWN);
  json = bouncekit_result_json(r, 0);
  CHECK(json != NULL && strstr(json, "\"class\":\"hard\"") != NULL);
  json = bouncekit_result_json(r, 1);
  CHECK(json != NULL && strstr(json, "\"explain\"") != NULL);
  bouncekit_result_free(r);

  /* An ARF complaint: no category, a feedback type. */
  r = classify_file(c, argv[1], "arf/abuse-with-rcpt-to.eml");
  CHECK(bouncekit_result_type(r) == BOUNCEKIT_TYPE_COMPLAINT);
  CHECK(bouncekit_result_recipient_count(r) >= 1);
  CHECK(bouncekit_recipient_class(r, 0) == BOUNCEKIT_CLASS_COMPLAINT);
  CHECK(bouncekit_recipient_category(r, 0) == NULL);
  CHECK(str_eq(bouncekit_recipient_feedback_type(r, 0), "abuse"));
  bouncekit_result_free(r);

  /* An ordinary message: no recipients. */
  r = classify_file(c, argv[1], "not-bounce/newsletter.eml");
  CHECK(bouncekit_result_type(r) == BOUNCEKIT_TYPE_NOT_BOUNCE);
  CHECK(bouncekit_result_recipient_count(r) == 0);
  bouncekit_result_free(r);

  /* Junk, embedded NULs and invalid UTF-8 are data, not errors; strings come back as valid C strings. */
  {
    static const char junk[] = "From: MAILER-DAEMON\r\nSubject: \xff\xfe failure\r\n\r\n\0\x80\x81 <bad@@>";
    r = bouncekit_classify(c, junk, sizeof junk - 1);
    CHECK(r != NULL);
    CHECK(bouncekit_result_type_name(r) != NULL);
    CHECK(bouncekit_result_json(r, 0) != NULL);
    bouncekit_result_free(r);
    r = bouncekit_classify(c, NULL, 0);
    CHECK(r != NULL);
    bouncekit_result_free(r);
  }

  /* Bad arguments: NULL, never a crash or an exception. */
  CHECK(bouncekit_classify(NULL, "x", 1) == NULL);
  CHECK(bouncekit_classify(c, NULL, 5) == NULL);
  CHECK(bouncekit_result_recipient_count(NULL) == 0);
  CHECK(bouncekit_result_json(NULL, 0) == NULL);
  CHECK(bouncekit_recipient_address(NULL, 0) == NULL);
  CHECK(bouncekit_result_type(NULL) == BOUNCEKIT_TYPE_UNRECOGNIZED);
  bouncekit_result_free(NULL);
  bouncekit_classifier_free(NULL);
  err[0] = '\0';
  CHECK(bouncekit_classifier_new("/nonexistent/rules", err, sizeof err) == NULL);
  CHECK(strstr(err, "/nonexistent/rules") != NULL);
  CHECK(bouncekit_classifier_new("/nonexistent/rules", NULL, 0) == NULL);

  /* A custom rules directory: the project's own rules/. */
  {
    char dir[4096];
    bouncekit_classifier* custom;
    snprintf(dir, sizeof dir, "%s/rules", argv[1]);
    custom = bouncekit_classifier_new(dir, err, sizeof err);
    CHECK(custom != NULL);
    CHECK(bouncekit_classifier_rule_count(custom) == bouncekit_classifier_rule_count(c));
    bouncekit_classifier_free(custom);
  }

  bouncekit_classifier_free(c);
  if (failures) {
    fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  puts("c_api_test: all checks passed");
  return 0;
}
