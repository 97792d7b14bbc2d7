#include "util/text.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <tuple>
#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace bouncekit::detail {

namespace {

// The eight bytes of `w` lower-cased (ASCII): a byte's bit 7 is set by adding 63 from 'A' up and by adding 37
// from past 'Z' up, on its low seven bits (so nothing carries into the next byte); bytes of 128 and up stay.
std::uint64_t lower_eight(std::uint64_t w) noexcept {
  constexpr std::uint64_t ones = 0x0101010101010101u;
  const std::uint64_t low_seven = w & (ones * 0x7f);
  const std::uint64_t from_a = low_seven + ones * (128 - 'A');
  const std::uint64_t past_z = low_seven + ones * (128 - 'Z' - 1);
  const std::uint64_t upper = (from_a ^ past_z) & ~w & (ones * 0x80);
  return w | (upper >> 2);
}

// Lower-cases `n` bytes at `p` in place, eight at a time (the last eight again, overlapping: it changes nothing
// twice).
void lower_in_place(char* p, std::size_t n) noexcept {
  if (n < 8) {
    for (std::size_t i = 0; i < n; ++i) p[i] = ascii_lower_char(p[i]);
    return;
  }
  const auto lower_at = [p](std::size_t at) {
    std::uint64_t w;
    std::memcpy(&w, p + at, 8);
    w = lower_eight(w);
    std::memcpy(p + at, &w, 8);
  };
  for (std::size_t i = 0; i + 8 < n; i += 8) lower_at(i);
  lower_at(n - 8);
}

}  // namespace

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  lower_in_place(out.data(), out.size());
  return out;
}

namespace {

// The byte with bit 0x20 set: the same for both cases of a letter (and for a few pairs of other bytes, which only
// makes a candidate that the full comparison then rejects).
constexpr unsigned char fold(char c) noexcept { return static_cast<unsigned char>(c) | 0x20; }

// True when the needle, any case, starts at `p` (whose first and last bytes already matched once folded).
bool matches_at(const char* p, std::string_view needle) noexcept {
  for (std::size_t i = 1; i + 1 < needle.size(); ++i)
    if (ascii_lower_char(p[i]) != ascii_lower_char(needle[i])) return false;
  return ascii_lower_char(p[0]) == ascii_lower_char(needle[0]) &&
         ascii_lower_char(p[needle.size() - 1]) == ascii_lower_char(needle.back());
}

}  // namespace

namespace {

// ifind by the needle's bytes at offsets `a` and `b` (below its size): a start where both are in place (folded) is
// a candidate, compared in full.
std::size_t ifind_by(std::string_view haystack, std::string_view needle, std::size_t from, std::size_t a,
                     std::size_t b) noexcept {
  if (haystack.size() < needle.size() || from > haystack.size() - needle.size()) return std::string_view::npos;
  const unsigned char first = fold(needle[a]);
  const unsigned char last_byte = fold(needle[b]);
  const char* const begin = haystack.data();
  const char* const last = begin + (haystack.size() - needle.size());  // the last possible start
  const char* p = begin + from;
#if defined(__SSE2__)
  // sixteen starts at a time: a candidate has the needle's two bytes (folded) in place, which few starts have,
  // so the full comparison runs rarely and no call is made per occurrence of a common first byte
  const __m128i case_bit = _mm_set1_epi8(0x20);
  const __m128i want_first = _mm_set1_epi8(static_cast<char>(first));
  const __m128i want_last = _mm_set1_epi8(static_cast<char>(last_byte));
  // the starts at `q` whose first and last bytes match (folded), a bit each
  const auto candidates = [&](const char* q) {
    const __m128i heads = _mm_or_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(q + a)), case_bit);
    const __m128i tails = _mm_or_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(q + b)), case_bit);
    return _mm_and_si128(_mm_cmpeq_epi8(heads, want_first), _mm_cmpeq_epi8(tails, want_last));
  };
  // the first candidate from `q` (whose bits are `mask`) that matches, or null
  const auto first_match = [&](const char* q, unsigned mask) -> const char* {
    for (; mask != 0; mask &= mask - 1)
      if (matches_at(q + std::countr_zero(mask), needle)) return q + std::countr_zero(mask);
    return nullptr;
  };
  // thirty-two starts per test while they last (most stretches have no candidate), then sixteen
  for (; last - p >= 31; p += 32) {
    const __m128i low = candidates(p);
    const __m128i high = candidates(p + 16);
    if (_mm_movemask_epi8(_mm_or_si128(low, high)) == 0) continue;
    const auto mask = static_cast<unsigned>(_mm_movemask_epi8(low)) |
                      (static_cast<unsigned>(_mm_movemask_epi8(high)) << 16);
    if (const char* at = first_match(p, mask)) return static_cast<std::size_t>(at - begin);
  }
  for (; last - p >= 15; p += 16)
    if (const char* at = first_match(p, static_cast<unsigned>(_mm_movemask_epi8(candidates(p)))))
      return static_cast<std::size_t>(at - begin);
  // the last fewer than sixteen starts, when the haystack holds sixteen: the sixteen that end with the last one,
  // those before `p` (already tried) masked off, instead of the word and byte loops below
  if (p <= last && last - begin >= 15) {
    const char* const q = last - 15;
    const unsigned tried = (1u << static_cast<unsigned>(p - q)) - 1;
    const char* const at = first_match(q, static_cast<unsigned>(_mm_movemask_epi8(candidates(q))) & ~tried);
    return at ? static_cast<std::size_t>(at - begin) : std::string_view::npos;
  }
