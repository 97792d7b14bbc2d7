// The only file that includes mimetic. It guards the parser (size, line length and nesting are checked
// before mimetic sees the bytes; every exception is caught) and turns its entity tree into our flat part
// list, decoding bodies with our own decoders. See STYLE.md for what mimetic 0.9.8 gets wrong.
#include "mime/decode.hpp"
#include "mime/mime_message.hpp"
#include "util/text.hpp"

#include <fmt/format.h>
#include <mimetic/mimetic.h>

#include <memory>
#include <utility>

namespace bouncekit::detail {

namespace {

struct prescan {
  std::size_t longest_line = 0;
  std::size_t longest_field = 0;  // longest line that starts a header field ("Name: ...")
  std::size_t containers = 0;  // Content-Type fields naming multipart or rfc822: bounds mimetic's recursion
};

// mimetic recurses once per nested multipart or message/rfc822, so their number must be bounded before it
// runs. Count every field it would take for a Content-Type: the name in any case with blanks allowed before
// the colon (mimetic trims them), and the type anywhere in the value, continuation lines included. (Counting
// only "Content-Type:" with the type near the colon let "Content-Type : multipart/mixed" nested 300,000 deep
// through, and mimetic overflowed the stack.)
prescan scan(std::string_view text) {
  prescan s;
  std::size_t pos = 0;
  const auto line_at = [&](std::size_t at) {
    const std::size_t nl = text.find('\n', at);
    return text.substr(at, (nl == std::string_view::npos ? text.size() : nl) - at);
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

std::string decode_body(std::string_view raw, std::string_view transfer_encoding, parsed_message& out) {
  const std::string cte = ascii_lower(trim(transfer_encoding));
  if (cte == "base64") {
    bool ok = true;
    std::string decoded = decode_base64(raw, &ok);
    if (!ok) out.warnings.push_back({"invalid-base64", 0});
    return decoded;
  }
  if (cte == "quoted-printable") return decode_quoted_printable(raw);
  return std::string(raw);
}

// Fills type, subtype, charset and a decoded body; returns false when the part's body is not worth keeping.
void describe_part(mime_part& part, std::string_view raw_body, parsed_message& out, std::size_t& decoded_total,
                   const limits& limits) {
  const std::string_view ct_value = field_value(part.headers, "Content-Type");
  if (!ct_value.empty()) {
    content_type ct = parse_content_type(ct_value);
    if (!ct.type.empty() && !ct.subtype.empty()) {
      part.type = std::move(ct.type);
      part.subtype = std::move(ct.subtype);
    }
    part.charset = ascii_lower(ct.param("charset"));
  }
  const bool wanted = part.type == "text" || part.type == "message" ||
                      (part.type == "application" && (part.subtype == "octet-stream" || part.subtype == "rfc822"));
  if (!wanted || raw_body.empty()) return;
  const auto over_limit = [&] {
    out.warnings.push_back({"decoded-size-limit", 0});
    if (!out.error)
      out.error = fmt::format("decoded text exceeds max_decoded_bytes ({}); the rest was dropped",
                              limits.max_decoded_bytes);
  };
  if (decoded_total >= limits.max_decoded_bytes) {
    over_limit();
    return;
  }
  std::string bytes = decode_body(raw_body, field_value(part.headers, "Content-Transfer-Encoding"), out);
  if (bytes.size() > limits.max_decoded_bytes - decoded_total) {
    bytes.resize(limits.max_decoded_bytes - decoded_total);
    over_limit();
  }
  // decoded bodies may carry CRLF again (base64 of Windows text)
  if (bytes.find('\r') != std::string::npos) bytes = normalise_line_endings(bytes);
  bool known = true;
  const bool global = part.type == "message" && part.subtype.rfind("global", 0) == 0;
  part.body = to_utf8(bytes, global ? std::string_view("utf-8") : std::string_view(part.charset), &known);
  if (!known) out.warnings.push_back({"unknown-charset", 0});
  decoded_total += part.body.size();
}

field_list fields_of(const mimetic::Header& header, const limits& limits) {
  field_list fields;
  for (const mimetic::Field& f : header) {
    header_field h;
    h.name.assign(f.name().begin(), f.name().end());
    std::string value = f.value();
    if (value.size() > limits.max_header_line_bytes) value.resize(limits.max_header_line_bytes);
    h.value = collapse_whitespace(value);
    fields.push_back(std::move(h));
  }
  return fields;
}

// The whole message as one text part: used when mimetic cannot be trusted with it.
void single_part(parsed_message& out, const limits& limits) {
  std::size_t pos = 0;
  mime_part part;
  part.headers = read_field_block(out.normalised, pos, true, limits.max_header_line_bytes);
  std::size_t decoded_total = 0;
  describe_part(part, std::string_view(out.normalised).substr(std::min(pos, out.normalised.size())), out,
                decoded_total, limits);
  if (part.type != "text") {  // the structure is broken: read it as the text it is
    part.type = "text";
    part.subtype = "plain";
    part.body = sanitize_utf8(std::string_view(out.normalised).substr(std::min(pos, out.normalised.size())));
  }
  out.parts.push_back(std::move(part));
}

void flatten(mimetic::MimeEntity& root, parsed_message& out, const limits& limits) {
  struct frame {
    mimetic::MimeEntity* entity;
    std::size_t depth;
    int parent;
  };
  std::vector<frame> stack{{&root, 0, -1}};
  std::size_t decoded_total = 0;
  bool depth_reported = false;
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
    describe_part(part, raw_body, out, decoded_total, limits);
    const int index = static_cast<int>(out.parts.size());
    out.parts.push_back(std::move(part));
    if (children.empty()) continue;
    if (f.depth + 1 > limits.max_mime_depth) {
      if (!depth_reported)
        out.error = fmt::format("MIME nesting deeper than {} levels (max_mime_depth)", limits.max_mime_depth);
      depth_reported = true;
      continue;
    }
    for (auto it = children.rbegin(); it != children.rend(); ++it) stack.push_back({*it, f.depth + 1, index});
  }
}

// Some mailers break a Content-Type line before "boundary=" without indenting the continuation; the
// parameter would be lost, and the whole multipart with it. Indent such lines.
void repair_unindented_parameters(std::string& text) {
  if (text.find(";\n") == std::string::npos) return;
  std::string out;
  out.reserve(text.size() + 16);
  std::size_t from = 0;
  for (std::size_t pos = text.find(";\n"); pos != std::string::npos; pos = text.find(";\n", pos + 2)) {
    const std::string_view next = std::string_view(text).substr(pos + 2);
    if (istarts_with(next, "boundary=") || istarts_with(next, "charset=")) {
      out.append(text, from, pos + 2 - from);
      out += '\t';
      from = pos + 2;
    }
  }
  if (from == 0) return;
  out.append(text, from, std::string::npos);
  text = std::move(out);
}

}  // namespace

parsed_message parse_message(std::string_view raw, const limits& limits) {
  parsed_message out;
  if (raw.size() > limits.max_message_bytes) {
    out.error = fmt::format("message of {} bytes exceeds max_message_bytes ({})", raw.size(), limits.max_message_bytes);
    raw = raw.substr(0, limits.max_message_bytes);
  }
  out.normalised = normalise_line_endings(raw);
  repair_unindented_parameters(out.normalised);
  const prescan s = scan(out.normalised);
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
  // mimetic takes time quadratic in the length of a header line (about 0.3 s for 1 MB): past this length the
  // message is read by our own linear readers as plain text, a structure that loses little for such mail
  constexpr std::size_t mimetic_field_limit = 64u << 10;
  if (s.longest_field > mimetic_field_limit) {
    out.warnings.push_back({"long-header-line", 0});
    single_part(out, limits);
    return out;
  }
  try {
    const std::string& text = out.normalised;
    auto entity = std::make_unique<mimetic::MimeEntity>(text.begin(), text.end());
    flatten(*entity, out, limits);
  } catch (...) {
    out.parts.clear();
    out.warnings.push_back({"mime-parse-failed", 0});
    single_part(out, limits);
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
