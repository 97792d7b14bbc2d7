#include "rules/literal_scanner.hpp"

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <unordered_map>
#include <stdexcept>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace bouncekit::detail {

namespace {

unsigned char fold(unsigned char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<unsigned char>(c + 32) : c; }

// Room for `entries` table cells. A large table goes on 2 MB pages where the kernel offers them (Linux's
// transparent huge pages, asked for by madvise): a walk's lookups land all over it, and with 4 KB pages most
// of them would miss the TLB too.
std::shared_ptr<std::int32_t[]> allocate_table(std::size_t entries) {
#if defined(__linux__)
  constexpr std::size_t huge_page = std::size_t{2} << 20;
  const std::size_t bytes = entries * sizeof(std::int32_t);
  if (bytes >= huge_page) {
    const std::size_t rounded = (bytes + huge_page - 1) / huge_page * huge_page;
    struct release {
      void operator()(std::int32_t* p) const noexcept { std::free(p); }
    };
    std::unique_ptr<std::int32_t[], release> cells(static_cast<std::int32_t*>(std::aligned_alloc(huge_page, rounded)));
    if (cells) {
      madvise(cells.get(), rounded, MADV_HUGEPAGE);  // only advice: the table works the same without
      return std::shared_ptr<std::int32_t[]>(std::move(cells));  // (which still frees them if this throws)
    }
  }
#endif
  return std::shared_ptr<std::int32_t[]>(new std::int32_t[entries]);
}

}  // namespace

literal_scanner::literal_scanner(const std::vector<std::string>& literals) { build(literals); }

literal_scanner::literal_scanner(std::initializer_list<std::string_view> literals) {
  build(std::vector<std::string>(literals.begin(), literals.end()));
}

