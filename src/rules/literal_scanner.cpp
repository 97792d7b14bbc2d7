#include "rules/literal_scanner.hpp"

#include <algorithm>
#include <climits>
#include <map>
#include <stdexcept>

namespace bouncekit::detail {

namespace {

unsigned char fold(unsigned char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<unsigned char>(c + 32) : c; }

}  // namespace

literal_scanner::literal_scanner(const std::vector<std::string>& literals) { build(literals); }

literal_scanner::literal_scanner(std::initializer_list<std::string_view> literals) {
  build(std::vector<std::string>(literals.begin(), literals.end()));
}

void literal_scanner::build(const std::vector<std::string>& literals) {
  // byte classes: one per distinct (folded) byte the literals use; every other byte is class 0
  for (const std::string& l : literals)
    for (char ch : l) {
      const unsigned char c = fold(static_cast<unsigned char>(ch));
      if (class_of_[c] == 0) {
        if (classes_ == 256) break;  // cannot happen: at most 230 folded bytes
        class_of_[c] = static_cast<std::uint8_t>(classes_++);
      }
    }
  for (int c = 'A'; c <= 'Z'; ++c) class_of_[c] = class_of_[c + 32];
  // the trie, as maps first
  std::vector<std::map<std::uint8_t, std::uint32_t>> trie(1);
  std::vector<std::vector<std::uint32_t>> ends(1);
  for (std::uint32_t id = 0; id < literals.size(); ++id) {
    lengths_.push_back(static_cast<std::uint32_t>(literals[id].size()));
    longest_ = std::max(longest_, literals[id].size());
    std::uint32_t s = 0;
    for (char ch : literals[id]) {
      const std::uint8_t k = class_of_[static_cast<unsigned char>(ch)];
      auto it = trie[s].find(k);
      if (it == trie[s].end()) {
        trie.emplace_back();
        ends.emplace_back();
        const auto created = static_cast<std::uint32_t>(trie.size() - 1);
        trie[s][k] = created;
        s = created;
      } else {
        s = it->second;
      }
    }
    if (!literals[id].empty()) ends[s].push_back(id);
  }
  // breadth-first: every state's transitions are its trie edges, and its fail state's transitions elsewhere
  // (built with plain state numbers, laid out as rows at the end)
  const std::size_t n = trie.size();
  std::vector<std::uint32_t> next(n * classes_, 0);
  std::vector<std::uint32_t> heads(n, none);
  std::vector<std::uint32_t> fail(n, 0);
  std::vector<std::uint32_t> depth(n, 0);
  std::vector<std::uint32_t> queue{0};
  for (std::size_t q = 0; q < queue.size(); ++q) {
    const std::uint32_t s = queue[q];
    std::uint32_t head = s == 0 ? none : heads[fail[s]];
    for (std::uint32_t id : ends[s]) {
      outputs_.push_back({id, head});
      head = static_cast<std::uint32_t>(outputs_.size() - 1);
    }
    heads[s] = head;
    for (std::uint32_t k = 0; k < classes_; ++k) next[s * classes_ + k] = s == 0 ? 0 : next[fail[s] * classes_ + k];
    for (const auto& [k, t] : trie[s]) {
      fail[t] = s == 0 ? 0 : next[fail[s] * classes_ + k];
      depth[t] = depth[s] + 1;
      next[s * classes_ + k] = t;
      queue.push_back(t);
    }
  }
  width_ = classes_ + 1;
  const std::size_t width = width_;
  if (n * width > static_cast<std::size_t>(INT32_MAX)) throw std::length_error("literal_scanner: too many literals");
  // rows: the states without output from 0 up (the start state, which has none, first), those with output
  // below 0
  std::size_t with_output = 0;
  for (std::size_t s = 0; s < n; ++s) with_output += heads[s] != none;
  delta_origin_ = static_cast<row_t>(with_output * width);
  std::vector<row_t> row_of(n);
  output_.assign(with_output, none);
  for (std::size_t s = 0, plain = 0, flagged = 0; s < n; ++s) {
    if (heads[s] == none) {
      row_of[s] = static_cast<row_t>(plain++ * width);
    } else {
      row_of[s] = static_cast<row_t>(flagged * width) - delta_origin_;
      output_[flagged++] = heads[s];
    }
  }
  std::shared_ptr<std::int32_t[]> table(new std::int32_t[n * width]);
  for (std::size_t s = 0; s < n; ++s) {
    std::int32_t* row = &table[static_cast<std::size_t>(delta_origin_ + row_of[s])];
    row[0] = static_cast<std::int32_t>(depth[s]);
    for (std::uint32_t k = 0; k < classes_; ++k) row[1 + k] = static_cast<std::int32_t>(row_of[next[s * classes_ + k]]);
  }
  for (std::uint8_t& column : class_of_) ++column;  // (at most 232)
  delta_ = table.get() + delta_origin_;
  table_ = std::move(table);
}

literal_scanner::hit literal_scanner::first(std::string_view text) const {
  hit best{std::string_view::npos, 0};
  const auto* const begin = reinterpret_cast<const unsigned char*>(text.data());
  auto consider = [&](std::uint32_t literal, const unsigned char* end) {
    const std::size_t at = static_cast<std::size_t>(end - begin) - lengths_[literal];
    if (at < best.begin || (at == best.begin && lengths_[literal] > lengths_[best.literal])) best = {at, literal};
  };
  if (text.size() >= 1024) {
    // lanes, block by block: several times faster than one walk, and a block after the one with the
    // leftmost occurrence matters only if a match starting before it could end there
    constexpr std::size_t block = 4096;
    const std::size_t overlap = longest_ - 1;
    for (std::size_t from = 0; from < text.size(); from += block) {
      if (best.begin != std::string_view::npos && from >= best.begin + longest_) break;
      const std::size_t start = from > overlap ? from - overlap : 0;
      hits(text.substr(start, std::min(text.size(), from + block) - start), consider);
    }
    return best;
  }
  const std::int32_t* const delta = delta_;
  row_t row = 0;
  std::size_t limit = text.size();
  for (std::size_t i = 0; i < limit; ++i) {
    row = delta[row + class_of_[begin[i]]];
    if (row >= 0) [[likely]]
      continue;
    report(row, begin + i + 1, consider);
    // a match ending at or after best.begin + longest starts after best.begin
    limit = std::min(limit, best.begin + longest_);
  }
  return best;
}

std::size_t literal_scanner::lowest(std::string_view text) const {
  std::size_t best = std::string_view::npos;
  scan(text, [&](std::uint32_t id) { best = std::min<std::size_t>(best, id); });
  return best;
}

}  // namespace bouncekit::detail
