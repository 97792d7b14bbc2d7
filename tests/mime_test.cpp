#include "mime/mime_message.hpp"
#include "mime/mime_parts.hpp"

#include <catch2/catch.hpp>

#include <cctype>
#include <string>

using namespace bouncekit::detail;

namespace {

const char* const report =
    "From: MAILER-DAEMON@mx.example.org\n"
    "To: alice@example.com\n"
    "Subject: Undelivered Mail Returned to Sender\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/report; report-type=delivery-status;\n"
    "\tboundary=\"B1\"\n"
    "\n"
    "--B1\n"
    "Content-Type: text/plain; charset=iso-8859-1\n"
    "Content-Transfer-Encoding: quoted-printable\n"
    "\n"
    "caf=E9\n"
    "--B1\n"
    "Content-Type: message/delivery-status\n"
    "\n"
    "Reporting-MTA: dns; mx.example.org\n"
    "\n"
    "Final-Recipient: rfc822; bob@example.org\n"
    "Action: failed\n"
    "Status: 5.1.1\n"
    "--B1\n"
    "Content-Type: message/rfc822\n"
    "\n"
    "Message-ID: <m1@example.com>\n"
    "Subject: hello\n"
    "\n"
    "body\n"
    "--B1--\n";

std::string with_line_endings(std::string text, const std::string& eol) {
  std::string out;
  for (char c : text) {
    if (c == '\n') out += eol;
    else out += c;
  }
  return out;
}

}  // namespace

TEST_CASE("a multipart/report becomes a flat list of decoded parts") {
  const parsed_message m = parse_message(report, bouncekit::limits{});
  REQUIRE_FALSE(m.error);
  REQUIRE(m.parts.size() == 5);
  CHECK(m.parts[0].is("multipart", "report"));
  CHECK(m.parts[1].is("text", "plain"));
  CHECK(m.parts[1].body == "caf\xC3\xA9");  // the line end before a boundary belongs to the boundary
  CHECK(m.parts[2].is("message", "delivery-status"));
  CHECK(m.parts[2].body.find("Final-Recipient: rfc822; bob@example.org") != std::string::npos);
  CHECK(m.parts[3].is("message", "rfc822"));
  CHECK(m.parts[4].parent == 3);
  CHECK(m.parts[4].header("Subject") == "hello");
  CHECK(m.parts[0].header("subject") == "Undelivered Mail Returned to Sender");
}

TEST_CASE("LF, CRLF and CR line endings give the same parts") {
  const parsed_message lf = parse_message(report, bouncekit::limits{});
  for (const std::string eol : {"\r\n", "\r"}) {
    const std::string raw = with_line_endings(report, eol);  // the parsed message points into it
    const parsed_message other = parse_message(raw, bouncekit::limits{});
    REQUIRE(other.parts.size() == lf.parts.size());
    for (std::size_t i = 0; i < lf.parts.size(); ++i) {
      CHECK(other.parts[i].type == lf.parts[i].type);
      CHECK(other.parts[i].body == lf.parts[i].body);
    }
  }
}

TEST_CASE("a multipart without a boundary is read as one text part") {
  const parsed_message m = parse_message(
      "From: MAILER-DAEMON@example.org\nContent-Type: multipart/report\n\nFinal-Recipient: rfc822; x@example.org\n",
      bouncekit::limits{});
  REQUIRE_FALSE(m.parts.empty());
  CHECK(m.parts[0].body.find("Final-Recipient") != std::string::npos);
}

