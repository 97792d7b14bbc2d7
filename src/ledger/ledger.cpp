// bouncekit::ledger: turns classified responses into events, address states and mail statuses, each
// operation in one store transaction.
#include <fmt/format.h>

#include <algorithm>
#include <bouncekit/ledger.hpp>

#include "ledger/address_machine.hpp"
#include "ledger/keys.hpp"
#include "ledger/sqlite_store.hpp"
#include "ledger/store.hpp"

namespace bouncekit {

namespace {

using detail::address_row;
using detail::event_row;
using detail::sent_row;

// Runs `work` in one transaction: committed when it returns, rolled back when it throws.
template <typename Work>
auto in_transaction(detail::store& store, Work&& work) {
  store.begin();
  try {
    auto result = work();
    store.commit();
    return result;
  } catch (...) {
    store.rollback();
    throw;
  }
}

// The status a response gives the mail it answers; nothing for a delay warning (still waiting).
std::optional<mail_status> status_from(bounce_class cls) {
  switch (cls) {
    case bounce_class::hard: return mail_status::bounced_hard;
    case bounce_class::soft: return mail_status::bounced_soft;
    case bounce_class::delayed: return std::nullopt;
    case bounce_class::complaint:
    case bounce_class::auto_reply:
    case bounce_class::success: return mail_status::valid;
    case bounce_class::unknown: return mail_status::unrecognized;
  }
  return mail_status::unrecognized;
}

// A later response may say more than an earlier one (an unrecognized notice, then the real bounce; a soft
// failure, then the hard one): the status only moves up this order.
int rank(mail_status s) {
  switch (s) {
    case mail_status::sent: return 0;
    case mail_status::lost_in_space: return 0;
    case mail_status::unrecognized: return 1;
    case mail_status::valid: return 2;
    case mail_status::bounced_soft: return 3;
    case mail_status::bounced_hard: return 4;
  }
  return 0;
}

mail_status effective(const sent_row& row, const ledger_policy& policy, ledger_time now) {
  if (row.status == mail_status::sent && row.mail.sent_at + policy.time_to_respond <= now)
    return mail_status::lost_in_space;
  return row.status;
}

// "hard bounce: userunknown 5.1.1 (bad-mailbox)"
std::string describe(const recipient_verdict& v) {
  std::string s = fmt::format("{}: {}", to_string(v.bounce_class), v.reason.empty() ? "-" : v.reason);
  if (v.status) s += " " + *v.status;
  if (v.category) s += fmt::format(" ({})", to_string(*v.category));
  return s;
}

}  // namespace

ledger_clock system_ledger_clock() {
  return [] { return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()); };
}

ledger::ledger(const std::filesystem::path& db_path, ledger_policy policy, ledger_clock clock)
    : ledger(std::make_unique<detail::sqlite_store>(db_path), std::move(policy), std::move(clock)) {}

ledger::ledger(std::unique_ptr<detail::store> store, ledger_policy policy, ledger_clock clock)
    : store_(std::move(store)), policy_(std::move(policy)), clock_(std::move(clock)) {
  if (!store_) throw ledger_error("ledger: no store");
  if (!clock_) clock_ = system_ledger_clock();
}

ledger::~ledger() = default;
ledger::ledger(ledger&&) noexcept = default;
ledger& ledger::operator=(ledger&&) noexcept = default;

ingest_result ledger::ingest(const classification& response, std::string_view raw_message) {
  return ingest(response, identify(raw_message));
}