#endif
  // (short haystacks: a header value, a line) eight starts at a time whose bytes at `a` are in the haystack: a
  // byte that folds to the needle's there is a zero after the XOR (a borrow can mark a byte after a zero, never
  // one before it, and every mark is checked in full)
  if constexpr (std::endian::native == std::endian::little) {
    constexpr std::uint64_t ones = 0x0101010101010101u;
    for (; last - p >= 7; p += 8) {
      std::uint64_t w;
      std::memcpy(&w, p + a, 8);
      const std::uint64_t x = (w | (ones * 0x20)) ^ (ones * first);
      for (std::uint64_t zero = (x - ones) & ~x & (ones * 0x80); zero != 0; zero &= zero - 1) {
        const char* const at = p + static_cast<unsigned>(std::countr_zero(zero)) / 8;
        if (fold(at[b]) == last_byte && matches_at(at, needle)) return static_cast<std::size_t>(at - begin);
      }
    }
  }
  for (; p <= last; ++p)
    if (fold(p[a]) == first && fold(p[b]) == last_byte && matches_at(p, needle))
      return static_cast<std::size_t>(p - begin);
  return std::string_view::npos;
}

}  // namespace

std::size_t ifind(std::string_view haystack, std::string_view needle, std::size_t from) noexcept {
  if (needle.empty()) return from <= haystack.size() ? from : std::string_view::npos;
  return ifind_by(haystack, needle, from, 0, needle.size() - 1);
}

std::size_t ifind(std::string_view haystack, const rare_pair_needle& needle, std::size_t from) noexcept {
  if (needle.text().empty()) return from <= haystack.size() ? from : std::string_view::npos;
  return ifind_by(haystack, needle.text(), from, needle.first(), needle.second());
}

namespace {

// How often a byte (either case) occurs in English text and mail, roughly, in parts per thousand.
constexpr std::array<std::uint8_t, 256> byte_frequency = [] {
  std::array<std::uint8_t, 256> f{};
  for (std::size_t c = 0; c < 256; ++c) f[c] = 3;  // punctuation, controls, non-ASCII bytes
  constexpr std::string_view letters = "etaoinshrdlcumwfgypbvkjxqz";
  constexpr std::uint8_t per_letter[] = {120, 90, 80, 75, 70, 70, 63, 60, 60, 43, 40, 28, 28,
                                         24,  24, 22, 20, 20, 19, 15, 10, 8,  2,  2,  1,  1};
  for (std::size_t i = 0; i < letters.size(); ++i) {
    f[static_cast<unsigned char>(letters[i])] = per_letter[i];
    f[static_cast<unsigned char>(letters[i] - 32)] = per_letter[i];
  }
  for (char d = '0'; d <= '9'; ++d) f[static_cast<unsigned char>(d)] = 10;
  f[' '] = 180;
  f['\n'] = 30;
  f['.'] = 15;
  f['-'] = 10;
  return f;
}();

}  // namespace

