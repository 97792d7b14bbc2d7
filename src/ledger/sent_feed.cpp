// parse_sent_mail: one line of the sent-mail feed (JSON lines).
#include <fmt/format.h>

#include <bouncekit/ledger.hpp>
#include <nlohmann/json.hpp>

#include "ledger/keys.hpp"
#include "ledger/time_text.hpp"

namespace bouncekit {

namespace {

std::string string_field(const nlohmann::json& j, const char* name, bool required) {
  const auto it = j.find(name);
  if (it == j.end() || it->is_null()) {
    if (required) throw ledger_error(fmt::format("sent mail: '{}' is missing", name));
    return {};
  }
  if (!it->is_string()) throw ledger_error(fmt::format("sent mail: '{}' must be a string", name));
  return it->get<std::string>();
}

}  // namespace

sent_mail parse_sent_mail(std::string_view line) {
  nlohmann::json j = nlohmann::json::parse(line.begin(), line.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw ledger_error("sent mail: not a JSON object");
  sent_mail m;
  m.message_id = detail::message_id_key(string_field(j, "message_id", true));
  m.recipient = detail::address_key(string_field(j, "recipient", true));
  if (m.message_id.empty() || m.recipient.empty()) throw ledger_error("sent mail: empty message_id or recipient");
  const auto at = j.find("sent_at");
  if (at == j.end()) throw ledger_error("sent mail: 'sent_at' is missing");
  if (at->is_number_integer()) {
    m.sent_at = ledger_time(std::chrono::seconds(at->get<std::int64_t>()));
  } else {
    const std::optional<ledger_time> t = at->is_string() ? detail::parse_time(at->get<std::string>()) : std::nullopt;
    if (!t) throw ledger_error("sent mail: 'sent_at' must be ISO 8601 (2024-05-01T09:00:00Z) or epoch seconds");
    m.sent_at = *t;
  }
  m.tag = string_field(j, "tag", false);
  m.verp = detail::address_key(string_field(j, "verp", false));
  return m;
}

}  // namespace bouncekit
