#include "ledger/address_machine.hpp"

#include <fmt/format.h>

#include "ledger/time_text.hpp"

namespace bouncekit::detail {

namespace {

void suppress(address_row& row, ledger_time now, std::string reason) {
  row.state = address_state::suppressed;
  row.reason = std::move(reason);
  row.since = now;
  row.quarantine_until.reset();
}

// Quarantines, or suppresses once the address has been quarantined max_quarantines times already.
outcome quarantine(address_row& row, const ledger_policy& policy, ledger_time now, std::string reason) {
  if (policy.max_quarantines > 0 && row.quarantines >= policy.max_quarantines) {
    suppress(row, now, fmt::format("still failing after {} quarantines: {}", row.quarantines, reason));
    return {"suppressed", true};
  }
  row.state = address_state::quarantined;
  row.reason = std::move(reason);
  row.since = now;
  row.quarantine_until = now + policy.quarantine_period;
  ++row.quarantines;
  return {"quarantined", true};
}

}  // namespace

bool end_quarantine_if_due(address_row& row, ledger_time now) {
  if (row.state != address_state::quarantined || !row.quarantine_until || *row.quarantine_until > now) return false;
  row.state = address_state::active;
  row.since = *row.quarantine_until;
  row.reason = "quarantine ended";
  row.quarantine_until.reset();
  return true;
}

outcome apply_action(address_row& row, policy_action action, int soft_failures, const ledger_policy& policy,
                     ledger_time now, std::string_view why) {
  if (row.state == address_state::suppressed) return {"held"};
  if (row.state == address_state::quarantined) {
    // The address is held already; only proof that it is dead (a suppress) changes that.
    if (action != policy_action::suppress) return {"held"};
    suppress(row, now, std::string(why));
    return {"suppressed", true};
  }
  switch (action) {
    case policy_action::suppress: suppress(row, now, std::string(why)); return {"suppressed", true};
    case policy_action::quarantine: return quarantine(row, policy, now, std::string(why));
    case policy_action::count:
      if (soft_failures >= policy.soft_threshold)
        return quarantine(row, policy, now,
                          fmt::format("{} soft failures within {}, the last: {}", soft_failures,
                                      format_duration(policy.soft_window), why));
      return {"counted"};
    case policy_action::reset: return {"reset", true};
    case policy_action::ignore: return {"ignored"};
  }
  return {"ignored"};
}

void release_row(address_row& row, ledger_time now, std::string_view note) {
  row.state = address_state::active;
  row.reason = std::string(note);
  row.since = now;
  row.quarantine_until.reset();
  row.quarantines = 0;
}

}  // namespace bouncekit::detail
