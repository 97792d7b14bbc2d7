// The ledger's storage interface: plain rows in, plain rows out, no policy. The ledger (ledger.cpp) decides
// what to write; a store only keeps it, transactionally. sqlite_store.cpp is the embedded default; another
// backend implements this class and is handed to bouncekit::ledger's second constructor.
#pragma once

#include <bouncekit/ledger.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bouncekit::detail {

// One ingested message (a response), once per identity key.
struct message_row {
  std::int64_t id = 0;
  std::string identity;
  std::string source;
  std::string type;  // message_type name
  std::string format;
  std::string original_message_id;  // without angle brackets; empty when the response carried none
  ledger_time received_at{};
  int matched = 0;  // sent mails matched to this response
};

// What the ledger knows of one address. `streak_from` is the id of the event after which soft failures count
// (set by a reset, a quarantine and a release).
struct address_row {
  std::string address;
  address_state state = address_state::active;
  std::string reason;
  ledger_time since{};
  std::optional<ledger_time> quarantine_until = {};
  int quarantines = 0;
  std::int64_t streak_from = 0;
};

// One line of history: a response's verdict for a recipient, or a manual or timed act on the address.
// (message_id, address) is unique for responses.
struct event_row {
  std::int64_t id = 0;
  std::optional<std::int64_t> message_id;
  std::string address;
  ledger_time at{};
  std::string kind;  // response, release, quarantine-end
  std::optional<std::string> bounce_class, category, reason, status, diagnostic;
  std::string effect;  // suppressed, quarantined, counted, reset, ignored, held, released
  std::optional<std::int64_t> sent_id;
  std::string source;                          // joined from the message when read back
  std::optional<std::string> sent_message_id;  // joined from the sent mail when read back
};

struct sent_row {
  std::int64_t id = 0;
  sent_mail mail;
  mail_status status = mail_status::sent;  // as stored: never lost_in_space (that depends on "now")
  std::optional<ledger_time> status_at;
};

class store {
 public:
  virtual ~store() = default;

  // Everything between begin() and commit() is kept whole or not at all. rollback() never throws.
  virtual void begin() = 0;
  virtual void commit() = 0;
  virtual void rollback() noexcept = 0;

  virtual bool has_message(std::string_view identity) = 0;
  virtual std::int64_t insert_message(const message_row& row) = 0;
  virtual void set_message_matched(std::int64_t message_id, int matched) = 0;

  virtual std::optional<address_row> load_address(std::string_view address) = 0;
  virtual void save_address(const address_row& row) = 0;
  // Addresses stored in `state` (quarantined ones whatever their end), ordered by address.
  virtual std::vector<address_row> addresses_in(address_state state) = 0;

  // Returns the new event's id, or 0 when (message_id, address) is there already.
  virtual std::int64_t insert_event(const event_row& row) = 0;
  // Events of `address` with effect "counted", id > after_event and at >= since.
  virtual int count_soft_failures(std::string_view address, std::int64_t after_event, ledger_time since) = 0;
  // Newest first.
  virtual std::vector<event_row> events_of(std::string_view address, std::size_t limit) = 0;

  // Returns false when (message_id, recipient) is there already.
  virtual bool insert_sent(const sent_mail& mail) = 0;
  virtual std::vector<sent_row> sent_by_message_id(std::string_view message_id) = 0;
  virtual std::vector<sent_row> sent_by_verp(std::string_view verp) = 0;
  // The newest mail to `recipient` sent within [from, to].
  virtual std::optional<sent_row> newest_sent_to(std::string_view recipient, ledger_time from, ledger_time to) = 0;
  virtual void set_sent_status(std::int64_t sent_id, mail_status status, ledger_time at) = 0;

  // Raw counts for ledger::report (ledger.cpp turns stored states into the states at "now").
  struct report_counts {
    std::size_t responses = 0, unmatched = 0;
    std::map<std::string, std::size_t> types, classes, categories;
    // sent mails in the period: stored status, and those still "sent" whose time-to-respond ran out by `now`
    std::map<std::string, std::size_t> mail_statuses;
    std::size_t lost_in_space = 0;
  };
  virtual report_counts report(ledger_time from, ledger_time to, ledger_time lost_before) = 0;
  // How many addresses are stored in each state; quarantines ended by `now` are counted as active.
  virtual std::map<std::string, std::size_t> address_states(ledger_time now) = 0;
};

}  // namespace bouncekit::detail
