#include "mime/mime_message.hpp"
#include "report/evidence.hpp"
#include "report/smtp_text.hpp"
#include "util/text.hpp"

#include <bouncekit/bouncekit.hpp>

#include <catch2/catch.hpp>

#include <algorithm>

using namespace bouncekit::detail;

TEST_CASE("addresses are found and normalised") {
  CHECK(normalise_address("rfc822; <Bob.Smith@EXAMPLE.Org>") == "Bob.Smith@example.org");
  CHECK(find_address("550 5.1.1 <alice@example.net>... User unknown") == "alice@example.net");
  CHECK(find_addresses("a@example.org, b@example.org; a@example.org") == std::vector<std::string>{"a@example.org", "b@example.org"});
  CHECK(find_address("no address here").empty());
  CHECK(normalise_address("\"john doe\"@Example.COM") == "\"john doe\"@example.com");
  // the same address in another case of its domain is the same; of its local part, another
  CHECK(find_addresses("a@Example.org, a@example.ORG; A@example.org a@example.org.uk") ==
        std::vector<std::string>{"a@example.org", "A@example.org", "a@example.org.uk"});
  // an ASCII domain ends at the first non-ASCII byte; a non-ASCII one keeps them
  CHECK(find_address("bob@Example.jp\xef\xbc\x8c x") == "bob@example.jp");
  CHECK(find_address("bob@\xe4\xbe\x8b.jp, x") == "bob@\xe4\xbe\x8b.jp");
}

TEST_CASE("status and reply codes are read from text") {
  CHECK(find_status_code("550 5.1.1 <bob@example.org>: user unknown") == "5.1.1");
  CHECK(find_status_code("(#5.5.0)") == "5.5.0");
  CHECK(find_status_code("host 192.0.5.1.1 said") == "");
  CHECK(find_status_code("version 1.5.1.2") == "");
  CHECK(find_status_code("550 5.7.509 Access denied") == "5.7.509");
  CHECK(find_reply_code("550 5.1.1 unknown") == "550");
  CHECK(find_reply_code("host said: 452 4.2.2 full") == "452");
  CHECK(find_reply_code("550-5.7.26 Unauthenticated") == "550");
  CHECK(find_reply_code("in 2500 ms") == "");
}

// find_reply_code looks for three digits in a row sixteen starts at a time: every offset, with digit runs of
// other lengths and codes that their neighbours rule out around it.
TEST_CASE("reply codes are found at every offset") {
  const auto reference = [](std::string_view s) -> std::string {
    const auto lead = [](char c) {
      return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || c == ':' || c == '>' ||
             c == '(' || c == '#' || c == '[' || c == '"' || c == ';' || c == '\'';
    };
    const auto digit = [](char c) { return c >= '0' && c <= '9'; };
    for (std::size_t i = 0; i + 3 <= s.size(); ++i) {
      if (s[i] != '2' && s[i] != '4' && s[i] != '5') continue;
      if (i > 0 && !lead(s[i - 1])) continue;
      if (!digit(s[i + 1]) || !digit(s[i + 2]) || s[i + 1] > '5') continue;
      if (i + 3 == s.size()) return std::string(s.substr(i, 3));
      const char after = s[i + 3];
      const bool colon_then_space = after == ':' && (i + 4 == s.size() || s[i + 4] == ' ');
      if (after == ' ' || after == '-' || after == '\t' || after == '\n' || colon_then_space || after == '\'' ||
          after == ')')
        return std::string(s.substr(i, 3));
    }
    return {};
  };
  for (const std::string_view code : {"550 ", "(421)", "x554:", "2500 ", "\"452-", "::220:6d", "560 ", "45", "550"}) {
    for (std::size_t at = 0; at < 40; ++at) {
      for (const std::string_view filler : {"a", "12.", "9", " ", "ab:", "[x"}) {
        std::string text;
        while (text.size() < at) text += filler;
        text.resize(at);
        text += code;
        text += " 1234 y";
        CHECK(find_reply_code(text) == reference(text));
        text.resize(at + code.size());
        CHECK(find_reply_code(text) == reference(text));
      }
    }
  }
}

TEST_CASE("SMTP command, remote host and diagnostic type") {
  CHECK(find_smtp_command("said: 550 unknown (in reply to RCPT TO command)") == "RCPT");
  CHECK(find_smtp_command("SMTP error from remote mail server after end of data:") == "DATA");
  CHECK(find_smtp_command("no command") == "");
  CHECK(find_smtp_cues("host mx.example.org[192.0.2.1] said: 550").remote_host == "mx.example.org");
  CHECK(find_smtp_cues("... while talking to mail.example.net.:").remote_host == "mail.example.net");
  CHECK(strip_diagnostic_type("smtp; 550 5.1.1\n   user unknown") == "550 5.1.1 user unknown");
  CHECK(strip_diagnostic_type("X-Unix; 127") == "127");
  // Postfix's words for a refusing greeting
  CHECK(find_smtp_command("host mx.example.de[192.0.2.9] refused to talk to me: 554 IP=192.0.2.1 - Dialup/transient "
                          "IP not allowed") == "CONN");
}