ingest_result ledger::ingest(const classification& response, const message_identity& identity) {
  const ledger_time now = clock_();
  detail::store& store = *store_;
  const std::string original_id = detail::message_id_key(response.original.message_id.value_or(""));

  // The sent mail a response answers: by the returned Message-ID, then a VERP address in the envelope, then
  // the recipient's newest mail within the match window. Among the mails found by Message-ID or VERP, the one
  // to this recipient (or its Original-Recipient); failing that, the only one, when the response names at most
  // one recipient (a forwarded address bounced). An empty recipient matches by message only.
  const bool single_recipient = response.recipients.size() <= 1;
  auto find_sent = [&](const std::string& recipient, const std::string& original) -> std::optional<sent_row> {
    auto pick = [&](std::vector<sent_row> rows) -> std::optional<sent_row> {
      for (sent_row& r : rows)
        if (!recipient.empty() && (r.mail.recipient == recipient || r.mail.recipient == original)) return std::move(r);
      if (rows.size() == 1 && single_recipient) return std::move(rows.front());
      return std::nullopt;
    };
    if (!original_id.empty())
      if (auto r = pick(store.sent_by_message_id(original_id))) return r;
    for (const std::string& verp : identity.envelope)
      if (auto r = pick(store.sent_by_verp(verp))) return r;
    if (recipient.empty()) return std::nullopt;
    return store.newest_sent_to(recipient, now - policy_.match_window, now);
  };
  // Responses after the time-to-respond are recorded against the mail but leave its status alone.
  auto update_sent = [&](const sent_row& sent, std::optional<mail_status> status) {
    if (!status || now >= sent.mail.sent_at + policy_.time_to_respond) return;
    if (rank(*status) > rank(sent.status)) store.set_sent_status(sent.id, *status, now);
  };

  ingest_result result;
  // A duplicate is found with one read and no write lock; the check is repeated inside the transaction,
  // where it is authoritative (another process may have ingested the same message in between).
  if (store.has_message(identity.key)) {
    result.duplicate = true;
    return result;
  }
  return in_transaction(store, [&] {
    if (store.has_message(identity.key)) {
      result.duplicate = true;
      return result;
    }
    detail::message_row message;
    message.identity = identity.key;
    message.source = response.source;
    message.type = std::string(to_string(response.type));
    message.format = response.format;
    message.original_message_id = original_id;
    message.received_at = now;
    const std::int64_t message_id = store.insert_message(message);
    if (response.type == message_type::not_bounce) return result;

    int matched = 0;
    for (const recipient_verdict& v : response.recipients) {
      const std::string address = detail::address_key(v.address);
      if (address.empty()) continue;
      address_row row = store.load_address(address).value_or(address_row{address, address_state::active, "", now});
      if (detail::end_quarantine_if_due(row, now)) {
        event_row end;
        end.address = address;
        end.at = row.since;  // when the quarantine ran out
        end.kind = "quarantine-end";
        end.effect = "released";
        store.insert_event(end);
      }
      const policy_action action = policy_.action_for(v.bounce_class, v.category);
      const bool counts = action == policy_action::count && row.state == address_state::active;
      const int soft_failures =
          counts ? store.count_soft_failures(address, row.streak_from, now - policy_.soft_window) + 1 : 0;
      const address_state before = row.state;
      const detail::outcome out = detail::apply_action(row, action, soft_failures, policy_, now, describe(v));

      const std::optional<sent_row> sent = find_sent(address, detail::address_key(v.original_recipient.value_or("")));
      event_row e;
      e.message_id = message_id;
      e.address = address;
      e.at = now;
      e.kind = "response";
      e.bounce_class = std::string(to_string(v.bounce_class));
      if (v.category) e.category = std::string(to_string(*v.category));
      if (!v.reason.empty()) e.reason = v.reason;
      e.status = v.status;
      e.diagnostic = v.diagnostic;
      e.effect = out.effect;
      if (sent) e.sent_id = sent->id;
      const std::int64_t event_id = store.insert_event(e);
      if (event_id == 0) continue;  // the same address twice in one response: the first one counts
      if (out.restart_streak) row.streak_from = event_id;
      store.save_address(row);
      ++result.recipients;
      if (row.state != before && row.state == address_state::suppressed) ++result.suppressed;
      if (row.state != before && row.state == address_state::quarantined) ++result.quarantined;
      if (sent) {
        ++matched;
        update_sent(*sent, status_from(v.bounce_class));
      }
    }
    if (result.recipients == 0) {  // a response that named nobody: match it as a whole, kept for review
      if (const std::optional<sent_row> sent = find_sent("", "")) {
        ++matched;
        const bool delivered = response.type == message_type::auto_reply || response.type == message_type::complaint;
        update_sent(*sent, delivered ? mail_status::valid : mail_status::unrecognized);
      }
    }
    if (matched > 0) store.set_message_matched(message_id, matched);
    result.matched = static_cast<std::size_t>(matched);
    return result;
  });
}

