// Small locale-free string helpers used everywhere (ASCII case folding only: mail keywords are ASCII).
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace bouncekit::detail {

// The answers of ascii_lower_char and is_space for every byte: one load each, where the comparisons cost two
// branches or a conditional move (they run hundreds of thousands of times a second, in every loop over text).
inline constexpr std::array<char, 256> ascii_lower_table = [] {
  std::array<char, 256> table{};
  for (std::size_t u = 0; u < 256; ++u)
    table[u] = static_cast<char>(u >= 'A' && u <= 'Z' ? u + 32 : u);
  return table;
}();
inline constexpr std::array<bool, 256> space_table = [] {
  std::array<bool, 256> table{};
  for (const char c : {' ', '\t', '\r', '\n', '\f', '\v'}) table[static_cast<unsigned char>(c)] = true;
  return table;
}();

constexpr char ascii_lower_char(char c) noexcept { return ascii_lower_table[static_cast<unsigned char>(c)]; }
constexpr char ascii_upper_char(char c) noexcept { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c; }
constexpr bool is_space(char c) noexcept { return space_table[static_cast<unsigned char>(c)]; }
constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
constexpr bool is_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

std::string ascii_lower(std::string_view s);

// The first `c` in [p, p + n), or nullptr: memchr's answer. Most searches here cover a line or a header value
// of a few dozen bytes, where a call to memchr costs more than the search (its set-up and exit branches, the
// PLT jump: it was an eighth of all time at ~570 calls a message); they are done inline, sixteen bytes at a
// time, and a range still unsettled after the first 128 bytes goes to memchr itself.
inline const char* find_byte(const char* p, std::size_t n, char c) noexcept {
#if defined(__SSE2__)
  if (n >= 16) {
    constexpr std::size_t inline_bytes = 128;
    const __m128i wanted = _mm_set1_epi8(c);
    const auto hits = [&](std::size_t at) {
      const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + at));
      return static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(block, wanted)));
    };
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) {
      if (i == inline_bytes) return static_cast<const char*>(std::memchr(p + i, c, n - i));
      if (const unsigned mask = hits(i)) return p + i + std::countr_zero(mask);
    }
    if (i == n) return nullptr;
    // the last n - i bytes: the block that ends at n, shifted past the bytes already looked at
    const unsigned mask = hits(n - 16) >> (16 - (n - i));
    return mask ? p + i + std::countr_zero(mask) : nullptr;
  }
#endif
  // eight to fifteen bytes: the first eight and the last eight (overlapping) as words, where a byte equal to `c`
  // is a zero after the XOR (a borrow can mark a byte after a zero, never one before it: the lowest mark is the
  // first `c`)
  if constexpr (std::endian::native == std::endian::little) {
    if (n >= 8) {
      constexpr std::uint64_t ones = 0x0101010101010101u;
      const std::uint64_t wanted = ones * static_cast<unsigned char>(c);
      const auto first_in_word = [&](std::size_t at) {
        std::uint64_t w;
        std::memcpy(&w, p + at, 8);
        const std::uint64_t x = w ^ wanted;
        return (x - ones) & ~x & (ones * 0x80);
      };
      if (const std::uint64_t marks = first_in_word(0)) return p + std::countr_zero(marks) / 8;
      if (const std::uint64_t marks = first_in_word(n - 8)) return p + (n - 8) + std::countr_zero(marks) / 8;
      return nullptr;
    }
  }
  for (std::size_t i = 0; i < n; ++i)
    if (p[i] == c) return p + i;
  return nullptr;
}

// std::string_view::find(c, from) by find_byte().
inline std::size_t find_char(std::string_view s, char c, std::size_t from = 0) noexcept {
  if (from >= s.size()) return std::string_view::npos;
  const char* hit = find_byte(s.data() + from, s.size() - from, c);
  return hit ? static_cast<std::size_t>(hit - s.data()) : std::string_view::npos;
}

// std::string_view::find(needle, from) for a short needle in a short text: its first byte by find_byte(),
// the rest compared there.
inline std::size_t find_string(std::string_view s, std::string_view needle, std::size_t from = 0) noexcept {
  if (needle.empty()) return from <= s.size() ? from : std::string_view::npos;
  if (s.size() < needle.size()) return std::string_view::npos;
  const std::size_t last = s.size() - needle.size();  // the last place the needle can start
  for (std::size_t at = find_char(s, needle[0], from); at != std::string_view::npos && at <= last;
       at = find_char(s, needle[0], at + 1))
    if (s.compare(at, needle.size(), needle) == 0) return at;
  return std::string_view::npos;
}

