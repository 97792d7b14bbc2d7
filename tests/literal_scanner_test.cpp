#include "rules/literal_scanner.hpp"
#include "util/text.hpp"

#include <catch2/catch.hpp>

#include <random>
#include <set>
#include <string>
#include <vector>

using bouncekit::detail::ascii_lower;
using bouncekit::detail::literal_scanner;

namespace {

// The answers worked out the slow way: every literal searched for at every offset.
struct naive {
  std::vector<std::string> literals;  // lower-case

  std::set<std::uint32_t> all(const std::string& text) const {
    const std::string lower = ascii_lower(text);
    std::set<std::uint32_t> out;
    for (std::uint32_t id = 0; id < literals.size(); ++id)
      if (lower.find(literals[id]) != std::string::npos) out.insert(id);
    return out;
  }
  literal_scanner::hit first(const std::string& text) const {
    const std::string lower = ascii_lower(text);
    literal_scanner::hit best{std::string::npos, 0};
    for (std::uint32_t id = 0; id < literals.size(); ++id) {
      const std::size_t at = lower.find(literals[id]);
      if (at == std::string::npos) continue;
      if (at < best.begin || (at == best.begin && literals[id].size() > literals[best.literal].size())) best = {at, id};
    }
    return best;
  }
};

}  // namespace

TEST_CASE("the literal scanner finds what a search at every offset finds, at every text length") {
  // short and long texts: the long ones are walked in lanes, which must not lose a literal at a lane's edge
  const std::vector<std::string> literals = {"user unknown", "unknown", "mailbox full", "quota", "550", "5.1.1",
                                             "no such user", "a", "over quota", "denied"};
  const literal_scanner scanner(literals);
  const naive reference{literals};
  std::mt19937 random(20261129);
  const std::string alphabet = "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ.0123456789\n";
  for (std::size_t length : {0, 1, 5, 100, 255, 256, 257, 1023, 1024, 1500, 2047, 2048, 2049, 5000, 20000}) {
    for (int round = 0; round < 8; ++round) {
      std::string text;
      for (std::size_t i = 0; i < length; ++i) text += alphabet[random() % alphabet.size()];
      // plant literals at random places, in mixed case, some across where the lanes meet
      for (int k = 0; k < 3 && length > 20; ++k) {
        std::string l = literals[random() % literals.size()];
        if (random() % 2) l[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(l[0])));
        const std::size_t at = random() % (length - std::min(length, l.size()) + 1);
        text.replace(at, std::min(l.size(), length - at), l.substr(0, length - at));
      }
      INFO("length " << length << " round " << round);
      std::set<std::uint32_t> found;
      scanner.scan(text, [&](std::uint32_t id) { found.insert(id); });
      CHECK(found == reference.all(text));
      const auto want = reference.first(text);
      const auto got = scanner.first(text);
      CHECK(got.begin == want.begin);
      if (want.begin != std::string::npos) CHECK(got.literal == want.literal);
      CHECK(scanner.lowest(text) == (found.empty() ? std::string::npos : *found.begin()));
      CHECK(scanner.any(text) == !found.empty());
    }
  }
}

TEST_CASE("a literal at the very start or end of a long text is found") {
  const literal_scanner scanner({"returned message", "x"});
  std::string text(4096, ' ');
  text.replace(0, 16, "Returned Message");
  text.replace(text.size() - 1, 1, "X");
  std::set<std::uint32_t> found;
  scanner.scan(text, [&](std::uint32_t id) { found.insert(id); });
  CHECK(found == std::set<std::uint32_t>{0, 1});
  CHECK(scanner.first(text).begin == 0);
  CHECK(scanner.first(text).literal == 0);
}

TEST_CASE("a scanner without literals finds nothing, in short and long texts") {
  const literal_scanner empty;
  for (std::size_t length : {0, 10, 300, 5000}) {
    const std::string text(length, 'a');
    std::size_t reported = 0;
    empty.scan(text, [&](std::uint32_t) { ++reported; });
    CHECK(reported == 0);
    CHECK(empty.first(text).begin == std::string::npos);
    CHECK(empty.lowest(text) == std::string::npos);
    CHECK_FALSE(empty.any(text));
  }
}

TEST_CASE("short texts walked in lanes without overlap keep the literals that cross a lane's end") {
  // literals longer than a lane (a text of 40 bytes has lanes of 10) and sharing prefixes and suffixes, so
  // that a lane's walk past its end must follow a match in progress through several lanes
  const std::vector<std::string> literals = {"mailbox unavailable for this recipient", "unavailable", "box", "ab",
                                             "recipient address rejected", "address", "b", "mailbox full"};
  const literal_scanner scanner(literals);
  const naive reference{literals};
  std::mt19937 random(20261130);
  const std::string alphabet = "abx ";
  for (std::size_t length = 30; length < 300; length += 7) {
    for (int round = 0; round < 12; ++round) {
      std::string text;
      for (std::size_t i = 0; i < length; ++i) text += alphabet[random() % alphabet.size()];
      for (int k = 0; k < 2; ++k) {
        const std::string& l = literals[random() % literals.size()];
        if (l.size() > length) continue;
        text.replace(random() % (length - l.size() + 1), l.size(), l);
      }
      INFO("length " << length << " round " << round << " text " << text);
      std::set<std::uint32_t> found;
      std::set<std::pair<std::size_t, std::uint32_t>> at;
      scanner.scan_at(text, [&](std::uint32_t id, std::size_t begin) {
        found.insert(id);
        at.insert({begin, id});
      });
      CHECK(found == reference.all(text));
      for (const auto& [begin, id] : at) CHECK(ascii_lower(text.substr(begin, literals[id].size())) == literals[id]);
    }
  }
}
