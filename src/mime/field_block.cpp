#include "mime/field_block.hpp"

#include "util/text.hpp"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <limits>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace bouncekit::detail {

namespace {

constexpr std::size_t npos = std::string_view::npos;

bool blank(char c) noexcept { return c == ' ' || c == '\t'; }

// The position of the colon that ends the field name `line` starts with, or npos when `line` is not
// "Name: value": the name is a printable token without spaces of at most 76 bytes, blanks allowed only
// between it and the colon. One pass over the name alone: the value is never looked at.
std::size_t field_colon(std::string_view line) noexcept {
  const std::size_t limit = std::min<std::size_t>(line.size(), 77);
  std::size_t i = 0;
  bool stopped = false;  // `i` is at a byte that is not a name byte: the byte loop tells what it is
#if defined(__SSE2__)
  // Sixteen bytes at once, most names whole: a byte of the name is above ' ' and below 127 (signed, the bytes
  // of 128 and up are below ' ' too) and not the colon.
  if (limit >= 16) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(line.data()));
    const __m128i stop = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(bytes, _mm_set1_epi8(':')),
                                                   _mm_cmplt_epi8(bytes, _mm_set1_epi8(33))),
                                      _mm_cmpeq_epi8(bytes, _mm_set1_epi8(127)));
    const auto mask = static_cast<unsigned>(_mm_movemask_epi8(stop));
    stopped = mask != 0;
    i = stopped ? static_cast<std::size_t>(std::countr_zero(mask)) : 16;
  }
#endif
  // Eight bytes at a time while they are all name bytes (printable, not a colon): a name is about a dozen
  // bytes, and this costs a few instructions per word instead of several per byte. The lowest byte flagged
  // is exact (borrows and carries only reach higher bytes), so the byte loop below resumes right at it.
  constexpr std::uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
  while (!stopped && i + 8 <= limit) {
    std::uint64_t w;
    std::memcpy(&w, line.data() + i, 8);
    const std::uint64_t x = w ^ (ones * ':');
    const std::uint64_t colon = (x - ones) & ~x;                 // a byte that is ':'
    const std::uint64_t low = (w - ones * 33) & ~w;              // a byte below 33
    const std::uint64_t high = ((w & ~highs) + ones) | w;        // a byte of 127 and up
    const std::uint64_t stop = (colon | low | high) & highs;
    if (stop != 0) {
      if constexpr (std::endian::native == std::endian::little) i += static_cast<std::size_t>(std::countr_zero(stop)) / 8;
      break;
    }
    i += 8;
  }
  for (; i < limit; ++i) {
    const auto c = static_cast<unsigned char>(line[i]);
    if (c == ':') return i == 0 ? npos : i;
    if (c > 32 && c < 127) continue;
    // "Name : value" (space before the colon) is obsolete syntax but real
    if (i == 0 || !blank(line[i])) return npos;
    while (i < limit && blank(line[i])) ++i;
    return i < limit && line[i] == ':' ? i : npos;
  }
  return npos;
}

// The colon right after a name of fewer than 64 bytes (nearly every field's), from up to four blocks of sixteen
// bytes and without a call: 0 when they do not settle it, and field_colon() must.
inline std::size_t quick_colon(std::string_view rest) noexcept {
#if defined(__SSE2__)
  for (std::size_t at = 0; at < 64 && rest.size() - at >= 16; at += 16) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(rest.data() + at));
    const __m128i colon = _mm_cmpeq_epi8(bytes, _mm_set1_epi8(':'));
    const __m128i stop = _mm_or_si128(_mm_or_si128(colon, _mm_cmplt_epi8(bytes, _mm_set1_epi8(33))),
                                      _mm_cmpeq_epi8(bytes, _mm_set1_epi8(127)));
    const auto stops = static_cast<unsigned>(_mm_movemask_epi8(stop));
    if (stops == 0) continue;  // sixteen name bytes
    const auto first = static_cast<unsigned>(std::countr_zero(stops));
    return (static_cast<unsigned>(_mm_movemask_epi8(colon)) >> first & 1) != 0 ? at + first : 0;
  }
#else
  (void)rest;
#endif
  return 0;
}

}  // namespace

bool looks_like_field(std::string_view line) noexcept { return field_colon(line) != npos; }

char* field_list::allocate(std::size_t size) {
  // a chunk shared with a copy of the list is full for both: neither may write into the other's room
  if (!chunk_ || chunk_size_ - chunk_used_ < size || chunk_.use_count() != 1) {
    if (chunk_) older_chunks_.push_back(std::move(chunk_));
    // small enough for malloc's per-thread cache with the shared_ptr's count in front: glibc's caches blocks
    // of up to 1032 bytes, and 1000 bytes of room took 1047 (malloc's slower path); 960 take 1007
    chunk_size_ = std::max(size, chunk_bytes);
    chunk_ = std::make_shared_for_overwrite<char[]>(chunk_size_);
    chunk_used_ = 0;
  }
  char* out = chunk_.get() + chunk_used_;
  chunk_used_ += size;
  return out;
}

