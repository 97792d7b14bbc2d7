// Non-standard bounces: the plain-text reports of MTAs that send no message/delivery-status part, or whose
// text says more than their DSN. One generic reader: the error block ends where the returned message starts,
// recipients are the addresses it names (or the headers that name them), and each recipient's block of
// lines gives its diagnostic, codes, command and remote host. Which MTA wrote it: mta_format.cpp; which lines
// of a Sendmail transcript belong to which address: transcript.cpp.
#include "mime/decode.hpp"
#include "report/evidence.hpp"
#include "report/mta_format.hpp"
#include "report/smtp_text.hpp"
#include "report/transcript.hpp"
#include "rules/literal_scanner.hpp"
#include "util/text.hpp"
#include "util/thread_lease.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <optional>
#include <span>

namespace bouncekit::detail {

namespace {

// Lines that start the returned message (or say it follows).
constexpr std::string_view returned_markers[] = {
    "this is a copy of the message",
    "below this line is a copy of the message",
    "original message follows",
    "original message headers",
    "message headers follow",
    "headers of the original message",
    "unsent message below",
    "returned message",
    "------ original message",
    "----- original message",
    "-----original message-----",
    "--- original message",
    "original message --",
    "the headers of your message",
    "your message reads",
    "a copy of the original message",
    "undelivered message",
    "the message header",
    "content-type: message/rfc822",
    "text of the returned message",
    "message header follows",
    "original mail as follows",
    "original message as follows",
};

// Where the error section ends: a marker of the returned message, or the first field of a header block quoted
// inline.
std::vector<std::string> section_end_phrases() {
  std::vector<std::string> phrases(std::begin(returned_markers), std::end(returned_markers));
  phrases.emplace_back("\nreceived: ");
  phrases.emplace_back("\nreturn-path: ");
  return phrases;
}

// The MTA's own statements of what it does with the message: the first `gave_up` say it gave up; the rest, that
// it goes on trying.
constexpr std::string_view delivery_statements[] = {
    "permanent error", "given up", "giving up", "not going to try again", "could not be delivered",
    "delivery has failed", "failed permanently", "undeliverable", "has been removed from the queue",
    "will continue trying", "will keep trying", "still trying", "delivery attempts will continue",
    "has not yet been delivered", "message still undelivered", "will be retried", "this is a warning message only",
    "will try again", "will retry", "no action is required on your part", "is delayed for more than"};
constexpr std::size_t gave_up = 9;

// The words that lead a remote server's reply ("host x said:", "Remote server returned", ...).
constexpr std::string_view lead_phrases[] = {"said:", "smtp error from remote mail server", "remote server returned",
                                             "the response was:", "the error that the other server returned was:"};

// What a Sendmail transcript says it is.
constexpr std::string_view transcript_phrase = "transcript of session";

// The phrase lists read from the top of the text (the format markers, the section's end, the MTA's statements,
// the leads of a server's reply, the transcript's title), found by one scan of its first format_marker_window
// bytes instead of one scan each: an automaton of all of them costs about what one of them does per byte. Each
// list's questions are answered only when the scanned bytes settle them (a section longer than the window is
// scanned for again).
// The automaton holds each phrase's first scanned_head bytes only, and a hit of a longer phrase is checked for
// the rest: the hits are the same, but the stretches the scanner walks side by side overlap by fewer than
// scanned_head bytes instead of by the longest phrase's length (some 70: a fifth of the bytes walked in a text
// of a kilobyte), and the automaton's table is smaller.
// The window is scanned from its start a stretch at a time, as far as the error section needs (scan_more()):
// the rest of it, the returned message mostly, is looked at for the format markers only, and only for those
// that come before the lowest one already found (most texts name their MTA at the top, where a marker of a
// higher precedence would be), which a search each finds faster than the automaton walks the bytes.
class top_phrases {
 public:
  explicit top_phrases(std::string_view text)
      : window_(text.substr(0, std::min(text.size(), format_marker_window))), text_size_(text.size()) {
    scan_to(std::min(window_.size(), first_stretch));
  }

  // Scans the next stretch of the window; false when it is all scanned.
  bool scan_more() {
    if (scanned_ == window_.size()) return false;
    scan_to(window_.size() - scanned_ <= 2 * stretch ? window_.size() : scanned_ + stretch);
    return true;
  }

  // Scans on until the text's first `size` bytes are scanned (or all of the window).
  void cover(std::size_t size) {
    while (scanned_ < size && scan_more()) {
    }
  }

  // The smallest index into format_text_markers() of those in the window, or npos.
  std::size_t lowest_format_marker() const {
    const std::size_t markers = u_.first[format + 1] - u_.first[format];
    std::size_t found = lowest(format, window_.size());
    found = found == std::string_view::npos ? markers : found - u_.first[format];
    if (scanned_ < window_.size()) {
      // the markers of a higher precedence than those found, in the rest of the window (where the head of each
      // one not seen yet ends)
      if (found <= searched_markers) {
        for (std::size_t i = 0; i < found; ++i) {
          const rare_pair_needle& marker = u_.format_needles[i];
          // (one ending within the scanned bytes would have been found: one not found ends after them)
          const std::size_t from = scanned_ - std::min(scanned_, marker.text().size() - 1);
          if (ifind(window_, marker, from) != std::string_view::npos) return i;
        }
      } else {
        const std::size_t offset = scanned_ - std::min(scanned_, scanned_head - 1);
        u_.scanner.scan_at(window_.substr(offset), [&](std::uint32_t id, std::size_t at) {
          at += offset;
          if (in(format, id) && id - u_.first[format] < found && is_whole(id, at)) found = id - u_.first[format];
        });
      }
    }
    return found == markers ? std::string_view::npos : found;
  }

  // The leftmost phrase of section_end_phrases() starting at `from` or later (of several there, the longest),
  // as literal_scanner::first would find it in text.substr(from) with `begin` counted from the text's start;
  // nothing when the bytes scanned so far do not settle it.
  std::optional<literal_scanner::hit> first_section_end(std::size_t from) const {
    const literal_scanner::hit best = scanned_section_end(from);
    // one starting earlier would have ended inside the scanned bytes, and been seen
    const bool settled = scanned_ == text_size_ ||
                         (best.begin != std::string_view::npos && best.begin + u_.longest[section_end] <= scanned_);
    if (!settled) return std::nullopt;
    return best;
  }

