// Amazon SES notifications delivered by mail (through SNS): a JSON document, possibly wrapped in an SNS
// envelope whose "Message" member is the JSON as a string. Bounce, Complaint and Delivery notifications.
#include "report/evidence.hpp"
#include "report/smtp_text.hpp"
#include "util/text.hpp"

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bouncekit::detail {

namespace {

// A cursor over a JSON document that accepts exactly what nlohmann::json::parse() accepts (RFC 8259, strict,
// no comments), so that a notification is read or refused as it always was. The reader keeps only the few
// members it uses: a full DOM of the notification (its "mail" object repeats every header of the original)
// cost several times the rest of the message.
class json_cursor {
 public:
  explicit json_cursor(std::string_view text) : text_(text) {
    // a byte order mark is skipped at the very start only, as nlohmann does
    if (text_.starts_with("\xEF\xBB\xBF")) at_ = 3;
  }

  // The next byte after whitespace, or '\0' at the end: nlohmann's lexer takes a NUL between tokens for the
  // end of the input.
  char peek() {
    while (at_ < text_.size() && is_space(text_[at_])) ++at_;
    return at_ < text_.size() ? text_[at_] : '\0';
  }

  bool eat(char c) {
    if (peek() != c) return false;
    ++at_;
    return true;
  }

  // A string (the cursor on its opening quote), decoded into `out` unless it is null.
  bool string(std::string* out);
  // Any value, checked and passed over. Nesting is tracked in a stack of its own, not by recursion.
  bool skip_value();
  // A member's value when the reader wants it as a string: anything else leaves `out` empty, as
  // nlohmann::json's is_string() test did.
  bool string_value(std::optional<std::string>& out) {
    out.reset();
    if (peek() != '"') return skip_value();
    return string(&out.emplace());
  }

  // Calls on_member(key) for each member of the object at the cursor, which reads the member's value.
  template <class F>
  bool object(F&& on_member) {
    if (!eat('{')) return false;
    if (eat('}')) return true;
    std::string key;
    do {
      key.clear();
      if (peek() != '"' || !string(&key) || !eat(':') || !on_member(std::string_view(key))) return false;
    } while (eat(','));
    return eat('}');
  }

  // Calls on_element() for each element of the array at the cursor, which reads the element.
  template <class F>
  bool array(F&& on_element) {
    if (!eat('[')) return false;
    if (eat(']')) return true;
    do {
      if (!on_element()) return false;
    } while (eat(','));
    return eat(']');
  }

 private:
  static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
  static bool is_digit(char c) { return c >= '0' && c <= '9'; }
  bool digit_at(std::size_t i) const { return i < text_.size() && is_digit(text_[i]); }
  bool number();
  bool literal();
  bool member_key() { return peek() == '"' && string(nullptr) && eat(':'); }
  bool hex4(std::uint32_t& out);
  std::size_t utf8_length(std::size_t at) const;

  std::string_view text_;
  std::size_t at_ = 0;
};

bool json_cursor::hex4(std::uint32_t& out) {
  if (text_.size() - at_ < 4) return false;
  out = 0;
  for (int k = 0; k < 4; ++k) {
    const char c = text_[at_++];
    std::uint32_t d;
    if (c >= '0' && c <= '9')
      d = static_cast<std::uint32_t>(c - '0');
    else if (c >= 'a' && c <= 'f')
      d = static_cast<std::uint32_t>(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F')
      d = static_cast<std::uint32_t>(c - 'A' + 10);
    else
      return false;
    out = out << 4 | d;
  }
  return true;
}

// The length of the well-formed UTF-8 sequence at `at` (a byte >= 0x80), or 0: the ranges nlohmann's lexer
// accepts (no overlong forms, no surrogates, nothing past U+10FFFF).
std::size_t json_cursor::utf8_length(std::size_t at) const {
  const auto byte = [&](std::size_t i) { return i < text_.size() ? static_cast<unsigned char>(text_[i]) : 0u; };
  const unsigned lead = byte(at);
  const auto cont = [&](std::size_t i, unsigned lo, unsigned hi) { return byte(i) >= lo && byte(i) <= hi; };
  if (lead >= 0xC2 && lead <= 0xDF) return cont(at + 1, 0x80, 0xBF) ? 2 : 0;
  if (lead >= 0xE0 && lead <= 0xEF) {
    const unsigned lo = lead == 0xE0 ? 0xA0 : 0x80, hi = lead == 0xED ? 0x9F : 0xBF;
    return cont(at + 1, lo, hi) && cont(at + 2, 0x80, 0xBF) ? 3 : 0;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    const unsigned lo = lead == 0xF0 ? 0x90 : 0x80, hi = lead == 0xF4 ? 0x8F : 0xBF;
    return cont(at + 1, lo, hi) && cont(at + 2, 0x80, 0xBF) && cont(at + 3, 0x80, 0xBF) ? 4 : 0;
  }
  return 0;
}

bool json_cursor::string(std::string* out) {
  ++at_;  // the opening quote
  for (;;) {
    const std::size_t run = at_;
    while (at_ < text_.size()) {
      const auto c = static_cast<unsigned char>(text_[at_]);
      if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) break;
      ++at_;
    }
    if (out) out->append(text_.substr(run, at_ - run));
    if (at_ >= text_.size()) return false;
    const auto c = static_cast<unsigned char>(text_[at_]);
    if (c == '"') {
      ++at_;
      return true;
    }
    if (c < 0x20) return false;
    if (c >= 0x80) {
      const std::size_t n = utf8_length(at_);
      if (n == 0) return false;
      if (out) out->append(text_.substr(at_, n));
      at_ += n;
      continue;
    }
    // an escape
    if (++at_ >= text_.size()) return false;
    const char e = text_[at_++];
    char plain = 0;
    switch (e) {
      case '"': plain = '"'; break;
      case '\\': plain = '\\'; break;
      case '/': plain = '/'; break;
      case 'b': plain = '\b'; break;
      case 'f': plain = '\f'; break;
      case 'n': plain = '\n'; break;
      case 'r': plain = '\r'; break;
      case 't': plain = '\t'; break;
      case 'u': break;
      default: return false;
    }
    if (plain != 0) {
      if (out) out->push_back(plain);
      continue;
    }
    std::uint32_t cp;
    if (!hex4(cp)) return false;
    if (cp >= 0xDC00 && cp <= 0xDFFF) return false;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      // a high surrogate must be followed by an escaped low one
      std::uint32_t low;
      if (text_.size() - at_ < 2 || text_[at_] != '\\' || text_[at_ + 1] != 'u') return false;
      at_ += 2;
      if (!hex4(low) || low < 0xDC00 || low > 0xDFFF) return false;
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    if (!out) continue;
    if (cp < 0x80) {
      out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out->push_back(static_cast<char>(0xC0 | cp >> 6));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out->push_back(static_cast<char>(0xE0 | cp >> 12));
      out->push_back(static_cast<char>(0x80 | (cp >> 6 & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | cp >> 18));
      out->push_back(static_cast<char>(0x80 | (cp >> 12 & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp >> 6 & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }
}

// A number (the cursor on its first byte). nlohmann refuses one that does not fit a double (1e400, or an
// integer of 400 digits): the decimal exponent of its first significant digit tells, and only at exactly 308
// does the value have to be worked out.
bool json_cursor::number() {
  const std::size_t start = at_;
  if (text_[at_] == '-') ++at_;
  const std::size_t int_start = at_;
  if (!digit_at(at_)) return false;
  if (text_[at_] == '0')
    ++at_;
  else
    while (digit_at(at_)) ++at_;
  const std::size_t int_end = at_;
  std::size_t first_nonzero_fraction = 0;  // its position after the point, 1-based; 0 for none
  if (at_ < text_.size() && text_[at_] == '.') {
    ++at_;
    if (!digit_at(at_)) return false;
    for (std::size_t k = 1; digit_at(at_); ++at_, ++k)
      if (first_nonzero_fraction == 0 && text_[at_] != '0') first_nonzero_fraction = k;
  }
  long long exponent = 0;
  if (at_ < text_.size() && (text_[at_] == 'e' || text_[at_] == 'E')) {
    ++at_;
    bool negative = false;
    if (at_ < text_.size() && (text_[at_] == '+' || text_[at_] == '-')) negative = text_[at_++] == '-';
    if (!digit_at(at_)) return false;
    for (; digit_at(at_); ++at_)
      if (exponent < 1'000'000'000'000LL) exponent = exponent * 10 + (text_[at_] - '0');
    if (negative) exponent = -exponent;
  }
  long long lead;
  if (text_[int_start] != '0')
    lead = static_cast<long long>(int_end - int_start) - 1;
  else if (first_nonzero_fraction != 0)
    lead = -static_cast<long long>(first_nonzero_fraction);
  else
    return true;  // zero
  lead += exponent;
  if (lead != 308) return lead < 308;
  double value;
  return std::from_chars(text_.data() + start, text_.data() + at_, value).ec == std::errc();
}

bool json_cursor::literal() {
  for (const std::string_view word : {std::string_view("true"), std::string_view("false"), std::string_view("null")}) {
    if (text_.substr(at_).starts_with(word)) {
      at_ += word.size();
      return true;
    }
  }
  return false;
}

bool json_cursor::skip_value() {
  std::string closers;  // the closing bracket of each container the cursor is in, innermost last
  for (;;) {
    const char c = peek();
    if (c == '{' || c == '[') {
      ++at_;
      const char closer = c == '{' ? '}' : ']';
      if (!eat(closer)) {
        closers.push_back(closer);
        if (closer == '}' && !member_key()) return false;
        continue;
      }
    } else if (c == '"') {
      if (!string(nullptr)) return false;
    } else if (c == '-' || is_digit(c)) {
      if (!number()) return false;
    } else if (!literal()) {
      return false;
    }
    // after a value: close the containers that end here, or go on to the next element
    for (;;) {
      if (closers.empty()) return true;
      if (eat(',')) {
        if (closers.back() == '}' && !member_key()) return false;
        break;
      }
      if (!eat(closers.back())) return false;
      closers.pop_back();
    }
  }
}

struct ses_recipient {
  std::optional<std::string> address, action, diagnostic, status;
};

// A "bounce", "complaint" or "delivery" object: the members the reader uses.
struct ses_section {
  bool is_object = false;
  std::optional<std::string> kind;      // bounceType, complaintFeedbackType, smtpResponse
  std::optional<std::string> mta;       // reportingMTA, remoteMtaIp
  std::optional<std::string> sub_kind;  // bounceSubType
  // bouncedRecipients, complainedRecipients (the objects in the array), recipients (the strings)
  std::vector<ses_recipient> recipients;
};

struct section_names {
  std::string_view kind, mta, sub_kind, recipients;
  bool recipients_are_objects;
};

constexpr section_names bounce_names{"bounceType", "reportingMTA", "bounceSubType", "bouncedRecipients", true};
constexpr section_names complaint_names{"complaintFeedbackType", {}, {}, "complainedRecipients", true};
constexpr section_names delivery_names{"smtpResponse", "remoteMtaIp", {}, "recipients", false};

struct ses_notification {
  bool names_type = false;  // has a "notificationType" or "eventType" member, whatever its value
  bool has_message = false;
  std::optional<std::string> notification_type, event_type, message;
  ses_section bounce, complaint, delivery;
};

// Members named twice: the last one counts, as in nlohmann's DOM.
bool read_recipient(json_cursor& j, std::vector<ses_recipient>& out) {
  if (j.peek() != '{') return j.skip_value();
  ses_recipient& r = out.emplace_back();
  return j.object([&](std::string_view key) {
    if (key == "emailAddress") return j.string_value(r.address);
    if (key == "action") return j.string_value(r.action);
    if (key == "diagnosticCode") return j.string_value(r.diagnostic);
    if (key == "status") return j.string_value(r.status);
    return j.skip_value();
  });
}

bool read_section(json_cursor& j, const section_names& names, ses_section& out) {
  out = ses_section();
  if (j.peek() != '{') return j.skip_value();
  out.is_object = true;
  return j.object([&](std::string_view key) {
    if (key == names.kind) return j.string_value(out.kind);
    if (!names.mta.empty() && key == names.mta) return j.string_value(out.mta);
    if (!names.sub_kind.empty() && key == names.sub_kind) return j.string_value(out.sub_kind);
    if (key != names.recipients) return j.skip_value();
    out.recipients.clear();
    if (j.peek() != '[') return j.skip_value();
    return j.array([&] {
      if (names.recipients_are_objects) return read_recipient(j, out.recipients);
      if (j.peek() != '"') return j.skip_value();
      return j.string_value(out.recipients.emplace_back().address);
    });
  });
}

// Reads `text` as a whole JSON document; false when it is not valid JSON or not an object.
bool read_document(std::string_view text, ses_notification& n) {
  n = ses_notification();
  json_cursor j(text);
  if (j.peek() != '{') return false;
  const bool read = j.object([&](std::string_view key) {
    if (key == "notificationType" || key == "eventType") {
      n.names_type = true;
      return j.string_value(key == "eventType" ? n.event_type : n.notification_type);
    }
    if (key == "Message") {
      n.has_message = true;
      return j.string_value(n.message);
    }
    if (key == "bounce") return read_section(j, bounce_names, n.bounce);
    if (key == "complaint") return read_section(j, complaint_names, n.complaint);
    if (key == "delivery") return read_section(j, delivery_names, n.delivery);
    return j.skip_value();
  });
  return read && j.peek() == '\0';
}

// The notification: the document itself, or the JSON inside an SNS envelope's "Message".
bool notification_in(std::string_view text, ses_notification& n) {
  const std::size_t open = text.find('{');
  const std::size_t close = text.rfind('}');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) return false;
  const std::string_view body = text.substr(open, close - open + 1);
  // The body opens with '{': when it does not read, it is not valid JSON.
  if (!read_document(body, n)) {
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
    if (!read_document(joined, n)) return false;
  }
  if (!n.names_type && n.has_message) {
    const std::string inner = std::move(n.message).value_or(std::string());
    return read_document(inner, n);
  }
  return true;
}

// True when the text names a "notificationType" or "eventType" member, quoted as a name ("...") or inside an SNS
// envelope's Message string (\"...\"): one pass over the quotes, after one memchr for a brace that spares most
// texts even that (every message is asked, and nearly none is a notification).
bool names_notification_type(std::string_view text) {
  if (text.find('{') == std::string_view::npos) return false;
  for (std::size_t at = text.find('"'); at != std::string_view::npos; at = text.find('"', at + 1)) {
    for (const std::string_view name : {std::string_view("notificationType"), std::string_view("eventType")}) {
      const std::string_view rest = text.substr(at + 1);
      if (rest.starts_with(name) && rest.size() > name.size() &&
          (rest[name.size()] == '"' || rest[name.size()] == '\\'))
        return true;
    }
  }
  return false;
}

std::string_view text_of(const std::optional<std::string>& s) {
  return s ? std::string_view(*s) : std::string_view();
}

}  // namespace

bool read_ses_json(const message_view& view, report& out) {
  if (!names_notification_type(view.text)) return false;
  ses_notification n;
  if (!notification_in(view.text, n)) return false;
  std::string_view type = text_of(n.notification_type);
  if (type.empty()) type = text_of(n.event_type);
  out.format = "amazonses";
  if (type == "Bounce" && n.bounce.is_object) {
    const ses_section& b = n.bounce;
    const bool transient = b.kind == "Transient";
    if (b.mta) out.reporting_mta = ascii_lower(trim(strip_diagnostic_type(*b.mta)));
    for (const ses_recipient& r : b.recipients) {
      recipient_evidence e;
      e.address = normalise_address(text_of(r.address));
      if (e.address.empty()) continue;
      e.action = ascii_lower(text_of(r.action));
      if (e.action.empty()) e.action = transient ? "delayed" : "failed";
      const std::string diagnostic = strip_diagnostic_type(text_of(r.diagnostic));
      if (!diagnostic.empty()) e.diagnostic = diagnostic;
      std::string status = find_status_code(text_of(r.status));
      if (status.empty()) status = find_status_code(diagnostic);
      if (!status.empty()) e.status = status;
      const std::string reply = find_reply_code(diagnostic);
      if (!reply.empty()) e.reply_code = reply;
      // SES's own words for bounces it generates itself ("Suppressed", "OnAccountSuppressionList")
      e.extra_text = text_of(b.sub_kind);
      out.recipients.push_back(std::move(e));
    }
    out.type = message_type::bounce;
    return !out.recipients.empty();
  }
  if (type == "Complaint" && n.complaint.is_object) {
    std::string feedback = ascii_lower(text_of(n.complaint.kind));
    if (feedback.empty()) feedback = "abuse";
    for (const ses_recipient& r : n.complaint.recipients) {
      recipient_evidence e;
      e.address = normalise_address(text_of(r.address));
      if (e.address.empty()) continue;
      e.action = "delivered";
      e.feedback_type = feedback;
      out.recipients.push_back(std::move(e));
    }
    out.type = message_type::complaint;
    return true;
  }
  if (type == "Delivery" && n.delivery.is_object) {
    const ses_section& d = n.delivery;
    const std::string_view response = text_of(d.kind);
    for (const ses_recipient& r : d.recipients) {
      recipient_evidence e;
      e.address = normalise_address(text_of(r.address));
      if (e.address.empty()) continue;
      e.action = "delivered";
      if (!response.empty()) e.diagnostic = std::string(response);
      std::string status = find_status_code(response);
      e.status = status.empty() ? std::string("2.0.0") : status;
      const std::string reply = find_reply_code(response);
      if (!reply.empty()) e.reply_code = reply;
      if (const std::string_view mta = text_of(d.mta); !mta.empty()) e.remote_mta = std::string(mta);
      out.recipients.push_back(std::move(e));
    }
    out.type = message_type::bounce;
    return !out.recipients.empty();
  }
  return false;
}

}  // namespace bouncekit::detail
