#include "rules/pattern_literals.hpp"

#include "util/text.hpp"

#include <algorithm>

namespace bouncekit::detail {

namespace {

constexpr std::size_t max_strings = 32;  // an exact set larger than this is followed no further
constexpr std::size_t max_length = 64;
constexpr std::size_t unbounded = static_cast<std::size_t>(-1);

// What a piece of a pattern tells: every string it can match (exact), strings one of which occurs in any of
// its matches (factors), or nothing useful (none).
struct info {
  enum class kind { none, exact, factors };
  kind k = kind::none;
  std::vector<std::string> strings;

  static info exact(std::vector<std::string> s) { return {kind::exact, std::move(s)}; }
  static info factors(std::vector<std::string> s) {
    if (std::find(s.begin(), s.end(), std::string()) != s.end()) return {};  // "" occurs everywhere
    return {kind::factors, std::move(s)};
  }
  static info empty() { return exact({std::string()}); }  // a zero-width assertion
};

// How good a factor set is: the length of its shortest string (0 for none), then fewer strings.
bool better(const info& a, const info& b) {
  if (a.k == info::kind::none) return false;
  if (b.k == info::kind::none) return true;
  auto shortest = [](const info& i) {
    std::size_t n = max_length + 1;
    for (const auto& s : i.strings) n = std::min(n, s.size());
    return n;
  };
  const std::size_t sa = shortest(a), sb = shortest(b);
  return sa != sb ? sa > sb : a.strings.size() < b.strings.size();
}

class reader {
 public:
  // With `mark_non_ascii`, a non-ASCII character that matches no ASCII one stands in the strings as
  // non_ascii_mark.
  // With `keep_caseless_free`, a character that has no case beyond itself (has_no_case()) stands for itself.
  explicit reader(std::string_view pattern, bool mark_non_ascii = false, bool keep_caseless_free = false)
      : p_(pattern), mark_non_ascii_(mark_non_ascii), keep_caseless_free_(keep_caseless_free) {}

  // Sets of which every one has a string in any match: the strings of each factor the pattern's top-level
  // sequence needs, or one set for a pattern that is an alternation at the top.
  std::vector<info> read() {
    info i = alternation();
    if (failed_ || pos_ != p_.size() || i.k == info::kind::none) return {};
    if (top_alternatives_ > 1 || top_requirements_.empty()) return {std::move(i)};
    if (i.k == info::kind::exact) return {std::move(i)};  // the whole pattern is a set of exact strings
    return std::move(top_requirements_);
  }

 private:
  bool at_end() const { return pos_ >= p_.size(); }
  char peek(std::size_t ahead = 0) const { return pos_ + ahead < p_.size() ? p_[pos_ + ahead] : '\0'; }
  info fail() {
    failed_ = true;
    return {};
  }
  bool give_up() {
    failed_ = true;
    return false;
  }

  info alternation() {
    const bool top = depth_++ == 0;
    std::vector<info> alternatives{sequence()};
    while (!failed_ && peek() == '|') {
      ++pos_;
      alternatives.push_back(sequence());
    }
    --depth_;
    if (top) top_alternatives_ = alternatives.size();
    if (failed_) return {};
    if (alternatives.size() == 1) return std::move(alternatives.front());
    bool all_exact = true;
    std::vector<std::string> all;
    for (info& a : alternatives) {
      if (a.k == info::kind::none) return {};
      all_exact = all_exact && a.k == info::kind::exact;
      for (auto& s : a.strings)
        if (std::find(all.begin(), all.end(), s) == all.end()) all.push_back(std::move(s));
    }
    if (all_exact && all.size() <= max_strings) return info::exact(std::move(all));
    if (all.size() > 4 * max_strings) return {};
    return info::factors(std::move(all));
  }