  // first_section_end(from) of a text longer than the window, once all of the window is scanned: the hits in the
  // window, and those of `scanner` (of section_end_phrases()) in the rest of `text` (the text scanned), where a
  // phrase that ends after the window starts. The rest only is walked again, not the whole text.
  literal_scanner::hit first_section_end(std::size_t from, std::string_view text,
                                         const literal_scanner& scanner) const {
    literal_scanner::hit best = scanned_section_end(from);
    const std::size_t rest = std::max(from, past_window(section_end));
    literal_scanner::hit later = scanner.first(text.substr(std::min(rest, text.size())));
    if (later.begin == std::string_view::npos) return best;
    later.begin += rest;
    if (best.begin == std::string_view::npos || later.begin < best.begin ||
        (later.begin == best.begin && scanner.length(later.literal) > scanner.length(best.literal)))
      best = later;
    return best;
  }

  // The smallest index into delivery_statements of those in the text's first `size` bytes, or npos; nothing
  // when they reach past the bytes scanned.
  std::optional<std::size_t> lowest_statement(std::size_t size) const {
    if (size > scanned_) return std::nullopt;
    const std::size_t id = lowest(statement, size);
    return id == std::string_view::npos ? id : id - u_.first[statement];
  }

  // lowest_statement of a section longer than the window, once all of the window is scanned: the hits in the
  // window, and `scanner` (of delivery_statements) over the rest of the section.
  std::size_t lowest_statement(std::string_view section, const literal_scanner& scanner) const {
    const std::size_t id = lowest(statement, scanned_);
    const std::size_t in_window = id == std::string_view::npos ? id : id - u_.first[statement];
    const std::size_t rest = past_window(statement);
    return std::min(in_window, scanner.lowest(section.substr(std::min(rest, section.size()))));
  }

  // Whether the text's first `size` bytes say they are a session transcript ("Transcript of session follows");
  // nothing when they reach past the bytes scanned.
  std::optional<bool> names_transcript(std::size_t size) const {
    if (size > scanned_) return std::nullopt;
    return lowest(transcript, size) != std::string_view::npos;
  }

  // Calls found(lead, at) for every phrase of lead_phrases in the text's first `size` bytes (some more than
  // once) and returns true; false, calling nothing, when they reach past the bytes scanned.
  template <typename F>
  bool leads(std::size_t size, F&& found) const {
    if (size > scanned_) return false;
    for (const hit& h : hits())
      if (in(lead, h.phrase) && h.begin + u_.length[h.phrase] <= size) found(h.phrase - u_.first[lead], h.begin);
    return true;
  }

  // leads() of a block (the start of the text) longer than the window, once all of the window is scanned: the
  // hits in the window, and those of `scanner` (of lead_phrases) in the rest of the block.
  template <typename F>
  void leads(std::string_view block, const literal_scanner& scanner, F&& found) const {
    leads(scanned_, found);
    const std::size_t rest = std::min(past_window(lead), block.size());
    scanner.scan_at(block.substr(rest), [&](std::uint32_t phrase, std::size_t at) { found(phrase, at + rest); });
  }

 private:
  enum list : std::size_t { format, section_end, statement, lead, transcript, list_count };
  // How much of each phrase the automaton walks: about half the phrases are longer.
  static constexpr std::size_t scanned_head = 20;
  // The first stretch scanned, and the next ones: an error section is a few hundred bytes, mostly.
  static constexpr std::size_t first_stretch = 1536;
  static constexpr std::size_t stretch = 768;
  // Up to this many markers are searched for one by one in the rest of the window, more by the automaton.
  static constexpr std::size_t searched_markers = 16;
  // A phrase's bytes after its head, compared eight at a time: a letter in either case, anything else as it is.
  class phrase_tail {
   public:
    explicit phrase_tail(std::string_view tail = {}) {
      for (const char c : tail) {
        lower_ += is_alpha(c) ? static_cast<char>(c | 0x20) : c;
        fold_ += is_alpha(c) ? '\x20' : '\0';
      }
    }
    bool empty() const { return lower_.empty(); }
    // Whether the tail starts at `text` (which holds at least as many bytes).
    bool matches(const char* text) const {
      const std::size_t n = lower_.size();
      std::size_t i = 0;
      for (; i + 8 <= n; i += 8)
        if ((word(text + i) | word(fold_.data() + i)) != word(lower_.data() + i)) return false;
      for (; i < n; ++i)
        if ((text[i] | fold_[i]) != lower_[i]) return false;
      return true;
    }

   private:
    static std::uint64_t word(const char* at) {
      std::uint64_t w;
      std::memcpy(&w, at, sizeof w);
      return w;
    }
    std::string lower_;  // letters lower-cased
    std::string fold_;   // 0x20 under a letter: or-ed into the text's byte, it folds an upper-case letter
  };
  struct union_phrases {
    literal_scanner scanner;                   // of the phrases' heads
    std::vector<std::size_t> length;           // id -> the whole phrase's length
    std::vector<phrase_tail> tail;             // id -> the phrase after its head
    std::vector<rare_pair_needle> format_needles;  // format_text_markers(), to be searched for one by one
    std::uint32_t first[list_count + 1] = {};  // list k has the ids [first[k], first[k + 1])
    std::size_t longest[list_count] = {};
  };
  struct hit {
    std::size_t begin;
    std::uint32_t phrase;
  };

