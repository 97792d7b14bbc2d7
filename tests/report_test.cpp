// Exact fields of the standard report kinds, on small messages written here.
#include "test_messages.hpp"

#include <bouncekit/bouncekit.hpp>
#include <bouncekit/json.hpp>

#include <catch2/catch.hpp>

using namespace bouncekit;

namespace {
const classifier& shared_classifier() {
  static const classifier c;
  return c;
}
}  // namespace

TEST_CASE("an RFC 3464 DSN gives its per-recipient fields") {
  const std::string m =
      "From: MAILER-DAEMON@mx.example.net\nTo: a@example.com\nSubject: Undelivered Mail Returned to Sender\n"
      "Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\n"
      "--b\nContent-Type: text/plain\n\nsorry\n"
      "--b\nContent-Type: message/delivery-status\n\n"
      "Reporting-MTA: dns; mx.example.net\nArrival-Date: Mon, 2 Mar 2026 10:00:00 +0000\n\n"
      "Final-Recipient: rfc822; Bob@Example.ORG\nOriginal-Recipient: rfc822; bob.alias@example.org\n"
      "Action: failed\nStatus: 5.1.1\nRemote-MTA: dns; mx.example.org\n"
      "Diagnostic-Code: smtp; 550 5.1.1 <Bob@example.org>: Recipient address\n rejected: User unknown in local recipient table\n"
      "Last-Attempt-Date: Mon, 2 Mar 2026 10:00:01 +0000\n\n"
      "Final-Recipient: rfc822; carol@example.org\nAction: delayed\nStatus: 4.4.1\n"
      "Diagnostic-Code: X-Postfix; connect to mx.example.org[192.0.2.1]:25: Connection timed out\n"
      "--b\nContent-Type: message/rfc822\n\nMessage-ID: <abc@example.com>\nFrom: a@example.com\nTo: Bob@example.org\n"
      "Subject: Spring sale\nDate: Mon, 2 Mar 2026 09:59:00 +0000\nX-Campaign: 42\n\nHi\n--b--\n";
  const classification c = shared_classifier().classify(m);
  CHECK(c.type == message_type::bounce);
  CHECK(c.format == "rfc3464");
  CHECK_FALSE(c.error);
  REQUIRE(c.recipients.size() == 2);
  const recipient_verdict& bob = c.recipients[0];
  CHECK(bob.address == "Bob@example.org");
  CHECK(bob.original_recipient == "bob.alias@example.org");
  CHECK(bob.action == "failed");
  CHECK(bob.status == "5.1.1");
  CHECK(bob.reply_code == "550");
  CHECK(bob.diagnostic == "550 5.1.1 <Bob@example.org>: Recipient address rejected: User unknown in local recipient table");
  CHECK(bob.remote_mta == "mx.example.org");
  CHECK(bob.reporting_mta == "mx.example.net");
  CHECK(bob.category == category::bad_mailbox);
  CHECK(bob.bounce_class == bounce_class::hard);
  CHECK(bob.reason == "userunknown");
  CHECK_FALSE(bob.recommended_action.empty());
  const recipient_verdict& carol = c.recipients[1];
  CHECK(carol.action == "delayed");
  CHECK(carol.bounce_class == bounce_class::delayed);
  CHECK(c.original.message_id == "<abc@example.com>");
  CHECK(c.original.subject == "Spring sale");
  REQUIRE(c.original.x_headers.size() == 1);
  CHECK(c.original.x_headers[0].first == "X-Campaign");
  const nlohmann::ordered_json j = to_json(c);
  CHECK(j["recipients"][0]["class"] == "hard");
  CHECK(j["recipients"][0]["category"] == "bad-mailbox");
  CHECK(j["original"]["x_headers"]["X-Campaign"] == "42");
}

TEST_CASE("an ARF report is a complaint about the original recipient") {
  const std::string m =
      "From: fbl@isp.example\nTo: fbl-reports@example.com\nSubject: Abuse report\n"
      "Content-Type: multipart/report; report-type=feedback-report; boundary=\"f\"\n\n"
      "--f\nContent-Type: text/plain\n\nThis is an email abuse report.\n"
      "--f\nContent-Type: message/feedback-report\n\nFeedback-Type: abuse\nUser-Agent: FBL/1.0\nVersion: 1\n"
      "Original-Mail-From: <news@example.com>\nOriginal-Rcpt-To: <reader@isp.example>\n"
      "--f\nContent-Type: message/rfc822\n\nFrom: news@example.com\nTo: reader@isp.example\nSubject: News\n"
      "Message-ID: <n1@example.com>\n\nbody\n--f--\n";
  const classification c = shared_classifier().classify(m);
  CHECK(c.type == message_type::complaint);
  CHECK(c.format == "arf");
  REQUIRE(c.recipients.size() == 1);
  CHECK(c.recipients[0].address == "reader@isp.example");
  CHECK(c.recipients[0].feedback_type == "abuse");
  CHECK(c.recipients[0].bounce_class == bounce_class::complaint);
  CHECK_FALSE(c.recipients[0].category);
  CHECK(c.recipients[0].reason == "feedback");
  CHECK(c.original.message_id == "<n1@example.com>");
}

