// Our own reader for blocks of "Name: value" fields: message headers, the field blocks of
// message/delivery-status and message/feedback-report, and text/rfc822-headers. Folded lines are unfolded;
// values are kept as written (no RFC 2047 decoding: callers decide).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace bouncekit::detail {

// A field's name and value are views: into the text the block was read from (which must outlive the
// list), or, for a folded value, into storage the list shares with its copies.
struct header_field {
  std::string_view name;   // as written
  std::string_view value;  // unfolded, trimmed
};

class field_list {
 public:
  using const_iterator = std::vector<header_field>::const_iterator;
  const_iterator begin() const noexcept { return fields_.begin(); }
  const_iterator end() const noexcept { return fields_.end(); }
  std::size_t size() const noexcept { return fields_.size(); }
  bool empty() const noexcept { return fields_.empty(); }
  const header_field& operator[](std::size_t i) const noexcept { return fields_[i]; }
  const header_field& back() const noexcept { return fields_.back(); }

  void reserve(std::size_t n) { fields_.reserve(n); }
  std::size_t capacity() const noexcept { return fields_.capacity(); }
  // Empties the list for a new block, keeping its room for fields and its storage chunk when no copy shares
  // it (the list of a part kept for the next message: one allocation or two saved a part). Room past
  // `max_fields` fields, and storage past one chunk, are freed: a huge header must not stay pinned.
  void clear(std::size_t max_fields) noexcept {
    // most lists cleared are empty already (a recycled part's, read into next): they cost no call
    if (fields_.empty() && chunk_used_ == 0 && older_chunks_.empty() && fields_.capacity() <= max_fields &&
        (!chunk_ || (chunk_size_ <= chunk_bytes && chunk_.use_count() == 1))) {
      names_[0] = names_[1] = names_[2] = names_[3] = 0;
      return;
    }
    clear_filled(max_fields);
  }
  // Adds a field whose views point into text that outlives the list (or into this list's storage).
  void push_back(const header_field& f) {
    fields_.push_back(f);
    if (!f.name.empty()) names_[name_bit(f.name) / 64] |= std::uint64_t{1} << (name_bit(f.name) % 64);
  }
  // Adds a field, copying its name and value into the list's storage.
  void push_back_copy(std::string_view name, std::string_view value);
  // Room for `size` bytes in the list's storage, kept as long as the list or a copy of it lives.
  char* allocate(std::size_t size);
  // Lets this list's fields point into `other`'s storage too (for lists cut from another list).
  void share_storage(const field_list& other);
  // The last field's value, for read_field_block() to extend.
  header_field& last() noexcept { return fields_.back(); }
  // False when no field can be named `name` (ASCII case-insensitive); true when one may be.
  bool may_have(std::string_view name) const noexcept {
    return !name.empty() && (names_[name_bit(name) / 64] >> (name_bit(name) % 64) & 1) != 0;
  }

 private:
  // The size of a storage chunk, unless a value needs more (see allocate()); a list keeps one such chunk.
  static constexpr std::size_t chunk_bytes = 960;
  void clear_filled(std::size_t max_fields) noexcept;
  // A (non-empty) name's bit in names_: its length and first byte, hashed to one of 256. The byte with bit 5 set
  // is a letter in lower case, and pairs a few other bytes ('@' and '`'): a bit shared, never one missed.
  static unsigned name_bit(std::string_view name) noexcept {
    const unsigned first = static_cast<unsigned char>(name[0]) | 0x20u;
    return static_cast<unsigned>((first * 31u + name.size()) & 255);
  }

  std::vector<header_field> fields_;
  // The bits of every field's name: most names asked for are absent from a block, and find_field() rejects
  // nearly all of those with one test instead of a comparison per field.
  // 256 bits: a message header has dozens of names, and 128 let a fifth of the absent names asked for through
  // (one in twenty with 256, over the shared corpus)
  std::uint64_t names_[4] = {0, 0, 0, 0};
  // Storage for unfolded values; chunks never move. Most lists need one chunk at most: it is kept apart
  // from the others, so that it costs no vector.
  std::shared_ptr<char[]> chunk_;                       // the one allocate() writes into, if any
  std::vector<std::shared_ptr<char[]>> older_chunks_;  // full ones, and those shared from other lists
  std::size_t chunk_used_ = 0, chunk_size_ = 0;
};

// Reads one block starting at `pos` (LF line endings) and advances `pos` past it and past the blank line
// that ends it. A line that is neither a field nor a continuation ends the block when `stop_at_junk` is set
// (message headers), and is skipped otherwise (report blocks, where stray lines are common). Unfolded values
// are cut at `max_value_bytes`.
field_list read_field_block(std::string_view text, std::size_t& pos, bool stop_at_junk,
                            std::size_t max_value_bytes = 1u << 20);
// The same into `fields` (cleared first), whose room is reused.
void read_field_block_into(field_list& fields, std::string_view text, std::size_t& pos, bool stop_at_junk,
                           std::size_t max_value_bytes = 1u << 20);

// Every block of a report body, split at blank lines; empty blocks are dropped.
std::vector<field_list> read_field_blocks(std::string_view text, std::size_t max_value_bytes = 1u << 20);

// find_field() past the name filter.
const header_field* find_field_listed(const field_list& fields, std::string_view name) noexcept;

// The first field named `name` (ASCII case-insensitive), or nullptr. Most names asked for are absent, and the
// filter (a constant bit for a literal name) rejects them where the call is made, without a call.
inline const header_field* find_field(const field_list& fields, std::string_view name) noexcept {
  if (!fields.may_have(name)) return nullptr;
  return find_field_listed(fields, name);
}

// The value of the first field named `name`, or an empty view.
inline std::string_view field_value(const field_list& fields, std::string_view name) noexcept {
  const header_field* f = find_field(fields, name);
  return f ? f->value : std::string_view();
}

// True when `line` looks like "Name: value" (a printable token without spaces, then a colon).
bool looks_like_field(std::string_view line) noexcept;

}  // namespace bouncekit::detail
