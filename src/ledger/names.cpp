#include "ledger/names.hpp"

namespace bouncekit {

std::string_view to_string(address_state value) noexcept {
  switch (value) {
    case address_state::active: return "active";
    case address_state::quarantined: return "quarantined";
    case address_state::suppressed: return "suppressed";
  }
  return "active";
}

std::string_view to_string(mail_status value) noexcept {
  switch (value) {
    case mail_status::sent: return "sent";
    case mail_status::valid: return "valid";
    case mail_status::bounced_hard: return "bounced-hard";
    case mail_status::bounced_soft: return "bounced-soft";
    case mail_status::unrecognized: return "unrecognized";
    case mail_status::lost_in_space: return "lost-in-space";
  }
  return "sent";
}

std::string_view to_string(policy_action value) noexcept {
  switch (value) {
    case policy_action::suppress: return "suppress";
    case policy_action::quarantine: return "quarantine";
    case policy_action::count: return "count";
    case policy_action::reset: return "reset";
    case policy_action::ignore: return "ignore";
  }
  return "ignore";
}

namespace detail {

namespace {

// Every enum here runs from 0 to `last` without gaps; find the one whose name is `name`.
template <typename Enum>
std::optional<Enum> from_name(std::string_view name, Enum last) noexcept {
  for (int i = 0; i <= static_cast<int>(last); ++i)
    if (to_string(static_cast<Enum>(i)) == name) return static_cast<Enum>(i);
  return std::nullopt;
}

}  // namespace

std::optional<bounce_class> bounce_class_from(std::string_view name) noexcept {
  return from_name(name, bounce_class::unknown);
}
std::optional<category> category_from(std::string_view name) noexcept {
  return from_name(name, category::success);
}
std::optional<policy_action> policy_action_from(std::string_view name) noexcept {
  return from_name(name, policy_action::ignore);
}
std::optional<address_state> address_state_from(std::string_view name) noexcept {
  return from_name(name, address_state::suppressed);
}
std::optional<mail_status> mail_status_from(std::string_view name) noexcept {
  return from_name(name, mail_status::lost_in_space);
}

}  // namespace detail
}  // namespace bouncekit
