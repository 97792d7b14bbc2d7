// The shortcuts the text reader takes for speed give what the plain ways gave.
#include "mime/mime_message.hpp"
#include "report/evidence.hpp"
#include "report/smtp_text.hpp"
#include "util/text.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <vector>

using namespace bouncekit::detail;

namespace {

// join_reply_lines over lines that are no slices of one text (copies of them): each line is copied by itself.
std::string join_copies(const std::vector<std::string_view>& lines) {
  std::vector<std::string> copies(lines.begin(), lines.end());
  std::vector<std::string_view> views(copies.begin(), copies.end());
  return join_reply_lines(views);
}

}  // namespace

TEST_CASE("join_reply_lines copies consecutive lines of one text as one stretch, with the same result") {
  const std::vector<std::string> pieces = {
      "550-5.1.1 The email account that you tried to reach does not exist.",
      "550-5.1.1 Please try double-checking the recipient's email",
      "550 5.1.1 address for typos.  ",
      "",
      "   \t ",
      "----- Non-delivered information -----",
      "  host mx.example.org[192.0.2.1] said:\t550 5.7.1 rejected\r",
      "    (in reply to RCPT TO command)",
      "550 second reply",
      "x",
      "---",
      "550-",
      "550 5.1.1",
      "  a  b  c  d  e  f  g  h  i  j  k  l  m  n  o  p  ",
  };
  // every run of up to six pieces, each piece once at most, in the order of the list and rotated
  for (std::size_t first = 0; first < pieces.size(); ++first) {
    for (std::size_t count = 1; count <= 6; ++count) {
      std::string text;
      for (std::size_t k = 0; k < count; ++k) {
        if (k > 0) text += '\n';
        text += pieces[(first + k * 5) % pieces.size()];
      }
      const std::vector<std::string_view> lines = split_lines(text);
      CAPTURE(text);
      CHECK(join_reply_lines(lines) == join_copies(lines));
      // a part of the lines, and lines of two texts (not one byte apart)
      if (lines.size() > 2) {
        const std::vector<std::string_view> middle(lines.begin() + 1, lines.end() - 1);
        CHECK(join_reply_lines(middle) == join_copies(middle));
      }
      std::vector<std::string_view> mixed = lines;
      const std::string other = "  550 another text\t ";
      mixed.insert(mixed.begin() + static_cast<std::ptrdiff_t>(mixed.size() / 2), other);
      CHECK(join_reply_lines(mixed) == join_copies(mixed));
    }
  }
}

TEST_CASE("split_lines into a kept vector replaces what it held") {
  std::vector<std::string_view> lines = {"old", "lines", "here"};
  split_lines("a\nb", lines);
  CHECK(lines == std::vector<std::string_view>{"a", "b"});
  split_lines("", lines);
  CHECK(lines == std::vector<std::string_view>{""});
  CHECK(split_lines("x\n") == std::vector<std::string_view>{"x", ""});
}

TEST_CASE("a report kept while the next text bounce is read keeps its own error context") {
  const auto text_bounce = [](std::string_view words) {
    return "From: MAILER-DAEMON@mx.example.net\nTo: a@example.com\nSubject: Undelivered Mail Returned to Sender\n\n"
           "This is the mail system.\n\nI'm sorry to have to inform you that your message could not be delivered.\n\n"
           "<bob@example.org>: " +
           std::string(words) + "\n";
  };
  const std::string first_message = text_bounce("mailbox is wholly unavailable here");
  const std::string second_message = text_bounce("the second message says something else");
  report first;
  {
    const parsed_message parsed = parse_message(first_message, bouncekit::limits{});
    const message_view view(parsed);
    REQUIRE(read_text_bounce(view, first));
  }
  REQUIRE(first.recipients.size() == 1);
  REQUIRE(first.recipients[0].context);
  const std::string first_line = first.recipients[0].context->one_line();
  CHECK(first_line.find("wholly unavailable") != std::string::npos);
  for (int round = 0; round < 2; ++round) {  // (the second round may reuse the context the first one dropped)
    const parsed_message parsed = parse_message(second_message, bouncekit::limits{});
    const message_view view(parsed);
    report second;
    REQUIRE(read_text_bounce(view, second));
    REQUIRE(second.recipients.size() == 1);
    REQUIRE(second.recipients[0].context);
    CHECK(second.recipients[0].context->one_line().find("something else") != std::string::npos);
    CHECK(second.recipients[0].context != first.recipients[0].context);
  }
  CHECK(first.recipients[0].context->one_line() == first_line);
}
