// parse_message(): line endings, limits and the pre-scan, then one of the two structural parsers, then the
// fallbacks for structures that cannot be read (the whole message as one text part).
#include "mime/decode.hpp"
#include "mime/mime_parts.hpp"
#include "util/text.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <cstring>
#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace bouncekit::detail {

namespace {

struct prescan {
  std::size_t longest_line = 0;
  std::size_t longest_field = 0;  // longest line that starts a header field ("Name: ...")
  std::size_t containers = 0;     // Content-Type fields naming multipart or rfc822
};

// Counts every field a parser could take for a Content-Type naming a container: the name in any case with
// blanks allowed before the colon, and the type anywhere in the value, continuation lines included. (Counting
// only "Content-Type:" with the type near the colon once let "Content-Type : multipart/mixed" nested 300,000
// deep through, and mimetic overflowed the stack.)
prescan scan(std::string_view text) {
  prescan s;
  std::size_t pos = 0;
  // memchr itself, not string_view::find (its checks cost more than the search on a line of ~70 bytes);
  // `at` is always below text.size()
  const auto line_at = [&](std::size_t at) {
    const char* const start = text.data() + at;
    const void* nl = std::memchr(start, '\n', text.size() - at);
    return std::string_view(start, nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - start) : text.size() - at);
  };
  const auto names_container = [](std::string_view value) {
    return ifind(value, "multipart") != std::string_view::npos || ifind(value, "rfc822") != std::string_view::npos;
  };
  while (pos < text.size()) {
    const std::string_view line = line_at(pos);
    if (line.size() > s.longest_line) s.longest_line = line.size();
    if (line.size() > s.longest_field && line.size() > 1024 && looks_like_field(line)) s.longest_field = line.size();
    pos += line.size() + 1;
    if (line.size() < 13 || (line[0] != 'C' && line[0] != 'c') || !istarts_with(line, "content-type")) continue;
    std::size_t colon = 12;
    while (colon < line.size() && (line[colon] == ' ' || line[colon] == '\t')) ++colon;
    if (colon == line.size() || line[colon] != ':') continue;
    bool container = names_container(line.substr(colon + 1));
    // continuation lines belong to this field alone, so looking at them here keeps the scan linear
    for (std::size_t next = pos; !container && next < text.size() && (text[next] == ' ' || text[next] == '\t');) {
      const std::string_view folded = line_at(next);
      container = names_container(folded);
      next += folded.size() + 1;
    }
    if (container) ++s.containers;
  }
  return s;
}

// mimetic takes time quadratic in the length of a header line (about 0.3 s for 1 MB): past this length the
// message is read as plain text, a structure that loses little for such mail
constexpr std::size_t mimetic_field_limit = 64u << 10;

// The fewest bytes a container field scan() counts can take: "content-type:" and "rfc822" (its lines are
// apart from every other counted field's).
constexpr std::size_t container_field_bytes = 19;

// True when at most `limit` lines start with 'c' or 'C', a bound on the containers scan() can count (each
// starts a line so), got at a few instructions per 16 bytes where scan() takes a memchr call and several checks
// per line. It stops once the lines counted and the bytes left settle the question either way.
bool few_lines_starting_with_c(std::string_view text, std::size_t limit) noexcept {
  if (text.empty()) return true;
  const auto is_c = [](char c) { return (c | 0x20) == 'c'; };  // only 'c' and 'C' are 'c' with bit 5 set
  std::size_t count = is_c(text[0]) ? 1 : 0;
  // pairs (text[i], text[i + 1]): a line break, then a 'c'
  const std::size_t pairs = text.size() - 1;
  std::size_t i = 0;
#if defined(__SSE2__)
  const __m128i newline = _mm_set1_epi8('\n'), lower = _mm_set1_epi8(0x20), c = _mm_set1_epi8('c');
  const auto pairs_at = [&](std::size_t at) {
    const __m128i here = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + at));
    const __m128i next = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + at + 1));
    return _mm_and_si128(_mm_cmpeq_epi8(here, newline), _mm_cmpeq_epi8(_mm_or_si128(next, lower), c));
  };
  const auto sum = [](__m128i hits) {
    const __m128i sums = _mm_sad_epu8(hits, _mm_setzero_si128());
    return static_cast<std::size_t>(_mm_cvtsi128_si32(sums)) + static_cast<std::size_t>(_mm_extract_epi16(sums, 4));
  };
  while (i + 64 <= pairs) {
    // each byte of `hits` counts up to 252 pairs (four a round): then the bytes are summed into `count`
    __m128i hits = _mm_setzero_si128();
    for (int round = 0; round < 63 && i + 64 <= pairs; ++round, i += 64)  // a match is -1
      hits = _mm_sub_epi8(
          _mm_sub_epi8(_mm_sub_epi8(_mm_sub_epi8(hits, pairs_at(i)), pairs_at(i + 16)), pairs_at(i + 32)),
          pairs_at(i + 48));
    count += sum(hits);
    if (count > limit) return false;
    if ((text.size() - i) / container_field_bytes <= limit - count) return true;
  }
  __m128i hits = _mm_setzero_si128();  // fewer than 64 pairs left: sixteen at a time
  for (; i + 16 <= pairs; i += 16) hits = _mm_sub_epi8(hits, pairs_at(i));
  count += sum(hits);
