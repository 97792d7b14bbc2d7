// RFC 3464 delivery status notifications (and RFC 6533 global ones): the per-message block and one block per
// recipient, from a message/(global-)delivery-status part or, for MTAs that send it so, from the text.
#include "mime/decode.hpp"
#include "report/evidence.hpp"
#include "report/report_marks.hpp"
#include "report/smtp_text.hpp"
#include "util/text.hpp"

#include <algorithm>
#include <iterator>
#include <utility>

namespace bouncekit::detail {

namespace {

std::optional<std::string> non_empty(std::string s) {
  if (s.empty()) return std::nullopt;
  return s;
}

// The length of the start of `s` before its first space or '(' (or tab, when `tab` says so): what find_first_of()
// finds, without its memchr over the set for every byte of `s`.
std::size_t word_length(std::string_view s, bool tab) noexcept {
  std::size_t n = 0;
  while (n < s.size() && s[n] != ' ' && s[n] != '(' && (!tab || s[n] != '\t')) ++n;
  return n;
}

// The length of "smtp;" in a trimmed Diagnostic-Code value "smtp; 550 ...", when the value with its whitespace
// collapsed is that type, a space and what strip_diagnostic_type() leaves of the value; and when
// strip_continuation_prefixes() of it is then the type, a space and strip_continuation_prefixes() of the rest
// (no '-' in the type, whitespace after the ';'). 0 when it is not.
std::size_t plain_type_length(std::string_view raw) noexcept {
  const std::size_t semi = raw.find(';');
  if (semi == std::string_view::npos || semi >= 16 || semi + 1 >= raw.size() || !is_space(raw[semi + 1])) return 0;
  for (std::size_t i = 0; i < semi; ++i)
    if (is_space(raw[i]) || raw[i] == '-') return 0;
  return semi + 1;
}

// The fields of a block that read_block() reads, each the first of its name, by one pass: the name's length
// leaves one or two names it can be, where a comparison with each name cost more than the rest of the pass.
struct block_fields {
  std::string_view reporting_mta;
  std::string_view final_recipient, actual_recipient, original, action, diagnostic, status, remote_mta;
  bool names_recipient = false;  // a recipient field is there (even empty): the block is a recipient's