void literal_scanner::build(const std::vector<std::string>& literals) {
  // Byte classes: one per distinct (folded) byte the literals use; every other byte is class 0. The common
  // bytes of mail text come first, so that the columns a walk reads most share their rows' first cache lines.
  bool used[256] = {};
  for (const std::string& l : literals)
    for (char ch : l) used[fold(static_cast<unsigned char>(ch))] = true;
  const auto assign = [&](unsigned char c) {
    if (used[c] && class_of_[c] == 0) class_of_[c] = static_cast<std::uint8_t>(classes_++);  // at most 230
  };
  for (char ch : std::string_view(" etaoinsrhldcumfpgwybvkxjqz.,:-@<>0123456789()/'_=;\"!?#%&*+[]^`{|}~$\t\r\n"))
    assign(static_cast<unsigned char>(ch));
  for (const std::string& l : literals)
    for (char ch : l) assign(fold(static_cast<unsigned char>(ch)));
  for (int c = 'A'; c <= 'Z'; ++c) class_of_[c] = class_of_[c + 32];
  // The trie. States are numbered as they are created (the rule set's 2,861 literals make 15,729), edges kept
  // in a hash map and not as a dense table: the automaton's table is the only array of states x classes built.
  std::unordered_map<std::uint64_t, std::uint32_t> edge;  // (state << 8 | class) -> child
  edge.reserve(literals.size() * 8);
  std::vector<std::uint32_t> parent{0};
  std::vector<std::uint8_t> via{0};  // the class of the edge into a state
  std::vector<std::vector<std::uint32_t>> ends(1);
  for (std::uint32_t id = 0; id < literals.size(); ++id) {
    lengths_.push_back(static_cast<std::uint32_t>(literals[id].size()));
    longest_ = std::max(longest_, literals[id].size());
    std::uint32_t s = 0;
    for (char ch : literals[id]) {
      const std::uint8_t k = class_of_[static_cast<unsigned char>(ch)];
      const auto [it, created] = edge.try_emplace(std::uint64_t{s} << 8 | k, static_cast<std::uint32_t>(parent.size()));
      if (created) {
        parent.push_back(s);
        via.push_back(k);
        ends.emplace_back();
      }
      s = it->second;
    }
    if (!literals[id].empty()) ends[s].push_back(id);
  }
  const std::size_t n = parent.size();
  if (n * (classes_ + 1) > static_cast<std::size_t>(INT32_MAX))
    throw std::length_error("literal_scanner: too many literals");
  // every state's children in class order (the order the walk reports a state's literals in follows it)
  std::vector<std::uint32_t> first_child(n + 1, 0), children(n - 1);
  for (std::size_t t = 1; t < n; ++t) ++first_child[parent[t] + 1];
  for (std::size_t s = 0; s < n; ++s) first_child[s + 1] += first_child[s];
  {
    std::vector<std::uint32_t> filled(first_child.begin(), first_child.end() - 1);
    for (std::uint32_t t = 1; t < n; ++t) children[filled[parent[t]]++] = t;
  }
  for (std::size_t s = 0; s < n; ++s)
    std::sort(children.begin() + first_child[s], children.begin() + first_child[s + 1],
              [&](std::uint32_t a, std::uint32_t b) { return via[a] < via[b]; });
  // Breadth first: fail links (a state's longest proper suffix that is a trie state, found by following the
  // parent's links until one has the edge) and output lists (a state's own literals, then its fail state's).
  std::vector<std::uint32_t> fail(n, 0);
  const auto goto_of = [&](std::uint32_t s, std::uint8_t k) {
    for (;;) {
      const auto it = edge.find(std::uint64_t{s} << 8 | k);
      if (it != edge.end()) return it->second;
      if (s == 0) return std::uint32_t{0};
      s = fail[s];
    }
  };
  std::vector<std::uint32_t> heads(n, none);
  std::vector<std::uint32_t> depth(n, 0);
  std::vector<std::uint32_t> order{0};  // breadth-first
  order.reserve(n);
  for (std::size_t q = 0; q < order.size(); ++q) {
    const std::uint32_t s = order[q];
    std::uint32_t head = s == 0 ? none : heads[fail[s]];
    for (std::uint32_t id : ends[s]) {
      outputs_.push_back({id, head});
      head = static_cast<std::uint32_t>(outputs_.size() - 1);
    }
    heads[s] = head;
    for (std::uint32_t c = first_child[s]; c < first_child[s + 1]; ++c) {
      const std::uint32_t t = children[c];
      fail[t] = s == 0 ? 0 : goto_of(fail[s], via[t]);
      depth[t] = depth[s] + 1;
      order.push_back(t);
    }
  }
  // Rows: the states without output from 0 up (the start state, which has none, first), those with output
  // below 0. A state's row is its fail state's (rows are filled breadth first, so that one is done) with its own
  // edges written over it.
  // Rows padded to whole cache lines and the table aligned to one, so that a row's first columns (the common
  // bytes') share one line.
  constexpr std::size_t per_line = 64 / sizeof(std::int32_t);
  width_ = (classes_ + 1 + per_line - 1) / per_line * per_line;
  const std::size_t width = width_;
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
  std::shared_ptr<std::int32_t[]> table = allocate_table(n * width + per_line);
  const auto misalignment = reinterpret_cast<std::uintptr_t>(table.get()) % 64 / sizeof(std::int32_t);
  std::int32_t* const first_row = table.get() + (misalignment == 0 ? 0 : per_line - misalignment);
  std::int32_t* const origin = first_row + delta_origin_;
  for (const std::uint32_t s : order) {
    std::int32_t* row = origin + row_of[s];
    if (s == 0) std::fill(row, row + width, 0);
    else std::copy(origin + row_of[fail[s]], origin + row_of[fail[s]] + width, row);
    row[0] = static_cast<std::int32_t>(depth[s]);
    for (std::uint32_t c = first_child[s]; c < first_child[s + 1]; ++c) {
      const std::uint32_t t = children[c];
      row[1 + via[t]] = static_cast<std::int32_t>(row_of[t]);
    }
  }
  for (std::uint8_t& column : class_of_) ++column;  // (at most 232)
  if (n * width * sizeof(std::int32_t) <= (std::size_t{1} << 20)) split_above_ = 96;
  delta_ = origin;
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
