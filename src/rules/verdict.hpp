// From evidence to verdict: runs the text rules over what the MTA said, falls back to the status-code table,
// and derives category, class, stage, inferred status and recommended action.
#pragma once

#include "report/evidence.hpp"
#include "rules/rule_set.hpp"

#include <bouncekit/result.hpp>

namespace bouncekit::detail {

recipient_verdict decide(const rule_set& rules, const recipient_evidence& evidence, const report& report);
// The same, taking the evidence's strings for the verdict instead of copying them (the caller drops it after),
// and for the report's last recipient the report's own (the caller drops the report after its last verdict).
recipient_verdict decide(const rule_set& rules, recipient_evidence&& evidence, report& report, bool last_of_report);

// The stage a failure happened at, from the SMTP command (when known) and else from the reason.
smtp_stage stage_for(std::string_view smtp_command, std::string_view reason, bool after_acceptance_report);

}  // namespace bouncekit::detail