// ascii_lower works eight bytes at a time: every byte value at every position of strings of every length up to 40.
TEST_CASE("ascii_lower changes A-Z only, at any length") {
  for (std::size_t size = 0; size <= 40; ++size) {
    for (unsigned value = 0; value < 256; ++value) {
      std::string s(size, 'Q');
      for (std::size_t i = 0; i < size; ++i)
        s[i] = static_cast<char>(i % 3 == 0 ? value : (value + 37 * i) % 256);
      std::string expected = s;
      for (char& c : expected)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
      CHECK(ascii_lower(s) == expected);
    }
  }
}

TEST_CASE("case-insensitive search") {
  CHECK(ifind("Hello World", "world") == 6);
  CHECK(ifind("aaa", "AAAA") == std::string_view::npos);
  CHECK(ifind("xXy", "xy") == 1);
  CHECK(ifind("abc", "c", 2) == 2);
  CHECK(ifind("abc", "c", 3) == std::string_view::npos);
  CHECK(ifind("eeeeeeeeeeE!", "e!") == 10);
  CHECK(ifind("", "a") == std::string_view::npos);
  CHECK(ifind("a", "") == 0);
  CHECK(icontains("Delivery Status Notification (Failure)", "notification (failure)"));
}

// ifind tests sixteen and thirty-two starts at a time: every length and position, around those block sizes, with
// bytes that equal a needle's byte only once bit 0x20 is set ('\x1a' and ':', '@' and '`', '\x01' and '!').
TEST_CASE("case-insensitive search agrees with a byte-by-byte reference") {
  const auto reference = [](std::string_view haystack, std::string_view needle, std::size_t from) {
    for (std::size_t i = from; i + needle.size() <= haystack.size(); ++i)
      if (iequals(haystack.substr(i, needle.size()), needle)) return i;
    return std::string_view::npos;
  };
  for (const std::string_view needle : {"A", "x:", "Status:", "\nfinal-recipient:", "@`!"}) {
    for (std::size_t size = 0; size < 80; ++size) {
      for (std::size_t at = 0; at + needle.size() <= size; ++at) {
        std::string haystack(size, 'z');
        for (std::size_t i = 0; i < size; ++i) haystack[i] = "a\x1a:@`\x01!zZ"[(i * 7 + at) % 9];
        std::string upper(needle);
        for (char& c : upper) c = ascii_upper_char(c);
        haystack.replace(at, needle.size(), at % 2 ? upper : std::string(needle));
        for (const std::size_t from : {std::size_t{0}, at, at + 1}) {
          CHECK(ifind(haystack, needle, from) == reference(haystack, needle, from));
          CHECK(ifind(haystack, rare_pair_needle(needle), from) == reference(haystack, needle, from));
        }
      }
    }
  }
}

// A needle searched for by its rarest bytes ('q' and 'x' here, in its middle) is found where the plain search
// finds it, also where its first and last bytes occur often.
TEST_CASE("case-insensitive search by a needle's rare bytes") {
  const rare_pair_needle needle("the qmail-xsend host");
  CHECK(needle.first() == 4);
  CHECK(needle.second() == 10);
  std::string haystack;
  for (int i = 0; i < 40; ++i) haystack += "the host at t. ";
  const std::size_t at = haystack.size();
  haystack += "The QMAIL-XSEND Host said";
  CHECK(ifind(haystack, needle) == at);
  CHECK(ifind(haystack, needle, at + 1) == std::string_view::npos);
  CHECK(ifind(std::string_view(haystack).substr(0, haystack.size() - 6), needle) == std::string_view::npos);
  CHECK(ifind("x", rare_pair_needle("x")) == 0);
  CHECK(ifind("ab", rare_pair_needle("")) == 0);
}

TEST_CASE("a run of dashes before an address is a separator, not part of the local part") {
  CHECK(bouncekit::detail::find_address("--list@example.org, Be Seeing You!") == "list@example.org");
  CHECK(bouncekit::detail::find_address("---- bob@example.org ----") == "bob@example.org");
  CHECK(bouncekit::detail::find_address("-x@example.org") == "-x@example.org");  // one dash is a valid local part
}

