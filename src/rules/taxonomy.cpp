#include "rules/taxonomy.hpp"

#include <array>
#include <utility>

namespace bouncekit::detail {

namespace {

using enum category;

constexpr std::array<std::pair<std::string_view, category>, 29> reason_categories = {{
    {"userunknown", bad_mailbox},       {"hasmoved", bad_mailbox},         {"suppressed", bad_mailbox},
    {"hostunknown", bad_domain},        {"notaccept", bad_domain},         {"suspend", inactive_mailbox},
    {"mailboxfull", quota_issues},      {"exceedlimit", quota_issues},     {"systemfull", quota_issues},
    {"toomanyconn", quota_issues},      {"speeding", quota_issues},        {"ratelimited", quota_issues},
    {"mesgtoobig", content_related},    {"emailtoolarge", content_related}, {"contenterror", content_related},
    {"notcompliantrfc", content_related}, {"virusdetected", virus_related}, {"blocked", spam_related},
    {"badreputation", spam_related},    {"spamdetected", spam_related},    {"rejected", policy_related},
    {"policyviolation", policy_related}, {"authfailure", policy_related},  {"requireptr", policy_related},
    {"securityerror", policy_related},  {"norelaying", relaying_issues},   {"syntaxerror", protocol_errors},
    {"failedstarttls", bad_configuration}, {"delivered", success},
}};

// Reasons that take their category from the status code (or have none).
constexpr std::array<std::string_view, 9> other_reasons = {"expired",     "networkerror", "systemerror",
                                                           "filtered",    "mailererror",  "onhold",
                                                           "undefined",   "feedback",     "vacation"};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Splits "4.1.10" into class, subject and detail; false when it is not a status code.
bool split_status(std::string_view s, char& cls, int& subject, int& detail) {
  if (s.size() < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.') return false;
  cls = s[0];
  std::size_t i = 2;
  subject = 0;
  if (i >= s.size() || !is_digit(s[i])) return false;
  while (i < s.size() && is_digit(s[i])) subject = subject * 10 + (s[i++] - '0');
  if (i >= s.size() || s[i] != '.') return false;
  ++i;
  detail = 0;
  if (i >= s.size() || !is_digit(s[i])) return false;
  while (i < s.size() && is_digit(s[i])) detail = detail * 10 + (s[i++] - '0');
  return i == s.size();
}

}  // namespace

bool is_known_reason(std::string_view reason) noexcept {
  for (const auto& [name, cat] : reason_categories)
    if (name == reason) return true;
  for (std::string_view name : other_reasons)
    if (name == reason) return true;
  return false;
}

std::optional<category> category_named(std::string_view name) noexcept {
  for (int i = 0; i <= static_cast<int>(success); ++i)
    if (to_string(static_cast<category>(i)) == name) return static_cast<category>(i);
  return std::nullopt;
}

std::optional<category> category_for_status(std::string_view status) noexcept {
  char cls = 0;
  int subject = 0, detail = 0;
  if (!split_status(status, cls, subject, detail)) return std::nullopt;
  if (cls == '2') return success;
  if (subject == 1 && (detail == 1 || detail == 3 || detail == 4 || detail == 6)) return bad_mailbox;
  if (subject == 1 && (detail == 2 || detail == 10)) return bad_domain;
  if (subject == 2 && detail == 1) return inactive_mailbox;
  if (subject == 2 && (detail == 2 || detail == 3)) return quota_issues;
  if (subject == 3 && detail == 1) return quota_issues;
  if (subject == 3 && detail == 4) return content_related;
  if (subject == 3 && detail == 5) return bad_configuration;
  if (subject == 4 && detail == 1) return no_answer_from_host;
  if (subject == 4 && detail == 2) return bad_connection;
  if (subject == 4 && (detail == 3 || detail == 4 || detail == 6)) return routing_errors;
  if (subject == 4 && detail == 7) return message_expired;
  if (subject == 5) return protocol_errors;
  if (subject == 6) return content_related;
  if (subject == 7 && detail == 1) return policy_related;
  return std::nullopt;
}

std::optional<category> category_for(std::string_view reason, std::string_view status) noexcept {
  if (reason == "feedback" || reason == "vacation") return std::nullopt;
  char cls = 0;
  int subject = 0, detail = 0;
  const bool has_status = split_status(status, cls, subject, detail);
  if (reason == "expired") return has_status && subject == 4 && detail == 1 ? no_answer_from_host : message_expired;
  if (reason == "networkerror") {
    if (has_status && subject == 4 && detail == 1) return no_answer_from_host;
    if (has_status && subject == 4 && detail == 2) return bad_connection;
    return routing_errors;
  }
  if (reason == "systemerror")
    return has_status && subject == 4 && (detail == 3 || detail == 4 || detail == 6) ? routing_errors : bad_configuration;
  // a failing mailer program is the receiving system's configuration (SPEC 3.1: "its mailer program failed"),
  // unless its status names the mailbox (a local delivery agent answering "no such user" with 5.1.1)
  if (reason == "mailererror") {
    const auto by_status = category_for_status(status);
    const bool says_more = by_status == bad_mailbox || by_status == bad_domain || by_status == inactive_mailbox ||
                           by_status == quota_issues;
    return says_more ? *by_status : bad_configuration;
  }
  if (reason == "filtered") {
    const auto by_status = category_for_status(status);
    if (by_status == bad_mailbox || by_status == inactive_mailbox) return by_status;
    return policy_related;
  }
  for (const auto& [name, cat] : reason_categories)
    if (same_reason(name, reason)) return cat;
  const auto by_status = category_for_status(status);
  if (!by_status || *by_status == success) return other;
  return by_status;
}

bounce_class class_for(std::string_view reason, std::string_view status, std::optional<category> cat, bool delayed,
                       bool final_failure) noexcept {
  if (reason == "feedback") return bounce_class::complaint;
  if (reason == "vacation") return bounce_class::auto_reply;
  if (cat == success) return bounce_class::success;
  if (delayed) return bounce_class::delayed;
  if (cat == bad_mailbox || cat == bad_domain) {
    const bool temporary_domain = !status.empty() && status[0] == '4' &&
                                  (reason == "notaccept" || (reason == "hostunknown" && !final_failure));
    return temporary_domain ? bounce_class::soft : bounce_class::hard;
  }
  return bounce_class::soft;
}

}  // namespace bouncekit::detail
