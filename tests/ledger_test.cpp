// The bounce ledger (issue 9): policy, address states, mail statuses, idempotence, crash safety, migration.
// Time comes from a fake clock, so weeks of history run in milliseconds.
#include <fmt/format.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bouncekit/bouncekit.hpp>
#include <bouncekit/ledger.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "ledger/sha256.hpp"
#include "ledger/sqlite_store.hpp"
#include "ledger/time_text.hpp"

using namespace bouncekit;
using namespace std::chrono_literals;

namespace {

ledger_time at(const char* iso) {
  return *detail::parse_time(iso);
}

// A ledger file in the temp directory, removed (with its -wal and -shm) afterwards.
struct temp_db {
  std::filesystem::path path;
  temp_db() {
    static int counter = 0;
    path = std::filesystem::temp_directory_path() / fmt::format("bouncekit-ledger-test-{}-{}.db", getpid(), ++counter);
    remove();
  }
  ~temp_db() { remove(); }
  void remove() const {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) std::filesystem::remove(path.string() + suffix);
  }
};

// One response for one recipient.
classification response(const std::string& address, bounce_class cls, std::optional<category> cat,
                        const std::string& reason, const std::string& status = "",
                        message_type type = message_type::bounce) {
  classification c;
  c.type = type;
  c.format = "test";
  recipient_verdict v;
  v.address = address;
  v.bounce_class = cls;
  v.category = cat;
  v.reason = reason;
  if (!status.empty()) v.status = status;
  c.recipients.push_back(v);
  return c;
}

classification hard(const std::string& a) {
  return response(a, bounce_class::hard, category::bad_mailbox, "userunknown", "5.1.1");
}
classification soft(const std::string& a) {
  return response(a, bounce_class::soft, category::quota_issues, "mailboxfull", "4.2.2");
}
classification success(const std::string& a) {
  return response(a, bounce_class::success, category::success, "delivered", "2.0.0");
}
classification delayed(const std::string& a) {
  return response(a, bounce_class::delayed, category::bad_connection, "networkerror", "4.4.2");
}
classification auto_reply(const std::string& a) {
  return response(a, bounce_class::auto_reply, std::nullopt, "vacation", "", message_type::auto_reply);
}
classification complaint(const std::string& a) {
  return response(a, bounce_class::complaint, std::nullopt, "feedback", "", message_type::complaint);
}

// A ledger on a fresh file with a clock the test moves; every response gets a raw message of its own.
struct scenario {
  temp_db db;
  ledger_time now = at("2024-05-01T09:00:00Z");
  ledger book;
  int serial = 0;

  explicit scenario(ledger_policy policy = ledger_policy::defaults())
      : book(db.path, std::move(policy), [this] { return now; }) {}

  static std::string raw(int n, const std::string& extra = "") {
    return fmt::format(
        "{}From: MAILER-DAEMON@mx.example.net\nTo: bounces@sender.example\nMessage-ID: <r{}@mx>\n\nbody {}\n", extra, n,
        n);
  }
  ingest_result in(const classification& c) { return book.ingest(c, raw(++serial)); }
  address_state state(const std::string& a) const { return book.status(a).state; }
  void advance(std::chrono::seconds d) { now += d; }
};

std::int64_t count_rows(const std::filesystem::path& db, const char* table) {
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  REQUIRE(sqlite3_prepare_v2(h, fmt::format("SELECT count(*) FROM {}", table).c_str(), -1, &s, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(s) == SQLITE_ROW);
  const std::int64_t n = sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  sqlite3_close(h);
  return n;
}

std::string query_text(const std::filesystem::path& db, const char* sql) {
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  REQUIRE(sqlite3_prepare_v2(h, sql, -1, &s, nullptr) == SQLITE_OK);
  std::string out;
  if (sqlite3_step(s) == SQLITE_ROW) out = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
  sqlite3_finalize(s);
  sqlite3_close(h);
  return out;
}

}  // namespace

// ---------------------------------------------------------------- policy, time, identity