TEST_CASE("reply codes written with a colon or in quotes are found; an IPv6 group is not one") {
  CHECK(find_reply_code("554: delivery error: dd Not a valid recipient") == "554");
  CHECK(find_reply_code("Unknown address error ('550', ['5.1.1 <liz@example.org>: ...'])") == "550");
  CHECK(find_reply_code("[2001:db8::220:6d:26bf]:25: socket error").empty());
  CHECK(find_reply_code("at 12:34:45 the host said 550 5.1.1") == "550");
  // the scan skips ahead past bytes that cannot end a code: a code is found at every offset
  CHECK(find_reply_code("a 550 x") == "550");
  CHECK(find_reply_code("ab 550 x") == "550");
  CHECK(find_reply_code("abc 550 x") == "550");
  CHECK(find_reply_code("x1 25 421 busy") == "421");
  CHECK(find_reply_code("550") == "550");
  CHECK(find_reply_code("55").empty());
}

namespace {

const bouncekit::classifier& text_classifier() {
  static const bouncekit::classifier c;
  return c;
}

std::string sendmail_bounce(const std::string& to, const std::string& transcript) {
  return "From: Mail Delivery Subsystem <MAILER-DAEMON@relay.example.net>\nTo: " + to +
         "\nSubject: Returned mail: see transcript for details\n\n"
         "   ----- Transcript of session follows -----\n" +
         transcript +
         "\n   ----- Unsent message follows -----\nFrom: " + to + "\nTo: someone@example.org\nSubject: hello\n\nhi\n";
}

const bouncekit::recipient_verdict& verdict_of(const bouncekit::classification& c, const std::string& address) {
  const auto it = std::find_if(c.recipients.begin(), c.recipients.end(),
                               [&](const bouncekit::recipient_verdict& v) { return v.address == address; });
  REQUIRE(it != c.recipients.end());
  return *it;
}

}  // namespace

TEST_CASE("Sendmail transcript: a recipient's diagnostic stops at the next entry; a generic line takes the server's reply") {
  const auto c = text_classifier().classify(sendmail_bounce(
      "lee@example.net",
      "While talking to mx.example.edu:\n"
      ">>> DATA\n"
      "<<< 550 We refuse this: you cannot mail yourself\n"
      "421 mx.example.edu (smtp)... Deferred: Connection reset by peer during result wait with mx.example.edu\n"
      "554 <ann@example.edu>... Remote protocol error: Connection reset by peer during result wait with mx.example.edu\n"
      "550 example.or.jp (smtp)... 550 Host unknown\n"
      "554 <bob@example.or.jp>... 550 Host unknown (Authoritative answer from name server)\n"));
  REQUIRE(c.recipients.size() == 2);
  const auto& ann = verdict_of(c, "ann@example.edu");
  CHECK(ann.diagnostic == "550 We refuse this: you cannot mail yourself");
  CHECK(ann.reply_code == "550");
  CHECK(ann.smtp_command == "DATA");
  CHECK(ann.remote_mta == "mx.example.edu");
  CHECK(ann.reason == "policyviolation");
  CHECK(ann.category == bouncekit::category::policy_related);
  CHECK(ann.bounce_class == bouncekit::bounce_class::soft);
  const auto& bob = verdict_of(c, "bob@example.or.jp");
  CHECK(bob.diagnostic == "554 <bob@example.or.jp>... 550 Host unknown (Authoritative answer from name server)");
  CHECK(bob.reason == "hostunknown");
  CHECK(bob.bounce_class == bouncekit::bounce_class::hard);
  CHECK_FALSE(bob.smtp_command);
}

TEST_CASE("Sendmail transcript: the server's reply to MAIL FROM decides a generic line and never names a recipient") {
  // the envelope sender differs from the bounce's addressee: it is named only in the server's reply
  const auto c = text_classifier().classify(sendmail_bounce(
      "lee@example.net",
      "While talking to mail.example.org:\n"
      ">>> MAIL From:<bounces-7@lists.example.net>\n"
      "<<< 501 <bounces-7@lists.example.net>... no access from mail server [192.0.2.71] which is an open relay\n"
      "554 <carl@example.org>... Remote protocol error\n"));
  REQUIRE(c.recipients.size() == 1);
  const auto& carl = c.recipients[0];
  CHECK(carl.address == "carl@example.org");
  CHECK(carl.diagnostic == "501 <bounces-7@lists.example.net>... no access from mail server [192.0.2.71] which is an open relay");
  CHECK(carl.reply_code == "501");
  CHECK(carl.smtp_command == "MAIL");
  CHECK(carl.reason == "blocked");
  CHECK(carl.category == bouncekit::category::spam_related);
  CHECK(carl.bounce_class == bouncekit::bounce_class::soft);
}

