#include "cli/rules_command.hpp"

#include "cli/inputs.hpp"
#include "engine.hpp"
#include "rules/rule_set.hpp"
#include "rules/taxonomy.hpp"

#include <bouncekit/bouncekit.hpp>
#include <bouncekit/json.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <optional>

namespace bouncekit::cli {

namespace {

// Loads the rules of `dir` ("" = the built-in ones), or prints the rule error and returns null.
std::shared_ptr<const detail::rule_set> load_rules(const std::string& dir, const char* command) {
  try {
    return detail::rule_set::load(dir.empty() ? detail::builtin_rule_sources() : detail::directory_rule_sources(dir));
  } catch (const rule_error& e) {
    fmt::print(stderr, "bouncekit {}: {}\n", command, e.what());
    return nullptr;
  }
}

std::string one_line(std::string_view s, std::size_t max) {
  std::string out;
  for (char c : s) out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  if (out.size() > max) {
    std::size_t cut = max - 3;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;  // not inside a UTF-8 character
    out = out.substr(0, cut) + "...";
  }
  return out;
}

std::string category_name(const detail::rule_info& rule) {
  const auto cat = rule.fixed_category ? rule.fixed_category : detail::category_for(rule.reason, "");
  return cat ? std::string(to_string(*cat)) : std::string("-");
}

}  // namespace

bool rule_tools::parsed() const {
  return check_->parsed() || list_->parsed() || explain_->parsed();
}

int rule_tools::run() const {
  if (check_->parsed()) return run_check();
  if (list_->parsed()) return run_list();
  if (explain_->parsed()) return run_explain();
  return 2;
}

int rule_tools::run_check() const {
  const auto rules = load_rules(check_dir_, "rules check");
  if (!rules) return 2;
  const auto& info = rules->rules();
  std::size_t files = 0, examples = 0, not_examples = 0, failures = 0, overlaps = 0, shadowed = 0;
  std::string last_file;
  for (const auto& r : info)
    if (r.file != last_file) ++files, last_file = r.file;

  for (std::size_t i = 0; i < info.size(); ++i) {
    const detail::rule_info& rule = info[i];
    for (const std::string& ex : rule.examples) {
      ++examples;
      if (!rules->pattern_matches(i, ex)) {
        ++failures;
        fmt::print("FAIL {}: rule '{}': example does not match: \"{}\"\n", rule.file, rule.id, one_line(ex, 120));
        continue;
      }
      if (!rules->literal_present(i, ex)) {
        ++failures;
        fmt::print("FAIL {}: rule '{}': the prefilter would skip this example (none of its literals occurs): \"{}\"\n",
                   rule.file, rule.id, one_line(ex, 120));
      }
      // Overlaps: other rules of a different reason that match the same example.
      for (std::size_t j = 0; j < info.size(); ++j) {
        if (j == i || info[j].reason == rule.reason || !rules->pattern_matches(j, ex)) continue;
        ++overlaps;
        const detail::rule_info& other = info[j];
        const bool other_wins = other.priority > rule.priority || (other.priority == rule.priority && j < i);
        const bool conditional = !other.status_condition.empty() || !rule.status_condition.empty();
        if (other_wins && !conditional) ++shadowed;
        fmt::print("{} {}: rule '{}' ({}, priority {}) and {}: rule '{}' ({}, priority {}) both match \"{}\": {}\n",
                   strict_ ? "FAIL overlap" : "overlap", rule.file, rule.id, rule.reason, rule.priority, other.file,
                   other.id, other.reason, other.priority, one_line(ex, 100),
                   conditional ? std::string("which wins depends on the status code (a rule has a status condition)")
                   : other_wins
                       ? fmt::format("'{}' wins, so this example gets reason {} (shadowed)", other.id, other.reason)
                       : fmt::format("'{}' wins", rule.id));
        if (strict_) ++failures;
      }
    }
    for (const std::string& ex : rule.not_examples) {
      ++not_examples;
      if (rules->pattern_matches(i, ex)) {
        ++failures;
        fmt::print("FAIL {}: rule '{}': not_example matches: \"{}\"\n", rule.file, rule.id, one_line(ex, 120));
      }
    }
  }
  fmt::print("{} rules in {} files, {} examples, {} not_examples: {} failure{}, {} overlap{} ({} shadowed)\n",
             info.size(), files, examples, not_examples, failures, failures == 1 ? "" : "s", overlaps,
             overlaps == 1 ? "" : "s", shadowed);
  return failures ? 1 : 0;
}

int rule_tools::run_list() const {
  const auto rules = load_rules(list_rules_dir_, "rules list");
  if (!rules) return 2;
  if (list_format_ == "jsonl") {
    for (const auto& r : rules->rules()) {
      nlohmann::ordered_json j = {{"id", r.id},
                                  {"reason", r.reason},
                                  {"category", category_name(r)},
                                  {"priority", r.priority},
                                  {"file", r.file},
                                  {"literals", r.literals},
                                  {"patterns", r.patterns},
                                  {"examples", r.examples.size()},
                                  {"not_examples", r.not_examples.size()}};
      if (!r.status_condition.empty()) j["status"] = r.status_condition;
      if (!r.hosts.empty()) j["hosts"] = r.hosts;
      fmt::print("{}\n", j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
    }
    return 0;
  }
  std::size_t id_width = 4;
  for (const auto& r : rules->rules()) id_width = std::max(id_width, r.id.size());
  fmt::print("{:<{}}  {:<16}  {:<20}  {:>8}  {:<22}  {}\n", "rule", id_width, "reason", "category", "priority", "file",
             "literals");
  for (const auto& r : rules->rules()) {
    std::string literals;
    for (const auto& l : r.literals) literals += (literals.empty() ? "" : ", ") + l;
    if (!r.status_condition.empty()) literals += fmt::format("  [status ~ {}]", r.status_condition);
    if (!r.hosts.empty()) literals += fmt::format("  [hosts: {}]", fmt::join(r.hosts, ", "));
    fmt::print("{:<{}}  {:<16}  {:<20}  {:>8}  {:<22}  {}\n", r.id, id_width, r.reason, category_name(r),
               r.priority, r.file, one_line(literals, 60));
  }
  fmt::print("{} rules\n", rules->rules().size());
  return 0;
}

int rule_tools::run_explain() const {
  std::optional<classifier> c;
  try {
    c = explain_rules_dir_.empty() ? classifier() : classifier::from_directory(explain_rules_dir_);
  } catch (const rule_error& e) {
    fmt::print(stderr, "bouncekit explain: {}\n", e.what());
    return 2;
  }
  bool all_readable = true;
  bool first = true;
  auto show = [&](input_message&& input) {
    classification r;
    if (input.error) {
      r.error = *input.error;
    } else {
      r = c->classify(input.bytes);
    }
    if (!first) fmt::print("\n");
    first = false;
    fmt::print("{}\n", input.source);
    fmt::print("  type    {}{}\n", to_string(r.type), r.format.empty() ? "" : fmt::format(" (read by: {})", r.format));
    if (r.error) fmt::print("  error   {}\n", *r.error);
    if (r.original.subject) fmt::print("  original subject  {}\n", one_line(*r.original.subject, 100));
    if (r.original.message_id) fmt::print("  original id       {}\n", *r.original.message_id);
    for (const auto& w : r.warnings) fmt::print("  warning {} at byte {}\n", w.code, w.offset);
    if (r.recipients.empty()) fmt::print("  no recipients\n");
    for (const recipient_verdict& v : r.recipients) {
      fmt::print("  recipient {}\n", v.address);
      auto row = [](std::string_view name, std::string_view value) { fmt::print("    {:<19} {}\n", name, value); };
      row("class", to_string(v.bounce_class));
      row("category", v.category ? to_string(*v.category) : "-");
      row("reason", v.reason);
      row("status", v.status.value_or("-"));
      row("reply code", v.reply_code.value_or("-"));
      row("action", v.action);
      row("stage", to_string(v.stage));
      if (v.smtp_command) row("smtp command", *v.smtp_command);
      if (v.remote_mta) row("remote mta", *v.remote_mta);
      if (v.feedback_type) row("feedback type", *v.feedback_type);
      if (v.diagnostic) row("diagnostic", one_line(*v.diagnostic, 200));
      row("rule", v.rule);
      row("decided by", v.decided_by);
      row("recommended action", v.recommended_action);
      if (v.matches.empty()) {
        fmt::print("    no text rule matched\n");
        continue;
      }
      std::size_t w = 4;
      for (const auto& m : v.matches) w = std::max(w, m.rule.size());
      fmt::print("    {:<2} {:<{}}  {:<16} {:>8}  {}\n", "", "rule", w, "reason", "priority", "matched text");
      bool winner = true;
      for (const auto& m : v.matches) {
        fmt::print("    {:<2} {:<{}}  {:<16} {:>8}  \"{}\"\n", winner && m.rule == v.rule ? "*" : "", m.rule, w,
                   m.reason, m.priority, one_line(m.text, 80));
        winner = false;
      }
    }
  };
  for (const std::string& path : explain_paths_) {
    if (!read_inputs(path, c->limits().max_message_bytes, show)) {
      all_readable = false;
      fmt::print(stderr, "bouncekit explain: {}: could not be read completely\n", path);
    }
  }
  std::fflush(stdout);
  return all_readable ? 0 : 1;
}

std::unique_ptr<rule_tools> add_rule_tools(CLI::App& app) {
  auto tools = std::make_unique<rule_tools>();
  rule_tools& t = *tools;

  CLI::App* rules = app.add_subcommand("rules", "Check and list classification rules (see: rules check --help)");
  rules->require_subcommand(1);
  rules->footer(
      "Rules are TOML files ([[rule]] tables with id, reason, priority, literals, patterns, examples and\n"
      "not_examples). The built-in rules are compiled into bouncekit; a directory of *.toml files replaces them\n"
      "with --rules DIR (classify, explain, rules list).");

  t.check_ = rules->add_subcommand("check", "Validate a rules directory and run every example and not_example");
  t.check_->add_option("dir", t.check_dir_, "Directory of *.toml rule files (default: the built-in rules)")
      ->check(CLI::ExistingDirectory);
  t.check_->add_flag("--strict", t.strict_, "Count overlaps between rules of different reasons as failures");
  t.check_->footer(
      "Loads every *.toml file of DIR as the classifier would (a syntax error, unknown key or reason, or bad\n"
      "regex is reported as file:line and exits 2), then checks that each rule matches every one of its\n"
      "examples, that its literals let each example through the prefilter, and that it matches none of its\n"
      "not_examples. It also reports overlaps: an example of one rule that a rule of a different reason\n"
      "matches too, and which of them wins by priority.\n"
      "Exit status: 0 when every check passes, 1 when one fails (or, with --strict, when rules overlap),\n"
      "2 when the rules cannot be loaded.\n"
      "Example: bouncekit rules check rules/");

  t.list_ = rules->add_subcommand("list", "List the rules: id, reason, category, priority, file, literals");
  t.list_
      ->add_option("--rules", t.list_rules_dir_,
                   "List the *.toml rules of this directory instead of the built-in rules")
      ->check(CLI::ExistingDirectory);
  t.list_->add_option("--format", t.list_format_, "table, or jsonl (one JSON object per rule, with its patterns)")
      ->check(CLI::IsMember({"table", "jsonl"}))
      ->capture_default_str();
  t.list_->footer(
      "Rules are listed in load order (files sorted by name). When two rules match, the higher priority wins,\n"
      "then the one listed first. The category shown is the rule's own when it sets one (category = \"...\"),\n"
      "else the one the reason gives without a status code.\n"
      "Example: bouncekit rules list --format jsonl | jq -r 'select(.reason==\"userunknown\") | .id'");

  t.explain_ =
      app.add_subcommand("explain", "Classify messages and show, readably, which rules matched and why the winner won");
  t.explain_
      ->add_option("--rules", t.explain_rules_dir_,
                   "Use the *.toml rule files of this directory instead of the built-in rules")
      ->check(CLI::ExistingDirectory);
  t.explain_->add_option("paths", t.explain_paths_, "Files, directories or - (standard input)")->required();
  t.explain_->footer(
      "The same verdicts as 'classify --explain', printed for reading: per message its type and the reader\n"
      "that read it, per recipient every field, the rule that decided and why, and a table of every rule that\n"
      "matched (the winner marked *) with the text it matched.\n"
      "Exit status: 0 when every path was read, 1 when one could not be, 2 for bad rule files.\n"
      "Example: bouncekit explain corpus/rfc3464/postfix-user-unknown.eml");
  return tools;
}

void complete_help(CLI::App& app) {
  app.footer(
      "Run 'bouncekit COMMAND --help' for the options of each command.\n"
      "Output fields (SPEC section 3): per message source, type (bounce, complaint, auto-reply, not-bounce,\n"
      "unrecognized), format, original, error; per recipient address, action, status, reply_code, diagnostic,\n"
      "remote_mta, reporting_mta, smtp_command, stage, category (16 bounce categories), class (hard, soft,\n"
      "delayed, complaint, auto-reply, success, unknown), reason (Sisimai-compatible), rule, feedback_type,\n"
      "recommended_action.\n"
      "Examples:\n"
      "  bouncekit classify ~/Maildir/.Bounces | jq -r 'select(.type==\"bounce\") | .recipients[].address'\n"
      "  bouncekit classify --format summary bounces.mbox\n"
      "  bouncekit explain message.eml\n"
      "  bouncekit rules check my-rules/");
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    if (sub->get_name() != "classify" || !sub->get_footer().empty()) continue;
    sub->footer(
        "PATH is a file (.eml, or an mbox file, recognised by its 'From ' separator lines and read as a\n"
        "stream; its messages are named path#N), a directory (walked recursively, maildirs included; *.json,\n"
        "*.md, *.toml and dot files are skipped) or - for standard input.\n"
        "Formats: jsonl prints one JSON object per message, in input order; json one array; table one row\n"
        "per recipient; summary counts by type, class and category. --explain adds, per recipient, every\n"
        "rule that matched, the matched span and why the winner won ('bouncekit explain' prints the same\n"
        "for reading). One bad message never stops a batch: it gets a record with an error. Progress is\n"
        "shown on stderr when stderr is a terminal.\n"
        "Exit status: 0 when every path was read, 1 when a path could not be read (the run goes on),\n"
        "2 for usage errors and bad rule files.\n"
        "Examples:\n"
        "  bouncekit classify bounce.eml\n"
        "  bouncekit classify --jobs 4 --format summary /var/mail/bounces\n"
        "  cat message.eml | bouncekit classify --format table -");
  }
}

}  // namespace bouncekit::cli