TEST_CASE("Feedback-Type fields in a plain text are a complaint only where the first one starts a line") {
  // the search looks at 32 starts at a time: the field is put before, across and after such a stretch
  const std::string preamble = "This message was forwarded by our feedback loop; the fields follow.\n";
  for (const std::size_t pad : {0u, 5u, 16u, 31u, 32u, 47u, 100u}) {
    const std::string head = "From: loop@isp.example\nTo: fbl@example.com\nSubject: report\n\n";
    const std::string fields = "FEEDBACK-type: abuse\nOriginal-Rcpt-To: <reader@isp.example>\n";
    const std::string text = preamble + std::string(pad, 'x') + "\n" + fields;
    const classification at_line_start = shared_classifier().classify(head + text);
    CHECK(at_line_start.type == message_type::complaint);
    CHECK(at_line_start.format == "arf");
    REQUIRE(at_line_start.recipients.size() == 1);
    CHECK(at_line_start.recipients[0].address == "reader@isp.example");
    // quoted inside a line first: no report, even with a field at a line's start after it
    const std::string quoted = preamble + std::string(pad, 'x') + " feedback-type: abuse\n" + fields;
    CHECK(shared_classifier().classify(head + quoted).type != message_type::complaint);
    // the needle cut short at the text's end
    CHECK(shared_classifier().classify(head + preamble + std::string(pad, 'x') + "\nFeedback-Type").type !=
          message_type::complaint);
  }
}

TEST_CASE("auto-replies: headers and subjects in several languages") {
  const auto reply = [](const std::string& headers, const std::string& subject) {
    return "From: Erika Muster <erika@example.de>\nTo: news@example.com\nSubject: " + subject + "\n" + headers +
           "\nI am away until Monday.\n";
  };
  for (const std::string& subject : {std::string("=?UTF-8?Q?Abwesenheitsnotiz:_Newsletter?="),
                                     std::string("=?UTF-8?B?UsOpcG9uc2UgYXV0b21hdGlxdWU=?="),
                                     std::string("Respuesta autom=?iso-8859-1?Q?=E1?=tica"),
                                     std::string("Automatisch antwoord: Afwezig"),
                                     std::string("Risposta automatica"),
                                     std::string("=?ISO-2022-JP?B?GyRCPCtGMDF+RXobKEI=?=")}) {
    INFO(subject);
    const classification c = shared_classifier().classify(reply("", subject));
    CHECK(c.type == message_type::auto_reply);
    REQUIRE(c.recipients.size() == 1);
    CHECK(c.recipients[0].address == "erika@example.de");
    CHECK(c.recipients[0].bounce_class == bounce_class::auto_reply);
    CHECK(c.recipients[0].reason == "vacation");
  }
  const classification by_header = shared_classifier().classify(reply("X-Autoreply: yes\n", "Re: your order"));
  CHECK(by_header.type == message_type::auto_reply);
  CHECK(by_header.format == "rfc3834");
}

