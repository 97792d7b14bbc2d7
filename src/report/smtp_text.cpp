#include "report/smtp_text.hpp"

#include "rules/literal_scanner.hpp"
#include "util/text.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace bouncekit::detail {

namespace {

// The phrases that say which command a reply answered.
struct cue {
  std::string_view phrase;
  std::string_view command;
};
constexpr std::array<cue, 38> command_cues = {{
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
    // Postfix: "host x[192.0.2.1] refused to talk to me: 554 ..." (its greeting)
    {"refused to talk to me", "CONN"},
    {"did not like our rcpt", "RCPT"}, {"did not like our mail", "MAIL"}, {"did not like our data", "DATA"},
    // Exim: "SMTP error from remote mail server after pipelined end of data:"
    {"after pipelined rcpt to", "RCPT"}, {"after pipelined mail from", "MAIL"},
    {"after pipelined end of data", "DATA"}, {"after pipelined data", "DATA"},
}};

// The words before a remote host's name, in order of precedence (and "remote host ", after "host ": never
// reached, as "host " is found in it first with the same host).
constexpr std::string_view host_leads[] = {"while talking to ", "host ", "remote server ", "connecting to ", "server "};

// The host named just after the lead at `at` (`lead_size` bytes), or empty: a lead that ends a word ("ghost "), or
// no dotted name after it.
std::string_view host_after(std::string_view text, std::size_t at, std::size_t lead_size) {
  if (at > 0 && is_alpha(text[at - 1])) return {};
  const std::size_t b = at + lead_size;
  std::size_t e = b;
  while (e < text.size() &&
         (is_alpha(text[e]) || is_digit(text[e]) || text[e] == '.' || text[e] == '-' || text[e] == '_'))
    ++e;
  std::string_view host = text.substr(b, e - b);
  while (!host.empty() && host.back() == '.') host.remove_suffix(1);
  if (host.find('.') != std::string_view::npos && host.size() >= 4 && is_alpha(host.front())) return host;
  return {};
}

}  // namespace

std::string find_smtp_command(std::string_view text) {
  // the leftmost cue decides
  static const literal_scanner scanner = [] {
    std::vector<std::string> phrases;
    for (const cue& c : command_cues) phrases.emplace_back(c.phrase);
    return literal_scanner(phrases);
  }();
  const literal_scanner::hit first = scanner.first(text);
  return first.begin == std::string_view::npos ? std::string() : std::string(command_cues[first.literal].command);
}

smtp_cues find_smtp_cues(std::string_view text) {
  // the host's leads are looked for in the whole text (most texts name no host after the first), so the
  // command's cues cost nothing more in the same scan
  static const literal_scanner scanner = [] {
    std::vector<std::string> phrases;
    for (const cue& c : command_cues) phrases.emplace_back(c.phrase);
    phrases.insert(phrases.end(), std::begin(host_leads), std::end(host_leads));
    return literal_scanner(phrases);
  }();
  constexpr auto first_lead = static_cast<std::uint32_t>(command_cues.size());
  literal_scanner::hit command{std::string_view::npos, 0};  // the leftmost cue, the longest of those starting there
  // the host after the lead that comes first in order of precedence, each lead from the left: a lead found is
  // looked at only when it would come before the best so far (no list of leads to sort)
  std::pair<std::uint32_t, std::size_t> best_lead{std::size(host_leads), 0};  // (lead, offset): none yet
  std::string_view host;
  scanner.scan_at(text, [&](std::uint32_t id, std::size_t at) {
    if (id >= first_lead) {
      const std::pair<std::uint32_t, std::size_t> lead{id - first_lead, at};
      if (lead >= best_lead) return;
      if (const std::string_view named = host_after(text, at, host_leads[lead.first].size()); !named.empty()) {
        best_lead = lead;
        host = named;
      }
    } else if (at < command.begin || (at == command.begin && scanner.length(id) > scanner.length(command.literal))) {
      command = {at, id};
    }
  });
  smtp_cues out;
  if (command.begin != std::string_view::npos) out.command = command_cues[command.literal].command;
  if (!host.empty()) out.remote_host = ascii_lower(host);
  return out;
}

