#include "engine.hpp"
#include "rules/pattern_literals.hpp"
#include "rules/rule_set.hpp"
#include "test_messages.hpp"
#include "util/text.hpp"

#include <bouncekit/bouncekit.hpp>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>

using namespace bouncekit;

namespace {

// Whether any rule matches `text`, checking that the prefilter changes nothing: every rule run gives as many
// matches.
bool matches_alike(const detail::rule_set& rules, const std::string& text) {
  const auto with = rules.match(text, "", true);
  CHECK(with.size() == rules.match(text, "", false).size());
  return !with.empty();
}

}  // namespace

TEST_CASE("every rule's examples hit that rule and its not_examples do not") {
  const auto rules = detail::rule_set::load(detail::builtin_rule_sources());
  REQUIRE(rules->rules().size() > 0);
  std::size_t examples = 0;
  for (std::size_t i = 0; i < rules->rules().size(); ++i) {
    const detail::rule_info& rule = rules->rules()[i];
    for (const std::string& ex : rule.examples) {
      INFO(rule.file << ": rule " << rule.id << " example: " << ex);
      CHECK(rules->literal_present(i, ex));  // the prefilter lets it through
      CHECK(rules->pattern_matches(i, ex));
      ++examples;
    }
    for (const std::string& ex : rule.not_examples) {
      INFO(rule.file << ": rule " << rule.id << " not_example: " << ex);
      CHECK_FALSE(rules->pattern_matches(i, ex));
    }
  }
  CHECK(examples >= rules->rules().size());
}

TEST_CASE("the prefilter never changes which rules match an example") {
  const auto rules = detail::rule_set::load(detail::builtin_rule_sources());
  for (const detail::rule_info& rule : rules->rules()) {
    for (const std::string& ex : rule.examples) {
      const auto with = rules->match(ex, "", true);
      const auto without = rules->match(ex, "", false);
      INFO(rule.id << ": " << ex);
      REQUIRE(with.size() == without.size());
      for (std::size_t k = 0; k < with.size(); ++k) CHECK(with[k].rule == without[k].rule);
    }
  }
}

TEST_CASE("the prefilter never changes which rules match a corpus message") {
  // the rules' literals pick the rules, the patterns' own strings (rules/pattern_literals) their patterns:
  // neither may drop a match that running every pattern finds
  const auto rules = detail::rule_set::load(detail::builtin_rule_sources());
  std::size_t texts = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(std::filesystem::path(BOUNCEKIT_SOURCE_DIR) / "corpus")) {
    if (entry.path().extension() != ".eml") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    // the rules read one-line texts (diagnostics are unfolded and joined), as the literals assume
    const std::string text = detail::collapse_whitespace(
        std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()));
    const auto with = rules->match(text, "5.1.1", true);
    const auto without = rules->match(text, "5.1.1", false);
    INFO(entry.path().string());
    REQUIRE(with.size() == without.size());
    for (std::size_t k = 0; k < with.size(); ++k) CHECK(with[k].rule == without[k].rule);
    ++texts;
  }
  CHECK(texts >= 100);
}

TEST_CASE("what a pattern's matches must contain") {
  using detail::required_literals;
  using sets = std::vector<std::vector<std::string>>;
  CHECK(required_literals(R"(\buser\s+unknown\b)") == sets{{"user"}, {"unknown"}});
  CHECK(required_literals(R"(\bmailbox\s+(?:is\s+)?(?:full|over\s+quota)\b)") == sets{{"mailbox"}, {"full", "quota"}});
  CHECK(required_literals(R"(\be-?mail\s+rejected)") == sets{{"e-mail", "email"}, {"rejected"}});
  CHECK(required_literals(R"(^(?!.*\btemporar)(?:Sender|From)\s+denied)") == sets{{"sender", "from"}, {"denied"}});
  CHECK(required_literals("Mailbox FULL") == sets{{"mailbox full"}});
  // a top-level alternation needs one of its branches' strings
  CHECK(required_literals(R"(no\s+such\s+user|unknown\s+recipient)") == sets{{"such", "recipient"}});
  // nothing that cheap to check: wildcards, classes, optional parts, short strings, unknown syntax
  CHECK(required_literals(R"(\d{3}\s+\S+)").empty());
  CHECK(required_literals(R"((?:quota)?\s+[a-z]+)").empty());
  CHECK(required_literals(R"(\bno\b)").empty());
  CHECK(required_literals(R"((?x) user \s unknown)").empty());
  CHECK(required_literals(R"((a)\1bcdef)").empty());
  CHECK(required_literals("ポリシー違反").empty());
}

