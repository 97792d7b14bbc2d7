// Our own reader for blocks of "Name: value" fields: message headers, the field blocks of
// message/delivery-status and message/feedback-report, and text/rfc822-headers. Folded lines are unfolded;
// values are kept as written (no RFC 2047 decoding: callers decide).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace bouncekit::detail {

struct header_field {
  std::string name;   // as written
  std::string value;  // unfolded, trimmed
};

using field_list = std::vector<header_field>;

// Reads one block starting at `pos` (LF line endings) and advances `pos` past it and past the blank line
// that ends it. A line that is neither a field nor a continuation ends the block when `stop_at_junk` is set
// (message headers), and is skipped otherwise (report blocks, where stray lines are common). Unfolded values
// are cut at `max_value_bytes`.
field_list read_field_block(std::string_view text, std::size_t& pos, bool stop_at_junk,
                            std::size_t max_value_bytes = 1u << 20);

// Every block of a report body, split at blank lines; empty blocks are dropped.
std::vector<field_list> read_field_blocks(std::string_view text, std::size_t max_value_bytes = 1u << 20);

// The first field named `name` (ASCII case-insensitive), or nullptr.
const header_field* find_field(const field_list& fields, std::string_view name) noexcept;

// The value of the first field named `name`, or an empty view.
std::string_view field_value(const field_list& fields, std::string_view name) noexcept;

// True when `line` looks like "Name: value" (a printable token without spaces, then a colon).
bool looks_like_field(std::string_view line) noexcept;

}  // namespace bouncekit::detail
