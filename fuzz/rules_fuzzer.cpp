// The rule-file loader (bouncekit::detail::rule_set::load) on arbitrary TOML. A bad file must come back as
// rule_error and nothing else; a file that loads must be usable: its rules are matched against their own
// examples and against the input.
#include "fuzzer_common.hpp"
#include "rules/rule_set.hpp"

#include <bouncekit/classifier.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace bouncekit::detail;
  std::vector<rule_source> sources{{"fuzz.toml", std::string(bouncekit::fuzz::as_text(data, size))}};
  std::shared_ptr<const rule_set> rules;
  try {
    rules = rule_set::load(sources);
  } catch (const bouncekit::rule_error& e) {
    BOUNCEKIT_FUZZ_CHECK(std::string_view(e.what()).find("fuzz.toml") != std::string_view::npos);
    return 0;
  }
  for (std::size_t i = 0; i < rules->rules().size() && i < 16; ++i)
    for (const std::string& example : rules->rules()[i].examples) {
      (void)rules->pattern_matches(i, example);
      (void)rules->literal_present(i, example);
    }
  (void)rules->match(sources[0].text.substr(0, 4096), "5.1.1");
  (void)rules->reason_for_status("5.1.1");
  (void)rules->status_for_reason("userunknown", false);
  (void)rules->action_for(bouncekit::category::bad_mailbox, bouncekit::bounce_class::hard);
  return 0;
}
