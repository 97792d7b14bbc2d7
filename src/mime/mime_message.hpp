// The message layer: a raw message in, a flat list of decoded parts out. The structural parse is our own
// splitter (mime_splitter.cpp); mimetic (mimetic_parser.cpp, the only file that includes it) is kept behind
// the same interface as the reference it is tested against. Everything around them (line endings, limits,
// header fields, transfer and charset decoding) is shared.
#pragma once

#include "mime/field_block.hpp"

#include <bouncekit/classifier.hpp>
#include <bouncekit/result.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bouncekit::detail {

struct mime_part {
  field_list headers;
  std::string type = "text";      // lower-case media type
  std::string subtype = "plain";  // lower-case subtype
  std::string charset;            // lower-case, may be empty
  std::string body;               // transfer-decoded; text and message/* parts converted to UTF-8 (inside a
                                  // returned message, only message/* and text/rfc822-headers: see mime_parts.hpp)
  std::size_t depth = 0;          // 0 for the message itself
  int parent = -1;                // index in parsed_message::parts
  bool is(std::string_view t, std::string_view st) const noexcept { return type == t && subtype == st; }
  bool is_text() const noexcept { return std::string_view(type) == "text"; }
  // The header's value decoded from RFC 2047 into UTF-8 (empty when absent).
  std::string header(std::string_view name) const;
};

struct parsed_message {
  // The raw message with LF line endings: a view of the raw message itself when it had nothing to change
  // (then the raw message must outlive this), else of `rewritten`. Header fields and parts point into it.
  std::string_view normalised;
  std::unique_ptr<const std::string> rewritten;  // kept behind a pointer, so views stay valid when this moves
  std::vector<mime_part> parts;      // depth-first; parts[0] is the message itself
  std::vector<parse_warning> warnings;
  std::optional<std::string> error;  // a limit was hit or the structure could not be read
  // The message's own Content-Type, kept from the parse so that message_view need not parse it again:
  // "type/subtype" as parse_content_type() gives them (empty without the field) and the report-type parameter
  // in lower case.
  std::string content_type;
  std::string report_type;
};

// Which structural parser parse_message() uses: the built-in splitter, or mimetic as a reference.
enum class mime_backend { builtin, mimetic };

// Never throws for bad input. The result may point into `raw`: keep it alive as long as the result.
// `parts_storage` is a vector the result's parts are built in: a caller classifying many messages hands back
// the last message's parts (through recycle_parts()), and their room is used again (the vector's, and each
// part's header list's), not their content.
parsed_message parse_message(std::string_view raw, const limits& limits, mime_backend backend = mime_backend::builtin,
                             std::vector<mime_part> parts_storage = {});

// Makes a message's parts into storage for parse_message(): what they hold in bulk (large bodies, long strings,
// large header lists) is freed; the vector's room, each part's small header list and the room of a body of a
// few KB stay. False (and `parts` left as it is) when they are too many to be worth keeping.
bool recycle_parts(std::vector<mime_part>& parts) noexcept;

// Content-Type value -> type, subtype and parameters (RFC 2045 + RFC 2231 continuations and charsets).
struct content_type {
  std::string type;
  std::string subtype;
  std::vector<std::pair<std::string, std::string>> params;  // names lower-case
  std::string_view param(std::string_view name) const noexcept;  // empty when absent
};
content_type parse_content_type(std::string_view value);

// LF line endings for any mix of CRLF, LF and bare CR.
std::string normalise_line_endings(std::string_view raw);

}  // namespace bouncekit::detail