TEST_CASE("kana and CJK ideographs, which have no case, are strings a pattern's matches must contain") {
  using detail::required_literals;
  using sets = std::vector<std::vector<std::string>>;
  CHECK(required_literals("ポリシー違反", 3, true) == sets{{"ポリシー違反"}});
  CHECK(required_literals("(?:メール|メッセージ)の?サイズ.{0,10}?上限", 3, true) ==
        sets{{"メールのサイズ", "メールサイズ", "メッセージのサイズ", "メッセージサイズ"}, {"上限"}});
  CHECK(required_literals("게시할\\s+권한", 3, true) == sets{{"게시할"}, {"권한"}});
  // letters with case stay out: Cyrillic, Greek, accented Latin
  CHECK(required_literals("слишком\\s+больш", 3, true).empty());
  CHECK(required_literals("δικαίωμα", 3, true).empty());
  CHECK(required_literals("\\bzu\\s+groß", 3, true) == sets{{"gro"}});
}

TEST_CASE("a pattern's strings out of order, or a byte it needs missing, spare its run, and only then") {
  const std::vector<detail::rule_source> sources{{"order.toml", R"toml(
[[rule]]
id = "unknown-then-user"
reason = "userunknown"
literals = ["unknown"]
patterns = ['\bunknown\s+(?:user|recipient)\b', '\buser\s+\(\S+\)\s+gone\b', '未知のユーザー']
examples = ["550 Unknown user", "550 user (bob) gone", "550 未知のユーザー unknown"]
)toml"}};
  const auto rules = detail::rule_set::load(sources);
  const auto matches = [&](const std::string& text) { return matches_alike(*rules, text); };
  CHECK(matches("550 5.1.1 unknown user"));
  CHECK(matches("550 5.1.1 user unknown; unknown recipient"));
  CHECK_FALSE(matches("550 5.1.1 User unknown"));
  CHECK_FALSE(matches("550 5.1.1 recipient bob: User unknown"));
  // the Kelvin sign is a "k" to PCRE2, not to the scanner, which sees "unknown" only after "user" here
  CHECK(matches("550 un\u212Anown user; user unknown"));
  CHECK_FALSE(matches("550 user bob gone, unknown"));
  CHECK(matches("550 unknown: user (bob) gone"));
  CHECK(matches("550 unknown \u672a\u77e5\u306e\u30e6\u30fc\u30b6\u30fc"));
}

TEST_CASE("a guard runs unless its strings are missing or out of order") {
  const std::vector<detail::rule_source> sources{{"guard.toml", R"toml(
[[rule]]
id = "guarded"
reason = "userunknown"
literals = ["unknown"]
patterns = ['^(?!.*\bsender\s+address\b).*?\buser\s+unknown\b']
examples = ["550 user unknown"]
)toml"}};
  const auto rules = detail::rule_set::load(sources);
  const auto matches = [&](const std::string& text) { return matches_alike(*rules, text); };
  CHECK(matches("550 user unknown"));
  CHECK(matches("550 address of sender: user unknown"));
  CHECK_FALSE(matches("550 sender address bob: user unknown"));
  CHECK_FALSE(matches("550 user unknown (sender address bob)"));
  CHECK_FALSE(matches("550 address sender address: user unknown"));
  // a long s may spell "sender" to PCRE2: the guard then runs, whatever the scanner saw
  matches("550 address \u017Fender address: user unknown");
  matches("550 user unknown, \u017Fender address");
}

TEST_CASE("the bytes a pattern's matches must contain") {
  using detail::required_bytes;
  using sets = std::vector<std::vector<std::string>>;
  const auto parens = required_bytes(R"(\buser\s+\(\S+\)\s+unknown\b)");
  CHECK(parens.sets == sets{{"("}, {")"}});
  CHECK_FALSE(parens.non_ascii);
  // letters are left out (caselessly, "k" matches the Kelvin sign), and a string without other bytes promises none
  CHECK(required_bytes(R"(<[^>]+>:\s+user\s+unknown)").sets == sets{{"<"}, {">:"}});
  CHECK(required_bytes(R"((?:a@|b)\s+c)").sets.empty());
  CHECK(required_bytes(R"(\d{3}\s+\S+)").sets.empty());
  // a character beyond ASCII is needed when every branch has one that folds to no ASCII letter
  CHECK(required_bytes("動的IP").non_ascii);
  CHECK(required_bytes(R"((?:SPF|DKIM)\s*(?:認証|検証))").non_ascii);
  CHECK_FALSE(required_bytes("zu gro(?:ß|ss)").non_ascii);
  CHECK_FALSE(required_bytes("\u212Aelvin").non_ascii);
  CHECK_FALSE(required_bytes("[а-я]+").non_ascii);
}

namespace {

recipient_verdict verdict_for(const std::string& action, const std::string& status, const std::string& diagnostic) {
  static const classifier c;
  const classification result = c.classify(test::make_dsn("bob@example.org", action, status, diagnostic));
  REQUIRE(result.recipients.size() == 1);
  return result.recipients.front();
}

}  // namespace

TEST_CASE("precedence: specific text beats a generic status code") {
  const auto v = verdict_for("failed", "5.1.1", "550 5.1.1 Service unavailable; Client host [192.0.2.9] blocked using zen.spamhaus.org");
  CHECK(v.category == category::spam_related);
  CHECK(v.reason == "blocked");
  CHECK(v.bounce_class == bounce_class::soft);
}

TEST_CASE("precedence: a 5.7.1 that says the mailbox is unknown is bad-mailbox") {
  const auto v = verdict_for("failed", "5.7.1", "550 5.7.1 <bob@example.org>: Recipient address rejected: User unknown in virtual mailbox table");
  CHECK(v.category == category::bad_mailbox);
  CHECK(v.bounce_class == bounce_class::hard);
}

TEST_CASE("precedence: a 4xx user unknown is still a hard bad-mailbox") {
  const auto v = verdict_for("failed", "4.1.1", "450 4.1.1 <bob@example.org>: Recipient address rejected: User unknown in local recipient table");
  CHECK(v.category == category::bad_mailbox);
  CHECK(v.bounce_class == bounce_class::hard);
  CHECK(v.stage == smtp_stage::recipient);
}

TEST_CASE("precedence: a delay warning is delayed whatever its text") {
  const auto v = verdict_for("delayed", "4.2.2", "452 4.2.2 Mailbox full");
  CHECK(v.bounce_class == bounce_class::delayed);
  CHECK(v.category == category::quota_issues);
}

TEST_CASE("precedence: with no text rule the status decides, with neither the verdict says so") {
  const auto by_status = verdict_for("failed", "5.2.2", "552 zzq frobnication");
  CHECK(by_status.rule == "status-code");
  CHECK(by_status.reason == "mailboxfull");
  CHECK(by_status.category == category::quota_issues);
  const auto none = verdict_for("failed", "", "554 zzq frobnication");
  CHECK(none.rule == "none");
  CHECK(none.category == category::other);
  CHECK(none.reason == "onhold");  // the server answered with a code, but nothing that names a cause
  const auto nothing = verdict_for("failed", "", "");
  CHECK(nothing.rule == "none");
  CHECK(nothing.category == category::other);
  CHECK(nothing.reason == "undefined");
}

TEST_CASE("delivered reports are success") {
  const auto v = verdict_for("delivered", "2.0.0", "250 2.0.0 Ok: queued as 12345");
  CHECK(v.category == category::success);
  CHECK(v.bounce_class == bounce_class::success);
  CHECK(v.reason == "delivered");
}

TEST_CASE("a broken rule file is an error naming file, rule and offset") {
  const std::vector<detail::rule_source> bad = {{"broken.toml",
                                                 "[[rule]]\nid = \"bad-one\"\nreason = \"userunknown\"\nliterals = [\"x\"]\n"
                                                 "patterns = ['(unclosed']\nexamples = [\"x\"]\n"}};
  try {
    detail::rule_set::load(bad);
    FAIL("expected a rule_error");
  } catch (const rule_error& e) {
    const std::string what = e.what();
    CHECK(what.find("broken.toml") != std::string::npos);
    CHECK(what.find("bad-one") != std::string::npos);
    CHECK(what.find("offset") != std::string::npos);
  }
  CHECK_THROWS_AS(detail::rule_set::load({{"syntax.toml", "[[rule]\nid="}}), rule_error);
  CHECK_THROWS_WITH(detail::rule_set::load({{"r.toml", "[[rule]]\nid = \"a\"\nreason = \"nonsense\"\n"}}),
                    Catch::Contains("unknown reason"));
}

TEST_CASE("rules DIR: a custom rule directory replaces the built-in rules") {
  const auto dir = std::filesystem::temp_directory_path() / "bouncekit_custom_rules_test";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "custom.toml") << "[[rule]]\nid = \"custom-frobnicated\"\nreason = \"mailboxfull\"\n"
                                        "literals = [\"frobnicated\"]\npatterns = ['mailbox\\s+frobnicated']\n"
                                        "examples = [\"550 mailbox frobnicated\"]\n";
  const classifier c = classifier::from_directory(dir);
  CHECK(c.rule_count() == 1);
  const auto result = c.classify(test::make_dsn("bob@example.org", "failed", "5.0.0", "550 mailbox frobnicated"));
  REQUIRE(result.recipients.size() == 1);
  CHECK(result.recipients[0].rule == "custom-frobnicated");
  CHECK(result.recipients[0].reason == "mailboxfull");
  std::filesystem::remove_all(dir);
}

TEST_CASE("precedence: a final NXDOMAIN report is hard whatever its code, a temporary DNS failure is soft") {
  const auto nxdomain = verdict_for("failed", "4.0.0",
                                    "DNS Error: 1234 DNS type 'mx' lookup of example.invalid responded with code NXDOMAIN "
                                    "Domain name not found: example.invalid");
  CHECK(nxdomain.category == category::bad_domain);
  CHECK(nxdomain.bounce_class == bounce_class::hard);
  const auto servfail = verdict_for("failed", "4.4.3",
                                    "DNS Error: 1234 DNS type 'mx' lookup of example.org responded with code SERVFAIL");
  CHECK(servfail.bounce_class == bounce_class::soft);
  const auto warning = verdict_for("delayed", "4.4.0", "Host or domain name not found. Name service error for name=example.org type=MX");
  CHECK(warning.bounce_class == bounce_class::delayed);
}

TEST_CASE("a mailer program failure is bad-configuration unless its status names the mailbox") {
  const auto lda = verdict_for("failed", "5.3.0", "X-Unix; procmail: Error while writing to \"/var/mail/bob\"");
  CHECK(lda.reason == "mailererror");
  CHECK(lda.category == category::bad_configuration);
}

TEST_CASE("precedence: an unexplained refusal before any recipient concerns the sending side") {
  const auto ehlo = verdict_for("failed", "5.0.0", "550 Rejected (in reply to EHLO command)");
  CHECK(ehlo.reason == "blocked");
  CHECK(ehlo.rule == "smtp-stage");
  CHECK(ehlo.stage == smtp_stage::smtp_session);
  const auto mail = verdict_for("failed", "5.0.0", "550 Rejected (in reply to MAIL FROM command)");
  CHECK(mail.reason == "rejected");
  const auto rcpt = verdict_for("failed", "5.0.0", "550 Rejected (in reply to RCPT TO command)");
  CHECK(rcpt.rule == "none");
}

TEST_CASE("a pattern with leading guards (^(?!.*A).*?B) means B somewhere and A nowhere") {
  const auto rules = detail::rule_set::load({{"guards.toml", R"([[rule]]
id = "guarded"
reason = "userunknown"
literals = ["unknown"]
patterns = ['^(?!.*\bsender\s+(?:address|domain))(?!.*\(no\)).*?\bunknown\s+user\b']
examples = ["550 unknown user"]
)"}});
  const auto matches = [&](std::string_view text) { return rules->match(text, ""); };
  REQUIRE(matches("550 5.1.1 <bob@example.org>: unknown user").size() == 1);
  const rule_match m = matches("550 5.1.1 <bob@example.org>: unknown user").front();
  CHECK(m.text == "unknown user");  // the span is what the rule looked for, not the text before it
  CHECK(m.begin == 29);
  CHECK(matches("553 sender address unknown user").empty());     // first guard, before the match
  CHECK(matches("550 unknown user (sender domain rejected)").empty());  // first guard, after it
  CHECK(matches("550 unknown user (no)").empty());                    // second guard
  CHECK(matches("550 Unknown User").size() == 1);                     // still caseless
}

TEST_CASE("precedence: a bare reply code with one meaning decides when text and status say nothing") {
  const auto not_accepting = verdict_for("failed", "5.0.0", "521 zzq frobnication");
  CHECK(not_accepting.rule == "reply-code");
  CHECK(not_accepting.reason == "notaccept");
  CHECK(not_accepting.category == category::bad_domain);
  const auto syntax = verdict_for("failed", "", "501 zzq frobnication");
  CHECK(syntax.reason == "syntaxerror");
  // a specific status still comes first, and an ambiguous reply code stays onhold
  CHECK(verdict_for("failed", "5.2.2", "521 zzq frobnication").reason == "mailboxfull");
  CHECK(verdict_for("failed", "5.0.0", "550 zzq frobnication").reason == "onhold");
  // Exchange Online detail codes are looked up exactly, before the x.7.x catch-all
  CHECK(verdict_for("failed", "5.7.509", "550 zzq frobnication").reason == "authfailure");
  CHECK(verdict_for("failed", "5.7.599", "550 zzq frobnication").reason == "securityerror");
}

TEST_CASE("a rule's own category beats the one its reason and status give") {
  // the owner of an existing mailbox refuses the sender; the server still says 5.1.1
  const auto v = verdict_for("failed", "5.1.1", "550 5.1.1 Mail to <bob@example.org> refused due to recipient preferences");
  CHECK(v.rule == "policy-filter-recipient-preferences");
  CHECK(v.reason == "filtered");
  CHECK(v.status == "5.1.1");
  CHECK(v.category == category::policy_related);
  CHECK(v.bounce_class == bounce_class::soft);
  // without the key, filtered with 5.1.1 is still the mailbox's failure
  const auto plain = verdict_for("failed", "5.1.1", "550 5.1.1 Message filtered");
  CHECK(plain.reason == "filtered");
  CHECK(plain.category == category::bad_mailbox);
  CHECK(plain.bounce_class == bounce_class::hard);

  const auto rules = detail::rule_set::load(
      {{"c.toml", "[[rule]]\nid = \"owner-says-no\"\nreason = \"filtered\"\ncategory = \"policy-related\"\n"
                  "literals = [\"owner\"]\npatterns = ['owner says no']\nexamples = [\"550 owner says no\"]\n"}});
  REQUIRE(rules->find("owner-says-no") != nullptr);
  CHECK(rules->find("owner-says-no")->fixed_category == category::policy_related);
  CHECK(rules->find("no-such-rule") == nullptr);
  CHECK_THROWS_WITH(detail::rule_set::load({{"c.toml", "[[rule]]\nid = \"a\"\nreason = \"filtered\"\ncategory = \"nonsense\"\n"
                                                       "literals = [\"x\"]\npatterns = ['x']\nexamples = [\"x\"]\n"}}),
                    Catch::Contains("c.toml:1: rule 'a': unknown category 'nonsense'"));
}

TEST_CASE("a rule with hosts reads one provider's convention only when that provider reported the failure") {
  static const classifier c;
  const auto verdict_via = [&](const std::string& reporting, const std::string& remote, const std::string& diagnostic) {
    std::string m = test::make_dsn("ruth@example.com", "failed", "5.0.0", diagnostic);
    const std::string field = "Reporting-MTA: dns; mx.example.net\n";
    m.replace(m.find(field), field.size(), "Reporting-MTA: dns; " + reporting + "\n");
    if (!remote.empty()) m.insert(m.find("Action: failed"), "Remote-MTA: dns; " + remote + "\n");
    const classification result = c.classify(m);
    REQUIRE(result.recipients.size() == 1);
    return result.recipients.front();
  };
  // Symantec Email Security.cloud (MessageLabs): 542 for an address its Address Registration list lacks
  const auto reported = verdict_via("server-12.tower-400.messagelabs.com", "", "542 ruth@example.com Rejected");
  CHECK(reported.rule == "mailbox-messagelabs-address-registration");
  CHECK(reported.reason == "userunknown");
  CHECK(reported.category == category::bad_mailbox);
  CHECK(reported.bounce_class == bounce_class::hard);
  const auto relayed = verdict_via("mx.example.net", "cluster7.eu.messagelabs.com.", "542 <ruth@example.com> Rejected");
  CHECK(relayed.reason == "userunknown");
  // from anyone else a bare 542 stays unexplained
  const auto elsewhere = verdict_via("mx.example.net", "mx.example.com", "542 ruth@example.com Rejected");
  CHECK(elsewhere.rule == "none");
  CHECK(elsewhere.reason == "onhold");
  CHECK(elsewhere.bounce_class == bounce_class::soft);
  const auto lookalike = verdict_via("mx.notmessagelabs.com", "", "542 ruth@example.com Rejected");
  CHECK(lookalike.reason == "onhold");

  CHECK_THROWS_WITH(detail::rule_set::load({{"h.toml", "[[rule]]\nid = \"a\"\nreason = \"userunknown\"\nhosts = [\"bob@example\"]\n"
                                                       "literals = [\"x\"]\npatterns = ['x']\nexamples = [\"x\"]\n"}}),
                    Catch::Contains("h.toml:1: rule 'a': hosts must be domain names"));
}

TEST_CASE("precedence: a failed check of our sender wins over the answer it quotes about the sender's mailbox") {
  const auto postfix = verdict_for("failed", "5.1.7",
                                   "550 5.1.7 <alice@example.com>: Sender address rejected: unverified address: host "
                                   "mx.example.com[192.0.2.1] said: 550 5.1.1 <alice@example.com>: Recipient address "
                                   "rejected: User unknown in virtual mailbox table");
  CHECK(postfix.reason == "rejected");
  CHECK(postfix.category == category::policy_related);
  CHECK(postfix.bounce_class == bounce_class::soft);
  const auto full = verdict_for("failed", "4.1.7",
                                "450 4.1.7 <alice@example.com>: Sender address rejected: undeliverable address: host "
                                "mx.example.com[192.0.2.1] said: 552 5.2.2 <alice@example.com>: Mailbox full");
  CHECK(full.reason == "rejected");
  // the recipient's own verification failing is still about the recipient
  const auto rcpt = verdict_for("failed", "5.1.1",
                                "550 5.1.1 <bob@example.org>: Recipient address rejected: undeliverable address: "
                                "host mx.example.org[192.0.2.10] said: 550 5.1.1 <bob@example.org>: User unknown");
  CHECK(rcpt.reason == "userunknown");
  CHECK(rcpt.bounce_class == bounce_class::hard);
}

TEST_CASE("precedence: an explicit expiry wins over the temporary answer it quotes, not over a named cause") {
  const auto grey = verdict_for(
      "failed", "5.4.7", "554 5.4.7 Delivery time expired; last error: 451 4.7.1 Greylisted, please try again later");
  CHECK(grey.reason == "expired");
  CHECK(grey.category == category::message_expired);
  const auto ms = verdict_for("failed", "4.4.7",
                              "550 4.4.7 QUEUE.Expired; message expired. Last error: 451 4.7.500 Access denied, please "
                              "try again later. (AS77681702)");
  CHECK(ms.reason == "expired");
  // greylisting alone is still a block, and a named cause (DNS failure) still beats the expiry
  CHECK(verdict_for("failed", "4.7.1", "451 4.7.1 Greylisted, please try again later").reason == "blocked");
  CHECK(verdict_for("failed", "5.4.312", "550 5.4.312 Message expired, DNS query failed").reason == "networkerror");
}

TEST_CASE("a status code is looked up exactly, then with any class, any detail, and both, whatever its length") {
  const std::vector<detail::rule_source> sources{{"status.toml", R"toml(
[[status]]
code = "5.1.1"
reason = "userunknown"
[[status]]
code = "x.1.2"
reason = "hostunknown"
[[status]]
code = "4.2.x"
reason = "mailboxfull"
[[status]]
code = "x.7.x"
reason = "blocked"
[[status]]
code = "5.3.10.x"
reason = "rejected"
[[status]]
code = "x.4.100"
reason = "suspend"
[[status]]
code = "x"
reason = "spamdetected"
)toml"}};
  const auto rules = detail::rule_set::load(sources);
  CHECK(rules->status_reason("5.1.1") == "userunknown");
  CHECK(rules->status_reason("4.1.1") == "");
  CHECK(rules->status_reason("4.1.2") == "hostunknown");
  CHECK(rules->status_reason("4.2.22") == "mailboxfull");
  CHECK(rules->status_reason("5.2.2") == "");
  CHECK(rules->status_reason("5.7.100") == "blocked");
  CHECK(rules->status_reason("4.7.1000") == "blocked");  // eight bytes: not a packed key
  CHECK(rules->status_reason("5.4.100") == "suspend");
  CHECK(rules->status_reason("5.3.10.") == "rejected");  // its detail key "5.3.10.x" has eight bytes
  CHECK(rules->status_reason("55555") == "spamdetected");  // no dot: the detail key is "x" alone
  CHECK(rules->status_reason("5.9") == "");               // too short to be a code
}
