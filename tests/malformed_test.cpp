// The malformed-mail corpus (tests/malformed/, written by make_malformed.py) and the huge cases built here in
// memory: each input has one expected outcome (type, recipients, error naming the limit, warning), asserted
// as LF, CRLF and CR. Inputs that once crashed or hung the library stay here as regressions.
#include <bouncekit/bouncekit.hpp>
#include <bouncekit/json.hpp>

#include "test_files.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

namespace fs = std::filesystem;
using bouncekit::message_type;

namespace {

const fs::path malformed_dir = fs::path(BOUNCEKIT_SOURCE_DIR) / "tests" / "malformed";

using bouncekit::test::slurp;

std::string with_line_endings(const std::string& lf_text, const char* eol) {
  std::string out;
  for (char c : lf_text) {
    if (c == '\n')
      out += eol;
    else
      out += c;
  }
  return out;
}

bool has_warning(const bouncekit::classification& c, std::string_view code) {
  return std::any_of(c.warnings.begin(), c.warnings.end(), [&](const auto& w) { return w.code == code; });
}

struct expected {
  expected(message_type t, std::size_t n = 0, std::string a = {}, std::optional<std::string> s = {},
           std::optional<std::string> e = {}, std::optional<std::string> w = {})
      : type(t),
        recipients(n),
        address(std::move(a)),
        status(std::move(s)),
        error(std::move(e)),
        warning(std::move(w)) {}
  message_type type;
  std::size_t recipients;
  std::string address;                 // of the first recipient
  std::optional<std::string> status;   // of the first recipient
  std::optional<std::string> error;    // a fragment of the error; nullopt: no error
  std::optional<std::string> warning;  // a warning code that must be present
};

const std::string bob = "bob@example.org";

// One entry per file of tests/malformed/ (a test below checks that none is left out).
const std::map<std::string, expected>& expectations() {
  static const std::map<std::string, expected> table = {
      {"empty.eml", {message_type::not_bounce}},
      {"one-byte.eml", {message_type::not_bounce}},
      // cut in the top-level Content-Type: MAILER-DAEMON says something, but no recipient can be read
      {"truncated-in-headers.eml", {message_type::unrecognized}},
      // the delivery-status part ends inside the address: what was there is reported, nothing is made up
      {"truncated-in-address.eml", {message_type::bounce, 1, "bob@exam", std::nullopt}},
      {"truncated-in-closing-boundary.eml", {message_type::bounce, 1, bob, "5.1.1"}},
      // the base64 notice stops before the status code; the DSN part is missing altogether
      {"truncated-base64.eml", {message_type::bounce, 1, bob, std::nullopt, std::nullopt, "invalid-base64"}},
      // a multipart without a boundary, or with one that never occurs: the DSN fields are still found
      {"multipart-without-boundary.eml", {message_type::bounce, 1, bob, "5.1.1"}},
      {"wrong-boundary.eml", {message_type::bounce, 1, bob, "5.1.1", std::nullopt, "multipart-without-parts"}},
      // "--XYZ" in mid-line must not split the notice
      {"boundary-mid-line.eml", {message_type::bounce, 1, bob, "5.1.1"}},
      {"unterminated-multipart.eml", {message_type::bounce, 1, bob, "5.1.1"}},
      // 1000 nested message/rfc822: refused before mimetic recurses; the DSN at the bottom is still read as text
      {"nested-rfc822-1000.eml", {message_type::bounce, 1, bob, "5.1.1", "max_mime_depth", "too-many-containers"}},
      // 40 nested multiparts: the DSN below level 32 is not read; the message says it is a bounce, no more
      {"nested-multipart-40.eml", {message_type::unrecognized, 0, "", std::nullopt, "max_mime_depth"}},
      // Content-Type spellings mimetic accepts: counted by the pre-scan too, so refused before mimetic recurses
      {"nested-multipart-blank-before-colon.eml",
       {message_type::bounce, 1, bob, "5.1.1", "max_mime_depth", "too-many-containers"}},
      {"nested-multipart-type-far-from-colon.eml",
       {message_type::bounce, 1, bob, "5.1.1", "max_mime_depth", "too-many-containers"}},
      {"nested-multipart-folded-type.eml",
       {message_type::bounce, 1, bob, "5.1.1", "max_mime_depth", "too-many-containers"}},
      // 1200 text parts before the delivery-status part: parts after the 1000th are dropped
      {"too-many-parts.eml", {message_type::unrecognized, 0, "", std::nullopt, "max_parts"}},
      {"headers-without-blank-line.eml", {message_type::bounce, 1, bob, "5.1.1"}},
      {"headers-only-no-newline.eml", {message_type::unrecognized}},
      {"nul-bytes.eml", {message_type::bounce, 1, bob, "5.1.1"}},
      {"8bit-junk-headers.eml", {message_type::bounce, 1, bob, "5.1.1"}},
      {"invalid-base64.eml", {message_type::bounce, 1, bob, "5.1.1", std::nullopt, "invalid-base64"}},
      {"invalid-quoted-printable.eml", {message_type::bounce, 1, bob, "5.1.1"}},
      {"unknown-charset.eml", {message_type::bounce, 1, bob, "5.1.1", std::nullopt, "unknown-charset"}},
      {"lying-charset-utf8.eml", {message_type::bounce, 1, bob, "5.1.1"}},
      {"lying-charset-utf16.eml", {message_type::bounce, 1, bob, "5.1.1"}},
      {"lying-charset-iso-2022-jp.eml", {message_type::bounce, 1, bob, "5.1.1"}},
      {"bad-encoded-words.eml", {message_type::bounce, 1, bob, "5.1.1"}},
  };
  return table;
}

std::string warning_codes(const bouncekit::classification& c) {
  std::string out;
  for (const auto& w : c.warnings) out += w.code + ' ';
  return out;
}

void check(const bouncekit::classification& c, const expected& e) {
  INFO(bouncekit::to_json_line(c));
  INFO("warnings: " << warning_codes(c));
  CHECK(c.type == e.type);
  REQUIRE(c.recipients.size() == e.recipients);
  if (e.recipients) {
    CHECK(c.recipients[0].address == e.address);
    CHECK(c.recipients[0].status == e.status);
  }
  if (e.error) {
    REQUIRE(c.error);
    CHECK_THAT(*c.error, Catch::Contains(*e.error));
  } else {
    CHECK_FALSE(c.error);
  }
  if (e.warning) CHECK(has_warning(c, *e.warning));
  // whatever the input, the JSON line is one valid object
  CHECK(nlohmann::json::parse(bouncekit::to_json_line(c)).is_object());
}

// A Postfix-shaped bounce whose notice is followed by `tail`.
std::string text_bounce_with(std::string_view tail) {
  std::string m =
      "From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\n"
      "To: sender@example.com\n"
      "Subject: Undelivered Mail Returned to Sender\n"
      "\n"
      "This is the mail system at host mx.example.net.\n"
      "\n"
      "<bob@example.org>: host mx.example.org[192.0.2.10] said: 550 5.1.1 <bob@example.org>:\n"
      "    Recipient address rejected: User unknown in local recipient table\n"
      "    (in reply to RCPT TO command)\n"
      "\n";
  m.append(tail);
  return m;
}

// A DSN listing `count` failed recipients user0@example.org, user1@example.org, ...
std::string dsn_with_recipients(std::size_t count) {
  std::string m =
      "From: MAILER-DAEMON@mx.example.net\n"
      "Subject: Undelivered Mail Returned to Sender\n"
      "MIME-Version: 1.0\n"
      "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n"
      "\n"
      "--B\n"
      "Content-Type: text/plain\n"
      "\n"
      "Delivery failed.\n"
      "--B\n"
      "Content-Type: message/delivery-status\n"
      "\n"
      "Reporting-MTA: dns; mx.example.net\n";
  m.reserve(m.size() + count * 80);
  for (std::size_t i = 0; i < count; ++i)
    m += "\nFinal-Recipient: rfc822; user" + std::to_string(i) + "@example.org\nAction: failed\nStatus: 5.1.1\n";
  m += "--B--\n";
  return m;
}

}  // namespace

