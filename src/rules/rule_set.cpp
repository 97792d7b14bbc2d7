#include "rules/rule_set.hpp"

#include "mime/decode.hpp"
#include "rules/pattern_literals.hpp"
#include "rules/taxonomy.hpp"
#include "util/text.hpp"

#include <bouncekit/classifier.hpp>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <fmt/format.h>
#include <pcre2.h>
#include <toml++/toml.h>

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cstring>
#include <limits>
#include <map>
#include <mutex>
#include <set>

namespace bouncekit::detail {

namespace {

// UCP: \b, \w and \s follow Unicode, so rules in German, Russian or Japanese behave as their authors expect.
// No PCRE2_MATCH_INVALID_UTF: with JIT it makes \S, \W and \D fail on non-ASCII characters (PCRE2 10.42);
// subjects are made valid UTF-8 before matching instead.
constexpr std::uint32_t compile_options = PCRE2_CASELESS | PCRE2_UTF;
constexpr std::uint32_t match_limit = 200000;  // no rule may run away on a crafted diagnostic
constexpr std::uint32_t depth_limit = 2000;

// One PCRE2 match-data block per thread, reused across rules and messages.
struct thread_scratch {
  pcre2_match_data* data = pcre2_match_data_create(1, nullptr);
  ~thread_scratch() { pcre2_match_data_free(data); }
};

pcre2_match_data* scratch() {
  thread_local thread_scratch s;
  return s.data;
}

struct code_deleter {
  void operator()(pcre2_code* c) const noexcept { pcre2_code_free(c); }
};
using code_ptr = std::unique_ptr<pcre2_code, code_deleter>;

struct context_deleter {
  void operator()(pcre2_match_context* c) const noexcept { pcre2_match_context_free(c); }
};

pcre2_match_context* shared_context() {
  static std::unique_ptr<pcre2_match_context, context_deleter> ctx = [] {
    std::unique_ptr<pcre2_match_context, context_deleter> c(pcre2_match_context_create(nullptr));
    pcre2_set_match_limit(c.get(), match_limit);
    pcre2_set_depth_limit(c.get(), depth_limit);
    return c;
  }();
  return ctx.get();
}

// A compiled pattern. Its JIT code is made the first time it runs, not when the rules load: a corpus runs a
// few hundred of the rules' patterns, and JIT-compiling every one of them was 40% of the work of starting the
// CLI (0.1 s). With JIT code a pattern runs through pcre2_jit_match, which spares pcre2_match's checks of its
// arguments (the subjects are valid UTF-8 already) on the few thousand runs a corpus takes. Rule sets are
// shared by threads: the first run of a pattern makes its code under a lock, and later runs see the outcome
// through an atomic.
class regex {
 public:
  regex() = default;
  explicit regex(code_ptr code) : code_(std::move(code)) {}
  // (moved only while the rules load, before any thread runs them)
  regex(regex&& other) noexcept : code_(std::move(other.code_)), jit_(other.jit_.load(std::memory_order_relaxed)) {}
  regex& operator=(regex&& other) noexcept {
    code_ = std::move(other.code_);
    jit_.store(other.jit_.load(std::memory_order_relaxed), std::memory_order_relaxed);
    return *this;
  }
  explicit operator bool() const noexcept { return code_ != nullptr; }
  const pcre2_code* code() const noexcept { return code_.get(); }
  // True when the pattern has JIT code (made now if it has not run before); false when JIT is unavailable.
  bool jit() const {
    const jit_state state = jit_.load(std::memory_order_acquire);
    return (state == jit_state::untried ? make_jit() : state) == jit_state::made;
  }

 private:
  enum class jit_state : unsigned char { untried, made, unavailable };
  jit_state make_jit() const {
    static std::mutex making;
    const std::lock_guard<std::mutex> lock(making);
    jit_state state = jit_.load(std::memory_order_relaxed);
    if (state != jit_state::untried) return state;  // another thread made it while this one waited
    std::size_t size = 0;
    const bool made = pcre2_jit_compile(code_.get(), PCRE2_JIT_COMPLETE) == 0 &&
                      pcre2_pattern_info(code_.get(), PCRE2_INFO_JITSIZE, &size) == 0 && size > 0;
    state = made ? jit_state::made : jit_state::unavailable;
    jit_.store(state, std::memory_order_release);
    return state;
  }
  code_ptr code_;
  mutable std::atomic<jit_state> jit_{jit_state::untried};
};

// Compiles (the JIT code comes on first use: see regex); throws rule_error naming the offset of a syntax error.
regex compile(const std::string& pattern, const std::string& where) {
  int error = 0;
  PCRE2_SIZE offset = 0;
  code_ptr code(pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), compile_options, &error,
                              &offset, nullptr));
  if (!code) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(error, message, sizeof message);
    throw rule_error(fmt::format("{}: pattern '{}': {} at offset {}", where, pattern,
                                 reinterpret_cast<const char*>(message), offset));
  }
  return regex(std::move(code));
}