TEST_CASE("Sendmail transcript: a specific line of the recipient's own wins; the status is the server's") {
  const auto c = text_classifier().classify(sendmail_bounce(
      "lee@example.net",
      "... while talking to mx.example.com.:\n"
      ">>> RCPT To:<dana@example.com>\n"
      "<<< 550 5.0.0 Nobody here by that name\n"
      "550 5.1.1 <dana@example.com>... User unknown\n"
      ">>> DATA\n"
      "<<< 503 5.0.0 Need RCPT (recipient)\n"));
  REQUIRE(c.recipients.size() == 1);
  const auto& dana = c.recipients[0];
  CHECK(dana.diagnostic == "550 5.1.1 <dana@example.com>... User unknown");
  CHECK(dana.status == "5.0.0");
  CHECK(dana.reply_code == "550");
  CHECK(dana.smtp_command == "RCPT");
  CHECK(dana.reason == "userunknown");
  CHECK(dana.bounce_class == bouncekit::bounce_class::hard);
}

TEST_CASE("Sendmail's '(reason: ...)' wrapper: the reply starts at its code and loses the closing parenthesis") {
  auto bounce = [](const std::string& reason_line) {
    return "From: Mail Delivery Subsystem <MAILER-DAEMON@relay.example.net>\nTo: kim@example.net\n"
           "Subject: Returned mail: see transcript for details\n\n"
           "   ----- The following addresses had permanent fatal errors -----\n"
           "<ola@example.edu>\n"
           "    (reason: " +
           reason_line +
           ")\n\n"
           "   ----- Original message follows -----\n\nFrom: kim@example.net\nTo: ola@example.edu\n"
           "Subject: minutes\n\nsee you\n";
  };
  const auto plain = text_classifier().classify(bounce("554 5.7.1 Refused by site rules"));
  REQUIRE(plain.recipients.size() == 1);
  CHECK(plain.recipients[0].address == "ola@example.edu");
  CHECK(plain.recipients[0].diagnostic == "554 5.7.1 Refused by site rules");
  CHECK(plain.recipients[0].reply_code == "554");
  CHECK(plain.recipients[0].status == "5.7.1");
  // a parenthesis of the reply's own stays
  const auto inner = text_classifier().classify(bounce("550 5.7.1 Refused by site rules (details: https://example.edu/r)"));
  REQUIRE(inner.recipients.size() == 1);
  CHECK(inner.recipients[0].diagnostic == "550 5.7.1 Refused by site rules (details: https://example.edu/r)");
  CHECK(inner.recipients[0].status == "5.7.1");
}

TEST_CASE("a Domino bounce that does not name Domino in its text is known by its subject or X-MIMETrack") {
  const std::string body =
      "MIME-Version: 1.0\nContent-Type: text/plain\n\nYour message\n\n  Subject: Invoice 88\n\n"
      "was not delivered to:\n\n  mara@example.it\n\nbecause:\n\n  Cannot route mail to user (mara@example.it)\n";
  const auto by_subject = text_classifier().classify(
      "From: Postmaster@example.it\nTo: billing@example.com\nSubject: DELIVERY FAILURE: Cannot route mail to user\n" +
      body);
  CHECK(by_subject.format == "domino");
  REQUIRE(by_subject.recipients.size() == 1);
  CHECK(by_subject.recipients[0].address == "mara@example.it");
  const auto by_header = text_classifier().classify(
      "From: Postmaster@example.it\nTo: billing@example.com\nSubject: Undeliverable mail\n"
      "X-MIMETrack: Serialize by Router on GW01/Example(Release 12.0.2) at 06/04/2024 11:14:00\n" +
      body);
  CHECK(by_header.format == "domino");
  const auto neither = text_classifier().classify(
      "From: Postmaster@example.it\nTo: billing@example.com\nSubject: Undeliverable mail\n" + body);
  CHECK(neither.format == "text");
}

TEST_CASE("a multi-line server reply is joined up to the next transcript entry") {
  const auto c = text_classifier().classify(sendmail_bounce(
      "lee@example.net",
      "... while talking to mx.example.com.:\n"
      ">>> DATA\n"
      "<<< 552-5.7.0 This message was refused because its attachment\n"
      "<<< 552 5.7.0 type is not accepted here (for <eve@example.com>)\n"
      "554 5.0.0 Service unavailable\n"));
  REQUIRE(c.recipients.size() == 1);
  CHECK(c.recipients[0].address == "eve@example.com");
  CHECK(c.recipients[0].diagnostic ==
        "552-5.7.0 This message was refused because its attachment type is not accepted here (for <eve@example.com>)");
  CHECK(c.recipients[0].status == "5.7.0");
}