rare_pair_needle::rare_pair_needle(std::string_view needle) : text_(needle) {
  if (needle.size() < 2) {
    second_ = needle.empty() ? 0 : needle.size() - 1;
    return;
  }
  const auto frequency = [&](std::size_t i) { return byte_frequency[static_cast<unsigned char>(needle[i])]; };
  std::size_t rarest = 0;
  for (std::size_t i = 1; i < needle.size(); ++i)
    if (frequency(i) < frequency(rarest)) rarest = i;
  std::size_t next = rarest == 0 ? 1 : 0;
  for (std::size_t i = 0; i < needle.size(); ++i)
    if (i != rarest && frequency(i) < frequency(next)) next = i;
  first_ = std::min(rarest, next);
  second_ = std::max(rarest, next);
}

std::size_t find_last(std::string_view haystack, std::string_view needle) noexcept {
  if (needle.size() > haystack.size()) return std::string_view::npos;
  if (needle.empty()) return haystack.size();
  const char first = needle[0];
  std::size_t end = haystack.size() - needle.size() + 1;  // the starts left to try are [0, end)
#if defined(__SSE2__)
  // sixteen starts at a time, from the last: the first byte's matches, latest first
  const __m128i want = _mm_set1_epi8(first);
  for (; end >= 16; end -= 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(haystack.data() + end - 16));
    for (auto mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, want))); mask != 0;) {
      const auto top = static_cast<unsigned>(std::bit_width(mask)) - 1;
      const std::size_t i = end - 16 + top;
      if (haystack.compare(i, needle.size(), needle) == 0) return i;
      mask &= ~(1u << top);
    }
  }
#endif
  for (std::size_t i = end; i-- > 0;)
    if (haystack[i] == first && haystack.compare(i, needle.size(), needle) == 0) return i;
  return std::string_view::npos;
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  split_lines(text, lines);
  return lines;
}

void split_lines(std::string_view text, std::vector<std::string_view>& lines) {
  lines.clear();
  // room for lines of 32 bytes on average, mostly no regrowing (a huge text grows as usual beyond 4096 lines)
  lines.reserve(std::min<std::size_t>(text.size() / 32 + 1, 4096));
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t nl = find_char(text, '\n', start);
    if (nl == std::string_view::npos) {
      lines.push_back(text.substr(start));
      break;
    }
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
}

namespace {

// The offset of the first of the eight bytes at `p` that is below 0x21 (whitespace or another control byte), or
// 8: one test for a stretch of a word. (A borrow can mark a byte after the first low one, never one before it.)
unsigned first_low_byte(const char* p) {
  std::uint64_t w;
  std::memcpy(&w, p, 8);
  const std::uint64_t low = (w - 0x2121212121212121u) & ~w & 0x8080808080808080u;
  return low == 0 ? 8 : static_cast<unsigned>(std::countr_zero(low)) / 8;
}

#if defined(__SSE2__)
// The start of copy_collapsed sixteen bytes at a time while seventeen remain: a stretch in which every whitespace
// byte is a space that no whitespace follows (most text between line breaks) is stored as it is. A byte that
// ends such a stretch starts a run of whitespace, which becomes one space. Stores only what it has read, so its
// output stays within the room copy_collapsed asks for. Returns where it stopped in `p` and in `o`.
std::pair<const char*, char*> copy_collapsed_blocks(const char* p, const char* end, char* o) noexcept {
  const __m128i space = _mm_set1_epi8(' ');
  const __m128i tab = _mm_set1_epi8('\t');
  const __m128i four = _mm_set1_epi8(4);
  // '\t', '\n', '\v', '\f' and '\r' are the five bytes from '\t' up
  const auto control_space = [&](__m128i x) {
    const __m128i from_tab = _mm_sub_epi8(x, tab);
    return _mm_cmpeq_epi8(_mm_min_epu8(from_tab, four), from_tab);
  };
  // (p, when it is not the start, follows a byte that is no whitespace: a single space at p stays as it is)
  while (end - p > 16) {
    const __m128i here = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i next = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 1));
    const __m128i next_space = _mm_or_si128(_mm_cmpeq_epi8(next, space), control_space(next));
    const __m128i run_starts =
        _mm_or_si128(control_space(here), _mm_and_si128(_mm_cmpeq_epi8(here, space), next_space));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(o), here);
    const auto mask = static_cast<unsigned>(_mm_movemask_epi8(run_starts));
    if (mask == 0) {
      p += 16;
      o += 16;
      continue;
    }
    const auto kept = static_cast<unsigned>(std::countr_zero(mask));
    p += kept;
    o += kept;
    *o++ = ' ';
    ++p;
    while (p != end && is_space(*p)) ++p;
  }
  return {p, o};
}
#endif

}  // namespace

