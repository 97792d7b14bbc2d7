#include "mime/decode.hpp"
#include "report/evidence.hpp"
#include "util/text.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <iterator>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace bouncekit::detail {

namespace {

// The offset of the first '<' or '&' in `html` from `from` on, or html.size(): sixteen bytes at a time where
// SSE2 is, as HTML text runs long between tags.
std::size_t next_markup(std::string_view html, std::size_t from) {
#if defined(__SSE2__)
  const __m128i open = _mm_set1_epi8('<');
  const __m128i amp = _mm_set1_epi8('&');
  for (; html.size() - from >= 16; from += 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(html.data() + from));
    const auto mask =
        static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(x, open), _mm_cmpeq_epi8(x, amp))));
    if (mask != 0) return from + static_cast<unsigned>(std::countr_zero(mask));
  }
#endif
  while (from < html.size() && html[from] != '<' && html[from] != '&') ++from;
  return from;
}

// True for the tags that start a line of text (br, p, div, tr, li and the ends of p and div, by the start of the
// tag's text): told apart by its first byte, where most tags (td, span, a, font) need no comparison.
bool breaks_line(std::string_view tag) noexcept {
  if (tag.empty()) return false;
  switch (ascii_lower_char(tag[0])) {
    case 'b': return istarts_with(tag, "br");
    case 'p': return true;
    case 'd': return istarts_with(tag, "div");
    case 't': return istarts_with(tag, "tr");
    case 'l': return istarts_with(tag, "li");
    case '/': return istarts_with(tag, "/p") || istarts_with(tag, "/div");
    default: return false;
  }
}

// Very small HTML-to-text: drops tags, style and script, decodes a few entities, keeps line breaks.
std::string html_to_text(std::string_view html) {
  std::string out;
  out.reserve(html.size());
  for (std::size_t i = 0; i < html.size(); ++i) {
    const char c = html[i];
    if (c == '<') {
      const std::size_t close = html.find('>', i);
      if (close == std::string_view::npos) break;
      const std::string_view tag = html.substr(i + 1, close - i - 1);
      const bool may_skip = !tag.empty() && ascii_lower_char(tag[0]) == 's';  // most tags start otherwise
      for (std::string_view skip : {"style", "script"}) {
        if (!may_skip) break;
        if (istarts_with(tag, skip)) {
          const std::size_t end = ifind(html, std::string("</") + std::string(skip), close);
          if (end != std::string_view::npos) {
            i = html.find('>', end);
            if (i == std::string_view::npos) return out;
            goto next;
          }
        }
      }
      if (breaks_line(tag)) out += '\n';
      i = close;
    } else if (c == '&') {
      static constexpr std::pair<std::string_view, std::string_view> entities[] = {
          {"&lt;", "<"}, {"&gt;", ">"}, {"&amp;", "&"}, {"&quot;", "\""}, {"&#39;", "'"}, {"&nbsp;", " "}};
      bool replaced = false;
      for (const auto& [name, text] : entities) {
        if (html.substr(i, name.size()) == name) {
          out += text;
          i += name.size() - 1;
          replaced = true;
          break;
        }
      }
      if (!replaced) out += c;
    } else {  // the text up to the next tag or entity, in one go
      const std::size_t stop = next_markup(html, i + 1);
      out.append(html.substr(i, stop - i));
      i = stop - 1;
    }
  next:;
  }
  return out;
}

bool is_message_container(const mime_part& p) {
  return p.is("message", "rfc822") || p.is("message", "global");
}

// From, To, Subject, Message-ID or Date (any case): a field that tells one message from another. Told apart by
// length first: most fields of a header have none of these lengths.
bool is_identifying(std::string_view name) noexcept {
  switch (name.size()) {
    case 2: return iequals(name, "to");
    case 4: return iequals(name, "from") || iequals(name, "date");
    case 7: return iequals(name, "subject");
    case 10: return iequals(name, "message-id");
    default: return false;
  }
}

// A header block quoted inline in the text (a returned message): the first block with at least two
// identifying fields, read into `block` (each candidate in turn, into the same room); left empty when none.
void read_inline_headers(std::string_view text, field_list& block) {
  static constexpr std::string_view starters[] = {"received:", "return-path:", "message-id:", "from:", "date:",
                                                  "subject:", "to:", "mime-version:", "dkim-signature:", "x-"};
  // the starters' first letters, in either case: most lines start with none, and one look-up rejects them
  static constexpr std::array<bool, 256> starts_a_starter = [] {
    std::array<bool, 256> table{};
    for (const std::string_view s : starters) {
      table[static_cast<unsigned char>(s[0])] = true;
      table[static_cast<unsigned char>(ascii_upper_char(s[0]))] = true;
    }
    return table;
  }();
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = find_char(text, '\n', pos);  // inline: a memchr call costs more than most lines
    if (nl == std::string_view::npos) nl = text.size();
    const std::string_view line = text.substr(pos, nl - pos);
    const bool starter = !line.empty() && starts_a_starter[static_cast<unsigned char>(line[0])] &&
                         std::any_of(std::begin(starters), std::end(starters),
                                     [&](std::string_view s) { return istarts_with(line, s); });
    if (starter && looks_like_field(line)) {
      // count the identifying fields of the block that starts here
      std::size_t p = pos;
      read_field_block_into(block, text, p, true);
      int identifying = 0;
      for (const header_field& f : block)
        if (is_identifying(f.name)) ++identifying;
      if (identifying >= 2) return;
      pos = std::max(p, nl + 1);
      continue;
    }
    pos = nl + 1;
  }
  block.clear(64);
}

