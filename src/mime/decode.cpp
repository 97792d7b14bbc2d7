#include "mime/decode.hpp"

#include "util/text.hpp"

#include <iconv.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cstring>
#include <cstdint>
#include <unordered_map>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace bouncekit::detail {

namespace {

constexpr std::array<std::int8_t, 256> make_base64_table() {
  std::array<std::int8_t, 256> table{};
  for (auto& v : table) v = -1;
  const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (int i = 0; i < 64; ++i) table[static_cast<unsigned char>(alphabet[i])] = static_cast<std::int8_t>(i);
  table[static_cast<unsigned char>('-')] = 62;  // URL-safe variants seen in the wild
  table[static_cast<unsigned char>('_')] = 63;
  return table;
}
constexpr auto base64_table = make_base64_table();

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Length of the valid UTF-8 sequence at s[i], or 0 when it is invalid: too short, not a continuation byte
// where one belongs, an overlong form, a surrogate or past U+10FFFF. The second byte tells the last three
// apart from the lead byte alone (the table of well-formed sequences in Unicode's chapter 3), so no code point
// is put together.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) noexcept {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return 1;
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const auto continues = [](unsigned char b) { return (b & 0xC0) == 0x80; };
  if (c < 0xC2) return 0;  // a continuation byte, or an overlong lead (C0, C1)
  if (c < 0xE0) return i + 2 <= s.size() && continues(byte(1)) ? 2 : 0;
  if (c < 0xF0) {
    if (i + 3 > s.size() || !continues(byte(1)) || !continues(byte(2))) return 0;
    if ((c == 0xE0 && byte(1) < 0xA0) || (c == 0xED && byte(1) >= 0xA0)) return 0;  // overlong; surrogate
    return 3;
  }
  if (c < 0xF5) {
    if (i + 4 > s.size() || !continues(byte(1)) || !continues(byte(2)) || !continues(byte(3))) return 0;
    if ((c == 0xF0 && byte(1) < 0x90) || (c == 0xF4 && byte(1) >= 0x90)) return 0;  // overlong; past U+10FFFF
    return 4;
  }
  return 0;
}

// Windows-1252 bytes 0x80-0x9F; the rest of the range maps to the same Latin-1 code point.
constexpr char32_t cp1252_high[32] = {0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
                                      0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,
                                      0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
                                      0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178};

std::string windows1252_to_utf8(std::string_view bytes) {
  // written through a pointer into room for the most it can take (three bytes for each), then cut: no
  // capacity check per byte
  std::string out(bytes.size() * 3, '\0');
  char* o = out.data();
  for (char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x80) {
      *o++ = ch;
      continue;
    }
    const char32_t cp = c < 0xA0 ? cp1252_high[c - 0x80] : c;  // below U+10000: two or three bytes
    if (cp < 0x800) {
      *o++ = static_cast<char>(0xC0 | (cp >> 6));
    } else {
      *o++ = static_cast<char>(0xE0 | (cp >> 12));
      *o++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    }
    *o++ = static_cast<char>(0x80 | (cp & 0x3F));
  }
  out.resize(static_cast<std::size_t>(o - out.data()));
  return out;
}

std::string normalise_charset(std::string_view charset) {
  std::string lowered = ascii_lower(trim(charset));
  if (lowered.size() >= 2 && lowered.front() == '"' && lowered.back() == '"') lowered = lowered.substr(1, lowered.size() - 2);
  const std::string_view name = lowered;  // compared as a view: a length check rejects most names at once
  if (name == "utf8") return "utf-8";
  if (name == "ks_c_5601-1987" || name == "ks_c_5601") return "cp949";
  if (name == "x-sjis" || name == "shift-jis" || name == "sjis") return "shift_jis";
  if (name == "iso-2022-jp") return "iso-2022-jp-2";  // a superset; carriers mix in JIS X 0212
  if (name == "x-euc-jp") return "euc-jp";
  if (name == "gb2312" || name == "x-gbk" || name == "gbk") return "gb18030";  // supersets of each other
  if (name == "ansi_x3.4-1968" || name == "ascii" || name == "us-ascii" || name == "7bit") return "us-ascii";
  return lowered;
}

