#include "report/smtp_text.hpp"

#include "rules/literal_scanner.hpp"
#include "util/text.hpp"

#include <array>

namespace bouncekit::detail {

std::string find_smtp_command(std::string_view text) {
  struct cue {
    std::string_view phrase;
    std::string_view command;
  };
  static constexpr std::array<cue, 33> cues = {{
      {"in reply to rcpt to", "RCPT"},  {"after rcpt to", "RCPT"},        {"in reply to rcpt", "RCPT"},
      {">>> rcpt to", "RCPT"},          {"rcpt to:<", "RCPT"},            {"rcpt to command", "RCPT"},
      {"in reply to mail from", "MAIL"}, {"after mail from", "MAIL"},     {">>> mail from", "MAIL"},
      {"mail from command", "MAIL"},    {"in reply to end of data", "DATA"}, {"after end of data", "DATA"},
      {"in reply to data", "DATA"},     {"after data", "DATA"},           {">>> data", "DATA"},
      {"end of data command", "DATA"},  {"data command", "DATA"},         {"after the data", "DATA"},
      {"in reply to ehlo", "EHLO"},     {"after ehlo", "EHLO"},           {">>> ehlo", "EHLO"},
      {"in reply to helo", "HELO"},     {"after helo", "HELO"},           {">>> helo", "HELO"},
      {"while connecting", "CONN"},     {"during the smtp greeting", "CONN"}, {"after initial connection", "CONN"},
      {"connection refused", "CONN"},   {"smtp greeting", "CONN"},        {"in reply to starttls", "EHLO"},
      {"did not like our rcpt", "RCPT"}, {"did not like our mail", "MAIL"}, {"did not like our data", "DATA"},
  }};
  // the leftmost cue decides
  static const literal_scanner scanner = [] {
    std::vector<std::string> phrases;
    for (const cue& c : cues) phrases.emplace_back(c.phrase);
    return literal_scanner(phrases);
  }();
  const literal_scanner::hit first = scanner.first(text);
  return first.begin == std::string_view::npos ? std::string() : std::string(cues[first.literal].command);
}

std::string find_remote_host(std::string_view text) {
  static constexpr std::string_view leads[] = {"while talking to ", "host ", "remote host ", "remote server ",
                                               "connecting to ", "server "};
  for (std::string_view lead : leads) {
    for (std::size_t at = ifind(text, lead); at != std::string_view::npos; at = ifind(text, lead, at + 1)) {
      if (at > 0 && is_alpha(text[at - 1])) continue;
      std::size_t b = at + lead.size();
      std::size_t e = b;
      while (e < text.size() && (is_alpha(text[e]) || is_digit(text[e]) || text[e] == '.' || text[e] == '-' ||
                                 text[e] == '_'))
        ++e;
      std::string_view host = text.substr(b, e - b);
      while (!host.empty() && host.back() == '.') host.remove_suffix(1);
      if (host.find('.') != std::string_view::npos && host.size() >= 4 && is_alpha(host.front()))
        return ascii_lower(host);
    }
  }
  return {};
}

std::string strip_value_type(std::string_view value) {
  value = trim(value);
  const std::size_t semi = value.find(';');
  if (semi != std::string_view::npos && semi < 16) value = trim(value.substr(semi + 1));
  return std::string(value);
}

std::string strip_diagnostic_type(std::string_view value) {
  value = trim(value);
  const std::size_t semi = value.find(';');
  if (semi != std::string_view::npos && semi < 16) {
    const std::string_view type = value.substr(0, semi);
    if (type.find(' ') == std::string_view::npos) value = value.substr(semi + 1);
  }
  return collapse_whitespace(value);
}

}  // namespace bouncekit::detail
