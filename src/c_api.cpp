// The C API of include/bouncekit/bouncekit.h: thin wrappers that catch everything at the boundary.
#include "mime/decode.hpp"

#include <bouncekit/bouncekit.h>
#include <bouncekit/bouncekit.hpp>
#include <bouncekit/json.hpp>

#include <cstring>
#include <exception>
#include <new>
#include <optional>
#include <string>
#include <vector>

#ifndef BOUNCEKIT_VERSION
#define BOUNCEKIT_VERSION "0.0.0"
#endif

struct bouncekit_classifier {
  bouncekit::classifier impl;
};

struct bouncekit_result {
  // Every string already sanitized to UTF-8, so the accessors can hand out c_str() pointers.
  bouncekit::classification value;
  std::string json;
};

namespace {

void copy_error(const char* message, char* error, std::size_t error_size) noexcept {
  if (!error || error_size == 0) return;
  std::size_t n = std::strlen(message);
  if (n >= error_size) n = error_size - 1;
  std::memcpy(error, message, n);
  error[n] = '\0';
}

void sanitize(std::string& s) {
  if (!bouncekit::detail::is_valid_utf8(s)) s = bouncekit::detail::sanitize_utf8(s);
}
void sanitize(std::optional<std::string>& s) {
  if (s) sanitize(*s);
}

void sanitize(bouncekit::classification& c) {
  sanitize(c.source);
  sanitize(c.format);
  sanitize(c.error);
  sanitize(c.original.message_id);
  sanitize(c.original.from);
  sanitize(c.original.to);
  sanitize(c.original.subject);
  sanitize(c.original.date);
  for (auto& r : c.recipients) {
    sanitize(r.address);
    sanitize(r.original_recipient);
    sanitize(r.action);
    sanitize(r.status);
    sanitize(r.reply_code);
    sanitize(r.diagnostic);
    sanitize(r.remote_mta);
    sanitize(r.reporting_mta);
    sanitize(r.smtp_command);
    sanitize(r.feedback_type);
  }
}

const char* c_str(const std::optional<std::string>& s) noexcept {
  return s ? s->c_str() : nullptr;
}

// to_string() returns views of string literals, so data() is NUL-terminated.
template <class Enum>
const char* name_of(Enum value) noexcept {
  return bouncekit::to_string(value).data();
}

const bouncekit::recipient_verdict* recipient(const bouncekit_result* r, std::size_t index) noexcept {
  if (!r || index >= r->value.recipients.size()) return nullptr;
  return &r->value.recipients[index];
}

}  // namespace

extern "C" {

const char* bouncekit_version(void) {
  return BOUNCEKIT_VERSION;
}

bouncekit_classifier* bouncekit_classifier_new(const char* rules_dir, char* error, size_t error_size) {
  try {
    if (!rules_dir || !*rules_dir) return new bouncekit_classifier{bouncekit::classifier()};
    return new bouncekit_classifier{bouncekit::classifier::from_directory(rules_dir)};
  } catch (const std::exception& e) {
    copy_error(e.what(), error, error_size);
  } catch (...) {
    copy_error("unknown error", error, error_size);
  }
  return nullptr;
}

void bouncekit_classifier_free(bouncekit_classifier* classifier) {
  delete classifier;
}

size_t bouncekit_classifier_rule_count(const bouncekit_classifier* classifier) {
  return classifier ? classifier->impl.rule_count() : 0;
}

bouncekit_result* bouncekit_classify(const bouncekit_classifier* classifier, const char* data, size_t size) {
  if (!classifier || (!data && size > 0)) return nullptr;
  try {
    auto* result = new bouncekit_result{
        classifier->impl.classify(size ? std::string_view(data, size) : std::string_view()), std::string()};
    sanitize(result->value);
    return result;
  } catch (...) {
    return nullptr;
  }
}

void bouncekit_result_free(bouncekit_result* result) {
  delete result;
}

const char* bouncekit_result_json(bouncekit_result* result, int explain) {
  if (!result) return nullptr;
  try {
    result->json = bouncekit::to_json_line(result->value, explain != 0);
    return result->json.c_str();
  } catch (...) {
    return nullptr;
  }
}

bouncekit_message_type bouncekit_result_type(const bouncekit_result* result) {
  return result ? static_cast<bouncekit_message_type>(result->value.type) : BOUNCEKIT_TYPE_UNRECOGNIZED;
}
const char* bouncekit_result_type_name(const bouncekit_result* result) {
  return result ? name_of(result->value.type) : nullptr;
}
const char* bouncekit_result_format(const bouncekit_result* result) {
  return result && !result->value.format.empty() ? result->value.format.c_str() : nullptr;
}
const char* bouncekit_result_error(const bouncekit_result* result) {
  return result ? c_str(result->value.error) : nullptr;
}

const char* bouncekit_result_original(const bouncekit_result* result, const char* field) {
  if (!result || !field) return nullptr;
  const bouncekit::original_message& o = result->value.original;
  const std::string_view f(field);
  if (f == "message_id") return c_str(o.message_id);
  if (f == "from") return c_str(o.from);
  if (f == "to") return c_str(o.to);
  if (f == "subject") return c_str(o.subject);
  if (f == "date") return c_str(o.date);
  return nullptr;
}

size_t bouncekit_result_recipient_count(const bouncekit_result* result) {
  return result ? result->value.recipients.size() : 0;
}

#define BOUNCEKIT_STRING_FIELD(name)                                                     \
  const char* bouncekit_recipient_##name(const bouncekit_result* result, size_t index) { \
    const auto* r = recipient(result, index);                                            \
    return r ? r->name.c_str() : nullptr;                                                \
  }
