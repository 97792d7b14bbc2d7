#include "mime/field_block.hpp"

#include "util/text.hpp"

namespace bouncekit::detail {

bool looks_like_field(std::string_view line) noexcept {
  const std::size_t colon = line.find(':');
  if (colon == 0 || colon == std::string_view::npos || colon > 76) return false;
  for (std::size_t i = 0; i < colon; ++i) {
    const auto c = static_cast<unsigned char>(line[i]);
    if (c <= 32 || c >= 127) {
      // "Name : value" (space before the colon) is obsolete syntax but real
      if (c == ' ' || c == '\t') {
        for (std::size_t k = i; k < colon; ++k)
          if (line[k] != ' ' && line[k] != '\t') return false;
        return i > 0;
      }
      return false;
    }
  }
  return true;
}

namespace {

void append_value(std::string& value, std::string_view piece, std::size_t max_bytes) {
  piece = trim(piece);
  if (piece.empty() || value.size() >= max_bytes) return;
  if (!value.empty()) value += ' ';
  value.append(piece.substr(0, max_bytes - value.size()));
}

}  // namespace

field_list read_field_block(std::string_view text, std::size_t& pos, bool stop_at_junk, std::size_t max_value_bytes) {
  field_list fields;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    const std::size_t line_end = nl == std::string_view::npos ? text.size() : nl;
    std::string_view line = text.substr(pos, line_end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const std::size_t next = nl == std::string_view::npos ? text.size() : nl + 1;
    if (trim(line).empty()) {
      pos = next;
      if (!fields.empty() || stop_at_junk) break;  // a report block may start with blank lines
      continue;
    }
    if ((line[0] == ' ' || line[0] == '\t')) {
      if (!fields.empty()) append_value(fields.back().value, line, max_value_bytes);
      pos = next;
      continue;
    }
    if (looks_like_field(line)) {
      const std::size_t colon = line.find(':');
      header_field f;
      f.name = std::string(trim(line.substr(0, colon)));
      append_value(f.value, line.substr(colon + 1), max_value_bytes);
      fields.push_back(std::move(f));
      pos = next;
      continue;
    }
    if (stop_at_junk) break;
    pos = next;
  }
  return fields;
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

const header_field* find_field(const field_list& fields, std::string_view name) noexcept {
  for (const header_field& f : fields)
    if (iequals(f.name, name)) return &f;
  return nullptr;
}

std::string_view field_value(const field_list& fields, std::string_view name) noexcept {
  const header_field* f = find_field(fields, name);
  return f ? std::string_view(f->value) : std::string_view();
}

}  // namespace bouncekit::detail