// Called hundreds of times per message, mostly on short strings: inline.
inline std::string_view trim(std::string_view s) noexcept {
  // Most values come trimmed already: two looks settle them.
  if (s.empty() || (!is_space(s.front()) && !is_space(s.back()))) return s;
  std::size_t b = 0, e = s.size();
  while (b < e && is_space(s[b])) ++b;
  while (e > b && is_space(s[e - 1])) --e;
  return s.substr(b, e - b);
}
inline bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_lower_char(a[i]) != ascii_lower_char(b[i])) return false;
  return true;
}
inline bool istarts_with(std::string_view s, std::string_view prefix) noexcept {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}
// Position of `needle` (ASCII, any case) in `haystack`, or npos.
std::size_t ifind(std::string_view haystack, std::string_view needle, std::size_t from = 0) noexcept;
// A needle to look for often, with the two of its bytes rarest in text: ifind looks for those first. A needle
// whose first and last bytes are common letters ("the ... host") has them in place every few dozen bytes of
// text, and each place costs a full comparison; two rare bytes are in place seldom.
class rare_pair_needle {
 public:
  explicit rare_pair_needle(std::string_view needle);
  std::string_view text() const noexcept { return text_; }
  std::size_t first() const noexcept { return first_; }    // the offset of one rare byte
  std::size_t second() const noexcept { return second_; }  // and of the other (the last byte when only one)

 private:
  std::string_view text_;  // (a view: the needle outlives this)
  std::size_t first_ = 0;
  std::size_t second_ = 0;
};
// ifind by the needle's rare bytes: the same answer.
std::size_t ifind(std::string_view haystack, const rare_pair_needle& needle, std::size_t from = 0) noexcept;
// Position of the last `needle` in `haystack`, or npos: std::string_view::rfind without its comparison at every
// position (only where the first byte matches).
std::size_t find_last(std::string_view haystack, std::string_view needle) noexcept;
inline bool icontains(std::string_view haystack, std::string_view needle) noexcept {
  return ifind(haystack, needle) != std::string_view::npos;
}

// Splits on '\n' (the text is normalised to LF before anyone calls this); the last line may be empty.
std::vector<std::string_view> split_lines(std::string_view text);
// The same into `lines` (its contents replaced), which a caller may keep from one text to the next.
void split_lines(std::string_view text, std::vector<std::string_view>& lines);

// Collapses runs of whitespace (including newlines) into one space and trims.
std::string collapse_whitespace(std::string_view s);

// Writes `s`, which neither starts nor ends with whitespace, at `out` with each run of whitespace in it made one
// space; returns the end of what it wrote. It stores eight or sixteen bytes at a time: `out` needs room for
// s.size() + 8.
char* copy_collapsed(std::string_view s, char* out) noexcept;

// "<Bob@Example.ORG>" -> "Bob@example.org": strips brackets, quotes, "rfc822;" and mailto:, lower-cases the
// domain. Empty when it does not look like an address.
std::string normalise_address(std::string_view s);

// A report's address field that normalise_address rejects because the '@' is doubled ("rfc822;
// eli@@example.org", a typo the sending MTA passed on): as written, "@"s kept, domain lower-cased, so the
// report still names the recipient it was about. Empty for anything else ("a@", "@example.org", words).
std::string malformed_report_address(std::string_view s);

// The first thing that looks like local@domain in `s`, normalised; empty when none.
std::string find_address(std::string_view s);

// Whether `s` starts (in any case) with find_address(s), without making that address.
bool starts_with_address(std::string_view s) noexcept;

// Every address in `s`, normalised, in order, without duplicates.
std::vector<std::string> find_addresses(std::string_view s);
// The same into `out` (cleared first): a loop over many lines reuses one vector's room.
void find_addresses(std::string_view s, std::vector<std::string>& out);

// True when `s` has a digit: a string without one has no reply or status code (the cheap test before looking).
bool has_digit(std::string_view s) noexcept;

// An RFC 3463 enhanced status code ("5.1.1") found in `s`, or empty. Accepts 2/4/5 classes only.
std::string find_status_code(std::string_view s);

// True for a class-only code ("5.0.0", "4.0.0") that names no cause.
inline bool is_generic_status(std::string_view status) noexcept {
  return status.size() == 5 && status.substr(1) == ".0.0";
}

// The last enhanced status code in `s` (servers quote the inner, more specific one last), or empty.
// With failures_only, 2.x.x codes are skipped.
std::string find_last_status_code(std::string_view s, bool failures_only = false);

// The last enhanced status code of class `status_class` ('2', '4' or '5') in `s`, or empty.
std::string find_last_status_code_of_class(std::string_view s, char status_class);

// A three-digit SMTP reply code at the start of `s` or after a "said:"/"<<<"-style lead, or empty.
std::string find_reply_code(std::string_view s);

}  // namespace bouncekit::detail