// The headers of the first part that holds a returned message's: a message container's child's, where the
// part keeps them, or a block read from a headers part's body into `storage`. `storage` (empty) when none.
const field_list& returned_part_headers(const parsed_message& m, field_list& storage) {
  for (std::size_t i = 0; i < m.parts.size(); ++i) {
    const mime_part& p = m.parts[i];
    if (p.parent >= 0 && is_message_container(m.parts[static_cast<std::size_t>(p.parent)]) &&
        !p.headers.empty()) {
      return p.headers;
    }
    if (p.is("text", "rfc822-headers") || p.is("message", "global-headers") || p.is("message", "global") ||
               (p.is("message", "rfc822") && !p.body.empty())) {
      std::size_t pos = 0;
      read_field_block_into(storage, p.body, pos, false);
      if (!storage.empty()) return storage;
    }
  }
  return storage;
}

// True when collapse_whitespace(s) would return `s` as it is: no whitespace at either end, and none but single
// spaces between (a subject nearly always).
bool collapsed_already(std::string_view s) noexcept {
  if (!s.empty() && (is_space(s.front()) || is_space(s.back()))) return false;
  // a space is never the last byte here, so s[i + 1] is within `s`
  std::size_t i = 0;
  // eight bytes at a time while their only bytes below 0x21 are spaces (a subject's words): a word with any
  // other is looked at byte by byte below
  constexpr std::uint64_t high = 0x8080808080808080u;
  for (; std::endian::native == std::endian::little && s.size() - i >= 8; i += 8) {  // (byte 7 is the top one)
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    const std::uint64_t low = ~(((w & ~high) + 0x5f5f5f5f5f5f5f5fu) | w) & high;  // the bytes below 0x21
    const std::uint64_t x = w ^ 0x2020202020202020u;
    const std::uint64_t space = ~(((x & ~high) + 0x7f7f7f7f7f7f7f7fu) | x) & high;  // the spaces
    if (low != space) break;
    // two spaces in a row, within the word or across its end
    if ((space & space << 8) != 0 || ((space >> 63) != 0 && is_space(s[i + 8]))) return false;
  }
  for (; i < s.size(); ++i)
    if (is_space(s[i]) && (s[i] != ' ' || is_space(s[i + 1]))) return false;
  return true;
}

// The first Subject, From and To fields of a header, by one pass: the name's length leaves one name to compare.
struct identity_fields {
  const header_field* subject = nullptr;
  const header_field* from = nullptr;
  const header_field* to = nullptr;

  explicit identity_fields(const field_list& header) noexcept {
    int missing = 3;  // the pass ends once all three are found (the fields after them need no look)
    const auto note = [&](const header_field*& first, const header_field& f, std::string_view name) {
      if (!first && iequals(f.name, name)) {
        first = &f;
        --missing;
      }
    };
    for (auto f = header.begin(); missing != 0 && f != header.end(); ++f) {
      switch (f->name.size()) {
        case 2: note(to, *f, "To"); break;
        case 4: note(from, *f, "From"); break;
        case 7: note(subject, *f, "Subject"); break;
        default: break;
      }
    }
  }
};

// The decoded value of the field `f` (none: empty): a view of the field where there is nothing to decode
// (what decode_encoded_words() would copy as it is), else of `storage`.
std::string_view decoded_value(const header_field* f, std::string& storage) {
  if (!f) return {};
  if (find_string(f->value, "=?") == std::string_view::npos && is_valid_utf8(f->value)) return f->value;
  storage = decode_encoded_words(f->value);
  return storage;
}

}  // namespace

