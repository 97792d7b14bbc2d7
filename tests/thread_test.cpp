// One classifier shared by 8 threads must say exactly what it says on one thread (SPEC 5: classify() is const
// and thread-safe). Run under ThreadSanitizer by scripts/test.sh (tag [threads]).
#include <bouncekit/bouncekit.hpp>
#include <bouncekit/json.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

namespace fs = std::filesystem;

namespace {

std::vector<std::string> messages_below(const fs::path& root) {
  std::vector<fs::path> files;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return {};
  for (const auto& entry : fs::recursive_directory_iterator(root))
    if (entry.path().extension() == ".eml") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  std::vector<std::string> out;
  for (const fs::path& p : files) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    out.push_back(s.str());
  }
  return out;
}

}  // namespace

TEST_CASE("one classifier used from 8 threads gives the single-thread results", "[threads]") {
  std::vector<std::string> messages = messages_below(fs::path(BOUNCEKIT_SOURCE_DIR) / "corpus");
  for (std::string& m : messages_below(BOUNCEKIT_SHARED_CORPUS)) messages.push_back(std::move(m));
  for (std::string& m : messages_below(fs::path(BOUNCEKIT_SOURCE_DIR) / "tests" / "malformed"))
    messages.push_back(std::move(m));
  REQUIRE(messages.size() >= 40);

  const bouncekit::classifier classifier;
  const bouncekit::classifier copy = classifier;  // copies share the compiled rules
  std::vector<std::string> expected;
  for (const std::string& m : messages) expected.push_back(bouncekit::to_json_line(classifier.classify(m)));

  constexpr std::size_t thread_count = 8;
  std::vector<std::vector<std::size_t>> mismatches(thread_count);
  std::vector<std::size_t> done(thread_count, 0);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < thread_count; ++t) {
    threads.emplace_back([&, t] {
      const bouncekit::classifier& c = t % 2 ? copy : classifier;
      // every thread classifies every message, each starting at a different place, so that different
      // messages run at the same time
      const std::size_t n = messages.size();
      for (std::size_t k = 0; k < n; ++k) {
        const std::size_t i = (k + t * n / thread_count) % n;
        if (bouncekit::to_json_line(c.classify(messages[i])) != expected[i]) mismatches[t].push_back(i);
        ++done[t];
      }
    });
  }
  for (std::thread& th : threads) th.join();
  for (std::size_t t = 0; t < thread_count; ++t) {
    INFO("thread " << t);
    CHECK(done[t] == messages.size());
    for (std::size_t i : mismatches[t]) {
      INFO("message " << i << " expected " << expected[i]);
      CHECK(bouncekit::to_json_line(classifier.classify(messages[i])) == expected[i]);
    }
    CHECK(mismatches[t].empty());
  }
}