TEST_CASE("ledger: the built-in policy is ledger/policy.toml") {
  const ledger_policy p = ledger_policy::defaults();
  CHECK(p.soft_threshold == 3);
  CHECK(p.soft_window == 14 * 24h);
  CHECK(p.quarantine_period == 7 * 24h);
  CHECK(p.max_quarantines == 2);
  CHECK(p.time_to_respond == 3 * 24h);
  CHECK(p.match_window == 30 * 24h);
  CHECK(p.action_for(bounce_class::hard, category::bad_mailbox) == policy_action::suppress);
  CHECK(p.action_for(bounce_class::soft, category::quota_issues) == policy_action::count);
  CHECK(p.action_for(bounce_class::soft, category::spam_related) == policy_action::ignore);
  CHECK(p.action_for(bounce_class::success, category::success) == policy_action::reset);
  CHECK(p.action_for(bounce_class::complaint, std::nullopt) == policy_action::suppress);
  CHECK(p.action_for(bounce_class::delayed, category::bad_connection) == policy_action::ignore);
  // the shipped file and the compiled-in copy are the same
  CHECK(ledger_policy::from_file(BOUNCEKIT_SOURCE_DIR "/ledger/policy.toml").by_category == p.by_category);
}

TEST_CASE("ledger: a policy file overrides the keys it names and keeps the rest") {
  const ledger_policy p = ledger_policy::parse(
      "[soft]\nthreshold = 5\n[class]\ncomplaint = \"quarantine\"\n"
      "[category]\nspam-related = \"count\"\n[quarantine]\nperiod = \"1w2d\"\n");
  CHECK(p.soft_threshold == 5);
  CHECK(p.soft_window == 14 * 24h);
  CHECK(p.quarantine_period == 9 * 24h);
  CHECK(p.action_for(bounce_class::complaint, std::nullopt) == policy_action::quarantine);
  CHECK(p.action_for(bounce_class::soft, category::spam_related) == policy_action::count);
  CHECK(p.action_for(bounce_class::hard, category::bad_mailbox) == policy_action::suppress);
}

