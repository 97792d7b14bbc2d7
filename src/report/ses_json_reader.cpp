// Amazon SES notifications delivered by mail (through SNS): a JSON document, possibly wrapped in an SNS
// envelope whose "Message" member is the JSON as a string. Bounce, Complaint and Delivery notifications.
#include "report/evidence.hpp"
#include "report/smtp_text.hpp"
#include "util/text.hpp"

#include <nlohmann/json.hpp>

namespace bouncekit::detail {

namespace {

std::string string_member(const nlohmann::json& j, const char* name) {
  const auto it = j.find(name);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The notification object: the document itself, or the JSON inside an SNS envelope's "Message".
nlohmann::json notification_in(std::string_view text) {
  const std::size_t open = text.find('{');
  const std::size_t close = text.rfind('}');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) return nullptr;
  std::string body(text.substr(open, close - open + 1));
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_discarded()) {
    // long lines folded in transit: some relays cut at 990 bytes and insert "!" + newline + space
    std::string joined;
    joined.reserve(body.size());
    for (std::size_t i = 0; i < body.size(); ++i) {
      if (body[i] == '!' && i + 2 < body.size() && body[i + 1] == '\n' && body[i + 2] == ' ') {
        i += 2;
        continue;
      }
      if (body[i] == '\n') continue;
      joined += body[i];
    }
    doc = nlohmann::json::parse(joined, nullptr, false);
  }
  if (doc.is_discarded() || !doc.is_object()) return nullptr;
  if (!doc.contains("notificationType") && !doc.contains("eventType") && doc.contains("Message")) {
    const std::string inner = string_member(doc, "Message");
    doc = nlohmann::json::parse(inner, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) return nullptr;
  }
  return doc;
}

// True when the text names a "notificationType" or "eventType" member: one pass over the quotes (every message
// is asked, and nearly none is a notification).
bool names_notification_type(std::string_view text) {
  for (std::size_t at = text.find('"'); at != std::string_view::npos; at = text.find('"', at + 1)) {
    const std::string_view rest = text.substr(at);
    if (rest.starts_with("\"notificationType\"") || rest.starts_with("\"eventType\"")) return true;
  }
  return false;
}

}  // namespace

bool read_ses_json(const message_view& view, report& out) {
  if (!names_notification_type(view.text)) return false;
  const nlohmann::json n = notification_in(view.text);
  if (!n.is_object()) return false;
  std::string type = string_member(n, "notificationType");
  if (type.empty()) type = string_member(n, "eventType");
  out.format = "amazonses";
  if (type == "Bounce" && n.contains("bounce") && n["bounce"].is_object()) {
    const nlohmann::json& b = n["bounce"];
    const bool transient = string_member(b, "bounceType") == "Transient";
    if (b.contains("reportingMTA") && b["reportingMTA"].is_string())
      out.reporting_mta = ascii_lower(trim(strip_diagnostic_type(b["reportingMTA"].get<std::string>())));
    if (b.contains("bouncedRecipients") && b["bouncedRecipients"].is_array()) {
      for (const nlohmann::json& r : b["bouncedRecipients"]) {
        if (!r.is_object()) continue;
        recipient_evidence e;
        e.address = normalise_address(string_member(r, "emailAddress"));
        if (e.address.empty()) continue;
        e.action = ascii_lower(string_member(r, "action"));
        if (e.action.empty()) e.action = transient ? "delayed" : "failed";
        const std::string diagnostic = strip_diagnostic_type(string_member(r, "diagnosticCode"));
        if (!diagnostic.empty()) e.diagnostic = diagnostic;
        std::string status = find_status_code(string_member(r, "status"));
        if (status.empty()) status = find_status_code(diagnostic);
        if (!status.empty()) e.status = status;
        const std::string reply = find_reply_code(diagnostic);
        if (!reply.empty()) e.reply_code = reply;
        // SES's own words for bounces it generates itself ("Suppressed", "OnAccountSuppressionList")
        e.extra_text = string_member(b, "bounceSubType");
        out.recipients.push_back(std::move(e));
      }
    }
    out.type = message_type::bounce;
    return !out.recipients.empty();
  }
  if (type == "Complaint" && n.contains("complaint") && n["complaint"].is_object()) {
    const nlohmann::json& c = n["complaint"];
    std::string feedback = ascii_lower(string_member(c, "complaintFeedbackType"));
    if (feedback.empty()) feedback = "abuse";
    if (c.contains("complainedRecipients") && c["complainedRecipients"].is_array()) {
      for (const nlohmann::json& r : c["complainedRecipients"]) {
        if (!r.is_object()) continue;
        recipient_evidence e;
        e.address = normalise_address(string_member(r, "emailAddress"));
        if (e.address.empty()) continue;
        e.action = "delivered";
        e.feedback_type = feedback;
        out.recipients.push_back(std::move(e));
      }
    }
    out.type = message_type::complaint;
    return true;
  }
  if (type == "Delivery" && n.contains("delivery") && n["delivery"].is_object()) {
    const nlohmann::json& d = n["delivery"];
    const std::string response = string_member(d, "smtpResponse");
    if (d.contains("recipients") && d["recipients"].is_array()) {
      for (const nlohmann::json& r : d["recipients"]) {
        if (!r.is_string()) continue;
        recipient_evidence e;
        e.address = normalise_address(r.get<std::string>());
        if (e.address.empty()) continue;
        e.action = "delivered";
        if (!response.empty()) e.diagnostic = response;
        std::string status = find_status_code(response);
        e.status = status.empty() ? std::string("2.0.0") : status;
        const std::string reply = find_reply_code(response);
        if (!reply.empty()) e.reply_code = reply;
        if (const std::string mta = string_member(d, "remoteMtaIp"); !mta.empty()) e.remote_mta = mta;
        out.recipients.push_back(std::move(e));
      }
    }
    out.type = message_type::bounce;
    return !out.recipients.empty();
  }
  return false;
}

}  // namespace bouncekit::detail
