// How the ledger spells its keys: addresses lower-cased whole (Bob@Example.org and bob@example.org are one
// person to a sender), Message-IDs without angle brackets or surrounding space.
#pragma once

#include <string>
#include <string_view>

#include "util/text.hpp"

namespace bouncekit::detail {

inline std::string address_key(std::string_view address) {
  return ascii_lower(trim(address));
}

inline std::string message_id_key(std::string_view id) {
  id = trim(id);
  if (id.size() >= 2 && id.front() == '<' && id.back() == '>') id = trim(id.substr(1, id.size() - 2));
  return std::string(id);
}

}  // namespace bouncekit::detail