void field_list::push_back_copy(std::string_view name, std::string_view value) {
  char* p = allocate(name.size() + value.size());
  std::copy(name.begin(), name.end(), p);
  std::copy(value.begin(), value.end(), p + name.size());
  push_back({std::string_view(p, name.size()), std::string_view(p + name.size(), value.size())});
}

void field_list::clear_filled(std::size_t max_fields) noexcept {
  if (fields_.capacity() > max_fields) std::vector<header_field>().swap(fields_);
  fields_.clear();
  names_[0] = names_[1] = names_[2] = names_[3] = 0;
  older_chunks_.clear();
  if (chunk_ && (chunk_.use_count() != 1 || chunk_size_ > chunk_bytes)) {
    chunk_.reset();
    chunk_size_ = 0;
  }
  chunk_used_ = 0;
}

void field_list::share_storage(const field_list& other) {
  older_chunks_.insert(older_chunks_.end(), other.older_chunks_.begin(), other.older_chunks_.end());
  if (other.chunk_) older_chunks_.push_back(other.chunk_);
}

namespace {

// The end of the line that starts at `pos` and the start of the next one.
struct line_span {
  std::string_view line;  // without its line break (and a CR before it)
  std::size_t next;
};

// `pos` is below text.size(). find_byte, not string_view::find: a call to memchr costs more than the search
// on a header line.
inline line_span line_at(std::string_view text, std::size_t pos) noexcept {
  const char* const start = text.data() + pos;
  const char* nl = find_byte(start, text.size() - pos, '\n');
  const std::size_t length = nl ? static_cast<std::size_t>(nl - start) : text.size() - pos;
  std::string_view line(start, length);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return {line, nl ? pos + length + 1 : text.size()};
}

// The position of the line break that ends the line containing `at` (at most text.size()), or text.size().
inline std::size_t line_end(std::string_view text, std::size_t at) noexcept {
  if (at >= text.size()) return text.size();
  const char* nl = find_byte(text.data() + at, text.size() - at, '\n');
  return nl ? static_cast<std::size_t>(nl - text.data()) : text.size();
}

// text[from, to) without the white space at either end. A continuation line's indent is often eight spaces
// or more: they are skipped a word at a time.
inline std::string_view trimmed_line(std::string_view text, std::size_t from, std::size_t to) noexcept {
  if constexpr (std::endian::native == std::endian::little) {
    while (to - from >= 8) {
      std::uint64_t w;
      std::memcpy(&w, text.data() + from, 8);
      const std::uint64_t not_space = w ^ 0x2020202020202020u;  // the bytes that are not ' '
      if (not_space != 0) {
        from += static_cast<std::size_t>(std::countr_zero(not_space)) / 8;
        break;
      }
      from += 8;
    }
  }
  return trim(std::string_view(text.data() + from, to - from));
}

// An indented line that is not blank (a blank one ends the block).
bool is_continuation(std::string_view line) noexcept {
  return !line.empty() && blank(line[0]) && !trim(line).empty();
}

// A line of nothing but white space (only a line that starts with some can be one).
bool is_blank_line(std::string_view line) noexcept {
  return line.empty() || (is_space(line[0]) && trim(line).empty());
}

// An unfolded value being written into a field list's storage: trimmed pieces joined by single spaces, cut at
// the room it was given.
struct value_writer {
  char* out;
  std::size_t room;
  std::size_t used = 0;

  // `piece` is trimmed already.
  void append_trimmed(std::string_view piece) {
    if (piece.empty() || used >= room) return;
    if (used != 0) out[used++] = ' ';
    const std::size_t n = std::min(piece.size(), room - used);
    std::copy(piece.begin(), piece.begin() + static_cast<std::ptrdiff_t>(n), out + used);
    used += n;
  }
  void append(std::string_view piece) { append_trimmed(trim(piece)); }
  std::string_view value() const { return {out, used}; }
};

// `value` + " " + `piece` (trimmed), cut at `max_bytes`, in the list's storage.
std::string_view joined(field_list& fields, std::string_view value, std::string_view piece, std::size_t max_bytes) {
  piece = trim(piece);
  if (piece.empty() || value.size() >= max_bytes) return value;
  const std::size_t room = std::min(value.size() + 1 + piece.size(), max_bytes);
  value_writer w{fields.allocate(room), room};
  w.append(value);
  w.append(piece);
  return w.value();
}

}  // namespace

field_list read_field_block(std::string_view text, std::size_t& pos, bool stop_at_junk, std::size_t max_value_bytes) {
  field_list fields;
  read_field_block_into(fields, text, pos, stop_at_junk, max_value_bytes);
  return fields;
}

