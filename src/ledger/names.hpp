// Spelled names of the ledger's enums and of the classifier's classes and categories, both ways.
#pragma once

#include <bouncekit/ledger.hpp>
#include <bouncekit/result.hpp>
#include <optional>
#include <string_view>

namespace bouncekit::detail {

std::optional<bounce_class> bounce_class_from(std::string_view name) noexcept;
std::optional<category> category_from(std::string_view name) noexcept;
std::optional<policy_action> policy_action_from(std::string_view name) noexcept;
std::optional<address_state> address_state_from(std::string_view name) noexcept;
std::optional<mail_status> mail_status_from(std::string_view name) noexcept;

}  // namespace bouncekit::detail
