// Aho-Corasick over the rules' required literals: one pass over the (ASCII-lower-cased) text says which
// literals occur, so only the rules that can match are run (the FilteredRE2 idea).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bouncekit::detail {

class literal_scanner {
 public:
  // Literals are matched as given (callers lower-case them). Ids are their positions in `literals`.
  explicit literal_scanner(const std::vector<std::string>& literals = {});

  struct hit {
    std::size_t begin;  // offset of the match in the text, npos when none
    std::uint32_t literal;
  };

  // The leftmost occurrence of any literal in `text` (one pass, stopping as soon as nothing can start earlier).
  hit first(std::string_view text) const;

  // Calls found(id) for every literal occurring in `text` (an id may be reported more than once).
  template <typename F>
  void scan(std::string_view text, F&& found) const {
    std::uint32_t state = 0;
    for (char ch : text) {
      const auto c = static_cast<unsigned char>(ch);
      state = next(state, c);
      for (std::uint32_t o = nodes_[state].output; o != none; o = outputs_[o].next) found(outputs_[o].literal);
    }
  }

 private:
  static constexpr std::uint32_t none = 0xFFFFFFFFu;
  struct edge {
    unsigned char byte;
    std::uint32_t target;
  };
  struct node {
    std::uint32_t first_edge = 0;
    std::uint32_t edge_count = 0;
    std::uint32_t fail = 0;
    std::uint32_t output = none;  // head of a linked list in outputs_
  };
  struct output {
    std::uint32_t literal;
    std::uint32_t next;
  };
  std::uint32_t child(std::uint32_t state, unsigned char c) const noexcept;
  std::uint32_t next(std::uint32_t state, unsigned char c) const noexcept;

  std::vector<node> nodes_;
  std::vector<std::uint32_t> lengths_;  // literal id -> length
  std::vector<edge> edges_;
  std::vector<output> outputs_;
  std::uint32_t root_next_[256];
};

}  // namespace bouncekit::detail