void read_field_block_into(field_list& fields, std::string_view text, std::size_t& pos, bool stop_at_junk,
                           std::size_t max_value_bytes) {
  fields.clear(std::numeric_limits<std::size_t>::max());
  // one allocation for a part header or a report block; a long message header grows past it. (32, a 1 KB
  // block for each list alive at once, cost more: malloc keeps few blocks of one size at hand.)
  if (fields.capacity() < 16) fields.reserve(16);
  const std::size_t size = text.size();
  while (pos < size) {
    // Only a line that starts with white space can be blank or a continuation; any other is a field or junk.
    if (is_space(text[pos])) {
      const line_span first = line_at(text, pos);
      if (is_blank_line(first.line)) {
        pos = first.next;
        if (!fields.empty() || stop_at_junk) break;  // a report block may start with blank lines
        continue;
      }
      if (is_continuation(first.line)) {  // after a stray line that was skipped: it still continues the last field
        if (!fields.empty()) fields.last().value = joined(fields, fields.back().value, first.line, max_value_bytes);
      } else if (stop_at_junk) {  // white space that is no blank (a form feed): not a field either
        break;
      }
      pos = first.next;
      continue;
    }
    // The name is looked for from the line's start without finding its end first: a line break is not a name
    // byte, so the colon found is on this line, and the line's end is searched for past it alone.
    const std::string_view rest(text.data() + pos, size - pos);  // pos < size: no check of substr()'s
    std::size_t colon = quick_colon(rest);
    std::size_t name_end = colon;
    if (colon == 0) {
      colon = field_colon(rest);
      if (colon == npos) {
        if (stop_at_junk) break;
        pos = line_at(text, pos).next;
        continue;
      }
      name_end = colon;  // the name starts the line; only blanks may stand between it and the colon
      while (blank(rest[name_end - 1])) --name_end;
    }
    const std::string_view name(rest.data(), name_end);
    const std::size_t value_at = pos + colon + 1;
    const std::size_t value_end = line_end(text, value_at);
    // most values follow a single space: passed before trim() looks, which then has nothing to strip in front
    const std::size_t head_at = value_at < value_end && text[value_at] == ' ' ? value_at + 1 : value_at;
    const std::string_view head = trim(std::string_view(text.data() + head_at, value_end - head_at));
    // the continuation lines, if any, trimmed: kept as they are found (up to a DKIM signature's worth), so that
    // unfolding need not look for their ends again
    const std::size_t first_continuation = value_end < size ? value_end + 1 : size;
    std::size_t end = first_continuation;
    std::size_t folded_bytes = 0;
    constexpr std::size_t kept = 12;
    const char* piece_at[kept];  // left uninitialised: most fields have no continuation to keep
    std::size_t piece_size[kept];
    std::size_t folded_lines = 0;
    while (end < size && blank(text[end])) {  // most fields have none
      const std::size_t stop = line_end(text, end);
      const std::string_view piece = trimmed_line(text, end, stop);
      if (piece.empty()) break;  // a blank line ends the block
      if (folded_lines < kept) {
        piece_at[folded_lines] = piece.data();
        piece_size[folded_lines] = piece.size();
      }
      ++folded_lines;
      folded_bytes += piece.size() + 1;
      end = stop < size ? stop + 1 : size;
    }
    std::string_view value = head;
    if (folded_bytes != 0) {
      // unfold: the trimmed pieces joined by single spaces, into the list's storage
      const std::size_t room = std::min(head.size() + folded_bytes, max_value_bytes);
      value_writer w{fields.allocate(room), room};
      w.append_trimmed(head);
      if (folded_lines <= kept) {
        for (std::size_t k = 0; k < folded_lines; ++k) w.append_trimmed({piece_at[k], piece_size[k]});
      } else {
        for (std::size_t p = first_continuation; p < end;) {
          const line_span more = line_at(text, p);
          w.append(more.line);
          p = more.next;
        }
      }
      value = w.value();
    }
    if (value.size() > max_value_bytes) value = std::string_view(value.data(), max_value_bytes);
    fields.push_back({name, value});
    pos = end;
  }
}

std::vector<field_list> read_field_blocks(std::string_view text, std::size_t max_value_bytes) {
  std::vector<field_list> blocks;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t before = pos;
    field_list block = read_field_block(text, pos, false, max_value_bytes);
    if (!block.empty()) blocks.push_back(std::move(block));
    if (pos == before) break;
  }
  return blocks;
}

const header_field* find_field_listed(const field_list& fields, std::string_view name) noexcept {
  const char first = ascii_lower_char(name[0]);  // a header has dozens of fields: reject most by two checks
  for (const header_field& f : fields)
    if (f.name.size() == name.size() && ascii_lower_char(f.name[0]) == first && (f.name == name || iequals(f.name, name)))
      return &f;  // most are written as asked for
  return nullptr;
}

}  // namespace bouncekit::detail
