#include "mime/decode.hpp"

#include <bouncekit/json.hpp>

#include <algorithm>
#include <bit>
#include <string_view>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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

// The JSON line written directly, without building the document: the CLI writes one per message, and the
// document cost several times what classifying it did. The same bytes as to_json(result).dump() (tested
// against it); a string that is not valid UTF-8 (only the sanitized fields are known to be) sends the whole
// line the document's way, which replaces what is invalid.
namespace {

class line_writer {
 public:
  explicit line_writer(std::string& out) : out_(out) {}
  // False once a string was not valid UTF-8: the caller then writes the line the document's way.
  bool ok() const { return ok_; }

  // `name` is one of the fixed member names: plain ASCII that needs no escape.
  void key(std::string_view name) {
    comma();
    out_ += '"';
    out_.append(name);
    out_.append("\":", 2);
    first_ = true;  // the value that follows needs no comma
  }
  // A name from the message (an X- header's), sanitized as the document does.
  void sanitized_key(std::string_view name) {
    sanitized(name);
    out_ += ':';
    first_ = true;
  }
  void open(char bracket) {
    comma();
    out_ += bracket;
    first_ = true;
  }
  void close(char bracket) {
    out_ += bracket;
    first_ = false;
  }
  void null() {
    comma();
    out_.append("null", 4);
  }
  void number(std::size_t n) {
    comma();
    out_ += std::to_string(n);
  }
  void number(int n) {
    comma();
    out_ += std::to_string(n);
  }
  void string(std::string_view s) {
    comma();
    if (!quoted(s)) ok_ = false;
  }
  // A string the document sanitizes: invalid UTF-8 is replaced here (rarely: a valid string is written as it is,
  // with no sanitized copy).
  void sanitized(std::string_view s) {
    comma();
    const std::size_t mark = out_.size();
    if (quoted(s)) return;
    out_.resize(mark);
    quoted(detail::sanitize_utf8(s));
  }
  void optional(const std::optional<std::string>& s) {
    if (s) sanitized(*s);
    else null();
  }
  void member(std::string_view name, std::string_view value) {
    key(name);
    string(value);
  }
  void sanitized_member(std::string_view name, std::string_view value) {
    key(name);
    sanitized(value);
  }
  void optional_member(std::string_view name, const std::optional<std::string>& value) {
    key(name);
    optional(value);
  }

 private:
  void comma() {
    if (!first_) out_ += ',';
    first_ = false;
  }
  // nlohmann/json's escaping without ensure_ascii: the two-character escapes, \u00XX for other control
  // characters, every other byte as it is. True when `s` is valid UTF-8 (checked only when it is not ASCII).
  bool quoted(std::string_view s) {
    out_ += '"';
    std::size_t run = 0;  // bytes that need no escape are appended a run at a time
    bool ascii = true;
    for (std::size_t i = next_escape(s, 0, ascii); i < s.size(); i = next_escape(s, i + 1, ascii)) {
      const auto c = static_cast<unsigned char>(s[i]);
      out_.append(s.data() + run, i - run);
      run = i + 1;
      switch (c) {
        case '"': out_.append("\\\"", 2); break;
        case '\\': out_.append("\\\\", 2); break;
        case '\b': out_.append("\\b", 2); break;
        case '\f': out_.append("\\f", 2); break;
        case '\n': out_.append("\\n", 2); break;
        case '\r': out_.append("\\r", 2); break;
        case '\t': out_.append("\\t", 2); break;
        default: {
          static constexpr char hex[] = "0123456789abcdef";
          const char escape[] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
          out_.append(escape, sizeof escape);
        }
      }
    }
    out_.append(s.data() + run, s.size() - run);
    out_ += '"';
    return ascii || detail::is_valid_utf8(s);
  }

  // The position of the first byte from `from` on that needs an escape (a control character, '"' or '\'), or
  // s.size(); clears `ascii` when a byte it looked at is above 0x7F.
  static std::size_t next_escape(std::string_view s, std::size_t from, bool& ascii) {
    std::size_t i = from;
#if defined(__SSE2__)
    // Sixteen bytes at a time: most strings have no byte to escape, and their bytes are copied as one run.
    const __m128i below_space = _mm_set1_epi8(0x1f), quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
    for (; i + 16 <= s.size(); i += 16) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i));
      if (_mm_movemask_epi8(v) != 0) ascii = false;
      const __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(v, below_space), v);
      const __m128i mark = _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash));
      const int mask = _mm_movemask_epi8(_mm_or_si128(control, mark));
      if (mask != 0) return i + static_cast<std::size_t>(std::countr_zero(static_cast<unsigned>(mask)));
    }