  static const union_phrases& phrases() {
    static const union_phrases u = [] {
      std::vector<std::vector<std::string>> lists(list_count);
      lists[format] = format_text_markers();
      lists[section_end] = section_end_phrases();
      lists[statement].assign(std::begin(delivery_statements), std::end(delivery_statements));
      lists[lead].assign(std::begin(lead_phrases), std::end(lead_phrases));
      lists[transcript] = {std::string(transcript_phrase)};
      std::vector<std::string> all;
      union_phrases out;
      for (std::size_t k = 0; k < list_count; ++k) {
        out.first[k] = static_cast<std::uint32_t>(all.size());
        for (const std::string& p : lists[k]) out.longest[k] = std::max(out.longest[k], p.size());
        all.insert(all.end(), lists[k].begin(), lists[k].end());
      }
      out.first[list_count] = static_cast<std::uint32_t>(all.size());
      std::vector<std::string> heads;
      for (const std::string& p : all) {
        heads.push_back(p.substr(0, scanned_head));
        out.length.push_back(p.size());
        out.tail.emplace_back(std::string_view(p).substr(std::min(p.size(), scanned_head)));
      }
      out.scanner = literal_scanner(heads);
      for (const std::string& marker : format_text_markers()) out.format_needles.emplace_back(marker);
      return out;
    }();
    return u;
  }
  // Scans the window's bytes from scanned_ to `end`, and the phrases' heads that end in them.
  void scan_to(std::size_t end) {
    const std::size_t from = scanned_ - std::min(scanned_, scanned_head - 1);
    const std::size_t before = scanned_;
    u_.scanner.scan_at(window_.substr(from, end - from), [&](std::uint32_t id, std::size_t at) {
      at += from;
      if (at + u_.scanner.length(id) > before && is_whole(id, at)) add({at, id});  // (not seen before)
    });
    scanned_ = end;
  }
  // The leftmost phrase of section_end_phrases() starting at `from` or later among those found so far (of several
  // there, the longest), its id counted in that list.
  literal_scanner::hit scanned_section_end(std::size_t from) const {
    literal_scanner::hit best{std::string_view::npos, 0};
    for (const hit& h : hits())
      if (in(section_end, h.phrase) && h.begin >= from &&
          (h.begin < best.begin || (h.begin == best.begin && u_.length[h.phrase] > u_.length[best.literal])))
        best = {h.begin, h.phrase};
    if (best.begin != std::string_view::npos) best.literal -= u_.first[section_end];
    return best;
  }
  // Where a phrase of list k that the hits miss may start, once the window is all scanned: one that ends after
  // the window starts fewer than its length before the window's end.
  std::size_t past_window(list k) const { return window_.size() - std::min(window_.size(), u_.longest[k] - 1); }
  // Whether phrase `id`, whose head starts at `at`, is there whole.
  bool is_whole(std::uint32_t id, std::size_t at) const {
    return u_.tail[id].empty() ||
           (u_.length[id] <= window_.size() - at && u_.tail[id].matches(window_.data() + at + scanned_head));
  }
  bool in(list k, std::uint32_t phrase) const { return phrase >= u_.first[k] && phrase < u_.first[k + 1]; }
  // The smallest id of list k among the phrases that end within the text's first `size` bytes, or npos.
  std::size_t lowest(list k, std::size_t size) const {
    std::size_t best = std::string_view::npos;
    for (const hit& h : hits())
      if (in(k, h.phrase) && h.begin + u_.length[h.phrase] <= size) best = std::min<std::size_t>(best, h.phrase);
    return best;
  }

  // Most texts have fewer hits than fit in place: no allocation for them.
  static constexpr std::size_t inline_hits = 48;
  void add(hit h) {
    if (spilled_.empty() && hit_count_ < inline_hits) {
      inline_hits_[hit_count_++] = h;
      return;
    }
    if (spilled_.empty()) spilled_.assign(inline_hits_.begin(), inline_hits_.end());
    spilled_.push_back(h);
  }
  // The hits in the order found.
  std::span<const hit> hits() const {
    return spilled_.empty() ? std::span<const hit>(inline_hits_.data(), hit_count_) : std::span<const hit>(spilled_);
  }

