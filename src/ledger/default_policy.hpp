// The text of ledger/policy.toml, compiled in (generated from default_policy.cpp.in at configure time).
#pragma once

#include <string_view>

namespace bouncekit::detail {

std::string_view default_policy_toml() noexcept;

}  // namespace bouncekit::detail
