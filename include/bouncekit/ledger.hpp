// bouncekit/ledger.hpp — the bounce ledger: what each verdict does to an address (suppression, quarantine,
// soft-bounce counting) and the status of each sent mail, kept in an embedded SQLite file.
//
//   #include <bouncekit/bouncekit.hpp>
//   #include <bouncekit/ledger.hpp>
//
//   const bouncekit::classifier classifier;
//   bouncekit::ledger ledger("bounces.db");                    // default policy (ledger/policy.toml), system clock
//   ledger.record_sent({"<m1@example.com>", "bob@example.org", sent_at, "spring-sale"});
//   bouncekit::ingest_result r = ledger.ingest(classifier.classify(raw), raw);   // one transaction
//   if (ledger.status("bob@example.org").state != bouncekit::address_state::active) skip_him();
//   for (const auto& a : ledger.list(bouncekit::address_state::suppressed)) mta_suppress(a.address);
//
// Time never comes from the wall clock directly: the ledger asks its `ledger_clock`, so a test can replay
// weeks of history in milliseconds. Link with `bouncekit::ledger` (CMake).
#pragma once

#include <bouncekit/result.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bouncekit {

// Whole seconds since the Unix epoch, UTC: the ledger's only notion of time.
using ledger_time = std::chrono::sys_seconds;

// Where the ledger gets "now". Called once per operation; must be safe to call from the ledger's thread.
using ledger_clock = std::function<ledger_time()>;

// The system clock, truncated to seconds.
ledger_clock system_ledger_clock();

// Thrown for a bad policy file (naming file:line), a bad sent-mail feed line, a store that cannot be opened,
// is corrupt or was written by a newer schema, and any SQLite failure. The store is left as it was before
// the failed operation (its transaction is rolled back).
class ledger_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What the ledger knows about an address. `quarantined` ends by itself at `quarantine_until`; `suppressed`
// ends only by release().
enum class address_state { active, quarantined, suppressed };

// The status of one sent mail (the Bounced Mail Framework's statuses of ../shared/seeds): `sent` (waiting for
// a response), `valid` (a response that is no failure: delivered, auto-reply, complaint), `bounced_hard`,
// `bounced_soft`, `unrecognized` (a response that could not be classified), `lost_in_space` (no response within
// the policy's time-to-respond; later responses are recorded but do not change it).
enum class mail_status { sent, valid, bounced_hard, bounced_soft, unrecognized, lost_in_space };

// What a verdict does to its address. `suppress`: on the suppression list now. `quarantine`: held for the
// policy's quarantine period. `count`: one more soft failure; enough of them within the window quarantine the
// address. `reset`: the address works, its soft-failure count starts again. `ignore`: recorded, nothing else.
enum class policy_action { suppress, quarantine, count, reset, ignore };

// Spelled names ("bounced-hard", "lost-in-space", ...), as in the CLI and the store.
std::string_view to_string(address_state value) noexcept;
std::string_view to_string(mail_status value) noexcept;
std::string_view to_string(policy_action value) noexcept;

// The rules the ledger applies: data, read from TOML (the documented default is ledger/policy.toml, compiled
// into the library). A plain value: copy it freely.
struct ledger_policy {
  std::map<bounce_class, policy_action> by_class;  // every class has an entry
  std::map<category, policy_action> by_category;   // overrides for hard and soft failures of that category
  int soft_threshold = 3;                          // soft failures within soft_window that quarantine
  std::chrono::seconds soft_window{};
  std::chrono::seconds quarantine_period{};
  int max_quarantines = 2;                 // after this many quarantines the next one suppresses (0: never)
  std::chrono::seconds time_to_respond{};  // a sent mail with no response by then is lost in space
  std::chrono::seconds match_window{};     // recipient+time matching looks this far back

  // The action for one verdict: the category's override for hard and soft failures, else the class's entry.
  policy_action action_for(bounce_class cls, std::optional<category> cat) const noexcept;

  // The built-in policy (ledger/policy.toml as shipped).
  static ledger_policy defaults();
  // Reads and validates a policy file. Keys left out keep the built-in value; unknown keys, classes,
  // categories, actions and malformed durations ("7d", "36h", "1w2d") throw ledger_error naming file:line.
  static ledger_policy from_file(const std::filesystem::path& path);
  static ledger_policy parse(std::string_view toml_text, std::string_view source_name = "policy");
};

// One mail that was sent: a line of the sent-mail feed. message_id is kept without angle brackets;
// recipient is lower-cased. `verp` is the envelope sender used for this mail, when it encodes the recipient.
struct sent_mail {
  std::string message_id;
  std::string recipient;
  ledger_time sent_at{};
  std::string tag = {};   // campaign or client application
  std::string verp = {};  // empty when not used
};

// Reads one feed line: {"message_id": "<...>", "recipient": "...", "sent_at": "2024-05-01T09:00:00Z" or epoch
// seconds, "tag": "...", "verp": "..."} (tag and verp optional). Throws ledger_error on a bad line.
sent_mail parse_sent_mail(std::string_view json_line);