#endif
  for (; i < pairs; ++i)
    if (text[i] == '\n' && is_c(text[i + 1])) ++count;
  return count <= limit;
}

// True when at most `limit` lines start past the first, a looser bound than few_lines_starting_with_c() got at
// half its cost a byte (one load and compare for every sixteen bytes, not two of each and a mask): it settles
// most messages of a few KB, whose lines of ~70 bytes are too few to hold `limit` containers with the bytes left.
bool few_lines(std::string_view text, std::size_t limit) noexcept {
  std::size_t count = 1;  // the first line
  std::size_t i = 0;
#if defined(__SSE2__)
  const __m128i newline = _mm_set1_epi8('\n');
  const auto breaks_at = [&](std::size_t at) {
    return _mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + at)), newline);
  };
  while (i + 64 <= text.size()) {
    // each byte of `hits` counts up to 252 line breaks (four a round): then the bytes are summed into `count`
    __m128i hits = _mm_setzero_si128();
    for (int round = 0; round < 63 && i + 64 <= text.size(); ++round, i += 64)
      hits = _mm_sub_epi8(_mm_sub_epi8(_mm_sub_epi8(_mm_sub_epi8(hits, breaks_at(i)), breaks_at(i + 16)),
                                       breaks_at(i + 32)),
                          breaks_at(i + 48));
    const __m128i sums = _mm_sad_epu8(hits, _mm_setzero_si128());
    count += static_cast<std::size_t>(_mm_cvtsi128_si32(sums)) + static_cast<std::size_t>(_mm_extract_epi16(sums, 4));
    if (count > limit) return false;
    if ((text.size() - i) / container_field_bytes <= limit - count) return true;
  }
#endif
  for (; i < text.size(); ++i)
    if (text[i] == '\n') ++count;
  return count <= limit;
}

// True when the message's size (or, failing that, its count of lines starting with 'c') cannot settle what
// parse_message() asks of scan(): most messages are far too small to break any of its limits.
bool needs_scan(std::string_view text, const limits& limits, mime_backend backend) noexcept {
  if (text.size() > limits.max_header_line_bytes) return true;  // a line may be too long
  if (backend == mime_backend::mimetic && text.size() > mimetic_field_limit) return true;
  const std::size_t container_limit = limits.max_mime_depth * 8;
  if (text.size() / container_field_bytes <= container_limit) return false;
  // past 16 KB most messages have more lines than the limit: the count of lines would only add to the other's cost
  if (text.size() <= (16u << 10) && few_lines(text, container_limit)) return false;
  return !few_lines_starting_with_c(text, container_limit);
}

// Writes `raw` decoded (base64, quoted-printable) or as is into `bytes`: the bytes as they are go into the room
// `bytes` has (a recycled part's body), decoded ones replace it. Returns true when they were decoded.
bool decode_transfer_encoding(std::string_view raw, std::string_view transfer_encoding, parsed_message& out,
                              std::string& bytes) {
  const std::string_view cte = trim(transfer_encoding);
  if (iequals(cte, "base64")) {
    bool ok = true;
    bytes = decode_base64(raw, &ok);
    if (!ok) out.warnings.push_back({"invalid-base64", 0});
    return true;
  }
  if (iequals(cte, "quoted-printable")) {
    bytes = decode_quoted_printable(raw);
    return true;
  }
  bytes.assign(raw);
  return false;
}

