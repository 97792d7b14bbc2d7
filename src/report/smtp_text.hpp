// Reading the common pieces of an MTA's words: which SMTP command a reply answered, the remote host.
#pragma once

#include <string>
#include <string_view>

namespace bouncekit::detail {

// "RCPT", "MAIL", "DATA", "CONN", "EHLO", "HELO" from phrases such as "in reply to RCPT TO command",
// "after end of data", ">>> MAIL From:", "while connecting"; empty when the text does not say.
std::string find_smtp_command(std::string_view text);

// The remote host named in phrases such as "host mx.example.org[192.0.2.1] said:", "while talking to
// mx.example.org.:" or "Remote host said"; empty when none.
std::string find_remote_host(std::string_view text);

// The value of a typed report field without its type: "rfc822; bob@example.org", "dns; mx.example.org".
std::string strip_value_type(std::string_view value);

// Strips the "smtp;" / "X-Unix;" type of a Diagnostic-Code and unfolds it.
std::string strip_diagnostic_type(std::string_view value);

}  // namespace bouncekit::detail
