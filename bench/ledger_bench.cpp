// The bounce ledger's cost per response, into SQLite on disk: classification is done beforehand, so the
// figures are the ledger's own (identity hash, matching, policy, one transaction per ingest).
//
//   build/src/ledger/bouncekit_ledger_bench [--benchmark_min_time=0.5]
//
// Messages come from ../shared/corpus when it exists, else the bundled corpus/. The store is a file in
// $TMPDIR (set it to the disk you want to measure).
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <unistd.h>

#include <bouncekit/bouncekit.hpp>
#include <bouncekit/ledger.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "ledger/sqlite_store.hpp"

namespace {

using namespace bouncekit;

struct response {
  classification result;
  std::string raw;
};

const std::vector<response>& responses() {
  static const std::vector<response> all = [] {
    std::filesystem::path dir = BOUNCEKIT_SOURCE_DIR "/../shared/corpus";
    if (!std::filesystem::exists(dir)) dir = BOUNCEKIT_SOURCE_DIR "/corpus";
    const classifier c;
    std::vector<response> out;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
      if (entry.path().extension() != ".eml") continue;
      std::ifstream in(entry.path(), std::ios::binary);
      std::stringstream text;
      text << in.rdbuf();
      response r{c.classify(text.str()), text.str()};
      r.result.source = entry.path().filename().string();
      out.push_back(std::move(r));
    }
    return out;
  }();
  return all;
}

std::filesystem::path fresh_db(const char* name) {
  const auto path = std::filesystem::temp_directory_path() / fmt::format("bouncekit-bench-{}-{}.db", name, getpid());
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
  return path;
}

// One response per iteration, each a new message (its identity gets the round number), with a sent mail for
// every recipient recorded beforehand so that matching does its work.
void ingest(benchmark::State& state, bool synchronous_full) {
  const auto& all = responses();
  const auto path = fresh_db(synchronous_full ? "full" : "normal");
  ledger_time now{std::chrono::seconds(1714550400)};
  {
    detail::sqlite_options options;
    options.synchronous_full = synchronous_full;
    ledger book(std::make_unique<detail::sqlite_store>(path, options), ledger_policy::defaults(), [&] { return now; });
    std::vector<sent_mail> feed;
    for (std::size_t i = 0; i < all.size(); ++i)
      for (const auto& v : all[i].result.recipients)
        feed.push_back({all[i].result.original.message_id.value_or(fmt::format("<m{}@bench>", i)), v.address,
                        now - std::chrono::hours(1), "bench"});
    book.record_sent(feed);
    std::size_t i = 0, round = 0, bytes = 0;
    for (auto _ : state) {
      const response& r = all[i];
      message_identity id = identify(r.raw);
      id.key += fmt::format("#{}", round);
      benchmark::DoNotOptimize(book.ingest(r.result, id));
      bytes += r.raw.size();
      now += std::chrono::seconds(1);
      if (++i == all.size()) i = 0, ++round;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
  }
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
}

void BM_ledger_ingest(benchmark::State& state) {
  ingest(state, false);
}
void BM_ledger_ingest_synchronous_full(benchmark::State& state) {
  ingest(state, true);
}

// Re-ingesting what is there already: the cost of idempotence.
void BM_ledger_ingest_duplicate(benchmark::State& state) {
  const auto& all = responses();
  const auto path = fresh_db("dup");
  {
    ledger book(path);
    for (const response& r : all) book.ingest(r.result, r.raw);
    std::size_t i = 0;
    for (auto _ : state) {
      benchmark::DoNotOptimize(book.ingest(all[i].result, all[i].raw));
      if (++i == all.size()) i = 0;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  }
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
}

// An address lookup with its history, as a sender does before each send.
void BM_ledger_status(benchmark::State& state) {
  const auto& all = responses();
  const auto path = fresh_db("status");
  {
    ledger book(path);
    std::vector<std::string> addresses;
    for (const response& r : all) {
      book.ingest(r.result, r.raw);
      for (const auto& v : r.result.recipients) addresses.push_back(v.address);
    }
    std::size_t i = 0;
    for (auto _ : state) {
      benchmark::DoNotOptimize(book.status(addresses[i], 10));
      if (++i == addresses.size()) i = 0;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  }
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
}

BENCHMARK(BM_ledger_ingest)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ledger_ingest_synchronous_full)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ledger_ingest_duplicate)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ledger_status)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
