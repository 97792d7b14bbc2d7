// Throughput of the whole classify call and of its stages, over the project's corpus/ and, when present,
// ../shared/corpus, loaded in memory first. Reported as items/s (messages) and bytes/s.
#include "engine.hpp"
#include "mime/mime_message.hpp"
#include "report/evidence.hpp"
#include "rules/verdict.hpp"

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
  shared_classifier();  // compile the rules before timing
  for (auto _ : state)
    for (const auto& m : messages) benchmark::DoNotOptimize(shared_classifier().classify(m));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * messages.size()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * total_bytes()));
  state.SetLabel("corpus/ and ../shared/corpus");
}
BENCHMARK(BM_classify)->Unit(benchmark::kMillisecond);

// The same over ../shared/corpus alone (real bounces; the project's corpus/ adds malformed and huge inputs).
void BM_classify_shared(benchmark::State& state) {
  static const std::vector<std::string> messages = load(BOUNCEKIT_SHARED_CORPUS);
  if (messages.empty()) {
    state.SkipWithError("../shared/corpus not found");
    return;
  }
  std::size_t bytes = 0;
  for (const auto& m : messages) bytes += m.size();
  shared_classifier();
  for (auto _ : state)
    for (const auto& m : messages) benchmark::DoNotOptimize(shared_classifier().classify(m));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * messages.size()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}
BENCHMARK(BM_classify_shared)->Unit(benchmark::kMillisecond);

// The message layer with the built-in splitter (what classify uses) and with mimetic (the reference).
void BM_mime_parse(benchmark::State& state) {
  using bouncekit::detail::mime_backend;
  const auto backend = state.range(0) != 0 ? mime_backend::builtin : mime_backend::mimetic;
  const auto& messages = corpus();
  const bouncekit::limits limits;
  for (auto _ : state)
    for (const auto& m : messages) benchmark::DoNotOptimize(bouncekit::detail::parse_message(m, limits, backend));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * messages.size()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * total_bytes()));
  state.SetLabel(backend == mime_backend::builtin ? "built-in splitter" : "mimetic");
}
BENCHMARK(BM_mime_parse)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond);

// The readers (message view, ARF, SES, DSN, auto-reply, text bounce) over messages parsed beforehand.
void BM_read_report(benchmark::State& state) {
  std::vector<bouncekit::detail::parsed_message> parsed;
  for (const auto& m : corpus()) parsed.push_back(bouncekit::detail::parse_message(m, bouncekit::limits{}));
  for (auto _ : state)
    for (const auto& p : parsed) {
      const bouncekit::detail::message_view view(p);
      benchmark::DoNotOptimize(bouncekit::detail::read_report(view));
    }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * parsed.size()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * total_bytes()));
}
BENCHMARK(BM_read_report)->Unit(benchmark::kMillisecond);

// Verdicts (rules, status tables, taxonomy, action) for every recipient the readers found, per message.
void BM_verdicts(benchmark::State& state) {
  std::vector<bouncekit::detail::report> reports;
  for (const auto& m : corpus()) {
    const auto parsed = bouncekit::detail::parse_message(m, bouncekit::limits{});
    reports.push_back(bouncekit::detail::read_report(bouncekit::detail::message_view(parsed)));
  }
  static const auto rules = bouncekit::detail::rule_set::load(bouncekit::detail::builtin_rule_sources());
  for (auto _ : state)
    for (const auto& r : reports)
      for (const auto& e : r.recipients) benchmark::DoNotOptimize(bouncekit::detail::decide(*rules, e, r));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * reports.size()));
}
BENCHMARK(BM_verdicts)->Unit(benchmark::kMillisecond);

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

// Pathological inputs, each built in memory at a size factor (1x, 4x, 16x) so the table shows whether the cost
// grows linearly with the input.
std::string dsn_head() {
  return "From: MAILER-DAEMON@mx.example.net\nTo: a@example.com\nSubject: Undelivered Mail Returned to Sender\n"
         "Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\n"
         "--b\nContent-Type: text/plain\n\nsorry\n--b\nContent-Type: message/delivery-status\n\n"
         "Reporting-MTA: dns; mx.example.net\n\n";
}

std::string pathological(int kind, std::size_t factor) {
  std::string m;
  switch (kind) {
    case 0: {  // a large message: 10 MB of body text at 16x
      m = dsn_head() + "Final-Recipient: rfc822; bob@example.org\nAction: failed\nStatus: 5.1.1\n--b\n"
                       "Content-Type: message/rfc822\n\nSubject: big\n\n";
      const std::string line(76, 'x');
      while (m.size() < factor * (10u << 20) / 16) m += line + "\n";
      m += "--b--\n";
      break;
    }
    case 1:  // one huge header line: 1 MB at 16x
      m = "From: MAILER-DAEMON@example.net\nSubject: Undelivered Mail\nX-Long: " +
          std::string(factor * (1u << 20) / 16, 'a') + "\n\nsorry\n";
      break;
    case 2:  // many recipients in one DSN: 5,000 at 16x
      m = dsn_head();
      for (std::size_t i = 0; i < factor * 5000 / 16; ++i)
        m += "Final-Recipient: rfc822; user" + std::to_string(i) +
             "@example.org\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 User unknown\n\n";
      m += "--b--\n";
      break;
    case 3: {  // many nested parts: 200 at 16x (within max_mime_depth * 8 containers)
      const std::size_t depth = factor * 200 / 16;
      m = "From: MAILER-DAEMON@example.net\nSubject: Undelivered Mail\n";
      for (std::size_t i = 0; i < depth; ++i)
        m += "Content-Type: multipart/mixed; boundary=\"n" + std::to_string(i) + "\"\n\n--n" + std::to_string(i) + "\n";
      m += "Content-Type: text/plain\n\nbob@example.org: 550 5.1.1 user unknown\n";
      for (std::size_t i = depth; i-- > 0;) m += "--n" + std::to_string(i) + "--\n";
      break;
    }
    default:  // a long diagnostic: 100 KB at 16x
      m = dsn_head() + "Final-Recipient: rfc822; bob@example.org\nAction: failed\nStatus: 5.0.0\nDiagnostic-Code: smtp; 550 ";
      while (m.size() < dsn_head().size() + factor * 100000 / 16) m += "mailbox unavailable user unknown blocked ";
      m += "\n--b--\n";
  }
  return m;
}

void BM_pathological(benchmark::State& state) {
  const int kind = static_cast<int>(state.range(0));
  const std::string m = pathological(kind, static_cast<std::size_t>(state.range(1)));
  shared_classifier();  // compile the rules before timing
  for (auto _ : state) benchmark::DoNotOptimize(shared_classifier().classify(m));
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * m.size()));
  static const char* const names[] = {"10MB message", "1MB header line", "5000 recipients", "200 nested parts",
                                      "100KB diagnostic"};
  state.SetLabel(std::string(names[kind]) + " at " + std::to_string(state.range(1)) + "/16");
}
BENCHMARK(BM_pathological)->ArgsProduct({{0, 1, 2, 3, 4}, {1, 4, 16}})->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
