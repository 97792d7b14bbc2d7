#include "rules/literal_scanner.hpp"

#include <algorithm>
#include <deque>
#include <map>

namespace bouncekit::detail {

literal_scanner::literal_scanner(const std::vector<std::string>& literals) {
  for (const std::string& l : literals) lengths_.push_back(static_cast<std::uint32_t>(l.size()));
  // Build the trie with maps first, then freeze it into sorted edge arrays.
  std::vector<std::map<unsigned char, std::uint32_t>> trie(1);
  std::vector<std::vector<std::uint32_t>> ends(1);
  for (std::uint32_t id = 0; id < literals.size(); ++id) {
    std::uint32_t s = 0;
    for (char ch : literals[id]) {
      const auto c = static_cast<unsigned char>(ch);
      auto it = trie[s].find(c);
      if (it == trie[s].end()) {
        trie.emplace_back();
        ends.emplace_back();
        const auto created = static_cast<std::uint32_t>(trie.size() - 1);
        trie[s][c] = created;
        s = created;
      } else {
        s = it->second;
      }
    }
    if (!literals[id].empty()) ends[s].push_back(id);
  }
  nodes_.resize(trie.size());
  for (std::uint32_t s = 0; s < trie.size(); ++s) {
    nodes_[s].first_edge = static_cast<std::uint32_t>(edges_.size());
    nodes_[s].edge_count = static_cast<std::uint32_t>(trie[s].size());
    for (const auto& [c, t] : trie[s]) edges_.push_back({c, t});
  }
  for (int c = 0; c < 256; ++c) {
    const std::uint32_t t = child(0, static_cast<unsigned char>(c));
    root_next_[c] = t == none ? 0 : t;
  }
  // breadth-first: fail links and merged outputs
  std::deque<std::uint32_t> queue;
  for (std::uint32_t e = 0; e < nodes_[0].edge_count; ++e) {
    const std::uint32_t t = edges_[nodes_[0].first_edge + e].target;
    nodes_[t].fail = 0;
    queue.push_back(t);
  }
  std::vector<std::uint32_t> order;
  while (!queue.empty()) {
    const std::uint32_t s = queue.front();
    queue.pop_front();
    order.push_back(s);
    for (std::uint32_t e = 0; e < nodes_[s].edge_count; ++e) {
      const edge ed = edges_[nodes_[s].first_edge + e];
      std::uint32_t f = nodes_[s].fail;
      std::uint32_t target = none;
      while (true) {
        target = child(f, ed.byte);
        if (target != none || f == 0) break;
        f = nodes_[f].fail;
      }
      nodes_[ed.target].fail = (target != none && target != ed.target) ? target : 0;
      queue.push_back(ed.target);
    }
  }
  // outputs: own literals, then the fail chain's (already built, since fail targets are shallower)
  for (std::uint32_t s : order) {
    std::uint32_t head = nodes_[nodes_[s].fail].output;
    for (std::uint32_t id : ends[s]) {
      outputs_.push_back({id, head});
      head = static_cast<std::uint32_t>(outputs_.size() - 1);
    }
    nodes_[s].output = head;
  }
}

literal_scanner::hit literal_scanner::first(std::string_view text) const {
  hit best{std::string_view::npos, 0};
  std::size_t longest = 0;
  for (std::uint32_t l : lengths_) longest = std::max<std::size_t>(longest, l);
  std::uint32_t state = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    // a match ending here or later starts after best.begin once i passes best.begin + longest
    if (best.begin != std::string_view::npos && i >= best.begin + longest) break;
    state = next(state, static_cast<unsigned char>(text[i]));
    for (std::uint32_t o = nodes_[state].output; o != none; o = outputs_[o].next) {
      const std::size_t begin = i + 1 - lengths_[outputs_[o].literal];
      if (begin < best.begin) best = {begin, outputs_[o].literal};
    }
  }
  return best;
}

std::uint32_t literal_scanner::child(std::uint32_t state, unsigned char c) const noexcept {
  const node& n = nodes_[state];
  const edge* begin = edges_.data() + n.first_edge;
  const edge* end = begin + n.edge_count;
  const edge* it = std::lower_bound(begin, end, c, [](const edge& e, unsigned char b) { return e.byte < b; });
  return (it != end && it->byte == c) ? it->target : none;
}

std::uint32_t literal_scanner::next(std::uint32_t state, unsigned char c) const noexcept {
  while (state != 0) {
    const std::uint32_t t = child(state, c);
    if (t != none) return t;
    state = nodes_[state].fail;
  }
  return root_next_[c];
}

}  // namespace bouncekit::detail
