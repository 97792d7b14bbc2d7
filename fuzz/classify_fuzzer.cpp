// The whole public call: classify() on arbitrary bytes, with the default limits and with tight ones (so that
// every limit's overflow path runs), then the JSON line, which must parse back as one JSON object.
#include "fuzzer_common.hpp"

#include <bouncekit/bouncekit.hpp>
#include <bouncekit/json.hpp>

namespace {

void check(const bouncekit::classifier& classifier, std::string_view raw) {
  const bouncekit::classification c = classifier.classify(raw);
  BOUNCEKIT_FUZZ_CHECK(c.recipients.size() <= classifier.limits().max_recipients);
  if (c.type == bouncekit::message_type::not_bounce) BOUNCEKIT_FUZZ_CHECK(c.recipients.empty());
  const std::string line = bouncekit::to_json_line(c);
  BOUNCEKIT_FUZZ_CHECK(line.find('\n') == std::string::npos);
  const auto parsed = nlohmann::json::parse(line, nullptr, false);
  BOUNCEKIT_FUZZ_CHECK(parsed.is_object());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bouncekit::classifier standard;
  static const bouncekit::classifier tight(bouncekit::fuzz::tight_limits());
  const std::string_view raw = bouncekit::fuzz::as_text(data, size);
  check(standard, raw);
  check(tight, raw);
  return 0;
}
