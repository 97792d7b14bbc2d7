/* bouncekit/bouncekit.h — the C API: classify bounce mail from C, or from any language with a C FFI
 * (Go cgo, PHP FFI, Perl FFI::Platypus, Rust, Ruby, ...).
 *
 *   #include <bouncekit/bouncekit.h>
 *
 *   char err[256];
 *   bouncekit_classifier* c = bouncekit_classifier_new(NULL, err, sizeof err);   // built-in rules
 *   if (!c) { fprintf(stderr, "%s\n", err); return 1; }
 *   bouncekit_result* r = bouncekit_classify(c, raw, raw_size);
 *   for (size_t i = 0; i < bouncekit_result_recipient_count(r); ++i)
 *     if (bouncekit_recipient_class(r, i) == BOUNCEKIT_CLASS_HARD)
 *       suppress(bouncekit_recipient_address(r, i));
 *   puts(bouncekit_result_json(r, 0));                  // the CLI's JSON-lines record
 *   bouncekit_result_free(r);
 *   bouncekit_classifier_free(c);
 *
 * Link: `pkg-config --cflags --libs --static bouncekit`, or target bouncekit::bouncekit in CMake. The library
 * is C++ inside, so link with a C++ linker or add the C++ runtime (pkg-config's Libs.private does).
 *
 * Conventions. No C++ exception ever crosses this API. Every string given or returned is UTF-8 and
 * NUL-terminated (invalid bytes in a message are replaced by U+FFFD). Returned strings are owned by the
 * object they came from and stay valid until it is freed. A NULL handle or an index past the end gives NULL
 * (or 0, or the UNKNOWN enum value), never a crash. Field names and values are those of the JSON record
 * (SPEC section 3).
 */
#ifndef BOUNCEKIT_BOUNCEKIT_H
#define BOUNCEKIT_BOUNCEKIT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The library version, "MAJOR.MINOR.PATCH". Static storage. */
const char* bouncekit_version(void);

/* What a message is (SPEC section 2). */
typedef enum bouncekit_message_type {
  BOUNCEKIT_TYPE_BOUNCE = 0,
  BOUNCEKIT_TYPE_COMPLAINT = 1,
  BOUNCEKIT_TYPE_AUTO_REPLY = 2,
  BOUNCEKIT_TYPE_NOT_BOUNCE = 3,
  BOUNCEKIT_TYPE_UNRECOGNIZED = 4
} bouncekit_message_type;

/* The class of one recipient (SPEC 3.2). HARD: stop sending to the address; SOFT: retry and count it;
 * DELAYED: the sending MTA is still retrying. */
typedef enum bouncekit_class {
  BOUNCEKIT_CLASS_HARD = 0,
  BOUNCEKIT_CLASS_SOFT = 1,
  BOUNCEKIT_CLASS_DELAYED = 2,
  BOUNCEKIT_CLASS_COMPLAINT = 3,
  BOUNCEKIT_CLASS_AUTO_REPLY = 4,
  BOUNCEKIT_CLASS_SUCCESS = 5,
  BOUNCEKIT_CLASS_UNKNOWN = 6
} bouncekit_class;

/* A compiled classifier: rules loaded and compiled once, then immutable. Any number of threads may call
 * bouncekit_classify() on the same classifier at the same time. */
typedef struct bouncekit_classifier bouncekit_classifier;

/* The verdict for one message. Owned by the caller (free it with bouncekit_result_free). Not thread-safe:
 * use one result from one thread at a time (bouncekit_result_json fills a cache inside it). */
typedef struct bouncekit_result bouncekit_result;

/* Builds a classifier. `rules_dir` NULL (or "") uses the rules compiled into the library; otherwise every
 * *.toml file in that directory replaces them. Returns NULL on failure and, when `error` is not NULL and
 * `error_size` > 0, writes a NUL-terminated message there (a bad rule file names file, rule and problem). */
bouncekit_classifier* bouncekit_classifier_new(const char* rules_dir, char* error, size_t error_size);