// True when decoded bytes start with the signature of an image or archive (PNG, GIF, JPEG, ZIP, gzip): a file
// that a mailer labelled text by mistake. No text in any charset starts so.
bool starts_binary_file(std::string_view bytes) noexcept {
  for (const std::string_view signature : {std::string_view("\x89PNG\r\n\x1A\n"), std::string_view("GIF87a"),
                                           std::string_view("GIF89a"), std::string_view("\xFF\xD8\xFF"),
                                           std::string_view("PK\x03\x04"), std::string_view("\x1F\x8B\x08")})
    if (bytes.starts_with(signature)) return true;
  return false;
}

// The whole message as one text part: used when its structure cannot be trusted.
void single_part(parsed_message& out, const limits& limits) {
  std::size_t pos = 0;
  out.parts.clear();  // parts of an earlier message, when the storage given was not used
  mime_part part;
  part.headers = read_field_block(out.normalised, pos, true, limits.max_header_line_bytes);
  const std::string_view body = std::string_view(out.normalised).substr(std::min(pos, out.normalised.size()));
  std::string boundary;  // not used: the part is read as one
  read_content_type(part, &out, boundary);
  part_budget budget;
  decode_part_body(part, body, false, out, budget, limits);
  if (part.type != "text") {  // the structure is broken: read it as the text it is
    part.type = "text";
    part.subtype = "plain";
    part.body = sanitize_utf8(body);
  }
  out.parts.push_back(std::move(part));
}

// Some mailers break a Content-Type line before "boundary=" without indenting the continuation; the
// parameter would be lost, and the whole multipart with it. Indent such lines: true, with the repaired text
// in `repaired`, when there were any.
bool repair_unindented_parameters(std::string_view text, std::string& repaired) {
  // each ';' looked at in turn (find_char: a header block is full of them, a memchr call each cost more)
  const auto semicolon_line_end = [&](std::size_t from) {
    for (std::size_t at = find_char(text, ';', from); at != std::string_view::npos; at = find_char(text, ';', at + 1))
      if (at + 1 < text.size() && text[at + 1] == '\n') return at;
    return std::string_view::npos;
  };
  std::string out;
  std::size_t from = 0;
  for (std::size_t pos = semicolon_line_end(0); pos != std::string_view::npos; pos = semicolon_line_end(pos + 2)) {
    const std::string_view next = text.substr(pos + 2);
    if (istarts_with(next, "boundary=") || istarts_with(next, "charset=")) {
      if (from == 0) out.reserve(text.size() + 16);
      out.append(text.substr(from, pos + 2 - from));
      out += '\t';
      from = pos + 2;
    }
  }
  if (from == 0) return false;
  out.append(text.substr(from));
  repaired = std::move(out);
  return true;
}

}  // namespace

namespace {

// The most parts, and header fields a part, whose room recycle_parts() keeps: 64 parts with 64 fields and a
// storage chunk each are about 200 KB at most a thread, and nearly every message needs a few KB of it.
constexpr std::size_t max_kept_parts = 64;
constexpr std::size_t max_kept_fields = 64;
// The most room a part's body keeps for the next message's: enough for most text parts (a copy into it costs
// no malloc and free), little enough that 64 parts pin at most 256 KB (a cap of 32 KB saved no more).
constexpr std::size_t max_kept_body = 4u << 10;

// The bytes of `w` with the ASCII capitals in lower case: a capital is a byte of 'A' to 'Z' with its high bit
// clear, and no byte's sums carry into the next (each is at most 0x7F + 0x3F).
template <class Word>
Word lower_word(Word w) noexcept {
  constexpr Word ones = static_cast<Word>(0x0101010101010101u);
  const Word x = w & static_cast<Word>(ones * 0x7F);
  const Word at_least_a = x + ones * (0x80 - 'A'), past_z = x + ones * (0x80 - 'Z' - 1);
  const Word capitals = at_least_a & ~past_z & ~w & static_cast<Word>(ones * 0x80);
  return w | capitals >> 2;  // 0x80 >> 2 is the case bit
}

// to[0, n) = from[0, n) in lower case (`to` may be `from`): a word of eight or four bytes at a time, the last one
// overlapping the bytes done before it (lowering is idempotent). Content types and charsets are short: a loop per
// byte cost more than their copy.
void copy_lower(char* to, const char* from, std::size_t n) noexcept {
  const auto lower_at = [&]<class Word>(Word, std::size_t at) {
    Word w;
    std::memcpy(&w, from + at, sizeof w);
    w = lower_word(w);
    std::memcpy(to + at, &w, sizeof w);
  };
  if (n >= 8) {
    std::size_t i = 0;
    for (; n - i >= 8; i += 8) lower_at(std::uint64_t{}, i);
    if (i != n) lower_at(std::uint64_t{}, n - 8);
  } else if (n >= 4) {
    lower_at(std::uint32_t{}, 0);
    lower_at(std::uint32_t{}, n - 4);
  } else {
    for (std::size_t i = 0; i < n; ++i) to[i] = ascii_lower_char(from[i]);
  }
}

// Copied in place when the sizes match (a recycled part's "text" and "plain" are nearly always overwritten by
// as many bytes): an assign costs more than these few bytes.
void assign_lower(std::string& out, std::string_view s) {
  if (out.size() != s.size()) out.assign(s);
  copy_lower(out.data(), s.data(), s.size());
}

void set_content_type(mime_part& part, parsed_message* top, const content_type_views& ct) {
  if (top) {
    std::string& both = top->content_type;  // even when one is empty: as message_view always showed it
    both.reserve(ct.type.size() + 1 + ct.subtype.size());
    both.assign(ct.type).append(1, '/').append(ct.subtype);
    copy_lower(both.data(), both.data(), both.size());
    assign_lower(top->report_type, ct.report_type);
  }
  if (!ct.type.empty() && !ct.subtype.empty()) {
    assign_lower(part.type, ct.type);
    assign_lower(part.subtype, ct.subtype);
  }
  assign_lower(part.charset, ct.charset);
}

}  // namespace