TEST_CASE("a list manager's refusal of a post is a bounce for the list address, even when auto-replied") {
  const std::string refusal =
      "From: walkers-owner@lists.example.net\nTo: Ines <ines@example.com>\nSubject: Your message to Walkers rejected\n"
      "Auto-Submitted: auto-replied\nPrecedence: bulk\n"
      "Content-Type: multipart/mixed; boundary=\"r\"\n\n"
      "--r\nContent-Type: text/plain\n\n"
      "You are not allowed to post to this mailing list, and your message has\nbeen automatically rejected.\n\n"
      "Questions go to walkers-owner@lists.example.net.\n"
      "--r\nContent-Type: message/rfc822\n\nFrom: Ines <ines@example.com>\nTo: walkers@lists.example.net\n"
      "Subject: Sunday route\nMessage-ID: <route-7@example.com>\n\nNorth ridge this time.\n--r--\n";
  const classification c = shared_classifier().classify(refusal);
  CHECK(c.type == message_type::bounce);
  REQUIRE(c.recipients.size() == 1);
  const recipient_verdict& list = c.recipients[0];
  CHECK(list.address == "walkers@lists.example.net");
  CHECK(list.action == "failed");
  CHECK(list.reason == "rejected");
  CHECK(list.rule == "policy-mailing-list-nonmember");
  CHECK(list.bounce_class == bounce_class::soft);
  CHECK(list.diagnostic ==
        "You are not allowed to post to this mailing list, and your message has been automatically rejected.");
  CHECK(c.original.message_id == "<route-7@example.com>");

  // no returned post: the list the refusal names, not its -request address
  const classification named = shared_classifier().classify(
      "From: LISTSERV@listserv.example.edu\nTo: ines@example.com\nSubject: Message (\"Sunday route\") rejected\n\n"
      "You are not authorized to send mail to the WALK-L list from your ines@example.com account.\n"
      "Ask WALK-L-request@listserv.example.edu for help, or write to walk-l@listserv.example.edu once subscribed.\n");
  CHECK(named.type == message_type::bounce);
  REQUIRE(named.recipients.size() == 1);
  CHECK(named.recipients[0].address == "walk-l@listserv.example.edu");
  CHECK(named.recipients[0].reason == "rejected");

  // the list's own mail about its rules is no refusal: no returned post, no "rejected" subject
  const classification rules_mail = shared_classifier().classify(
      "From: walkers-owner@lists.example.net\nTo: ines@example.com\nSubject: Walkers: monthly reminder\n"
      "Precedence: bulk\nList-Id: <walkers.lists.example.net>\n\n"
      "Only members can post to this list; you are not allowed to post to this list until you join.\n");
  CHECK(rules_mail.type == message_type::not_bounce);
  CHECK(rules_mail.recipients.empty());
  // an out-of-office reply stays one
  const classification vacation = shared_classifier().classify(
      "From: Ines <ines@example.com>\nTo: walkers@lists.example.net\nSubject: Out of office: Sunday route\n"
      "Auto-Submitted: auto-replied\n\nBack on Monday.\n");
  CHECK(vacation.type == message_type::auto_reply);
}

TEST_CASE("ordinary mail is not-bounce with no recipients and an empty bounce is unrecognized") {
  const classification plain = shared_classifier().classify(
      "From: friend@example.org\nTo: me@example.com\nSubject: lunch?\n\nThe delivery of the sofa failed again.\n");
  CHECK(plain.type == message_type::not_bounce);
  CHECK(plain.recipients.empty());
  const classification empty_bounce = shared_classifier().classify(
      "From: MAILER-DAEMON@example.org\nTo: me@example.com\nSubject: Undelivered Mail Returned to Sender\n\n(nothing)\n");
  CHECK(empty_bounce.type == message_type::unrecognized);
  CHECK(empty_bounce.recipients.empty());
}

TEST_CASE("a mail system's name as the sender needs a machine sign or an MTA's phrase to make a bounce") {
  // a person answering from postmaster@, with a plain or a "Re:" subject and no In-Reply-To
  for (const char* subject : {"Re: your mail to tom", "About the mail you sent us on Monday"}) {
    const classification answer = shared_classifier().classify(
        std::string("From: Postmaster <postmaster@example.net>\nTo: sue@example.com\nSubject: ") + subject +
        "\n\nHello Sue,\n\nyour mail to tom@example.net arrived and tom.k@example.net is his other address.\n"
        "Earlier you got a 'Returned mail' notice for a typo.\n\nRegards, the mail team\n");
    CHECK(answer.type == message_type::not_bounce);
    CHECK(answer.recipients.empty());
  }
  // the same sender with an SMTP status code, or with an MTA's statement of failure, is a bounce
  const classification with_code = shared_classifier().classify(
      "From: postmaster@example.net\nTo: sue@example.com\nSubject: Notice\n\n"
      "tom@example.net: 550 5.1.1 mailbox unavailable\n");
  CHECK(with_code.type == message_type::bounce);
  const classification with_phrase = shared_classifier().classify(
      "From: postmaster@example.net\nTo: sue@example.com\nSubject: Notice\n\n"
      "Your message was not delivered to:\n\n  tom@example.net\n\nbecause:\n\n  User tom not listed\n");
  CHECK(with_phrase.type == message_type::bounce);
  const classification daemon = shared_classifier().classify(
      "From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\nTo: sue@example.com\nSubject: Re: Notice\n\n"
      "I'm sorry, your message could not be delivered to <tom@example.net>. The account is disabled.\n");
  CHECK(daemon.type == message_type::bounce);
}