// The length of the leading run of ASCII bytes: 64 at a time (SSE2; 32 in words without it), then 16 or 8,
// then one.
inline std::size_t ascii_prefix(std::string_view s) noexcept {
  constexpr std::uint64_t high_bits = 0x8080808080808080ull;
  const auto word_at = [&](std::size_t at) {
    std::uint64_t word;
    std::memcpy(&word, s.data() + at, 8);
    return word;
  };
  std::size_t i = 0;
#if defined(__SSE2__)
  const auto block_at = [&](std::size_t at) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + at)); };
  for (; i + 64 <= s.size(); i += 64) {
    const __m128i any = _mm_or_si128(_mm_or_si128(block_at(i), block_at(i + 16)),
                                     _mm_or_si128(block_at(i + 32), block_at(i + 48)));
    if (_mm_movemask_epi8(any) != 0) break;
  }
  for (; i + 16 <= s.size(); i += 16) {
    const auto high = static_cast<unsigned>(_mm_movemask_epi8(block_at(i)));
    if (high != 0) return i + static_cast<std::size_t>(std::countr_zero(high));
  }
  // the rest in one block that ends with the text, overlapping bytes already known to be ASCII (so its first
  // 8-bit byte is the text's)
  if (i < s.size() && s.size() >= 16) {
    const std::size_t at = s.size() - 16;
    const auto high = static_cast<unsigned>(_mm_movemask_epi8(block_at(at)));
    return high == 0 ? s.size() : at + static_cast<std::size_t>(std::countr_zero(high));
  }
#else
  for (; i + 32 <= s.size(); i += 32)
    if ((word_at(i) | word_at(i + 8) | word_at(i + 16) | word_at(i + 24)) & high_bits) break;
#endif
  for (; i + 8 <= s.size(); i += 8) {
    const std::uint64_t high = word_at(i) & high_bits;
    // the first 8-bit byte of the word, without a byte loop (its lowest flagged byte, on little-endian)
    if (high && std::endian::native == std::endian::little) return i + static_cast<std::size_t>(std::countr_zero(high)) / 8;
    if (high) break;
  }
  while (i < s.size() && static_cast<unsigned char>(s[i]) < 0x80) ++i;
  return i;
}

bool is_ascii(std::string_view s) noexcept { return ascii_prefix(s) == s.size(); }

// True for a header value of ASCII without '=': no encoded word to decode and nothing to sanitize (nearly every
// value), told in one pass of 16 bytes at a time (8 without SSE2) instead of a search for "=?" and a UTF-8
// check.
bool ascii_without_equals(std::string_view value) noexcept {
#if defined(__SSE2__)
  // sixteen bytes at a time, the last sixteen overlapping the ones before: a byte with its high bit set or an
  // '=' (whose comparison sets every bit) shows in the sign mask
  if (value.size() >= 16) {
    const __m128i equals = _mm_set1_epi8('=');
    const auto clean = [&](std::size_t at) {
      const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(value.data() + at));
      return _mm_movemask_epi8(_mm_or_si128(x, _mm_cmpeq_epi8(x, equals))) == 0;
    };
    for (std::size_t at = 0; value.size() - at > 16; at += 16)
      if (!clean(at)) return false;
    return clean(value.size() - 16);
  }
#endif
  constexpr std::uint64_t ones = 0x0101010101010101u;
  constexpr std::uint64_t high_bits = 0x8080808080808080u;
  std::size_t i = 0;
  for (; i + 8 <= value.size(); i += 8) {
    std::uint64_t word;
    std::memcpy(&word, value.data() + i, 8);
    const std::uint64_t equals_zeroed = word ^ (ones * '=');  // a zero byte where an '=' was
    if ((((equals_zeroed - ones) & ~equals_zeroed) | word) & high_bits) return false;
  }
  for (; i < value.size(); ++i)
    if (static_cast<unsigned char>(value[i]) >= 0x80 || value[i] == '=') return false;
  return true;
}

