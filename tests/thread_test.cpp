// One classifier shared by 8 threads must say exactly what it says on one thread (SPEC 5: classify() is const
// and thread-safe). Run under ThreadSanitizer by scripts/test.sh (tag [threads]).
#include <bouncekit/bouncekit.hpp>
#include <bouncekit/json.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
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

  const bouncekit::classifier reference;  // the expected results, from one thread
  std::vector<std::string> expected;
  for (const std::string& m : messages) expected.push_back(bouncekit::to_json_line(reference.classify(m)));
  // A classifier no thread has used yet: a pattern gets its JIT code when it first runs, so the threads also
  // race to make the code of the patterns they run first.
  const bouncekit::classifier classifier;
  const bouncekit::classifier copy = classifier;  // copies share the compiled rules

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

TEST_CASE("a thread's results do not depend on the messages it classified before", "[threads]") {
  // classify() keeps a message's parts storage for the next one on the same thread; a message of 300 parts
  // (storage that is not kept), a report and a plain message, in every order, must each give their own result
  std::string many = "From: MAILER-DAEMON@example.org\nContent-Type: multipart/mixed; boundary=b\n\n";
  for (int i = 0; i < 300; ++i) many += "--b\nContent-Type: text/plain\n\npart " + std::to_string(i) + "\n";
  many += "--b--\n";
  const std::vector<std::string> messages = {
      many,
      "From: MAILER-DAEMON@example.org\nSubject: Undelivered Mail Returned to Sender\nContent-Type: multipart/report;"
      " report-type=delivery-status; boundary=B\n\n--B\nContent-Type: text/plain\n\nbob@example.org: 550 5.1.1 no"
      " such user\n--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.org\n\n"
      "Final-Recipient: rfc822; bob@example.org\nAction: failed\nStatus: 5.1.1\n--B--\n",
      "From: alice@example.com\nSubject: hello\n\nhi\n",
  };
  std::vector<std::string> expected;
  for (const std::string& m : messages) {
    std::string first;
    std::thread([&] { first = bouncekit::to_json_line(bouncekit::classifier().classify(m)); }).join();
    expected.push_back(first);
  }
  const bouncekit::classifier classifier;
  for (std::size_t round = 0; round < 2 * messages.size(); ++round)
    for (std::size_t k = 0; k < messages.size(); ++k) {
      const std::size_t i = (k * (round + 1) + round) % messages.size();
      CHECK(bouncekit::to_json_line(classifier.classify(messages[i])) == expected[i]);
    }
}
