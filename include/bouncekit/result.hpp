// bouncekit/result.hpp — the value types a classification returns.
//
//   bouncekit::classification result = classifier.classify(raw);
//   for (const bouncekit::recipient_verdict& r : result.recipients)
//     std::cout << r.address << ' ' << bouncekit::to_string(r.bounce_class) << '\n';
//
// Everything here is a plain owned value: copy it, move it, keep it after the classifier is gone.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bouncekit {

// What a message is (SPEC section 2).
enum class message_type { bounce, complaint, auto_reply, not_bounce, unrecognized };

// How a recipient failed (SPEC 3.2). `hard`: stop sending to the address now; `soft`: may pass later;
// `delayed`: the sending MTA is still retrying; `unknown`: the message said nothing usable.
enum class bounce_class { hard, soft, delayed, complaint, auto_reply, success, unknown };

// The 16 bounce categories of SPEC 3.1, plus `success` for delivered reports.
enum class category {
  bad_mailbox,
  bad_domain,
  inactive_mailbox,
  quota_issues,
  message_expired,
  no_answer_from_host,
  bad_connection,
  routing_errors,
  bad_configuration,
  relaying_issues,
  protocol_errors,
  policy_related,
  spam_related,
  content_related,
  virus_related,
  other,
  success,
};

// Where in the SMTP conversation the failure happened (SPEC 3.4).
enum class smtp_stage { connection, smtp_session, sender, recipient, data, after_acceptance, unknown };

// The spelled names used in JSON and on the command line ("bad-mailbox", "auto-reply", ...).
std::string_view to_string(message_type value) noexcept;
std::string_view to_string(bounce_class value) noexcept;
std::string_view to_string(category value) noexcept;
std::string_view to_string(smtp_stage value) noexcept;

// One rule that matched the evidence of a recipient, for --explain: which rule, on which text, where.
struct rule_match {
  std::string rule;     // rule id
  std::string reason;   // the reason the rule yields
  int priority = 0;     // higher wins
  std::string text;       // the words that matched: the span [begin, end) of the text the rules read
  std::size_t begin = 0;  // byte offsets of that span in the text the rules read (the diagnostic, usually)
  std::size_t end = 0;
};

// The verdict for one failed (or delayed, delivered, complained-about, auto-replying) recipient.
struct recipient_verdict {
  std::string address;                            // lower-cased domain, no angle brackets
  std::optional<std::string> original_recipient;  // RFC 3464 Original-Recipient
  std::string action;                             // failed, delayed, delivered, relayed, expanded
  std::optional<std::string> status;              // RFC 3463 X.Y.Z
  std::optional<std::string> reply_code;          // SMTP reply code, "550"
  std::optional<std::string> diagnostic;          // the remote server's words, one line
  std::optional<std::string> remote_mta;
  std::optional<std::string> reporting_mta;
  std::optional<std::string> smtp_command;        // CONN, EHLO, HELO, MAIL, RCPT, DATA
  smtp_stage stage = smtp_stage::unknown;
  std::optional<bouncekit::category> category;    // empty for complaints and auto-replies
  bouncekit::bounce_class bounce_class = bounce_class::unknown;
  std::string reason;                             // Sisimai-compatible reason name
  std::string rule;                               // deciding rule id, "status-code" or "none"
  std::optional<std::string> feedback_type;       // complaints: abuse, fraud, virus, other, not-spam, auth-failure
  std::string recommended_action;
  std::vector<rule_match> matches;                // every rule that matched, best first (for --explain)
  std::string decided_by;                         // one sentence: why the winning rule won (for --explain)
};

// The message that bounced, as returned inside the report, for correlating a bounce with what was sent.
struct original_message {
  std::optional<std::string> message_id;
  std::optional<std::string> from;
  std::optional<std::string> to;
  std::optional<std::string> subject;
  std::optional<std::string> date;
  std::vector<std::pair<std::string, std::string>> x_headers;  // X-* headers, in order

  bool empty() const noexcept {
    return !message_id && !from && !to && !subject && !date && x_headers.empty();
  }
};

// Something wrong with the input that did not stop the classification (a GMime-style parser warning).
struct parse_warning {
  std::string code;         // e.g. "mime-parse-failed", "invalid-base64", "unknown-charset"
  std::size_t offset = 0;   // byte offset in the raw message where it was noticed (0 if unknown)
};

// Everything bouncekit says about one message.
struct classification {
  std::string source;                         // set by the caller (the CLI puts the path here)
  message_type type = message_type::unrecognized;
  std::string format;                         // which reader read it: rfc3464, arf, rfc3834, postfix, ...
  original_message original;
  std::optional<std::string> error;           // set when the input could not be read (fully)
  std::vector<recipient_verdict> recipients;
  std::vector<parse_warning> warnings;
};

}  // namespace bouncekit