char* copy_collapsed(std::string_view s, char* o) noexcept {
  const char* p = s.data();
  const char* const end = p + s.size();
#if defined(__SSE2__)
  std::tie(p, o) = copy_collapsed_blocks(p, end, o);
#endif
  while (p != end) {
    // the bytes of a word eight at a time (a little-endian word's first byte is its lowest): all eight are
    // stored, and those before the first low byte kept
    if constexpr (std::endian::native == std::endian::little) {
      while (end - p >= 8) {
        const unsigned n = first_low_byte(p);
        std::memcpy(o, p, 8);
        o += n;
        p += n;
        if (n < 8) break;
      }
      if (p == end) break;
    }
    if (!is_space(*p)) {
      *o++ = *p++;
      continue;
    }
    *o++ = ' ';
    ++p;
    while (p != end && is_space(*p)) ++p;  // (s ends with a byte that is not whitespace, but be safe)
  }
  return o;
}

std::string collapse_whitespace(std::string_view s) {
  s = trim(s);
  std::string out(s.size() + 8, '\0');  // and room for copy_collapsed's last eight-byte store
  out.resize(static_cast<std::size_t>(copy_collapsed(s, out.data()) - out.data()));
  return out;
}

namespace {

// Appends `s` lower-cased (ASCII), without a temporary string.
void append_lower(std::string& out, std::string_view s) {
  const std::size_t at = out.size();
  out.append(s);
  lower_in_place(out.data() + at, s.size());
}

constexpr bool local_char_rule(char c) noexcept {
  const auto u = static_cast<unsigned char>(c);
  if (u >= 0x80) return true;  // RFC 6531 UTF-8 local parts
  if (is_alpha(c) || is_digit(c)) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-': case '/':
    case '=': case '?': case '^': case '_': case '`': case '{': case '|': case '}': case '~': case '.':
      return true;
    default:
      return false;
  }
}

constexpr bool domain_char_rule(char c) noexcept {
  const auto u = static_cast<unsigned char>(c);
  return u >= 0x80 || is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '[' || c == ']' ||
         c == ':';
}

// The rules above as tables: an address is walked byte by byte, both ways from every '@'.
template <typename Rule>
constexpr std::array<bool, 256> byte_table(Rule rule) {
  std::array<bool, 256> table{};
  for (std::size_t u = 0; u < 256; ++u) table[u] = rule(static_cast<char>(static_cast<unsigned char>(u)));
  return table;
}
constexpr std::array<bool, 256> local_chars = byte_table(local_char_rule);
constexpr std::array<bool, 256> domain_chars = byte_table(domain_char_rule);

constexpr std::array<bool, 256> ascii_domain_chars =
    byte_table([](char c) { return static_cast<unsigned char>(c) < 0x80 && domain_char_rule(c); });

bool is_local_char(char c) noexcept { return local_chars[static_cast<unsigned char>(c)]; }
bool is_domain_char(char c) noexcept { return domain_chars[static_cast<unsigned char>(c)]; }
bool is_ascii_domain_char(char c) noexcept { return ascii_domain_chars[static_cast<unsigned char>(c)]; }

#if defined(__SSE2__)
// The bytes of `x` in [lo, hi] (unsigned), as a mask of 0xFF bytes.
__m128i in_range(__m128i x, unsigned char lo, unsigned char hi) noexcept {
  const __m128i from_lo = _mm_sub_epi8(x, _mm_set1_epi8(static_cast<char>(lo)));
  return _mm_cmpeq_epi8(_mm_min_epu8(from_lo, _mm_set1_epi8(static_cast<char>(hi - lo))), from_lo);
}
__m128i equal(__m128i x, char c) noexcept { return _mm_cmpeq_epi8(x, _mm_set1_epi8(c)); }