// Returns the match span, or nothing (no match, or a limit hit).
std::optional<std::pair<std::size_t, std::size_t>> run(const regex& r, std::string_view text) {
  pcre2_match_data* data = scratch();
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  // subjects are valid UTF-8 by construction (match() repairs them first): skip PCRE2's check on every call
  const int rc = r.jit() ? pcre2_jit_match(r.code(), subject, text.size(), 0, 0, data, shared_context())
                         : pcre2_match(r.code(), subject, text.size(), 0, PCRE2_NO_UTF_CHECK, data, shared_context());
  if (rc < 0) return std::nullopt;
  const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(data);
  return std::make_pair(static_cast<std::size_t>(ov[0]), static_cast<std::size_t>(ov[1]));
}

// A pattern written "^(?!.*A)(?!.*B).*?REST" means: REST somewhere, and neither A nor B anywhere. Compiled
// as written, PCRE2 walks the whole text once per guard and then tries REST at every offset. Split into REST
// and its guards, PCRE2 can jump to REST's first characters and the guards run only after REST matched. The
// verdicts are the same on one-line texts, and every text the rules read is one line (unfolded, joined).
struct guarded_pattern {
  std::string main;
  std::vector<std::string> guards;
};

// The index just past the group that opens at `open` ("("), or npos. Escapes and classes are skipped.
std::size_t group_end(std::string_view p, std::size_t open) {
  int depth = 0;
  for (std::size_t i = open; i < p.size(); ++i) {
    const char c = p[i];
    if (c == '\\') {
      ++i;
    } else if (c == '[') {
      std::size_t j = i + 1;
      if (j < p.size() && p[j] == '^') ++j;
      if (j < p.size() && p[j] == ']') ++j;
      for (; j < p.size() && p[j] != ']'; ++j)
        if (p[j] == '\\') ++j;
      i = j;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')' && --depth == 0) {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

std::optional<guarded_pattern> split_guards(std::string_view p) {
  constexpr std::string_view guard_open = "(?!.*";
  if (p.substr(0, 1 + guard_open.size()) != std::string("^") + std::string(guard_open)) return std::nullopt;
  guarded_pattern out;
  std::size_t pos = 1;
  while (p.substr(pos, guard_open.size()) == guard_open) {
    const std::size_t end = group_end(p, pos);
    if (end == std::string_view::npos) return std::nullopt;
    out.guards.emplace_back(p.substr(pos + guard_open.size(), end - 1 - pos - guard_open.size()));
    pos = end;
  }
  if (p.substr(pos, 3) != ".*?" || pos + 3 == p.size()) return std::nullopt;
  out.main = std::string(p.substr(pos + 3));
  return out;
}

// A status code or pattern of up to seven bytes as one number: its bytes, and its length in the top byte.
std::optional<std::uint64_t> packed_status(std::string_view code) noexcept {
  if (code.size() > 7) return std::nullopt;
  std::uint64_t key = std::uint64_t{code.size()} << 56;
  for (std::size_t i = 0; i < code.size(); ++i) key |= std::uint64_t{static_cast<unsigned char>(code[i])} << (8 * i);
  return key;
}

std::vector<std::string> string_list(const toml::node_view<const toml::node>& node, const std::string& where,
                                     std::string_view key) {
  std::vector<std::string> out;
  if (!node) return out;
  if (auto s = node.value<std::string>()) {
    out.push_back(*s);
    return out;
  }
  const toml::array* arr = node.as_array();
  if (!arr) throw rule_error(fmt::format("{}: '{}' must be a string or an array of strings", where, key));
  for (const toml::node& el : *arr) {
    auto s = el.value<std::string>();
    if (!s) throw rule_error(fmt::format("{}: '{}' must hold only strings", where, key));
    out.push_back(*s);
  }
  return out;
}

std::string where_of(const rule_source& src, const toml::node& node) {
  return fmt::format("{}:{}", src.name, node.source().begin.line);
}

}  // namespace

namespace {

struct guarded_code {
  regex main;
  std::vector<regex> guards;  // the pattern does not match a text in which any of these occurs
  // what each guard's matches contain: the offset of its gate in the rule set's gates_ (the pattern's own gate
  // is there too, among its rule's)
  std::vector<std::uint32_t> guard_gates;
  byte_requirements bytes;  // and the bytes it needs, which the literals leave out
};

// Which bytes a text holds, for the patterns' byte requirements: each byte looked for (by memchr) when a
// pattern first asks, and remembered for the text's other patterns. A pass over the whole text to gather all
// its bytes cost more than the few bytes ever asked about.
class text_bytes {
 public:
  explicit text_bytes(std::string_view text) : text_(text) {}

  bool has(char c) noexcept {
    const auto b = static_cast<unsigned char>(c);
    const std::uint64_t bit = std::uint64_t{1} << (b & 63);
    if (!(known_[b >> 6] & bit)) {
      known_[b >> 6] |= bit;
      if (std::memchr(text_.data(), c, text_.size()) != nullptr) present_[b >> 6] |= bit;
    }
    return (present_[b >> 6] & bit) != 0;
  }
  bool ascii() noexcept {
    if (ascii_ < 0) ascii_ = all_ascii(text_) ? 1 : 0;
    return ascii_ != 0;
  }
  // True when the text may hold a character that matches an ASCII letter caselessly (the Kelvin sign, the
  // long s, a dotted or dotless i): by their lead bytes.
  bool may_fold_to_ascii() noexcept { return !ascii() && (has('\xC4') || has('\xC5') || has('\xE2')); }

 private:
  static bool all_ascii(std::string_view text) noexcept {
    std::uint64_t high = 0;
    std::size_t i = 0;
    for (; i + 8 <= text.size(); i += 8) {
      std::uint64_t word;
      std::memcpy(&word, text.data() + i, 8);
      high |= word;
    }
    for (; i < text.size(); ++i) high |= static_cast<unsigned char>(text[i]);
    return (high & 0x8080808080808080u) == 0;
  }

  std::string_view text_;
  std::uint64_t known_[4] = {};
  std::uint64_t present_[4] = {};
  int ascii_ = -1;  // unknown until asked
};

// False when the text lacks a byte every match of the pattern needs.
bool has_bytes(const byte_requirements& need, text_bytes& text) {
  if (need.non_ascii && text.ascii()) return false;
  const auto all_present = [&](const std::string& bytes) {
    return std::all_of(bytes.begin(), bytes.end(), [&](char c) { return text.has(c); });
  };
  return std::all_of(need.sets.begin(), need.sets.end(), [&](const std::vector<std::string>& alternatives) {
    return std::any_of(alternatives.begin(), alternatives.end(), all_present);
  });
}

// Where the scanner saw a literal: the beginning of its first occurrence and of its last (a gate knows the
// literal's length). Offsets are kept in 32 bits, half the cache lines; a text too long for them is not ordered
// (see pass_gate).
struct occurrence {
  std::uint32_t first_begin;
  std::uint32_t last_begin;
};

enum class gate_verdict { pass, absent, out_of_order };

// Whether a pattern's strings occur (one of each group) and in the pattern's order, each after the one
// before it ends: the groups are its sequence's parts, left to right. The chain is followed on what is known
// of each literal, its first end and last beginning: `reached` is a lower bound on where the chain so far
// ends, so a group none of whose literals begins at or after it cannot follow.
// True when each of a gate's groups has a literal in the text: the question most candidates' gates fail on, in
// a loop small enough to inline, before pass_gate follows the order.
bool gate_present(const std::uint32_t* gate, const unsigned char* seen) {
  ++gate;  // its size
  const std::uint32_t groups = *gate++;
  for (std::uint32_t g = 0; g < groups; ++g) {
    const std::uint32_t count = *gate++;
    const std::uint32_t* const end = gate + 2 * std::size_t{count};
    bool present = false;
    for (; gate != end; gate += 2) present |= seen[*gate] != 0;
    if (!present) return false;
  }
  return true;
}

// `gate` is the start of a gate's run in the rule set's gates_. With `ordered` false (a text whose offsets do
// not fit in 32 bits) only presence counts.
gate_verdict pass_gate(const std::uint32_t* gate, const unsigned char* seen, const occurrence* where, bool ordered) {
  gate_verdict verdict = gate_verdict::pass;
  std::size_t reached = 0;
  ++gate;  // its size
  const std::uint32_t groups = *gate++;
  for (std::uint32_t g = 0; g < groups; ++g) {
    const std::uint32_t count = *gate++;
    const std::uint32_t* const end = gate + 2 * std::size_t{count};
    std::size_t next = std::string_view::npos;
    bool present = false;
    for (; gate != end; gate += 2) {
      const std::uint32_t l = gate[0];
      if (!seen[l]) continue;
      present = true;
      if (where[l].last_begin < reached) continue;
      next = std::min(next, std::max(std::size_t{where[l].first_begin}, reached) + gate[1]);
    }
    if (!present) return gate_verdict::absent;
    if (next == std::string_view::npos) verdict = gate_verdict::out_of_order;
    else reached = next;
  }
  return ordered || verdict == gate_verdict::pass ? verdict : gate_verdict::pass;
}

// Runs the main pattern, then the guards that `may_occur` (called with a guard's gate) does not rule out.
template <typename F>
std::optional<std::pair<std::size_t, std::size_t>> run(const guarded_code& p, std::string_view text, F&& may_occur) {
  auto span = run(p.main, text);
  if (!span) return span;
  for (std::size_t g = 0; g < p.guards.size(); ++g)
    if (may_occur(g) && run(p.guards[g], text)) return std::nullopt;
  return span;
}

std::optional<std::pair<std::size_t, std::size_t>> run(const guarded_code& p, std::string_view text) {
  return run(p, text, [](std::size_t) { return true; });
}

}  // namespace

struct rule_set::compiled {
  std::vector<guarded_code> patterns;
  regex status_condition;
};

rule_set::~rule_set() = default;

std::shared_ptr<const rule_set> rule_set::load(const std::vector<rule_source>& sources) {
  std::shared_ptr<rule_set> set(new rule_set());
  std::set<std::string> ids;
  std::vector<std::string> literals;
  std::map<std::string, std::uint32_t> literal_ids;
  std::vector<std::vector<std::uint32_t>> literal_rules;  // literal id -> rule indices
  // The strings every match of a pattern contains, as groups of (literal id in the scanner, length).
  using gate = std::vector<std::vector<std::pair<std::uint32_t, std::uint32_t>>>;
  const auto gate_of = [&](std::string_view pattern) {
    gate out;
    for (const auto& group : required_literals(pattern, 3, true)) {
      out.emplace_back();
      for (const std::string& l : group) {
        auto [it, inserted] = literal_ids.emplace(l, static_cast<std::uint32_t>(literals.size()));
        if (inserted) {
          literals.push_back(l);
          literal_rules.emplace_back();  // a pattern's own literal: it names no rule
        }
        out.back().emplace_back(it->second, static_cast<std::uint32_t>(l.size()));
      }
    }
    return out;
  };
  // Appends a gate to gates_ (see there), returning its offset.
  const auto append_gate = [&](const gate& g) {
    const auto offset = static_cast<std::uint32_t>(set->gates_.size());
    set->gates_.push_back(0);
    set->gates_.push_back(static_cast<std::uint32_t>(g.size()));
    for (const auto& group : g) {
      set->gates_.push_back(static_cast<std::uint32_t>(group.size()));
      for (const auto& [literal, length] : group) {
        set->gates_.push_back(literal);
        set->gates_.push_back(length);
      }
    }
    set->gates_[offset] = static_cast<std::uint32_t>(set->gates_.size() - offset);
    return offset;
  };
  for (const rule_source& src : sources) {
    toml::table doc;
    try {
      doc = toml::parse(src.text, src.name);
    } catch (const toml::parse_error& e) {
      throw rule_error(fmt::format("{}:{}: {}", src.name, e.source().begin.line, e.description()));
    }
    for (const auto& [key, value] : doc) {
      if (key != "rule" && key != "status" && key != "reply" && key != "infer" && key != "action")
        throw rule_error(fmt::format("{}: unknown table '{}' (expected rule, status, reply, infer or action)", src.name,
                                     std::string_view(key)));
      if (!value.is_array_of_tables())
        throw rule_error(fmt::format("{}: '{}' must be an array of tables ([[{}]])", src.name, std::string_view(key),
                                     std::string_view(key)));
    }
    if (const toml::array* rules = doc["rule"].as_array()) {
      for (const toml::node& node : *rules) {
        const toml::table& t = *node.as_table();
        const std::string at = where_of(src, node);
        rule_info info;
        info.file = src.name;
        info.id = t["id"].value_or(std::string());
        if (info.id.empty()) throw rule_error(fmt::format("{}: rule without an id", at));
        const std::string where = fmt::format("{}: rule '{}'", at, info.id);
        if (!ids.insert(info.id).second) throw rule_error(fmt::format("{}: duplicate id", where));
        info.reason = t["reason"].value_or(std::string());
        if (!is_known_reason(info.reason))
          throw rule_error(fmt::format("{}: unknown reason '{}'", where, info.reason));
        info.priority = static_cast<int>(t["priority"].value_or(int64_t{50}));
        if (info.priority < 0 || info.priority > 100) throw rule_error(fmt::format("{}: priority must be 0..100", where));
        info.patterns = string_list(t["patterns"], where, "patterns");
        for (auto& p : string_list(t["pattern"], where, "pattern")) info.patterns.push_back(std::move(p));
        if (info.patterns.empty()) throw rule_error(fmt::format("{}: no pattern", where));
        info.literals = string_list(t["literals"], where, "literals");
        if (info.literals.empty()) throw rule_error(fmt::format("{}: no literals (the prefilter needs one)", where));
        for (auto& l : info.literals) {
          l = ascii_lower(l);
          if (l.empty()) throw rule_error(fmt::format("{}: empty literal", where));
        }
        info.examples = string_list(t["examples"], where, "examples");
        if (info.examples.empty()) throw rule_error(fmt::format("{}: no examples", where));
        info.not_examples = string_list(t["not_examples"], where, "not_examples");
        info.status_condition = t["status"].value_or(std::string());
        if (const auto cat = t["category"]) {
          const std::string name = cat.value_or(std::string());
          info.fixed_category = category_named(name);
          if (!info.fixed_category || *info.fixed_category == category::success)
            throw rule_error(fmt::format("{}: unknown category '{}' (expected one of the 16 bounce categories)", where, name));
        }
        info.hosts = string_list(t["hosts"], where, "hosts");
        for (auto& h : info.hosts) {
          h = ascii_lower(trim(h));
          while (!h.empty() && h.front() == '.') h.erase(0, 1);
          if (h.find('.') == std::string::npos || h.find_first_of(" \t@/") != std::string::npos)
            throw rule_error(fmt::format("{}: hosts must be domain names (\"example.com\"), not '{}'", where, h));
        }
        for (const auto& [key, value] : t) {
          static const std::set<std::string_view> known = {"id",       "reason",   "priority",     "patterns",
                                                            "pattern",  "literals", "examples",     "not_examples",
                                                            "status",   "note",     "category",     "hosts"};
          if (!known.count(std::string_view(key)))
            throw rule_error(fmt::format("{}: unknown key '{}'", where, std::string_view(key)));
        }
        auto c = std::make_unique<compiled>();
        rule_head head;
        head.pattern_count = static_cast<std::uint32_t>(info.patterns.size());
        if (!info.status_condition.empty()) head.flags |= rule_head::has_status_condition;
        if (!info.hosts.empty()) head.flags |= rule_head::has_hosts;
        std::vector<gate> pattern_gates;
        std::vector<std::vector<gate>> guard_gates;
        for (const auto& p : info.patterns) {
          guarded_code cp;
          guard_gates.emplace_back();
          if (auto split = split_guards(p)) {
            compile(p, where);  // as written first: its errors name the rule file's own offsets
            cp.main = compile(split->main, where);
            for (const auto& g : split->guards) {
              cp.guards.push_back(compile(g, where));
              guard_gates.back().push_back(gate_of(g));
            }
          } else {
            cp.main = compile(p, where);
          }
          pattern_gates.push_back(gate_of(p));
          cp.bytes = required_bytes(p);
          c->patterns.push_back(std::move(cp));
        }
        // the rule's head and pattern gates one after another, so that match() walks them in one run
        set->rule_heads_.push_back(static_cast<std::uint32_t>(set->gates_.size()));
        set->gates_.push_back(head.pattern_count);
        set->gates_.push_back(head.flags);
        for (const gate& g : pattern_gates) append_gate(g);
        for (std::size_t k = 0; k < c->patterns.size(); ++k)
          for (const gate& g : guard_gates[k]) c->patterns[k].guard_gates.push_back(append_gate(g));
        if (!info.status_condition.empty()) c->status_condition = compile(info.status_condition, where + " status");
        const auto index = static_cast<std::uint32_t>(set->info_.size());
        for (const auto& l : info.literals) {
          auto [it, inserted] = literal_ids.emplace(l, static_cast<std::uint32_t>(literals.size()));
          if (inserted) {
            literals.push_back(l);
            literal_rules.emplace_back();
          }
          auto& list = literal_rules[it->second];
          if (list.empty() || list.back() != index) list.push_back(index);
        }
        set->index_of_.emplace(info.id, set->info_.size());
        if (info.fixed_category) set->fixed_categories_.emplace_back(info.id, *info.fixed_category);
        set->info_.push_back(std::move(info));
        set->compiled_.push_back(std::move(c));
      }
    }
    if (const toml::array* statuses = doc["status"].as_array()) {
      for (const toml::node& node : *statuses) {
        const toml::table& t = *node.as_table();
        status_entry e{t["code"].value_or(std::string()), t["reason"].value_or(std::string())};
        if (e.code.empty() || !is_known_reason(e.reason))
          throw rule_error(fmt::format("{}: status entry needs a code and a known reason", where_of(src, node)));
        set->reason_by_status_.emplace(std::move(e.code), std::move(e.reason));  // the first entry for a code wins
      }
    }
    if (const toml::array* replies = doc["reply"].as_array()) {
      for (const toml::node& node : *replies) {
        const toml::table& t = *node.as_table();
        status_entry e{t["code"].value_or(std::string()), t["reason"].value_or(std::string())};
        if (e.code.size() != 3 || !is_digit(e.code[0]) || !is_digit(e.code[1]) || !is_digit(e.code[2]) ||
            !is_known_reason(e.reason))
          throw rule_error(fmt::format("{}: reply entry needs a three-digit code and a known reason", where_of(src, node)));
        set->reply_table_.push_back(std::move(e));
      }
    }
    if (const toml::array* infers = doc["infer"].as_array()) {
      for (const toml::node& node : *infers) {
        const toml::table& t = *node.as_table();
        inferred_status e{t["reason"].value_or(std::string()), t["permanent"].value_or(std::string()),
                          t["temporary"].value_or(std::string())};
        if (!is_known_reason(e.reason))
          throw rule_error(fmt::format("{}: infer entry with unknown reason '{}'", where_of(src, node), e.reason));
        set->inferred_.push_back(std::move(e));
      }
    }
    if (const toml::array* actions = doc["action"].as_array()) {
      for (const toml::node& node : *actions) {
        const toml::table& t = *node.as_table();
        action_entry e{t["category"].value_or(std::string()), t["class"].value_or(std::string()),
                       t["text"].value_or(std::string())};
        if (e.text.empty()) throw rule_error(fmt::format("{}: action without text", where_of(src, node)));
        set->actions_.push_back(std::move(e));
      }
    }
  }
  set->scanner_ = literal_scanner(literals);
  set->literal_count_ = static_cast<std::uint32_t>(literals.size());
  for (const auto& rules : literal_rules) {
    set->literal_rules_begin_.push_back(static_cast<std::uint32_t>(set->literal_rules_.size()));
    set->literal_rules_.insert(set->literal_rules_.end(), rules.begin(), rules.end());
  }
  set->literal_rules_begin_.push_back(static_cast<std::uint32_t>(set->literal_rules_.size()));
  for (const auto& [code, reason] : set->reason_by_status_)
    if (const auto key = packed_status(code)) set->reason_by_short_status_.emplace(*key, reason);
  for (std::size_t k = 0; k < category_count; ++k)
    for (std::size_t c = 0; c < class_count; ++c)
      set->action_index_[k][c] = set->best_action(
          k + 1 < category_count ? std::optional<category>(static_cast<category>(k)) : std::nullopt,
          static_cast<bounce_class>(c));
  return set;
}

namespace {

// True when `host` is `domain` or a host under it ("server-7.tower-3.messagelabs.com" under "messagelabs.com").
bool host_under(std::string_view host, std::string_view domain) {
  while (!host.empty() && host.back() == '.') host.remove_suffix(1);
  if (host.size() < domain.size()) return false;
  const std::string_view tail = host.substr(host.size() - domain.size());
  return iequals(tail, domain) && (host.size() == domain.size() || host[host.size() - domain.size() - 1] == '.');
}

}  // namespace

std::vector<rule_match> rule_set::match(std::string_view text, std::string_view status, bool use_prefilter) const {
  static const std::vector<std::string> no_hosts;
  return match(text, status, no_hosts, use_prefilter);
}

std::vector<rule_match> rule_set::match(std::string_view text, std::string_view status,
                                        const std::vector<std::string>& hosts, bool use_prefilter) const {
  const std::vector<std::string_view> views(hosts.begin(), hosts.end());
  return match(text, status, std::span<const std::string_view>(views), use_prefilter);
}

std::vector<rule_match> rule_set::match(std::string_view text, std::string_view status,
                                        std::span<const std::string_view> hosts, bool use_prefilter) const {
  if (text.empty() || info_.empty()) return {};
  if (is_valid_utf8(text)) return match_checked(text, status, hosts, use_prefilter);
  const std::string repaired = sanitize_utf8(text);
  return match_checked(repaired, status, hosts, use_prefilter);
}

std::vector<rule_match> rule_set::match_valid_utf8(std::string_view text, std::string_view status,
                                                   std::span<const std::string_view> hosts) const {
  assert(is_valid_utf8(text));
  return match_checked(text, status, hosts, true);
}

bool rule_set::conditions_met(std::uint32_t r, const rule_head& head, std::string_view status,
                              std::span<const std::string_view> hosts) const {
  if (head.flags & rule_head::has_status_condition) {
    const regex& condition = compiled_[r]->status_condition;
    if (status.empty() || !run(condition, status)) return false;
  }
  if (!(head.flags & rule_head::has_hosts)) return true;
  const std::vector<std::string>& domains = info_[r].hosts;
  const auto reported_by = [&](std::string_view h) {
    return std::any_of(domains.begin(), domains.end(), [&](const std::string& d) { return host_under(h, d); });
  };
  return std::any_of(hosts.begin(), hosts.end(), reported_by);
}

std::vector<rule_match> rule_set::match_checked(std::string_view text, std::string_view status,
                                                std::span<const std::string_view> hosts, bool use_prefilter) const {
  std::vector<rule_match> out;
  if (text.empty() || info_.empty()) return out;
  // One scan says which literals occur: the rules' (which rules can match) and the patterns' own (which of a
  // candidate rule's patterns can). The per-thread tables are cleared again before returning.
  thread_local std::vector<unsigned char> rule_seen, literal_seen;
  thread_local std::vector<std::uint32_t> literals_found;
  // Room for every rule, of which the first candidate_count are this text's: filled without push_back's checks.
  thread_local std::vector<std::uint32_t> candidates;
  thread_local std::vector<occurrence> where;  // of the literals seen
  if (candidates.size() < info_.size()) candidates.resize(info_.size());
  std::size_t candidate_count = 0;
  if (use_prefilter) {
    if (rule_seen.size() < info_.size()) rule_seen.resize(info_.size());
    if (literal_seen.size() < literal_count_) {
      literal_seen.resize(literal_count_);
      where.resize(literal_count_);
    }
    literals_found.clear();
  }
  struct clear_on_exit {  // even when an allocation below throws, the next call starts clean
    bool active;
    const std::size_t& rules;  // the first candidates
    ~clear_on_exit() {
      if (!active) return;
      for (std::uint32_t l : literals_found) literal_seen[l] = 0;
      for (std::size_t i = 0; i < rules; ++i) rule_seen[candidates[i]] = 0;
    }
  } clear{use_prefilter, candidate_count};
  if (use_prefilter) {
    scanner_.scan_at(text, [&](std::uint32_t literal, std::size_t begin) {  // the scanner folds ASCII case itself
      const auto first = static_cast<std::uint32_t>(begin);
      if (literal_seen[literal]) {
        occurrence& o = where[literal];
        o.first_begin = std::min(o.first_begin, first);
        o.last_begin = std::max(o.last_begin, first);
        return;
      }
      literal_seen[literal] = 1;
      where[literal] = {first, first};
      literals_found.push_back(literal);
    });
    // The candidates are gathered after the scan, not in its callback, which runs in the scanner's hot loop and
    // is kept small there.
    for (const std::uint32_t literal : literals_found) {
      const std::uint32_t* const rules_end = literal_rules_.data() + literal_rules_begin_[literal + 1];
      for (const std::uint32_t* r = literal_rules_.data() + literal_rules_begin_[literal]; r != rules_end; ++r)
        if (!rule_seen[*r]) rule_seen[*r] = 1, candidates[candidate_count++] = *r;
    }
    std::sort(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(candidate_count));
  } else {
    for (std::uint32_t i = 0; i < info_.size(); ++i) candidates[i] = i;
    candidate_count = info_.size();
  }
  // Offsets past 32 bits do not fit in `where`: such a text's strings count as in order wherever they are.
  const bool ordered = text.size() < std::numeric_limits<std::uint32_t>::max();
  const unsigned char* const seen = literal_seen.data();
  const occurrence* const at = where.data();
  text_bytes bytes(text);
  for (const std::uint32_t r : std::span<const std::uint32_t>(candidates.data(), candidate_count)) {
    const std::uint32_t* const head_at = gates_.data() + rule_heads_[r];
    const rule_head head{head_at[0], head_at[1]};
    // The rule's own conditions are asked once one of its patterns passes its gate, which most candidates fail:
    // they are all required, so the order does not change the outcome. -1: not asked yet.
    int conditions_hold = -1;
    const std::uint32_t* next_gate = head_at + 2;
    for (std::uint32_t k = 0; k < head.pattern_count; ++k) {
      const std::uint32_t* const pattern_gate = next_gate;
      next_gate += *pattern_gate;
      if (use_prefilter) {
        if (!gate_present(pattern_gate, seen)) continue;  // a string this pattern needs is not in the text
        const gate_verdict gate = pass_gate(pattern_gate, seen, at, ordered);
        // The scanner folds ASCII case only: out of order, the strings may still occur in an order it does not
        // see, spelt with a Kelvin sign or a long s, which the text's bytes rule out.
        if (gate == gate_verdict::out_of_order && !bytes.may_fold_to_ascii()) continue;
      }
      if (conditions_hold < 0) conditions_hold = conditions_met(r, head, status, hosts) ? 1 : 0;
      if (conditions_hold == 0) break;
      const guarded_code& p = compiled_[r]->patterns[k];
      if (use_prefilter && !has_bytes(p.bytes, bytes)) continue;
      // A guard (a pattern's "nowhere A") need not run where its own strings are missing or out of order, unless
      // the text may spell them in ways the scanner does not see: a guard run skipped wrongly would add a match.
      const auto may_occur = [&](std::size_t g) {
        return !use_prefilter ||
               pass_gate(gates_.data() + p.guard_gates[g], seen, at, ordered) == gate_verdict::pass ||
               bytes.may_fold_to_ascii();
      };
      if (auto span = run(p, text, may_occur)) {
        const rule_info& info = info_[r];
        if (out.empty()) out.reserve(2);  // over a quarter of the texts a rule matches match a second one
        out.push_back({info.id, info.reason, info.priority, std::string(text.substr(span->first, span->second - span->first)),
                       span->first, span->second});
        break;
      }
    }
  }
  // best first, rules of equal priority in load order; a text matches a few rules, and for a few an insertion
  // sort saves std::stable_sort's buffer
  const auto better = [](const rule_match& a, const rule_match& b) { return a.priority > b.priority; };
  if (out.size() > 16) {
    std::stable_sort(out.begin(), out.end(), better);
  } else {
    for (std::size_t i = 1; i < out.size(); ++i)
      for (std::size_t j = i; j > 0 && better(out[j], out[j - 1]); --j) std::swap(out[j - 1], out[j]);
  }
  return out;
}

const rule_info* rule_set::find(std::string_view id) const noexcept {
  const auto it = index_of_.find(id);
  return it == index_of_.end() ? nullptr : &info_[it->second];
}

std::optional<category> rule_set::fixed_category_of(std::string_view id) const noexcept {
  for (const auto& [rule, cat] : fixed_categories_)
    if (rule == id) return cat;
  return std::nullopt;
}

bool rule_set::pattern_matches(std::size_t index, std::string_view text) const {
  const std::string valid = sanitize_utf8(text);
  for (const auto& p : compiled_.at(index)->patterns)
    if (run(p, valid)) return true;
  return false;
}

bool rule_set::literal_present(std::size_t index, std::string_view text) const {
  const std::string lowered = ascii_lower(text);
  for (const auto& l : info_.at(index).literals)
    if (lowered.find(l) != std::string::npos) return true;
  return false;
}

std::string rule_set::reason_for_status(std::string_view status) const {
  return std::string(status_reason(status));
}

std::string_view rule_set::status_reason(std::string_view status) const {
  if (status.size() < 5) return {};
  // the code up to its last dot, then "x" (no dot: "x" alone, as the string's resize to npos + 1 made it)
  const std::size_t kept = status.rfind('.') + 1;
  const auto code = packed_status(status);
  if (code && kept + 1 <= 7) {
    // A code of up to seven bytes (nearly all): its four keys are made from its packed number, not a string.
    const auto find = [&](std::uint64_t key) -> const std::string_view* {
      const auto it = reason_by_short_status_.find(key);
      return it == reason_by_short_status_.end() ? nullptr : &it->second;
    };
    constexpr std::uint64_t low_byte = 0xFF;
    const auto class_x = [&](std::uint64_t key) { return (key & ~low_byte) | std::uint64_t{'x'}; };
    std::uint64_t detail_x = std::uint64_t{kept + 1} << 56 | std::uint64_t{'x'} << (8 * kept);
    for (std::size_t i = 0; i < kept; ++i) detail_x |= std::uint64_t{static_cast<unsigned char>(status[i])} << (8 * i);
    for (const std::uint64_t key : {*code, class_x(*code), detail_x, class_x(detail_x)})
      if (const std::string_view* reason = find(key)) return *reason;
    return {};
  }
  // the code itself, then "x" for its class, for its detail, and for both (the keys live in one buffer)
  std::string key(status);
  const std::size_t last_dot = key.rfind('.');
  const auto find = [&]() -> std::optional<std::string_view> {
    if (const auto packed = packed_status(key)) {
      const auto it = reason_by_short_status_.find(*packed);
      if (it == reason_by_short_status_.end()) return std::nullopt;
      return it->second;
    }
    const auto it = reason_by_status_.find(key);
    if (it == reason_by_status_.end()) return std::nullopt;
    return std::string_view(it->second);
  };
  std::optional<std::string_view> reason = find();
  if (!reason) {
    key[0] = 'x';
    reason = find();
  }
  if (!reason) {
    key[0] = status[0];
    key.resize(last_dot + 1);
    key += 'x';
    reason = find();
  }
  if (!reason) {
    key[0] = 'x';
    reason = find();
  }
  return reason.value_or(std::string_view());
}

std::string rule_set::reason_for_reply(std::string_view reply_code) const {
  for (const status_entry& e : reply_table_)
    if (e.code == reply_code) return e.reason;
  return {};
}

std::string rule_set::status_for_reason(std::string_view reason, bool temporary) const {
  for (const inferred_status& e : inferred_)
    if (same_reason(e.reason, reason)) return temporary && !e.temporary.empty() ? e.temporary : e.permanent;
  return {};
}

std::string rule_set::action_for(std::optional<category> cat, bounce_class cls) const {
  const auto k = cat ? static_cast<std::size_t>(*cat) : category_count - 1;
  const auto c = static_cast<std::size_t>(cls);
  const bool tabled = (cat ? k + 1 < category_count : true) && c < class_count;
  const int best = tabled ? action_index_[k][c] : best_action(cat, cls);
  return best < 0 ? std::string() : actions_[static_cast<std::size_t>(best)].text;
}

int rule_set::best_action(std::optional<category> cat, bounce_class cls) const {
  const std::string_view cat_name = cat ? to_string(*cat) : std::string_view();
  const std::string_view cls_name = to_string(cls);
  int best = -1;
  int best_score = -1;
  for (std::size_t i = 0; i < actions_.size(); ++i) {
    const action_entry& e = actions_[i];
    if (!e.category.empty() && e.category != cat_name) continue;
    if (!e.cls.empty() && e.cls != cls_name) continue;
    const int score = (e.category.empty() ? 0 : 2) + (e.cls.empty() ? 0 : 1);
    if (score > best_score) best = static_cast<int>(i), best_score = score;
  }
  return best;
}

}  // namespace bouncekit::detail