  // (phrases() is a call that tests its guard: looked up once, not on every hit)
  const union_phrases& u_ = phrases();
  std::array<hit, inline_hits> inline_hits_;
  std::size_t hit_count_ = 0;
  std::vector<hit> spilled_;  // all the hits, once there are more than inline_hits
  std::string_view window_;  // the text's first format_marker_window bytes
  std::size_t text_size_;
  std::size_t scanned_ = 0;  // the window's first scanned_ bytes were scanned
};

// Boilerplate addresses that are never the failed recipient: system mailboxes, and a mailing list's command
// and owner addresses (a list manager's notice tells the poster to write to them).
bool is_system_address(std::string_view address) {
  const std::size_t at = find_char(address, '@');
  const std::string_view local = address.substr(0, at);
  // the whole local part before an '@' (compared only when the lengths agree)
  static constexpr std::string_view mailboxes[] = {"mailer-daemon", "postmaster", "mail-daemon", "noreply",
                                                   "no-reply",      "root",       "abuse"};
  if (at != std::string_view::npos)
    for (const std::string_view mailbox : mailboxes)
      if (local.size() == mailbox.size() && iequals(local, mailbox)) return true;
  const auto ends_with = [&](std::string_view tail) {
    return local.size() > tail.size() && iequals(local.substr(local.size() - tail.size()), tail);
  };
  return istarts_with(address, "owner-") || ends_with("-request") || ends_with("-ctl") || ends_with("-owner");
}

// The part of the text before the returned message.
std::string_view error_section(std::string_view text, top_phrases& top) {
  std::size_t start = 0;  // markers count from the third line on (the first lines introduce the report)
  // a forwarded bounce starts with the headers of the bounce itself: they are not the returned message
  std::size_t p = 0;
  while (p < text.size() && text[p] == '\n') ++p;
  const std::size_t first_end = text.find('\n', p);
  if (looks_like_field(text.substr(p, first_end == std::string_view::npos ? text.npos : first_end - p))) {
    read_field_block(text, p, true);
    start = p;
  } else {
    for (int line = 0; line < 2 && start != std::string_view::npos; ++line) {
      start = text.find('\n', start);
      if (start != std::string_view::npos) ++start;
    }
    if (start == std::string_view::npos) return text;
  }
  // every phrase that ends the section, in one pass (when the top of the text does not settle it)
  const auto next_end = [&](std::size_t from) {
    do {
      if (const std::optional<literal_scanner::hit> hit = top.first_section_end(from)) return *hit;
    } while (top.scan_more());
    static const literal_scanner scanner(section_end_phrases());
    return top.first_section_end(from, text, scanner);
  };
  // "returned message" also occurs in prose (Postfix: "delete your own text from the attached returned
  // message"): it marks the returned message only as a separator line, with no words before it
  static const std::uint32_t prose_marker = static_cast<std::uint32_t>(
      std::find(std::begin(returned_markers), std::end(returned_markers), "returned message") - std::begin(returned_markers));
  const auto words_before = [&](std::size_t at) {
    for (std::size_t i = at; i > 0 && text[i - 1] != '\n'; --i)
      if (is_alpha(text[i - 1])) return true;
    return false;
  };
  std::size_t from = start > 0 ? start - 1 : 0;
  literal_scanner::hit first = next_end(from);
  while (first.begin != std::string_view::npos && first.literal == prose_marker && words_before(first.begin))
    first = next_end(first.begin + 1);
  std::size_t end = first.begin == std::string_view::npos ? text.size() : first.begin;
  if (end < text.size() && text[end] == '\n') ++end;  // a header field starts after its newline
  if (end < start) end = start;
  if (end == text.size()) return text;
  const std::size_t line_start = text.rfind('\n', end == 0 ? 0 : end - 1);
  return text.substr(0, line_start == std::string_view::npos || line_start < start ? end : line_start + 1);
}

// A delay warning says the sending MTA will go on trying; a final report says it gave up. Only the MTA's own
// statements count here (a server's "temporarily deferred" is the reason, not the MTA's plan).
// `section` is the start of the text `top` scanned.
bool says_delayed(std::string_view subject, std::string_view section, const top_phrases& top) {
  static const literal_scanner delay_subject{"delayed", "(delay)", "delay notification", "warning:",
                                             "warning--could not", "still being retried"};
  std::optional<std::size_t> first = top.lowest_statement(section.size());
  if (!first) {
    static const literal_scanner statements(
        std::vector<std::string>(std::begin(delivery_statements), std::end(delivery_statements)));
    first = top.lowest_statement(section, statements);
  }
  if (*first < gave_up) return false;
  return *first != std::string_view::npos || delay_subject.any(subject);
}

// True when a line after the first starts with `c`: a search for `c` (rarer than a newline) that looks back.
bool starts_a_later_line(std::string_view text, char c) {
  for (std::size_t at = find_char(text, c, 1); at != std::string_view::npos; at = find_char(text, c, at + 1))
    if (text[at - 1] == '\n') return true;
  return false;
}

// A bounce forwarded by a person arrives quoted ("> " before every line): read it as the MTA wrote it.
// Returns false (and leaves `out` alone) when the text is not quoted.
bool strip_quote_marks(std::string_view text, std::string& out) {
  if (text.empty() || (text.front() != '>' && !starts_a_later_line(text, '>'))) return false;
  const std::vector<std::string_view> lines = split_lines(text);
  std::size_t quoted = 0, nonempty = 0;
  for (std::string_view l : lines) {
    if (trim(l).empty()) continue;
    ++nonempty;
    if (l.front() == '>') ++quoted;
  }
  if (nonempty == 0 || quoted * 2 < nonempty) return false;
  out.clear();
  out.reserve(text.size());
  for (std::string_view l : lines) {
    if (!l.empty() && l.front() == '>') {
      l.remove_prefix(1);
      if (!l.empty() && l.front() == ' ') l.remove_prefix(1);
    }
    out.append(l);
    out += '\n';
  }
  return true;
}

// A header field quoted in the text whose addresses are never the failed recipient, also when a transcript
// puts a time stamp before it ("Fri 2024-07-05 16:20:09: *  Message-ID: <...@example.net>").
bool names_no_recipient(std::string_view line) {
  static constexpr std::string_view fields[] = {"message-id:", "in-reply-to:", "references:", "reply-to:", "sender:",
                                                "return-path:"};
  // Each name has one ':', its last byte: the leftmost name in the line ends at the first ':' that ends one (a
  // name ending at a later ':' starts after this one), and of those ending there the longest starts first.
  for (std::size_t colon = find_char(line, ':'); colon != std::string_view::npos;
       colon = find_char(line, ':', colon + 1)) {
    std::size_t begin = std::string_view::npos;
    for (const std::string_view field : fields)
      if (field.size() <= colon + 1 && iequals(line.substr(colon + 1 - field.size(), field.size()), field))
        begin = std::min(begin, colon + 1 - field.size());
    if (begin == std::string_view::npos) continue;
    const std::string_view before = line.substr(0, begin);
    return find_char(before, '@') == std::string_view::npos &&
           (begin == 0 || !is_alpha(line[begin - 1]));  // "Message-ID:", not "xsender:"
  }
  return false;
}

constexpr std::size_t no_line = std::string_view::npos;

struct located_address {
  std::string address;
  std::size_t line;                   // where the address is first named
  std::size_t failing_line = no_line;  // a line naming it with a 4xx/5xx reply or status code
};

// True when the line carries a failing SMTP reply (near its start) or status code.
bool says_failure(std::string_view line) {
  if (!has_digit(line)) return false;  // (most lines)
  const std::string code = find_reply_code(line);
  if (!code.empty() && code[0] != '2' && line.find(code) < 48) return true;
  const std::string status = find_status_code(line);
  return !status.empty() && status[0] != '2';
}

// Where a remote server's reply starts, per line: 0 for a line that continues a reply, the offset just after
// the lead ("host x said:", "Remote host said:", "SMTP error from remote mail server ...", "Remote server
// returned") on the line that starts one, npos elsewhere. A reply runs until a blank line, or a line that
// starts with an address and is indented no deeper than the reply's first line (the next recipient's entry).
// Addresses in a reply are the server's words about the recipient before it ("please try <new@example.net>"),
// not recipients.
// `lines` split the start of the text `top` scanned.
std::vector<std::size_t> reply_text_starts(const std::vector<std::string_view>& lines, const top_phrases& top) {
  std::vector<std::size_t> out(lines.size(), std::string_view::npos);
  if (lines.empty()) return out;
  // the leftmost lead phrase of each line (the longest of those starting there), by one scan of the whole
  // block: the lines are consecutive slices of one text, one newline apart
  struct lead_hit {
    std::size_t begin = std::string_view::npos;  // offset in the line
    std::uint32_t phrase = 0;
  };
  std::vector<lead_hit> lead_of(lines.size());
  const char* const base = lines.front().data();
  const auto line_start = [&](std::string_view l) { return static_cast<std::size_t>(l.data() - base); };
  const std::string_view block(base, line_start(lines.back()) + lines.back().size());
  const auto found = [&](std::uint32_t phrase, std::size_t at) {
    const std::size_t line =
        static_cast<std::size_t>(std::ranges::upper_bound(lines, at, {}, line_start) - lines.begin()) - 1;
    lead_hit& best = lead_of[line];
    const std::size_t begin = at - line_start(lines[line]);
    if (begin < best.begin || (begin == best.begin && lead_phrases[phrase].size() > lead_phrases[best.phrase].size()))
      best = {begin, phrase};
  };
  if (!top.leads(block.size(), found)) {
    static const literal_scanner leads(std::vector<std::string>(std::begin(lead_phrases), std::end(lead_phrases)));
    top.leads(block, leads, found);
  }
  bool in_reply = false;
  std::size_t reply_indent = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string_view raw = lines[i];
    const std::string_view line = trim(raw);
    if (line.empty()) {
      in_reply = false;
      continue;
    }
    const std::size_t indent = static_cast<std::size_t>(line.data() - raw.data());
    if (in_reply && indent <= reply_indent) {
      std::string_view head = line;
      while (!head.empty() && (head.front() == '<' || head.front() == '"')) head.remove_prefix(1);
      if (starts_with_address(head)) in_reply = false;
    }
    if (in_reply) {
      out[i] = 0;
      continue;
    }
    const lead_hit lead = lead_of[i];
    if (lead.begin == std::string_view::npos) continue;
    in_reply = true;
    reply_indent = indent;
    const std::size_t lead_end = lead.begin + lead_phrases[lead.phrase].size();
    out[i] = lead_end >= indent ? lead_end - indent : 0;
  }
  return out;
}

// True when the ')' that ends `text` closes no '(' of `text`.
bool ends_with_unmatched_paren(std::string_view text) {
  if (text.empty() || text.back() != ')') return false;
  // (a ')' before the first '(' closes nothing: the count starts there)
  const std::size_t first_open = find_char(text.substr(0, text.size() - 1), '(');
  if (first_open == std::string_view::npos) return true;
  std::size_t open = 0;
  for (const char c : text.substr(first_open, text.size() - 1 - first_open)) {
    if (c == '(') {
      ++open;
    } else if (c == ')' && open > 0) {
      --open;
    }
  }
  return open == 0;
}

// "host x said: 550 ..." -> "550 ..."; a status quoted at the end ("... (#4.4.3)") keeps its line
// ("<bob@example.org> (550 Unknown user)" -> "550 Unknown user"); a quoted code ("('550', [...])") stays.
// The wrapper's closing parenthesis goes with its opening one ("(reason: 554 5.7.1 Blocked)" -> "554 5.7.1
// Blocked").
void start_at_reply_code(std::string& diagnostic, const std::string& code) {
  const std::size_t code_at = code.empty() ? std::string::npos : diagnostic.find(code);
  if (code_at != std::string::npos && code_at > 0 && code_at < 120 && diagnostic[code_at - 1] != '\'' &&
      diagnostic[code_at - 1] != '"') {
    diagnostic.erase(0, code_at);
    while (ends_with_unmatched_paren(diagnostic)) {
      diagnostic.pop_back();
      while (!diagnostic.empty() && diagnostic.back() == ' ') diagnostic.pop_back();
    }
  }
}

// A list manager's refusal of a post: the failed recipient is the list, the returned post's To or Cc address
// that the refusal names (else its first one), or with no returned post an address the refusal names; the
// diagnostic is the paragraph that refuses. False when no list address is found.
bool read_list_refusal(const message_view& view, std::string_view text, report& out) {
  const std::size_t cue = find_list_refusal(text.substr(0, 4096));
  if (cue == std::string_view::npos) return false;
  const std::size_t blank_before = text.rfind("\n\n", cue);
  std::size_t begin = blank_before == std::string_view::npos ? 0 : blank_before + 2;
  // a paragraph that introduces this one ("... was rejected for the following reasons:") belongs to it
  if (blank_before != std::string_view::npos && trim(text.substr(0, blank_before)).size() > 0 &&
      trim(text.substr(0, blank_before)).back() == ':') {
    const std::size_t earlier = text.rfind("\n\n", blank_before == 0 ? 0 : blank_before - 1);
    begin = earlier == std::string_view::npos || earlier >= blank_before ? 0 : earlier + 2;
  }
  const std::size_t blank_after = text.find("\n\n", cue);
  const std::string_view paragraph =
      text.substr(begin, (blank_after == std::string_view::npos ? text.size() : blank_after) - begin);

  std::vector<std::string> posters = find_addresses(view.to);
  if (const header_field* f = find_field(view.returned_headers, "From"))
    for (auto& a : find_addresses(f->value)) posters.push_back(std::move(a));
  const auto usable = [&](const std::string& a) {
    return !is_system_address(a) && !iequals(a, view.from_address) &&
           std::none_of(posters.begin(), posters.end(), [&](const std::string& p) { return iequals(p, a); });
  };
  std::vector<std::string> addressed;
  for (std::string_view name : {"To", "Cc"})
    for (const header_field& f : view.returned_headers)
      if (iequals(f.name, name))
        for (auto& a : find_addresses(f.value))
          if (usable(a)) addressed.push_back(std::move(a));
  std::string list;
  for (const std::string& a : addressed) {
    const std::string_view local = std::string_view(a).substr(0, find_char(a, '@'));
    if (ifind(paragraph, local) != std::string_view::npos) {
      list = a;
      break;
    }
  }
  if (list.empty() && !addressed.empty()) list = addressed.front();
  if (list.empty())
    for (auto& a : find_addresses(paragraph))
      if (usable(a)) {
        list = a;
        break;
      }
  if (list.empty()) return false;

  out.type = message_type::bounce;
  out.format = detect_mta_format(view, text);
  recipient_evidence r;
  r.address = list;
  r.action = "failed";
  std::string diagnostic = collapse_whitespace(paragraph);
  if (diagnostic.size() > 2000) diagnostic.resize(2000);
  r.diagnostic = sanitize_utf8(diagnostic);
  const std::string status = failure_status(diagnostic, {}, true);
  if (!status.empty()) r.status = status;
  const std::string reply = find_reply_code(diagnostic);
  if (!reply.empty()) r.reply_code = reply;
  r.extra_text = *r.diagnostic;
  out.recipients.push_back(std::move(r));
  return true;
}

// The error section's lines, in a vector this thread keeps from one text to the next: a section of a few
// kilobytes took a block too big for malloc's per-thread cache on every text. Room past 4,096 lines is let go
// when the lease ends.
struct kept_section_lines {
  static void release(std::vector<std::string_view>& lines) {
    lines.clear();
    if (lines.capacity() > 4096) lines.shrink_to_fit();
  }
};
using kept_lines = thread_lease<std::vector<std::string_view>, kept_section_lines>;

// An error context for `section`: the thread's last one when no report holds it any more (nearly always: a
// report is dropped when its message is classified), its room reused, instead of a new block for the context
// and another for its copy of the section, of up to 8000 bytes. (No other thread can take a share of the one
// this thread alone holds; one that held a share and dropped it did so before the fence, by the count's release.)
std::shared_ptr<const error_context> make_error_context(std::string_view section) {
  static thread_local std::shared_ptr<error_context> last;
  if (last && last.use_count() == 1) {
    std::atomic_thread_fence(std::memory_order_acquire);
    last->assign(section);
  } else {
    last = std::make_shared<error_context>(section);
  }
  return last;
}

}  // namespace

