#include "report/smtp_text.hpp"
#include "util/text.hpp"

#include <catch2/catch.hpp>

using namespace bouncekit::detail;

TEST_CASE("addresses are found and normalised") {
  CHECK(normalise_address("rfc822; <Bob.Smith@EXAMPLE.Org>") == "Bob.Smith@example.org");
  CHECK(find_address("550 5.1.1 <alice@example.net>... User unknown") == "alice@example.net");
  CHECK(find_addresses("a@example.org, b@example.org; a@example.org") == std::vector<std::string>{"a@example.org", "b@example.org"});
  CHECK(find_address("no address here").empty());
  CHECK(normalise_address("\"john doe\"@Example.COM") == "\"john doe\"@example.com");
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

TEST_CASE("SMTP command, remote host and diagnostic type") {
  CHECK(find_smtp_command("said: 550 unknown (in reply to RCPT TO command)") == "RCPT");
  CHECK(find_smtp_command("SMTP error from remote mail server after end of data:") == "DATA");
  CHECK(find_smtp_command("no command") == "");
  CHECK(find_remote_host("host mx.example.org[192.0.2.1] said: 550") == "mx.example.org");
  CHECK(find_remote_host("... while talking to mail.example.net.:") == "mail.example.net");
  CHECK(strip_diagnostic_type("smtp; 550 5.1.1\n   user unknown") == "550 5.1.1 user unknown");
  CHECK(strip_diagnostic_type("X-Unix; 127") == "127");
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
}