TEST_CASE("a multi-line reply joined into one line keeps only its first continuation prefix") {
  // every later line's prefix, and the last line's "NNN X.Y.Z"
  CHECK(strip_continuation_prefixes(
            "550-5.7.1 The sender's domain has no 550-5.7.1 valid reputation 550 5.7.1 yet. x1 - mx") ==
        "550-5.7.1 The sender's domain has no valid reputation yet. x1 - mx");
  // a reply after a lead, re-wrapped mid-line
  CHECK(strip_continuation_prefixes(
            "host mx.example.org[192.0.2.1] said: 452-4.2.2 The mailbox is 452 4.2.2 over quota. "
            "(in reply to RCPT TO command)") ==
        "host mx.example.org[192.0.2.1] said: 452-4.2.2 The mailbox is over quota. (in reply to RCPT TO command)");
  // prefixes with no enhanced code; a reply quoted inside (with its own code) stays
  CHECK(strip_continuation_prefixes("550-Callout check failed for <p@example.net> 550-Answer: 550 5.1.1 no such user "
                                    "550 Sender check failed") ==
        "550-Callout check failed for <p@example.net> Answer: 550 5.1.1 no such user Sender check failed");
  // a single-line reply, and a different code quoted later, stay as written
  CHECK(strip_continuation_prefixes("550 5.1.1 <a@example.org>: unknown 550 5.1.1 again") ==
        "550 5.1.1 <a@example.org>: unknown 550 5.1.1 again");
  CHECK(strip_continuation_prefixes("451-4.3.0 Try later, 451-4.3.0 said the relay: 550 5.7.1 denied") ==
        "451-4.3.0 Try later, said the relay: 550 5.7.1 denied");
  CHECK(strip_continuation_prefixes("550-5.7.1 first line 550-5.7.26 other code 550 5.7.1 end") ==
        "550-5.7.1 first line 550-5.7.26 other code end");
  // the run ends at its last line: a later reply with the same code is another reply
  CHECK(strip_continuation_prefixes("550-5.7.1 one 550 5.7.1 two <b@example.org>: 550 5.7.1 three") ==
        "550-5.7.1 one two <b@example.org>: 550 5.7.1 three");
  // no reply code at all, dates and ranges
  CHECK(strip_continuation_prefixes("queued 2024-05-02 for 450-minute retries") ==
        "queued 2024-05-02 for 450-minute retries");
  CHECK(strip_continuation_prefixes("") == "");
  // the variant for a string no longer needed: the same answers, with or without anything to strip
  CHECK(strip_continuation_prefixes_moved("550-5.7.1 first line 550-5.7.1 second 550 5.7.1 end") ==
        "550-5.7.1 first line second end");
  CHECK(strip_continuation_prefixes_moved("queued 2024-05-02 for 450-minute retries, a long enough text") ==
        "queued 2024-05-02 for 450-minute retries, a long enough text");
}

TEST_CASE("a failure's status: the innermost code, but not a quoted temporary one or a sender check's answer") {
  // the last code is the innermost
  CHECK(failure_status("550 5.7.1 relay said: 550 5.1.1 unknown", "5.0.0", true) == "5.1.1");
  CHECK(failure_status("no code here", "5.2.2", true) == "5.2.2");
  // a final failure: an earlier temporary reply quoted after the 5.x.x code, or after a 5.x.x Status field
  CHECK(failure_status("550 5.4.300 Message expired -> 451 4.4.0 target said \"421 4.4.2 timeout\"", "5.4.300",
                       true) == "5.4.300");
  CHECK(failure_status("Last reply: 421 4.4.2 connection dropped", "5.4.7", true) == "5.4.7");
  // ... but a generic 5.0.0 field says less than the words, and a delay is still temporary
  CHECK(failure_status("Last reply: 421 4.4.2 connection dropped", "5.0.0", true) == "4.4.2");
  CHECK(failure_status("554 5.4.7 expired <421 4.4.2 timed out>", "4.4.7", false) == "4.4.2");
  CHECK(failure_status("421 4.4.2 connection dropped", "4.4.7", true) == "4.4.2");
  // a sender verification quotes the answer about the sender: only the words before it count
  CHECK(failure_status("550-Verification failed for <s@example.com> Called: 192.0.2.1 Sent: RCPT TO:<s@example.com> "
                       "Response: 550 5.1.1 <s@example.com>: no such user Sender verify failed",
                       "", true)
            .empty());
  CHECK(failure_status("450 4.1.7 <s@example.com>: Sender address rejected: unverified address: host "
                       "mx.example.com[192.0.2.2] said: 550 5.1.1 <s@example.com>: User unknown",
                       "", false) == "4.1.7");
  // Postfix's permanent twin (the probe bounced) and the other wordings of the same check
  CHECK(failure_status("550 5.1.7 <s@example.com>: Sender address rejected: undeliverable address: host "
                       "mx.example.com[192.0.2.2] said: 550 5.1.1 <s@example.com>: User unknown",
                       "5.0.0", true) == "5.1.7");
  CHECK(failure_status("450 4.1.7 <s@example.com>: Sender address rejected: Undeliverable address: host "
                       "mx.example.com[192.0.2.2] said: 552 5.2.2 <s@example.com>: Mailbox full",
                       "", false) == "4.1.7");
  CHECK(failure_status("550 5.1.7 <s@example.com>: Sender address rejected: Address verification failed: "
                       "552 5.2.2 over quota",
                       "", true) == "5.1.7");
  CHECK(failure_status("451 4.1.8 Could not verify sender <s@example.com>: 550 5.1.1 no such user", "", false) ==
        "4.1.8");
  CHECK(failure_status("550-Verification failed for <s@example.com> Response: 552 5.2.2 quota exceeded "
                       "550 Sender verification failed",
                       "5.1.7", true) == "5.1.7");
  // a recipient's check is about this message: its quoted answer counts
  CHECK(failure_status("450 4.1.1 <r@example.org>: Recipient address rejected: undeliverable address: host "
                       "mx.example.org[192.0.2.3] said: 550 5.1.1 <r@example.org>: User unknown",
                       "", true) == "5.1.1");
}