// A bit for each of the sixteen bytes at `p` that is_local_char rejects: controls and space, '"', '(', ')', ',',
// ':', ';', '<', '>', '@', '[', '\\', ']' and DEL.
unsigned not_local_bytes(const char* p) noexcept {
  const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i some = _mm_or_si128(_mm_or_si128(in_range(x, 0, ' '), equal(x, '"')),
                                    _mm_or_si128(in_range(x, '(', ')'), equal(x, ',')));
  const __m128i more = _mm_or_si128(_mm_or_si128(in_range(x, ':', '<'), equal(x, '>')),
                                    _mm_or_si128(equal(x, '@'), in_range(x, '[', ']')));
  return static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(some, more), equal(x, '\x7f'))));
}

// A bit for each of the sixteen bytes at `p` that is_ascii_domain_char accepts: letters, digits, '-', '.', '_',
// '[', ']' and ':'.
unsigned ascii_domain_bytes(const char* p) noexcept {
  const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i ranges =
      _mm_or_si128(_mm_or_si128(in_range(x, '0', ':'), in_range(x, 'A', '[')), in_range(x, 'a', 'z'));
  const __m128i singles = _mm_or_si128(_mm_or_si128(in_range(x, '-', '.'), equal(x, ']')), equal(x, '_'));
  return static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(ranges, singles)));
}
#endif

// The start of the run of local-part bytes that ends at `at` in `s`.
std::size_t local_part_start(std::string_view s, std::size_t at) noexcept {
#if defined(__SSE2__)
  // sixteen bytes at a time, backwards: the last byte that is none ends the walk
  for (; at >= 16; at -= 16)
    if (const unsigned stops = not_local_bytes(s.data() + at - 16); stops != 0)
      return at - 16 + static_cast<std::size_t>(std::bit_width(stops));
  // the fewer than sixteen bytes left, when the text holds sixteen: the text's first sixteen, those from `at` on
  // masked off, instead of the byte loop below
  if (s.size() >= 16) {
    const unsigned stops = not_local_bytes(s.data()) & ((1u << at) - 1);
    return static_cast<std::size_t>(std::bit_width(stops));
  }
#endif
  while (at > 0 && is_local_char(s[at - 1])) --at;
  return at;
}

// The end of the run of ASCII domain bytes that starts at `at` in `s`.
std::size_t ascii_domain_end(std::string_view s, std::size_t at) noexcept {
#if defined(__SSE2__)
  for (; s.size() - at >= 16; at += 16)
    if (const unsigned stops = ~ascii_domain_bytes(s.data() + at) & 0xFFFFu; stops != 0)
      return at + static_cast<std::size_t>(std::countr_zero(stops));
  // the fewer than sixteen bytes left, when the text holds sixteen: the text's last sixteen, those before `at`
  // masked off, instead of the byte loop below
  if (s.size() >= 16) {
    const std::size_t q = s.size() - 16;
    const unsigned stops = ~ascii_domain_bytes(s.data() + q) & 0xFFFFu & ~((1u << (at - q)) - 1);  // (at - q: 1 to 16)
    return stops == 0 ? s.size() : q + static_cast<std::size_t>(std::countr_zero(stops));
  }
#endif
  while (at < s.size() && is_ascii_domain_char(s[at])) ++at;
  return at;
}

// The local part and the domain of the address around the '@' at `at`, as written (the domain not yet
// lower-cased); both empty when there is none.
struct address_parts {
  std::string_view local, domain;

  bool empty() const noexcept { return local.empty(); }
  std::size_t size() const noexcept { return local.size() + 1 + domain.size(); }
  // True when `normalised` is this address normalised (what to_string() would make).
  bool is(std::string_view normalised) const noexcept {
    if (normalised.size() != size() || normalised.substr(0, local.size()) != local || normalised[local.size()] != '@')
      return false;
    const std::string_view d = normalised.substr(local.size() + 1);
    for (std::size_t k = 0; k < domain.size(); ++k)
      if (d[k] != ascii_lower_char(domain[k])) return false;
    return true;
  }
  std::string to_string() const {
    std::string out;
    assign_to(out);
    return out;
  }
  // to_string() into `out`, in the room it has.
  void assign_to(std::string& out) const {
    out.clear();
    out.reserve(size());
    out.append(local);
    out += '@';
    append_lower(out, domain);
  }
};

