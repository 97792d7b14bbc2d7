// The SQLite schema, as a list of migrations. PRAGMA user_version holds the version a store is at; opening
// a store applies every later migration, each in its own transaction. Append new migrations; never edit one
// that has shipped (stores out there were built by it).
#pragma once

#include <string_view>
#include <vector>

#include "ledger/sqlite_db.hpp"

namespace bouncekit::detail {

struct migration {
  int version;            // the user_version after it
  std::string_view what;  // one line for humans
  std::string_view sql;
};

const std::vector<migration>& migrations();
int latest_schema_version();

// Throws ledger_error when the store was written by a newer bouncekit (its version is higher than ours).
// Called before anything else touches the file, so such a store is refused unchanged.
void check_schema_version(sqlite_db& db);

// Brings the store up to latest_schema_version(). Throws ledger_error for a store written by a newer
// bouncekit (its version is higher than ours) and when a migration fails (the store stays at the version
// before that migration).
void migrate(sqlite_db& db);

}  // namespace bouncekit::detail