TEST_CASE("a report's address with a doubled @ is kept as written; other junk is not an address") {
  CHECK(normalise_address("rfc822; eli@@example.org").empty());
  CHECK(malformed_report_address("rfc822; eli@@Example.ORG") == "eli@@example.org");
  CHECK(malformed_report_address("rfc822; <ann.lee@@@example.net>") == "ann.lee@@@example.net");
  CHECK(malformed_report_address("rfc822; a@").empty());
  CHECK(malformed_report_address("rfc822; @@example.org").empty());
  CHECK(malformed_report_address("rfc822; eli@@localhost").empty());
  CHECK(malformed_report_address("rfc822; eli@x@example.org").empty());
  CHECK(malformed_report_address("rfc822; eli @@example.org").empty());
  CHECK(malformed_report_address("rfc822; eli@example.org").empty());  // one '@' is normalise_address's
}

TEST_CASE("whitespace is collapsed the same at every length and offset") {
  // the reference: a byte at a time (the words copied eight bytes at a time must not change what comes out,
  // whatever their length, and control or UTF-8 bytes inside words stay)
  const auto collapsed = [](std::string_view s) {
    std::string out;
    bool gap = false;
    for (const char c : s) {
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
        gap = !out.empty();
      } else {
        if (gap) out += ' ';
        gap = false;
        out += c;
      }
    }
    return out;
  };
  const std::vector<std::string> words = {"a", "mailbox", "unavailable:", "x\x01y", "caf\xc3\xa9", "0123456789abcdefg",
                                          "\xe2\x80\x94", "12345678"};
  for (std::size_t n = 1; n <= 40; ++n) {
    std::string line;
    for (std::size_t k = 0; k < n; ++k) {
      if (k > 0) line += (k % 3 == 0) ? "\t " : (k % 5 == 0 ? "   " : " ");
      line += words[(k * 7 + n) % words.size()];
    }
    CHECK(collapse_whitespace(" \n" + line + "\r\n") == collapsed(line));
    const std::vector<std::string_view> lines = {line, "  second\t\tline  ", "", "x"};
    CHECK(join_reply_lines(lines) == collapsed(line + " second line x"));
  }
  CHECK(join_reply_lines(std::vector<std::string_view>{"550-5.1.1 first  line", "550 5.1.1 second\tline"}) ==
        "550-5.1.1 first line second line");
  // each kind of gap at every offset from the sixteen-byte blocks, and two gaps close together
  for (const std::string_view gap : {" ", "  ", "\t", " \t", "\r\n", "\v", "\f ", " \n "}) {
    for (std::size_t k = 1; k < 40; ++k) {
      for (std::size_t d = 1; d < 20; d += 3) {
        const std::string line =
            std::string(k, 'a') + std::string(gap) + std::string(d, 'b') + std::string(gap) + "cdefghijklmnopqrstuv";
        CHECK(collapse_whitespace(line) == collapsed(line));
      }
    }
  }
}

namespace {

// The remote host worked out the slow way: each lead searched for from the left, in order of precedence.
std::string host_by_lead_order(std::string_view text) {
  for (std::string_view lead : {"while talking to ", "host ", "remote server ", "connecting to ", "server "})
    for (std::size_t at = ifind(text, lead); at != std::string_view::npos; at = ifind(text, lead, at + 1)) {
      if (at > 0 && is_alpha(text[at - 1])) continue;  // "ghost "
      std::size_t end = at + lead.size();
      while (end < text.size() && (is_alpha(text[end]) || is_digit(text[end]) || text[end] == '.' ||
                                   text[end] == '-' || text[end] == '_'))
        ++end;
      std::string_view host = text.substr(at + lead.size(), end - at - lead.size());
      while (!host.empty() && host.back() == '.') host.remove_suffix(1);
      if (host.find('.') != std::string_view::npos && host.size() >= 4 && is_alpha(host.front()))
        return ascii_lower(host);
    }
  return {};
}

}  // namespace