TEST_CASE("limits: size and nesting give an error naming the limit") {
  bouncekit::limits small;
  small.max_message_bytes = 64;
  const std::string raw(200, 'a');
  const parsed_message big = parse_message(raw, small);
  REQUIRE(big.error);
  CHECK(big.error->find("max_message_bytes") != std::string::npos);

  std::string nested = "Content-Type: message/rfc822\n\n";
  std::string text;
  for (int i = 0; i < 2000; ++i) text += nested;
  text += "Subject: bottom\n\nhi\n";
  const parsed_message deep = parse_message(text, bouncekit::limits{});
  REQUIRE(deep.error);
  CHECK(deep.error->find("max_mime_depth") != std::string::npos);

  bouncekit::limits shallow;
  shallow.max_mime_depth = 3;
  std::string ten;
  for (int i = 0; i < 10; ++i) ten += nested;
  ten += "Subject: bottom\n\nhi\n";
  const parsed_message capped = parse_message(ten, shallow);
  REQUIRE(capped.error);
  CHECK(capped.parts.size() <= 4);
}

TEST_CASE("the container limit holds for the shortest container fields, in any case") {
  // 19 bytes each ("content-type:rfc822"), the fewest parse_message() assumes when it skips its pre-scan
  const auto message = [](int fields) {
    std::string text;
    for (int i = 0; i < fields; ++i) text += i % 2 ? "content-type:rfc822\n" : "CONTENT-TYPE:\n rfc822\n";
    return text + "\nhi\n";
  };
  const auto has_warning = [](const parsed_message& m, std::string_view code) {
    for (const auto& w : m.warnings)
      if (w.code == code) return true;
    return false;
  };
  const bouncekit::limits limits;
  const int limit = static_cast<int>(limits.max_mime_depth * 8);
  CHECK_FALSE(has_warning(parse_message(message(limit), limits), "too-many-containers"));
  CHECK(has_warning(parse_message(message(limit + 1), limits), "too-many-containers"));
}

TEST_CASE("Content-Type parameters, quoted and RFC 2231") {
  const content_type ct = parse_content_type("Multipart/Report; report-type=\"delivery-status\"; boundary=\"a;b\"; title*=utf-8''%C3%A9t%C3%A9");
  CHECK(ct.type == "multipart");
  CHECK(ct.subtype == "report");
  CHECK(ct.param("report-type") == "delivery-status");
  CHECK(ct.param("boundary") == "a;b");
  CHECK(ct.param("title") == "\xC3\xA9t\xC3\xA9");
}

