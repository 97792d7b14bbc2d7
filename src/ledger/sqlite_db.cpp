#include "ledger/sqlite_db.hpp"

#include <fmt/format.h>
#include <sqlite3.h>

namespace bouncekit::detail {

sqlite_db::sqlite_db(const std::string& path) {
  const int rc =
      sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    const std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw ledger_error(fmt::format("{}: cannot open: {}", path, message));
  }
  sqlite3_extended_result_codes(db_, 1);
}

sqlite_db::~sqlite_db() {
  sqlite3_close_v2(db_);
}

void sqlite_db::fail(std::string_view what) const {
  throw ledger_error(fmt::format("sqlite: {}: {}", what, sqlite3_errmsg(db_)));
}

void sqlite_db::exec(const std::string& sql) {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    const std::string message = error ? error : sqlite3_errmsg(db_);
    sqlite3_free(error);
    throw ledger_error(fmt::format("sqlite: {}", message));
  }
}

std::int64_t sqlite_db::query_int(const std::string& sql) {
  statement s(*this, sql);
  return s.step() ? s.int64(0) : 0;
}

std::int64_t sqlite_db::last_insert_id() const noexcept {
  return sqlite3_last_insert_rowid(db_);
}
int sqlite_db::changes() const noexcept {
  return sqlite3_changes(db_);
}

statement::statement(sqlite_db& db, std::string_view sql) : db_(db) {
  if (sqlite3_prepare_v3(db.handle(), sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt_,
                         nullptr) != SQLITE_OK)
    db.fail(fmt::format("preparing '{}'", sql));
}

statement::~statement() {
  sqlite3_finalize(stmt_);
}

void statement::bind(int index, std::int64_t value) {
  if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK) db_.fail("bind");
}

void statement::bind(int index, std::string_view value) {
  if (sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8) != SQLITE_OK)
    db_.fail("bind");
}

void statement::bind_null(int index) {
  if (sqlite3_bind_null(stmt_, index) != SQLITE_OK) db_.fail("bind");
}

bool statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  const std::string message = sqlite3_errmsg(db_.handle());
  sqlite3_reset(stmt_);
  throw ledger_error(fmt::format("sqlite: {}: {}", sqlite3_sql(stmt_), message));
}

void statement::reset() noexcept {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

bool statement::is_null(int col) const noexcept {
  return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
}
std::int64_t statement::int64(int col) const noexcept {
  return sqlite3_column_int64(stmt_, col);
}

std::string statement::text(int col) const {
  const unsigned char* p = sqlite3_column_text(stmt_, col);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
           : std::string();
}

std::optional<std::string> statement::optional_text(int col) const {
  if (is_null(col)) return std::nullopt;
  return text(col);
}

}  // namespace bouncekit::detail
