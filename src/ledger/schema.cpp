#include "ledger/schema.hpp"

#include <fmt/format.h>

namespace bouncekit::detail {

namespace {

// Version 1: addresses, the responses ingested, and each address's history.
constexpr std::string_view v1 = R"sql(
CREATE TABLE addresses (
  address         TEXT PRIMARY KEY,      -- lower-cased
  state           TEXT NOT NULL,         -- active | quarantined | suppressed
  reason          TEXT NOT NULL,
  since           INTEGER NOT NULL,      -- Unix seconds, UTC
  quarantine_until INTEGER,
  quarantines     INTEGER NOT NULL DEFAULT 0,
  streak_from     INTEGER NOT NULL DEFAULT 0   -- soft failures count from events after this id
) WITHOUT ROWID;
CREATE TABLE messages (
  id              INTEGER PRIMARY KEY,
  identity        TEXT NOT NULL UNIQUE,
  source          TEXT NOT NULL,
  type            TEXT NOT NULL,
  format          TEXT NOT NULL,
  original_message_id TEXT NOT NULL,     -- '' when the response carried none
  received_at     INTEGER NOT NULL
);
CREATE TABLE events (
  id              INTEGER PRIMARY KEY,
  message_id      INTEGER REFERENCES messages(id),
  address         TEXT NOT NULL,
  at              INTEGER NOT NULL,
  kind            TEXT NOT NULL,         -- response | release | quarantine-end
  class           TEXT,
  category        TEXT,
  reason          TEXT,
  status          TEXT,
  diagnostic      TEXT,
  effect          TEXT NOT NULL,
  UNIQUE (message_id, address)
);
CREATE INDEX events_by_address ON events (address, id);
CREATE INDEX events_counted ON events (address, at) WHERE effect = 'counted';  -- the soft-failure count
CREATE INDEX messages_by_time ON messages (received_at);
)sql";

// Version 2: the sent-mail feed and each sent mail's status; responses point at the mail they answer.
constexpr std::string_view v2 = R"sql(
CREATE TABLE sent (
  id              INTEGER PRIMARY KEY,
  message_id      TEXT NOT NULL,         -- without angle brackets
  recipient       TEXT NOT NULL,         -- lower-cased
  sent_at         INTEGER NOT NULL,
  tag             TEXT NOT NULL,
  verp            TEXT NOT NULL,         -- '' when none
  status          TEXT NOT NULL DEFAULT 'sent',
  status_at       INTEGER,
  UNIQUE (message_id, recipient)
);
CREATE INDEX sent_by_recipient ON sent (recipient, sent_at);
CREATE INDEX sent_by_verp ON sent (verp) WHERE verp <> '';
CREATE INDEX sent_by_time ON sent (sent_at);
ALTER TABLE events ADD COLUMN sent_id INTEGER REFERENCES sent(id);
ALTER TABLE messages ADD COLUMN matched INTEGER NOT NULL DEFAULT 0;
CREATE INDEX events_by_time ON events (at);
)sql";

}  // namespace

const std::vector<migration>& migrations() {
  static const std::vector<migration> all = {
      {1, "addresses, messages and events", v1},
      {2, "sent mail and mail statuses", v2},
  };
  return all;
}

int latest_schema_version() {
  return migrations().back().version;
}

void check_schema_version(sqlite_db& db) {
  const auto current = db.query_int("PRAGMA user_version");
  if (current > latest_schema_version())
    throw ledger_error(
        fmt::format("the store is at schema version {}, written by a newer bouncekit (this one knows "
                    "up to {})",
                    current, latest_schema_version()));
}

void migrate(sqlite_db& db) {
  check_schema_version(db);
  const auto current = db.query_int("PRAGMA user_version");
  for (const migration& m : migrations()) {
    if (m.version <= current) continue;
    db.exec("BEGIN IMMEDIATE");
    try {
      // Another process may have migrated while we waited for the write lock.
      if (db.query_int("PRAGMA user_version") < m.version) {
        db.exec(std::string(m.sql));
        db.exec(fmt::format("PRAGMA user_version = {}", m.version));
      }
      db.exec("COMMIT");
    } catch (...) {
      db.exec("ROLLBACK");
      throw;
    }
  }
}

}  // namespace bouncekit::detail