std::string_view strip_value_type(std::string_view value) noexcept {
  value = trim(value);
  const std::size_t semi = value.find(';');
  if (semi != std::string_view::npos && semi < 16) value = trim(value.substr(semi + 1));
  return value;
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

namespace {

bool is_reply_code_at(std::string_view text, std::size_t at) {
  return at + 3 <= text.size() && (text[at] == '2' || text[at] == '4' || text[at] == '5') && is_digit(text[at + 1]) &&
         is_digit(text[at + 2]) && text[at + 1] <= '5';
}

// True when a reply's prefix may start at `at`: the start of the text, or after a space or the punctuation
// that leads a quoted reply ("said:550-", "'550-", "(550-").
bool prefix_may_start(std::string_view text, std::size_t at) {
  if (at == 0) return true;
  const char c = text[at - 1];
  return c == ' ' || c == ':' || c == '\'' || c == '"' || c == '(' || c == '[' || c == '>';
}

// The length of the enhanced status code at `at` ("5.7.1"), or 0.
std::size_t status_code_length(std::string_view text, std::size_t at) {
  const std::string code = find_status_code(text.substr(at, std::min<std::size_t>(text.size() - at, 12)));
  return !code.empty() && text.compare(at, code.size(), code) == 0 ? code.size() : 0;
}

}  // namespace

std::string failure_status(std::string_view diagnostic, std::string_view status_field, bool final_failure,
                           bool failures_only) {
  // a check of OUR sender (the phrases of rule policy-sender-verify-failed) quotes the answer its probe got:
  // Exim lists it ("Response: 550 5.1.1 ...") before "Sender verify failed", Postfix after "Sender address
  // rejected: undeliverable address: host x said: ..."; only the words before that answer count
  static const std::vector<std::string> phrases = [] {
    std::vector<std::string> list = {"sender verify failed",
                                     "sender verify defer",
                                     "sender verification failed",
                                     "sender verification failure",
                                     "sender verification rejected",
                                     "sender address rejected: unverified address",
                                     "sender address rejected: undeliverable address",
                                     "sender address rejected: address verification failed",
                                     "callout verification failed"};
    for (const char* negation : {"could not", "unable to", "cannot", "can't"})
      for (const char* object : {"", "the ", "your "})
        list.push_back(std::string(negation) + " verify " + object + "sender");
    for (const char* object : {"", "the "})
      for (const char* noun : {"", "address "})
        list.push_back(std::string("verification of ") + object + "sender " + noun + "failed");
    return list;
  }();
  static const literal_scanner sender_verification(phrases);
  // every phrase has "verif" ("verify", "unverified", "verification") or is the one about an undeliverable
  // address (checked when the list is built): a diagnostic with neither (most) needs no scan. Both cues hold
  // "ver", so one search for it, with each cue checked around each "ver" found, tells whether either is there.
  static constexpr std::string_view cues[] = {"verif", "undeliverable address"};
  static constexpr std::string_view shared = "ver";
  static const bool every_phrase_has_a_cue = std::all_of(phrases.begin(), phrases.end(), [](const std::string& p) {
    return std::any_of(std::begin(cues), std::end(cues), [&](std::string_view c) { return p.find(c) != p.npos; });
  });
  static const bool every_cue_has_shared = std::all_of(std::begin(cues), std::end(cues), [](std::string_view c) {
    return c.find(shared) != std::string_view::npos;
  });
  const auto has_a_cue = [&](std::string_view text) {
    if (!every_cue_has_shared)
      return std::any_of(std::begin(cues), std::end(cues), [&](std::string_view c) { return icontains(text, c); });
    for (std::size_t at = ifind(text, shared); at != std::string_view::npos; at = ifind(text, shared, at + 1))
      for (const std::string_view c : cues)
        if (const std::size_t offset = c.find(shared); at >= offset && istarts_with(text.substr(at - offset), c))
          return true;
    return false;
  };
  const bool may_quote_verification = !every_phrase_has_a_cue || has_a_cue(diagnostic);
  const literal_scanner::hit hit = may_quote_verification ? sender_verification.first(diagnostic)
                                                          : literal_scanner::hit{std::string_view::npos, 0};
  if (hit.begin != std::string_view::npos) {
    const std::size_t response = ifind(diagnostic, "response:");
    diagnostic =
        diagnostic.substr(0, response < hit.begin ? response : hit.begin + sender_verification.length(hit.literal));
  }
  // (the field is read only when the diagnostic's code is missing or temporary: most diagnostics have a code)
  std::string status = find_last_status_code(diagnostic, failures_only);
  if (status.empty()) return find_status_code(status_field);
  if (final_failure && status[0] == '4') {
    std::string permanent = find_last_status_code_of_class(diagnostic, '5');
    if (permanent.empty()) {
      std::string field = find_status_code(status_field);
      if (!field.empty() && field[0] == '5' && !is_generic_status(field)) permanent = std::move(field);
    }
    if (!permanent.empty()) return permanent;
  }
  return status;
}

namespace {

// strip_continuation_prefixes into `out`; false, leaving `out` alone, when there is nothing to strip.
bool strip_continuation_prefixes_into(std::string_view text, std::string& out) {
  std::size_t copied = 0;  // text[0, copied) is in `out`
  std::size_t at = 0;
  while (at < text.size()) {
    // the next reply that starts with a continuation prefix: "NNN-" (and its enhanced code, if any)
    const std::size_t dash = find_char(text, '-', at);
    if (dash == std::string_view::npos) break;
    if (dash < at + 3 || !is_reply_code_at(text, dash - 3) || !prefix_may_start(text, dash - 3) ||
        (dash + 1 < text.size() && text[dash + 1] == '-')) {
      at = dash + 1;
      continue;
    }
    const std::string_view reply_code = text.substr(dash - 3, 3);
    const std::size_t status_length = status_code_length(text, dash + 1);
    const std::string_view status = text.substr(dash + 1, status_length);
    at = dash + 1 + status_length;
    // its later lines: each starts after a space with the same code, '-' while more lines follow
    for (std::size_t p = text.find(reply_code, at); p != std::string_view::npos; p = text.find(reply_code, p + 1)) {
      if (text[p - 1] != ' ' || p + 4 > text.size() || (text[p + 3] != '-' && text[p + 3] != ' ')) continue;
      const bool last_line = text[p + 3] == ' ';
      std::size_t next = p + 4;  // after "NNN-" / "NNN "
      if (status_length > 0) {
        if (text.compare(next, status_length, status) != 0 || status_code_length(text, next) != status_length) continue;
        next += status_length;
        if (next < text.size() && text[next] != ' ') continue;
      } else if (status_code_length(text, next) > 0 || (next < text.size() && is_digit(text[next]))) {
        continue;  // a reply quoted inside this one ("Response: 550 5.1.1 ..."), not this one's next line
      }
      while (next < text.size() && text[next] == ' ') ++next;
      out.append(text.substr(copied, p - copied));  // keeps the space before the prefix
      copied = next;
      at = next;
      if (last_line) break;
    }
    if (at < dash + 1) at = dash + 1;
  }
  if (copied == 0) return false;
  out.append(text.substr(copied));
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return true;
}

}  // namespace

std::string strip_continuation_prefixes(std::string_view text) {
  std::string out;
  if (!strip_continuation_prefixes_into(text, out)) out = text;
  return out;
}

std::string strip_continuation_prefixes_moved(std::string&& text) {
  std::string out;
  if (!strip_continuation_prefixes_into(text, out)) out = std::move(text);
  return out;
}

std::string join_reply_lines(std::span<const std::string_view> lines) {
  // the lines joined by one space, whitespace collapsed as they are copied: at most each line and its space
  std::size_t most = 0;
  for (std::string_view raw : lines) most += raw.size() + 1;
  std::string out(most + 8, '\0');  // and room for copy_collapsed's last eight-byte store
  char* const begin = out.data();
  char* o = begin;
  bool kept = false;      // whether a line was kept yet
  std::string_view head;  // the first line's reply code, when it starts with three characters
  // a section rule ("----- Non-delivered information -----") is layout, not part of the reply
  const auto is_rule = [](std::string_view l) {
    return l.size() >= 6 && l.substr(0, 3) == "---" && l.substr(l.size() - 3) == "---";
  };
  // Kept lines that follow each other in one text (split_lines' lines: one newline apart) are copied as one
  // stretch, from the first one's start to the last one's end: what lies between them is whitespace (what trim()
  // takes off, the newlines, blank lines), which copy_collapsed makes the one space the join puts there. One call
  // for a block of lines instead of one per line, each with its own short tail.
  const char* stretch = nullptr;  // the start of the kept lines not copied yet, or null
  const char* stretch_end = nullptr;
  const auto copy_stretch = [&] {
    if (stretch == nullptr) return;
    if (o != begin) *o++ = ' ';
    o = copy_collapsed(std::string_view(stretch, static_cast<std::size_t>(stretch_end - stretch)), o);
    stretch = nullptr;
  };
  const char* raw_end = nullptr;  // the end of the line before
  for (std::string_view raw : lines) {
    // (the byte between two views one byte apart lies inside their text)
    if (raw_end == nullptr || raw.data() != raw_end + 1 || !is_space(*raw_end)) copy_stretch();
    raw_end = raw.data() + raw.size();
    std::string_view line = trim(raw);
    if (line.empty()) continue;
    if (is_rule(line)) {
      copy_stretch();
      continue;
    }
    // "550-5.7.1 text" continuation prefix repeated on each line: keep the first, drop later ones
    if (kept && line.size() > 4 && is_digit(line[0]) && is_digit(line[1]) && is_digit(line[2]) &&
        (line[3] == '-' || line[3] == ' ') && head == line.substr(0, 3)) {
      copy_stretch();
      line = trim(line.substr(4));
      const std::string status = find_status_code(line.substr(0, std::min<std::size_t>(line.size(), 12)));
      if (!status.empty() && line.rfind(status, 0) == 0) line = trim(line.substr(status.size()));
      if (line.empty()) continue;
      *o++ = ' ';  // (a line was kept before)
      o = copy_collapsed(line, o);
      continue;
    }
    if (!kept) {
      head = line.substr(0, line.size() >= 3 ? 3 : 0);
      kept = true;
    }
    if (stretch == nullptr) stretch = line.data();
    stretch_end = line.data() + line.size();
  }
  copy_stretch();
  out.resize(static_cast<std::size_t>(o - begin));
  // the prefixes of a reply that does not start a line ("host x [192.0.2.1]: 550-5.7.1 first"), or that an
  // MTA re-wrapped ("said: 450-4.2.1 The\n user ... rate 450 4.2.1\n that prevents")
  std::string stripped;
  if (strip_continuation_prefixes_into(out, stripped)) return stripped;
  return out;
}

}  // namespace bouncekit::detail