TEST_CASE("one scan finds what find_smtp_command and a lead-by-lead search for the host find") {
  const std::string long_prose(3000, 'x');  // long enough for the scanner's lanes
  for (const std::string& text : std::vector<std::string>{
           "said: 550 unknown (in reply to RCPT TO command)",
           "host mx.example.org[192.0.2.1] said: 550 5.1.1 (in reply to end of DATA command)",
           "ghost mx.example.org said: remote server mx2.example.net. refused to talk to me",
           "Remote Server returned '550' while talking to MX.Example.NET.: >>> DATA <<< 554 no",
           "connecting to a.b while connecting to smtp.example.com: Connection refused; server relay.example.org",
           "the host said: server x; host y.z.example and then host mx.example.org",
           "SMTP error from remote mail server after pipelined RCPT TO:<a@example.org>: 550",
           long_prose + " host mx.example.org said: 550 (in reply to MAIL FROM command) " + long_prose,
           "", "no command and no host here"}) {
    const smtp_cues cues = find_smtp_cues(text);
    CHECK(cues.command == find_smtp_command(text));
    CHECK(cues.remote_host == host_by_lead_order(text));
  }
}

// The text of a message with only an HTML part: tags dropped (style and script with their content), line
// breaks kept, entities decoded, and the runs between them (longer than sixteen bytes here) copied whole.
TEST_CASE("an HTML-only message's text") {
  const std::string raw =
      "From: MAILER-DAEMON@mx.example.org\nTo: a@example.com\nSubject: Undeliverable\n"
      "Content-Type: text/html\n\n"
      "<html><style>p { color: red }</style><p>Your message to bob@example.org could not be delivered"
      "<br>Reason: mailbox &lt;bob@example.org&gt; is full &amp; over quota</p>"
      "<script>var x = 1 < 2;</script>&nbsp;the end &unknown; x</html>";
  const parsed_message m = parse_message(raw, bouncekit::limits{});
  const message_view view(m);
  CHECK(view.text ==
        "\nYour message to bob@example.org could not be delivered\nReason: mailbox <bob@example.org> is full & "
        "over quota\n the end &unknown; x");
}

// find_last and has_digit look at sixteen bytes at a time: they must agree with the plain answers at every
// length and offset, the blocks' edges included.
TEST_CASE("find_last and has_digit agree with rfind and a byte loop at every length") {
  for (std::size_t size = 0; size <= 70; ++size) {
    for (std::size_t at = 0; at + 5 <= size; at += 3) {
      std::string hay(size, 'x');
      hay.replace(at, 5, "5.1.1");
      if (at >= 7) hay.replace(at - 7, 5, "5.1.2");  // an earlier near miss
      CHECK(find_last(hay, "5.1.1") == hay.rfind("5.1.1"));
      CHECK(find_last(hay, "5.1.") == hay.rfind("5.1."));
      CHECK(find_last(hay, "4.4.4") == std::string::npos);
    }
    std::string letters(size, 'a');
    CHECK_FALSE(has_digit(letters));
    for (std::size_t at = 0; at < size; ++at) {
      std::string one = letters;
      one[at] = '7';
      CHECK(has_digit(one));
    }
  }
}

namespace {
struct test_slot;
std::string inline_bounce(std::string_view to) {
  return "From: MAILER-DAEMON@mx.example.org\nSubject: failure\n\nDelivery failed.\n\nFrom: a@example.com\nTo: " +
         std::string(to) + "\nSubject: hello\n\nhi\n";
}
}  // namespace

// The field list a thread keeps goes to one lease at a time (a nested one gets a list of its own), and comes
// back empty with its room bounded.
TEST_CASE("a thread-kept field list") {
  std::string big;
  for (int i = 0; i < 100; ++i) big += "X-F" + std::to_string(i) + ": " + std::string(40, 'v') + "\n\t" + "w\n";
  {
    kept_field_list<test_slot> outer;
    kept_field_list<test_slot> inner;
    CHECK(&outer.get() != &inner.get());
    std::size_t pos = 0;
    read_field_block_into(outer.get(), big, pos, true);
    CHECK(outer.get().size() == 100);
    CHECK(inner.get().empty());
  }
  kept_field_list<test_slot> again;
  CHECK(again.get().empty());
  CHECK(again.get().capacity() <= 64);
}

