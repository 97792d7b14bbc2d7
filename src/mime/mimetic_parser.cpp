// The only file that includes mimetic: the reference structural parser the built-in splitter is tested
// against (tests/mime_differential_test.cpp, bench BM_mime_parse). parse_message() guards it (size, line
// length, container count and header-line length are checked before mimetic sees the bytes; everything it
// throws is caught) and its entity tree becomes our flat part list, decoded by our own decoders. See
// STYLE.md for what mimetic 0.9.8 gets wrong.
#include "mime/mime_parts.hpp"
#include "util/text.hpp"

#include <fmt/format.h>
#include <mimetic/mimetic.h>

#include <memory>
#include <utility>

namespace bouncekit::detail {

namespace {

field_list fields_of(const mimetic::Header& header, const limits& limits) {
  field_list fields;
  for (const mimetic::Field& f : header) {
    const std::string name(f.name().begin(), f.name().end());
    std::string value = f.value();
    if (value.size() > limits.max_header_line_bytes) value.resize(limits.max_header_line_bytes);
    fields.push_back_copy(name, collapse_whitespace(value));
  }
  return fields;
}

void flatten(mimetic::MimeEntity& root, parsed_message& out, const limits& limits) {
  struct frame {
    mimetic::MimeEntity* entity;
    std::size_t depth;
    int parent;
  };
  std::vector<frame> stack{{&root, 0, -1}};
  part_budget budget;
  while (!stack.empty()) {
    const frame f = stack.back();
    stack.pop_back();
    if (out.parts.size() >= limits.max_parts) {
      out.error = fmt::format("message has more than {} MIME parts (max_parts)", limits.max_parts);
      break;
    }
    mime_part part;
    part.depth = f.depth;
    part.parent = f.parent;
    if (f.parent < 0) {
      std::size_t pos = 0;  // our own reader: mimetic drops a last field that has no blank line after it
      part.headers = read_field_block(out.normalised, pos, true, limits.max_header_line_bytes);
    } else {
      part.headers = fields_of(f.entity->header(), limits);
    }
    mimetic::Body& body = f.entity->body();
    auto& children = body.parts();
    std::string_view raw_body = body;
    if (children.empty() && raw_body.empty() && !body.preamble().empty()) raw_body = body.preamble();
    std::string boundary;  // not used: mimetic found the parts
    read_content_type(part, f.parent < 0 ? &out : nullptr, boundary);
    bool inside_returned_message = false;
    for (int p = f.parent; p >= 0 && !inside_returned_message; p = out.parts[static_cast<std::size_t>(p)].parent) {
      const mime_part& ancestor = out.parts[static_cast<std::size_t>(p)];
      inside_returned_message = ancestor.is("message", "rfc822") || ancestor.is("message", "global");
    }
    decode_part_body(part, raw_body, inside_returned_message, out, budget, limits);
    const int index = static_cast<int>(out.parts.size());
    out.parts.push_back(std::move(part));
    if (children.empty()) continue;
    if (f.depth + 1 > limits.max_mime_depth) {
      if (!budget.depth_reported)
        out.error = fmt::format("MIME nesting deeper than {} levels (max_mime_depth)", limits.max_mime_depth);
      budget.depth_reported = true;
      continue;
    }
    for (auto it = children.rbegin(); it != children.rend(); ++it) stack.push_back({*it, f.depth + 1, index});
  }
}

}  // namespace

bool split_parts_with_mimetic(parsed_message& out, const limits& limits) {
  try {
    const std::string_view text = out.normalised;
    auto entity = std::make_unique<mimetic::MimeEntity>(text.begin(), text.end());
    flatten(*entity, out, limits);
    return true;
  } catch (...) {
    out.parts.clear();
    return false;
  }
}

}  // namespace bouncekit::detail