TEST_CASE("the format names who wrote a text bounce by its own words, not by words anyone may write") {
  const auto format_of = [](const std::string& m) { return shared_classifier().classify(m).format; };
  const std::string ndr_body =
      "Delivery has failed to these recipients or groups:\n\nnoor@example.org\nThe address couldn't be found.\n\n"
      "Diagnostic information for administrators:\n\nGenerating server: ";
  const std::string ndr_tail =
      "\n\nnoor@example.org\nRemote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; not found'\n";
  // Exchange Server's layout, generated on premises or by Exchange Online
  CHECK(format_of("From: postmaster@corp.example.com\nTo: ravi@example.com\nSubject: Undeliverable: plan\n\n" +
                  ndr_body + "exch02.corp.example.com" + ndr_tail) == "exchange2007");
  CHECK(format_of("From: postmaster@corp.example.com\nTo: ravi@example.com\nSubject: Undeliverable: plan\n\n" +
                  ndr_body + "DB8PR02MB5512.eurprd02.prod.outlook.com" + ndr_tail) == "office365");
  // "Your message to" is anyone's phrase
  const std::string other_mta =
      "From: MAILER-DAEMON@mx.example.net\nTo: ravi@example.com\nSubject: Delivery failure\n\n"
      "Your message to noor@example.org could not be delivered.\n550 5.1.1 <noor@example.org>: no such user\n";
  CHECK(format_of(other_mta) == "text");
  // Gmail's own headlines, Symantec Email Security.cloud (MessageLabs)
  CHECK(format_of("From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\nTo: pia@example.com\n"
                  "Subject: Delivery Status Notification (Delay)\n\n** Delivery incomplete **\n\n"
                  "There was a temporary problem delivering your message to omar@example.net. Gmail will retry for 40 "
                  "more hours.\n\nThe response was:\n421 4.7.0 Try again later, closing connection.\n") == "gmail");
  CHECK(format_of("From: Mail Delivery System <MAILER-DAEMON@bemta.example.net>\nTo: pia@example.com\n"
                  "Subject: Mail Delivery Failure\n\n"
                  "This is the mail delivery agent at Symantec Email Security.cloud.\n\n"
                  "I was unable to deliver your message to the following addresses:\n\nomar@example.net\n\n"
                  "Reason: 550 5.1.1 no such user\n") == "messagelabs");
  // Exim adds Envelope-To to whatever it delivers: it does not make a bounce GMX's; GMX's sender name does
  const std::string exim_body =
      "Subject: Mail delivery failed: returning message to sender\n\n"
      "This message was created automatically by mail delivery software.\n\n"
      "A message that you sent could not be delivered to one or more of its recipients. This is a permanent error.\n"
      "The following address(es) failed:\n\n  omar@example.net\n    host mx.example.net [203.0.113.9]\n"
      "    SMTP error from remote mail server after RCPT TO:<omar@example.net>:\n    550 5.1.1 User unknown\n";
  CHECK(format_of("From: Mail Delivery System <Mailer-Daemon@mx.example.com>\nTo: pia@example.com\n"
                  "Envelope-To: pia@example.com\n" + exim_body) == "exim");
  CHECK(format_of("From: MAILER-DAEMON@mout.gmx.example\nTo: pia@example.com\n" + exim_body) == "gmx");
}

TEST_CASE("a long phrase of the text is found in any case, and only whole") {
  const auto classify = [](const std::string& m) { return shared_classifier().classify(m); };
  const std::string head = "From: MAILER-DAEMON@mx.example.net\nTo: pia@example.com\nSubject: Mail delivery failed\n\n";
  const std::string failure = "\n\nThe following address failed:\n\n  omar@example.net\n    550 5.1.1 User unknown\n";
  // Exim's self-introduction, shouted
  CHECK(classify(head + "THIS MESSAGE WAS CREATED AUTOMATICALLY BY MAIL DELIVERY SOFTWARE." + failure).format ==
        "exim");
  // its first words, then others
  CHECK(classify(head + "This message was created automatically by a person at the desk." + failure).format == "text");
  // at the very end of the text, cut short
  CHECK(classify(head + "Sorry." + failure + "This message was created automatically by mail delivery softw").format ==
        "text");
  // the returned message starts at its marker, in any case: the address after it is not a recipient
  const auto recipients_with = [&](const std::string& marker) {
    return classify(head + "Your message could not be delivered." + failure + "\n------ " + marker +
                    ".\n\nnoor@example.org wrote: hi\n")
        .recipients.size();
  };
  CHECK(recipients_with("BELOW THIS LINE IS A COPY OF THE MESSAGE") == 1);
  CHECK(recipients_with("BELOW THIS LINE IS A COPY OF THE MESS") == 2);
}

