// The compiled rule set: text rules (PCRE2 with JIT behind a literal prefilter), the status-code table, the
// status inferred for a reason, and the recommended actions. Immutable after loading; shared by all threads.
#pragma once

#include "rules/literal_scanner.hpp"

#include <bouncekit/result.hpp>

#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace bouncekit::detail {

struct rule_source {
  std::string name;  // file name, for error messages
  std::string text;  // TOML
};

struct rule_info {
  std::string id;
  std::string reason;
  int priority = 50;
  std::string file;
  std::vector<std::string> patterns;
  std::vector<std::string> literals;
  std::vector<std::string> examples;
  std::vector<std::string> not_examples;
  std::string status_condition;
  // The category this rule's verdicts take whatever the status says: for words that contradict a status
  // ("refused due to recipient preferences" sent with 5.1.1 names a mailbox that exists). Usually empty: the
  // category follows from the reason and the status.
  std::optional<bouncekit::category> fixed_category;
  // Domains ("messagelabs.com") for a provider's own convention: the rule runs only when the reporting or
  // remote MTA is one of them or a host under one. Empty: any host.
  std::vector<std::string> hosts;
};

class rule_set {
 public:
  // Parses and compiles; throws bouncekit::rule_error naming file, rule and problem.
  static std::shared_ptr<const rule_set> load(const std::vector<rule_source>& sources);

  ~rule_set();
  rule_set(const rule_set&) = delete;
  rule_set& operator=(const rule_set&) = delete;

  // Every rule whose patterns match `text` (and whose status condition holds), best first: higher priority,
  // then earlier in load order. With use_prefilter=false every rule is tried (for benchmarks and tests).
  // Rules with `hosts` run only when one of `hosts` (the reporting and remote MTAs) is under one of theirs.
  std::vector<rule_match> match(std::string_view text, std::string_view status, bool use_prefilter = true) const;
  std::vector<rule_match> match(std::string_view text, std::string_view status, const std::vector<std::string>& hosts,
                                bool use_prefilter = true) const;
  std::vector<rule_match> match(std::string_view text, std::string_view status, std::span<const std::string_view> hosts,
                                bool use_prefilter = true) const;
  // The same for a text known to be valid UTF-8 already (a DSN's diagnostic, repaired where it was read): its
  // check is not repeated. Passing anything else is undefined behaviour (PCRE2 is told to trust the subject).
  std::vector<rule_match> match_valid_utf8(std::string_view text, std::string_view status,
                                           std::span<const std::string_view> hosts) const;

  // Reason for a status code from the status table ("" when none): exact code, then x.Y.Z, then c.Y.x.
  std::string reason_for_status(std::string_view status) const;
  // The same, as a view of the table's own string: no copy for the caller that only reads it.
  std::string_view status_reason(std::string_view status) const;
  // Reason for a bare SMTP reply code from the reply table ("" when none): for replies that say nothing else.
  std::string reason_for_reply(std::string_view reply_code) const;
  // Status code to report for a reason when the message gave none ("" when none is known).
  std::string status_for_reason(std::string_view reason, bool temporary) const;
  // Recommended action for a category and class.
  std::string action_for(std::optional<category> cat, bounce_class cls) const;

  const std::vector<rule_info>& rules() const noexcept { return info_; }
  // The rule with id `id`, or nullptr.
  const rule_info* find(std::string_view id) const noexcept;
  // The fixed category of the rule with id `id`; nothing when it has none or there is no such rule. Cheaper
  // than find(): a rule set names a fixed category in a handful of rules, which are all this looks at.
  std::optional<category> fixed_category_of(std::string_view id) const noexcept;
  // True when `text` matches rule `index` ignoring the prefilter and conditions (for rule examples).
  bool pattern_matches(std::size_t index, std::string_view text) const;
  // True when `text` contains one of rule `index`'s literals (after ASCII lower-casing).
  bool literal_present(std::size_t index, std::string_view text) const;

 private:
  rule_set() = default;
  struct compiled;
  std::vector<rule_info> info_;
  std::map<std::string, std::size_t, std::less<>> index_of_;  // rule id -> index in info_
  std::vector<std::pair<std::string, category>> fixed_categories_;  // the rules that have one, in load order
  std::vector<std::unique_ptr<compiled>> compiled_;
  // What match() reads for every candidate rule, laid out flat so that a candidate whose strings are missing
  // costs a few adjacent loads rather than a chase through compiled_'s vectors (matching is bound by cache
  // misses, not instructions).
  // A rule's head, the two words before its first pattern's gate in gates_ (the others follow in order).
  struct rule_head {
    std::uint32_t pattern_count = 0;
    std::uint32_t flags = 0;  // has_status_condition, has_hosts
    static constexpr std::uint32_t has_status_condition = 1;
    static constexpr std::uint32_t has_hosts = 2;
  };
  std::vector<std::uint32_t> rule_heads_;  // rule index -> offset of its head in gates_
  // Each rule's head and pattern gates, then its guards' gates. A gate is one run: its size (in words, itself
  // included), its group count, then per group its literal count and that many (literal id, literal length)
  // pairs.
  std::vector<std::uint32_t> gates_;
  std::uint32_t literal_count_ = 0;
  std::vector<std::uint32_t> literal_rules_begin_;  // literal id -> offset in literal_rules_; one past the last
  std::vector<std::uint32_t> literal_rules_;        // the rule indices of each literal, one run after another
  literal_scanner scanner_;
  struct status_entry {
    std::string code;
    std::string reason;
  };
  std::unordered_map<std::string, std::string> reason_by_status_;  // code or pattern ("5.x.x") -> first entry's reason
  // The same for the codes and patterns of up to seven bytes (all, as a rule), keyed by packed_status(): looked
  // up without hashing a string, four times for a verdict decided by the status
  std::unordered_map<std::uint64_t, std::string_view> reason_by_short_status_;
  std::vector<status_entry> reply_table_;  // code = a three-digit SMTP reply code
  struct inferred_status {
    std::string reason;
    std::string permanent;
    std::string temporary;
  };
  std::vector<inferred_status> inferred_;
  struct action_entry {
    std::string category;  // "" = any
    std::string cls;       // "" = any
    std::string text;
  };
  std::vector<action_entry> actions_;
  // action_for's answer for every category (and none: the last row) and class, worked out once loaded: an
  // index into actions_, or -1 for none
  static constexpr std::size_t category_count = static_cast<std::size_t>(category::success) + 2;
  static constexpr std::size_t class_count = static_cast<std::size_t>(bounce_class::unknown) + 1;
  int action_index_[category_count][class_count] = {};
  int best_action(std::optional<category> cat, bounce_class cls) const;
  // True when rule `r`'s status condition and hosts (if it has them) allow it to match.
  bool conditions_met(std::uint32_t r, const rule_head& head, std::string_view status,
                      std::span<const std::string_view> hosts) const;
  std::vector<rule_match> match_checked(std::string_view text, std::string_view status,
                                        std::span<const std::string_view> hosts, bool use_prefilter) const;
};

}  // namespace bouncekit::detail