TEST_CASE("every file of tests/malformed has an expected outcome, as LF, CRLF and CR", "[malformed]") {
  const bouncekit::classifier classifier;
  std::size_t checked = 0;
  for (const auto& entry : fs::directory_iterator(malformed_dir)) {
    if (entry.path().extension() != ".eml") continue;
    const std::string name = entry.path().filename().string();
    INFO("file " << name);
    const auto it = expectations().find(name);
    REQUIRE(it != expectations().end());
    const std::string raw = slurp(entry.path());
    check(classifier.classify(raw), it->second);
    for (const char* eol : {"\r\n", "\r"}) {
      INFO("line endings " << (eol[1] ? "CRLF" : "CR"));
      check(classifier.classify(with_line_endings(raw, eol)), it->second);
    }
    ++checked;
  }
  CHECK(checked == expectations().size());
}

TEST_CASE("a 100 MB line: the message is cut at max_message_bytes and what came before is read", "[malformed][huge]") {
  const bouncekit::classifier classifier;
  std::string m = text_bounce_with("");
  m.append(std::size_t{100} << 20, 'x');
  m += '\n';
  const bouncekit::classification c = classifier.classify(m);
  REQUIRE(c.error);
  CHECK_THAT(*c.error, Catch::Contains("max_message_bytes") && Catch::Contains("67108864"));
  CHECK(c.type == message_type::bounce);
  REQUIRE(c.recipients.size() == 1);
  CHECK(c.recipients[0].address == bob);
  CHECK(c.recipients[0].status == "5.1.1");
}

