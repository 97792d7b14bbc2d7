// Aho-Corasick over a set of literals, compiled to a dense automaton: one table lookup per byte of text, ASCII
// case folded on the way, so callers need not lower-case the text. The rules' prefilter uses it to say which
// rules can match (the FilteredRE2 idea); the text readers use it for their phrase lists.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
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

  // The length of literal `literal` (an id from a hit).
  std::size_t length(std::uint32_t literal) const { return lengths_[literal]; }

  // True when any literal occurs in `text`.
  bool any(std::string_view text) const { return first(text).begin != std::string_view::npos; }

  // The smallest id of the literals occurring in `text`, or npos (for lists where the first entry wins).
  std::size_t lowest(std::string_view text) const;

  // Calls found(id, begin) for every occurrence of a literal in `text`, `begin` being its offset (an
  // occurrence may be reported more than once, in any order).
  template <typename F>
  void scan_at(std::string_view text, F&& found) const {
    const auto* const start = reinterpret_cast<const unsigned char*>(text.data());
    auto each = [&](std::uint32_t literal, const unsigned char* end) {
      found(literal, static_cast<std::size_t>(end - start) - lengths_[literal]);
    };
    hits(text, each);
  }

  // Calls found(id) for every literal occurring in `text` (an id may be reported more than once, in any
  // order).
  template <typename F>
  void scan(std::string_view text, F&& found) const {
    auto each = [&](std::uint32_t literal, const unsigned char*) { found(literal); };
    hits(text, each);
  }

 private:
  static constexpr std::uint32_t none = 0xFFFFFFFFu;
  // A state is named by its row: the offset of its transitions from delta_, negative exactly for the
  // states that end a literal. The walk then tests a sign (of all lanes at once: of their rows or-ed) and
  // indexes the table with the row as it is, where a flag bit would cost a mask per byte and lane.
  using row_t = std::ptrdiff_t;
  struct output {
    std::uint32_t literal;
    std::uint32_t next;
  };
  void build(const std::vector<std::string>& literals);

  // Calls found(id, end) for every occurrence (end: just past its last byte), by one walk or by lanes.
  template <typename F>
  void hits(std::string_view text, F& found) const {
    if (longest_ == 0) return;  // no literals
    const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    // lanes pay off once the overlaps (longest-1 bytes each) are small beside the text
    if (n >= 2048 && n >= 16 * longest_) lanes<8>(bytes, n, found);
    else if (n >= 256 && n >= 8 * longest_) lanes<4>(bytes, n, found);
    else if (n >= split_above_) split<4>(bytes, n, found);
    else walk(bytes, bytes + n, found);
  }

  // Lanes for a text too short for overlaps of longest-1 bytes (a diagnostic of a hundred bytes, against
  // literals of fifty): each lane starts its stretch in the start state, and the lane before it walks on past
  // the stretch's end until no match in progress began before it, that is until its state (the longest text
  // suffix that begins a literal) is no deeper than the bytes it walked past. That takes a few bytes, mostly.
  // The walks overlap their cache misses, which a large automaton has on most bytes.
  template <std::size_t count, typename F>
  void split(const unsigned char* bytes, std::size_t n, F& found) const {
    const std::size_t stretch = (n + count - 1) / count;
    const unsigned char* at[count];
    const unsigned char* stop[count];
    for (std::size_t k = 0; k < count; ++k) {
      at[k] = bytes + std::min(n, k * stretch);
      stop[k] = bytes + std::min(n, (k + 1) * stretch);
    }
    const auto steps = static_cast<std::size_t>(stop[count - 1] - at[count - 1]);  // (the last is the shortest)
    const std::int32_t* const delta = delta_;
    const std::uint8_t* const class_of = class_of_;
    // A text this short ends a literal every few bytes of a lane (every word that is one of them): the walks
    // note those states as they go, without a branch that would be mispredicted as often (and lose the
    // other lanes' loads in flight), and report them after every chunk of bytes. (Keeping every state of a
    // chunk and picking out those below 0 afterwards, four at a time, took fewer instructions but ran the
    // rules' texts 8% slower.)
    constexpr std::size_t chunk = 32;
    struct ended {
      row_t row;
      const unsigned char* end;
    };
    ended seen[chunk * count];
    row_t row[count] = {};
    for (std::size_t from = 0; from < steps; from += chunk) {
      const std::size_t to = std::min(steps, from + chunk);
      std::size_t m = 0;
      for (std::size_t i = from; i < to; ++i) {
#pragma GCC unroll 8
        for (std::size_t k = 0; k < count; ++k) {
          row[k] = delta[row[k] + class_of[at[k][i]]];
          seen[m] = {row[k], at[k] + i + 1};
          m += row[k] < 0;
        }
      }
      for (std::size_t j = 0; j < m; ++j) report(seen[j].row, seen[j].end, found);
    }
    row_t last[count];
#pragma GCC unroll 8
    for (std::size_t k = 0; k < count; ++k) last[k] = row[k];
    for (std::size_t k = 0; k < count; ++k) {
      const row_t end = walk(at[k] + steps, stop[k], found, last[k]);
      if (k + 1 < count) finish(stop[k], bytes + n, found, end);
    }
  }
  // Walks on from state `row` at `from` while a match in progress began before `from`.
  template <typename F>
  void finish(const unsigned char* from, const unsigned char* to, F& found, row_t row) const {
    const std::int32_t* const delta = delta_;
    for (std::int32_t past = 0; from < to && delta[row] > past; ++from, ++past) {
      row = delta[row + class_of_[*from]];
      if (row < 0) [[unlikely]]
        report(row, from + 1, found);
    }
  }

  // One automaton walk is a chain of dependent loads (each state needs the one before): a long text is cut
  // in `count` overlapping stretches walked side by side, which the CPU overlaps (about 1.1 ns a byte with
  // eight, 2.9 with one). A stretch starts longest-1 bytes early, so a literal that ends in it is seen whole;
  // one ending in the overlap is reported twice. (Kept out of line: inlined into a large caller, its eight
  // walks lost registers and cost a tenth more.)
  template <std::size_t count, typename F>
  [[gnu::noinline]] void lanes(const unsigned char* bytes, std::size_t n, F& found) const {
    const std::size_t overlap = longest_ - 1;
    const std::size_t stretch = (n + count - 1) / count;
    const unsigned char* at[count];
    const unsigned char* stop[count];
    std::size_t steps = n;
    for (std::size_t k = 0; k < count; ++k) {
      const std::size_t own = std::min(n, k * stretch);
      at[k] = bytes + (own > overlap ? own - overlap : 0);
      stop[k] = bytes + std::min(n, (k + 1) * stretch);
      steps = std::min<std::size_t>(steps, static_cast<std::size_t>(stop[k] - at[k]));
    }
    const std::int32_t* const delta = delta_;
    const std::uint8_t* const class_of = class_of_;
    row_t row[count] = {};
    for (std::size_t i = 0; i < steps; ++i) {
      row_t any = 0;
#pragma GCC unroll 8
      for (std::size_t k = 0; k < count; ++k) any |= row[k] = delta[row[k] + class_of[at[k][i]]];
      if (any < 0) [[unlikely]] {
#pragma GCC unroll 8  // (unrolled, the rows need not be kept in memory for this branch)
        for (std::size_t k = 0; k < count; ++k)
          if (row[k] < 0) report(row[k], at[k] + i + 1, found);
      }
    }
    // (row is indexed by constants only, so that it can live in registers: the walks take a copy)
    row_t last[count];
#pragma GCC unroll 8
    for (std::size_t k = 0; k < count; ++k) last[k] = row[k];
    for (std::size_t k = 0; k < count; ++k) walk(at[k] + steps, stop[k], found, last[k]);
  }

  // Calls found for each literal that state `row` (< 0) ends.
  template <typename F>
  void report(row_t row, const unsigned char* end, F& found) const {
    for (std::uint32_t o = output_[static_cast<std::size_t>(row + delta_origin_) / width_]; o != none;
         o = outputs_[o].next)
      found(outputs_[o].literal, end);
  }
  // The automaton from state `row` over [from, to).
  template <typename F>
  row_t walk(const unsigned char* from, const unsigned char* to, F& found, row_t row = 0) const {
    const std::int32_t* const delta = delta_;
    for (; from < to; ++from) {
      row = delta[row + class_of_[*from]];
      if (row < 0) [[unlikely]]
        report(row, from + 1, found);
    }
    return row;
  }

  // A row holds the depth of its state (the length of the text it stands for: split's lanes read it beside
  // the columns of the bytes), then a column per class.
  std::uint8_t class_of_[256] = {};  // byte -> column of delta_ (1: a byte no literal contains)
  std::uint32_t classes_ = 1;
  std::uint32_t width_ = 16;  // of a row: classes_ + 1, rounded up to whole cache lines
  // Below this many bytes a text is walked in one lane. A table of up to 1 MB stays in the L2 cache, where a
  // walk costs fewer instructions than split()'s lanes (96); the rules' table of 12 MB misses on most deep
  // states, and lanes overlap those misses (32).
  std::size_t split_above_ = 32;
  // row + column -> next row, fail links folded in: delta_ points at row 0 (the start state) in table_, after
  // the rows of the states with output. The table never changes once built, so copies share it (and the
  // pointer stays valid); the walk indexes delta_ with no origin to add.
  std::shared_ptr<const std::int32_t[]> table_;
  const std::int32_t* delta_ = nullptr;
  row_t delta_origin_ = 0;  // delta_ - the first row (table_ holds up to a cache line before it, for alignment)
  // (delta_origin_ + row) / width_ of a state with output -> head of its list in outputs_
  std::vector<std::uint32_t> output_;
  std::vector<output> outputs_;
  std::vector<std::uint32_t> lengths_;  // literal id -> length
  std::size_t longest_ = 0;
};

}  // namespace bouncekit::detail