  info sequence() {
    std::vector<std::string> current{std::string()};
    bool all_exact = true;
    info best;
    const bool top = depth_ == 1;
    auto consider = [&](info candidate) {
      if (candidate.k == info::kind::none) return;
      if (top) top_requirements_.push_back(candidate);
      if (better(candidate, best)) best = std::move(candidate);
    };
    auto flush = [&] {
      all_exact = false;
      consider(info::factors(current));
      current = {std::string()};
    };
    while (!at_end() && peek() != '|' && peek() != ')') {
      if (plain_character(current)) {  // what atom() would read as one string of one character: appended in place
        const char c = ascii_lower_char(p_[pos_++]);
        for (std::string& s : current) s += c;
        continue;
      }
      info a = atom();
      if (failed_) return {};
      std::size_t min = 1, max = 1;
      if (!quantifier(min, max)) return {};
      if (min == 0) {
        if (a.k == info::kind::exact && max == 1 && a.strings.size() < max_strings) {
          if (std::find(a.strings.begin(), a.strings.end(), std::string()) == a.strings.end())
            a.strings.emplace_back();
        } else {
          a = {};
        }
      } else if (max > 1 && a.k == info::kind::exact) {
        a = info::factors(std::move(a.strings));  // at least one repetition, each one of the strings
      }
      if (a.k == info::kind::exact && a.strings.size() == 1) {
        // the common case, one more character: appended in place, not by building every string anew
        const std::string& s = a.strings.front();
        const bool fits = current.size() <= max_strings &&
                          std::all_of(current.begin(), current.end(),
                                      [&](const std::string& c) { return c.size() + s.size() <= max_length; });
        if (fits) {
          for (std::string& c : current) c += s;
        } else {
          flush();
          current = std::move(a.strings);
        }
      } else if (a.k == info::kind::exact) {
        std::vector<std::string> product;
        bool fits = current.size() * a.strings.size() <= max_strings;
        for (std::size_t i = 0; fits && i < current.size(); ++i)
          for (const auto& s : a.strings) {
            if (current[i].size() + s.size() > max_length) {
              fits = false;
              break;
            }
            product.push_back(current[i] + s);
          }
        if (fits) {
          current = std::move(product);
        } else {
          flush();
          current = std::move(a.strings);
        }
      } else {
        flush();
        if (a.k == info::kind::factors) consider(std::move(a));
      }
    }
    if (all_exact) return info::exact(std::move(current));
    flush();
    return best;
  }

  // True when the next character is an ASCII one that stands for itself, with no quantifier after it, and one
  // more character fits every string being built.
  bool plain_character(const std::vector<std::string>& current) const {
    const char c = peek();
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x80) return false;
    if (std::string_view("()[]\\.^$|*+?{").find(c) != std::string_view::npos) return false;
    const char next = peek(1);
    if (next == '?' || next == '*' || next == '+' || next == '{') return false;
    return current.size() <= max_strings &&
           std::all_of(current.begin(), current.end(), [](const std::string& s) { return s.size() < max_length; });
  }

  // Reads a quantifier if one follows; false for one this reader does not follow.
  bool quantifier(std::size_t& min, std::size_t& max) {
    const char c = peek();
    if (c == '?') min = 0, max = 1, ++pos_;
    else if (c == '*') min = 0, max = unbounded, ++pos_;
    else if (c == '+') min = 1, max = unbounded, ++pos_;
    else if (c == '{') {
      std::size_t q = pos_ + 1;
      auto number = [&](std::size_t& out) {
        const std::size_t start = q;
        out = 0;
        while (q < p_.size() && is_digit(p_[q]) && q - start < 6) out = out * 10 + static_cast<std::size_t>(p_[q++] - '0');
        return q > start;
      };
      if (!number(min)) return give_up();
      max = min;
      if (q < p_.size() && p_[q] == ',') {
        ++q;
        if (!number(max)) max = unbounded;
      }
      if (q >= p_.size() || p_[q] != '}') return give_up();
      pos_ = q + 1;
    } else {
      return true;
    }
    if (peek() == '?' || peek() == '+') ++pos_;  // lazy or possessive: the same strings
    return true;
  }