TEST_CASE("regression: 300,000 nested multiparts written \"Content-Type : multipart/mixed\"", "[malformed][huge]") {
  // The pre-scan once looked for "Content-Type:" only; mimetic, which also reads the field with a blank before
  // the colon, recursed 300,000 times and overflowed the stack (SIGSEGV in a Release build).
  constexpr std::size_t levels = 300000;
  std::string openers, closers;
  for (std::size_t i = 0; i < levels; ++i)
    openers +=
        "Content-Type : multipart/mixed; boundary=\"L" + std::to_string(i) + "\"\n\n--L" + std::to_string(i) + "\n";
  for (std::size_t i = levels; i-- > 0;) closers += "\n--L" + std::to_string(i) + "--\n";
  const bouncekit::classifier classifier;
  const bouncekit::classification c =
      classifier.classify("From: MAILER-DAEMON@example.net\n" + openers + "\nhello\n" + closers);
  REQUIRE(c.error);
  CHECK_THAT(*c.error, Catch::Contains("max_mime_depth"));
  CHECK(has_warning(c, "too-many-containers"));
}

TEST_CASE("a header line over max_header_line_bytes: error naming the limit, read as plain text", "[malformed]") {
  const bouncekit::classifier classifier;
  const std::string m = "X-Padding: " + std::string(std::size_t{2} << 20, 'p') + "\n" + text_bounce_with("");
  const bouncekit::classification c = classifier.classify(m);
  REQUIRE(c.error);
  CHECK_THAT(*c.error, Catch::Contains("max_header_line_bytes") && Catch::Contains("1048576"));
  CHECK(has_warning(c, "line-too-long"));
  CHECK(c.type != message_type::not_bounce);
}

