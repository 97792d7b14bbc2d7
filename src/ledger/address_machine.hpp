// The policy's state machine for one address, as pure functions over its stored row: no store, no clock.
// ledger.cpp loads the row, asks these what a verdict does, records the event, and saves the row.
//
//   active --suppress--------------------------------> suppressed   (until released by hand)
//   active --quarantine, or threshold soft failures--> quarantined  (until quarantine_until; then active)
//   quarantined max_times already -------------------> suppressed   (the soft failures went on)
//   quarantined/suppressed: further verdicts are held (recorded only), except a suppress during quarantine
#pragma once

#include <bouncekit/ledger.hpp>
#include <string>
#include <string_view>

#include "ledger/store.hpp"

namespace bouncekit::detail {

// Ends a quarantine whose time is up: the row becomes active from quarantine_until. Returns true if it did.
bool end_quarantine_if_due(address_row& row, ledger_time now);

struct outcome {
  std::string effect;           // suppressed, quarantined, counted, reset, ignored, held
  bool restart_streak = false;  // soft failures count from this event on (set streak_from to its id)
};

// Applies one verdict's action to `row` (already past end_quarantine_if_due). `soft_failures` is the number
// of counted soft failures in the window including this one (only read for policy_action::count).
// `why` describes the verdict ("hard bounce: userunknown 5.1.1") and becomes the row's reason on a change.
outcome apply_action(address_row& row, policy_action action, int soft_failures, const ledger_policy& policy,
                     ledger_time now, std::string_view why);

// Puts the row back to active with no counts, as a manual release does.
void release_row(address_row& row, ledger_time now, std::string_view note);

}  // namespace bouncekit::detail
