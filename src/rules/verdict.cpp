#include "rules/verdict.hpp"

#include "rules/taxonomy.hpp"
#include "util/text.hpp"

#include <charconv>
#include <initializer_list>
#include <string>

namespace bouncekit::detail {

namespace {

// Below this priority a text rule is only a hint: a specific status code beats it.
constexpr int weak_rule_priority = 30;

// The sentences of decided_by, joined into a string of their exact size: fmt::format() parsed its format string
// on each of the thousand verdicts of a corpus, at about four times the cost.
std::string joined(std::initializer_list<std::string_view> parts) {
  std::size_t size = 0;
  for (const std::string_view p : parts) size += p.size();
  std::string out;
  out.reserve(size);
  for (const std::string_view p : parts) out.append(p);
  return out;
}

// A number in decimal, for joined().
class decimal {
 public:
  explicit decimal(std::size_t value) noexcept {
    size_ = static_cast<std::size_t>(std::to_chars(digits_, digits_ + sizeof digits_, value).ptr - digits_);
  }
  explicit decimal(int value) noexcept {
    size_ = static_cast<std::size_t>(std::to_chars(digits_, digits_ + sizeof digits_, value).ptr - digits_);
  }
  operator std::string_view() const noexcept { return {digits_, size_}; }

 private:
  char digits_[24];
  std::size_t size_;
};

}  // namespace

smtp_stage stage_for(std::string_view command, std::string_view reason, bool after_acceptance_report) {
  if (command == "CONN") return smtp_stage::connection;
  if (command == "EHLO" || command == "HELO") return smtp_stage::smtp_session;
  if (command == "MAIL") return smtp_stage::sender;
  if (command == "RCPT") return smtp_stage::recipient;
  if (command == "DATA") return smtp_stage::data;
  static constexpr std::pair<std::string_view, smtp_stage> by_reason[] = {
      {"userunknown", smtp_stage::recipient},    {"hasmoved", smtp_stage::recipient},
      {"filtered", smtp_stage::recipient},       {"suspend", smtp_stage::recipient},
      {"norelaying", smtp_stage::recipient},     {"rejected", smtp_stage::sender},
      {"blocked", smtp_stage::connection},       {"requireptr", smtp_stage::connection},
      {"toomanyconn", smtp_stage::connection},   {"hostunknown", smtp_stage::connection},
      {"notaccept", smtp_stage::connection},     {"networkerror", smtp_stage::connection},
      {"failedstarttls", smtp_stage::smtp_session}, {"spamdetected", smtp_stage::data},
      {"virusdetected", smtp_stage::data},       {"contenterror", smtp_stage::data},
      {"mesgtoobig", smtp_stage::data},          {"notcompliantrfc", smtp_stage::data},
      {"policyviolation", smtp_stage::data},     {"authfailure", smtp_stage::data},
      {"mailboxfull", smtp_stage::recipient},    {"exceedlimit", smtp_stage::data},
      {"syntaxerror", smtp_stage::smtp_session},
  };
  for (const auto& [r, s] : by_reason)
    if (same_reason(r, reason)) return s;
  if (after_acceptance_report && (reason == "mailererror" || reason == "systemerror"))
    return smtp_stage::after_acceptance;
  return smtp_stage::unknown;
}

namespace {

// Everything after the evidence's own fields are in `v`: the rules, the status table and the fallbacks decide
// the reason, then category, class, stage, inferred status and action. Reads the fields from `v` (the evidence's
// may have been moved there); `e` is asked only for what the verdict does not keep.
void complete(const rule_set& rules, recipient_verdict& v, const recipient_evidence& e, const report& rep) {
  if (rep.type == message_type::complaint || rep.type == message_type::auto_reply) {
    const bool complaint = rep.type == message_type::complaint;
    v.reason = complaint ? "feedback" : "vacation";
    v.bounce_class = complaint ? bounce_class::complaint : bounce_class::auto_reply;
    v.rule = complaint ? "arf" : "rfc3834";
    v.decided_by = complaint ? "an ARF feedback report" : "RFC 3834 auto-reply headers or subject";
    v.stage = smtp_stage::after_acceptance;
    v.recommended_action = rules.action_for(std::nullopt, v.bounce_class);
    return;
  }

  // Views of the fields in `v`, which keep them until it is returned; `status` is read before any status is
  // inferred below (only when there was none).
  const std::string_view status = v.status ? std::string_view(*v.status) : std::string_view();
  const std::string_view action = v.action;
  const std::string_view command = v.smtp_command ? std::string_view(*v.smtp_command) : std::string_view();
  // a 2.x.x code quoted inside a failure's transcript does not make it a delivery: the action decides
  const bool delivered = action == "delivered" || action == "relayed" || action == "expanded" ||
                         action == "deliverable" || (action.empty() && !status.empty() && status[0] == '2');
  const bool delayed = action == "delayed";
  if (delivered) {
    v.reason = "delivered";
    v.rule = "status-code";
    v.decided_by = "the report says the message was delivered";
  } else {
    // Text rules over the server's words; the block of text around the recipient when they say nothing.
    // the hosts that reported the failure, for rules that read one provider's own convention
    std::string_view host_list[2];
    std::size_t host_count = 0;
    if (v.reporting_mta) host_list[host_count++] = *v.reporting_mta;
    if (v.remote_mta) host_list[host_count++] = *v.remote_mta;
    const std::span<const std::string_view> hosts(host_list, host_count);
    const std::string_view diagnostic = v.diagnostic ? std::string_view(*v.diagnostic) : std::string_view();
    if (v.diagnostic)
      v.matches = e.diagnostic_valid_utf8 ? rules.match_valid_utf8(diagnostic, status, hosts)
                                          : rules.match(diagnostic, status, hosts);
    if (v.matches.empty() && !e.extra_text.empty()) {
      const std::string joined_extra =
          e.more_extra_text.empty() ? std::string() : joined({e.extra_text, " ", e.more_extra_text});
      const std::string_view extra = e.more_extra_text.empty() ? std::string_view(e.extra_text) : joined_extra;
      if (extra != diagnostic) v.matches = rules.match(extra, status, hosts);
    }
    if (v.matches.empty() && e.context && !e.context->one_line().empty())
      v.matches = rules.match(e.context->one_line(), status, hosts);
    const std::string_view by_status = rules.status_reason(status);
    if (!v.matches.empty() &&
        !(v.matches.front().priority < weak_rule_priority && !by_status.empty() && !is_generic_status(status))) {
      const rule_match& best = v.matches.front();
      v.reason = best.reason;
      v.rule = best.rule;
      v.decided_by = v.matches.size() == 1
                         ? joined({"only rule '", best.rule, "' matched"})
                         : joined({"rule '", best.rule, "' has the highest priority (", decimal(best.priority), ") of ",
                                   decimal(v.matches.size()), " matching rules"});
    } else if (!by_status.empty()) {
      v.reason = by_status;
      v.rule = "status-code";
      v.decided_by = v.matches.empty()
                         ? joined({"no text rule matched; status ", status, " decides"})
                         : joined({"the only text rule that matched is weak; status ", status, " decides"});
    } else if (const std::string by_reply = rules.reason_for_reply(v.reply_code ? *v.reply_code : std::string_view());
               !by_reply.empty()) {
      v.reason = by_reply;
      v.rule = "reply-code";
      v.decided_by =
          joined({"no text rule matched and the status names no cause; reply code ", *v.reply_code, " decides"});
    } else if (!delayed && (command == "CONN" || command == "EHLO" || command == "HELO" || command == "MAIL")) {
      // refused before any recipient was named: the server refused our client (or, at MAIL, our sender)
      v.reason = command == "MAIL" ? "rejected" : "blocked";
      v.rule = "smtp-stage";
      v.decided_by = joined({"no text rule matched; a refusal in reply to ", command, " concerns the sending side"});
    } else if (delayed) {
      v.reason = "expired";  // a delay warning that names no cause: the message is ageing in the queue
      v.rule = "none";
      v.decided_by = "a delay warning that names no cause";
    } else if (!status.empty() || v.reply_code) {
      v.reason = "onhold";  // the server answered with a code, but nothing that tells the cause
      v.rule = "none";
      v.decided_by = "no text rule matched and the status code names no cause";
    } else {
      v.reason = "undefined";
      v.rule = "none";
      v.decided_by = "no text rule matched and there is no status code";
    }
  }
  if (!v.status && v.reason != "undefined") {
    const bool temporary = delayed || (v.reply_code && !v.reply_code->empty() && (*v.reply_code)[0] == '4');
    std::string inferred = rules.status_for_reason(v.reason, temporary);
    if (!inferred.empty()) v.status = std::move(inferred);
  }
  const std::string_view final_status = v.status ? std::string_view(*v.status) : std::string_view();
  v.category = category_for(v.reason, final_status);
  if (const auto fixed = v.category ? rules.fixed_category_of(v.rule) : std::nullopt) {
    v.category = fixed;  // the rule's words say more than the status (SPEC 3.1)
    v.decided_by.append("; the category is the rule's own (").append(to_string(*v.category)).append(")");
  }
  v.bounce_class = class_for(v.reason, final_status, v.category, delayed, action == "failed");
  v.stage = stage_for(command, v.reason, !v.remote_mta && !v.smtp_command);
  if (v.bounce_class == bounce_class::success) v.stage = smtp_stage::after_acceptance;
  v.recommended_action = rules.action_for(v.category, v.bounce_class);
}

// A verdict holding the evidence's own fields: copied from evidence the caller keeps, moved from evidence it
// drops (each member is forwarded once).
template <typename Evidence>
recipient_verdict with_evidence(Evidence&& e) {
  recipient_verdict v;
  v.address = std::forward<Evidence>(e).address;
  v.original_recipient = std::forward<Evidence>(e).original_recipient;
  v.action = std::forward<Evidence>(e).action;
  v.status = std::forward<Evidence>(e).status;
  v.reply_code = std::forward<Evidence>(e).reply_code;
  v.diagnostic = std::forward<Evidence>(e).diagnostic;
  v.remote_mta = std::forward<Evidence>(e).remote_mta;
  v.smtp_command = std::forward<Evidence>(e).smtp_command;
  v.feedback_type = std::forward<Evidence>(e).feedback_type;
  return v;
}

}  // namespace

recipient_verdict decide(const rule_set& rules, const recipient_evidence& e, const report& rep) {
  recipient_verdict v = with_evidence(e);
  v.reporting_mta = rep.reporting_mta;
  complete(rules, v, e, rep);
  return v;
}

recipient_verdict decide(const rule_set& rules, recipient_evidence&& e, report& rep, bool last_of_report) {
  recipient_verdict v = with_evidence(std::move(e));
  if (last_of_report) v.reporting_mta = std::move(rep.reporting_mta);
  else v.reporting_mta = rep.reporting_mta;
  complete(rules, v, e, rep);
  return v;
}

}  // namespace bouncekit::detail
