// The compiled state behind bouncekit::classifier: rules and limits, immutable after construction.
#pragma once

#include "rules/rule_set.hpp"

#include <bouncekit/classifier.hpp>

#include <memory>

namespace bouncekit::detail {

class engine {
 public:
  engine(std::shared_ptr<const rule_set> rules, const bouncekit::limits& limits)
      : rules_(std::move(rules)), limits_(limits) {}
  classification classify(std::string_view raw) const;
  const rule_set& rules() const noexcept { return *rules_; }
  const bouncekit::limits& limits() const noexcept { return limits_; }

 private:
  std::shared_ptr<const rule_set> rules_;
  bouncekit::limits limits_;
};

struct message_view;
struct report;

// The readers in order (ARF, SES JSON, DSN enriched by the text, auto-reply, text bounce), recipients merged
// by address: the evidence classify() turns into verdicts.
report read_report(const message_view& view);

// Rule sources: the built-in files, or every *.toml in a directory (sorted by name).
std::vector<rule_source> builtin_rule_sources();
std::vector<rule_source> directory_rule_sources(const std::filesystem::path& dir);

}  // namespace bouncekit::detail
