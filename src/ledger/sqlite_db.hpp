// A thin RAII layer over the SQLite C API: a connection and prepared statements. Every failure throws
// ledger_error with SQLite's message. The only file besides sqlite_db.cpp that sees sqlite3 types is
// sqlite_store.cpp.
#pragma once

#include <bouncekit/ledger.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace bouncekit::detail {

class sqlite_db {
 public:
  explicit sqlite_db(const std::string& path);  // opens or creates
  ~sqlite_db();
  sqlite_db(const sqlite_db&) = delete;
  sqlite_db& operator=(const sqlite_db&) = delete;

  // Runs one or more statements that return nothing.
  void exec(const std::string& sql);
  // The first column of the first row of a one-value query (e.g. "PRAGMA user_version").
  std::int64_t query_int(const std::string& sql);
  sqlite3* handle() const noexcept { return db_; }
  std::int64_t last_insert_id() const noexcept;
  int changes() const noexcept;
  [[noreturn]] void fail(std::string_view what) const;

 private:
  sqlite3* db_ = nullptr;
};

class statement {
 public:
  statement(sqlite_db& db, std::string_view sql);
  ~statement();
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;

  // Binds parameters 1..n in order, after a reset. Empty optionals bind NULL.
  template <typename... Args>
  statement& bind_all(const Args&... args) {
    reset();
    [[maybe_unused]] int i = 0;
    (bind(++i, args), ...);
    return *this;
  }
  void bind(int index, std::int64_t value);
  void bind(int index, int value) { bind(index, static_cast<std::int64_t>(value)); }
  void bind(int index, std::string_view value);
  void bind(int index, const std::string& value) { bind(index, std::string_view(value)); }
  void bind(int index, const char* value) { bind(index, std::string_view(value)); }
  void bind(int index, ledger_time value) { bind(index, static_cast<std::int64_t>(value.time_since_epoch().count())); }
  template <typename T>
  void bind(int index, const std::optional<T>& value) {
    if (value)
      bind(index, *value);
    else
      bind_null(index);
  }
  void bind_null(int index);

  // Steps once: true when a row is ready, false when done. Throws on error.
  bool step();
  // Steps to the end (for writes).
  void run() {
    while (step()) {
    }
  }
  void reset() noexcept;

  bool is_null(int col) const noexcept;
  std::int64_t int64(int col) const noexcept;
  std::string text(int col) const;
  std::optional<std::string> optional_text(int col) const;
  ledger_time time(int col) const noexcept { return ledger_time(std::chrono::seconds(int64(col))); }
  std::optional<ledger_time> optional_time(int col) const noexcept {
    if (is_null(col)) return std::nullopt;
    return time(col);
  }

 private:
  sqlite_db& db_;
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace bouncekit::detail
