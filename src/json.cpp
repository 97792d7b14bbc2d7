#include "mime/decode.hpp"

#include <bouncekit/json.hpp>

namespace bouncekit {

namespace {

nlohmann::ordered_json optional_string(const std::optional<std::string>& s) {
  if (!s) return nullptr;
  return detail::sanitize_utf8(*s);
}

}  // namespace

nlohmann::ordered_json to_json(const recipient_verdict& r, bool explain) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  j["address"] = detail::sanitize_utf8(r.address);
  j["original_recipient"] = optional_string(r.original_recipient);
  j["action"] = r.action;
  j["status"] = optional_string(r.status);
  j["reply_code"] = optional_string(r.reply_code);
  j["diagnostic"] = optional_string(r.diagnostic);
  j["remote_mta"] = optional_string(r.remote_mta);
  j["reporting_mta"] = optional_string(r.reporting_mta);
  j["smtp_command"] = optional_string(r.smtp_command);
  j["stage"] = to_string(r.stage);
  j["category"] = r.category ? nlohmann::ordered_json(to_string(*r.category)) : nlohmann::ordered_json(nullptr);
  j["class"] = to_string(r.bounce_class);
  j["reason"] = r.reason;
  j["rule"] = r.rule;
  j["feedback_type"] = optional_string(r.feedback_type);
  j["recommended_action"] = r.recommended_action;
  if (explain) {
    nlohmann::ordered_json matches = nlohmann::ordered_json::array();
    for (const rule_match& m : r.matches) {
      matches.push_back({{"rule", m.rule},
                         {"reason", m.reason},
                         {"priority", m.priority},
                         {"span", {m.begin, m.end}},
                         {"matched", detail::sanitize_utf8(m.text)}});
    }
    j["explain"] = {{"matches", matches}, {"decided_by", r.decided_by}};
  }
  return j;
}

nlohmann::ordered_json to_json(const classification& c, bool explain) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  j["source"] = detail::sanitize_utf8(c.source);
  j["type"] = to_string(c.type);
  j["format"] = c.format.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(c.format);
  nlohmann::ordered_json original = nlohmann::ordered_json::object();
  original["message_id"] = optional_string(c.original.message_id);
  original["from"] = optional_string(c.original.from);
  original["to"] = optional_string(c.original.to);
  original["subject"] = optional_string(c.original.subject);
  original["date"] = optional_string(c.original.date);
  nlohmann::ordered_json x = nlohmann::ordered_json::object();
  for (const auto& [name, value] : c.original.x_headers)
    if (!x.contains(name)) x[detail::sanitize_utf8(name)] = detail::sanitize_utf8(value);
  original["x_headers"] = x;
  j["original"] = original;
  j["error"] = optional_string(c.error);
  nlohmann::ordered_json recipients = nlohmann::ordered_json::array();
  for (const recipient_verdict& r : c.recipients) recipients.push_back(to_json(r, explain));
  j["recipients"] = recipients;
  if (!c.warnings.empty()) {
    nlohmann::ordered_json w = nlohmann::ordered_json::array();
    for (const parse_warning& pw : c.warnings) w.push_back({{"code", pw.code}, {"offset", pw.offset}});
    j["warnings"] = w;
  }
  return j;
}

std::string to_json_line(const classification& result, bool explain) {
  return to_json(result, explain).dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace bouncekit
