// The built-in structural parser: one pass over the LF-normalised message that finds each entity's header
// block with read_field_block() and its body as a slice of the text; multipart bodies are cut at their
// delimiter lines, message/rfc822 bodies are read as entities. Nothing is copied before a part is decoded,
// and only text, message and octet-stream parts are decoded at all.
//
// Unlike mimetic: a delimiter counts only at the start of a line (after blanks, which some mailers put
// there) and followed by nothing but "--" and blanks (RFC 2046 5.1.1), so "--XYZ" in mid-line or "--XYZ2" never splits a part; each part is searched for its own
// delimiters only inside the slice its parent gave it, so a nested multipart that never closes cannot
// swallow the parts after it; recursion is bounded by max_mime_depth.
#include "mime/mime_parts.hpp"
#include "util/text.hpp"

#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <string>

namespace bouncekit::detail {

namespace {

constexpr std::size_t npos = std::string_view::npos;

bool blank(char c) noexcept { return c == ' ' || c == '\t'; }

// The end of the line that starts at or contains `at`, or `end`.
// find_byte, not find(): a delimiter line is short, and a call to memchr cost more than the search.
std::size_t line_end(std::string_view text, std::size_t at, std::size_t end) noexcept {
  if (at >= end) return end;
  const char* nl = find_byte(text.data() + at, end - at, '\n');
  return nl ? static_cast<std::size_t>(nl - text.data()) : end;
}

// How common each byte is in mail, from 0 (rare, or not listed) up: the bytes of mail text by falling frequency.
constexpr std::array<std::uint8_t, 256> make_commonness() {
  constexpr std::string_view by_frequency =
      " eatoi0nrsl.\n-m2pc:d1Augfxh3T54yb9M6D8=Sk7EjvC;wRF/PIBON<>LX\"UQzGHJ()V+K@\rYWqZ,_";
  std::array<std::uint8_t, 256> commonness{};
  for (std::size_t i = 0; i < by_frequency.size(); ++i)
    commonness[static_cast<unsigned char>(by_frequency[i])] = static_cast<std::uint8_t>(by_frequency.size() - i);
  return commonness;
}
constexpr std::array<std::uint8_t, 256> commonness = make_commonness();

// The position of the needle's least common byte: the one find_in() looks for. Boundaries often start with
// dashes or zeros, among the commonest bytes of a body; most also hold a rare one (an underscore, a capital).
std::size_t rarest_byte(std::string_view needle) noexcept {
  std::size_t rarest = 0;
  for (std::size_t i = 1; i < needle.size(); ++i)
    if (commonness[static_cast<unsigned char>(needle[i])] < commonness[static_cast<unsigned char>(needle[rarest])])
      rarest = i;
  return rarest;
}

// The first `needle` in text[from, end), or npos; `rare` is the position of its rarest byte (rarest_byte()).
// find_byte (memchr, past a line) finds that byte and a compare tells the rest: fastest where that byte is rare (a 10 MB body is
// passed at memchr's speed, several times memmem's). A text full of it (a body of dashes) would make that
// quadratic: once the compares have cost more than the bytes passed, memmem (glibc's stays linear) takes over.
std::size_t find_in(std::string_view text, std::size_t from, std::size_t end, std::string_view needle,
                    std::size_t rare) noexcept {
  if (needle.empty() || from >= end || end - from < needle.size()) return npos;
  const char* const base = text.data();
  const std::size_t last = end - needle.size();  // the last place the needle can start
  std::size_t compared = 0;
  for (std::size_t at = from; at <= last;) {
    if (compared > at - from + 4096) {
      const void* hit = memmem(base + at, end - at, needle.data(), needle.size());
      return hit ? static_cast<std::size_t>(static_cast<const char*>(hit) - base) : npos;
    }
    const char* hit = find_byte(base + at + rare, last - at + 1, needle[rare]);
    if (!hit) return npos;
    at = static_cast<std::size_t>(hit - base) - rare;
    // the first and last bytes inline: most hits fail there, without a call to memcmp
    if (base[at] == needle[0] && base[at + needle.size() - 1] == needle.back() &&
        std::memcmp(base + at, needle.data(), needle.size()) == 0)
      return at;
    compared += needle.size();
    ++at;
  }
  return npos;
}

// The start of the next delimiter line ("--" boundary, optionally "--", then only blanks) in [from, end),
// or npos. Sets `closing` for the close delimiter. The boundary is searched for and the "--" before it checked:
// no "--boundary" string to build.
std::size_t find_delimiter(std::string_view text, std::size_t from, std::size_t end, std::string_view boundary,
                           std::size_t rare, bool& closing) noexcept {
  for (std::size_t p = find_in(text, from + 2, end, boundary, rare); p != npos;
       p = find_in(text, p + 1, end, boundary, rare)) {
    if (text[p - 2] != '-' || text[p - 1] != '-') continue;
    const std::size_t at = p - 2;
    std::size_t start = at;  // blanks before a delimiter are tolerated: some mailers indent it
    while (start > 0 && blank(text[start - 1])) --start;
    if (start != 0 && text[start - 1] != '\n') continue;
    std::size_t rest = p + boundary.size();
    const std::size_t stop = line_end(text, rest, end);
    closing = stop - rest >= 2 && text[rest] == '-' && text[rest + 1] == '-';
    if (closing) rest += 2;
    while (rest < stop && blank(text[rest])) ++rest;
    if (rest == stop) return start;
  }
  return npos;
}

class splitter {
 public:
  splitter(parsed_message& out, const limits& limits) : out_(out), limits_(limits), text_(out.normalised) {}