// Who a response is: `key` makes ingest idempotent (with each recipient's address), `envelope` lists the
// addresses the response was delivered to (To, Delivered-To, X-Original-To, Envelope-To), for VERP matching.
struct message_identity {
  std::string key;
  std::vector<std::string> envelope;
};

// The identity of a raw message: "sha256:<hex>" of the message with line endings normalised and its trace
// fields (Received, Return-Path, Delivered-To, X-Original-To, Envelope-To) left out, so the same response
// delivered twice, by two routes, is one message. Never throws for bad input.
message_identity identify(std::string_view raw_message);

// What one ingest did.
struct ingest_result {
  bool duplicate = false;       // this message was ingested before: nothing changed
  std::size_t recipients = 0;   // recipient events recorded
  std::size_t matched = 0;      // of them (or of the message, when it has no recipients), matched to sent mail
  std::size_t suppressed = 0;   // addresses that became suppressed
  std::size_t quarantined = 0;  // addresses that became quarantined
};

// One line of an address's history.
struct ledger_event {
  std::int64_t id = 0;
  ledger_time at{};
  std::string kind;    // response, release, quarantine-end
  std::string source;  // the response's source (path), when known
  std::optional<std::string> bounce_class, category, reason, status, diagnostic;
  std::string effect;                          // suppressed, quarantined, counted, reset, ignored, held, released
  std::optional<std::string> sent_message_id;  // the sent mail it was matched to
};

// Everything known about an address at the ledger's "now".
struct address_status {
  std::string address;
  address_state state = address_state::active;
  std::string reason;                // why it is in this state (empty for a never-seen address)
  std::optional<ledger_time> since;  // when it entered the state
  std::optional<ledger_time> quarantine_until;
  int soft_failures = 0;              // counted soft failures in the current window
  int quarantines = 0;                // times quarantined since the last release
  std::vector<ledger_event> history;  // newest first
};

// An address on the suppression list or in quarantine, for export.
struct listed_address {
  std::string address;
  address_state state = address_state::active;
  std::string reason;
  ledger_time since{};
  std::optional<ledger_time> until;
};

// Counts over a period [from, to): responses by type, recipient events by class and category (when the
// response was ingested), sent mails by status (when the mail was sent), and addresses by state now.
struct ledger_report {
  ledger_time from{}, to{};
  std::size_t responses = 0;
  std::size_t unmatched = 0;  // responses (not ordinary mail) that matched no sent mail: kept for review
  std::map<std::string, std::size_t> types, classes, categories, mail_statuses, address_states;
};

namespace detail {
class store;  // src/ledger/store.hpp
}

// The ledger over one store. Not thread-safe: use one ledger per thread (SQLite serialises writers across
// threads and processes; readers do not block the writer in WAL mode). Every write operation is one
// transaction: after a crash the store holds each operation whole or not at all.
class ledger {
 public:
  // Opens (creating it if needed) the SQLite store at `db_path`, migrating an older schema. Throws ledger_error.
  explicit ledger(const std::filesystem::path& db_path, ledger_policy policy = ledger_policy::defaults(),
                  ledger_clock clock = system_ledger_clock());
  // Over another store (another backend, or a test's instrumented one).
  ledger(std::unique_ptr<detail::store> store, ledger_policy policy, ledger_clock clock);
  ~ledger();
  ledger(ledger&&) noexcept;
  ledger& operator=(ledger&&) noexcept;

  // Records one classified response at clock() and applies the policy to each recipient, in one
  // transaction. A message whose identity key was seen before changes nothing (duplicate = true).
  // Each recipient is matched to a sent mail by the returned Message-ID, a VERP address in the envelope, or
  // its address and time, and that mail's status is updated. Throws ledger_error (nothing is written then).
  ingest_result ingest(const classification& response, std::string_view raw_message);
  ingest_result ingest(const classification& response, const message_identity& identity);

  // Records sent mail, all in one transaction; a (message_id, recipient) seen before is skipped.
  // Returns how many were new.
  std::size_t record_sent(const std::vector<sent_mail>& mails);
  std::size_t record_sent(const sent_mail& mail) { return record_sent(std::vector<sent_mail>{mail}); }

  // The state of `address` (any case) at clock(), with its newest `history_limit` events.
  address_status status(std::string_view address, std::size_t history_limit = 50) const;

  // The status of each sent mail with this Message-ID (one per recipient), at clock().
  std::vector<std::pair<sent_mail, mail_status>> sent_status(std::string_view message_id) const;

  // Puts a suppressed or quarantined address back to active and clears its counts. Returns false when the
  // address was active already (nothing is written then).
  bool release(std::string_view address, std::string_view note = "released by hand");

  // The addresses in `state` at clock() (quarantined: only those whose quarantine has not ended), by address.
  std::vector<listed_address> list(address_state state) const;

  // Counts over [from, to); mail statuses are evaluated at clock().
  ledger_report report(ledger_time from, ledger_time to) const;

  const ledger_policy& policy() const noexcept { return policy_; }
  ledger_time now() const { return clock_(); }

 private:
  std::unique_ptr<detail::store> store_;
  ledger_policy policy_;
  ledger_clock clock_;
};

}  // namespace bouncekit