std::string_view read_content_type(mime_part& part, parsed_message* top, std::string& boundary_storage) {
  const std::string_view value = field_value(part.headers, "Content-Type");
  if (value.empty()) return {};
  content_type_views ct;
  if (read_simple_content_type(value, ct)) {  // most values: no strings built but the part's own
    set_content_type(part, top, ct);
    return ct.boundary;
  }
  const content_type parsed = parse_content_type(value);
  boundary_storage = parsed.param("boundary");
  set_content_type(part, top, {parsed.type, parsed.subtype, boundary_storage, parsed.param("charset"),
                               parsed.param("report-type")});
  return boundary_storage;
}

void decode_part_body(mime_part& part, std::string_view raw_body, bool inside_returned_message, parsed_message& out,
                      part_budget& budget, const limits& limits) {
  const std::string_view type = part.type, subtype = part.subtype;  // compared as views: no strlen, no call
  const bool readable = type == "text" || type == "message" ||
                        (type == "application" && (subtype == "octet-stream" || subtype == "rfc822"));
  const bool wanted = readable && (!inside_returned_message || type == "message" || part.is("text", "rfc822-headers"));
  if (!wanted || raw_body.empty()) return;
  const auto over_limit = [&] {
    out.warnings.push_back({"decoded-size-limit", 0});
    if (!out.error)
      out.error = fmt::format("decoded text exceeds max_decoded_bytes ({}); the rest was dropped",
                              limits.max_decoded_bytes);
  };
  if (budget.decoded_bytes >= limits.max_decoded_bytes) {
    over_limit();
    return;
  }
  std::string& bytes = part.body;  // decoded in place: the text is most often kept as it is
  const bool transformed =
      decode_transfer_encoding(raw_body, field_value(part.headers, "Content-Transfer-Encoding"), out, bytes);
  // an image sent as base64 "text" would be read as kilobytes of junk by every text reader: it is no text
  if (transformed && type == "text" && starts_binary_file(bytes)) bytes.clear();
  if (bytes.size() > limits.max_decoded_bytes - budget.decoded_bytes) {
    bytes.resize(limits.max_decoded_bytes - budget.decoded_bytes);
    over_limit();
  }
  // decoded bodies may carry CRLF again (base64 of Windows text); a body taken as is from out.normalised has
  // no CR to look for (mimetic's bodies live in its own storage: those are looked at)
  const auto inside = [](std::string_view inner, std::string_view outer) {
    const auto i = reinterpret_cast<std::uintptr_t>(inner.data()), o = reinterpret_cast<std::uintptr_t>(outer.data());
    return i >= o && i - o <= outer.size() && inner.size() <= outer.size() - (i - o);
  };
  if ((transformed || !inside(raw_body, out.normalised)) && bytes.find('\r') != std::string::npos)
    bytes = normalise_line_endings(bytes);
  bool known = true;
  const bool global = type == "message" && subtype.starts_with("global");
  part.body = to_utf8_moved(std::move(bytes), global ? std::string_view("utf-8") : std::string_view(part.charset), &known);
  if (!known) out.warnings.push_back({"unknown-charset", 0});
  budget.decoded_bytes += part.body.size();
}