// True when ISO-2022 text `s` stays in ASCII from start to end: it has none of the bytes that switch sets
// (ESC, SO, SI), nor DEL (which ISO-2022-CN rejects).
bool never_shifts(std::string_view s) noexcept {
  for (const char c : {'\x1B', '\x0E', '\x0F', '\x7F'})  // one memchr each: vectorised, unlike a loop testing all four
    if (std::memchr(s.data(), c, s.size())) return false;
  return true;
}

// What iconv makes of ISO-2022 text that never shifts: ASCII unchanged, and U+FFFD for each 8-bit byte (it
// rejects every one, and to_utf8 then replaces it and goes on with the next byte).
std::string iso2022_ascii_to_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t run = ascii_prefix(s.substr(i));
    out.append(s.substr(i, run));
    i += run;
    for (; i < s.size() && static_cast<unsigned char>(s[i]) >= 0x80; ++i) out += "\xEF\xBF\xBD";
  }
  return out;
}

// UTF-8 written by iconv through one descriptor, with each byte it rejects replaced by U+FFFD and skipped (the
// descriptor is then reset to its initial state). Text may come in several pieces: the descriptor's state runs
// on from one to the next, as in one call for all.
class iconv_writer {
 public:
  iconv_writer(iconv_t cd, std::size_t room) : cd_(cd), out_(room, '\0'), at_(out_.data()), left_(out_.size()) {}

  void convert(std::string_view bytes) {
    char* in_ptr = const_cast<char*>(bytes.data());
    std::size_t in_left = bytes.size();
    while (in_left > 0) {
      const std::size_t r = iconv(cd_, &in_ptr, &in_left, &at_, &left_);
      if (r != static_cast<std::size_t>(-1)) break;
      if (errno == E2BIG) {
        grow(out_.size());
        continue;
      }
      // EILSEQ or EINVAL: emit a replacement character and skip one byte
      copy("\xEF\xBF\xBD");
      ++in_ptr;
      --in_left;
      iconv(cd_, nullptr, nullptr, nullptr, nullptr);  // reset shift state
    }
  }

  // Bytes that need no conversion: ASCII read in the ASCII set.
  void copy(std::string_view bytes) {
    if (left_ < bytes.size()) grow(std::max(bytes.size(), out_.size()));
    std::memcpy(at_, bytes.data(), bytes.size());
    at_ += bytes.size();
    left_ -= bytes.size();
  }

  std::string finish() {
    // flush the shift state of stateful encodings
    iconv(cd_, nullptr, nullptr, &at_, &left_);
    iconv(cd_, nullptr, nullptr, nullptr, nullptr);  // initial state for the next caller
    out_.resize(static_cast<std::size_t>(at_ - out_.data()));
    return std::move(out_);
  }

 private:
  void grow(std::size_t more) {
    const std::size_t used = static_cast<std::size_t>(at_ - out_.data());
    out_.resize(out_.size() + more);
    at_ = out_.data() + used;
    left_ = out_.size() - used;
  }

  iconv_t cd_;
  std::string out_;
  char* at_;
  std::size_t left_;
};

// Just past the first ESC ( B at or after `from` that iconv's ISO-2022-JP-2 reader takes for the return to
// ASCII, or s.size(). One after ESC N is not taken: that ESC may be the byte the single shift reads.
std::size_t past_return_to_ascii(std::string_view s, std::size_t from) noexcept {
  for (std::size_t at = find_char(s, '\x1B', from); at != std::string_view::npos; at = find_char(s, '\x1B', at + 1)) {
    const bool single_shifted = at >= 2 && s[at - 2] == '\x1B' && s[at - 1] == 'N';
    if (s.size() - at >= 3 && s[at + 1] == '(' && s[at + 2] == 'B' && !single_shifted) return at + 3;
  }
  return s.size();
}