  explicit block_fields(const field_list& block) {
    enum : unsigned { final_bit = 1, actual_bit = 2, original_bit = 4 };
    unsigned seen = 0;  // a bit for each name found, in the order of `names`
    static constexpr std::pair<std::string_view, std::string_view block_fields::*> names[] = {
        {"Final-Recipient", &block_fields::final_recipient}, {"X-Actual-Recipient", &block_fields::actual_recipient},
        {"Original-Recipient", &block_fields::original},     {"Action", &block_fields::action},
        {"Diagnostic-Code", &block_fields::diagnostic},      {"Status", &block_fields::status},
        {"Remote-MTA", &block_fields::remote_mta},           {"Reporting-MTA", &block_fields::reporting_mta}};
    static_assert(names[0].first.size() == 15 && names[1].first.size() == 18 && names[2].first.size() == 18 &&
                  names[3].first.size() == 6 && names[4].first.size() == 15 && names[5].first.size() == 6 &&
                  names[6].first.size() == 10 && names[7].first.size() == 13);
    const auto note = [&](std::size_t k, const header_field& f) {
      if ((seen >> k & 1) != 0 || !iequals(f.name, names[k].first)) return false;
      seen |= 1u << k;
      this->*names[k].second = f.value;
      return true;
    };
    for (const header_field& f : block) {
      switch (f.name.size()) {
        case 6: note(3, f) || note(5, f); break;
        case 10: note(6, f); break;
        case 13: note(7, f); break;
        case 15: note(0, f) || note(4, f); break;
        case 18: note(1, f) || note(2, f); break;
        default: break;
      }
    }
    names_recipient = (seen & (final_bit | actual_bit | original_bit)) != 0;
  }
};

// Fills `r`, a new record.
void read_recipient(const block_fields& fields, recipient_evidence& r) {
  std::string_view final_recipient = fields.final_recipient;
  if (final_recipient.empty()) final_recipient = fields.actual_recipient;
  const std::string_view original = fields.original;
  // RFC 3464 address fields are never RFC 2047-encoded: keep what the MTA wrote
  r.address = normalise_address(final_recipient);
  if (r.address.empty()) r.address = malformed_report_address(final_recipient);  // "eli@@example.org"
  if (!original.empty()) {
    // an Original-Recipient written as the Final-Recipient is (as some MTAs write it) names the address just found
    std::string address = original == final_recipient ? r.address : normalise_address(original);
    if (address.empty()) address = malformed_report_address(original);
    r.original_recipient = non_empty(std::move(address));
  }
  // an empty or source-routed ("@relay:user@host") final address: the original one is what was sent
  const std::string_view written = strip_value_type(final_recipient);
  const bool unusable = r.address.empty() || written.rfind("@", 0) == 0 || written.rfind("<@", 0) == 0;
  if (unusable && r.original_recipient) r.address = *r.original_recipient;
  const std::string_view action = trim(fields.action);
  r.action = ascii_lower(action.substr(0, word_length(action, false)));
  // a multi-line reply folded into the field keeps only its first line's prefix
  std::string diagnostic = strip_continuation_prefixes_moved(strip_diagnostic_type(fields.diagnostic));
  // The code in the server's own words is more specific than the Status field (which reporting MTAs often
  // fill with a generic or a different code); when the words quote several, the last is the innermost.
  const bool failure = r.action == "failed" || r.action == "delayed";
  const std::string status = failure_status(diagnostic, fields.status, r.action == "failed", failure);
  r.status = non_empty(status);
  // Action is required (RFC 3464 2.3.3), but some MTAs leave it out: the status class says what happened
  if (r.action.empty() && !status.empty()) r.action = status[0] == '2' ? "delivered" : "failed";
  r.reply_code = non_empty(find_reply_code(diagnostic));
  // "dns; mx.example.org (TCP|192.0.2.25|51822|192.0.2.10|25) (mx.example.org ESMTP ...)": the host name
  std::string_view remote = strip_value_type(fields.remote_mta);
  remote = remote.substr(0, word_length(remote, true));
  while (!remote.empty() && remote.back() == '.') remote.remove_suffix(1);  // a fully qualified "mx.example.org."
  r.remote_mta = non_empty(ascii_lower(remote));
  // What the rules may read when the diagnostic alone names no cause: the diagnostic with its type kept
  // ("X-Unix; 77" is a local delivery agent's exit code) and a comment on the Status line
  // ("5.0.0 (host name lookup failure)").
  const std::string_view raw_diagnostic = trim(fields.diagnostic);
  const std::string_view status_field = fields.status;
  const std::size_t comment = status_field.find('(');
  const std::size_t type_length = comment == std::string_view::npos ? plain_type_length(raw_diagnostic) : 0;
  if (type_length != 0) {
    // the type before the diagnostic worked out above: its collapsing and stripping done once
    r.extra_text.reserve(type_length + 1 + diagnostic.size());
    r.extra_text.append(raw_diagnostic.substr(0, type_length)).append(" ").append(diagnostic);
  } else {
    std::string joined;  // only when there is a comment to join: else the diagnostic is collapsed where it is
    std::string_view words = raw_diagnostic;
    if (comment != std::string_view::npos) {
      joined.append(raw_diagnostic).append(" ").append(status_field.substr(comment));
      words = joined;
    }
    r.extra_text = strip_continuation_prefixes_moved(collapse_whitespace(words));
  }
  r.smtp_command = non_empty(find_smtp_command(diagnostic));
  // last: valid UTF-8 (nearly always) is moved, not copied
  r.diagnostic = non_empty(is_valid_utf8(diagnostic) ? std::move(diagnostic) : sanitize_utf8(diagnostic));
  r.diagnostic_valid_utf8 = true;
}

// Some MTAs (AOL's among them) leave out the blank lines between recipient blocks, or after the per-message
// block. A recipient field that repeats within a block starts the next recipient's block, and so does an
// Original-Recipient that follows a recipient's Final-Recipient and its Action or Status. (Other orders stay
// one block: some MTAs write Action or Status before Final-Recipient.) Returns the index of the first field of
// each block after the first (which starts at 0): empty, and nothing allocated, when the block is one
// recipient's, as nearly all are.
std::vector<std::size_t> recipient_starts(const field_list& block) {
  std::vector<std::size_t> starts;
  std::size_t current = 0;  // where the block being looked at starts
  for (std::size_t i = 0; i < block.size(); ++i) {
    const header_field& f = block[i];
    const bool final_recipient = iequals(f.name, "Final-Recipient");
    if (!final_recipient && !iequals(f.name, "Original-Recipient")) continue;
    bool next = false;
    bool after_final = false;
    for (std::size_t j = current; j < i && !next; ++j) {
      const std::string_view name = block[j].name;
      if (iequals(name, f.name)) next = true;  // the field repeats
      else if (iequals(name, "Final-Recipient")) after_final = true;
      else if (!final_recipient && after_final && (iequals(name, "Action") || iequals(name, "Status"))) next = true;
    }
    if (next) {
      starts.push_back(i);
      current = i;
    }
  }
  return starts;
}

void read_block(const field_list& block, report& out) {
  const block_fields fields(block);
  if (!out.reporting_mta) {
    std::string mta = ascii_lower(strip_value_type(fields.reporting_mta));
    if (!mta.empty()) out.reporting_mta = std::move(mta);
  }
  if (!fields.names_recipient) return;
  // read where it is kept: moving a record of some twenty members into the vector (and destroying the
  // moved-from one) cost about 90 instructions a recipient
  recipient_evidence& r = out.recipients.emplace_back();
  read_recipient(fields, r);
  if (r.address.empty()) out.recipients.pop_back();
}

void read_written_block(const field_list& written, report& out) {
  const std::vector<std::size_t> starts = recipient_starts(written);
  if (starts.empty()) {
    read_block(written, out);
    return;
  }
  for (std::size_t k = 0; k <= starts.size(); ++k) {
    field_list part;
    const std::size_t begin = k == 0 ? 0 : starts[k - 1];
    const std::size_t end = k < starts.size() ? starts[k] : written.size();
    for (std::size_t i = begin; i < end; ++i) part.push_back(written[i]);
    part.share_storage(written);  // folded values live in the block's storage
    read_block(part, out);
  }
}

// Every block of the body in turn (as read_field_blocks() splits it), each read into the same list: nothing a
// block's evidence keeps points into it.
void read_blocks(std::string_view body, report& out) {
  kept_field_list<dsn_block_slot> kept;  // the blocks' room, kept for the thread's next report
  field_list& written = kept.get();
  std::size_t pos = 0;
  while (pos < body.size()) {
    const std::size_t before = pos;
    read_field_block_into(written, body, pos, false);
    if (!written.empty()) read_written_block(written, out);
    if (pos == before) break;
  }
}

}  // namespace

bool read_dsn(const message_view& view, report& out) {
  lazy_report_marks marks(view.text);
  return read_dsn(view, out, marks);
}

bool read_dsn(const message_view& view, report& out, lazy_report_marks& marks) {
  const auto& parts = view.message.parts;
  bool found = false;
  // Reports of our own message first; a report inside a returned message (a bounce of a bounce) only when
  // there is no other.
  for (const bool nested : {false, true}) {
    // a report inside a returned message counts only when the outer message is itself a bounce (a list
    // digest can carry a post with a bounce attached)
    if (nested && !looks_like_bounce(view)) break;
    for (std::size_t i = 0; i < parts.size() && !found; ++i) {
      const mime_part& p = parts[i];
      if (p.type != "message" || (p.subtype != "delivery-status" && p.subtype != "global-delivery-status")) continue;
      if (view.inside_returned_message(i) != nested) continue;
      for (std::size_t j = i; j < parts.size(); ++j) {
        const mime_part& q = parts[j];
        if (q.type == "message" && (q.subtype == "delivery-status" || q.subtype == "global-delivery-status") &&
            view.inside_returned_message(j) == nested)
          read_blocks(q.body, out);
      }
      found = true;
    }
    if (found) break;
  }
  if (!found) {
    // DSN fields sent as plain text: a block of Final-Recipient/Action/Status lines in the notification
    const std::size_t at = marks.get().final_recipient;
    if (at != std::string::npos && ifind(view.text, "status:", at) != std::string::npos) {
      std::size_t start = view.text.rfind("\n\n", at);
      start = start == std::string::npos ? 0 : start + 2;
      const std::size_t before = out.recipients.size();
      read_blocks(std::string_view(view.text).substr(start), out);
      found = out.recipients.size() > before;
    }
  }
  if (!found) return false;
  out.type = message_type::bounce;
  out.format = "rfc3464";
  return true;
}

}  // namespace bouncekit::detail
