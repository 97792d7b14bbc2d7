// Reading the common pieces of an MTA's words: which SMTP command a reply answered, the remote host.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace bouncekit::detail {

// "RCPT", "MAIL", "DATA", "CONN", "EHLO", "HELO" from phrases such as "in reply to RCPT TO command",
// "after end of data", ">>> MAIL From:", "while connecting"; empty when the text does not say.
std::string find_smtp_command(std::string_view text);

// find_smtp_command of a text and the remote host it names, by one scan. The host is the one after the first
// of these leads the text has (in this order, each from the left): "while talking to ", "host ",
// "remote server ", "connecting to ", "server "; a dotted name of four bytes or more, lower-cased ("host
// mx.example.org[192.0.2.1] said:", "while talking to mx.example.org.:"); empty when none.
struct smtp_cues {
  std::string command;
  std::string remote_host;
};
smtp_cues find_smtp_cues(std::string_view text);

// The value of a typed report field without its type: "rfc822; bob@example.org", "dns; mx.example.org" (a
// view of `value`).
std::string_view strip_value_type(std::string_view value) noexcept;

// Strips the "smtp;" / "X-Unix;" type of a Diagnostic-Code and unfolds it.
std::string strip_diagnostic_type(std::string_view value);

// The enhanced status code of a failure, from the server's words (`diagnostic`) and the report's Status field
// (empty for a text bounce): the last code of the words (servers quote the inner, more specific one last),
// else the field. Two exceptions: in a final failure (`final_failure`), a 4.x.x code quoted after a 5.x.x one
// ("550 5.4.300 Message expired -> 451 4.4.0 ... 421 4.4.2 ...": an earlier temporary reply) or after a 5.x.x
// Status field does not replace it; and the answer a server quotes from verifying the SENDER ("550-Verification
// failed for <s@example.com> ... Response: 550 5.1.1 ... Sender verify failed", Postfix's "Sender address
// rejected: unverified address: host x said: 550 5.1.1 ...", "undeliverable address", "Address verification
// failed", "could not verify sender", ...) is about the sender's mailbox, not this message: only the words
// before it count. With `failures_only`, 2.x.x codes in the words are skipped. Empty when none.
std::string failure_status(std::string_view diagnostic, std::string_view status_field, bool final_failure,
                           bool failures_only = true);

// A multi-line SMTP reply joined into one line keeps each line's prefix inside its text ("550-5.7.1 first
// 550-5.7.1 second 550 5.7.1 last"). For each reply that starts with a continuation prefix ("NNN-X.Y.Z " or
// "NNN-"), this removes the later continuation prefixes that repeat it and the final line's "NNN X.Y.Z " (or
// "NNN ") that ends it, keeping the first prefix: "550-5.7.1 first second last". A different code, a code
// quoted inside the text ("Response: 550 5.1.1 ..." in a reply without enhanced codes) and a single-line
// reply ("550 5.1.1 ...") stay as written. Expects whitespace already collapsed to single spaces.
std::string strip_continuation_prefixes(std::string_view text);
// The same for a string that is no longer needed: returned as it is (no copy) when there is nothing to strip.
std::string strip_continuation_prefixes_moved(std::string&& text);

// Joins the lines of a multi-line SMTP reply ("550-5.7.1 first", "550 5.7.1 second") into one line: blank lines
// and section rules dropped, the repeated continuation prefixes removed, whitespace collapsed.
std::string join_reply_lines(std::span<const std::string_view> lines);

}  // namespace bouncekit::detail