std::size_t ledger::record_sent(const std::vector<sent_mail>& mails) {
  return in_transaction(*store_, [&] {
    std::size_t added = 0;
    for (const sent_mail& m : mails) {
      sent_mail clean = m;
      clean.message_id = detail::message_id_key(m.message_id);
      clean.recipient = detail::address_key(m.recipient);
      clean.verp = detail::address_key(m.verp);
      if (clean.message_id.empty() || clean.recipient.empty())
        throw ledger_error("sent mail needs a message_id and a recipient");
      if (store_->insert_sent(clean)) ++added;
    }
    return added;
  });
}

address_status ledger::status(std::string_view address, std::size_t history_limit) const {
  const ledger_time now = clock_();
  address_status out;
  out.address = detail::address_key(address);
  if (const std::optional<address_row> stored = store_->load_address(out.address)) {
    address_row row = *stored;
    detail::end_quarantine_if_due(row, now);
    out.state = row.state;
    out.reason = row.reason;
    out.since = row.since;
    out.quarantine_until = row.quarantine_until;
    out.quarantines = row.quarantines;
    if (row.state == address_state::active)
      out.soft_failures = store_->count_soft_failures(out.address, row.streak_from, now - policy_.soft_window);
  }
  for (event_row& e : store_->events_of(out.address, history_limit)) {
    ledger_event h;
    h.id = e.id;
    h.at = e.at;
    h.kind = std::move(e.kind);
    h.source = std::move(e.source);
    h.bounce_class = std::move(e.bounce_class);
    h.category = std::move(e.category);
    h.reason = std::move(e.reason);
    h.status = std::move(e.status);
    h.diagnostic = std::move(e.diagnostic);
    h.effect = std::move(e.effect);
    h.sent_message_id = std::move(e.sent_message_id);
    out.history.push_back(std::move(h));
  }
  return out;
}

std::vector<std::pair<sent_mail, mail_status>> ledger::sent_status(std::string_view message_id) const {
  const ledger_time now = clock_();
  std::vector<std::pair<sent_mail, mail_status>> out;
  for (sent_row& r : store_->sent_by_message_id(detail::message_id_key(message_id)))
    out.emplace_back(r.mail, effective(r, policy_, now));
  return out;
}

bool ledger::release(std::string_view address, std::string_view note) {
  const ledger_time now = clock_();
  const std::string key = detail::address_key(address);
  return in_transaction(*store_, [&] {
    std::optional<address_row> row = store_->load_address(key);
    if (!row) return false;
    address_row probe = *row;
    if (detail::end_quarantine_if_due(probe, now) || row->state == address_state::active) return false;
    detail::release_row(*row, now, note);
    event_row e;
    e.address = key;
    e.at = now;
    e.kind = "release";
    e.reason = std::string(note);
    e.effect = "released";
    row->streak_from = store_->insert_event(e);
    store_->save_address(*row);
    return true;
  });
}

std::vector<listed_address> ledger::list(address_state state) const {
  const ledger_time now = clock_();
  std::vector<listed_address> out;
  auto add = [&](const address_row& r, address_state as) {
    out.push_back({r.address, as, r.reason, r.since, r.quarantine_until});
  };
  for (const address_row& r : store_->addresses_in(state)) {
    if (state == address_state::quarantined && r.quarantine_until && *r.quarantine_until <= now) continue;
    add(r, state);
  }
  if (state == address_state::active) {  // quarantines that ran out are active again
    for (address_row r : store_->addresses_in(address_state::quarantined))
      if (detail::end_quarantine_if_due(r, now)) add(r, address_state::active);
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.address < b.address; });
  }
  return out;
}

ledger_report ledger::report(ledger_time from, ledger_time to) const {
  const ledger_time now = clock_();
  const detail::store::report_counts c = store_->report(from, to, now - policy_.time_to_respond);
  ledger_report r;
  r.from = from;
  r.to = to;
  r.responses = c.responses;
  r.unmatched = c.unmatched;
  r.types = c.types;
  r.classes = c.classes;
  r.categories = c.categories;
  r.mail_statuses = c.mail_statuses;
  if (c.lost_in_space > 0) {
    r.mail_statuses["sent"] -= c.lost_in_space;
    if (r.mail_statuses["sent"] == 0) r.mail_statuses.erase("sent");
    r.mail_statuses["lost-in-space"] = c.lost_in_space;
  }
  r.address_states = store_->address_states(now);
  return r;
}

}  // namespace bouncekit