TEST_CASE("the Content-Type views agree with parse_content_type wherever they are given") {
  const char* const values[] = {
      "Multipart/Report; Report-Type=\"delivery-status\"; BOUNDARY=\"a;b\"",
      "text/plain; charset=ISO-8859-1 ; format=flowed",
      "text/plain charset=x",
      "text/plain (a comment); charset=\"utf-8",
      "multipart/mixed;\tboundary = abc ;boundary=def",
      "multipart/mixed; boundary=\"a\\\"b\"",
      "message/rfc822; title*=utf-8''%C3%A9",
      "application/octet-stream; name=; =x; charset",
      " / ; charset=\"\"",
      "TEXT",
      "",
  };
  for (const char* value : values) {
    CAPTURE(value);
    const content_type full = parse_content_type(value);
    content_type_views views;
    if (!read_simple_content_type(value, views)) continue;
    std::string type(views.type), subtype(views.subtype);
    for (char& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (char& c : subtype) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    CHECK(type == full.type);
    CHECK(subtype == full.subtype);
    CHECK(views.boundary == full.param("boundary"));
    CHECK(views.charset == full.param("charset"));
    CHECK(views.report_type == full.param("report-type"));
  }
  content_type_views views;
  CHECK(read_simple_content_type("text/plain; charset=us-ascii", views));
  CHECK_FALSE(read_simple_content_type("multipart/mixed; boundary=a; boundary=b", views));
  CHECK_FALSE(read_simple_content_type("multipart/mixed; boundary*0=a; boundary*1=b", views));
  CHECK_FALSE(read_simple_content_type("multipart/mixed; boundary=\"a\\\"b\"", views));
}

TEST_CASE("an mbox envelope line before the headers is skipped") {
  const parsed_message plain = parse_message(report, bouncekit::limits{});
  const std::string raw = std::string("From MAILER-DAEMON Thu Apr 29 23:34:45 2015\n") + report;
  const parsed_message enveloped = parse_message(raw, bouncekit::limits{});
  REQUIRE(enveloped.parts.size() == plain.parts.size());
  CHECK(enveloped.parts[0].is("multipart", "report"));
  CHECK(field_value(enveloped.parts[0].headers, "Subject") == "Undelivered Mail Returned to Sender");
  // "From :" with a blank before the colon is a header field, not an envelope line
  const parsed_message field = parse_message("From : alice@example.com\nSubject: hi\n\nbody\n", bouncekit::limits{});
  CHECK(field_value(field.parts[0].headers, "Subject") == "hi");
}

TEST_CASE("parts storage handed to parse_message gives its room, never its old parts") {
  const parsed_message fresh = parse_message(report, bouncekit::limits{});
  std::vector<mime_part> storage = parse_message(report, bouncekit::limits{}).parts;
  storage.resize(12);  // stale parts past the new message's count
  storage.reserve(40);
  const mime_part* const room = storage.data();
  const parsed_message reused = parse_message(report, bouncekit::limits{}, mime_backend::builtin, std::move(storage));
  CHECK(reused.parts.data() == room);
  REQUIRE(reused.parts.size() == fresh.parts.size());
  for (std::size_t i = 0; i < fresh.parts.size(); ++i) {
    CHECK(reused.parts[i].type == fresh.parts[i].type);
    CHECK(reused.parts[i].subtype == fresh.parts[i].subtype);
    CHECK(reused.parts[i].body == fresh.parts[i].body);
    CHECK(reused.parts[i].parent == fresh.parts[i].parent);
  }
  // recycled parts of a bigger message, then of a smaller one, as classify() hands them on
  std::vector<mime_part> parts = parse_message(report, bouncekit::limits{}).parts;
  REQUIRE(recycle_parts(parts));
  parsed_message small = parse_message("Subject: hi\n\nbody\n", bouncekit::limits{}, mime_backend::builtin,
                                       std::move(parts));
  REQUIRE(small.parts.size() == 1);
  CHECK(small.parts[0].is("text", "plain"));
  CHECK(small.parts[0].body == "body\n");
  CHECK(field_value(small.parts[0].headers, "Content-Type").empty());
  REQUIRE(recycle_parts(small.parts));
  const parsed_message again = parse_message(report, bouncekit::limits{}, mime_backend::builtin, std::move(small.parts));
  REQUIRE(again.parts.size() == fresh.parts.size());
  for (std::size_t i = 0; i < fresh.parts.size(); ++i) {
    CHECK(again.parts[i].type == fresh.parts[i].type);
    CHECK(again.parts[i].charset == fresh.parts[i].charset);
    CHECK(again.parts[i].body == fresh.parts[i].body);
    CHECK(again.parts[i].headers.size() == fresh.parts[i].headers.size());
  }
  std::vector<mime_part> many(65);
  CHECK_FALSE(recycle_parts(many));
}

TEST_CASE("line endings are normalised the same across the writer's chunks") {
  // lines of every ending, long enough to cross several 4 KB chunks, and one line longer than a chunk
  std::string raw, expected;
  for (int i = 0; i < 400; ++i) {
    const std::string line = "line " + std::to_string(i) + " of some text";
    raw += line + (i % 4 == 0 ? "\r\n" : i % 4 == 1 ? "\n" : i % 4 == 2 ? "\r" : "\r\r\n");
    expected += line + "\n";
  }
  raw += std::string(5000, 'x') + "\r\r\rend";
  expected += std::string(5000, 'x') + "\n\n\nend";
  CHECK(normalise_line_endings(raw) == expected);
  CHECK(normalise_line_endings("") == "");
  CHECK(normalise_line_endings("\r") == "\n");
  CHECK(normalise_line_endings(std::string(10000, '\r')) == std::string(10000, '\n'));
}