message_view::message_view(const parsed_message& m)
    : message(m), returned_headers(returned_part_headers(m, returned_storage.get())) {
  const identity_fields fields(m.parts.front().headers);
  // a subject with nothing to decode is collapsed straight from the field (one string instead of two), or is
  // the field itself when there is nothing to collapse either
  if (const header_field* f = fields.subject) {
    const std::string_view value = f->value;
    const bool plain = find_string(value, "=?") == std::string_view::npos && is_valid_utf8(value);
    if (plain && collapsed_already(value)) {
      subject = value;
    } else {
      subject_storage = plain ? collapse_whitespace(value) : collapse_whitespace(decode_encoded_words(value));
      subject = subject_storage;
    }
  }
  from = decoded_value(fields.from, from_storage);
  from_address = find_address(from);
  to = decoded_value(fields.to, to_storage);
  content_type = m.content_type;  // parsed once, by parse_message()
  report_type = m.report_type;
  const auto readable = [&](std::size_t i) { return m.parts[i].is_text() && !inside_returned_message(i); };
  bool has_html = false;
  std::size_t plain_parts = 0;
  std::size_t first_plain = 0;
  for (std::size_t i = 0; i < m.parts.size(); ++i) {
    if (!readable(i)) continue;
    const mime_part& p = m.parts[i];
    const std::string_view subtype = p.subtype;  // compared as a view: no strlen, no call
    if (subtype == "plain" || subtype.empty()) {
      // one part is viewed where it is; the second starts the joined copy
      if (++plain_parts == 1) {
        first_plain = i;
        continue;
      }
      if (plain_parts == 2) text_storage = m.parts[first_plain].body;
      if (!text_storage.empty()) text_storage += '\n';
      text_storage += p.body;
    } else if (subtype == "html") {
      has_html = true;
    }
  }
  text = plain_parts == 1 ? std::string_view(m.parts[first_plain].body) : std::string_view(text_storage);
  // the HTML parts are joined only when there is no plain text: most mail that has them has both
  if (text.empty() && has_html) {
    std::string html;
    for (std::size_t i = 0; i < m.parts.size(); ++i) {
      if (!readable(i) || std::string_view(m.parts[i].subtype) != "html") continue;
      if (!html.empty()) html += '\n';
      html += m.parts[i].body;
    }
    if (!html.empty()) {
      text_storage = html_to_text(html);
      text = text_storage;
    }
  }
  // a header block quoted in the text when no part holds the returned message's (returned_headers is then
  // returned_storage)
  if (returned_headers.empty()) read_inline_headers(text, returned_storage.get());
}

bool message_view::inside_returned_message(std::size_t index) const {
  int p = message.parts[index].parent;
  while (p >= 0) {
    const mime_part& parent = message.parts[static_cast<std::size_t>(p)];
    if (is_message_container(parent)) return true;
    p = parent.parent;
  }
  return false;
}

bool is_list_mail_or_reply(const message_view& view) {
  const field_list& headers = view.top().headers;
  const std::string_view precedence = trim(field_value(headers, "Precedence"));
  const bool from_a_list = find_field(headers, "List-Id") || find_field(headers, "List-Unsubscribe") ||
                           iequals(precedence, "bulk") || iequals(precedence, "list");
  const std::string_view subject = trim(view.subject);
  const bool a_reply = (find_field(headers, "In-Reply-To") || find_field(headers, "References")) &&
                       (istarts_with(subject, "re:") || istarts_with(subject, "aw:") || istarts_with(subject, "sv:") ||
                        istarts_with(subject, "antw:") || istarts_with(subject, "r:"));
  return from_a_list || a_reply;
}

original_message read_original(const message_view& view) {
  original_message o;
  const field_list& h = view.returned_headers;
  // the first field of each name, and the X- fields, by one pass over the header (a returned message's has
  // dozens of fields, walked once instead of once per name)
  static constexpr std::string_view names[] = {"Message-ID", "From", "To", "Subject", "Date"};
  std::optional<std::string>* const members[] = {&o.message_id, &o.from, &o.to, &o.subject, &o.date};
  const header_field* first[std::size(names)] = {};
  std::size_t x_fields = 0;
  static_assert(names[0].size() == 10 && names[1].size() == 4 && names[2].size() == 2 && names[3].size() == 7 &&
                names[4].size() == 4);
  const auto note = [&](std::size_t k, const header_field& f) {
    if (!first[k] && iequals(f.name, names[k])) first[k] = &f;
  };
  for (const header_field& f : h) {
    if (istarts_with(f.name, "X-")) {
      ++x_fields;
      continue;
    }
    switch (f.name.size()) {  // the names' lengths: most fields have none of them, and are passed by one test
      case 2: note(2, f); break;
      case 4:
        note(1, f);
        note(4, f);
        break;
      case 7: note(3, f); break;
      case 10: note(0, f); break;
      default: break;
    }
  }
  for (std::size_t k = 0; k < std::size(names); ++k)
    if (first[k] && !first[k]->value.empty()) *members[k] = decode_encoded_words(first[k]->value);
  if (x_fields == 0) return o;
  o.x_headers.reserve(std::min<std::size_t>(x_fields, 64));
  for (const header_field& f : h)
    if (istarts_with(f.name, "X-") && o.x_headers.size() < 64)
      o.x_headers.emplace_back(f.name, decode_encoded_words(f.value));
  return o;
}

}  // namespace bouncekit::detail
