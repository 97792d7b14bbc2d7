// to_json_line() writes the JSON line directly: it must give the bytes the document does.
#include "test_files.hpp"

#include <bouncekit/bouncekit.hpp>
#include <bouncekit/json.hpp>

#include <catch2/catch.hpp>

#include <filesystem>

namespace fs = std::filesystem;

namespace {

std::string document_line(const bouncekit::classification& c, bool explain) {
  return bouncekit::to_json(c, explain).dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace

TEST_CASE("the JSON line is the document's dump, for every message of the corpora, with and without explain") {
  const bouncekit::classifier classifier;
  std::size_t compared = 0;
  for (const fs::path& dir : {fs::path(BOUNCEKIT_SOURCE_DIR) / "corpus", fs::path(BOUNCEKIT_SOURCE_DIR) / "tests/malformed",
                             fs::path(BOUNCEKIT_SHARED_CORPUS)}) {
    if (!fs::is_directory(dir)) continue;  // ../shared/corpus is optional
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
      if (entry.path().extension() != ".eml") continue;
      bouncekit::classification c = classifier.classify(bouncekit::test::slurp(entry.path()));
      c.source = entry.path().filename().string();
      INFO(entry.path());
      for (const bool explain : {false, true}) CHECK(bouncekit::to_json_line(c, explain) == document_line(c, explain));
      ++compared;
    }
  }
  CHECK(compared >= 190);
}

TEST_CASE("the JSON line escapes control characters and replaces invalid UTF-8 as the document does") {
  bouncekit::classification c;
  c.source = "dir/\"quoted\"\\name.eml";
  c.type = bouncekit::message_type::bounce;
  c.format = "postfix";
  c.error = std::string("tab\there, newline\nthere, bell \a, escape \x1b, delete \x7f, e\xcc\x81, \xe2\x82\xac");
  c.original.subject = std::string("broken \xff\xfe UTF-8 \xc3");
  c.original.x_headers = {{"X-One", "1"}, {"X-One", "ignored"}, {"X-Bad\xff", "a"}, {"X-Bad\xfe", "b"}, {"X-Two", "2"}};
  bouncekit::recipient_verdict r;
  r.address = "bob@example.org";
  r.action = "failed";
  r.status = "5.1.1";
  r.diagnostic = std::string("550 \x01\x1f \"user\" unknown \\ \xf0\x9f\x93\xa7");
  r.category = bouncekit::category::bad_mailbox;
  r.reason = "userunknown";
  r.rule = "user-unknown";
  r.decided_by = "only rule 'user-unknown' matched";
  r.matches.push_back({"user-unknown", "userunknown", 60, "user\" unknown", 8, 21});
  c.recipients.push_back(r);
  r.address = "eve@example.org";
  r.reason = "bad \xc0 reason";  // a field that is not sanitized: the whole line goes the document's way
  c.warnings.push_back({"invalid-base64", 12});
  for (const bool explain : {false, true}) {
    CHECK(bouncekit::to_json_line(c, explain) == document_line(c, explain));
    c.recipients.push_back(r);
    CHECK(bouncekit::to_json_line(c, explain) == document_line(c, explain));
    c.recipients.pop_back();
  }
  CHECK(bouncekit::to_json_line(c).find("\\u001b") != std::string::npos);
}