  info atom() {
    const char c = peek();
    if (c == '(') return group();
    if (c == '[') return skip_class();
    if (c == '\\') return escape();
    if (c == '*' || c == '+' || c == '?' || c == '{') return fail();
    ++pos_;
    if (c == '.') return {};
    if (c == '^' || c == '$') return info::empty();
    if (static_cast<unsigned char>(c) >= 0x80) {  // one UTF-8 character: case folding beyond ASCII, not followed
      const std::size_t start = pos_ - 1;
      while (!at_end() && (static_cast<unsigned char>(peek()) & 0xC0) == 0x80) ++pos_;
      const std::string_view character = p_.substr(start, pos_ - start);
      if (mark_non_ascii_) return folds_to_ascii(character) ? info() : info::exact({std::string(1, non_ascii_mark)});
      if (keep_caseless_free_ && has_no_case(character)) return info::exact({std::string(character)});
      return {};
    }
    if (static_cast<unsigned char>(c) < 0x20) return {};
    return info::exact({std::string(1, ascii_lower_char(c))});
  }

  info group() {
    ++pos_;  // '('
    bool zero_width = false;
    if (peek() == '?') {
      const char k = peek(1);
      if (k == ':' || k == '>') {
        pos_ += 2;
      } else if (k == '=' || k == '!') {
        pos_ += 2;
        zero_width = true;
      } else if (k == '<' && (peek(2) == '=' || peek(2) == '!')) {
        pos_ += 3;
        zero_width = true;
      } else if (k == '<' || k == 'P' || k == '\'') {  // a named group
        const char close = k == '\'' ? '\'' : '>';
        const std::size_t end = p_.find(close, pos_ + 2 + (k == 'P' ? 1 : 0));
        if (end == std::string_view::npos) return fail();
        pos_ = end + 1;
      } else if (k == '#') {
        const std::size_t end = p_.find(')', pos_);
        if (end == std::string_view::npos) return fail();
        pos_ = end + 1;
        return info::empty();
      } else {
        // inline options: "(?i)" or "(?i:...)"; extended mode changes what spaces mean, so it ends the reading
        std::size_t q = pos_ + 1;
        while (q < p_.size() && (is_alpha(p_[q]) || p_[q] == '-' || p_[q] == '^')) {
          if (p_[q] == 'x') return fail();
          ++q;
        }
        if (q >= p_.size() || (p_[q] != ')' && p_[q] != ':')) return fail();
        pos_ = q + 1;
        if (p_[q] == ')') return info::empty();
      }
    }
    info inner = alternation();
    if (failed_ || peek() != ')') return fail();
    ++pos_;
    return zero_width ? info::empty() : inner;
  }

  info skip_class() {
    ++pos_;  // '['
    if (peek() == '^') ++pos_;
    if (peek() == ']') ++pos_;
    while (!at_end()) {
      const char c = peek();
      if (c == '\\') {
        pos_ += 2;
      } else if (c == '[' && peek(1) == ':') {
        const std::size_t end = p_.find(":]", pos_ + 2);
        if (end == std::string_view::npos) return fail();
        pos_ = end + 2;
      } else if (c == ']') {
        ++pos_;
        return {};
      } else {
        ++pos_;
      }
    }
    return fail();
  }

  info escape() {
    ++pos_;  // '\'
    if (at_end()) return fail();
    const char e = p_[pos_++];
    switch (e) {
      case 'b': case 'B': case 'A': case 'z': case 'Z': case 'G': case 'K': case 'E':
        return info::empty();
      case 's': case 'S': case 'd': case 'D': case 'w': case 'W': case 'h': case 'H': case 'v': case 'V':
      case 'R': case 'N': case 'X': case 'C': case 'n': case 't': case 'r': case 'f': case 'e': case 'a':
        return {};
      case 'x': case 'p': case 'P': case 'o':
        if (peek() == '{') {
          const std::size_t end = p_.find('}', pos_);
          if (end == std::string_view::npos) return fail();
          pos_ = end + 1;
        } else {
          pos_ += e == 'x' ? 2 : 1;
        }
        return {};
      case 'c':
        ++pos_;
        return {};
      default:
        break;
    }
    if (is_digit(e) || is_alpha(e)) return fail();  // back references and escapes this reader does not know
    if (static_cast<unsigned char>(e) >= 0x80) {
      while (!at_end() && (static_cast<unsigned char>(peek()) & 0xC0) == 0x80) ++pos_;
      return {};
    }
    return info::exact({std::string(1, ascii_lower_char(e))});
  }