// Views of different messages alive at once on one thread (as in a nested classify()) keep their own returned
// headers, and a later view does not see theirs.
TEST_CASE("message views alive at once keep their own returned headers") {
  // (the parsed messages' views point into the raw texts)
  const std::string first_raw = inline_bounce("bob@example.org");
  const std::string second_raw = inline_bounce("carol@example.org");
  const parsed_message first = parse_message(first_raw, bouncekit::limits{});
  const parsed_message second = parse_message(second_raw, bouncekit::limits{});
  const parsed_message none =
      parse_message("From: a@example.com\nSubject: hi\n\nno headers here\n", bouncekit::limits{});
  {
    const message_view outer(first);
    {
      const message_view inner(second);
      CHECK(field_value(inner.returned_headers, "To") == "carol@example.org");
    }
    CHECK(field_value(outer.returned_headers, "To") == "bob@example.org");
  }
  const message_view later(none);
  CHECK(later.returned_headers.empty());
  const message_view again(second);
  CHECK(field_value(again.returned_headers, "To") == "carol@example.org");
}

// A subject with nothing to decode or collapse is viewed where it is; any other is decoded and collapsed.
TEST_CASE("a message view's subject, From and To") {
  const auto view_of = [](const std::string& headers, auto check) {
    const std::string raw = headers + "\nbody\n";  // the parsed message's views point into it
    const parsed_message m = parse_message(raw, bouncekit::limits{});
    const message_view view(m);
    check(view);
  };
  view_of("Subject: plain words here\nFrom: A <a@example.org>\nTo: b@example.org\n", [](const message_view& v) {
    CHECK(v.subject == "plain words here");
    CHECK(v.from == "A <a@example.org>");
    CHECK(v.from_address == "a@example.org");
    CHECK(v.to == "b@example.org");
  });
  view_of("Subject: two  spaces\tand a tab \nFrom: =?utf-8?q?J=C3=B6rg?= <j@example.org>\n", [](const message_view& v) {
    CHECK(v.subject == "two spaces and a tab");
    CHECK(v.from == "J\xc3\xb6rg <j@example.org>");
    CHECK(v.to.empty());
  });
  view_of("Subject: =?utf-8?q?caf=C3=A9?=  au lait\nTo: x\xff@example.org\n", [](const message_view& v) {
    CHECK(v.subject == "caf\xc3\xa9 au lait");
    CHECK(v.to == "x\xef\xbf\xbd@example.org");
  });
}

TEST_CASE("find_char and find_string agree with string_view::find at every length, offset and start") {
  // exactly sized buffers (a vector per length), so that a read past the end shows under ASan
  for (std::size_t n = 0; n <= 300; ++n) {
    std::vector<char> bytes(n, 'a');
    const std::string_view text(bytes.data(), n);
    for (const std::size_t hit : {std::size_t{0}, n / 3, n / 2, n - (n > 0), n + 1}) {
      std::fill(bytes.begin(), bytes.end(), 'a');
      if (hit < n) bytes[hit] = ';';
      if (hit + 1 < n) bytes[hit + 1] = '\n';
      if (hit + 7 < n) bytes[hit + 7] = ';';  // a second ';', not followed by a line break
      for (std::size_t from = 0; from <= n + 1; from += (n < 40 ? 1 : 7)) {
        INFO("length " << n << ", ';' at " << hit << ", from " << from);
        CHECK(find_char(text, ';', from) == text.find(';', from));
        CHECK(find_char(text, 'b', from) == std::string_view::npos);
        CHECK(find_string(text, ";\n", from) == text.find(";\n", from));
        CHECK(find_string(text, ";a", from) == text.find(";a", from));
      }
    }
  }
  CHECK(find_string("abc", "", 1) == 1);
  CHECK(find_string("abc", "abcd") == std::string_view::npos);
}

TEST_CASE("an address's local part and domain end at the same byte however far from the '@' it is") {
  // the bytes that end a local part (walking back from the '@') and those that go on a domain (ASCII)
  const auto ends_local = [](unsigned char c) {
    return c <= ' ' || c == 0x7f || std::string_view("\"(),:;<>@[\\]").find(static_cast<char>(c)) != std::string_view::npos;
  };
  const auto in_domain = [](unsigned char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           std::string_view("-._[]:").find(static_cast<char>(c)) != std::string_view::npos;
  };
  for (unsigned c = 1; c < 256; ++c) {
    if (c == '@') continue;
    const char byte = static_cast<char>(c);
    for (std::size_t pad = 0; pad <= 40; ++pad) {
      INFO("byte " << c << ", padding " << pad);
      // (after at least one 'x': a local part that starts with some punctuation loses it)
      const std::string before = std::string(pad + 1, 'x') + byte + "bob@example.org";
      CHECK(find_address(before) == (ends_local(static_cast<unsigned char>(c)) ? "bob@example.org" : before));
      const std::string domain = "example.org" + std::string(pad, 'y');
      std::string expected = "bob@" + domain;
      if (in_domain(static_cast<unsigned char>(c))) expected += std::string(1, ascii_lower_char(byte)) + "zz";
      CHECK(find_address("bob@" + domain + byte + "zz") == expected);
    }
  }
}