address_parts address_at(std::string_view s, std::size_t at) noexcept {
  const std::size_t b = local_part_start(s, at);
  // an ASCII domain ends at the first non-ASCII byte ("example.jp，" in Chinese or Arabic text): walked over
  // ASCII domain bytes first, and over the others only when the domain starts with one
  std::size_t e = ascii_domain_end(s, at + 1);
  if (e == at + 1)
    while (e < s.size() && is_domain_char(s[e])) ++e;
  std::string_view local = s.substr(b, at - b);
  std::string_view domain = s.substr(at + 1, e - at - 1);
  // leading punctuation is the text around the address, except an RFC 2047 word ("=?utf-8?b?...?=@"); a run
  // of dashes is a separator or a signature ("--list@example.org, see you"), not part of the local part
  if (local.substr(0, 2) == "--") local.remove_prefix(std::min(local.size(), local.find_first_not_of('-')));
  while (!local.empty() && (local.front() == '.' || local.front() == '\'' ||
                            (local.front() == '=' && (local.size() < 2 || local[1] != '?')) ||
                            local.front() == '/' || local.front() == '{'))
    local.remove_prefix(1);
  while (!domain.empty() && (domain.back() == '.' || domain.back() == '-' || domain.back() == ':' ||
                             domain.back() == ']'))
    domain.remove_suffix(1);
  if (!domain.empty() && domain.front() == '[' && domain.find(']') == std::string_view::npos) domain.remove_prefix(1);
  // (a bare host name is kept: callers prefer dotted ones)
  if (local.empty() || domain.empty()) return {};
  return {local, domain};
}

}  // namespace

std::string normalise_address(std::string_view s) {
  s = trim(s);
  if (istarts_with(s, "rfc822;")) s = trim(s.substr(7));
  else if (istarts_with(s, "utf-8;")) s = trim(s.substr(6));
  if (istarts_with(s, "mailto:")) s = s.substr(7);
  const std::size_t at = s.rfind('@');
  if (at == std::string_view::npos) return {};
  // quoted local part: "john doe"@example.org
  if (!s.empty() && s.front() == '"') {
    const std::size_t close = s.find('"', 1);
    if (close != std::string_view::npos && close + 1 == at) {
      std::size_t e = at + 1;
      while (e < s.size() && is_domain_char(s[e])) ++e;
      std::string_view domain = s.substr(at + 1, e - at - 1);
      while (!domain.empty() && domain.back() == '.') domain.remove_suffix(1);
      if (domain.empty()) return {};
      return std::string(s.substr(0, close + 1)) + "@" + ascii_lower(domain);
    }
  }
  return find_address(s);
}

std::string malformed_report_address(std::string_view s) {
  s = trim(s);
  if (istarts_with(s, "rfc822;")) s = trim(s.substr(7));
  if (s.size() >= 2 && s.front() == '<' && s.back() == '>') s = trim(s.substr(1, s.size() - 2));
  const std::size_t first = s.find('@');
  const std::size_t last = s.rfind('@');
  if (first == std::string_view::npos || first == last || first == 0 || last + 1 >= s.size()) return {};
  for (std::size_t i = first; i <= last; ++i)
    if (s[i] != '@') return {};  // only a run of '@' between the local part and the domain
  const std::string_view local = s.substr(0, first);
  const std::string_view domain = s.substr(last + 1);
  if (!std::all_of(local.begin(), local.end(), is_local_char) ||
      !std::all_of(domain.begin(), domain.end(), is_domain_char) || domain.find('.') == std::string_view::npos ||
      domain.front() == '.' || domain.back() == '.')
    return {};
  return std::string(s.substr(0, last + 1)) + ascii_lower(domain);
}

std::string find_address(std::string_view s) {
  for (std::size_t at = find_char(s, '@'); at != std::string_view::npos; at = find_char(s, '@', at + 1))
    if (const address_parts a = address_at(s, at); !a.empty()) return a.to_string();
  return {};
}

bool starts_with_address(std::string_view s) noexcept {
  for (std::size_t at = find_char(s, '@'); at != std::string_view::npos; at = find_char(s, '@', at + 1))
    if (const address_parts a = address_at(s, at); !a.empty())
      // (the address normalised differs from its text in the case of its domain only)
      return s.size() >= a.size() && iequals(s.substr(0, a.local.size()), a.local) && s[a.local.size()] == '@' &&
             iequals(s.substr(a.local.size() + 1, a.domain.size()), a.domain);
  return false;
}

