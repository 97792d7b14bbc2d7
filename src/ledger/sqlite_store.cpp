#include "ledger/sqlite_store.hpp"

#include <fmt/format.h>

#include "ledger/names.hpp"
#include "ledger/schema.hpp"
#include "ledger/sqlite_db.hpp"

namespace bouncekit::detail {

namespace {

constexpr std::string_view address_columns =
    "address, state, reason, since, quarantine_until, quarantines, streak_from";
constexpr std::string_view sent_columns = "id, message_id, recipient, sent_at, tag, verp, status, status_at";

address_row read_address(const statement& s) {
  address_row r;
  r.address = s.text(0);
  r.state = address_state_from(s.text(1)).value_or(address_state::active);
  r.reason = s.text(2);
  r.since = s.time(3);
  r.quarantine_until = s.optional_time(4);
  r.quarantines = static_cast<int>(s.int64(5));
  r.streak_from = s.int64(6);
  return r;
}

sent_row read_sent(const statement& s) {
  sent_row r;
  r.id = s.int64(0);
  r.mail.message_id = s.text(1);
  r.mail.recipient = s.text(2);
  r.mail.sent_at = s.time(3);
  r.mail.tag = s.text(4);
  r.mail.verp = s.text(5);
  r.status = mail_status_from(s.text(6)).value_or(mail_status::sent);
  r.status_at = s.optional_time(7);
  return r;
}

std::string select_sent(std::string_view where) {
  return fmt::format("SELECT {} FROM sent WHERE {}", sent_columns, where);
}

// Runs a "SELECT name, count" query into a map.
std::map<std::string, std::size_t> count_by(sqlite_db& db, std::string_view sql, ledger_time a, ledger_time b) {
  statement s(db, sql);
  s.bind_all(a, b);
  std::map<std::string, std::size_t> out;
  while (s.step()) out[s.text(0)] += static_cast<std::size_t>(s.int64(1));
  return out;
}

}  // namespace

// Prepared once per store: an ingest runs a handful of them per recipient.
struct sqlite_store::statements {
  explicit statements(sqlite_db& db)
      : begin(db, "BEGIN IMMEDIATE"),
        commit(db, "COMMIT"),
        rollback(db, "ROLLBACK"),
        has_message(db, "SELECT 1 FROM messages WHERE identity = ?"),
        insert_message(
            db,
            "INSERT INTO messages (identity, source, type, format, original_message_id, received_at, matched)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)"),
        set_message_matched(db, "UPDATE messages SET matched = ? WHERE id = ?"),
        load_address(db, fmt::format("SELECT {} FROM addresses WHERE address = ?", address_columns)),
        save_address(db, fmt::format("INSERT INTO addresses ({}) VALUES (?, ?, ?, ?, ?, ?, ?)"
                                     " ON CONFLICT (address) DO UPDATE SET state = excluded.state,"
                                     " reason = excluded.reason, since = excluded.since,"
                                     " quarantine_until = excluded.quarantine_until,"
                                     " quarantines = excluded.quarantines, streak_from = excluded.streak_from",
                                     address_columns)),
        addresses_in(db, fmt::format("SELECT {} FROM addresses WHERE state = ? ORDER BY address", address_columns)),
        insert_event(db,
                     "INSERT INTO events (message_id, address, at, kind, class, category, reason, status, diagnostic,"
                     " effect, sent_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                     " ON CONFLICT (message_id, address) DO NOTHING"),
        count_soft(db, "SELECT count(*) FROM events WHERE address = ? AND id > ? AND at >= ? AND effect = 'counted'"),
        events_of(db,
                  "SELECT e.id, e.message_id, e.address, e.at, e.kind, e.class, e.category, e.reason, e.status,"
                  " e.diagnostic, e.effect, e.sent_id, m.source, s.message_id FROM events e"
                  " LEFT JOIN messages m ON m.id = e.message_id LEFT JOIN sent s ON s.id = e.sent_id"
                  " WHERE e.address = ? ORDER BY e.id DESC LIMIT ?"),
        insert_sent(db,
                    "INSERT INTO sent (message_id, recipient, sent_at, tag, verp) VALUES (?, ?, ?, ?, ?)"
                    " ON CONFLICT (message_id, recipient) DO NOTHING"),
        sent_by_message_id(db, select_sent("message_id = ? ORDER BY id")),
        sent_by_verp(db, select_sent("verp = ? AND verp <> '' ORDER BY sent_at DESC, id DESC")),
        newest_sent_to(db,
                       select_sent("recipient = ? AND sent_at BETWEEN ? AND ? ORDER BY sent_at DESC, id DESC LIMIT 1")),
        set_sent_status(db, "UPDATE sent SET status = ?, status_at = ? WHERE id = ?") {}

  statement begin, commit, rollback;
  statement has_message, insert_message, set_message_matched;
  statement load_address, save_address, addresses_in;
  statement insert_event, count_soft, events_of;
  statement insert_sent, sent_by_message_id, sent_by_verp, newest_sent_to, set_sent_status;
};

sqlite_store::sqlite_store(const std::filesystem::path& path, sqlite_options options)
    : db_(std::make_unique<sqlite_db>(path.string())) {
  db_->exec(fmt::format("PRAGMA busy_timeout = {}", options.busy_timeout_ms));
  check_schema_version(*db_);  // a newer store is refused before WAL mode is set on it
  db_->exec("PRAGMA journal_mode = WAL");
  db_->exec(options.synchronous_full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
  db_->exec("PRAGMA foreign_keys = ON");
  migrate(*db_);
  st_ = std::make_unique<statements>(*db_);
}

sqlite_store::~sqlite_store() {
  st_.reset();  // statements are finalised before the connection closes
}

void sqlite_store::begin() {
  st_->begin.bind_all().run();
}
void sqlite_store::commit() {
  st_->commit.bind_all().run();
}

void sqlite_store::rollback() noexcept {
  try {
    st_->rollback.bind_all().run();
  } catch (...) {  // no transaction open (SQLite rolled back already): nothing to undo
  }
}

bool sqlite_store::has_message(std::string_view identity) {
  statement& s = st_->has_message.bind_all(identity);
  const bool found = s.step();
  s.reset();  // a statement left on a row would hold its read snapshot open
  return found;
}

std::int64_t sqlite_store::insert_message(const message_row& r) {
  st_->insert_message.bind_all(r.identity, r.source, r.type, r.format, r.original_message_id, r.received_at, r.matched)
      .run();
  wrote("insert-message");
  return db_->last_insert_id();
}

void sqlite_store::set_message_matched(std::int64_t message_id, int matched) {
  st_->set_message_matched.bind_all(matched, message_id).run();
  wrote("set-message-matched");
}

std::optional<address_row> sqlite_store::load_address(std::string_view address) {
  statement& s = st_->load_address.bind_all(address);
  if (!s.step()) return std::nullopt;
  address_row r = read_address(s);
  s.reset();
  return r;
}

void sqlite_store::save_address(const address_row& r) {
  st_->save_address
      .bind_all(r.address, to_string(r.state), r.reason, r.since, r.quarantine_until, r.quarantines, r.streak_from)
      .run();
  wrote("save-address");
}

std::vector<address_row> sqlite_store::addresses_in(address_state state) {
  statement& s = st_->addresses_in.bind_all(to_string(state));
  std::vector<address_row> out;
  while (s.step()) out.push_back(read_address(s));
  return out;
}

std::int64_t sqlite_store::insert_event(const event_row& r) {
  st_->insert_event
      .bind_all(r.message_id, r.address, r.at, r.kind, r.bounce_class, r.category, r.reason, r.status, r.diagnostic,
                r.effect, r.sent_id)
      .run();
  if (db_->changes() == 0) return 0;
  wrote("insert-event");
  return db_->last_insert_id();
}

int sqlite_store::count_soft_failures(std::string_view address, std::int64_t after_event, ledger_time since) {
  statement& s = st_->count_soft.bind_all(address, after_event, since);
  const int n = s.step() ? static_cast<int>(s.int64(0)) : 0;
  s.reset();
  return n;
}

std::vector<event_row> sqlite_store::events_of(std::string_view address, std::size_t limit) {
  statement& s = st_->events_of.bind_all(address, static_cast<std::int64_t>(limit));
  std::vector<event_row> out;
  while (s.step()) {
    event_row e;
    e.id = s.int64(0);
    if (!s.is_null(1)) e.message_id = s.int64(1);
    e.address = s.text(2);
    e.at = s.time(3);
    e.kind = s.text(4);
    e.bounce_class = s.optional_text(5);
    e.category = s.optional_text(6);
    e.reason = s.optional_text(7);
    e.status = s.optional_text(8);
    e.diagnostic = s.optional_text(9);
    e.effect = s.text(10);
    if (!s.is_null(11)) e.sent_id = s.int64(11);
    e.source = s.text(12);
    e.sent_message_id = s.optional_text(13);
    out.push_back(std::move(e));
  }
  return out;
}

bool sqlite_store::insert_sent(const sent_mail& m) {
  st_->insert_sent.bind_all(m.message_id, m.recipient, m.sent_at, m.tag, m.verp).run();
  if (db_->changes() == 0) return false;
  wrote("insert-sent");
  return true;
}

std::vector<sent_row> sqlite_store::sent_by_message_id(std::string_view message_id) {
  statement& s = st_->sent_by_message_id.bind_all(message_id);
  std::vector<sent_row> out;
  while (s.step()) out.push_back(read_sent(s));
  return out;
}

std::vector<sent_row> sqlite_store::sent_by_verp(std::string_view verp) {
  statement& s = st_->sent_by_verp.bind_all(verp);
  std::vector<sent_row> out;
  while (s.step()) out.push_back(read_sent(s));
  return out;
}

std::optional<sent_row> sqlite_store::newest_sent_to(std::string_view recipient, ledger_time from, ledger_time to) {
  statement& s = st_->newest_sent_to.bind_all(recipient, from, to);
  if (!s.step()) return std::nullopt;
  sent_row r = read_sent(s);
  s.reset();
  return r;
}

void sqlite_store::set_sent_status(std::int64_t sent_id, mail_status status, ledger_time at) {
  st_->set_sent_status.bind_all(to_string(status), at, sent_id).run();
  wrote("set-sent-status");
}

store::report_counts sqlite_store::report(ledger_time from, ledger_time to, ledger_time lost_before) {
  report_counts c;
  c.types = count_by(
      *db_, "SELECT type, count(*) FROM messages WHERE received_at >= ? AND received_at < ? GROUP BY type", from, to);
  for (const auto& [type, n] : c.types) c.responses += n;
  {
    statement s(*db_,
                "SELECT count(*) FROM messages WHERE received_at >= ? AND received_at < ? AND matched = 0"
                " AND type <> 'not-bounce'");
    s.bind_all(from, to);
    if (s.step()) c.unmatched = static_cast<std::size_t>(s.int64(0));
  }
  c.classes =
      count_by(*db_, "SELECT class, count(*) FROM events WHERE kind = 'response' AND at >= ? AND at < ? GROUP BY class",
               from, to);
  c.categories = count_by(*db_,
                          "SELECT category, count(*) FROM events WHERE kind = 'response' AND category IS NOT NULL"
                          " AND at >= ? AND at < ? GROUP BY category",
                          from, to);
  c.mail_statuses =
      count_by(*db_, "SELECT status, count(*) FROM sent WHERE sent_at >= ? AND sent_at < ? GROUP BY status", from, to);
  {
    statement s(*db_,
                "SELECT count(*) FROM sent WHERE sent_at >= ? AND sent_at < ? AND status = 'sent' AND sent_at <= ?");
    s.bind_all(from, to, lost_before);
    if (s.step()) c.lost_in_space = static_cast<std::size_t>(s.int64(0));
  }
  return c;
}

std::map<std::string, std::size_t> sqlite_store::address_states(ledger_time now) {
  statement s(*db_,
              "SELECT CASE WHEN state = 'quarantined' AND quarantine_until <= ? THEN 'active' ELSE state END AS st,"
              " count(*) FROM addresses GROUP BY st");
  s.bind_all(now);
  std::map<std::string, std::size_t> out;
  while (s.step()) out[s.text(0)] += static_cast<std::size_t>(s.int64(1));
  return out;
}

}  // namespace bouncekit::detail