#endif
    for (; i < s.size(); ++i) {
      const auto c = static_cast<unsigned char>(s[i]);
      if (c >= 0x80) ascii = false;
      if (c < 0x20 || c == '"' || c == '\\') return i;
    }
    return s.size();
  }

  std::string& out_;
  bool first_ = true;
  bool ok_ = true;
};

void write_recipient(line_writer& w, const recipient_verdict& r, bool explain) {
  w.open('{');
  w.sanitized_member("address", r.address);
  w.optional_member("original_recipient", r.original_recipient);
  w.member("action", r.action);
  w.optional_member("status", r.status);
  w.optional_member("reply_code", r.reply_code);
  w.optional_member("diagnostic", r.diagnostic);
  w.optional_member("remote_mta", r.remote_mta);
  w.optional_member("reporting_mta", r.reporting_mta);
  w.optional_member("smtp_command", r.smtp_command);
  w.member("stage", to_string(r.stage));
  w.key("category");
  if (r.category) w.string(to_string(*r.category));
  else w.null();
  w.member("class", to_string(r.bounce_class));
  w.member("reason", r.reason);
  w.member("rule", r.rule);
  w.optional_member("feedback_type", r.feedback_type);
  w.member("recommended_action", r.recommended_action);
  if (explain) {
    w.key("explain");
    w.open('{');
    w.key("matches");
    w.open('[');
    for (const rule_match& m : r.matches) {
      w.open('{');
      w.member("rule", m.rule);
      w.member("reason", m.reason);
      w.key("priority");
      w.number(m.priority);
      w.key("span");
      w.open('[');
      w.number(m.begin);
      w.number(m.end);
      w.close(']');
      w.sanitized_member("matched", m.text);
      w.close('}');
    }
    w.close(']');
    w.member("decided_by", r.decided_by);
    w.close('}');
  }
  w.close('}');
}

}  // namespace

std::string to_json_line(const classification& c, bool explain) {
  std::string out;
  out.reserve(1024);
  line_writer w(out);
  w.open('{');
  w.sanitized_member("source", c.source);
  w.member("type", to_string(c.type));
  w.key("format");
  if (c.format.empty()) w.null();
  else w.string(c.format);
  w.key("original");
  w.open('{');
  w.optional_member("message_id", c.original.message_id);
  w.optional_member("from", c.original.from);
  w.optional_member("to", c.original.to);
  w.optional_member("subject", c.original.subject);
  w.optional_member("date", c.original.date);
  w.key("x_headers");
  w.open('{');
  // as the document does: the first value of a raw name wins; a later name that sanitizes to a key already
  // written replaces that key's value in place
  const auto& headers = c.original.x_headers;
  const bool all_valid = std::all_of(headers.begin(), headers.end(), [](const auto& h) {
    return detail::is_valid_utf8(h.first) && detail::is_valid_utf8(h.second);
  });
  if (all_valid) {  // as nearly always: sanitizing changes nothing, so only repeated raw names are left out
    for (auto h = headers.begin(); h != headers.end(); ++h) {
      if (std::any_of(headers.begin(), h, [&](const auto& e) { return e.first == h->first; })) continue;
      w.sanitized_key(h->first);
      w.string(h->second);
    }
  } else {
    std::vector<std::pair<std::string, std::string>> x;
    const auto named = [&](std::string_view name) {
      return std::find_if(x.begin(), x.end(), [&](const auto& e) { return e.first == name; });
    };
    for (const auto& header : headers) {
      if (named(header.first) != x.end()) continue;
      std::string key = detail::sanitize_utf8(header.first);
      if (const auto it = named(key); it != x.end()) it->second = detail::sanitize_utf8(header.second);
      else x.emplace_back(std::move(key), detail::sanitize_utf8(header.second));
    }
    for (const auto& [name, value] : x) {
      w.sanitized_key(name);
      w.string(value);
    }
  }
  w.close('}');
  w.close('}');
  w.optional_member("error", c.error);
  w.key("recipients");
  w.open('[');
  for (const recipient_verdict& r : c.recipients) write_recipient(w, r, explain);
  w.close(']');
  if (!c.warnings.empty()) {
    w.key("warnings");
    w.open('[');
    for (const parse_warning& pw : c.warnings) {
      w.open('{');
      w.member("code", pw.code);
      w.key("offset");
      w.number(pw.offset);
      w.close('}');
    }
    w.close(']');
  }
  w.close('}');
  if (!w.ok()) return to_json(c, explain).dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  return out;
}

}  // namespace bouncekit