TEST_CASE("a diagnostic cut to its 2000 bytes inside a character ends with a replacement character") {
  // no reply code: the diagnostic is the recipient's block of two-byte letters, cut at its 2000th byte
  const auto diagnostic_with = [](const std::string& pad) {
    std::string text = "Delivery failed for omar@example.net" + pad + "\n";
    for (int line = 0; line < 18; ++line) {
      for (int letter = 0; letter < 60; ++letter) text += "\xC3\xA9";
      text += "\n";
    }
    const classification c = shared_classifier().classify(
        "From: MAILER-DAEMON@mx.example.net\nTo: pia@example.com\nSubject: Undelivered Mail\n"
        "Content-Type: text/plain; charset=utf-8\n\n" +
        text);
    REQUIRE(c.recipients.size() == 1);
    return c.recipients[0].diagnostic.value_or("");
  };
  const std::string cut_inside = diagnostic_with("");
  CHECK(cut_inside.size() == 2002);
  CHECK(cut_inside.ends_with("\xC3\xA9\xEF\xBF\xBD"));
  const std::string cut_between = diagnostic_with("x");
  CHECK(cut_between.size() == 2000);
  CHECK(cut_between.ends_with("\xC3\xA9\xC3\xA9"));
}

TEST_CASE("the bounce's addressee named in its text, in any case, is not the failed recipient") {
  const classification c = shared_classifier().classify(
      "From: MAILER-DAEMON@mx.example.net\nTo: Pia <PIA@Example.COM>\nSubject: Undelivered Mail Returned to Sender\n\n"
      "Hello pia@EXAMPLE.com,\n\nwe could not deliver your message to omar@example.net.\n550 5.1.1 User unknown\n");
  REQUIRE(c.recipients.size() == 1);
  CHECK(c.recipients[0].address == "omar@example.net");
}

TEST_CASE("bad input gives a record, never an exception") {
  for (const std::string& junk : {std::string(), std::string("x"), std::string("\0\0\0", 3),
                                  std::string("Content-Type: multipart/mixed\n\n--\n--\n"),
                                  std::string("From: MAILER-DAEMON@x\nContent-Type: multipart/report; boundary=\"q\"\n\n--q\n"
                                              "Content-Type: message/delivery-status\n\nFinal-Recipient: rfc822; a@\n")}) {
    const classification c = shared_classifier().classify(junk);
    CHECK((c.type == message_type::not_bounce || c.type == message_type::unrecognized));
  }
}

TEST_CASE("a mailing-list manager's notice to a poster is a bounce, an ordinary list post is not") {
  const classification notice = shared_classifier().classify(
      "From: cats-admin@lists.example.org\nTo: poster@example.com\nSubject: You are not member (cats ML)\n"
      "X-MLServer: fml [fml 4.0.3 release]\n\n"
      "You are not a member of this mailing list <cats@lists.example.org>.\n");
  CHECK(notice.type == message_type::bounce);
  REQUIRE(notice.recipients.size() == 1);
  CHECK(notice.recipients[0].address == "cats@lists.example.org");
  CHECK(notice.recipients[0].reason == "rejected");
  const classification post = shared_classifier().classify(
      "From: member@example.com\nTo: cats@lists.example.org\nSubject: [cats:00042] photos\n"
      "X-MLServer: fml [fml 4.0.3 release]\n\nHere are the photos.\n");
  CHECK(post.type == message_type::not_bounce);
}