// ISO-2022-JP mail is mostly ASCII with a few shifted stretches; iconv takes about 16 instructions a byte for
// all of it. In the ASCII set (at the start, and after each ESC ( B) iconv gives ASCII back as it is until the
// next ESC or 8-bit byte, and leaves its state as it was: those runs are copied, and iconv reads only the rest.
// A run shorter than 16 bytes stays with the stretches around it: it costs iconv less than a call more.
void convert_iso2022jp(iconv_writer& out, std::string_view s) {
  constexpr std::size_t least_copied = 16;
  std::size_t unread = 0;  // the start of the text iconv has still to read (in the ASCII set)
  for (std::size_t i = 0; i < s.size(); i = past_return_to_ascii(s, i)) {
    // up to the next ESC, then up to an 8-bit byte before it (each byte looked at once)
    const std::string_view before_escape = s.substr(i, find_char(s, '\x1B', i) - i);
    const std::size_t run = ascii_prefix(before_escape);
    if (run >= least_copied || i + run == s.size()) {
      out.convert(s.substr(unread, i - unread));
      out.copy(before_escape.substr(0, run));
      unread = i + run;
    }
    i += run;
    if (i == s.size()) break;
  }
  out.convert(s.substr(unread));
}

// iconv descriptors, opened once per charset and thread (iconv_open loads a gconv module: tens of
// microseconds, more than the conversion of a whole bounce). -1 records a charset iconv does not know.
class iconv_cache {
 public:
  iconv_t get(const std::string& charset) {
    const auto it = open_.find(charset);
    if (it != open_.end()) return it->second;
    if (open_.size() >= 64) clear();  // a message may name any number of junk charsets
    return open_.emplace(charset, iconv_open("UTF-8", charset.c_str())).first->second;
  }
  ~iconv_cache() { clear(); }

 private:
  void clear() {
    for (const auto& [name, cd] : open_)
      if (cd != reinterpret_cast<iconv_t>(-1)) iconv_close(cd);
    open_.clear();
  }
  std::unordered_map<std::string, iconv_t> open_;
};

}  // namespace