#define BOUNCEKIT_OPTIONAL_FIELD(name)                                                   \
  const char* bouncekit_recipient_##name(const bouncekit_result* result, size_t index) { \
    const auto* r = recipient(result, index);                                            \
    return r ? c_str(r->name) : nullptr;                                                 \
  }

BOUNCEKIT_STRING_FIELD(address)
BOUNCEKIT_OPTIONAL_FIELD(original_recipient)
BOUNCEKIT_STRING_FIELD(action)
BOUNCEKIT_OPTIONAL_FIELD(status)
BOUNCEKIT_OPTIONAL_FIELD(reply_code)
BOUNCEKIT_OPTIONAL_FIELD(diagnostic)
BOUNCEKIT_OPTIONAL_FIELD(remote_mta)
BOUNCEKIT_OPTIONAL_FIELD(reporting_mta)
BOUNCEKIT_OPTIONAL_FIELD(smtp_command)
BOUNCEKIT_STRING_FIELD(reason)
BOUNCEKIT_STRING_FIELD(rule)
BOUNCEKIT_OPTIONAL_FIELD(feedback_type)
BOUNCEKIT_STRING_FIELD(recommended_action)

#undef BOUNCEKIT_STRING_FIELD
#undef BOUNCEKIT_OPTIONAL_FIELD

const char* bouncekit_recipient_stage(const bouncekit_result* result, size_t index) {
  const auto* r = recipient(result, index);
  return r ? name_of(r->stage) : nullptr;
}

bouncekit_class bouncekit_recipient_class(const bouncekit_result* result, size_t index) {
  const auto* r = recipient(result, index);
  return r ? static_cast<bouncekit_class>(r->bounce_class) : BOUNCEKIT_CLASS_UNKNOWN;
}

const char* bouncekit_recipient_class_name(const bouncekit_result* result, size_t index) {
  const auto* r = recipient(result, index);
  return r ? name_of(r->bounce_class) : nullptr;
}

const char* bouncekit_recipient_category(const bouncekit_result* result, size_t index) {
  const auto* r = recipient(result, index);
  return r && r->category ? name_of(*r->category) : nullptr;
}

}  // extern "C"

// The C enums mirror the C++ ones value for value.
static_assert(static_cast<int>(bouncekit::message_type::unrecognized) == BOUNCEKIT_TYPE_UNRECOGNIZED);
static_assert(static_cast<int>(bouncekit::message_type::auto_reply) == BOUNCEKIT_TYPE_AUTO_REPLY);
static_assert(static_cast<int>(bouncekit::bounce_class::unknown) == BOUNCEKIT_CLASS_UNKNOWN);
static_assert(static_cast<int>(bouncekit::bounce_class::success) == BOUNCEKIT_CLASS_SUCCESS);
static_assert(static_cast<int>(bouncekit::bounce_class::auto_reply) == BOUNCEKIT_CLASS_AUTO_REPLY);
