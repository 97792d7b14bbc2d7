// Our own "Name: value" reader (src/mime/field_block.hpp), used for headers, message/delivery-status,
// message/feedback-report and text/rfc822-headers: it must stay in bounds, always make progress, and cut
// values at the limit it is given.
#include "fuzzer_common.hpp"
#include "mime/field_block.hpp"

namespace {

constexpr std::size_t max_value = 256;

void check_fields(const bouncekit::detail::field_list& fields) {
  for (const auto& f : fields) {
    BOUNCEKIT_FUZZ_CHECK(!f.name.empty());
    BOUNCEKIT_FUZZ_CHECK(f.value.size() <= max_value);
  }
  if (!fields.empty()) BOUNCEKIT_FUZZ_CHECK(bouncekit::detail::find_field(fields, fields.back().name) != nullptr);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace bouncekit::detail;
  const std::string_view text = bouncekit::fuzz::as_text(data, size);
  for (const field_list& block : read_field_blocks(text, max_value)) {
    BOUNCEKIT_FUZZ_CHECK(!block.empty());
    check_fields(block);
  }
  for (const bool stop_at_junk : {true, false}) {
    std::size_t pos = 0;
    while (pos < text.size()) {
      const std::size_t before = pos;
      check_fields(read_field_block(text, pos, stop_at_junk, max_value));
      BOUNCEKIT_FUZZ_CHECK(pos <= text.size());
      if (pos == before) break;  // a header reader stops at junk without consuming it
    }
  }
  std::size_t begin = 0;
  while (begin <= text.size()) {
    const std::size_t nl = text.find('\n', begin);
    const std::string_view line =
        text.substr(begin, nl == std::string_view::npos ? std::string_view::npos : nl - begin);
    (void)looks_like_field(line);
    if (nl == std::string_view::npos) break;
    begin = nl + 1;
  }
  return 0;
}
