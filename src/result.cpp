#include <bouncekit/result.hpp>

namespace bouncekit {

std::string_view to_string(message_type value) noexcept {
  switch (value) {
    case message_type::bounce: return "bounce";
    case message_type::complaint: return "complaint";
    case message_type::auto_reply: return "auto-reply";
    case message_type::not_bounce: return "not-bounce";
    case message_type::unrecognized: return "unrecognized";
  }
  return "unrecognized";
}

std::string_view to_string(bounce_class value) noexcept {
  switch (value) {
    case bounce_class::hard: return "hard";
    case bounce_class::soft: return "soft";
    case bounce_class::delayed: return "delayed";
    case bounce_class::complaint: return "complaint";
    case bounce_class::auto_reply: return "auto-reply";
    case bounce_class::success: return "success";
    case bounce_class::unknown: return "unknown";
  }
  return "unknown";
}

std::string_view to_string(category value) noexcept {
  switch (value) {
    case category::bad_mailbox: return "bad-mailbox";
    case category::bad_domain: return "bad-domain";
    case category::inactive_mailbox: return "inactive-mailbox";
    case category::quota_issues: return "quota-issues";
    case category::message_expired: return "message-expired";
    case category::no_answer_from_host: return "no-answer-from-host";
    case category::bad_connection: return "bad-connection";
    case category::routing_errors: return "routing-errors";
    case category::bad_configuration: return "bad-configuration";
    case category::relaying_issues: return "relaying-issues";
    case category::protocol_errors: return "protocol-errors";
    case category::policy_related: return "policy-related";
    case category::spam_related: return "spam-related";
    case category::content_related: return "content-related";
    case category::virus_related: return "virus-related";
    case category::other: return "other";
    case category::success: return "success";
  }
  return "other";
}

std::string_view to_string(smtp_stage value) noexcept {
  switch (value) {
    case smtp_stage::connection: return "connection";
    case smtp_stage::smtp_session: return "smtp-session";
    case smtp_stage::sender: return "sender";
    case smtp_stage::recipient: return "recipient";
    case smtp_stage::data: return "data";
    case smtp_stage::after_acceptance: return "after-acceptance";
    case smtp_stage::unknown: return "unknown";
  }
  return "unknown";
}

}  // namespace bouncekit
