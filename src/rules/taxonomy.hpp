// The fixed part of the taxonomy: which reasons exist, and how a reason and a status code give a category
// and a class (SPEC 3.1-3.3; the same mapping as truth_category/truth_class in shared/tools/score.py).
#pragma once

#include <bouncekit/result.hpp>

#include <optional>
#include <string_view>

namespace bouncekit::detail {

bool is_known_reason(std::string_view reason) noexcept;

// Equality of reason names for the tables that list them, by their first byte before the rest: most names
// have one of a few lengths, and memcmp's call costs more than the byte that tells nearly all of them apart.
inline bool same_reason(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && (a.empty() || a[0] == b[0]) && a == b;
}

// The category spelled `name` ("policy-related"), or nothing.
std::optional<category> category_named(std::string_view name) noexcept;

// Category from the status code alone (the PowerMTA-style table), or nothing.
std::optional<category> category_for_status(std::string_view status) noexcept;

// Category of a bounce from its reason and status; nothing for feedback and vacation.
std::optional<category> category_for(std::string_view reason, std::string_view status) noexcept;

// `final_failure`: the sending MTA gave up (Action: failed). A domain that does not exist is then a hard
// bounce whatever the code (SPEC 3.2); a 4xx "does not accept mail" stays soft.
bounce_class class_for(std::string_view reason, std::string_view status, std::optional<category> cat, bool delayed,
                       bool final_failure = false) noexcept;

}  // namespace bouncekit::detail