std::vector<std::string> find_addresses(std::string_view s) {
  std::vector<std::string> out;
  find_addresses(s, out);
  return out;
}

void find_addresses(std::string_view s, std::vector<std::string>& out) {
  // the strings in `out` are written over in their room (a loop over many lines allocates for one address
  // once, not on each line that names one); an address named again is recognised before it is copied
  std::size_t count = 0;
  for (std::size_t at = find_char(s, '@'); at != std::string_view::npos; at = find_char(s, '@', at + 1))
    if (const address_parts a = address_at(s, at);
        !a.empty() && std::none_of(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(count),
                                   [&](const std::string& seen) { return a.is(seen); })) {
      if (count == out.size()) {
        if (out.empty()) out.reserve(4);  // room for a few at once (most texts name none, and allocate nothing)
        out.emplace_back();
      }
      a.assign_to(out[count++]);
    }
  out.resize(count);
}

bool has_digit(std::string_view s) noexcept {
  std::size_t i = 0;
#if defined(__SSE2__)
  // sixteen bytes at a time, the last sixteen overlapping the ones before ('0'..'9' moved to the bottom of the
  // signed range, where no other byte lands, by one add)
  if (s.size() >= 16) {
    const __m128i to_bottom = _mm_set1_epi8(static_cast<char>(0x80 - '0'));
    const __m128i above_digits = _mm_set1_epi8(static_cast<char>(-128 + 10));
    const auto any_digit = [&](std::size_t at) {
      const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + at));
      return _mm_movemask_epi8(_mm_cmplt_epi8(_mm_add_epi8(x, to_bottom), above_digits)) != 0;
    };
    for (; s.size() - i > 16; i += 16)
      if (any_digit(i)) return true;
    return any_digit(s.size() - 16);
  }
#endif
  for (; i < s.size(); ++i)
    if (is_digit(s[i])) return true;
  return false;
}

namespace {

// Where find_status_code finds its code in `s`: the code is s.substr(at, size); size 0 when there is none.
struct code_span {
  std::size_t at = 0;
  std::size_t size = 0;
};

inline code_span find_status_code_span(std::string_view s) noexcept {
  // every code has a dot after its class digit: jump from dot to dot (memchr) instead of testing every byte
  for (std::size_t dot = find_char(s, '.', 1); dot != std::string_view::npos; dot = find_char(s, '.', dot + 1)) {
    const std::size_t i = dot - 1;
    if (i + 5 > s.size()) break;
    const char c = s[i];
    if (c != '2' && c != '4' && c != '5') continue;
    if (i > 0 && (is_digit(s[i - 1]) || s[i - 1] == '.' || is_alpha(s[i - 1]))) continue;
    std::size_t j = i + 2;
    std::size_t d1 = 0;
    while (j < s.size() && is_digit(s[j]) && d1 < 3) ++j, ++d1;
    if (d1 == 0 || j >= s.size() || s[j] != '.') continue;
    ++j;
    std::size_t d2 = 0;
    while (j < s.size() && is_digit(s[j]) && d2 < 3) ++j, ++d2;
    if (d2 == 0) continue;
    if (j < s.size() && (is_digit(s[j]) || is_alpha(s[j]))) continue;
    if (j + 1 < s.size() && s[j] == '.' && is_digit(s[j + 1])) continue;  // an IP address
    return {i, j - i};
  }
  return {};
}

}  // namespace

std::string find_status_code(std::string_view s) {
  const code_span code = find_status_code_span(s);
  return std::string(s.substr(code.at, code.size));
}

namespace {

// The last enhanced status code in `s` that `wanted` accepts, or empty. Each search starts just past the first
// place, from the last search's start, where the code found last is written (which may be before where it was
// found, when the same bytes stand earlier where they make no code): the answers of the searches this replaces.
template <typename Pred>
std::string last_status_code_where(std::string_view s, Pred wanted) {
  std::string_view last;
  for (std::size_t from = 0; from < s.size();) {
    const code_span found = find_status_code_span(s.substr(from));
    if (found.size == 0) break;
    const std::string_view code = s.substr(from + found.at, found.size);
    from = find_string(s, code, from) + code.size();
    if (wanted(code)) last = code;
  }
  return std::string(last);
}

}  // namespace

