// No runaway regex: every built-in rule's patterns run over long adversarial subjects (100 KB of text made to
// make a backtracking matcher work hard) and must return. The PCRE2 match and depth limits of rule_set are
// what bounds them; the ctest TIMEOUT of this test is the hang guard (no timing assertions here).
#include "engine.hpp"
#include "rules/rule_set.hpp"

#include <bouncekit/classifier.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace bouncekit::detail;

namespace {

constexpr std::size_t subject_bytes = 100 * 1024;

std::string repeat_to_size(const std::string& unit, std::size_t size = subject_bytes) {
  std::string out;
  if (unit.empty()) return out;
  out.reserve(size + unit.size());
  while (out.size() < size) out += unit;
  out.resize(size);
  return out;
}

// Subjects shared by all rules: long runs of one class of character, near-misses of common phrases, and
// everything every rule looks for, so that each pattern gets partial matches at every position.
std::vector<std::string> common_subjects(const rule_set& rules) {
  std::string all_literals;
  for (const rule_info& r : rules.rules())
    for (const std::string& l : r.literals) all_literals += l + ' ';
  return {
      repeat_to_size("a"),
      repeat_to_size(" ") + "x",
      repeat_to_size("a ") + "!",
      repeat_to_size("5.1.1 "),
      repeat_to_size("550 "),
      repeat_to_size("<a@b.") + ">",
      repeat_to_size("user unknown mailbox full "),
      repeat_to_size("recipient address rejected: "),
      repeat_to_size(".a-"),
      repeat_to_size("\xc3\xbc"),  // a valid 2-byte UTF-8 character
      repeat_to_size("\xff\xfe"),  // invalid UTF-8
      repeat_to_size("\t\n "),
      repeat_to_size(all_literals),
  };
}

}  // namespace

TEST_CASE("every rule returns on 100 KB adversarial subjects", "[regex]") {
  const auto rules = rule_set::load(builtin_rule_sources());
  REQUIRE(rules->rules().size() > 10);
  std::size_t runs = 0;
  for (const std::string& subject : common_subjects(*rules)) {
    for (const bool prefilter : {true, false}) {
      (void)rules->match(subject, "5.1.1", prefilter);  // a status, so that rules with a status condition run too
      ++runs;
    }
  }
  // subjects made of each rule's own words: its examples and its literals, repeated without a separator and
  // with one, so that its patterns start a partial match at almost every byte (the common subjects above went
  // through match(); here only the rule's own patterns run, which keeps the test fast)
  for (std::size_t i = 0; i < rules->rules().size(); ++i) {
    const rule_info& rule = rules->rules()[i];
    INFO("rule " << rule.id);
    std::vector<std::string> subjects;
    std::string words;
    for (const std::string& l : rule.literals) words += l + ' ';
    subjects.push_back(repeat_to_size(words));
    subjects.push_back(repeat_to_size(rule.literals.front()));
    if (!rule.examples.empty()) {
      subjects.push_back(repeat_to_size(rule.examples.front() + ' '));
      subjects.push_back(repeat_to_size(rule.examples.front().substr(0, rule.examples.front().size() / 2)));
    }
    for (const std::string& subject : subjects) {
      (void)rules->pattern_matches(i, subject);
      ++runs;
    }
  }
  CHECK(runs > rules->rules().size());
}

TEST_CASE("a catastrophic pattern hits the match limit instead of running away", "[regex]") {
  // (a|aa)+$ and nested quantifiers take exponential time on a near-miss without a match limit
  const std::vector<rule_source> sources{{"evil.toml", R"toml(
[[rule]]
id = "evil-alternation"
reason = "userunknown"
literals = ["a"]
patterns = ['^(a|aa)+$', '^(\w+\s?)+$', '(x+x+)+y']
examples = ["aaaa"]
)toml"}};
  const auto rules = rule_set::load(sources);
  const std::string near_miss = repeat_to_size("a") + "!";
  CHECK_FALSE(rules->pattern_matches(0, near_miss));  // no match: the limit stopped it
  CHECK(rules->match(near_miss, "5.1.1").empty());
  CHECK(rules->match(repeat_to_size("x", 5000), "").empty());
  CHECK(rules->pattern_matches(0, "aaaa"));  // the rule itself works
}