  std::size_t parts_read() const noexcept { return count_; }

  // Reads the entity in [begin, end) and its descendants. Returns false once max_parts is reached.
  bool entity(std::size_t begin, std::size_t end, std::size_t depth, int parent, bool inside_returned_message) {
    if (count_ >= limits_.max_parts) {
      out_.error = fmt::format("message has more than {} MIME parts (max_parts)", limits_.max_parts);
      return false;
    }
    // built in place (no part to move); the reference is not used once parts below this one are added
    const int index = static_cast<int>(count_);
    mime_part& part = fresh_part(out_, count_++);
    part.depth = depth;
    part.parent = parent;
    std::size_t body = begin;
    read_field_block_into(part.headers, text_.substr(0, end), body, true, limits_.max_header_line_bytes);
    if (body > end) body = end;
    std::string boundary_storage;
    const std::string_view boundary = read_content_type(part, index == 0 ? &out_ : nullptr, boundary_storage);
    const bool multipart = std::string_view(part.type) == "multipart";
    const bool rfc822 = part.is("message", "rfc822");
    if (!multipart && !rfc822)
      decode_part_body(part, text_.substr(body, end - body), inside_returned_message, out_, budget_, limits_);
    if (!multipart && !rfc822) return true;
    if (depth + 1 > limits_.max_mime_depth) {
      if (!budget_.depth_reported)
        out_.error = fmt::format("MIME nesting deeper than {} levels (max_mime_depth)", limits_.max_mime_depth);
      budget_.depth_reported = true;
      return true;
    }
    if (rfc822) return entity(body, end, depth + 1, index, true);
    if (boundary.empty()) return true;  // no parts: parse_message() reads such a message as text
    return children(body, end, boundary, depth + 1, index, inside_returned_message);
  }

 private:
  // The parts of a multipart body [begin, end): the preamble before the first delimiter and the epilogue
  // after the close delimiter are dropped; a missing close delimiter ends the last part at `end`.
  bool children(std::size_t begin, std::size_t end, std::string_view boundary, std::size_t depth, int parent,
                bool inside_returned_message) {
    bool closing = false;
    const std::size_t rare = rarest_byte(boundary);
    std::size_t at = find_delimiter(text_, begin, end, boundary, rare, closing);
    while (at != npos && !closing) {
      const std::size_t part_begin = std::min(line_end(text_, at, end) + 1, end);
      const std::size_t next = find_delimiter(text_, part_begin, end, boundary, rare, closing);
      std::size_t part_end = next == npos ? end : next;
      // the line break before a delimiter belongs to the delimiter
      if (next != npos && part_end > part_begin && text_[part_end - 1] == '\n') --part_end;
      if (!entity(part_begin, part_end, depth, parent, inside_returned_message)) return false;
      at = next;
    }
    return true;
  }

  parsed_message& out_;
  const limits& limits_;
  std::string_view text_;
  part_budget budget_;
  std::size_t count_ = 0;  // the parts read: out_.parts past them are left from an earlier message
};

}  // namespace

void split_parts(parsed_message& out, const limits& limits) {
  out.parts.reserve(8);  // a bounce has about five parts: one allocation instead of four, and no part moved
  splitter split(out, limits);
  split.entity(0, out.normalised.size(), 0, -1, false);
  out.parts.erase(out.parts.begin() + static_cast<std::ptrdiff_t>(split.parts_read()), out.parts.end());
}

}  // namespace bouncekit::detail
