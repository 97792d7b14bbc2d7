// The embedded SQLite store: one file, WAL mode, schema migrated on open (schema.cpp).
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string_view>

#include "ledger/store.hpp"

namespace bouncekit::detail {

class sqlite_db;

struct sqlite_options {
  // PRAGMA synchronous: NORMAL (the default) keeps every committed transaction through a crash of the process
  // and never corrupts the file, but a power loss may take back the last few commits; FULL also survives that,
  // at one fsync per transaction.
  bool synchronous_full = false;
  int busy_timeout_ms = 5000;  // how long to wait for another process's write lock
};

class sqlite_store final : public store {
 public:
  explicit sqlite_store(const std::filesystem::path& path, sqlite_options options = {});
  ~sqlite_store() override;

  // A test seam: called after every write statement with its name ("insert-event", ...), inside the
  // transaction. A crash test _exit()s from it.
  void set_write_hook(std::function<void(std::string_view)> hook) { write_hook_ = std::move(hook); }

  void begin() override;
  void commit() override;
  void rollback() noexcept override;

  bool has_message(std::string_view identity) override;
  std::int64_t insert_message(const message_row& row) override;
  void set_message_matched(std::int64_t message_id, int matched) override;

  std::optional<address_row> load_address(std::string_view address) override;
  void save_address(const address_row& row) override;
  std::vector<address_row> addresses_in(address_state state) override;

  std::int64_t insert_event(const event_row& row) override;
  int count_soft_failures(std::string_view address, std::int64_t after_event, ledger_time since) override;
  std::vector<event_row> events_of(std::string_view address, std::size_t limit) override;

  bool insert_sent(const sent_mail& mail) override;
  std::vector<sent_row> sent_by_message_id(std::string_view message_id) override;
  std::vector<sent_row> sent_by_verp(std::string_view verp) override;
  std::optional<sent_row> newest_sent_to(std::string_view recipient, ledger_time from, ledger_time to) override;
  void set_sent_status(std::int64_t sent_id, mail_status status, ledger_time at) override;

  report_counts report(ledger_time from, ledger_time to, ledger_time lost_before) override;
  std::map<std::string, std::size_t> address_states(ledger_time now) override;

 private:
  struct statements;
  void wrote(std::string_view what) {
    if (write_hook_) write_hook_(what);
  }
  std::unique_ptr<sqlite_db> db_;
  std::unique_ptr<statements> st_;
  std::function<void(std::string_view)> write_hook_;
};

}  // namespace bouncekit::detail
