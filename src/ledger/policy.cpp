// ledger_policy: read and validate the policy TOML (ledger/policy.toml is the built-in default).
#include <fmt/format.h>
#include <toml++/toml.h>

#include <bouncekit/ledger.hpp>
#include <fstream>
#include <sstream>

#include "ledger/default_policy.hpp"
#include "ledger/names.hpp"
#include "ledger/time_text.hpp"

namespace bouncekit {

namespace {

std::string where(std::string_view source, const toml::node& node) {
  return fmt::format("{}:{}", source, node.source().begin.line);
}

const toml::table& table_of(const toml::node& node, std::string_view source, std::string_view key) {
  const toml::table* t = node.as_table();
  if (!t) throw ledger_error(fmt::format("{}: '{}' must be a table ([{}])", where(source, node), key, key));
  return *t;
}

std::string string_of(const toml::node& node, std::string_view source, std::string_view key) {
  const auto* s = node.as_string();
  if (!s) throw ledger_error(fmt::format("{}: '{}' must be a string", where(source, node), key));
  return s->get();
}

policy_action action_of(const toml::node& node, std::string_view source, std::string_view key) {
  const std::string name = string_of(node, source, key);
  const auto action = detail::policy_action_from(name);
  if (!action)
    throw ledger_error(fmt::format("{}: '{}' = \"{}\": unknown action (suppress, quarantine, count, reset, ignore)",
                                   where(source, node), key, name));
  return *action;
}

std::chrono::seconds duration_of(const toml::node& node, std::string_view source, std::string_view key) {
  const std::string text = string_of(node, source, key);
  const auto d = detail::parse_duration(text);
  if (!d)
    throw ledger_error(
        fmt::format("{}: '{}' = \"{}\": not a duration (e.g. \"7d\", \"36h\")", where(source, node), key, text));
  return *d;
}

int count_of(const toml::node& node, std::string_view source, std::string_view key, int minimum) {
  const auto* i = node.as_integer();
  if (!i || i->get() < minimum || i->get() > 1000000)
    throw ledger_error(fmt::format("{}: '{}' must be an integer from {}", where(source, node), key, minimum));
  return static_cast<int>(i->get());
}

[[noreturn]] void unknown_key(std::string_view source, const toml::node& node, std::string_view table,
                              std::string_view key) {
  throw ledger_error(fmt::format("{}: unknown key '{}' in [{}]", where(source, node), key, table));
}

// Applies every key of `doc` over `p`.
void apply(const toml::table& doc, std::string_view source, ledger_policy& p) {
  for (const auto& [key_name, node] : doc) {
    const std::string_view key = key_name.str();
    const toml::table& t = table_of(node, source, key);
    for (const auto& [sub_name, value] : t) {
      const std::string_view sub = sub_name.str();
      if (key == "class") {
        const auto cls = detail::bounce_class_from(sub);
        if (!cls)
          throw ledger_error(
              fmt::format("{}: unknown class '{}' (hard, soft, delayed, complaint, auto-reply, success, unknown)",
                          where(source, value), sub));
        p.by_class[*cls] = action_of(value, source, sub);
      } else if (key == "category") {
        const auto cat = detail::category_from(sub);
        if (!cat || *cat == category::success)
          throw ledger_error(fmt::format("{}: unknown category '{}'", where(source, value), sub));
        p.by_category[*cat] = action_of(value, source, sub);
      } else if (key == "soft") {
        if (sub == "threshold")
          p.soft_threshold = count_of(value, source, sub, 1);
        else if (sub == "window")
          p.soft_window = duration_of(value, source, sub);
        else
          unknown_key(source, value, key, sub);
      } else if (key == "quarantine") {
        if (sub == "period")
          p.quarantine_period = duration_of(value, source, sub);
        else if (sub == "max_times")
          p.max_quarantines = count_of(value, source, sub, 0);
        else
          unknown_key(source, value, key, sub);
      } else if (key == "sent") {
        if (sub == "time_to_respond")
          p.time_to_respond = duration_of(value, source, sub);
        else if (sub == "match_window")
          p.match_window = duration_of(value, source, sub);
        else
          unknown_key(source, value, key, sub);
      } else {
        throw ledger_error(
            fmt::format("{}: unknown table [{}] (class, category, soft, quarantine, sent)", where(source, node), key));
      }
    }
  }
}

ledger_policy parse_over(ledger_policy base, std::string_view text, std::string_view source) {
  toml::table doc;
  try {
    doc = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    throw ledger_error(fmt::format("{}:{}: {}", source, e.source().begin.line, e.description()));
  }
  apply(doc, source, base);
  return base;
}

}  // namespace

policy_action ledger_policy::action_for(bounce_class cls, std::optional<category> cat) const noexcept {
  if (cat && (cls == bounce_class::hard || cls == bounce_class::soft)) {
    if (const auto it = by_category.find(*cat); it != by_category.end()) return it->second;
  }
  if (const auto it = by_class.find(cls); it != by_class.end()) return it->second;
  return policy_action::ignore;
}

ledger_policy ledger_policy::defaults() {
  static const ledger_policy built_in = [] {
    ledger_policy p = parse_over(ledger_policy{}, detail::default_policy_toml(), "ledger/policy.toml");
    for (int i = 0; i <= static_cast<int>(bounce_class::unknown); ++i)
      if (!p.by_class.count(static_cast<bounce_class>(i)))
        throw ledger_error("ledger/policy.toml: [class] has no entry for " +
                           std::string(to_string(static_cast<bounce_class>(i))));
    return p;
  }();
  return built_in;
}

ledger_policy ledger_policy::parse(std::string_view toml_text, std::string_view source_name) {
  return parse_over(defaults(), toml_text, source_name);
}

ledger_policy ledger_policy::from_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ledger_error(fmt::format("{}: cannot be read", path.string()));
  std::ostringstream text;
  text << in.rdbuf();
  return parse(text.str(), path.string());
}

}  // namespace bouncekit