mime_part& fresh_part(parsed_message& out, std::size_t index) {
  if (index >= out.parts.size()) return out.parts.emplace_back();
  mime_part& part = out.parts[index];
  // the splitter reads the part's header into the list next, which clears it: only room past the cap (storage
  // that recycle_parts() did not trim) is let go here
  if (part.headers.capacity() > max_kept_fields) part.headers.clear(max_kept_fields);
  // compared first: an assign costs several times a compare of these few bytes, and most parts are text/plain
  if (std::string_view(part.type) != "text") part.type = "text";
  if (std::string_view(part.subtype) != "plain") part.subtype = "plain";
  part.charset.clear();
  part.body.clear();
  part.depth = 0;
  part.parent = -1;
  return part;
}

bool recycle_parts(std::vector<mime_part>& parts) noexcept {
  if (parts.capacity() > max_kept_parts) return false;
  // strings short enough to live inside the part (a type, a subtype, most charsets) hold nothing to free: they
  // are left for fresh_part() to overwrite
  const auto release = [](std::string& s) {
    if (s.capacity() > std::string().capacity()) s = std::string();
  };
  for (mime_part& part : parts) {
    part.headers.clear(max_kept_fields);
    release(part.type);
    release(part.subtype);
    release(part.charset);
    if (part.body.capacity() > max_kept_body) part.body = std::string();
  }
  return true;
}

parsed_message parse_message(std::string_view raw, const limits& limits, mime_backend backend,
                             std::vector<mime_part> parts_storage) {
  parsed_message out;
  out.parts = std::move(parts_storage);  // only the built-in splitter reuses its parts; the other paths clear it
  if (raw.size() > limits.max_message_bytes) {
    out.error = fmt::format("message of {} bytes exceeds max_message_bytes ({})", raw.size(), limits.max_message_bytes);
    raw = raw.substr(0, limits.max_message_bytes);
  }
  // an mbox envelope line ("From sender date") before the headers, as saved mail often keeps
  if (raw.substr(0, 5) == "From ") {
    const std::size_t nl = raw.find('\n');
    if (!looks_like_field(raw.substr(0, nl))) raw.remove_prefix(nl == std::string_view::npos ? raw.size() : nl + 1);
  }
  // copied only when something changes: CR line endings, or a broken Content-Type line to repair
  std::string rewritten;
  bool owned = false;
  if (raw.find('\r') != std::string_view::npos) {
    rewritten = normalise_line_endings(raw);
    owned = true;
  }
  std::string repaired;
  if (repair_unindented_parameters(owned ? std::string_view(rewritten) : raw, repaired)) {
    rewritten = std::move(repaired);
    owned = true;
  }
  if (owned) {
    out.rewritten = std::make_unique<const std::string>(std::move(rewritten));
    out.normalised = *out.rewritten;
  } else {
    out.normalised = raw;
  }
  const prescan s = needs_scan(out.normalised, limits, backend) ? scan(out.normalised) : prescan{};
  const std::size_t container_limit = limits.max_mime_depth * 8;
  if (s.containers > container_limit) {
    out.warnings.push_back({"too-many-containers", 0});
    if (!out.error)
      out.error = fmt::format("more than {} nested multipart/message parts (max_mime_depth x 8)", container_limit);
    single_part(out, limits);
    return out;
  }
  if (s.longest_line > limits.max_header_line_bytes) {
    out.warnings.push_back({"line-too-long", 0});
    if (!out.error)
      out.error = fmt::format("a line of {} bytes exceeds max_header_line_bytes ({}); read as plain text",
                              s.longest_line, limits.max_header_line_bytes);
    single_part(out, limits);
    return out;
  }
  if (backend == mime_backend::mimetic) {
    if (s.longest_field > mimetic_field_limit) {
      out.warnings.push_back({"long-header-line", 0});
      single_part(out, limits);
      return out;
    }
    out.parts.clear();
    if (!split_parts_with_mimetic(out, limits)) out.warnings.push_back({"mime-parse-failed", 0});
  } else {
    split_parts(out, limits);
  }
  // a multipart whose parts could not be found (no or wrong boundary): read it as the text it is
  if (out.parts.size() == 1 && out.parts[0].type == "multipart") {
    out.parts.clear();
    out.warnings.push_back({"multipart-without-parts", 0});
  }
  if (out.parts.empty()) single_part(out, limits);
  return out;
}

}  // namespace bouncekit::detail
