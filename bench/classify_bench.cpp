// Throughput of the whole classify call and of its stages, over the project's corpus/ and, when present,
// ../shared/corpus, loaded in memory first. Reported as items/s (messages) and bytes/s.
#include "engine.hpp"
#include "mime/mime_message.hpp"

#include <bouncekit/bouncekit.hpp>
#include <bouncekit/json.hpp>

#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace {

std::vector<std::string> load(const fs::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.path().extension() == ".eml") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& p : files) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    out.push_back(s.str());
  }
  return out;
}

const std::vector<std::string>& corpus() {
  static const std::vector<std::string> messages = [] {
    auto all = load(fs::path(BOUNCEKIT_SOURCE_DIR) / "corpus");
    auto shared = load(BOUNCEKIT_SHARED_CORPUS);
    all.insert(all.end(), shared.begin(), shared.end());
    return all;
  }();
  return messages;
}

const bouncekit::classifier& shared_classifier() {
  static const bouncekit::classifier c;
  return c;
}

std::size_t total_bytes() {
  std::size_t n = 0;
  for (const auto& m : corpus()) n += m.size();
  return n;
}

// The diagnostics of the corpus, for the rules stage alone.
const std::vector<std::string>& diagnostics() {
  static const std::vector<std::string> out = [] {
    std::vector<std::string> d;
    for (const auto& m : corpus())
      for (const auto& r : shared_classifier().classify(m).recipients)
        if (r.diagnostic) d.push_back(*r.diagnostic);
    return d;
  }();
  return out;
}

void BM_classify(benchmark::State& state) {
  const auto& messages = corpus();
  for (auto _ : state)
    for (const auto& m : messages) benchmark::DoNotOptimize(shared_classifier().classify(m));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * messages.size()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * total_bytes()));
}
BENCHMARK(BM_classify)->Unit(benchmark::kMillisecond);

void BM_mime_parse(benchmark::State& state) {
  const auto& messages = corpus();
  const bouncekit::limits limits;
  for (auto _ : state)
    for (const auto& m : messages) benchmark::DoNotOptimize(bouncekit::detail::parse_message(m, limits));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * messages.size()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * total_bytes()));
}
BENCHMARK(BM_mime_parse)->Unit(benchmark::kMillisecond);

void BM_rules(benchmark::State& state) {
  const bool prefilter = state.range(0) != 0;
  static const auto rules = bouncekit::detail::rule_set::load(bouncekit::detail::builtin_rule_sources());
  const auto& texts = diagnostics();
  std::size_t bytes = 0;
  for (const auto& t : texts) bytes += t.size();
  for (auto _ : state)
    for (const auto& t : texts) benchmark::DoNotOptimize(rules->match(t, "", prefilter));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * texts.size()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.SetLabel(prefilter ? "with prefilter" : "every rule");
}
BENCHMARK(BM_rules)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond);

void BM_json(benchmark::State& state) {
  std::vector<bouncekit::classification> results;
  for (const auto& m : corpus()) results.push_back(shared_classifier().classify(m));
  for (auto _ : state)
    for (const auto& r : results) benchmark::DoNotOptimize(bouncekit::to_json_line(r));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * results.size()));
}
BENCHMARK(BM_json)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