TEST_CASE("a DSN with 100,000 recipients keeps max_recipients of them, in order, and says so", "[malformed][huge]") {
  const bouncekit::classifier classifier;
  const bouncekit::classification c = classifier.classify(dsn_with_recipients(100000));
  REQUIRE(c.error);
  CHECK_THAT(*c.error, Catch::Contains("max_recipients") && Catch::Contains("10000"));
  CHECK(c.type == message_type::bounce);
  REQUIRE(c.recipients.size() == classifier.limits().max_recipients);
  CHECK(c.recipients.front().address == "user0@example.org");
  CHECK(c.recipients.back().address == "user9999@example.org");
  CHECK(c.recipients.back().status == "5.1.1");
  CHECK(c.recipients.back().category == bouncekit::category::bad_mailbox);
}

TEST_CASE("every limit can be lowered and names itself when hit", "[malformed]") {
  SECTION("max_message_bytes") {
    bouncekit::limits l;
    l.max_message_bytes = 300;
    const bouncekit::classification c = bouncekit::classifier(l).classify(text_bounce_with(std::string(1000, 'x')));
    REQUIRE(c.error);
    CHECK_THAT(*c.error, Catch::Contains("max_message_bytes (300)"));
    CHECK(c.recipients.size() == 1);
  }
  SECTION("max_recipients") {
    bouncekit::limits l;
    l.max_recipients = 2;
    const bouncekit::classification c = bouncekit::classifier(l).classify(dsn_with_recipients(5));
    REQUIRE(c.error);
    CHECK_THAT(*c.error, Catch::Contains("more than 2 recipients (max_recipients)"));
    REQUIRE(c.recipients.size() == 2);
    CHECK(c.recipients[1].address == "user1@example.org");
  }
  SECTION("max_recipients not reached") {
    bouncekit::limits l;
    l.max_recipients = 5;
    const bouncekit::classification c = bouncekit::classifier(l).classify(dsn_with_recipients(5));
    CHECK_FALSE(c.error);
    CHECK(c.recipients.size() == 5);
  }
  SECTION("max_mime_depth") {
    bouncekit::limits l;
    l.max_mime_depth = 2;
    std::string m = dsn_with_recipients(1);
    for (int i = 0; i < 3; ++i)
      m = "Content-Type: multipart/mixed; boundary=\"N" + std::to_string(i) + "\"\n\n--N" + std::to_string(i) + "\n" +
          m + "\n--N" + std::to_string(i) + "--\n";
    const bouncekit::classification c = bouncekit::classifier(l).classify("From: MAILER-DAEMON@example.net\n" + m);
    REQUIRE(c.error);
    CHECK_THAT(*c.error, Catch::Contains("deeper than 2 levels (max_mime_depth)"));
  }
  SECTION("max_parts") {
    bouncekit::limits l;
    l.max_parts = 2;  // the report, its text part, and no room for the delivery-status part
    const bouncekit::classification c = bouncekit::classifier(l).classify(dsn_with_recipients(1));
    REQUIRE(c.error);
    CHECK_THAT(*c.error, Catch::Contains("more than 2 MIME parts (max_parts)"));
    CHECK(c.type == message_type::unrecognized);
  }
  SECTION("max_header_line_bytes") {
    bouncekit::limits l;
    l.max_header_line_bytes = 64;
    const bouncekit::classification c =
        bouncekit::classifier(l).classify("Subject: " + std::string(100, 's') + "\n" + text_bounce_with(""));
    REQUIRE(c.error);
    CHECK_THAT(*c.error, Catch::Contains("max_header_line_bytes (64)"));
  }
  SECTION("max_decoded_bytes") {
    bouncekit::limits l;
    l.max_decoded_bytes = 40;
    const bouncekit::classification c = bouncekit::classifier(l).classify(dsn_with_recipients(1));
    REQUIRE(c.error);
    CHECK_THAT(*c.error, Catch::Contains("max_decoded_bytes (40)"));
    CHECK(has_warning(c, "decoded-size-limit"));
  }
}