TEST_CASE("recipient blocks without blank lines between them are still one recipient each") {
  const auto dsn_with = [](const std::string& fields) {
    return "From: MAILER-DAEMON@mx.example.net\nTo: a@example.com\nSubject: Undelivered Mail\n"
           "Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\n"
           "--b\nContent-Type: message/delivery-status\n\n" +
           fields + "--b--\n";
  };
  // per-message and both recipients in one block (Final-Recipient first, as AOL writes it)
  const classification merged = shared_classifier().classify(dsn_with(
      "Reporting-MTA: dns; mx.example.net\nFinal-Recipient: rfc822; bob@example.org\n"
      "Original-Recipient: rfc822;bob@example.org\nAction: failed\nStatus: 5.2.2\n"
      "Final-Recipient: rfc822; carol@example.org\nOriginal-Recipient: rfc822;carol@example.org\n"
      "Action: failed\nStatus: 5.1.1\n"));
  REQUIRE(merged.recipients.size() == 2);
  CHECK(merged.recipients[0].address == "bob@example.org");
  CHECK(merged.recipients[0].status == "5.2.2");
  CHECK(merged.recipients[0].reporting_mta == "mx.example.net");
  CHECK(merged.recipients[1].address == "carol@example.org");
  CHECK(merged.recipients[1].original_recipient == "carol@example.org");
  CHECK(merged.recipients[1].status == "5.1.1");
  // Action or Status before Final-Recipient (Amazon SES, Facebook) is still one recipient
  for (const char* fields : {"Action: failed\nFinal-Recipient: rfc822; bob@example.org\n"
                             "Original-Recipient: rfc822; bob@example.org\nStatus: 5.1.1\n",
                             "Status: 5.1.1\nFinal-Recipient: rfc822; bob@example.org\nAction: failed\n"}) {
    const classification one = shared_classifier().classify(dsn_with(std::string("\n") + fields));
    INFO(fields);
    REQUIRE(one.recipients.size() == 1);
    CHECK(one.recipients[0].status == "5.1.1");
    CHECK(one.recipients[0].address == "bob@example.org");
  }
}

TEST_CASE("a multi-line reply keeps only its first line's prefix, in a DSN and in an MTA's text") {
  // Postfix folds the reply into Diagnostic-Code wherever its line ends: the prefixes land mid-phrase
  const classification dsn = shared_classifier().classify(test::make_dsn(
      "ann@example.org", "failed", "5.7.0",
      "554-5.7.0 Your host has opened too many 554-5.7.0\n"
      "    connections to this server at once; close some and try 554 5.7.0 again later."));
  REQUIRE(dsn.recipients.size() == 1);
  CHECK(dsn.recipients[0].diagnostic ==
        "554-5.7.0 Your host has opened too many connections to this server at once; close some and try again later.");
  CHECK(dsn.recipients[0].status == "5.7.0");
  CHECK(dsn.recipients[0].reply_code == "554");
  CHECK(dsn.recipients[0].reason == "toomanyconn");
  // Exim's older layout: the reply starts after the host, each later line with its prefix
  const std::string exim =
      "From: Mail Delivery System <Mailer-Daemon@mx.example.com>\nTo: news@example.com\n"
      "Subject: Mail delivery failed: returning message to sender\nX-Failed-Recipients: ole@example.net\n\n"
      "This message was created automatically by mail delivery software.\n\n"
      "A message that you sent could not be delivered to one or more of its\n"
      "recipients. This is a permanent error. The following address(es) failed:\n\n"
      "  ole@example.net\n"
      "    SMTP error from remote mail server after pipelined end of data:\n"
      "    host mx.example.net [192.0.2.80]: 550-5.7.1 This server does not\n"
      "    550-5.7.1 relay for outside networks; use your provider's\n"
      "    550 5.7.1 outgoing server.\n\n"
      "------ This is a copy of the message, including all the headers. ------\n\n"
      "From: news@example.com\nTo: ole@example.net\nSubject: News\n\nhello\n";
  const classification text = shared_classifier().classify(exim);
  REQUIRE(text.recipients.size() == 1);
  CHECK(text.format == "exim");
  CHECK(text.recipients[0].diagnostic ==
        "550-5.7.1 This server does not relay for outside networks; use your provider's outgoing server.");
  CHECK(text.recipients[0].status == "5.7.1");
  CHECK(text.recipients[0].smtp_command == "DATA");
  CHECK(text.recipients[0].reason == "norelaying");
  CHECK(text.recipients[0].remote_mta == "mx.example.net");
}

namespace {
std::string text_bounce(const std::string& from, const std::string& subject, const std::string& body) {
  return "From: " + from + "\nTo: sender@example.com\nSubject: " + subject + "\n\n" + body +
         "\n--- Below this line is a copy of the message.\n\nFrom: sender@example.com\nTo: someone@example.org\n"
         "Subject: hello\n\nhi\n";
}
}  // namespace