TEST_CASE("ledger: policy mistakes name the file and line") {
  auto message = [](const char* text) {
    try {
      ledger_policy::parse(text, "my.toml");
    } catch (const ledger_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK_THAT(message("[soft]\nthreshold = 3\nwindo = \"7d\"\n"), Catch::StartsWith("my.toml:3: unknown key 'windo'"));
  CHECK_THAT(message("[soft]\nwindow = \"7 days\"\n"),
             Catch::StartsWith("my.toml:2:") && Catch::Contains("not a duration"));
  CHECK_THAT(message("[class]\nhard = \"delete\"\n"),
             Catch::StartsWith("my.toml:2:") && Catch::Contains("unknown action"));
  CHECK_THAT(message("[class]\nsofter = \"count\"\n"), Catch::Contains("unknown class 'softer'"));
  CHECK_THAT(message("[category]\nbad-mailboxes = \"count\"\n"), Catch::Contains("unknown category"));
  CHECK_THAT(message("[soft]\nthreshold = 0\n"), Catch::Contains("integer from 1"));
  CHECK_THAT(message("[quarantin]\nperiod = \"7d\"\n"), Catch::Contains("unknown table [quarantin]"));
  CHECK_THAT(message("[soft\n"), Catch::StartsWith("my.toml:1:"));
  CHECK_THROWS_AS(ledger_policy::from_file("/nonexistent/policy.toml"), ledger_error);
}

TEST_CASE("ledger: times and durations as text") {
  CHECK(detail::format_time(at("2024-05-01T09:00:00Z")) == "2024-05-01T09:00:00Z");
  CHECK(at("2024-05-01") == at("2024-05-01T00:00:00Z"));
  CHECK(at("2024-05-01T11:00:00+02:00") == at("2024-05-01T09:00:00Z"));
  CHECK(at("2024-05-01 09:00") == at("2024-05-01T09:00:00Z"));
  CHECK(at("1714554000") == at("2024-05-01T09:00:00Z"));
  CHECK_FALSE(detail::parse_time("2024-02-30"));
  CHECK_FALSE(detail::parse_time("yesterday"));
  CHECK(detail::parse_duration("1w2d3h") == std::chrono::seconds(9 * 86400 + 3 * 3600));
  CHECK_FALSE(detail::parse_duration("7"));
  CHECK_FALSE(detail::parse_duration("7x"));
  CHECK(detail::format_duration(14 * 24h) == "14d");
  CHECK(detail::format_duration(90min) == "90m");
}

TEST_CASE("ledger: sha256 gives the FIPS 180-4 test vectors") {
  auto hex = [](std::string_view s) {
    detail::sha256 h;
    h.update(s);
    return h.hex_digest();
  };
  CHECK(hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST_CASE("ledger: a response's identity ignores line endings and delivery trace fields") {
  const std::string lf =
      "Received: from a by b\n\tid 1\nDelivered-To: Bounces+Bob=Example.org@Sender.example\n"
      "Subject: Undelivered\nTo: bounces@sender.example\n\nbody\n";
  std::string crlf;
  for (const char c : lf) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  const message_identity a = identify(lf);
  CHECK(a.key.starts_with("sha256:"));
  CHECK(identify(crlf).key == a.key);
  CHECK(identify("Received: from c by d\n" + lf).key == a.key);                        // another route
  CHECK(identify("From MAILER-DAEMON Mon May  1 09:00:00 2024\n" + lf).key == a.key);  // mbox envelope line
  CHECK(identify(lf + "more\n").key != a.key);
  CHECK(a.envelope == std::vector<std::string>{"bounces+bob=example.org@sender.example", "bounces@sender.example"});
}

// ---------------------------------------------------------------- address states

TEST_CASE("ledger: a hard bounce suppresses the address at once") {
  scenario s;
  const ingest_result r = s.in(hard("Bob@Example.org"));
  CHECK(r.suppressed == 1);
  const address_status st = s.book.status("bob@example.org");
  CHECK(st.state == address_state::suppressed);
  CHECK(st.reason == "hard: userunknown 5.1.1 (bad-mailbox)");
  CHECK(st.since == s.now);
  REQUIRE(st.history.size() == 1);
  CHECK(st.history[0].effect == "suppressed");
  // it stays suppressed: time passing, successes, even a release of another address change nothing
  s.advance(365 * 24h);
  s.in(success("bob@example.org"));
  CHECK(s.state("bob@example.org") == address_state::suppressed);
  CHECK(s.book.status("bob@example.org").history[0].effect == "held");
  const auto list = s.book.list(address_state::suppressed);
  REQUIRE(list.size() == 1);
  CHECK(list[0].address == "bob@example.org");
}

TEST_CASE("ledger: three soft bounces within the window quarantine; quarantine ends; repeated, it turns hard") {
  scenario s;
  const std::string a = "carol@example.org";
  s.in(soft(a));
  s.advance(24h);
  s.in(soft(a));
  CHECK(s.book.status(a).soft_failures == 2);
  CHECK(s.state(a) == address_state::active);
  s.advance(24h);
  CHECK(s.in(soft(a)).quarantined == 1);
  address_status st = s.book.status(a);
  CHECK(st.state == address_state::quarantined);
  CHECK(st.quarantine_until == s.now + 7 * 24h);
  CHECK(st.quarantines == 1);
  CHECK_THAT(st.reason, Catch::StartsWith("3 soft failures within 14d"));
  CHECK(s.book.list(address_state::quarantined).size() == 1);

  // a soft bounce during the quarantine (mail sent before it) is recorded, not counted
  s.advance(24h);
  s.in(soft(a));
  CHECK(s.book.status(a).history[0].effect == "held");

  // released after the period
  s.advance(6 * 24h - 1s);
  CHECK(s.state(a) == address_state::quarantined);
  s.advance(1s);
  CHECK(s.state(a) == address_state::active);
  CHECK(s.book.list(address_state::quarantined).empty());
  CHECK(s.book.status(a).soft_failures == 0);

  // failing again: quarantined a second time
  for (int i = 0; i < 3; ++i) {
    s.advance(24h);
    s.in(soft(a));
  }
  st = s.book.status(a);
  CHECK(st.state == address_state::quarantined);
  CHECK(st.quarantines == 2);
  CHECK(st.history[3].kind == "quarantine-end");  // newest first: 3 responses, then the end of the first quarantine

  // and after the second quarantine, the failures that go on suppress it (marked hard)
  s.advance(8 * 24h);
  for (int i = 0; i < 3; ++i) {
    s.advance(24h);
    s.in(soft(a));
  }
  st = s.book.status(a);
  CHECK(st.state == address_state::suppressed);
  CHECK_THAT(st.reason, Catch::StartsWith("still failing after 2 quarantines"));
}

TEST_CASE("ledger: soft bounces further apart than the window never add up") {
  scenario s;
  for (int i = 0; i < 6; ++i) {
    s.in(soft("dave@example.org"));
    s.advance(8 * 24h);  // window 14d: never three inside it
  }
  CHECK(s.state("dave@example.org") == address_state::active);
  CHECK(s.book.status("dave@example.org").soft_failures == 1);
}

TEST_CASE("ledger: a success resets the soft count") {
  scenario s;
  const std::string a = "erin@example.org";
  s.in(soft(a));
  s.in(soft(a));
  s.in(success(a));
  CHECK(s.book.status(a).soft_failures == 0);
  s.in(soft(a));
  s.in(soft(a));
  CHECK(s.state(a) == address_state::active);
  s.in(soft(a));
  CHECK(s.state(a) == address_state::quarantined);
}

TEST_CASE("ledger: a complaint suppresses or quarantines, as the policy says") {
  SECTION("default: suppress") {
    scenario s;
    s.in(complaint("frank@example.org"));
    CHECK(s.state("frank@example.org") == address_state::suppressed);
  }
  SECTION("complaint = quarantine") {
    scenario s(ledger_policy::parse("[class]\ncomplaint = \"quarantine\"\n"));
    s.in(complaint("frank@example.org"));
    const address_status st = s.book.status("frank@example.org");
    CHECK(st.state == address_state::quarantined);
    CHECK(st.quarantine_until == s.now + 7 * 24h);
  }
}

TEST_CASE("ledger: auto-replies and delay warnings change nothing") {
  scenario s;
  const std::string a = "gina@example.org";
  s.in(auto_reply(a));
  s.in(delayed(a));
  CHECK(s.state(a) == address_state::active);
  s.in(soft(a));
  s.in(soft(a));
  s.in(auto_reply(a));  // neither resets the count...
  s.in(delayed(a));     // ...nor adds to it
  CHECK(s.book.status(a).soft_failures == 2);
  s.in(soft(a));
  CHECK(s.state(a) == address_state::quarantined);
}

TEST_CASE("ledger: failures that say something about the sender leave the address alone") {
  scenario s;
  for (int i = 0; i < 5; ++i)
    s.in(response("hank@example.org", bounce_class::soft, category::spam_related, "blocked", "5.7.1"));
  CHECK(s.state("hank@example.org") == address_state::active);
  CHECK(s.book.status("hank@example.org").history[0].effect == "ignored");
}

TEST_CASE("ledger: a hard bounce during quarantine suppresses") {
  scenario s;
  for (int i = 0; i < 3; ++i) s.in(soft("ivy@example.org"));
  REQUIRE(s.state("ivy@example.org") == address_state::quarantined);
  s.in(hard("ivy@example.org"));
  CHECK(s.state("ivy@example.org") == address_state::suppressed);
}

TEST_CASE("ledger: a manual release puts the address back and clears its counts") {
  scenario s;
  s.in(hard("jack@example.org"));
  CHECK_FALSE(s.book.release("nobody@example.org"));
  s.advance(1h);
  CHECK(s.book.release("JACK@example.org", "the customer fixed the mailbox"));
  address_status st = s.book.status("jack@example.org");
  CHECK(st.state == address_state::active);
  CHECK(st.reason == "the customer fixed the mailbox");
  CHECK(st.history[0].kind == "release");
  CHECK_FALSE(s.book.release("jack@example.org"));  // active already
  // released from quarantine: the quarantine count starts again too
  for (int i = 0; i < 3; ++i) s.in(soft("jack@example.org"));
  REQUIRE(s.state("jack@example.org") == address_state::quarantined);
  CHECK(s.book.release("jack@example.org"));
  st = s.book.status("jack@example.org");
  CHECK(st.quarantines == 0);
  CHECK(st.soft_failures == 0);
  CHECK(s.book.list(address_state::suppressed).empty());
}

// ---------------------------------------------------------------- idempotence

TEST_CASE("ledger: ingesting the same response twice changes nothing") {
  scenario s;
  const std::string raw = scenario::raw(1000);
  const classification c = soft("kate@example.org");
  CHECK_FALSE(s.book.ingest(c, raw).duplicate);
  const std::int64_t events = count_rows(s.db.path, "events");
  for (int i = 0; i < 3; ++i) {
    s.advance(1h);
    const ingest_result again = s.book.ingest(c, raw);
    CHECK(again.duplicate);
    CHECK(again.recipients == 0);
  }
  // delivered again by another route (an extra Received field): still the same response
  CHECK(s.book.ingest(c, "Received: from relay2 by mx\n" + raw).duplicate);
  CHECK(count_rows(s.db.path, "events") == events);
  CHECK(count_rows(s.db.path, "messages") == 1);
  CHECK(s.book.status("kate@example.org").soft_failures == 1);  // not 3: the same soft bounce is counted once
  CHECK(s.state("kate@example.org") == address_state::active);
}

TEST_CASE("ledger: the same address twice in one response counts once") {
  scenario s;
  classification c = soft("lena@example.org");
  c.recipients.push_back(c.recipients[0]);
  c.recipients.push_back(c.recipients[0]);
  CHECK(s.in(c).recipients == 1);
  CHECK(s.book.status("lena@example.org").soft_failures == 1);
}

// ---------------------------------------------------------------- crash safety

namespace {

// Two recipients, one with a sent mail to match: every kind of write an ingest does.
classification crash_response() {
  classification c = hard("mia@example.org");
  c.recipients.push_back(soft("noah@example.org").recipients[0]);
  c.original.message_id = "<campaign-1@sender.example>";
  return c;
}

struct ledger_snapshot {
  std::int64_t messages, events, addresses, sent_waiting;
  bool operator==(const ledger_snapshot&) const = default;
};

ledger_snapshot snapshot(const std::filesystem::path& db) {
  return {count_rows(db, "messages"), count_rows(db, "events"), count_rows(db, "addresses"),
          count_rows(db, "sent WHERE status = 'sent'")};
}

}  // namespace

TEST_CASE("ledger: a crash between the statements of an ingest loses nothing and leaves nothing half-written") {
  temp_db db;
  const ledger_time now = at("2024-05-01T09:00:00Z");
  auto clock = [now] { return now; };
  const std::string raw = scenario::raw(7);
  {
    ledger book(db.path, ledger_policy::defaults(), clock);
    book.record_sent({"<campaign-1@sender.example>", "mia@example.org", now - 1h, "spring"});
    book.ingest(soft("noah@example.org"), scenario::raw(6));  // history before the crash
  }
  const ledger_snapshot before = snapshot(db.path);
  REQUIRE(before == ledger_snapshot{1, 1, 1, 1});

  // Kill the process after the 1st, 2nd, ... write statement of the ingest, until one runs to its end.
  int completed_at = 0;
  for (int kill_after = 1; kill_after < 20 && completed_at == 0; ++kill_after) {
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      int writes = 0;
      auto store = std::make_unique<detail::sqlite_store>(db.path);
      store->set_write_hook([&](std::string_view) {
        if (++writes == kill_after) _exit(42);  // no destructors, no rollback, no close: as a crash
      });
      ledger book(std::move(store), ledger_policy::defaults(), clock);
      book.ingest(crash_response(), raw);
      _exit(0);
    }
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    REQUIRE(WIFEXITED(status));
    if (WEXITSTATUS(status) == 0) {
      completed_at = kill_after;
      break;
    }
    REQUIRE(WEXITSTATUS(status) == 42);
    INFO("killed after write " << kill_after);
    CHECK(snapshot(db.path) == before);
    CHECK(query_text(db.path, "PRAGMA integrity_check") == "ok");
  }
  // insert-message, 2 x (insert-event, save-address), set-sent-status, set-message-matched: 7 writes, so the
  // run that would be killed after an 8th completes
  CHECK(completed_at == 8);
  ledger book(db.path, ledger_policy::defaults(), clock);
  CHECK(book.status("mia@example.org").state == address_state::suppressed);
  CHECK(book.status("noah@example.org").soft_failures == 2);
  CHECK(book.sent_status("campaign-1@sender.example").at(0).second == mail_status::bounced_hard);
  CHECK(book.ingest(crash_response(), raw).duplicate);
}

TEST_CASE("ledger: an error in the middle of an ingest rolls the whole ingest back") {
  temp_db db;
  auto store = std::make_unique<detail::sqlite_store>(db.path);
  bool fail = true;
  store->set_write_hook([&](std::string_view what) {
    if (fail && what == "save-address") throw ledger_error("disk on fire");
  });
  ledger book(std::move(store), ledger_policy::defaults(), [] { return at("2024-05-01T09:00:00Z"); });
  CHECK_THROWS_AS(book.ingest(crash_response(), scenario::raw(1)), ledger_error);
  CHECK(count_rows(db.path, "messages") == 0);
  CHECK(count_rows(db.path, "events") == 0);
  fail = false;
  CHECK_FALSE(book.ingest(crash_response(), scenario::raw(1)).duplicate);  // nothing was kept: not a duplicate
  CHECK(book.status("mia@example.org").state == address_state::suppressed);
}

// ---------------------------------------------------------------- the store

TEST_CASE("ledger: the store is one SQLite file in WAL mode at the latest schema") {
  scenario s;
  s.in(hard("olga@example.org"));
  CHECK(query_text(s.db.path, "PRAGMA journal_mode") == "wal");
  CHECK(query_text(s.db.path, "PRAGMA user_version") == "2");
}

TEST_CASE("ledger: a store written by schema version 1 is migrated and keeps its data") {
  temp_db db;
  {  // what bouncekit's first ledger schema wrote
    sqlite3* h = nullptr;
    REQUIRE(sqlite3_open(db.path.c_str(), &h) == SQLITE_OK);
    const char* v1 = R"sql(
      CREATE TABLE addresses (address TEXT PRIMARY KEY, state TEXT NOT NULL, reason TEXT NOT NULL,
        since INTEGER NOT NULL, quarantine_until INTEGER, quarantines INTEGER NOT NULL DEFAULT 0,
        streak_from INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
      CREATE TABLE messages (id INTEGER PRIMARY KEY, identity TEXT NOT NULL UNIQUE, source TEXT NOT NULL,
        type TEXT NOT NULL, format TEXT NOT NULL, original_message_id TEXT NOT NULL, received_at INTEGER NOT NULL);
      CREATE TABLE events (id INTEGER PRIMARY KEY, message_id INTEGER REFERENCES messages(id), address TEXT NOT NULL,
        at INTEGER NOT NULL, kind TEXT NOT NULL, class TEXT, category TEXT, reason TEXT, status TEXT,
        diagnostic TEXT, effect TEXT NOT NULL, UNIQUE (message_id, address));
      CREATE INDEX events_by_address ON events (address, id);
      CREATE INDEX events_counted ON events (address, at) WHERE effect = 'counted';
      CREATE INDEX messages_by_time ON messages (received_at);
      PRAGMA user_version = 1;
      INSERT INTO messages VALUES (1, 'old-key', 'old.eml', 'bounce', 'postfix', '', 1714500000);
      INSERT INTO events VALUES (1, 1, 'pat@example.org', 1714500000, 'response', 'hard', 'bad-mailbox',
        'userunknown', '5.1.1', NULL, 'suppressed');
      INSERT INTO addresses VALUES ('pat@example.org', 'suppressed', 'hard: userunknown 5.1.1 (bad-mailbox)',
        1714500000, NULL, 0, 1);
    )sql";
    REQUIRE(sqlite3_exec(h, v1, nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(h);
  }
  ledger_time now = at("2024-05-01T09:00:00Z");
  ledger book(db.path, ledger_policy::defaults(), [&] { return now; });
  CHECK(query_text(db.path, "PRAGMA user_version") == "2");
  const address_status pat = book.status("pat@example.org");
  CHECK(pat.state == address_state::suppressed);
  REQUIRE(pat.history.size() == 1);
  CHECK(pat.history[0].source == "old.eml");
  CHECK(book.ingest(hard("pat@example.org"), message_identity{"old-key", {}}).duplicate);
  // what version 2 added works on the migrated store
  CHECK(book.record_sent({"<m1@sender.example>", "quinn@example.org", now - 1h, "t"}) == 1);
  classification c = soft("quinn@example.org");
  c.original.message_id = "<m1@sender.example>";
  CHECK(book.ingest(c, scenario::raw(1)).matched == 1);
  CHECK(book.sent_status("m1@sender.example").at(0).second == mail_status::bounced_soft);
}

TEST_CASE("ledger: a store from a newer bouncekit is refused, not damaged") {
  temp_db db;
  {
    sqlite3* h = nullptr;
    REQUIRE(sqlite3_open(db.path.c_str(), &h) == SQLITE_OK);
    REQUIRE(sqlite3_exec(h, "CREATE TABLE future (x); PRAGMA user_version = 99;", nullptr, nullptr, nullptr) ==
            SQLITE_OK);
    sqlite3_close(h);
  }
  CHECK_THROWS_WITH(ledger(db.path), Catch::Contains("schema version 99"));
  CHECK(query_text(db.path, "PRAGMA user_version") == "99");
}

TEST_CASE("ledger: a file that is not SQLite is an error, not a crash") {
  temp_db db;
  std::ofstream(db.path) << "this is not a database, just some text that is long enough to have a header......\n";
  CHECK_THROWS_AS(ledger(db.path), ledger_error);
}

// ---------------------------------------------------------------- mail statuses

TEST_CASE("ledger: each sent mail gets its status from the response that answers it") {
  scenario s;
  const ledger_time t0 = s.now;
  std::vector<sent_mail> feed = {
      {"<a@sender.example>", "rita@example.org", t0, "spring"},
      {"<b@sender.example>", "sam@example.org", t0, "spring", "bounces+sam=example.org@sender.example"},
      {"<c@sender.example>", "tom@example.org", t0, "spring"},
      {"<d@sender.example>", "uma@example.org", t0, "spring"},
      {"<e@sender.example>", "vic@example.org", t0, "spring"},
      {"<f@sender.example>", "wes@example.org", t0, "spring"},
  };
  CHECK(s.book.record_sent(feed) == 6);
  CHECK(s.book.record_sent(feed) == 0);  // the feed again: nothing new
  s.advance(2h);

  // by the returned Message-ID
  classification by_id = hard("rita@example.org");
  by_id.original.message_id = "<a@sender.example>";
  CHECK(s.in(by_id).matched == 1);
  // by the VERP address the response was delivered to (no Message-ID returned)
  CHECK(s.book
            .ingest(soft("sam@example.org"),
                    "Delivered-To: bounces+sam=example.org@sender.example\nTo: x@sender.example\n\nverp\n")
            .matched == 1);
  // by recipient and time
  CHECK(s.in(auto_reply("tom@example.org")).matched == 1);
  // an unclassifiable response about a known mail
  classification unknown;
  unknown.type = message_type::unrecognized;
  unknown.original.message_id = "<e@sender.example>";
  CHECK(s.in(unknown).matched == 1);
  // a delay warning: still waiting
  CHECK(s.in(delayed("wes@example.org")).matched == 1);
  // a response to nothing we sent: kept for review
  CHECK(s.in(hard("xena@example.org")).matched == 0);

  auto status_of = [&](const char* id) { return s.book.sent_status(id).at(0).second; };
  CHECK(status_of("a@sender.example") == mail_status::bounced_hard);
  CHECK(status_of("b@sender.example") == mail_status::bounced_soft);
  CHECK(status_of("c@sender.example") == mail_status::valid);
  CHECK(status_of("d@sender.example") == mail_status::sent);
  CHECK(status_of("e@sender.example") == mail_status::unrecognized);
  CHECK(status_of("f@sender.example") == mail_status::sent);

  // no response within the time-to-respond: lost in space; a later response is recorded but changes nothing
  s.advance(3 * 24h);
  CHECK(status_of("d@sender.example") == mail_status::lost_in_space);
  CHECK(status_of("f@sender.example") == mail_status::lost_in_space);
  classification late = hard("uma@example.org");
  late.original.message_id = "<d@sender.example>";
  CHECK(s.in(late).matched == 1);
  CHECK(status_of("d@sender.example") == mail_status::lost_in_space);
  CHECK(s.book.status("uma@example.org").history[0].sent_message_id == "d@sender.example");
  CHECK(s.state("uma@example.org") == address_state::suppressed);  // the address is still acted on

  const ledger_report r = s.book.report(t0, s.now + 1s);
  CHECK(r.responses == 7);
  CHECK(r.unmatched == 1);
  CHECK(r.mail_statuses ==
        std::map<std::string, std::size_t>{
            {"bounced-hard", 1}, {"bounced-soft", 1}, {"valid", 1}, {"unrecognized", 1}, {"lost-in-space", 2}});
  CHECK(r.classes.at("hard") == 3);
  CHECK(r.address_states.at("suppressed") == 3);
  CHECK(r.types.at("unrecognized") == 1);
  // the period selects: nothing before t0
  CHECK(s.book.report(t0 - 24h, t0).responses == 0);
}

TEST_CASE("ledger: a bad feed line is an error naming the field") {
  CHECK_THROWS_WITH(parse_sent_mail("{\"recipient\": \"a@b\", \"sent_at\": 1}"), Catch::Contains("message_id"));
  CHECK_THROWS_WITH(parse_sent_mail("{\"message_id\": \"x\", \"recipient\": \"a@b\", \"sent_at\": \"soon\"}"),
                    Catch::Contains("sent_at"));
  CHECK_THROWS_AS(parse_sent_mail("not json"), ledger_error);
  const sent_mail m = parse_sent_mail(
      R"({"message_id": " <X@Sender.example> ", "recipient": "Bob@Example.org", "sent_at": "2024-05-01T09:00:00Z", "tag": "t"})");
  CHECK(m.message_id == "X@Sender.example");
  CHECK(m.recipient == "bob@example.org");
  CHECK(m.sent_at == at("2024-05-01T09:00:00Z"));
  CHECK(m.tag == "t");
}

// ---------------------------------------------------------------- with the real classifier

TEST_CASE("ledger: the bundled corpus goes through classifier and ledger") {
  scenario s;
  const classifier c;
  std::size_t messages = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(BOUNCEKIT_SOURCE_DIR "/corpus")) {
    if (entry.path().extension() != ".eml") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream raw;
    raw << in.rdbuf();
    classification result = c.classify(raw.str());
    result.source = entry.path().filename().string();
    CHECK_FALSE(s.book.ingest(result, raw.str()).duplicate);
    ++messages;
  }
  REQUIRE(messages > 10);
  const ledger_report r = s.book.report(s.now - 1s, s.now + 1s);
  CHECK(r.responses == messages);
  CHECK(r.address_states.count("suppressed") == 1);
}