/* Frees a classifier (NULL is allowed). Results made by it stay valid. */
void bouncekit_classifier_free(bouncekit_classifier* classifier);

/* The number of rules the classifier loaded (0 for NULL). */
size_t bouncekit_classifier_rule_count(const bouncekit_classifier* classifier);

/* Classifies one raw RFC 5322 message of `size` bytes (any line endings; need not be NUL-terminated, may
 * contain NUL bytes). Malformed mail is not a failure: the result says `unrecognized` or carries an error.
 * Returns NULL only when `classifier` is NULL, `data` is NULL with size > 0, or memory runs out. */
bouncekit_result* bouncekit_classify(const bouncekit_classifier* classifier, const char* data, size_t size);

/* Frees a result (NULL is allowed). */
void bouncekit_result_free(bouncekit_result* result);

/* The whole result as one line of JSON (the CLI's jsonl record, no trailing newline). With `explain` non-zero
 * every recipient also lists the rules that matched. Owned by `result`; valid until the next call of this
 * function on the same result or until the result is freed. NULL only for a NULL result or out of memory. */
const char* bouncekit_result_json(bouncekit_result* result, int explain);

/* Message-level fields. */
bouncekit_message_type bouncekit_result_type(const bouncekit_result* result); /* UNRECOGNIZED for NULL */
const char* bouncekit_result_type_name(const bouncekit_result* result);       /* "bounce", "auto-reply", ... */
const char* bouncekit_result_format(const bouncekit_result* result); /* "rfc3464", "postfix", ...; NULL when none */
const char* bouncekit_result_error(const bouncekit_result* result);  /* NULL when the message was read */
/* The bounced message as returned in the report; `field` is "message_id", "from", "to", "subject" or "date".
 * NULL when absent or for another name. */
const char* bouncekit_result_original(const bouncekit_result* result, const char* field);

/* Recipients: 0 <= index < bouncekit_result_recipient_count(result). */
size_t bouncekit_result_recipient_count(const bouncekit_result* result);
const char* bouncekit_recipient_address(const bouncekit_result* result, size_t index);
const char* bouncekit_recipient_original_recipient(const bouncekit_result* result, size_t index); /* or NULL */
const char* bouncekit_recipient_action(const bouncekit_result* result, size_t index);        /* failed, delayed, ... */
const char* bouncekit_recipient_status(const bouncekit_result* result, size_t index);        /* "5.1.1" or NULL */
const char* bouncekit_recipient_reply_code(const bouncekit_result* result, size_t index);    /* "550" or NULL */
const char* bouncekit_recipient_diagnostic(const bouncekit_result* result, size_t index);    /* or NULL */
const char* bouncekit_recipient_remote_mta(const bouncekit_result* result, size_t index);    /* or NULL */
const char* bouncekit_recipient_reporting_mta(const bouncekit_result* result, size_t index); /* or NULL */
const char* bouncekit_recipient_smtp_command(const bouncekit_result* result, size_t index);  /* "RCPT" or NULL */
const char* bouncekit_recipient_stage(const bouncekit_result* result, size_t index);         /* "recipient", ... */
bouncekit_class bouncekit_recipient_class(const bouncekit_result* result, size_t index); /* UNKNOWN when out of range */
const char* bouncekit_recipient_class_name(const bouncekit_result* result, size_t index); /* "hard", ... */
const char* bouncekit_recipient_category(const bouncekit_result* result,
                                         size_t index); /* "bad-mailbox", ...; NULL for complaints, auto-replies */
const char* bouncekit_recipient_reason(const bouncekit_result* result,
                                       size_t index); /* Sisimai reason, "userunknown" */
const char* bouncekit_recipient_rule(const bouncekit_result* result,
                                     size_t index); /* rule id, "status-code" or "none" */
const char* bouncekit_recipient_feedback_type(const bouncekit_result* result,
                                              size_t index); /* complaints: "abuse", ...; else NULL */
const char* bouncekit_recipient_recommended_action(const bouncekit_result* result, size_t index);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* BOUNCEKIT_BOUNCEKIT_H */
