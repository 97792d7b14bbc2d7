// Where the notification text holds the fields of a report written as text ("Feedback-Type:" for an ARF report,
// "Final-Recipient:" at a line's start for a DSN), found by one pass for both readers.
#pragma once

#include "report/evidence.hpp"

#include <cstddef>
#include <string_view>

namespace bouncekit::detail {

struct report_marks {
  static constexpr std::size_t none = std::string_view::npos;
  std::size_t feedback_type = none;    // the first "feedback-type:" (any case)
  std::size_t final_recipient = none;  // the first "\nfinal-recipient:" (any case)
};

// What ifind(text, "feedback-type:") and ifind(text, "\nfinal-recipient:") answer, by one pass over the colons.
report_marks find_report_marks(std::string_view text) noexcept;

// The marks of a message's text, found on first use (read_arf() needs them for nearly every message, read_dsn()
// for those without a delivery-status part).
class lazy_report_marks {
 public:
  explicit lazy_report_marks(std::string_view text) noexcept : text_(text) {}
  const report_marks& get() noexcept {
    if (!found_) {
      marks_ = find_report_marks(text_);
      found_ = true;
    }
    return marks_;
  }

 private:
  std::string_view text_;
  report_marks marks_;
  bool found_ = false;
};

// read_arf() and read_dsn() with the text's marks shared.
bool read_arf(const message_view& view, report& out, lazy_report_marks& marks);
bool read_dsn(const message_view& view, report& out, lazy_report_marks& marks);

}  // namespace bouncekit::detail