const std::string& error_context::one_line() const {
  if (!one_line_) one_line_ = sanitize_utf8(strip_continuation_prefixes_moved(collapse_whitespace(section_)));
  return *one_line_;
}

bool read_text_bounce(const message_view& view, report& out) {
  if (!looks_like_bounce(view)) return false;
  std::string unquoted;
  const bool was_quoted = strip_quote_marks(view.text, unquoted);
  const std::string_view text = was_quoted ? std::string_view(unquoted) : std::string_view(view.text);
  if (is_list_refusal_notice(view) && read_list_refusal(view, text, out)) return true;
  top_phrases top(text);
  const std::string_view section = error_section(text, top);
  top.cover(section.size());  // for the questions about the section
  kept_lines section_lines;
  split_lines(section, section_lines.get());
  const std::vector<std::string_view>& lines = section_lines.get();

  // Who is not the recipient: the bounce's own sender and addressee, the returned message's sender, and
  // system mailboxes. A first pass leaves them all out; when it finds nobody, a second pass lets the
  // addressee, the returned sender and system mailboxes back in (people do bounce mail sent to themselves,
  // and postmaster@ can be the failed recipient), never the bounce's own sender.
  const header_field* const returned_from = find_field(view.returned_headers, "From");
  const header_field* const returned_path = find_field(view.returned_headers, "Return-Path");
  auto listed = [](const std::vector<std::string>& list, const std::string& a) {
    return std::any_of(list.begin(), list.end(), [&](const std::string& e) { return iequals(e, a); });
  };
  // An address find_addresses reads is a piece of the text it reads (its domain lower-cased): an address that
  // none of the senders' fields contains, in any case, is none of theirs, and they are read for addresses only
  // when one does (most texts name nobody else).
  std::optional<std::vector<std::string>> sender_list;
  const auto is_sender = [&](const std::string& a) {
    if (sender_list) return listed(*sender_list, a);  // (what the searches below would lead to)
    if (!icontains(view.to, a) && !(returned_from && icontains(returned_from->value, a)) &&
        !(returned_path && icontains(returned_path->value, a)))
      return false;
    if (!sender_list) {
      std::vector<std::string>& list = sender_list.emplace(find_addresses(view.to));
      if (returned_from)
        for (auto& sender : find_addresses(returned_from->value)) list.push_back(std::move(sender));
      if (returned_path)
        for (auto& sender : find_addresses(returned_path->value)) list.push_back(std::move(sender));
    }
    return listed(*sender_list, a);
  };
  // In the second pass the bounce's addressee and the returned sender come back when the returned message was
  // sent to them, or when a line of the error block starts with them; not from prose (a greeting such as
  // "Hello alice@example.com," or "your mailbox alice@example.com is almost full" names no failed recipient).
  std::vector<std::string> returned_recipients;  // filled for the second pass only (most texts need one)
  const auto leads_line = [](std::string_view line, const std::string& a) {
    while (!line.empty() && (line.front() == '<' || line.front() == '"' || line.front() == '*' || is_space(line.front())))
      line.remove_prefix(1);
    return istarts_with(line, a);
  };
  bool strict = true;
  auto is_excluded = [&](const std::string& a, std::string_view line) {
    if (iequals(a, view.from_address)) return true;
    if (!strict) return is_sender(a) && !listed(returned_recipients, a) && !leads_line(line, a);
    return is_system_address(a) || is_sender(a);
  };

  // Known recipients from headers MTAs add for the purpose.
  std::vector<std::string> declared;
  // (mime_part::header's answer, without the empty string and list it made for a field that is not there: most
  // bounces have neither)
  for (std::string_view name : {"X-Failed-Recipients", "X-Original-To-Failed"})
    if (const header_field* f = find_field(view.top().headers, name))
      for (auto& a : find_addresses(decode_encoded_words(f->value))) declared.push_back(std::move(a));

  // where servers' replies start, worked out when an address after the first needs it (most texts name one)
  std::optional<std::vector<std::size_t>> reply_starts;
  const auto reply_start = [&](std::size_t line) {
    if (!reply_starts) reply_starts = reply_text_starts(lines, top);
    return (*reply_starts)[line];
  };
  std::vector<located_address> found;
  std::vector<std::string> named;  // the addresses of the line at hand (one vector for all lines)
  for (int pass = 0; pass < 2 && found.empty(); ++pass) {
    strict = pass == 0;
    if (!strict)
      for (std::string_view name : {"To", "Cc", "Delivered-To", "X-Original-To"})
        for (const header_field& f : view.returned_headers)
          if (iequals(f.name, name))
            for (auto& a : find_addresses(f.value)) returned_recipients.push_back(std::move(a));
    std::vector<std::string> transcript_sender;  // a transcript's ">>> MAIL From:<...>": the server's reply to it names the sender
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (find_char(lines[i], '@') == std::string_view::npos) continue;  // names no address (most lines: not trimmed)
      const std::string_view line = trim(lines[i]);
      const bool names_sender = ifind(line, "mail from") != std::string_view::npos;
      if (line.substr(0, 3) == ">>>") transcript_sender.clear();
      if (line.substr(0, 3) == ">>>" && names_sender) transcript_sender = find_addresses(line);
      if (names_sender || istarts_with(line, "from:") || istarts_with(line, "received:") ||
          istarts_with(line, "envelope-from") || names_no_recipient(line))
        continue;
      // the summary of the returned message ("To: ... Subject: ... Sent: ..." in Exchange's notices) comes
      // before the line that names the failed recipient; it counts only when nothing else names one
      if (strict && istarts_with(line, "to:")) continue;
      find_addresses(line, named);
      for (auto& a : named) {
        const auto known = std::find_if(found.begin(), found.end(),
                                        [&](const located_address& f) { return iequals(f.address, a); });
        // an address found in this pass was not excluded then, and the strict pass excludes by the address alone
        // (most addresses are named on several lines)
        if ((!strict || known == found.end()) && is_excluded(a, line)) continue;
        if (line.substr(0, 3) == "<<<" && listed(transcript_sender, a)) continue;
        if (known == found.end()) {
          // named in a server's reply after a recipient's entry: part of that recipient's diagnostic
          if (!found.empty() && reply_start(i) != no_line) {
            const std::size_t at = ifind(line, a);
            if (at != std::string_view::npos && at >= reply_start(i)) continue;
          }
          found.push_back({std::move(a), i, says_failure(line) ? i : no_line});
        } else if (known->failing_line == no_line && says_failure(line)) {
          known->failing_line = i;  // named again where the server refused it (a transcript quotes headers first)
        }
      }
    }
  }
  strict = true;
  // X-Failed-Recipients names the failed addresses. When the text names a different address for the same
  // mailbox (a rewritten domain), the text is what the MTA actually tried.
  if (!declared.empty()) {
    std::vector<located_address> kept;
    for (const located_address& f : found) {
      const std::string_view local = std::string_view(f.address).substr(0, find_char(f.address, '@'));
      const bool same_mailbox = std::any_of(declared.begin(), declared.end(), [&](const std::string& d) {
        return iequals(std::string_view(d).substr(0, find_char(d, '@')), local);
      });
      if (same_mailbox) kept.push_back(f);
    }
    if (kept.empty())
      for (const std::string& d : declared) kept.push_back({d, lines.size()});
    found = std::move(kept);
  }
  std::string fallback_address;
  if (found.empty()) {
    // the returned message's envelope recipient, or a VERP-encoded one in the bounce's own To
    for (std::string_view name : {"X-Original-To", "Delivered-To", "To"}) {
      if (const header_field* f = find_field(view.returned_headers, name)) {
        const auto addrs = find_addresses(f->value);
        if (!addrs.empty() && !is_excluded(addrs.front(), f->value)) {
          fallback_address = addrs.front();
          break;
        }
      }
    }
    if (fallback_address.empty()) {
      const std::string to = find_address(view.to);
      const std::size_t plus = find_char(to, '+');
      const std::size_t eq = to.rfind('=');
      const std::size_t at = find_char(to, '@');
      if (plus != std::string::npos && eq != std::string::npos && plus < eq && eq < at)
        fallback_address = normalise_address(to.substr(plus + 1, eq - plus - 1) + "@" + to.substr(eq + 1, at - eq - 1));
    }
    if (fallback_address.empty()) return false;
    found.push_back({fallback_address, lines.size()});
  }

  out.type = message_type::bounce;
  out.format = detect_mta_format(view, text, top.lowest_format_marker());
  const bool delayed = says_delayed(view.subject, section, top);
  const std::shared_ptr<const error_context> context = make_error_context(section.substr(0, 8000));  // shared by all
  // a Sendmail session transcript: the server's replies and Sendmail's own line per address
  const std::optional<bool> titled = top.names_transcript(section.size());
  const bool is_transcript =
      (titled ? *titled : icontains(section, transcript_phrase)) ||
      std::any_of(lines.begin(), lines.end(), [](std::string_view l) {
        // most lines: their first byte after any indentation says so, before the line is trimmed
        std::size_t first = 0;
        while (first < l.size() && is_space(l[first])) ++first;
        if (first == l.size()) return false;
        const char c = l[first];
        if (c != '<' && c != '>' && c != '.' && (c | 0x20) != 'w') return false;
        l = trim(l);
        return l.substr(0, 3) == "<<<" || l.substr(0, 3) == ">>>" || istarts_with(l, "while talking to ") ||
               istarts_with(l, "... while talking to ");
      });
  out.recipients.reserve(out.recipients.size() + found.size());
  for (std::size_t k = 0; k < found.size(); ++k) {
    recipient_evidence r;
    r.address = std::move(found[k].address);  // (found[k] is read for its lines only from here on)
    r.action = delayed ? "delayed" : "failed";
    // this recipient's block: from its line to the next recipient's line (at most 20 lines); with no line
    // of its own, the whole error section
    std::size_t begin = found[k].line < lines.size() ? found[k].line : 0;
    std::size_t end = lines.size();
    for (std::size_t j = 0; j < found.size(); ++j)
      if (found[j].line > found[k].line && found[j].line < end) end = found[j].line;
    if (found[k].line >= lines.size()) begin = 0;
    // 20 lines, or up to the server's refusal when a transcript names the recipient long before it
    const std::size_t failing = found[k].failing_line;
    end = std::min(end, std::max(begin + 20, failing != no_line && failing < begin + 200 ? failing + 5 : 0));
    // In a Sendmail transcript the recipient's own line ("554 <bob@example.org>... Remote protocol error")
    // ends its entry, and the server's reply since the previous recipient's line belongs to it.
    const std::size_t own = is_transcript && found[k].line < lines.size()
                                ? own_transcript_line(lines, found[k].line, 200, r.address)
                                : no_line;
    std::string diagnostic;
    std::string block_text;
    std::string server_status;
    if (own != no_line) {
      // the entry is its line and Sendmail's words after it ("Message could not be delivered for 5 days")
      begin = transcript_window_begin(lines, own);
      end = own + 1;
      while (end < lines.size() && end < own + 20 && !trim(lines[end]).empty() && !starts_transcript_entry(lines[end]))
        ++end;
      block_text = join_reply_lines(std::span(lines).subspan(begin, end - begin));
      const server_reply reply = last_server_reply(lines, begin, own);
      if (reply.says_why && says_only_session_failed(read_transcript_entry(lines[own])->text)) {
        diagnostic = reply.text;
        const std::string command = find_smtp_command(reply.command_line);
        if (!command.empty()) r.smtp_command = command;
      } else {
        diagnostic = join_reply_lines(std::span(lines).subspan(own, end - own));
        start_at_reply_code(diagnostic, find_reply_code(diagnostic));
        // Sendmail's line restates the server's reply in its own words and code (a 550 to RCPT becomes
        // "5.1.1 ... User unknown"): the status is the one the server gave, when it gave one
        if (!reply.text.empty()) server_status = find_last_status_code(reply.text, true);
      }
    } else {
      block_text = join_reply_lines(std::span(lines).subspan(begin, end - begin));
    }
    const std::span<const std::string_view> block = std::span(lines).subspan(begin, end - begin);
    // a recipient's block is a few lines; a huge one (junk, or an attack) is cut so the phrase scans stay cheap
    if (block_text.size() > 16384) block_text.resize(16384);
    // the diagnostic starts at the first line carrying an SMTP reply or status code, if any; in a transcript,
    // at the first failing one (the 220 greeting and 250 replies before it went well)
    // (a reply code far into the line counts when "said:" leads it: Postfix wraps "host x said: 550\n 5.1.1 ...")
    const auto code_line = [](std::string_view l, const std::string& code, const std::string& status) {
      if (code.empty()) return !status.empty();
      const std::size_t at = l.find(code);
      return at < 48 || !status.empty() || trim(l.substr(0, at)).ends_with("said:");
    };
    std::size_t first_code_line = block.size();
    std::string first_code;  // the reply code on that line, if any
    for (std::size_t j = 0; j < block.size() && diagnostic.empty(); ++j) {
      if (!has_digit(block[j])) continue;  // no code (most lines: not trimmed)
      const std::string_view l = trim(block[j]);
      const std::string code = find_reply_code(l);
      // a failing reply code near the line's start settles the line (it is the one) without its status code
      const bool failing_code = !code.empty() && code[0] != '2' && l.find(code) < 48;
      const std::string status = failing_code ? std::string() : find_status_code(l);
      if (!failing_code && !code_line(l, code, status)) continue;
      if (first_code_line == block.size()) {
        first_code_line = j;
        first_code = code;
      }
      if ((!code.empty() && code[0] != '2') || (!status.empty() && status[0] != '2')) {
        first_code_line = j;
        first_code = code;
        break;
      }
    }
    if (first_code_line < block.size()) {  // (found only while there was no diagnostic yet)
      const std::size_t j = first_code_line;
      if (is_transcript && is_server_line(block[j])) {  // a server's reply in a transcript: all of it, nothing else
        std::size_t first = 0;
        diagnostic = server_reply_around(lines, begin + j, 0, first);
      } else {
        const std::span<const std::string_view> rest = block.subspan(j);
        // stop at a blank line after the reply, or where a transcript's next entry starts
        std::size_t stop = rest.size();
        for (std::size_t q = 1; q < rest.size(); ++q) {
          const std::string_view line = trim(rest[q]);
          if (line.empty() || starts_transcript_entry(line)) {
            stop = q;
            break;
          }
        }
        diagnostic = join_reply_lines(rest.first(stop));
        start_at_reply_code(diagnostic, first_code);
      }
    }
    if (diagnostic.empty() && found.size() == 1 && begin > 0 && find_reply_code(block_text).empty() &&
        find_status_code(block_text).empty()) {
      // the only recipient, named after the error ("Error message below: 550 ...", then the message details)
      for (std::size_t j = begin; j-- > 0;) {
        if (!has_digit(lines[j]) || !says_failure(trim(lines[j]))) continue;  // (most lines: not trimmed)
        std::size_t stop = j + 1;
        while (stop < begin && !trim(lines[stop]).empty()) ++stop;
        diagnostic = join_reply_lines(std::span(lines).subspan(j, stop - j));
        break;
      }
    }
    const bool block_as_diagnostic = diagnostic.empty();
    if (diagnostic.empty()) diagnostic = block_text;
    if (diagnostic.size() > 2000) diagnostic.resize(2000);
    // a transcript quotes the 2xx replies that went well before the one that failed: take the last failure
    const std::string status = server_status.empty() ? failure_status(diagnostic, {}, !delayed) : server_status;
    if (!status.empty()) r.status = status;
    std::string reply;
    if (!status.empty()) {  // the reply code written just before that status ("451 4.3.0")
      const std::size_t at = find_last(diagnostic, status);
      if (at != std::string::npos && at >= 4) reply = find_reply_code(std::string_view(diagnostic).substr(at - 4, 4));
    }
    if (reply.empty()) reply = find_reply_code(diagnostic);
    if (!reply.empty()) r.reply_code = reply;
    // a diagnostic that is the block's text, or its first 2000 bytes, is valid when the block is and the cut
    // does not fall inside a character (the first byte left out is no continuation byte)
    const bool valid_block = is_valid_utf8(block_text);
    const bool valid_diagnostic =
        block_as_diagnostic && valid_block
            ? diagnostic.size() == block_text.size() ||
                  (static_cast<unsigned char>(block_text[diagnostic.size()]) & 0xC0) != 0x80
            : is_valid_utf8(diagnostic);
    r.diagnostic = valid_diagnostic ? std::move(diagnostic) : sanitize_utf8(diagnostic);  // last use
    smtp_cues cues = find_smtp_cues(block_text);
    if (!r.smtp_command && !cues.command.empty()) r.smtp_command = std::move(cues.command);
    if (!cues.remote_host.empty()) r.remote_mta = std::move(cues.remote_host);
    r.extra_text = valid_block ? std::move(block_text) : sanitize_utf8(block_text);  // last use
    // the whole section is the last resort of a recipient the server said nothing specific about; when it
    // names several recipients and this one has its own code, the section's words may be another's
    if (found.size() == 1 || (!r.status && !r.reply_code)) r.context = context;
    out.recipients.push_back(std::move(r));
  }
  return true;
}

}  // namespace bouncekit::detail
