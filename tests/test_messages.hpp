// Builders for small test messages.
#pragma once

#include <string>

namespace bouncekit::test {

// A Postfix-shaped RFC 3464 report for one recipient; empty arguments leave the field out.
inline std::string make_dsn(const std::string& recipient, const std::string& action, const std::string& status,
                            const std::string& diagnostic) {
  std::string m =
      "From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\n"
      "To: sender@example.com\n"
      "Subject: Undelivered Mail Returned to Sender\n"
      "MIME-Version: 1.0\n"
      "Content-Type: multipart/report; report-type=delivery-status; boundary=\"XYZ\"\n"
      "\n"
      "--XYZ\n"
      "Content-Type: text/plain\n"
      "\n"
      "I'm sorry to have to inform you that your message could not be delivered.\n"
      "--XYZ\n"
      "Content-Type: message/delivery-status\n"
      "\n"
      "Reporting-MTA: dns; mx.example.net\n"
      "\n"
      "Final-Recipient: rfc822; " + recipient + "\n";
  if (!action.empty()) m += "Action: " + action + "\n";
  if (!status.empty()) m += "Status: " + status + "\n";
  if (!diagnostic.empty()) m += "Diagnostic-Code: smtp; " + diagnostic + "\n";
  m += "--XYZ--\n";
  return m;
}

}  // namespace bouncekit::test