TEST_CASE("an address in a server's reply belongs to the recipient before it, not a new recipient") {
  // qmail: "Remote host said:" names where the mailbox went
  const classification qmail = shared_classifier().classify(text_bounce(
      "MAILER-DAEMON@mail.example.com", "failure notice",
      "Hi. This is the qmail-send program at mail.example.com.\n"
      "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
      "This is a permanent error; I've given up. Sorry it didn't work out.\n\n"
      "<uma@example.org>:\n192.0.2.25 does not like recipient.\n"
      "Remote host said: 551 5.1.6 User not local; please try <uma@example.net>\n"
      "Giving up on 192.0.2.25.\n\n"
      "<vic@example.org>:\n192.0.2.25 does not like recipient.\n"
      "Remote host said: 550 5.1.1 Unknown local part\nGiving up on 192.0.2.25.\n"));
  CHECK(qmail.format == "qmail");
  REQUIRE(qmail.recipients.size() == 2);
  CHECK(qmail.recipients[0].address == "uma@example.org");
  CHECK(qmail.recipients[0].diagnostic == "551 5.1.6 User not local; please try <uma@example.net> Giving up on 192.0.2.25.");
  CHECK(qmail.recipients[0].status == "5.1.6");
  CHECK(qmail.recipients[0].reply_code == "551");
  CHECK(qmail.recipients[0].reason == "hasmoved");
  CHECK(qmail.recipients[0].bounce_class == bounce_class::hard);
  CHECK(qmail.recipients[1].address == "vic@example.org");
  CHECK(qmail.recipients[1].status == "5.1.1");
  // Postfix wraps "said: 550" before the reply's text, which names another mailbox
  const classification postfix = shared_classifier().classify(text_bounce(
      "MAILER-DAEMON@relay.example.com (Mail Delivery System)", "Undelivered Mail Returned to Sender",
      "This is the mail system at host relay.example.com.\n\n"
      "I'm sorry to have to inform you that your message could not\n"
      "be delivered to one or more recipients. It's attached below.\n\n"
      "<wes@example.org>: host mx.example.org[192.0.2.40] said: 550\n"
      "    5.1.1 <wes@example.org>: this address is closed, please write to\n"
      "    <office@example.org> (in reply to RCPT TO command)\n\n"
      "<xia@example.net>: host mx.example.net[192.0.2.41] said: 552 5.2.2\n"
      "    <xia@example.net>: Mailbox full (in reply to RCPT TO command)\n"));
  REQUIRE(postfix.recipients.size() == 2);
  const recipient_verdict& wes = postfix.recipients[0];
  CHECK(wes.address == "wes@example.org");
  CHECK(wes.diagnostic ==
        "550 5.1.1 <wes@example.org>: this address is closed, please write to <office@example.org> (in reply to RCPT TO "
        "command)");
  CHECK(wes.reply_code == "550");
  CHECK(wes.status == "5.1.1");
  CHECK(wes.smtp_command == "RCPT");
  CHECK(wes.reason == "userunknown");  // not the other recipient's "Mailbox full"
  CHECK(postfix.recipients[1].address == "xia@example.net");
  CHECK(postfix.recipients[1].reason == "mailboxfull");
  // Exim with no blank line between entries: each entry's address is its own recipient
  const classification exim = shared_classifier().classify(text_bounce(
      "Mail Delivery System <Mailer-Daemon@mx.example.com>", "Mail delivery failed: returning message to sender",
      "This message was created automatically by mail delivery software.\n\n"
      "A message that you sent could not be delivered to one or more of its\n"
      "recipients. This is a permanent error. The following address(es) failed:\n\n"
      "  yan@example.org\n"
      "    SMTP error from remote mail server after RCPT TO:<yan@example.org>:\n"
      "    host mx.example.org [192.0.2.50]: 550 5.1.1 <yan@example.org>: no such user\n"
      "  zoe@example.org\n"
      "    SMTP error from remote mail server after RCPT TO:<zoe@example.org>:\n"
      "    host mx.example.org [192.0.2.50]: 552 5.2.2 <zoe@example.org>: over quota\n"));
  REQUIRE(exim.recipients.size() == 2);
  CHECK(exim.recipients[0].address == "yan@example.org");
  CHECK(exim.recipients[0].status == "5.1.1");
  CHECK(exim.recipients[1].address == "zoe@example.org");
  CHECK(exim.recipients[1].status == "5.2.2");
  CHECK(exim.recipients[1].diagnostic == "552 5.2.2 <zoe@example.org>: over quota");
}

