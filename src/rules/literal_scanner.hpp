// Aho-Corasick over a set of literals, compiled to a dense automaton: one table lookup per byte of text, ASCII
// case folded on the way, so callers need not lower-case the text. The rules' prefilter uses it to say which
// rules can match (the FilteredRE2 idea); the text readers use it for their phrase lists.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bouncekit::detail {

class literal_scanner {
 public:
  // Ids are the literals' positions in `literals`. They are matched ASCII case-insensitively.
  explicit literal_scanner(const std::vector<std::string>& literals = {});
  literal_scanner(std::initializer_list<std::string_view> literals);

  struct hit {
    std::size_t begin;  // offset of the match in the text, npos when none
    std::uint32_t literal;
  };

  // The leftmost occurrence of any literal in `text` (one pass, stopping as soon as nothing can start earlier).
  // Of several starting there, the longest.
  hit first(std::string_view text) const;

  // True when any literal occurs in `text`.
  bool any(std::string_view text) const { return first(text).begin != std::string_view::npos; }

  // The smallest id of the literals occurring in `text`, or npos (for lists where the first entry wins).
  std::size_t lowest(std::string_view text) const;

  // Calls found(id) for every literal occurring in `text` (an id may be reported more than once).
  template <typename F>
  void scan(std::string_view text, F&& found) const {
    std::uint32_t row = 0;
    for (char ch : text) {
      row = delta_[(row & row_mask) + class_of_[static_cast<unsigned char>(ch)]];
      if (row & has_output) [[unlikely]]
        for (std::uint32_t o = output_[(row & row_mask) / classes_]; o != none; o = outputs_[o].next)
          found(outputs_[o].literal);
    }
  }

 private:
  static constexpr std::uint32_t none = 0xFFFFFFFFu;
  // delta_ holds the next state's row offset (state * classes_), with this bit set when it ends a literal
  static constexpr std::uint32_t has_output = 0x80000000u;
  static constexpr std::uint32_t row_mask = 0x7FFFFFFFu;
  struct output {
    std::uint32_t literal;
    std::uint32_t next;
  };
  void build(const std::vector<std::string>& literals);

  std::uint8_t class_of_[256] = {};    // byte -> column of delta_ (0: a byte no literal contains)
  std::uint32_t classes_ = 1;
  std::vector<std::uint32_t> delta_;   // row + class -> next row (see has_output), fail links folded in
  std::vector<std::uint32_t> output_;  // state -> head of its list in outputs_, or none
  std::vector<output> outputs_;
  std::vector<std::uint32_t> lengths_;  // literal id -> length
  std::size_t longest_ = 0;
};

}  // namespace bouncekit::detail
