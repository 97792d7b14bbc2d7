// The built-in MIME splitter on arbitrary bytes, with default and tight limits: the part list it returns must
// be a well-formed tree (each part's parent comes before it, is a container, and is one level up), within the
// limits, with every text and message body valid UTF-8.
#include "fuzzer_common.hpp"

#include "mime/decode.hpp"
#include "mime/mime_message.hpp"

namespace {

void check(std::string_view raw, const bouncekit::limits& limits) {
  using namespace bouncekit::detail;
  const parsed_message m = parse_message(raw, limits);
  BOUNCEKIT_FUZZ_CHECK(!m.parts.empty());
  BOUNCEKIT_FUZZ_CHECK(m.parts.size() <= limits.max_parts);
  BOUNCEKIT_FUZZ_CHECK(m.parts[0].parent == -1 && m.parts[0].depth == 0);
  for (std::size_t i = 1; i < m.parts.size(); ++i) {
    const mime_part& p = m.parts[i];
    BOUNCEKIT_FUZZ_CHECK(p.parent >= 0 && static_cast<std::size_t>(p.parent) < i);
    const mime_part& parent = m.parts[static_cast<std::size_t>(p.parent)];
    BOUNCEKIT_FUZZ_CHECK(p.depth == parent.depth + 1 && p.depth <= limits.max_mime_depth);
    BOUNCEKIT_FUZZ_CHECK(parent.type == "multipart" || parent.is("message", "rfc822"));
  }
  for (const mime_part& p : m.parts)
    if (p.type == "text" || p.type == "message") BOUNCEKIT_FUZZ_CHECK(is_valid_utf8(p.body));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view raw = bouncekit::fuzz::as_text(data, size);
  check(raw, bouncekit::limits{});
  check(raw, bouncekit::fuzz::tight_limits());
  return 0;
}