  // True for the characters that match an ASCII letter caselessly: the Kelvin sign (k), the long s (s), and,
  // to be safe, the dotted and dotless i.
  static bool folds_to_ascii(std::string_view c) {
    return c == "\xE2\x84\xAA" || c == "\xC5\xBF" || c == "\xC4\xB0" || c == "\xC4\xB1";
  }

  // True for a character that caseless matching leaves alone, so that it matches only itself, byte for byte:
  // kana, CJK ideographs and Hangul syllables. A Japanese or Chinese rule's words then become strings the
  // prefilter looks for, as an English rule's do; letters of scripts with case (Cyrillic, Greek, accented Latin)
  // stay out, as their caseless spellings are many.
  static bool has_no_case(std::string_view c) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned>(static_cast<unsigned char>(c[i])); };
    if (c.size() != 3 || (byte(0) & 0xF0) != 0xE0 || (byte(1) & 0xC0) != 0x80 || (byte(2) & 0xC0) != 0x80)
      return false;
    const unsigned cp = ((byte(0) & 0x0Fu) << 12) | ((byte(1) & 0x3Fu) << 6) | (byte(2) & 0x3Fu);
    return (cp >= 0x3000 && cp <= 0x30FF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) ||
           (cp >= 0xAC00 && cp <= 0xD7A3);
  }

  std::string_view p_;
  bool mark_non_ascii_ = false;
  bool keep_caseless_free_ = false;
  std::size_t pos_ = 0;
  bool failed_ = false;
  int depth_ = 0;                      // alternations entered
  std::size_t top_alternatives_ = 0;   // alternatives of the pattern itself
  std::vector<info> top_requirements_;  // factor sets of the pattern's own sequence
};

}  // namespace

std::vector<std::vector<std::string>> required_literals(std::string_view pattern, std::size_t min_length,
                                                       bool with_caseless_free) {
  std::vector<std::vector<std::string>> out;
  for (info& set : reader(pattern, false, with_caseless_free).read()) {
    const bool usable = !set.strings.empty() && set.strings.size() <= max_strings &&
                        std::all_of(set.strings.begin(), set.strings.end(),
                                    [&](const std::string& s) { return s.size() >= min_length; });
    if (usable) out.push_back(std::move(set.strings));  // a set with a short string is left out, not the rest
  }
  return out;
}

byte_requirements required_bytes(std::string_view pattern) {
  byte_requirements out;
  for (const info& set : reader(pattern, true).read()) {
    if (set.strings.empty() || set.strings.size() > max_strings) continue;
    const bool all_marked = std::all_of(set.strings.begin(), set.strings.end(), [](const std::string& s) {
      return s.find(non_ascii_mark) != std::string::npos;
    });
    if (all_marked) out.non_ascii = true;
    // Letters are left out (a caseless letter has spellings beyond ASCII), and so is the mark: what remains
    // of each string are bytes that only themselves match.
    std::vector<std::string> alternatives;
    bool every_one_constrains = true;
    for (const std::string& s : set.strings) {
      std::string bytes;
      for (const char c : s)
        if (c != non_ascii_mark && !is_alpha(c) && bytes.find(c) == std::string::npos) bytes += c;
      if (bytes.empty()) {
        every_one_constrains = false;
        break;
      }
      if (std::find(alternatives.begin(), alternatives.end(), bytes) == alternatives.end())
        alternatives.push_back(std::move(bytes));
    }
    if (every_one_constrains && std::find(out.sets.begin(), out.sets.end(), alternatives) == out.sets.end())
      out.sets.push_back(std::move(alternatives));
  }
  return out;
}

}  // namespace bouncekit::detail
