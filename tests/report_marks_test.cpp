#include "report/report_marks.hpp"
#include "util/text.hpp"

#include <catch2/catch.hpp>

#include <random>
#include <string>

using bouncekit::detail::find_report_marks;
using bouncekit::detail::ifind;
using bouncekit::detail::report_marks;

namespace {

// What the readers searched for before the marks were found by one pass.
void check(const std::string& text) {
  const report_marks marks = find_report_marks(text);
  INFO(text);
  CHECK(marks.feedback_type == ifind(text, "feedback-type:"));
  CHECK(marks.final_recipient == ifind(text, "\nfinal-recipient:"));
}

}  // namespace

TEST_CASE("report marks: the first Feedback-Type and the first Final-Recipient at a line's start, in any case") {
  check("");
  check(":");
  check("Feedback-Type: abuse\n");
  check("x\nFINAL-RECIPIENT: rfc822; a@example.org\nStatus: 5.0.0\n");
  check("Final-Recipient: rfc822; a@example.org\n");  // not after a line break: no mark
  check("a list post quoting feedback-type: abuse\nFeedback-Type: other\n");
  check("feedback-type : abuse\nfinal-recipient\n: x\n");
  check("\nfinal-recipient:\nfeedback-type:");
}

TEST_CASE("report marks: the same answers as ifind wherever the names fall against the blocks of the scan") {
  const std::string names[] = {"feedback-type:", "\nfinal-recipient:", "Feedback-TYPE:", "\nFinal-Recipient:",
                               "edback-type:", "final-recipient:", "ok: 550", "\n"};
  std::mt19937 random(7);
  for (int round = 0; round < 3000; ++round) {
    std::string text(random() % 200, 'x');
    for (int k = static_cast<int>(random() % 4); k > 0; --k) {
      const std::string& name = names[random() % std::size(names)];
      text.insert(random() % (text.size() + 1), name);
    }
    check(text);
  }
}
