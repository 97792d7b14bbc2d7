// ARF complaint reports (RFC 5965) and authentication failure reports (RFC 6591): the feedback type, and the
// complained-about recipient from Original-Rcpt-To, else the returned message's To (all candidates).
#include "mime/decode.hpp"
#include "report/evidence.hpp"
#include "report/report_marks.hpp"
#include "report/smtp_text.hpp"
#include "util/text.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <bit>
#include <cstdint>

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

// Notes the colon at `colon` when it ends one of the marks' names.
void note_colon(std::string_view text, std::size_t colon, report_marks& marks) noexcept {
  static constexpr std::string_view feedback = "feedback-type";
  static constexpr std::string_view recipient = "\nfinal-recipient";
  if (colon < feedback.size()) return;
  const char last = ascii_lower_char(text[colon - 1]);  // 'e' or 't': most colons end neither name
  if (last == 'e' && marks.feedback_type == report_marks::none &&
      iequals(text.substr(colon - feedback.size(), feedback.size()), feedback))
    marks.feedback_type = colon - feedback.size();
  else if (last == 't' && marks.final_recipient == report_marks::none && colon >= recipient.size() &&
           iequals(text.substr(colon - recipient.size(), recipient.size()), recipient))
    marks.final_recipient = colon - recipient.size();
}

}  // namespace

report_marks find_report_marks(std::string_view text) noexcept {
  report_marks marks;
  const auto done = [&] {
    return marks.feedback_type != report_marks::none && marks.final_recipient != report_marks::none;
  };
  std::size_t at = 0;
#if defined(__SSE2__)
  // sixty-four bytes at a time, then sixteen: colons are few in most text, and only a colon can end a mark
  const __m128i colon = _mm_set1_epi8(':');
  const auto colons = [&](std::size_t from) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + from));
    return static_cast<std::uint64_t>(static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, colon))));
  };
  for (; text.size() - at >= 64; at += 64) {
    std::uint64_t mask = colons(at) | colons(at + 16) << 16 | colons(at + 32) << 32 | colons(at + 48) << 48;
    for (; mask != 0; mask &= mask - 1) {
      note_colon(text, at + static_cast<unsigned>(std::countr_zero(mask)), marks);
      if (done()) return marks;
    }
  }
  // the rest by sixteen bytes, the last sixteen overlapping those looked at (their colons masked off)
  while (at < text.size() && text.size() >= 16) {
    const std::size_t from = std::min(at, text.size() - 16);
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + from));
    auto mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, colon))) & (0xFFFFu << (at - from));
    for (; mask != 0; mask &= mask - 1) {
      note_colon(text, from + static_cast<unsigned>(std::countr_zero(mask)), marks);
      if (done()) return marks;
    }
    at = from + 16;
  }
#endif
  for (; at < text.size(); ++at) {
    if (text[at] != ':') continue;
    note_colon(text, at, marks);
    if (done()) return marks;
  }
  return marks;
}

bool read_arf(const message_view& view, report& out) {
  lazy_report_marks marks(view.text);
  return read_arf(view, out, marks);
}

bool read_arf(const message_view& view, report& out, lazy_report_marks& marks) {
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
    const std::size_t at = marks.get().feedback_type;
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