std::string decode_base64(std::string_view in, bool* ok) {
  // written through a pointer into room for the most it can take (three bytes for every four in): no
  // capacity check per byte
  std::string out(in.size() / 4 * 3 + 3, '\0');
  char* o = out.data();
  const auto* const p = reinterpret_cast<const unsigned char*>(in.data());
  const std::size_t n = in.size();
  std::uint32_t buffer = 0;
  int bits = 0;
  bool clean = true;
  for (std::size_t i = 0; i < n;) {
    // Whole quanta of four alphabet bytes (a line but its break) make three bytes each, with no state carried:
    // taken four at a time while no bits are pending, about half the instructions of the byte loop below.
    if (bits == 0) {
      for (; n - i >= 4; i += 4) {
        const int a = base64_table[p[i]], b = base64_table[p[i + 1]], c = base64_table[p[i + 2]],
                  d = base64_table[p[i + 3]];
        if ((a | b | c | d) < 0) break;  // a byte outside the alphabet ('=', a line break): one at a time
        const auto quantum = static_cast<std::uint32_t>(a << 18 | b << 12 | c << 6 | d);
        o[0] = static_cast<char>(quantum >> 16);
        o[1] = static_cast<char>(quantum >> 8 & 0xFF);
        o[2] = static_cast<char>(quantum & 0xFF);
        o += 3;
      }
      if (i == n) break;
    }
    const unsigned char c = p[i++];
    if (c == '=') continue;
    const std::int8_t v = base64_table[c];
    if (v < 0) {
      if (c != '\n' && c != '\r' && c != ' ' && c != '\t') clean = false;
      continue;
    }
    buffer = (buffer << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      *o++ = static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  out.resize(static_cast<std::size_t>(o - out.data()));
  if (bits >= 6) clean = false;  // a lone sextet at the end cannot be a whole byte
  if (ok) *ok = clean;
  return out;
}

std::string decode_quoted_printable(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c != '=') {  // copy the whole run up to the next '='
      const std::size_t eq = find_char(in, '=', i);
      const std::size_t stop = eq == std::string_view::npos ? in.size() : eq;
      out.append(in.data() + i, stop - i);
      i = stop - 1;
      continue;
    }
    // soft line break: "=" followed by optional spaces and a newline
    std::size_t j = i + 1;
    while (j < in.size() && (in[j] == ' ' || in[j] == '\t')) ++j;
    if (j < in.size() && (in[j] == '\n' || in[j] == '\r')) {
      if (in[j] == '\r' && j + 1 < in.size() && in[j + 1] == '\n') ++j;
      i = j;
      continue;
    }
    if (j == in.size()) break;
    if (i + 2 < in.size()) {
      const int hi = hex_value(in[i + 1]);
      const int lo = hex_value(in[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += c;
  }
  return out;
}

bool is_valid_utf8(std::string_view bytes) noexcept {
  for (std::size_t i = 0; i < bytes.size();) {
    if (static_cast<unsigned char>(bytes[i]) < 0x80) {  // a run of ASCII (in CJK text, runs of other letters)
      // a short run (the space or the few digits between words of Cyrillic or Greek) is passed by one word
      // without the block search
      if (std::endian::native == std::endian::little && bytes.size() - i >= 8) {
        std::uint64_t word;
        std::memcpy(&word, bytes.data() + i, 8);
        if (const std::uint64_t high = word & 0x8080808080808080ull) {
          i += static_cast<std::size_t>(std::countr_zero(high)) / 8;
          continue;
        }
      }
      i += ascii_prefix(std::string_view(bytes.data() + i, bytes.size() - i));  // i < size: no substr() check
      continue;
    }
    const std::size_t n = utf8_sequence_length(bytes, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

namespace {

// The repair proper, for text known to hold an invalid sequence.
std::string replace_invalid_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() + 8);
  for (std::size_t i = 0; i < bytes.size();) {
    const std::size_t n = utf8_sequence_length(bytes, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(bytes.substr(i, n));
      i += n;
    }
  }
  return out;
}

// Most decoded text is valid already: it is handed back as it is, without a copy.
std::string sanitize_utf8_moved(std::string&& bytes) {
  if (is_valid_utf8(bytes)) return std::move(bytes);
  return replace_invalid_utf8(bytes);
}

}  // namespace

std::string sanitize_utf8(std::string_view bytes) {
  if (is_valid_utf8(bytes)) return std::string(bytes);
  return replace_invalid_utf8(bytes);
}

std::string to_utf8_moved(std::string&& bytes, std::string_view charset, bool* known) {
  if (known) *known = true;
  if (charset.empty() && is_valid_utf8(bytes)) return std::move(bytes);
  // the names most parts give, as the parser keeps them (trimmed, lower case): normalise_charset() would leave
  // them as they are, and ASCII is valid UTF-8; no name is built for them
  if (charset == "us-ascii" || charset == "utf-8") {
    if (is_valid_utf8(bytes)) return std::move(bytes);
    return to_utf8(std::string_view(bytes), charset, known);
  }
  const std::string name = normalise_charset(charset);
  // ASCII is ASCII in every charset we meet except the ISO-2022 family and UTF-7/16/32, which need iconv.
  const bool stateful = name.rfind("iso-2022", 0) == 0 || name.rfind("utf-7", 0) == 0 ||
                        name.rfind("utf-16", 0) == 0 || name.rfind("utf-32", 0) == 0 ||
                        name.rfind("hz", 0) == 0;
  if (!stateful && is_ascii(bytes)) return std::move(bytes);
  if ((name.empty() || name == "utf-8" || name == "us-ascii") && is_valid_utf8(bytes)) return std::move(bytes);
  return to_utf8(std::string_view(bytes), charset, known);
}

std::string to_utf8(std::string_view bytes, std::string_view charset, bool* known) {
  if (known) *known = true;
  const std::string name = normalise_charset(charset);
  // ASCII is ASCII in every charset we meet except the ISO-2022 family and UTF-7/16/32, which need iconv.
  const bool stateful = name.rfind("iso-2022", 0) == 0 || name.rfind("utf-7", 0) == 0 ||
                        name.rfind("utf-16", 0) == 0 || name.rfind("utf-32", 0) == 0 ||
                        name.rfind("hz", 0) == 0;
  if (!stateful && is_ascii(bytes)) return std::string(bytes);
  if (name.empty() || name == "utf-8" || name == "us-ascii") {
    if (is_valid_utf8(bytes)) return std::string(bytes);
    return windows1252_to_utf8(bytes);  // 8-bit text that lies about being ASCII/UTF-8 is nearly always this
  }
  if (name == "iso-8859-1" || name == "latin1" || name == "windows-1252" || name == "cp1252")
    return windows1252_to_utf8(bytes);

  thread_local iconv_cache descriptors;
  iconv_t cd = descriptors.get(name);
  if (cd == reinterpret_cast<iconv_t>(-1)) {
    if (known) *known = false;
    return is_valid_utf8(bytes) ? std::string(bytes) : windows1252_to_utf8(bytes);
  }
  // Mail labelled ISO-2022-JP is often plain ASCII, or UTF-8 or Shift_JIS under the wrong label (which cost
  // an iconv call or two per 8-bit byte): text that never shifts needs no iconv (once the charset is known).
  if (name.rfind("iso-2022", 0) == 0 && never_shifts(bytes)) return iso2022_ascii_to_utf8(bytes);
  iconv(cd, nullptr, nullptr, nullptr, nullptr);  // a cached descriptor starts from the initial state
  iconv_writer out(cd, bytes.size() * 3 + 16);
  if (name == "iso-2022-jp-2") {
    convert_iso2022jp(out, bytes);
  } else {
    out.convert(bytes);
  }
  return sanitize_utf8_moved(out.finish());
}

std::string decode_encoded_words(std::string_view value) {
  if (ascii_without_equals(value)) return std::string(value);
  if (find_string(value, "=?") == std::string_view::npos) return sanitize_utf8(value);
  std::string out;
  std::size_t i = 0;
  bool last_was_word = false;
  while (i < value.size()) {
    const std::size_t start = find_string(value, "=?", i);
    if (start == std::string_view::npos) break;
    // =?charset?E?text?=
    const std::size_t q1 = find_char(value, '?', start + 2);
    if (q1 == std::string_view::npos || q1 + 2 >= value.size() || value[q1 + 2] != '?') {
      out.append(value.substr(i, start + 2 - i));
      i = start + 2;
      last_was_word = false;
      continue;
    }
    const std::size_t end = find_string(value, "?=", q1 + 3);
    if (end == std::string_view::npos) break;
    const std::string_view between = value.substr(i, start - i);
    const bool only_space = between.find_first_not_of(" \t\r\n") == std::string_view::npos;
    if (!(last_was_word && only_space)) out.append(between);  // whitespace between encoded words vanishes
    std::string_view charset = value.substr(start + 2, q1 - start - 2);
    if (const auto star = charset.find('*'); star != std::string_view::npos) charset = charset.substr(0, star);
    const char encoding = static_cast<char>(value[q1 + 1] | 0x20);
    const std::string_view text = value.substr(q1 + 3, end - q1 - 3);
    std::string bytes;
    if (encoding == 'b') {
      bytes = decode_base64(text);
    } else if (encoding == 'q') {
      std::string underscored(text);
      for (char& c : underscored)
        if (c == '_') c = ' ';
      bytes = decode_quoted_printable(underscored);
    } else {
      out.append(value.substr(start, end + 2 - start));
      i = end + 2;
      last_was_word = false;
      continue;
    }
    out += to_utf8(bytes, charset);
    i = end + 2;
    last_was_word = true;
  }
  out.append(value.substr(std::min(i, value.size())));
  return sanitize_utf8_moved(std::move(out));
}

std::string decode_rfc2231_value(std::string_view value) {
  const std::size_t q1 = value.find('\'');
  if (q1 == std::string_view::npos) return std::string(value);
  const std::size_t q2 = value.find('\'', q1 + 1);
  if (q2 == std::string_view::npos) return std::string(value);
  const std::string_view charset = value.substr(0, q1);
  std::string bytes;
  const std::string_view encoded = value.substr(q2 + 1);
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    if (encoded[i] == '%' && i + 2 < encoded.size()) {
      const int hi = hex_value(encoded[i + 1]);
      const int lo = hex_value(encoded[i + 2]);
      if (hi >= 0 && lo >= 0) {
        bytes += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    bytes += encoded[i];
  }
  return to_utf8(bytes, charset.empty() ? std::string_view("us-ascii") : charset);
}

}  // namespace bouncekit::detail