std::string find_last_status_code(std::string_view s, bool failures_only) {
  // failures only: not a "250 2.1.5 Ok" earlier in a transcript
  return last_status_code_where(s, [&](std::string_view code) { return !failures_only || code[0] != '2'; });
}

std::string find_last_status_code_of_class(std::string_view s, char status_class) {
  return last_status_code_where(s, [&](std::string_view code) { return code[0] == status_class; });
}

namespace {

// True when a reply code ("550") starts at `i` (i + 3 <= s.size()): a class digit and two more digits, after the
// start of `s`, a space or the punctuation that leads a quoted reply, and before its end or a separator.
bool reply_code_at(std::string_view s, std::size_t i) noexcept {
  const char c = s[i];
  if (c != '2' && c != '4' && c != '5') return false;
  if (i > 0 && !(is_space(s[i - 1]) || s[i - 1] == ':' || s[i - 1] == '>' || s[i - 1] == '(' || s[i - 1] == '#' ||
                 s[i - 1] == '[' || s[i - 1] == '"' || s[i - 1] == ';' || s[i - 1] == '\''))
    return false;
  if (!is_digit(s[i + 1]) || !is_digit(s[i + 2])) return false;
  if (s[i + 1] > '5') return false;
  // "550 text", "550-text", "554: delivery error" (Yahoo), "('550', [...])" (IronPort)
  const bool colon_then_space =  // not IPv6 "::220:6d"
      i + 3 < s.size() && s[i + 3] == ':' && (i + 4 == s.size() || s[i + 4] == ' ');
  return i + 3 == s.size() || s[i + 3] == ' ' || s[i + 3] == '-' || s[i + 3] == '\t' || s[i + 3] == '\n' ||
         colon_then_space || s[i + 3] == '\'' || s[i + 3] == ')';
}

}  // namespace

std::string find_reply_code(std::string_view s) {
  std::size_t i = 0;
#if defined(__SSE2__)
  // sixteen starts at a time while eighteen bytes remain: a code needs three digits in a row, which few starts
  // have ('0'..'9' moved to the bottom of the signed range, where no other byte lands, by one add)
  const __m128i to_bottom = _mm_set1_epi8(static_cast<char>(0x80 - '0'));
  const __m128i above_digits = _mm_set1_epi8(static_cast<char>(-128 + 10));
  const auto digits = [&](std::size_t at) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + at));
    return _mm_cmplt_epi8(_mm_add_epi8(x, to_bottom), above_digits);
  };
  for (; s.size() - i >= 18; i += 16) {
    auto mask = static_cast<unsigned>(
        _mm_movemask_epi8(_mm_and_si128(_mm_and_si128(digits(i), digits(i + 1)), digits(i + 2))));
    for (; mask != 0; mask &= mask - 1)
      if (const std::size_t at = i + static_cast<unsigned>(std::countr_zero(mask)); reply_code_at(s, at))
        return std::string(s.substr(at, 3));
  }
  // the last starts, when the text holds eighteen bytes: the sixteen that end with the last one, those before
  // `i` (already tried) masked off, instead of the byte loop below
  if (s.size() >= 18) {
    const std::size_t q = s.size() - 18;
    auto mask = static_cast<unsigned>(
        _mm_movemask_epi8(_mm_and_si128(_mm_and_si128(digits(q), digits(q + 1)), digits(q + 2))));
    mask &= ~((1u << (i - q)) - 1);  // (i - q is 1 to 17)
    for (; mask != 0; mask &= mask - 1)
      if (const std::size_t at = q + static_cast<unsigned>(std::countr_zero(mask)); reply_code_at(s, at))
        return std::string(s.substr(at, 3));
    return {};
  }
#endif
  for (; i + 3 <= s.size(); ++i) {
    // a code's third byte is a digit: when s[i + 2] is none, no code starts at i, i + 1 (second byte) or i + 2
    if (!is_digit(s[i + 2])) {
      i += 2;
      continue;
    }
    if (reply_code_at(s, i)) return std::string(s.substr(i, 3));
  }
  return {};
}

}  // namespace bouncekit::detail
