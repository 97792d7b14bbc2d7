// Internal to the message layer: what parse_message() shares with its two structural parsers. The built-in
// splitter (mime_splitter.cpp) is the one classify() uses; mimetic (mimetic_parser.cpp, the only file that
// includes it) is kept as the reference the splitter is tested against.
#pragma once

#include "mime/mime_message.hpp"

#include <cstddef>
#include <string_view>

namespace bouncekit::detail {

// What one message's parts have cost so far, shared by every part of it.
struct part_budget {
  std::size_t decoded_bytes = 0;
  bool depth_reported = false;
};

// Sets the part's type, subtype and charset from its Content-Type field; returns its boundary parameter: a
// view into the part's header, or into `boundary_storage` when it had to be decoded. For the message's own
// header (parts[0]) pass the message as `top`: its content_type and report_type are set too.
std::string_view read_content_type(mime_part& part, parsed_message* top, std::string& boundary_storage);

// The Content-Type parameters the parsers read, and its type and subtype, as written (not in lower case).
struct content_type_views {
  std::string_view type;
  std::string_view subtype;
  std::string_view boundary;
  std::string_view charset;
  std::string_view report_type;
};
// What parse_content_type() would give for `value`, as views into it: false (and `out` incomplete) when the
// value needs decoding that views cannot hold (RFC 2231 names, escapes in quotes, a repeated parameter).
bool read_simple_content_type(std::string_view value, content_type_views& out) noexcept;

// Transfer-decodes the body of a text, message or octet-stream part and converts text to UTF-8; other parts
// keep an empty body. Inside a returned message only message/* and text/rfc822-headers parts are decoded: the
// returned message's own text and attachments are never read, and they are often the bulk of a bounce.
// Counts against limits.max_decoded_bytes.
void decode_part_body(mime_part& part, std::string_view raw_body, bool inside_returned_message, parsed_message& out,
                      part_budget& budget, const limits& limits);

// Part `index` of out.parts, empty but for its header list (which the parser reads the part's header into with
// read_field_block_into(), clearing it), for a parser to fill: a part left in the storage parse_message() was
// given (its header list's room kept), or a new one.
mime_part& fresh_part(parsed_message& out, std::size_t index);

// The structural parsers: they fill out.parts from out.normalised. Each stops at max_parts and
// max_mime_depth with an error naming the limit.
void split_parts(parsed_message& out, const limits& limits);
// Returns false when mimetic threw (out.parts is then cleared).
bool split_parts_with_mimetic(parsed_message& out, const limits& limits);

}  // namespace bouncekit::detail
