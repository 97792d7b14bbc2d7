#include "mime/field_block.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <string_view>

using namespace bouncekit::detail;

TEST_CASE("a field block is unfolded and ends at a blank line") {
  const std::string text = "Final-Recipient: rfc822; bob@example.org\nDiagnostic-Code: smtp; 550 5.1.1\n  user unknown\n\nAfter: x\n";
  std::size_t pos = 0;
  const field_list f = read_field_block(text, pos, true);
  REQUIRE(f.size() == 2);
  CHECK(f[0].name == "Final-Recipient");
  CHECK(f[0].value == "rfc822; bob@example.org");
  CHECK(f[1].value == "smtp; 550 5.1.1 user unknown");
  CHECK(text.substr(pos) == "After: x\n");
}

TEST_CASE("the last field is kept without a trailing blank line or newline") {
  std::size_t pos = 0;
  const field_list f = read_field_block("A: 1\nB: 2", pos, true);
  REQUIRE(f.size() == 2);
  CHECK(f[1].value == "2");
}

TEST_CASE("report blocks skip stray lines and split at blank lines") {
  const auto blocks = read_field_blocks("\n\nReporting-MTA: dns; mx.example.org\n\nnot a field\nAction: failed\nStatus: 5.0.0\n\n\n");
  REQUIRE(blocks.size() == 2);
  CHECK(field_value(blocks[0], "reporting-mta") == "dns; mx.example.org");
  CHECK(field_value(blocks[1], "STATUS") == "5.0.0");
  CHECK(find_field(blocks[1], "Missing") == nullptr);
}

TEST_CASE("what counts as a field line") {
  CHECK(looks_like_field("Subject: hi"));
  CHECK(looks_like_field("X-Weird : spaced"));
  CHECK_FALSE(looks_like_field("not a field: because of spaces"));
  CHECK_FALSE(looks_like_field(": empty name"));
  CHECK_FALSE(looks_like_field("no colon at all"));
  CHECK_FALSE(looks_like_field(" Indented: continuation"));
  CHECK_FALSE(looks_like_field("X-Split name : x"));
  CHECK(looks_like_field("X-Tab\t: x"));
  CHECK(looks_like_field(std::string(76, 'n') + ": the longest name"));
  CHECK_FALSE(looks_like_field(std::string(77, 'n') + ": a name too long"));
  CHECK_FALSE(looks_like_field(std::string(70, 'n') + "       : blanks past the limit"));
}

// The name is checked eight bytes at a time: every byte that ends or spoils a name, at every place in and
// around a word, must give what a byte-by-byte check gives.
TEST_CASE("field names are checked alike at every byte position") {
  const auto reference = [](std::string_view line) {
    const std::size_t limit = std::min<std::size_t>(line.size(), 77);
    for (std::size_t i = 0; i < limit; ++i) {
      const auto c = static_cast<unsigned char>(line[i]);
      if (c == ':') return i != 0;
      if (c > 32 && c < 127) continue;
      if (i == 0 || (c != ' ' && c != '\t')) return false;
      while (i < limit && (line[i] == ' ' || line[i] == '\t')) ++i;
      return i < limit && line[i] == ':';
    }
    return false;
  };
  for (const char odd : {':', ' ', '\t', '\0', '\x1f', '!', '~', '\x7f', '\x80', '\xff', '9'})
    for (std::size_t length = 0; length <= 20; ++length)
      for (std::size_t at = 0; at <= length; ++at) {
        std::string line(length, 'n');
        if (at < length) line[at] = odd;
        for (const std::string_view tail : {"", ":", ": v", " : v"}) {
          const std::string text = line + std::string(tail);
          CHECK(looks_like_field(text) == reference(text));
        }
      }
}

TEST_CASE("fields are found by name in any case, whichever way they were added") {
  field_list f;
  f.push_back_copy("Content-TYPE", "text/plain");
  f.push_back({"X-Mailer", "m"});
  f.push_back_copy("Received", "a");
  CHECK(field_value(f, "content-type") == "text/plain");
  CHECK(field_value(f, "x-mailer") == "m");
  CHECK(find_field(f, "Received") == &f[2]);
  CHECK(find_field(f, "Reply-To") == nullptr);
  CHECK(find_field(f, "") == nullptr);
  const field_list copy = f;
  CHECK(field_value(copy, "CONTENT-TYPE") == "text/plain");
}

TEST_CASE("a list read into again holds only the new block, and never writes into storage a copy shares") {
  const std::string first = "Subject: one\n two\nX-A: a\n\n", second = "To: b@example.org\n  c\n\n";
  std::size_t pos = 0;
  field_list fields = read_field_block(first, pos, true);
  const field_list copy = fields;  // shares the storage of the unfolded "one two"
  pos = 0;
  read_field_block_into(fields, second, pos, true);
  REQUIRE(fields.size() == 1);
  CHECK(fields[0].value == "b@example.org c");
  CHECK(field_value(fields, "Subject").empty());
  CHECK_FALSE(fields.may_have("Subject"));
  REQUIRE(copy.size() == 2);
  CHECK(copy[0].value == "one two");
  pos = 0;
  read_field_block_into(fields, first, pos, true);  // storage no copy shares now: written over
  CHECK(field_value(fields, "Subject") == "one two");
  CHECK(field_value(fields, "To").empty());
}

TEST_CASE("a field line is read the same whether its name ends within sixteen bytes or past them") {
  const std::string text = "Short: a\nA-Name-Longer-Than-Sixteen: b\nSpaced  : c\r\nX-Long-Spaced-Name-Here \t: d\nEnd:";
  std::size_t pos = 0;
  const field_list f = read_field_block(text, pos, true);
  REQUIRE(f.size() == 5);
  CHECK(f[0].value == "a");
  CHECK(f[1].name == "A-Name-Longer-Than-Sixteen");
  CHECK(f[1].value == "b");
  CHECK(f[2].name == "Spaced");
  CHECK(f[2].value == "c");
  CHECK(f[3].name == "X-Long-Spaced-Name-Here");
  CHECK(f[3].value == "d");
  CHECK(f[4].name == "End");
  CHECK(f[4].value.empty());
  CHECK(pos == text.size());
}

TEST_CASE("continuation lines are trimmed at both ends whatever their indent") {
  const std::string text = "Received: from a\n                by b   \n\t\t  with c\r\n        \t  \nAfter: x\n";
  std::size_t pos = 0;
  const field_list f = read_field_block(text, pos, false);
  REQUIRE(f.size() == 1);
  CHECK(f[0].value == "from a by b with c");
  CHECK(text.substr(pos) == "After: x\n");
}

TEST_CASE("a line starting with other white space is neither blank nor a field") {
  std::size_t pos = 0;
  const std::string header = "A: 1\n\fjunk\nB: 2\n";
  const field_list stopped = read_field_block(header, pos, true);
  REQUIRE(stopped.size() == 1);
  CHECK(header.substr(pos) == "\fjunk\nB: 2\n");
  pos = 0;
  const field_list skipped = read_field_block(header, pos, false);
  REQUIRE(skipped.size() == 2);
  CHECK(skipped[1].value == "2");
  pos = 0;
  const field_list blank = read_field_block("A: 1\n \f\r\nB: 2\n", pos, true);  // white space only: a blank line
  REQUIRE(blank.size() == 1);
}