TEST_CASE("a final failure keeps its permanent status over a quoted temporary reply") {
  const classification expired = shared_classifier().classify(test::make_dsn(
      "pia@example.org", "failed", "5.4.300",
      "550 5.4.300 Message expired -> 451 4.4.0 Target host answered: \"421 4.4.2 mx.example.org busy\""));
  REQUIRE(expired.recipients.size() == 1);
  CHECK(expired.recipients[0].status == "5.4.300");
  CHECK(expired.recipients[0].reply_code == "550");
  CHECK(expired.recipients[0].reason == "expired");
  CHECK(expired.recipients[0].category == category::message_expired);
  CHECK(expired.recipients[0].bounce_class == bounce_class::soft);
  // the Status field's 5.x.x, when the words have only the temporary reply
  const classification field = shared_classifier().classify(
      test::make_dsn("pia@example.org", "failed", "5.4.7", "421 4.4.2 mx.example.org: connection dropped"));
  REQUIRE(field.recipients.size() == 1);
  CHECK(field.recipients[0].status == "5.4.7");
  // a delay warning's temporary code stays
  const classification delayed = shared_classifier().classify(test::make_dsn(
      "pia@example.org", "delayed", "4.4.7", "554 5.4.7 still trying <421 4.4.2 connection dropped>"));
  REQUIRE(delayed.recipients.size() == 1);
  CHECK(delayed.recipients[0].status == "4.4.2");
  CHECK(delayed.recipients[0].bounce_class == bounce_class::delayed);
}

TEST_CASE("a sender verification's quoted answer does not give the status") {
  const classification c = shared_classifier().classify(text_bounce(
      "Mail Delivery System <Mailer-Daemon@mx.example.com>", "Mail delivery failed: returning message to sender",
      "This message was created automatically by mail delivery software.\n\n"
      "A message that you sent could not be delivered to one or more of its\n"
      "recipients. This is a permanent error. The following address(es) failed:\n\n"
      "  quin@example.org\n"
      "    host mx.example.org [192.0.2.60]\n"
      "    SMTP error from remote mail server after RCPT TO:<quin@example.org>:\n"
      "    550-Verification failed for <sender@example.com>\n"
      "    550-Called:   192.0.2.61\n"
      "    550-Sent:     RCPT TO:<sender@example.com>\n"
      "    550-Response: 550 5.1.1 <sender@example.com>: mailbox unknown\n"
      "    550 Sender verify failed\n"));
  REQUIRE(c.recipients.size() == 1);
  CHECK(c.recipients[0].address == "quin@example.org");
  CHECK(c.recipients[0].diagnostic ==
        "550-Verification failed for <sender@example.com> Called: 192.0.2.61 Sent: RCPT TO:<sender@example.com> "
        "Response: 550 5.1.1 <sender@example.com>: mailbox unknown Sender verify failed");
  CHECK(c.recipients[0].reply_code == "550");
  CHECK(c.recipients[0].reason == "rejected");
  CHECK(c.recipients[0].status == "5.7.1");  // inferred from the reason, not the sender's 5.1.1
  CHECK(c.recipients[0].category == category::policy_related);
  CHECK(c.recipients[0].bounce_class == bounce_class::soft);
}

TEST_CASE("a DSN whose recipient has a doubled @ is still a bounce about that recipient") {
  const std::string m =
      "From: MAILER-DAEMON@mx.example.net\nTo: a@example.com\nSubject: Undelivered Mail Returned to Sender\n"
      "Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\n"
      "--b\nContent-Type: text/plain\n\nsorry\n"
      "--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\n"
      "Final-Recipient: rfc822; Rob@@Example.org\nOriginal-Recipient: rfc822;Rob@@Example.org\nAction: failed\n"
      "Status: 5.1.3\nDiagnostic-Code: smtp; 553 5.1.3 Bad recipient address syntax\n--b--\n";
  const classification c = shared_classifier().classify(m);
  CHECK(c.type == message_type::bounce);
  CHECK(c.format == "rfc3464");
  REQUIRE(c.recipients.size() == 1);
  CHECK(c.recipients[0].address == "Rob@@example.org");
  CHECK(c.recipients[0].original_recipient == "Rob@@example.org");
  CHECK(c.recipients[0].status == "5.1.3");
  CHECK(c.recipients[0].reply_code == "553");
  CHECK(c.recipients[0].diagnostic == "553 5.1.3 Bad recipient address syntax");
  CHECK(c.recipients[0].category == category::bad_mailbox);
  CHECK(c.recipients[0].bounce_class == bounce_class::hard);
}
