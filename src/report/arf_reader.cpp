// ARF complaint reports (RFC 5965) and authentication failure reports (RFC 6591): the feedback type, and the
// complained-about recipient from Original-Rcpt-To, else the returned message's To (all candidates).
#include "mime/decode.hpp"
#include "report/evidence.hpp"
#include "report/smtp_text.hpp"
#include "util/text.hpp"

#include <bit>
#include <cstdint>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace bouncekit::detail {

namespace {

std::string normalise_feedback_type(std::string_view value) {
  std::string type = ascii_lower(trim(value));
  if (const auto end = type.find_first_of(" ;("); end != std::string::npos) type.resize(end);
  static constexpr std::string_view known[] = {"abuse", "fraud", "virus", "other", "not-spam", "auth-failure"};
  for (std::string_view k : known)
    if (type == k) return type;
  if (type == "opt-out" || type == "unsubscribe" || type == "dkim" || type.empty()) return type.empty() ? "abuse" : "other";
  return "other";
}

// Providers that hide the complainant write placeholders such as redacted@, xxxxxxx@ or ****@.
bool is_redacted(std::string_view address) {
  const std::string_view local = address.substr(0, address.find('@'));
  if (iequals(local, "redacted") || iequals(local, "anonymous") || iequals(local, "removed")) return true;
  for (char c : local)
    if (c != 'x' && c != 'X' && c != '*' && c != '#' && c != '.') return false;
  return !local.empty();
}

// The first "feedback-type:" (ASCII, any case) in `text`, or npos: ifind()'s answer, found by the needle's two
// bytes that are no letters ('-' at 8, ':' at 13). They need no case folding, and text seldom has them five
// bytes apart, so the full comparison runs rarely; nearly every message is searched, and nearly none has one.
std::size_t find_feedback_type(std::string_view text) noexcept {
  constexpr std::string_view needle = "feedback-type:";
  constexpr std::size_t dash = 8, colon = 13;
  if (text.size() < needle.size()) return std::string_view::npos;
  const std::size_t last = text.size() - needle.size();  // the last possible start
  const auto matches_at = [&](std::size_t i) {
    return text[i + dash] == '-' && text[i + colon] == ':' && iequals(text.substr(i, needle.size()), needle);
  };
  std::size_t i = 0;
#if defined(__SSE2__)
  const char* const base = text.data();
  const __m128i want_dash = _mm_set1_epi8('-');
  const __m128i want_colon = _mm_set1_epi8(':');
  // the starts in [at, at + 16) with both bytes in place, a bit each (the loads end at or before text's end)
  const auto candidates = [&](std::size_t at) {
    const __m128i d = _mm_loadu_si128(reinterpret_cast<const __m128i*>(base + at + dash));
    const __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(base + at + colon));
    return _mm_and_si128(_mm_cmpeq_epi8(d, want_dash), _mm_cmpeq_epi8(c, want_colon));
  };
  for (; i + 31 <= last; i += 32) {
    const __m128i low = candidates(i), high = candidates(i + 16);
    if (_mm_movemask_epi8(_mm_or_si128(low, high)) == 0) continue;
    auto mask = static_cast<std::uint32_t>(_mm_movemask_epi8(low)) |
                (static_cast<std::uint32_t>(_mm_movemask_epi8(high)) << 16);
    for (; mask != 0; mask &= mask - 1) {
      const std::size_t at = i + static_cast<std::size_t>(std::countr_zero(mask));
      if (iequals(text.substr(at, needle.size()), needle)) return at;
    }
  }
#endif
  for (; i <= last; ++i)
    if (matches_at(i)) return i;
  return std::string_view::npos;
}

}  // namespace

bool read_arf(const message_view& view, report& out) {
  const auto& parts = view.message.parts;
  const field_list* fields = nullptr;
  field_list inline_fields;
  std::vector<field_list> blocks;
  for (std::size_t i = 0; i < parts.size() && !fields; ++i) {
    const mime_part& p = parts[i];
    if (p.type == "message" && p.subtype == "feedback-report" && !view.inside_returned_message(i)) {
      blocks = read_field_blocks(p.body);
      if (!blocks.empty()) fields = &blocks.front();
      else fields = &inline_fields;  // an empty report part still says "complaint"
    }
  }
  if (!fields && view.report_type == "feedback-report") fields = &inline_fields;
  // Microsoft's JMRP loop forwards the complained-about message with the recipient in its own header
  const bool jmrp = !fields && find_field(view.returned_headers, "X-HmXmrOriginalRecipient");
  if (jmrp) fields = &inline_fields;
  if (!fields) {
    // Feedback-Type fields sent in the text (some providers' loops); a list post quoting them is no report
    const std::size_t at = find_feedback_type(view.text);
    if (at == std::string_view::npos || (at > 0 && view.text[at - 1] != '\n')) return false;
    if (is_list_mail_or_reply(view)) return false;
    std::size_t pos = at;
    inline_fields = read_field_block(view.text, pos, false);
    fields = &inline_fields;
  }
  out.type = message_type::complaint;
  out.format = "arf";
  const std::string feedback_type = normalise_feedback_type(field_value(*fields, "Feedback-Type"));
  std::vector<std::string> addresses;
  for (const header_field& f : *fields)
    if (iequals(f.name, "Original-Rcpt-To") || iequals(f.name, "Removal-Recipient"))
      for (auto& a : find_addresses(decode_encoded_words(f.value)))
        addresses.push_back(std::move(a));
  if (addresses.empty() && !jmrp) {
    for (std::string_view name : {"To", "Delivered-To", "X-Original-To"}) {
      if (const header_field* f = find_field(view.returned_headers, name)) addresses = find_addresses(decode_encoded_words(f->value));
      if (!addresses.empty()) break;
    }
  }
  if (addresses.empty())
    if (const header_field* f = find_field(view.returned_headers, "X-HmXmrOriginalRecipient"))
      addresses = find_addresses(f->value);
  for (std::string& a : addresses) {
    if (is_redacted(a)) continue;
    recipient_evidence r;
    r.address = std::move(a);
    r.action = "delivered";
    r.feedback_type = feedback_type;
    out.recipients.push_back(std::move(r));
  }
  // "dns; feedback.example.net": the host name, as in a DSN
  const std::string_view reporting = strip_value_type(field_value(*fields, "Reporting-MTA"));
  if (!reporting.empty()) out.reporting_mta = ascii_lower(reporting);
  return true;
}

}  // namespace bouncekit::detail
